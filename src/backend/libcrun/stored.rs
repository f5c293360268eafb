//! What verbs read back from the config.json libcrun stored at create time:
//! `exec` the process and memory policy it builds on, `delete` the poststop
//! hooks and namespaces. Each reads only its own parts; the rest (mostly a
//! podman config's seccomp profile) is skipped unbuilt.

use std::path::{Path, PathBuf};

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Error, Result};

/// What `exec` builds on.
#[derive(Deserialize)]
pub(super) struct ForExec {
    pub process: Option<Value>,
    pub linux: Option<ExecLinux>,
}

#[derive(Deserialize)]
pub(super) struct ExecLinux {
    #[serde(rename = "memoryPolicy")]
    pub memory_policy: Option<Value>,
}

/// What `delete` needs.
#[derive(Deserialize)]
pub(super) struct ForDelete {
    hooks: Option<Hooks>,
    linux: Option<DeleteLinux>,
}

#[derive(Deserialize)]
struct Hooks {
    poststop: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize)]
struct DeleteLinux {
    namespaces: Option<Value>,
}

/// The stored config at `path` as `exec` reads it, once per process (the
/// command asks for the process, the backend for the memory policy). A
/// verb reads one container's config; another path would be parsed again
/// and kept for the rest of this short-lived process.
pub(super) fn for_exec(path: PathBuf) -> Result<&'static ForExec> {
    static READ: std::sync::OnceLock<(PathBuf, ForExec)> = std::sync::OnceLock::new();
    if let Some((p, s)) = READ.get() {
        if *p == path {
            return Ok(s);
        }
        return Ok(Box::leak(Box::new(parse(&path)?)));
    }
    let s = parse(&path)?;
    Ok(&READ.get_or_init(|| (path, s)).1)
}

/// The stored config at `path` as `delete` reads it.
pub(super) fn for_delete(path: &Path) -> Result<ForDelete> {
    parse(path)
}

fn parse<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("read {}", path.display()), e))?;
    serde_json::from_str(&text).map_err(|e| Error::Other(format!("{}: {e}", path.display())))
}

impl ForDelete {
    /// The config text `delete` hands libcrun instead of letting it parse
    /// the whole stored config: libcrun reads it only for poststop hooks
    /// and, for `--force`, a PID namespace of the container's own, so
    /// without poststop hooks `linux.namespaces` alone makes it do exactly
    /// the same. None when there are poststop hooks to run.
    pub fn delete_definition(&self) -> Option<String> {
        let hooks = self.hooks.as_ref().and_then(|h| h.poststop.as_ref());
        if hooks.is_some_and(|p| !p.is_empty()) {
            return None;
        }
        let mut doc = json!({ "ociVersion": "1.0.0" });
        if let Some(ns) = self.linux.as_ref().and_then(|l| l.namespaces.as_ref()) {
            doc["linux"] = json!({ "namespaces": ns });
        }
        Some(doc.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::ForDelete;

    fn minimal(stored: &str) -> Option<String> {
        serde_json::from_str::<ForDelete>(stored)
            .ok()?
            .delete_definition()
    }

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
