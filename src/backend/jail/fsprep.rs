//! Host-side file work around mounts: creating missing mount points inside
//! the rootfs (recorded so `delete` removes them, deepest first) and the
//! `tmpcopyup` copy. Plain std::fs, tested on any OS.

use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

/// Create `root/target` (a directory, or an empty file when `file`) and any
/// missing parents; returns what was created, parents first. Paths must
/// already be resolved inside `root` (see `resolve`).
pub fn ensure_mount_point(root: &Path, target: &str, file: bool) -> io::Result<Vec<PathBuf>> {
    let mut made = Vec::new();
    let mut here = root.to_path_buf();
    let parts: Vec<&str> = target.split('/').filter(|c| !c.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        here.push(part);
        let last = i + 1 == parts.len();
        match fs::symlink_metadata(&here) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(io::Error::other(format!(
                    "{} became a symlink after planning",
                    here.display()
                )));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if last && file {
                    fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&here)?;
                } else {
                    fs::create_dir(&here)?;
                }
                made.push(here.clone());
            }
            Err(e) => return Err(e),
        }
    }
    Ok(made)
}

/// Remove created mount points, deepest first; missing ones are fine.
pub fn remove_created(paths: &[String]) -> Vec<String> {
    let mut sorted: Vec<&String> = paths.iter().collect();
    sorted.sort_by(|a, b| b.cmp(a));
    let mut errors = Vec::new();
    for p in sorted {
        let path = Path::new(p);
        let r = match fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => fs::remove_dir(path),
            Ok(_) => fs::remove_file(path),
            Err(_) => Ok(()),
        };
        if let Err(e) = r {
            errors.push(format!("cannot remove {p}: {e}"));
        }
    }
    errors
}

/// Copy the tree under `from` into `to` (files, directories, symlinks,
/// permission bits), for `tmpcopyup`.
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let meta = fs::symlink_metadata(&src)?;
        if meta.file_type().is_symlink() {
            symlink(fs::read_link(&src)?, &dst)?;
        } else if meta.is_dir() {
            fs::create_dir(&dst)?;
            fs::set_permissions(&dst, meta.permissions())?;
            copy_tree(&src, &dst)?;
        } else if meta.is_file() {
            fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("stockade-fsprep-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn creates_dirs_and_files_and_removes_them_deepest_first() {
        let root = scratch("mk");
        fs::create_dir(root.join("etc")).unwrap();
        let made = ensure_mount_point(&root, "/etc/a/b", false).unwrap();
        assert_eq!(made, [root.join("etc/a"), root.join("etc/a/b")]);
        let f = ensure_mount_point(&root, "/etc/resolv.conf", true).unwrap();
        assert!(root.join("etc/resolv.conf").is_file());
        let all: Vec<String> = made
            .iter()
            .chain(&f)
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        assert!(remove_created(&all).is_empty());
        assert!(!root.join("etc/a").exists());
        assert!(root.join("etc").exists());
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn refuses_a_symlink_on_the_way() {
        let root = scratch("ln");
        symlink("/tmp", root.join("x")).unwrap();
        assert!(ensure_mount_point(&root, "/x/y", false).is_err());
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn copies_a_tree() {
        let d = scratch("cp");
        fs::create_dir_all(d.join("a/sub")).unwrap();
        fs::write(d.join("a/sub/f"), "x").unwrap();
        symlink("sub/f", d.join("a/l")).unwrap();
        fs::create_dir(d.join("b")).unwrap();
        copy_tree(&d.join("a"), &d.join("b")).unwrap();
        assert_eq!(fs::read_to_string(d.join("b/sub/f")).unwrap(), "x");
        assert_eq!(fs::read_link(d.join("b/l")).unwrap(), Path::new("sub/f"));
        fs::remove_dir_all(d).unwrap();
    }
}
