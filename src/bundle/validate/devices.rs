//! `linux.devices[]` (nodes created in the container) and
//! `linux.resources.devices[]` (the device cgroup allow/deny list).

use crate::bundle::doc::Value;

use super::{array, int, string};
use crate::bundle::{path, Diagnostic};

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(linux) = doc.get("linux") else {
        return;
    };
    for (i, d) in array(linux, "devices").iter().enumerate() {
        let at = path::index("linux.devices", i);
        if let Some(p) = string(d, "path") {
            if !p.starts_with('/') || p.split('/').any(|c| c == "..") {
                out.push(Diagnostic::error(
                    path::key(&at, "path"),
                    format!("`{p}` must be an absolute path without `..`"),
                ));
            }
        }
        // Type bits left in place disagree with `type`: normalize said so.
        let bad = |m: &i128| *m & 0o170000 == 0 && !(0..=0o777).contains(m);
        if let Some(m) = int(d, "fileMode").filter(bad) {
            out.push(Diagnostic::error(
                path::key(&at, "fileMode"),
                format!("{m} is not a permission mode (0 to 511, i.e. 0o777, written in decimal; file-type bits are accepted when they match `type`)"),
            ));
        }
        let t = string(d, "type");
        if matches!(t, Some("c" | "b" | "u")) {
            for k in ["major", "minor"] {
                if d.get(k).is_none() {
                    out.push(Diagnostic::error(
                        path::key(&at, k),
                        format!(
                            "missing: required for device type `{}`",
                            t.unwrap_or_default()
                        ),
                    ));
                }
            }
        }
    }
    if let Some(res) = linux.get("resources") {
        for (i, d) in array(res, "devices").iter().enumerate() {
            let Some(a) = string(d, "access") else {
                continue;
            };
            if a.is_empty() || !a.chars().all(|c| "rwm".contains(c)) {
                out.push(Diagnostic::error(
                    path::key(&path::index("linux.resources.devices", i), "access"),
                    format!("`{a}` is not a combination of r, w and m"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn device_rules() {
        let mut out = Vec::new();
        check(
            &json!({"linux": {
                "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438},
                            {"type": "c", "path": "dev/x", "fileMode": 1000}],
                "resources": {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "access": "rwx"}]}}}),
            &mut out,
        );
        let paths: Vec<&str> = out.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "linux.devices[1].path",
                "linux.devices[1].fileMode",
                "linux.devices[1].major",
                "linux.devices[1].minor",
                "linux.resources.devices[1].access"
            ]
        );
    }
}
