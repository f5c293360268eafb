#![cfg(target_os = "linux")]
//! `stockade features` answers from a per-boot cache in the state root, and
//! only while nothing it depends on has changed. Each test plants a marker
//! in the cached document (keeping its key): the marker showing up proves
//! the cache was used; a real change (another binary, another boot time
//! (a time namespace), another kernel release (the UNAME26 personality),
//! systemd appearing, a cgroup or loader change, another temporary
//! directory), made in a private mount namespace so the host is untouched,
//! must make the marker disappear and give exactly what a state root
//! without a cache gives under the same conditions.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_exec, BIN};

const MARKER: &str = "\"org.stockade.test-marker\": \"from the cache\"";

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        common::require_root();
        Dir {
            dir: tempfile::Builder::new()
                .prefix("stockade-fcache-")
                .tempdir()
                .unwrap(),
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn root(&self) -> PathBuf {
        self.path("state")
    }

    fn cache(&self) -> PathBuf {
        self.root().join(".features")
    }

    /// Keep the key, put the marker into the document.
    fn plant_marker(&self) {
        let text = fs::read_to_string(self.cache()).expect("no cache file written");
        let (key, doc) = text.split_once('\n').unwrap();
        let doc = doc.replacen(
            "\"annotations\": {",
            &format!("\"annotations\": {{\n    {MARKER},"),
            1,
        );
        assert!(doc.contains(MARKER));
        fs::write(self.cache(), format!("{key}\n{doc}")).unwrap();
    }
}

/// How `features` is run: which binary, after which shell commands in a
/// private mount namespace, under which program, with which environment.
#[derive(Default)]
struct Under<'a> {
    bin: PathBuf,
    setup: String,
    /// A command line to run the binary under, or empty.
    wrapper: &'a str,
    env: Vec<(&'a str, &'a str)>,
}

impl Under<'_> {
    fn binary(bin: &Path) -> Self {
        Under {
            bin: bin.to_path_buf(),
            ..Default::default()
        }
    }
}

/// `BIN --root ROOT features` inside `unshare -m`, as `u` says.
fn features_with(root: &Path, u: &Under) -> String {
    let (setup, wrapper) = (&u.setup, u.wrapper);
    let script = format!("set -e\n{setup}\nexec {wrapper} \"$0\" --root \"$1\" features");
    let mut c = Command::new("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-c", &script])
        .arg(&u.bin)
        .arg(root);
    for (k, v) in &u.env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "features failed: {out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn features(root: &Path) -> String {
    features_with(root, &Under::binary(Path::new(BIN)))
}

#[test]
fn the_document_is_cached_privately_and_used() {
    let d = Dir::new();
    let first = features(&d.root());
    serde_json::from_str::<serde_json::Value>(&first).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&d.root()), 0o700);
    assert_eq!(mode(&d.cache()), 0o600);
    assert_eq!(features(&d.root()), first, "the cached answer differs");
    d.plant_marker();
    assert!(
        features(&d.root()).contains(MARKER),
        "the cache was not used"
    );
    // A cache others could have written is not trusted.
    fs::set_permissions(d.cache(), fs::Permissions::from_mode(0o666)).unwrap();
    assert_eq!(features(&d.root()), first);
}

/// Each change invalidates the cache, and the answer is what probing says.
#[test]
fn a_change_of_kernel_binary_or_host_facts_probes_again() {
    let d = Dir::new();
    let ld_cache = d.path("ld.so.cache");
    fs::copy("/etc/ld.so.cache", &ld_cache).unwrap();
    let copy = d.path("stockade-copy");
    copy_exec(Path::new(BIN), &copy);
    let shm_tmp = tempfile::Builder::new()
        .prefix("stockade-fcache-")
        .tempdir_in("/dev/shm")
        .unwrap();
    let bin = || Under::binary(Path::new(BIN));
    let cases = [
        ("another binary", Under::binary(&copy)),
        (
            "another boot",
            Under {
                wrapper: "unshare --time --boottime 86400",
                ..bin()
            },
        ),
        (
            "another kernel release",
            Under {
                wrapper: "setarch --uname-2.6",
                ..bin()
            },
        ),
        (
            "systemd as init",
            Under {
                setup: "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system".into(),
                ..bin()
            },
        ),
        (
            "another cgroup layout",
            Under {
                setup: "mount -t tmpfs tmpfs /sys/fs/cgroup".into(),
                ..bin()
            },
        ),
        (
            "another loader cache",
            Under {
                setup: format!("mount --bind {} /etc/ld.so.cache", ld_cache.display()),
                ..bin()
            },
        ),
        (
            "another temporary directory",
            Under {
                env: vec![("TMPDIR", shm_tmp.path().to_str().unwrap())],
                ..bin()
            },
        ),
    ];
    for (what, under) in &cases {
        let root = d.root();
        let _ = fs::remove_dir_all(&root);
        features(&root);
        d.plant_marker();
        assert!(
            features(&root).contains(MARKER),
            "{what}: cache not used before the change"
        );
        let after = features_with(&root, under);
        assert!(
            !after.contains(MARKER),
            "{what}: the stale document was served"
        );
        let fresh_root = d.path("fresh");
        let _ = fs::remove_dir_all(&fresh_root);
        let fresh = features_with(&fresh_root, under);
        assert_eq!(after, fresh, "{what}: not what probing gives");
        // and the new answer is cached for the new conditions
        d.plant_marker();
        let again = features_with(&root, under);
        assert!(
            again.contains(MARKER),
            "{what}: the new answer was not cached"
        );
    }
    // A binary rewritten in place (same inode, as `cp` over it does).
    let root = d.root();
    let _ = fs::remove_dir_all(&root);
    let rewritten = Under::binary(&copy);
    features_with(&root, &rewritten);
    d.plant_marker();
    assert!(features_with(&root, &rewritten).contains(MARKER));
    let bytes = fs::read(&copy).unwrap();
    fs::write(&copy, bytes).unwrap();
    let after = features_with(&root, &rewritten);
    assert!(
        !after.contains(MARKER),
        "a rewritten binary was served the old document"
    );
}
