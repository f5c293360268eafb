//! Containers whose state libcrun cannot read: a `create` killed before it
//! wrote `<root>/<id>/status` (the directory, `config.json` and `exec.fifo`
//! exist, maybe a cgroup and a half-set-up container process too), a
//! `delete` killed half way, or a status file that was truncated or
//! overwritten. libcrun's own `delete --force` only removes the directory in
//! those cases; here we also kill what is left in the container's cgroup and
//! remove the cgroup, so that nothing outlives `delete --force`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::status_view::{StatusView, STRINGS};
use crate::error::{Error, Result};

/// Why the status of a container cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum Broken {
    /// No status file: creation never finished, or deletion started.
    Missing,
    /// The status file is there but is not what libcrun wrote.
    Corrupt(String),
}

pub fn status_file(root: &Path, id: &str) -> PathBuf {
    root.join(id).join("status")
}

/// The container's first process as its status file records it.
#[derive(Debug, PartialEq, Eq)]
pub struct Init {
    pub pid: i32,
    /// When it started (clock ticks after boot, as /proc/PID/stat says),
    /// which tells it from a later process given the same pid.
    pub start_time: Option<u64>,
}

/// Check `<root>/<id>/status` the way libcrun will read it, so that a bad
/// file gives one clear line instead of a parser dump.
pub fn check_status(root: &Path, id: &str) -> std::result::Result<Init, Broken> {
    let path = status_file(root, id);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Broken::Missing),
        Err(e) => return Err(Broken::Corrupt(e.to_string())),
    };
    if bytes.is_empty() {
        return Err(Broken::Corrupt("the file is empty".into()));
    }
    let v = match serde_json::from_slice::<StatusView>(&bytes) {
        Ok(v) => v,
        // Valid JSON that is not an object has no `pid`, as before.
        Err(e) if e.is_data() => StatusView::default(),
        Err(e) => {
            return Err(Broken::Corrupt(format!(
                "not valid JSON at line {}, column {}",
                e.line(),
                e.column()
            )))
        }
    };
    let pid = v
        .pid
        .as_ref()
        .and_then(Value::as_i64)
        .filter(|p| *p > 0)
        .and_then(|p| i32::try_from(p).ok())
        .ok_or_else(|| Broken::Corrupt("no valid `pid`".into()))?;
    for (key, member) in STRINGS.iter().zip(&v.strings) {
        if !member.as_ref().is_some_and(Value::is_string) {
            return Err(Broken::Corrupt(format!("no `{key}` string")));
        }
    }
    let start_time = v.start_time.as_ref().and_then(Value::as_u64);
    Ok(Init { pid, start_time })
}

/// The one-line error for a container in state `b`; `busy` says another
/// process holds the container's lock right now.
pub fn describe(root: &Path, id: &str, b: &Broken, busy: bool) -> Error {
    let file = status_file(root, id);
    match b {
        Broken::Missing if busy => Error::Other(format!(
            "container `{id}` is being created or deleted by another process"
        )),
        Broken::Missing => Error::Other(format!(
            "container `{id}` is incomplete: its creation or deletion was interrupted \
             ({} is missing); `delete --force {id}` removes it",
            file.display()
        )),
        Broken::Corrupt(why) => Error::Other(format!(
            "container `{id}`: state file {} is corrupt ({why}); `delete --force {id}` removes the container",
            file.display()
        )),
    }
}

