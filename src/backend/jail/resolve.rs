//! Mount destinations resolved inside the rootfs, never out of it.
//!
//! Policy (documented in docs/freebsd.md):
//! * a destination with a `..` component, or `/` itself, is rejected;
//! * symlinks met on the way are followed *relative to the rootfs*: an
//!   absolute target restarts at the rootfs, `..` stops at the rootfs, so the
//!   result is always a path inside it (confined, the way chroot(2) would
//!   see it). More than [`MAX_LINKS`] links is an error.
//!
//! The walk only asks "is this path a symlink, and to what?" through
//! [`RootfsView`], so it is tested with a fake tree; [`FsView`] is the real
//! one (lstat + readlink, nothing else). The apply layer re-resolves right
//! before mounting; the rootfs is not writable from inside a jail that does
//! not run yet, which is what keeps that window small.

use std::path::{Path, PathBuf};

/// FreeBSD's MAXSYMLINKS.
pub const MAX_LINKS: usize = 32;

/// Read-only questions about the tree under a rootfs. Paths are
/// container-absolute (`/etc/x`) and contain no symlinks before the last
/// component.
pub trait RootfsView {
    /// The link text if `path` is a symlink, else `None` (also when missing).
    fn read_link(&self, path: &str) -> Option<String>;
}

/// The real filesystem under `root`.
pub struct FsView<'a> {
    pub root: &'a Path,
}

impl RootfsView for FsView<'_> {
    fn read_link(&self, path: &str) -> Option<String> {
        let host: PathBuf = self.root.join(path.trim_start_matches('/'));
        let meta = std::fs::symlink_metadata(&host).ok()?;
        if !meta.file_type().is_symlink() {
            return None;
        }
        std::fs::read_link(&host)
            .ok()
            .map(|t| t.to_string_lossy().into_owned())
    }
}

/// Lexical checks: absolute, no `..`, not `/`; returns the cleaned path.
pub fn clean_destination(dest: &str) -> Result<String, String> {
    if !dest.starts_with('/') {
        return Err(format!("`{dest}` is not absolute"));
    }
    let parts: Vec<&str> = dest
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.contains(&"..") {
        return Err(format!(
            "`{dest}` contains `..`; mount destinations must stay inside the rootfs"
        ));
    }
    if parts.is_empty() {
        return Err("mounting over the root `/` is not supported".into());
    }
    Ok(format!("/{}", parts.join("/")))
}

/// Follow symlinks in `dest` (already cleaned) inside the rootfs.
pub fn resolve_in_root(view: &dyn RootfsView, dest: &str) -> Result<String, String> {
    let mut todo: Vec<String> = components(dest).rev().collect();
    let mut done: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(c) = todo.pop() {
        match c.as_str() {
            "" | "." => continue,
            ".." => {
                done.pop();
                continue;
            }
            _ => {}
        }
        done.push(c);
        let here = format!("/{}", done.join("/"));
        if let Some(target) = view.read_link(&here) {
            links += 1;
            if links > MAX_LINKS {
                return Err(format!("`{dest}`: more than {MAX_LINKS} symlinks"));
            }
            done.pop();
            if target.starts_with('/') {
                done.clear();
            }
            todo.extend(components(&target).rev());
        }
    }
    if done.is_empty() {
        return Err(format!(
            "`{dest}` resolves to the root `/` of the container"
        ));
    }
    Ok(format!("/{}", done.join("/")))
}

fn components(p: &str) -> impl DoubleEndedIterator<Item = String> + '_ {
    p.split('/').filter(|c| !c.is_empty()).map(String::from)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A rootfs described by its symlinks only.
    pub(crate) struct Links(pub HashMap<String, String>);

    impl RootfsView for Links {
        fn read_link(&self, path: &str) -> Option<String> {
            self.0.get(path).cloned()
        }
    }

    fn links(pairs: &[(&str, &str)]) -> Links {
        Links(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn lexical_rules() {
        assert_eq!(clean_destination("//a/./b/").unwrap(), "/a/b");
        assert!(clean_destination("/../../etc").is_err());
        assert!(clean_destination("/a/../b").is_err());
        assert!(clean_destination("/").is_err());
        assert!(clean_destination("etc").is_err());
    }

    #[test]
    fn absolute_link_is_confined_to_root() {
        let v = links(&[("/data", "/etc")]);
        assert_eq!(resolve_in_root(&v, "/data/x").unwrap(), "/etc/x");
    }

    #[test]
    fn dotdot_in_link_stops_at_root() {
        let v = links(&[("/a/evil", "../../../../etc")]);
        assert_eq!(
            resolve_in_root(&v, "/a/evil/passwd").unwrap(),
            "/etc/passwd"
        );
    }

    #[test]
    fn relative_link_and_chain() {
        let v = links(&[("/var/run", "../run"), ("/run", "/tmp/r")]);
        assert_eq!(resolve_in_root(&v, "/var/run/sock").unwrap(), "/tmp/r/sock");
    }

    #[test]
    fn loops_are_errors() {
        let v = links(&[("/a", "/b"), ("/b", "/a")]);
        assert!(resolve_in_root(&v, "/a/x")
            .unwrap_err()
            .contains("symlinks"));
    }

    #[test]
    fn link_to_root_is_an_error() {
        let v = links(&[("/mnt", "/")]);
        assert!(resolve_in_root(&v, "/mnt").is_err());
        assert_eq!(resolve_in_root(&v, "/mnt/x").unwrap(), "/x");
    }

    #[test]
    fn real_fs_view_reads_links() {
        let dir = std::env::temp_dir().join(format!("stockade-resolve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("d")).unwrap();
        std::os::unix::fs::symlink("/etc", dir.join("d/l")).unwrap();
        let v = FsView { root: &dir };
        assert_eq!(v.read_link("/d/l").as_deref(), Some("/etc"));
        assert_eq!(v.read_link("/d"), None);
        assert_eq!(v.read_link("/missing"), None);
        assert_eq!(resolve_in_root(&v, "/d/l/shadow").unwrap(), "/etc/shadow");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
