//! `/proc/<pid>/mountinfo`, parsed once for every reader (host probes,
//! cgroup recovery, host-namespace mount cleanup).

use std::path::PathBuf;

/// One line of mountinfo: the fields stockade reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Mount id (unique among the mounts present; reused once unmounted).
    pub id: u64,
    pub mount_point: PathBuf,
    pub fstype: String,
}

/// Parse mountinfo text; malformed lines are skipped.
pub fn parse(text: &str) -> Vec<Mount> {
    text.lines().filter_map(line).collect()
}

/// This process's mounts (empty if /proc is unreadable).
pub fn current() -> Vec<Mount> {
    parse(&crate::sys::pseudo_file::read("/proc/self/mountinfo").unwrap_or_default())
}

/// One line's file-system type and mount point, the point still escaped
/// as the kernel wrote it: nothing is allocated (for readers that only
/// compare or key on them).
pub fn type_and_raw_point(l: &str) -> Option<(&str, &str)> {
    let (pre, fstype) = halves(l)?;
    Some((fstype, pre.split(' ').nth(4)?))
}

// `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER`:
// the fields before the separator, and the file-system type after it.
fn halves(l: &str) -> Option<(&str, &str)> {
    let (pre, post) = l.split_once(" - ")?;
    Some((pre, post.split(' ').next()?))
}

fn line(l: &str) -> Option<Mount> {
    let (pre, fstype) = halves(l)?;
    let fstype = fstype.to_string();
    let mut f = pre.split(' ');
    let id = f.next()?.parse().ok()?;
    let mount_point = PathBuf::from(unescape(f.nth(3)?));
    Some(Mount {
        id,
        mount_point,
        fstype,
    })
}

/// The kernel writes space, tab, newline and backslash as `\ooo`.
fn unescape(s: &str) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (b[i], oct) {
            (b'\\', Some(d)) => {
                out.push(d.iter().fold(0u8, |n, c| n.wrapping_mul(8) + (c - b'0')));
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    std::ffi::OsString::from_vec(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_escapes() {
        let text = "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw\n\
                    garbage\n\
                    40 36 0:5 / /sys/fs/cgroup/pids rw shared:9 - cgroup cgroup rw,pids\n";
        let m = parse(text);
        assert_eq!(
            m,
            [
                Mount {
                    id: 36,
                    mount_point: "/mnt/with space".into(),
                    fstype: "ext3".into()
                },
                Mount {
                    id: 40,
                    mount_point: "/sys/fs/cgroup/pids".into(),
                    fstype: "cgroup".into()
                },
            ]
        );
        assert_eq!(
            type_and_raw_point(text.lines().next().unwrap()),
            Some(("ext3", "/mnt/with\\040space"))
        );
        assert_eq!(type_and_raw_point("garbage"), None);
        assert_eq!(unescape("a\\134b\\011"), "a\\b\t");
        assert_eq!(unescape("trailing\\04"), "trailing\\04");
    }
}
