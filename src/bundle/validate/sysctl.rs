//! Keys that become file names under `/proc/sys` (`linux.sysctl`) or the
//! container's cgroup directory (`linux.resources.unified`): they must name
//! a file there and nothing outside it.

use crate::bundle::doc::Value;

use crate::bundle::{path, Diagnostic};

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    if let Some(Value::Object(m)) = doc.pointer("/linux/sysctl") {
        for k in m.keys() {
            if !sysctl_name(k) {
                out.push(Diagnostic::error(
                    path::key("linux.sysctl", k),
                    format!("`{k}` is not a sysctl name"),
                ));
            }
        }
    }
    if let Some(Value::Object(m)) = doc.pointer("/linux/resources/unified") {
        for k in m.keys() {
            if k.is_empty() || k.contains('/') || k == "." || k == ".." {
                out.push(Diagnostic::error(
                    path::key("linux.resources.unified", k),
                    format!("`{k}` is not a cgroup interface file name"),
                ));
            }
        }
    }
}

/// `net.ipv4.ip_forward` or `net/ipv4/ip_forward`: non-empty components only.
fn sysctl_name(k: &str) -> bool {
    !k.is_empty() && k.split(['.', '/']).all(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn keys_cannot_escape() {
        let mut out = Vec::new();
        check(
            &json!({"linux": {
                "sysctl": {"net.ipv4.ip_forward": "1", "net/core/somaxconn": "1", "../../etc/x": "1", "kernel..x": "1"},
                "resources": {"unified": {"memory.max": "1", "../cgroup.procs": "1"}}}}),
            &mut out,
        );
        let paths: Vec<&str> = out.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                r#"linux.sysctl["../../etc/x"]"#,
                r#"linux.sysctl["kernel..x"]"#,
                r#"linux.resources.unified["../cgroup.procs"]"#
            ]
        );
    }
}
