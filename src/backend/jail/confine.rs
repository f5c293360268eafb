//! Paths a bundle names *inside itself* must stay inside it.
//!
//! A `root.path` or nullfs `source` written relative to the bundle (or as an
//! absolute path under it) is resolved with its symlinks; if that leaves the
//! bundle directory it is refused: `rootfs -> /` would otherwise hand the
//! jail the host's root, `vol -> /etc` the host's /etc. Paths written
//! outside the bundle (podman's storage, an explicit host volume) are the
//! caller's explicit choice and are not second-guessed. A path that does not
//! exist yet is left to the mount to fail on.

use std::path::Path;

/// `Err` with a message when `path` is lexically under `bundle_dir` but
/// really (after symlinks) somewhere else.
pub fn check_in_bundle(bundle_dir: &Path, path: &Path) -> Result<(), String> {
    if !path.starts_with(bundle_dir) {
        return Ok(());
    }
    let (Ok(real_dir), Ok(real)) = (
        std::fs::canonicalize(bundle_dir),
        std::fs::canonicalize(path),
    ) else {
        return Ok(());
    };
    if real.starts_with(&real_dir) {
        return Ok(());
    }
    Err(format!(
        "`{}` leads out of the bundle through a symlink (to `{}`); refused",
        path.display(),
        real.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A path as a bundle writes it: relative to the bundle, or absolute.
    fn check_str(dir: &Path, path: &str) -> Result<(), String> {
        check_in_bundle(dir, &dir.join(path))
    }

    #[test]
    fn symlinks_out_of_the_bundle_are_refused() {
        let b = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let dir = b.path();
        std::fs::create_dir(dir.join("rootfs")).unwrap();
        std::fs::create_dir(dir.join("data")).unwrap();
        symlink(outside.path(), dir.join("escape")).unwrap();
        symlink("/", dir.join("root-link")).unwrap();
        symlink("data", dir.join("inner-link")).unwrap();
        assert!(check_str(dir, "rootfs").is_ok());
        assert!(check_str(dir, "inner-link").is_ok());
        assert!(check_str(dir, "missing").is_ok());
        let e = check_str(dir, "escape").unwrap_err();
        assert!(e.contains("leads out of the bundle"), "{e}");
        assert!(check_str(dir, "root-link").is_err());
        let abs = dir.join("escape/sub");
        std::fs::create_dir(outside.path().join("sub")).unwrap();
        assert!(check_str(dir, &abs.to_string_lossy()).is_err());
        // An explicit host path outside the bundle is the caller's choice.
        assert!(check_str(dir, &outside.path().to_string_lossy()).is_ok());
    }
}
