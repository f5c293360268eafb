//! The features document, kept per boot in the state root: probing the host
//! (an id-mapped mount in a throw-away user namespace, loading libsystemd,
//! seccomp flags) costs milliseconds, and the answer only changes when the
//! kernel, the binary or the host's setup does.
//!
//! The cache is keyed by everything the document depends on that can change
//! without the key changing otherwise: the boot (when it began, the kernel's
//! release, version and machine),
//! the binary (inode, size, times; version and commit), who asks (euid, user
//! namespace), and the host facts that can change at run time, observed
//! anew on every call because each is a few cheap reads — the cgroup,
//! resctrl and selinuxfs mounts, AppArmor, systemd as init, the file systems
//! and user-namespace limit the id-mapped mount probe depends on, and the
//! dynamic loader's cache and path that decide whether libsystemd loads.
//! Any difference means probing again.
//!
//! File: `<state root>/.features` (hidden from `list`), mode 0600, the key
//! on its first line and the document after it; written atomically. It is
//! used only if it is a regular file owned by this user that nobody else
//! can write. Failing to read or write it is never an error: the document
//! is then probed as without a cache.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::bundle::host;

const FILE: &str = ".features";
/// Bumped when the key's makeup or the file format changes.
const FORMAT: &str = "stockade-features-cache 2";

/// The features document as printed: from the cache under state root
/// `root` while its key still matches this host and binary, else probed
/// (and cached).
pub fn document_text(root: &Path) -> crate::error::Result<String> {
    let key = current_key();
    if let Some(doc) = key.as_deref().and_then(|k| load(root, k)) {
        return Ok(doc);
    }
    let doc = serde_json::to_string_pretty(&super::document()?)
        .map_err(|e| crate::error::Error::Other(format!("cannot render JSON: {e}")))?;
    if let Some(k) = &key {
        store(root, k, &doc);
    }
    Ok(doc)
}

/// The key for this process on this host, now; `None` when a fact the
/// cache relies on cannot be read (then nothing is cached).
pub fn current_key() -> Option<String> {
    Some(key(&Observed::now()?))
}

/// What the key is made of, observed at the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// Seconds since the epoch at boot (`sys::boot_time`): reading the
    /// boot id costs a /proc/sys lookup on every call, the clocks nothing;
    /// what the document depends on across boots of one kernel build is
    /// observed anyway (a false "same boot" would change nothing).
    pub boot_time: i64,
    /// uname's release, version and machine.
    pub kernel: String,
    /// dev, inode, size, mtime, ctime (ns) of the running binary.
    pub binary: String,
    pub euid: u32,
    pub uid_map: String,
    /// The facts `features` reports that can change while the host runs.
    pub host: String,
    /// The temporary directory the id-mapped mount probe uses, and the
    /// identity of its file system and of `/`'s.
    pub idmap_dirs: String,
    pub max_user_namespaces: String,
    /// The dynamic loader's cache and search path (libsystemd at first use).
    pub loader: String,
}

impl Observed {
    pub fn now() -> Option<Observed> {
        let read = |p: &str| crate::sys::pseudo_file::read(p).ok();
        let magic = |p: &str| crate::sys::fs_magic(Path::new(p)).unwrap_or(0);
        let host = format!(
            "cgroupfs={:x}/{:x} mounts={} apparmor={} systemd={}",
            magic("/sys/fs/cgroup"),
            magic("/sys/fs/cgroup/unified"),
            watched_mounts(&read("/proc/self/mountinfo").unwrap_or_default()),
            host::apparmor_enabled(),
            Path::new("/run/systemd/system").is_dir(),
        );
        let tmp = std::env::temp_dir();
        Some(Observed {
            boot_time: crate::sys::boot_time()?,
            kernel: crate::sys::uname()
                .map(|u| format!("{} {} {}", u.release, u.version, u.machine))
                .unwrap_or_default(),
            binary: file_identity(Path::new("/proc/self/exe"))?,
            euid: crate::sys::euid(),
            uid_map: crate::sys::pseudo_file::self_uid_map()
                .unwrap_or_default()
                .to_string(),
            host,
            idmap_dirs: format!(
                "{} {} / {}",
                tmp.display(),
                fs_identity(&tmp),
                fs_identity(Path::new("/"))
            ),
            max_user_namespaces: read("/proc/sys/user/max_user_namespaces").unwrap_or_default(),
            loader: format!(
                "{} LD_LIBRARY_PATH={}",
                file_identity(Path::new("/etc/ld.so.cache")).unwrap_or_default(),
                std::env::var("LD_LIBRARY_PATH").unwrap_or_default()
            ),
        })
    }
}

