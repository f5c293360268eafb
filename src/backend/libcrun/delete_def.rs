//! The definition `delete` hands libcrun instead of letting it read the
//! stored config.json. libcrun parses the whole stored config only to look
//! for poststop hooks and, for `--force`, a PID namespace of the container's
//! own; a podman config carries a seccomp profile of several hundred rules
//! that nothing in `delete` reads. Without poststop hooks, a definition
//! holding only `linux.namespaces` makes libcrun do exactly the same.

use std::path::Path;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};

use super::ffi;

/// The parts of the stored config `delete` reads (the rest is skipped unbuilt).
#[derive(Deserialize)]
struct Stored {
    hooks: Option<Hooks>,
    linux: Option<Linux>,
}

#[derive(Deserialize)]
struct Hooks {
    poststop: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize)]
struct Linux {
    namespaces: Option<Value>,
}

/// The definition for deleting the container whose state is in `state_dir`;
/// None where libcrun must read the stored config itself (poststop hooks to
/// run, or a config this cannot read, which libcrun then reports).
pub fn for_delete(state_dir: &Path) -> Option<ffi::Container> {
    let text = std::fs::read_to_string(state_dir.join("config.json")).ok()?;
    ffi::load_from_memory(&minimal(&text)?).ok()
}

fn minimal(stored: &str) -> Option<String> {
    let s: Stored = serde_json::from_str(stored).ok()?;
    if s.hooks
        .and_then(|h| h.poststop)
        .is_some_and(|p| !p.is_empty())
    {
        return None;
    }
    let mut doc = json!({ "ociVersion": "1.0.0" });
    if let Some(ns) = s.linux.and_then(|l| l.namespaces) {
        doc["linux"] = json!({ "namespaces": ns });
    }
    Some(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::minimal;

    #[test]
    fn only_the_namespaces_are_kept() {
        let stored = r#"{"ociVersion":"1.0.2","process":{"args":["sh"]},
            "hooks":{"prestart":[{"path":"/x"}],"poststop":[]},
            "linux":{"namespaces":[{"type":"pid"},{"type":"mount"}],
                     "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}}}"#;
        assert_eq!(
            minimal(stored).unwrap(),
            r#"{"ociVersion":"1.0.0","linux":{"namespaces":[{"type":"pid"},{"type":"mount"}]}}"#
        );
        assert_eq!(
            minimal(r#"{"ociVersion":"1.0.2","hooks":null}"#).unwrap(),
            r#"{"ociVersion":"1.0.0"}"#
        );
    }

    #[test]
    fn poststop_hooks_or_an_unreadable_config_leave_it_to_libcrun() {
        let hooks = r#"{"hooks":{"poststop":[{"path":"/bin/true"}]},"linux":{}}"#;
        assert_eq!(minimal(hooks), None);
        assert_eq!(minimal("{not json"), None);
        assert_eq!(minimal(r#"{"hooks":{"poststop":"x"}}"#), None);
    }
}