/// The cgroup path libcrun's cgroupfs manager used for the container,
/// relative to each hierarchy's mount point (same rule as libcrun's
/// `make_cgroup_path`): `linux.cgroupsPath` of the stored config, else `/<id>`.
pub fn cgroup_path(root: &Path, id: &str) -> String {
    let stored = std::fs::read(root.join(id).join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let configured = stored
        .as_ref()
        .and_then(|c| c.pointer("/linux/cgroupsPath"))
        .and_then(Value::as_str)
        .map(str::to_string);
    match configured {
        Some(p) if p.starts_with('/') => p,
        Some(p) => format!("/{p}"),
        None => format!("/{id}"),
    }
}

/// Mount points of every cgroup hierarchy (v1 controllers and cgroup2).
fn cgroup_mounts() -> Vec<PathBuf> {
    crate::mountinfo::current()
        .into_iter()
        .filter(|m| m.fstype == "cgroup" || m.fstype == "cgroup2")
        .map(|m| m.mount_point)
        .collect()
}

/// Kill every process in `dir` and its sub-cgroups, then remove them
/// (deepest first). Gives up after a few seconds, leaving what resists.
fn destroy_cgroup(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        for_each_cgroup(dir, &mut |d| {
            let procs = std::fs::read_to_string(d.join("cgroup.procs")).unwrap_or_default();
            for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                let _ = crate::sys::kill(pid, libc::SIGKILL);
            }
        });
        let mut dirs = Vec::new();
        for_each_cgroup(dir, &mut |d| dirs.push(d.to_path_buf()));
        // Children were pushed after their parent: remove in reverse.
        let mut left = false;
        for d in dirs.iter().rev() {
            if let Err(e) = std::fs::remove_dir(d) {
                left |= e.kind() != std::io::ErrorKind::NotFound;
            }
        }
        if !left || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn for_each_cgroup(dir: &Path, f: &mut dyn FnMut(&Path)) {
    if !dir.is_dir() {
        return;
    }
    f(dir);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                for_each_cgroup(&e.path(), f);
            }
        }
    }
}

/// Whether this process lives in `rel` or below it in any hierarchy: then
/// `rel` is not a container's own cgroup and must not be emptied.
fn contains_self(rel: &str) -> bool {
    let mine = crate::sys::pseudo_file::read("/proc/self/cgroup").unwrap_or_default();
    let rel = rel.trim_end_matches('/');
    mine.lines()
        .filter_map(|l| l.splitn(3, ':').nth(2))
        .any(|p| {
            p == rel
                || p.strip_prefix(rel)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// Remove everything an unreadable container may have left: the processes
/// and cgroups at its cgroup path, then its state directory. The caller
/// holds the container's lock. `systemd` cgroups are not looked for (their
/// names are chosen by systemd); only the state directory is removed then.
pub fn force_remove(root: &Path, id: &str, systemd: bool) -> Result<()> {
    let rel = cgroup_path(root, id);
    let safe = !systemd
        && !rel.trim_matches('/').is_empty()
        && !rel.split('/').any(|c| c == ".." || c == ".")
        && !contains_self(&rel);
    if safe {
        for mp in cgroup_mounts() {
            destroy_cgroup(&mp.join(rel.trim_start_matches('/')));
        }
    }
    let dir = root.join(id);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(
            format!("delete `{id}`: remove {}", dir.display()),
            e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_checks() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir(r.join("c")).unwrap();
        assert_eq!(check_status(r, "c"), Err(Broken::Missing));
        let f = status_file(r, "c");
        for bad in [
            "",
            "{\"pid\": 12",
            "[]",
            "{\"pid\": -1}",
            "{\"pid\": 99999999999}",
        ] {
            std::fs::write(&f, bad).unwrap();
            assert!(
                matches!(check_status(r, "c"), Err(Broken::Corrupt(_))),
                "{bad:?}"
            );
        }
        std::fs::write(
            &f,
            r#"{"pid": 5, "cgroup-path": "/c", "bundle": "/b", "rootfs": "/b/r", "created": "x"}"#,
        )
        .unwrap();
        let init = |start_time| Ok(Init { pid: 5, start_time });
        assert_eq!(check_status(r, "c"), init(None));
        std::fs::write(
            &f,
            r#"{"pid": 5, "process-start-time": 77, "cgroup-path": "/c", "bundle": "/b", "rootfs": "/b/r", "created": "x"}"#,
        )
        .unwrap();
        assert_eq!(check_status(r, "c"), init(Some(77)));
        let e = describe(r, "c", &Broken::Corrupt("the file is empty".into()), false);
        assert!(e.to_string().contains(&f.display().to_string()));
    }

    #[test]
    fn cgroup_path_follows_libcrun() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        assert_eq!(cgroup_path(r, "abc"), "/abc");
        std::fs::create_dir(r.join("abc")).unwrap();
        std::fs::write(
            r.join("abc/config.json"),
            r#"{"linux": {"cgroupsPath": "x/y"}}"#,
        )
        .unwrap();
        assert_eq!(cgroup_path(r, "abc"), "/x/y");
    }
}
