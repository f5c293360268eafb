//! `linux.netDevices` (runtime-spec v1.3.0): host and container interface
//! names must be names the kernel accepts, the container needs its own
//! network namespace, and two devices cannot take the same name.

use crate::bundle::doc::Value;

use super::{array, string};
use crate::bundle::{known::IFNAME_MAX, path, Diagnostic};

const AT: &str = "linux.netDevices";

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(Value::Object(devs)) = doc.pointer("/linux/netDevices") else {
        return;
    };
    if devs.is_empty() {
        return;
    }
    let netns = doc
        .get("linux")
        .map(|l| array(l, "namespaces"))
        .unwrap_or_default()
        .iter()
        .any(|n| string(n, "type") == Some("network"));
    if !netns {
        out.push(Diagnostic::warning(
            AT,
            "no `network` entry in `linux.namespaces`: the container would share the host's network namespace, so the devices cannot be moved and create refuses the bundle",
        ));
    }
    let mut targets: Vec<(&str, String)> = Vec::new();
    for (host, dev) in devs {
        let at = path::key(AT, host);
        if let Err(e) = ifname(host, false) {
            out.push(Diagnostic::error(
                &at,
                format!("host interface name `{host}` {e}"),
            ));
        }
        let target = match string(dev, "name") {
            Some(n) => {
                if let Err(e) = ifname(n, true) {
                    out.push(Diagnostic::error(
                        path::key(&at, "name"),
                        format!("`{n}` {e}"),
                    ));
                }
                n
            }
            None => host.as_str(),
        };
        if !target.contains("%d") {
            if let Some((_, first)) = targets.iter().find(|(t, _)| *t == target) {
                out.push(Diagnostic::error(
                    &at,
                    format!("would also be named `{target}` in the container (like `{first}`)"),
                ));
            }
        }
        targets.push((target, at));
    }
}

/// Linux interface name rules; `template` allows one `%d` for the kernel to fill.
pub fn ifname(n: &str, template: bool) -> Result<(), String> {
    if n.is_empty() {
        return Err("is empty".into());
    }
    if n.len() > IFNAME_MAX {
        return Err(format!("is longer than {IFNAME_MAX} bytes"));
    }
    if n == "." || n == ".." {
        return Err("is not a usable name".into());
    }
    if let Some(c) = n
        .chars()
        .find(|c| *c == '/' || *c == ':' || c.is_whitespace())
    {
        return Err(format!("contains `{c}`"));
    }
    let percents = n.matches('%').count();
    if percents > 0 {
        if !template {
            return Err("contains `%` (a `%d` template is only allowed in `name`)".into());
        }
        if percents != 1 || n.matches("%d").count() != 1 {
            return Err("may contain `%` only as a single `%d` template".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{errors_of, run};
    use super::*;
    use crate::bundle::doc::json;
    use crate::bundle::Platform;

    fn errs(devs: Value, netns: bool) -> Vec<(String, String)> {
        let ns = if netns {
            json!([{"type": "network"}])
        } else {
            json!([])
        };
        errors_of(&run(
            json!({"linux": {"netDevices": devs, "namespaces": ns}}),
            Platform::Linux,
        ))
    }

    #[test]
    fn interface_names() {
        assert!(ifname("eth0", false).is_ok());
        assert!(ifname("container_eth0", false).is_ok());
        assert!(ifname("ctr%d", true).is_ok());
        for bad in [
            "",
            "a/b",
            "a b",
            "a:b",
            "..",
            "sixteen-chars-xx",
            "e%d",
            "%d%d",
        ] {
            assert!(ifname(bad, bad == "%d%d").is_err(), "{bad}");
        }
    }

    #[test]
    fn net_devices_rules() {
        assert!(errs(json!({"eth0": {"name": "ctr0"}, "ens4": {}}), true).is_empty());
        assert!(errs(json!({"eth0": {}}), false).is_empty());
        let w = run(
            json!({"linux": {"netDevices": {"eth0": {}}}}),
            Platform::Linux,
        );
        assert!(
            w.iter()
                .any(|d| d.path == "linux.netDevices" && d.message.contains("cannot be moved")),
            "{w:?}"
        );
        let e = errs(json!({"eth0": {"name": "a/b"}, "eth/1": {}}), true);
        assert_eq!(e[0].0, "linux.netDevices.eth0.name");
        assert_eq!(e[1].0, r#"linux.netDevices["eth/1"]"#);
        let e = errs(
            json!({"eth0": {"name": "x"}, "eth1": {"name": "x"}, "a": {"name": "c%d"}, "b": {"name": "c%d"}}),
            true,
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "linux.netDevices.eth1");
    }
}
