//! One lock per container, so that verbs run on the same id by several
//! processes at once happen one after the other.
//!
//! The lock is an exclusive POSIX record lock (`fcntl`) on
//! `<root>/.locks/<id>.lock` (libcrun skips names starting with `.` when it
//! lists containers, and ids cannot start with `.`). Not `flock`: a flock
//! belongs to the open file, which the container process inherits when
//! libcrun clones it; a container process orphaned by a killed `create`
//! would then hold the lock forever. A POSIX lock belongs to this process
//! only and vanishes when it dies, whatever its children do. Lock files do not pile up: whoever holds the lock when
//! the container's state directory is gone unlinks the file before
//! unlocking. A waiter may therefore wake up holding a lock on an unlinked
//! file; it notices (the path no longer names the inode it locked) and
//! starts over on the current file, so two processes can never both believe
//! they hold the lock.

use std::fs::{File, OpenOptions};
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// Whether this process holds a lock. A POSIX lock is dropped when the
/// process closes *any* descriptor of the file: nothing may open and close
/// the lock file while this is set.
static HOLDING: AtomicBool = AtomicBool::new(false);

pub fn holding() -> bool {
    HOLDING.load(Ordering::SeqCst)
}

pub const LOCK_DIR: &str = ".locks";

/// Where the lock of `id` lives.
pub fn lock_path(root: &Path, id: &str) -> PathBuf {
    root.join(LOCK_DIR).join(format!("{id}.lock"))
}

/// An exclusive hold on one container id; released on drop.
#[derive(Debug)]
pub struct Lock {
    file: Option<File>,
    path: PathBuf,
    state_dir: PathBuf,
}

/// Whether the file at `path` is still the one open as `f`.
fn same_file(f: &File, path: &Path) -> bool {
    match (f.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

impl Lock {
    /// Block until this process holds the lock of `id` under `root`
    /// (creating `root` and the lock directory, mode 0700, if needed).
    pub fn acquire(root: &Path, id: &str) -> Result<Lock> {
        Ok(Self::take(root, id, true)?.expect("a blocking lock is always granted"))
    }

    /// The lock if nobody else holds it right now, else None.
    pub fn try_acquire(root: &Path, id: &str) -> Result<Option<Lock>> {
        Self::take(root, id, false)
    }

    fn take(root: &Path, id: &str, wait: bool) -> Result<Option<Lock>> {
        let path = lock_path(root, id);
        let open = || {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
                .open(&path)
        };
        loop {
            // The lock directory exists but for the first lock under a root.
            let file = open()
                .or_else(|e| {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        return Err(e);
                    }
                    std::fs::DirBuilder::new()
                        .recursive(true)
                        .mode(0o700)
                        .create(root.join(LOCK_DIR))?;
                    open()
                })
                .map_err(|e| Error::io(format!("container `{id}`: open {}", path.display()), e))?;
            let granted = crate::sys::lock(file.as_fd(), wait)
                .map_err(|e| Error::io(format!("container `{id}`: lock {}", path.display()), e))?;
            if !granted {
                return Ok(None);
            }
            if same_file(&file, &path) {
                HOLDING.store(true, Ordering::SeqCst);
                return Ok(Some(Lock {
                    file: Some(file),
                    path,
                    state_dir: root.join(id),
                }));
            }
            // The holder we waited for deleted the container and unlinked
            // this file: our lock protects nothing. Try again.
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if self.file.is_some() && !self.state_dir.exists() {
            // Still holding the lock: nobody else can be using this file.
            let _ = std::fs::remove_file(&self.path);
        }
        // Closing the file releases the lock.
        if self.file.take().is_some() {
            HOLDING.store(false, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_do_not_pile_up() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir(r.join("c1")).unwrap();
        let l = Lock::acquire(r, "c1").unwrap();
        assert!(lock_path(r, "c1").exists());
        drop(l);
        // The container exists: its lock file stays.
        assert!(lock_path(r, "c1").exists());
        std::fs::remove_dir(r.join("c1")).unwrap();
        drop(Lock::acquire(r, "c1").unwrap());
        assert!(
            !lock_path(r, "c1").exists(),
            "lock of a gone container kept"
        );
    }
}
