//! What verbs read back from the config.json libcrun stored at create time:
//! `exec` the process and memory policy it builds on, `delete` the poststop
//! hooks and namespaces. Each reads only its own parts; the rest (mostly a
//! podman config's seccomp profile) is skipped unbuilt.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::backend::exec_process::Skippable;
use crate::error::{Error, Result};

/// What `exec` builds on: the process, without the members the reader
/// could skip (libcrun's exec takes those from the stored config itself),
/// and the memory policy.
pub(super) struct ForExec {
    pub process: Option<Value>,
    pub linux: Option<ExecLinux>,
    skipped: Skippable,
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
    /// Handed on as written: libocispec reads it again anyway.
    namespaces: Option<Box<serde_json::value::RawValue>>,
}

/// The stored config at `path` as `exec` reads it, once per process (the
/// command asks for the process, the backend for the memory policy): a
/// read that skipped more than a later reader may skip is done again. A
/// verb reads one container's config; another path would be parsed again
/// and kept for the rest of this short-lived process.
pub(super) fn for_exec(path: PathBuf, skip: Skippable) -> Result<&'static ForExec> {
    static READ: std::sync::OnceLock<(PathBuf, ForExec)> = std::sync::OnceLock::new();
    if let Some((p, s)) = READ.get() {
        if *p == path && s.skipped.serves(&skip) {
            return Ok(s);
        }
        return Ok(Box::leak(Box::new(parse_for_exec(&path, skip)?)));
    }
    let s = parse_for_exec(&path, skip)?;
    Ok(&READ.get_or_init(|| (path, s)).1)
}

fn parse_for_exec(path: &Path, skip: Skippable) -> Result<ForExec> {
    exec_view(&read(path)?, skip).map_err(|e| Error::Other(format!("{}: {e}", path.display())))
}

fn exec_view(text: &str, skip: Skippable) -> serde_json::Result<ForExec> {
    let mut de = serde_json::Deserializer::from_str(text);
    let view = ExecSeed(skip).deserialize(&mut de)?;
    de.end()?;
    Ok(view)
}

/// The top level of the stored config: `process` and `linux`, nothing else built.
struct ExecSeed(Skippable);

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Top {
    Process,
    Linux,
    #[serde(other)]
    Other,
}

impl<'de> DeserializeSeed<'de> for ExecSeed {
    type Value = ForExec;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<ForExec, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ExecSeed {
    type Value = ForExec;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a config object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<ForExec, A::Error> {
        let mut out = ForExec {
            process: None,
            linux: None,
            skipped: self.0,
        };
        while let Some(key) = m.next_key::<Top>()? {
            match key {
                Top::Process => out.process = m.next_value_seed(ProcessSeed(self.0))?,
                Top::Linux => out.linux = m.next_value()?,
                Top::Other => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// The process object (or null) without the skipped members.
struct ProcessSeed(Skippable);

impl<'de> DeserializeSeed<'de> for ProcessSeed {
    type Value = Option<Value>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<Value>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ProcessSeed {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a process object or null")
    }
    fn visit_none<E>(self) -> std::result::Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> std::result::Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<Value>, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(
        self,
        mut m: A,
    ) -> std::result::Result<Option<Value>, A::Error> {
        let mut out = Map::new();
        while let Some(key) = m.next_key::<String>()? {
            if self.0.member(&key) {
                m.next_value::<IgnoredAny>()?;
            } else {
                let v: Value = m.next_value()?;
                out.insert(key, v);
            }
        }
        Ok(Some(Value::Object(out)))
    }
}

/// The stored config at `path` as `delete` reads it.
pub(super) fn for_delete(path: &Path) -> Result<ForDelete> {
    parse(path)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(format!("read {}", path.display()), e))
}

fn parse<T: DeserializeOwned>(path: &Path) -> Result<T> {
    serde_json::from_str(&read(path)?).map_err(|e| Error::Other(format!("{}: {e}", path.display())))
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
        Some(
            match self.linux.as_ref().and_then(|l| l.namespaces.as_ref()) {
                Some(ns) => format!(
                    r#"{{"ociVersion":"1.0.0","linux":{{"namespaces":{}}}}}"#,
                    ns.get()
                ),
                None => r#"{"ociVersion":"1.0.0"}"#.to_string(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{exec_view, ForDelete, Skippable};
    use serde_json::json;

    #[test]
    fn exec_reads_the_process_without_what_it_may_skip() {
        let text = r#"{"ociVersion":"1.0.2","process":{"args":["sh"],"env":["A=1"],"cwd":"/",
            "user":{"uid":1,"gid":1},"capabilities":{"bounding":["CAP_KILL"]},"cwd":"/srv"},
            "linux":{"memoryPolicy":{"mode":"MPOL_BIND","nodes":"0"},"seccomp":{"syscalls":[]}}}"#;
        let none = Skippable::default();
        let all = Skippable::ALL;
        let full = exec_view(text, none).unwrap();
        let as_value: serde_json::Value = serde_json::from_str(text).unwrap();
        // Nothing skipped: what serde_json reads, a repeated key included.
        assert_eq!(full.process.as_ref(), Some(&as_value["process"]));
        let lean = exec_view(text, all).unwrap();
        assert_eq!(lean.process, Some(json!({"args": ["sh"], "cwd": "/srv"})));
        let policy = lean.linux.and_then(|l| l.memory_policy);
        assert_eq!(policy, Some(json!({"mode": "MPOL_BIND", "nodes": "0"})));
        assert!(exec_view(r#"{"process":null}"#, all)
            .unwrap()
            .process
            .is_none());
        assert!(exec_view(r#"{"linux":{}}"#, all).unwrap().process.is_none());
        for bad in [r#"{"process":[]}"#, r#"{"process":{}} x"#, "[]", "{"] {
            assert!(exec_view(bad, all).is_err(), "{bad}");
        }
    }

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
        assert_eq!(
            minimal(r#"{"linux":{"namespaces":null}}"#).unwrap(),
            r#"{"ociVersion":"1.0.0"}"#
        );
        // Written as the stored config spells it, escapes and spacing kept.
        let spaced = r#"{"linux": {"namespaces": [ {"type": "net", "path": "/run/n\u0065t"} ]}}"#;
        let def: serde_json::Value = serde_json::from_str(&minimal(spaced).unwrap()).unwrap();
        assert_eq!(
            def,
            json!({"ociVersion": "1.0.0", "linux": {"namespaces": [{"type": "net", "path": "/run/net"}]}})
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
