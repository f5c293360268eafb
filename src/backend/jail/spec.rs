//! `stockade spec` for FreeBSD: the default bundle config of a jail
//! container (also `spec --platform freebsd` on any OS). Pure.
//!
//! Choices: the same process as runc's/crun's template (`sh` on a
//! terminal, root, `noNewPrivileges`), a read-only root, the host's network
//! (no `freebsd.jail` networking: `ip4`/`ip6` inherit), and a devfs at `/dev`
//! filtered by ruleset 4 (`devfsrules_jail`, what jail(8) uses) plus
//! fdescfs at `/dev/fd`. Jails need root: there is no rootless template.

use serde_json::{json, Value};

/// The template as a JSON value.
pub fn default_config() -> Value {
    json!({
        "ociVersion": crate::bundle::version::MAX,
        "process": {
            "terminal": true,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": ["PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin", "TERM=xterm"],
            "cwd": "/",
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": true
        },
        "root": {"path": "rootfs", "readonly": true},
        "hostname": "stockade",
        "mounts": [
            {"destination": "/dev", "type": "devfs", "source": "devfs", "options": ["ruleset=4"]},
            {"destination": "/dev/fd", "type": "fdescfs", "source": "fdesc"},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]}
        ],
        "freebsd": {"jail": {"enforceStatfs": 2}}
    })
}

/// The template as `spec` writes it; `rootful` false is refused.
pub fn default_spec(rootful: bool) -> Result<String, String> {
    if !rootful {
        return Err("--rootless: FreeBSD jails need root; there is no rootless template".into());
    }
    serde_json::to_string_pretty(&default_config()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{load_str, Platform};

    #[test]
    fn the_template_loads_and_plans_for_freebsd() {
        let dir = tempfile::tempdir().unwrap();
        let text = default_spec(true).unwrap();
        let b = load_str(&text, dir.path(), Platform::FreeBsd).unwrap();
        assert!(b.warnings.is_empty(), "{:?}", b.warnings);
        let p = crate::backend::jail::plan(&b, "c1").unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(p.rootfs.readonly);
        assert_eq!(p.mounts[0].options[0].value, "4");
        assert!(p.process.unwrap().terminal);
        assert!(default_spec(false).unwrap_err().contains("rootless"));
    }
}
