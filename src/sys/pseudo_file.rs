//! Reading kernel pseudo-files (/proc, /sys): they report a size of 0, so
//! std's `read_to_string` stats them for nothing and then reads 32 bytes at
//! a time, doubling; and every read of a seq_file such as mountinfo walks
//! its table again up to the offset. One page-sized read (more only for
//! bigger files) and the read that sees the end is all they need.

use std::io::{self, Read};
use std::path::Path;
use std::sync::OnceLock;

/// The whole text of the pseudo-file at `path`.
pub fn read(path: impl AsRef<Path>) -> io::Result<String> {
    read_to_end(&mut std::fs::File::open(path)?, 4096, false)
}

/// The text of a pseudo-file the kernel writes as one record at once
/// (`/proc/PID/stat`, a single_open seq_file): a read that does not fill the
/// buffer has it all, which saves the read that would see the end (`list`
/// reads one per container). Not for files of many records such as
/// mountinfo, where a short read can come before the end.
pub fn read_record(path: impl AsRef<Path>) -> io::Result<String> {
    read_to_end(&mut std::fs::File::open(path)?, 4096, true)
}

/// The rest of `f`'s text, into a buffer of `capacity` bytes to start
/// with. (std's `File::read_to_string` stats and seeks the file first.)
pub fn read_all(f: &mut std::fs::File, capacity: usize) -> io::Result<String> {
    read_to_end(f, capacity, false)
}

fn read_to_end(f: &mut std::fs::File, capacity: usize, one_record: bool) -> io::Result<String> {
    let mut buf = vec![0u8; capacity.max(64)];
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(len * 2, 0);
        }
        let asked = buf.len() - len;
        match f.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => {
                len += n;
                if one_record && n < asked {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(len);
    String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// `/proc/self/uid_map`, read once per process: several decisions of one
/// command depend on it (the default state root, the features cache key),
/// and stockade's own process never changes its user namespace (libcrun
/// does so only in the children it clones).
pub fn self_uid_map() -> Option<&'static str> {
    static MAP: OnceLock<Option<String>> = OnceLock::new();
    MAP.get_or_init(|| read("/proc/self/uid_map").ok())
        .as_deref()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_pseudo_and_regular_files_whole() {
        let mi = super::read("/proc/self/mountinfo").unwrap();
        assert!(mi.lines().count() > 0 && mi.ends_with('\n'));
        let dir = tempfile::tempdir().unwrap();
        let big = "x".repeat(10_000);
        std::fs::write(dir.path().join("f"), &big).unwrap();
        assert_eq!(super::read(dir.path().join("f")).unwrap(), big);
        assert!(super::read(dir.path().join("missing")).is_err());
        let mut f = std::fs::File::open(dir.path().join("f")).unwrap();
        assert_eq!(super::read_all(&mut f, 1).unwrap(), big);
        assert_eq!(super::read_record(dir.path().join("f")).unwrap(), big);
        let stat = super::read_record("/proc/self/stat").unwrap();
        assert!(stat.starts_with(&format!("{} (", std::process::id())) && stat.ends_with('\n'));
        std::fs::write(dir.path().join("bin"), [0xff, 0xfe]).unwrap();
        let e = super::read(dir.path().join("bin")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    }
}
