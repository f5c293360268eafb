//! A container without a mount namespace of its own makes its mounts
//! (`/proc`, `/dev`, `/sys`, cgroups, masked paths, bind mounts) in the
//! namespace stockade runs in, and libcrun leaves them there when the
//! container is deleted. The mounts under the rootfs are recorded before
//! `create`; once the container is gone (delete, a failed create, a
//! foreground run that ended) every mount under the rootfs that was not
//! there before is detached, deepest first.
//!
//! A container that joins another mount namespace by path makes its
//! mounts there; they belong to that namespace and go with it.

use std::path::{Path, PathBuf};

use crate::bundle::doc::Value;
use serde::{Deserialize, Serialize};

use super::kernel;
use crate::mountinfo::{self, Mount};

const RECORD: &str = "stockade-host-mounts.json";

/// What was mounted under the rootfs before the container existed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    rootfs: PathBuf,
    before: Vec<(u64, PathBuf)>,
}

/// `Some` when the config gives the container no mount namespace at all.
pub fn needed(config: &Value) -> Option<PathBuf> {
    if crate::bundle::has_namespace(config, "mount") {
        return None;
    }
    let root = config.pointer("/root/path").and_then(Value::as_str)?;
    Some(std::fs::canonicalize(root).unwrap_or_else(|_| PathBuf::from(root)))
}

/// Mounts strictly below `rootfs`.
fn below<'a>(mounts: &'a [Mount], rootfs: &'a Path) -> impl Iterator<Item = &'a Mount> + 'a {
    mounts
        .iter()
        .filter(move |m| m.mount_point != rootfs && m.mount_point.starts_with(rootfs))
}

impl Guard {
    pub fn take(rootfs: PathBuf) -> Guard {
        let before = below(&mountinfo::current(), &rootfs)
            .map(|m| (m.id, m.mount_point.clone()))
            .collect();
        Guard { rootfs, before }
    }

    /// Keep the record with the container, for `delete`.
    pub fn record(&self, state_root: &Path, id: &str) -> std::io::Result<()> {
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        std::fs::write(state_root.join(id).join(RECORD), text)
    }

    /// The record of container `id`, read before libcrun removes its state.
    pub fn recorded(state_root: &Path, id: &str) -> Option<Guard> {
        let text = std::fs::read_to_string(state_root.join(id).join(RECORD)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Detach what the container mounted (stacked mounts take a few rounds).
    pub fn unmount_new(&self) {
        for _ in 0..8 {
            let now = mountinfo::current();
            let mut new: Vec<&Path> = below(&now, &self.rootfs)
                .filter(|m| {
                    !self
                        .before
                        .iter()
                        .any(|(id, p)| *id == m.id && *p == m.mount_point)
                })
                .map(|m| m.mount_point.as_path())
                .collect();
            if new.is_empty() {
                return;
            }
            new.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
            for p in new {
                if let Err(e) = kernel::umount_detach(p) {
                    tracing::warn!("cannot unmount {}: {e}", p.display());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn only_configs_without_a_mount_namespace_need_it() {
        let with = json!({"root": {"path": "/r"}, "linux": {"namespaces": [{"type": "mount"}]}});
        let joined = json!({"root": {"path": "/r"}, "linux": {"namespaces": [{"type": "mount", "path": "/proc/1/ns/mnt"}]}});
        let without =
            json!({"root": {"path": "/nonexistent/r"}, "linux": {"namespaces": [{"type": "pid"}]}});
        assert_eq!(needed(&with), None);
        assert_eq!(needed(&joined), None);
        assert_eq!(needed(&without), Some(PathBuf::from("/nonexistent/r")));
        assert_eq!(
            needed(&json!({"root": {"path": "/nonexistent/r"}})),
            Some(PathBuf::from("/nonexistent/r"))
        );
    }

    #[test]
    fn below_is_strictly_under_the_rootfs() {
        let m = |id, p: &str| Mount {
            id,
            mount_point: p.into(),
            fstype: "x".into(),
        };
        let all = [
            m(1, "/b/rootfs"),
            m(2, "/b/rootfs/proc"),
            m(3, "/b/rootfs2/x"),
            m(4, "/b"),
        ];
        let got: Vec<u64> = below(&all, Path::new("/b/rootfs")).map(|m| m.id).collect();
        assert_eq!(got, [2]);
    }
}