/// The mounts the document's host facts come from (cgroup hierarchies,
/// resctrl, selinuxfs), as `type@mount point` (escaped as in mountinfo) in
/// mountinfo's order: mounting or unmounting any of them changes the key
/// (as does what `/sys/fs/cgroup` and `/sys/fs/cgroup/unified` are, which
/// decides the cgroup layout the way libcrun decides it).
fn watched_mounts(mountinfo: &str) -> String {
    const WATCHED: &[&str] = &["cgroup", "cgroup2", "resctrl", "selinuxfs"];
    // Nothing is parsed beyond the two fields, nor allocated but the
    // answer: a host running many containers has thousands of mounts, and
    // this runs on every `features`.
    let mut out = String::new();
    let watched = mountinfo
        .lines()
        .filter_map(crate::mountinfo::type_and_raw_point)
        .filter(|(t, _)| WATCHED.contains(t));
    for (fstype, point) in watched {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(fstype);
        out.push('@');
        out.push_str(point);
    }
    out
}

fn file_identity(p: &Path) -> Option<String> {
    let m = std::fs::metadata(p).ok()?;
    Some(format!(
        "{}:{}:{}:{}.{}:{}.{}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

/// Which file system `p` is on: device and type.
fn fs_identity(p: &Path) -> String {
    let dev = std::fs::metadata(p).map(|m| m.dev()).unwrap_or(0);
    let magic = crate::sys::fs_magic(p).unwrap_or(0);
    format!("{dev}:{magic:x}")
}

/// The key text: one line, every part named.
pub fn key(o: &Observed) -> String {
    let parts = [
        FORMAT.to_string(),
        format!(
            "stockade {} {}",
            env!("CARGO_PKG_VERSION"),
            env!("STOCKADE_COMMIT")
        ),
        format!("boot {}", o.boot_time),
        format!("kernel {}", o.kernel),
        format!("binary {}", o.binary),
        format!("euid {} uid_map {}", o.euid, o.uid_map),
        format!("host {}", o.host),
        format!("idmap {}", o.idmap_dirs),
        format!("userns {}", o.max_user_namespaces),
        format!("loader {}", o.loader),
    ];
    let mut line = parts.join(" | ");
    // One line, whatever the files held.
    line.retain(|c| c != '\n' && c != '\r');
    line
}

/// The document stored under `key` in a cache file's text, if it is there.
pub fn lookup<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let (stored, doc) = text.split_once('\n')?;
    (stored == key && !doc.is_empty()).then_some(doc)
}

/// A cache file's text for `doc` under `key`.
pub fn entry(key: &str, doc: &str) -> String {
    format!("{key}\n{doc}")
}

fn path(root: &Path) -> PathBuf {
    root.join(FILE)
}

/// The cached document for `key` under state root `root`, if there is one
/// this user can trust.
pub fn load(root: &Path, key: &str) -> Option<String> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path(root))
        .ok()?;
    let m = f.metadata().ok()?;
    let trusted = m.is_file() && m.uid() == crate::sys::euid() && m.mode() & 0o022 == 0;
    if !trusted || m.len() > 1 << 20 {
        return None;
    }
    let text = crate::sys::pseudo_file::read_all(&mut f, m.len() as usize + 1).ok()?;
    lookup(&text, key).map(str::to_string)
}

