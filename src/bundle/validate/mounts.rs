//! `mounts[]`: destinations must stay inside the container root, id-mapped
//! mounts need both mapping lists, and `linux.rootfsPropagation` must be a
//! propagation mode.

use crate::bundle::doc::Value;

use super::{array, idmap, string};
use crate::bundle::mount_options::{kind, Kind};
use crate::bundle::{path, Diagnostic, Platform};

pub(super) fn check(doc: &Value, platform: Platform, out: &mut Vec<Diagnostic>) {
    for (i, m) in array(doc, "mounts").iter().enumerate() {
        // The mount's path, built only for a finding.
        let at = || path::index("mounts", i);
        if let Some(dest) = string(m, "destination") {
            destination(dest, || path::key(&at(), "destination"), out);
        }
        let (uids, gids) = (
            m.get("uidMappings").is_some(),
            m.get("gidMappings").is_some(),
        );
        match (uids, gids) {
            (true, false) => out.push(Diagnostic::error(
                path::key(&at(), "gidMappings"),
                "missing: an id-mapped mount needs both `uidMappings` and `gidMappings`",
            )),
            (false, true) => out.push(Diagnostic::error(
                path::key(&at(), "uidMappings"),
                "missing: an id-mapped mount needs both `uidMappings` and `gidMappings`",
            )),
            _ => {}
        }
        if uids || gids {
            for list in ["uidMappings", "gidMappings"] {
                idmap::check_list(m, list, &at(), out);
            }
        }
        if platform == Platform::Linux {
            options(m, &at, out);
        }
    }
    if platform == Platform::Linux {
        propagation(doc, out);
    }
}

/// Option words `create` would refuse, and words a bind mount would ignore
/// (a bind mount keeps its source's file-system flags and takes no data).
fn options(m: &Value, at: &dyn Fn() -> String, out: &mut Vec<Diagnostic>) {
    // (index, word) of the strings; the rest are the typed parse's to report.
    let words = || {
        array(m, "options")
            .iter()
            .enumerate()
            .filter_map(|(j, w)| Some((j, w.as_str()?)))
    };
    let bind =
        string(m, "type") == Some("bind") || words().any(|(_, w)| kind(w) == Some(Kind::Bind));
    for (j, w) in words() {
        let here = || path::index(&path::key(&at(), "options"), j);
        match kind(w) {
            Some(Kind::Refused(why)) => out.push(Diagnostic::error(here(), format!("`{w}`: {why}"))),
            Some(Kind::Superblock) if bind => out.push(Diagnostic::warning(
                here(),
                format!("`{w}` is ignored: a bind mount keeps the file-system flags of its source"),
            )),
            None if bind => out.push(Diagnostic::warning(
                here(),
                format!("`{w}` is ignored: not a mount flag, and a bind mount takes no file-system data"),
            )),
            _ => {}
        }
    }
}

/// Destinations are container paths: after normalization they are absolute;
/// `..` may not climb above `/` (a hostile `../../etc` would land on the host).
/// `at` names the field, built only for a finding.
pub(super) fn destination(dest: &str, at: impl Fn() -> String, out: &mut Vec<Diagnostic>) {
    if dest.is_empty() {
        out.push(Diagnostic::error(at(), "must not be empty"));
        return;
    }
    match lexical_depth(dest) {
        Err(()) => out.push(Diagnostic::error(
            at(),
            format!("destination `{dest}` escapes the container root through `..`"),
        )),
        Ok(true) => out.push(Diagnostic::warning(
            at(),
            format!("destination `{dest}` contains `..`; it is resolved inside the container root"),
        )),
        Ok(false) => {}
    }
}

/// Ok(has_dotdot) if `p` never climbs above its root, Err if it does.
fn lexical_depth(p: &str) -> Result<bool, ()> {
    let mut depth = 0usize;
    let mut dotdot = false;
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                dotdot = true;
                depth = depth.checked_sub(1).ok_or(())?;
            }
            _ => depth += 1,
        }
    }
    Ok(dotdot)
}

const PROPAGATION: &[&str] = &["private", "shared", "slave", "unbindable"];