/// Store `doc` under `key`; best effort (a read-only or foreign state root
/// just means no cache).
pub fn store(root: &Path, key: &str, doc: &str) {
    if std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(root)
        .is_err()
    {
        return;
    }
    let tmp = root.join(format!("{FILE}.{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| {
            // A file left by a dead process with this pid keeps its mode.
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            f.write_all(entry(key, doc).as_bytes())
        });
    if written.is_err() || std::fs::rename(&tmp, path(root)).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed() -> Observed {
        Observed {
            boot_time: 1_700_000_000,
            kernel: "6.1.0 #1 SMP x86_64".into(),
            binary: "1:2:3:4.5:6.7".into(),
            euid: 0,
            uid_map: "0 0 4294967295\n".into(),
            host: "cgroup=Hybrid".into(),
            idmap_dirs: "/tmp 1:1 / 2:2".into(),
            max_user_namespaces: "1000\n".into(),
            loader: "9:9:9:9.9:9.9 LD_LIBRARY_PATH=".into(),
        }
    }

    #[test]
    fn every_observed_fact_changes_the_key() {
        let base = observed();
        let k = key(&base);
        assert!(!k.contains('\n'));
        let changes: Vec<fn(&mut Observed)> = vec![
            |o| o.boot_time = 1_700_000_001,
            |o| o.kernel = "6.1.0 #2 SMP x86_64".into(),
            |o| o.binary = "1:2:3:4.6:6.7".into(),
            |o| o.euid = 1000,
            |o| o.uid_map = "0 1000 1\n".into(),
            |o| o.host = "cgroup=Unified".into(),
            |o| o.idmap_dirs = "/var/tmp 1:1 / 2:2".into(),
            |o| o.max_user_namespaces = "0\n".into(),
            |o| o.loader = "9:9:9:9.9:9.9 LD_LIBRARY_PATH=/x".into(),
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut o = base.clone();
            change(&mut o);
            assert_ne!(key(&o), k, "change {i} kept the key");
        }
    }

    #[test]
    fn watched_mounts_are_the_cgroup_resctrl_and_selinux_ones() {
        let mi = "22 27 0:21 / /proc rw - proc proc rw\n\
                  30 27 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n\
                  31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n\
                  32 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n\
                  40 27 0:40 / /sys/fs/resctrl rw - resctrl resctrl rw\n\
                  41 27 0:41 / /srv/over\\040lay rw shared:5 - overlay overlay rw\n\
                  42 30 0:42 / /sys/fs/cgroup/a\\040b rw shared:1 master:2 - cgroup cgroup rw,pids\n";
        assert_eq!(
            watched_mounts(mi),
            "cgroup2@/sys/fs/cgroup/unified,cgroup@/sys/fs/cgroup/cpu,resctrl@/sys/fs/resctrl,\
             cgroup@/sys/fs/cgroup/a\\040b"
        );
        assert_eq!(watched_mounts(""), "");
    }

    #[test]
    fn lookup_needs_the_same_key_and_a_document() {
        let k = key(&observed());
        let text = entry(&k, "{\"a\": 1}\n");
        assert_eq!(lookup(&text, &k), Some("{\"a\": 1}\n"));
        assert_eq!(lookup(&text, &format!("{k}x")), None);
        assert_eq!(lookup(&entry(&k, ""), &k), None);
        assert_eq!(lookup(&k, &k), None);
        assert_eq!(lookup("", &k), None);
    }

    #[test]
    fn stored_documents_are_found_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("state");
        store(&root, "k1", "doc\n");
        assert_eq!(load(&root, "k1").as_deref(), Some("doc\n"));
        assert_eq!(load(&root, "k2"), None);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&path(&root)), 0o600);
        // written by someone else, or writable by others: not trusted
        std::fs::set_permissions(path(&root), std::fs::Permissions::from_mode(0o622)).unwrap();
        assert_eq!(load(&root, "k1"), None);
        // a newer document replaces it
        store(&root, "k2", "doc2\n");
        assert_eq!(load(&root, "k2").as_deref(), Some("doc2\n"));
        assert_eq!(mode(&path(&root)), 0o600);
        let left: Vec<_> = std::fs::read_dir(&root).unwrap().collect();
        assert_eq!(left.len(), 1, "temporary files left: {left:?}");
    }
}