fn propagation(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(p) = doc
        .pointer("/linux/rootfsPropagation")
        .and_then(Value::as_str)
    else {
        return;
    };
    let at = "linux.rootfsPropagation";
    if PROPAGATION.contains(&p) {
        return;
    }
    if p.strip_prefix('r')
        .is_some_and(|rest| PROPAGATION.contains(&rest))
    {
        out.push(Diagnostic::warning(
            at,
            format!(
                "`{p}` is not a runtime-spec value (accepted: libcrun understands it); use `{}`",
                &p[1..]
            ),
        ));
    } else {
        out.push(Diagnostic::error(
            at,
            format!("`{p}` is not one of {}", PROPAGATION.join(", ")),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{errors_of, run};
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn hostile_destinations_rejected() {
        for d in ["/../../etc", "/a/../../etc", "../x", "/.."] {
            let mut out = Vec::new();
            destination(d, || "mounts[3].destination".into(), &mut out);
            assert_eq!(out.len(), 1, "{d}");
            assert_eq!(out[0].severity, crate::bundle::Severity::Error, "{d}");
            assert!(out[0].message.contains("escapes"), "{d}");
        }
    }

    #[test]
    fn harmless_destinations() {
        let mut out = Vec::new();
        destination("/a/./b//c", || "x".into(), &mut out);
        assert!(out.is_empty());
        destination("/a/../b", || "x".into(), &mut out);
        assert_eq!(out[0].severity, crate::bundle::Severity::Warning);
    }

    #[test]
    fn idmapped_mount_needs_both_lists() {
        let f = run(
            json!({"mounts": [{"destination": "/d", "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}]}),
            Platform::Linux,
        );
        assert!(
            errors_of(&f)
                .iter()
                .any(|(p, _)| p == "mounts[0].gidMappings"),
            "{f:?}"
        );
    }

    #[test]
    fn option_words_refused_or_ignored() {
        let f = run(
            json!({"mounts": [
                {"destination": "/a", "type": "tmpfs", "source": "tmpfs", "options": ["rsync", "sync", "size=1m", "rnoatime"]},
                {"destination": "/b", "type": "bind", "source": "/x", "options": ["rbind", "sync", "size=1m", "remount", "nosymfollow"]}
            ]}),
            Platform::Linux,
        );
        let got: Vec<(&str, crate::bundle::Severity)> =
            f.iter().map(|d| (d.path.as_str(), d.severity)).collect();
        use crate::bundle::Severity::{Error, Warning};
        assert_eq!(
            got,
            [
                ("mounts[0].options[0]", Error),
                ("mounts[1].options[1]", Warning),
                ("mounts[1].options[2]", Warning),
                ("mounts[1].options[3]", Error),
            ],
            "{f:?}"
        );
        let freebsd = run(
            json!({"mounts": [{"destination": "/a", "type": "nullfs", "source": "/x", "options": ["rsync"]}]}),
            Platform::FreeBsd,
        );
        assert!(
            freebsd.iter().all(|d| !d.path.contains("options")),
            "{freebsd:?}"
        );
    }

    #[test]
    fn an_option_is_named_by_its_index_in_the_array() {
        let f = run(
            json!({"mounts": [{"destination": "/b", "type": "bind", "source": "/x", "options": [7, "rbind", "sync"]}]}),
            Platform::Linux,
        );
        let warnings: Vec<&str> = f
            .iter()
            .filter(|d| d.severity == crate::bundle::Severity::Warning)
            .map(|d| d.path.as_str())
            .collect();
        assert_eq!(warnings, ["mounts[0].options[2]"], "{f:?}");
        assert!(
            f.iter().any(|d| d.path.starts_with("mounts[0].options")
                && d.severity == crate::bundle::Severity::Error),
            "{f:?}"
        );
    }

    #[test]
    fn rootfs_propagation_values() {
        let e = |p: &str| {
            errors_of(&run(
                json!({"linux": {"rootfsPropagation": p}}),
                Platform::Linux,
            ))
        };
        assert!(e("slave").is_empty());
        assert!(e("rslave").is_empty());
        assert_eq!(e("sideways")[0].0, "linux.rootfsPropagation");
    }
}
