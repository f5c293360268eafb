//! The upstream runtime-spec v1.3.0 schema fixtures (kept in the shared
//! reference folder next to the repository): every `good` config loads for
//! the platform it targets, every `bad` one is rejected naming the field.

use std::path::{Path, PathBuf};

use stockade::bundle::{load_str, BundleError, Platform};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/runtime-spec-v1.3.0-schema/test/config")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn name(p: &Path) -> &str {
    p.file_name().unwrap().to_str().unwrap()
}

/// `freebsd-*` fixtures target FreeBSD; the rest are loaded as Linux
/// (z/OS ones included: their `zos` object is ignored with a warning).
fn platform(file: &str) -> Platform {
    if file.starts_with("freebsd-") {
        Platform::FreeBsd
    } else {
        Platform::Linux
    }
}

fn load(text: &str, file: &str) -> Result<stockade::bundle::Bundle, BundleError> {
    load_str(text, Path::new("/bundle"), platform(file))
}

#[test]
fn good_fixtures_load() {
    for p in fixtures("good") {
        let file = name(&p);
        let text = std::fs::read_to_string(&p).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let version = doc["ociVersion"].as_str().unwrap().to_string();
        let text = if version.starts_with("0.") {
            // Some upstream examples still say `0.5.0-dev`, older than the
            // 1.0.0 we accept: refused for that reason and nothing else.
            let e = load(&text, file).unwrap_err();
            let problems = e.problems();
            assert_eq!(problems.len(), 1, "{file}: {problems:?}");
            assert_eq!(problems[0].path, "ociVersion", "{file}");
            assert!(
                problems[0].message.contains(&format!("`{version}`")),
                "{file}: {e}"
            );
            text.replace(&format!("\"{version}\""), "\"1.0.0\"")
        } else {
            text
        };
        let b = load(&text, file).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            b.doc["root"]["path"] == "/bundle/rootfs",
            "{file}: rootfs not made absolute"
        );
    }
}

/// file → (platform-independent) JSON path the error must name, and a word
/// from the message. A new upstream bad fixture fails here until listed.
const BAD: &[(&str, &str, &str)] = &[
    ("invalid-json.json", "", "line 1, column 2"),
    (
        "linux-hugepage.json",
        "linux.resources.hugepageLimits[0].pageSize",
        "64kB",
    ),
    (
        "linux-netdevice.json",
        "linux.netDevices.eth0.name",
        "invalid type",
    ),
    (
        "linux-rdma.json",
        "linux.resources.rdma.mlx5_1.hcaHandles",
        "invalid type",
    ),
    ("freebsd-vnet-disable.json", "freebsd.jail.vnet", "disable"),
];

fn check_bad(p: &Path) {
    let file = name(p);
    let (_, path, word) = BAD
        .iter()
        .find(|(f, _, _)| *f == file)
        .unwrap_or_else(|| panic!("{file}: new bad fixture; add it to BAD"));
    let text = std::fs::read_to_string(p).unwrap();
    let err = match load(&text, file) {
        Ok(_) => panic!("{file}: accepted"),
        Err(e) => e,
    };
    let msg = err.to_string();
    assert!(msg.contains("config.json"), "{file}: {msg}");
    if path.is_empty() {
        assert!(msg.contains(word), "{file}: {msg}");
        return;
    }
    let problems = err.problems();
    let d = problems
        .iter()
        .find(|d| d.path == *path)
        .unwrap_or_else(|| panic!("{file}: no problem at {path}: {problems:?}"));
    assert!(d.message.contains(word), "{file}: {d}");
}

#[test]
fn bad_fixtures_rejected_naming_the_field() {
    for p in fixtures("bad") {
        if platform(name(&p)) == Platform::Linux {
            check_bad(&p);
        }
    }
}

/// The typed `freebsd` object refuses what the schema refuses (`vnet` may not be `disable`).
#[test]
fn bad_freebsd_fixtures_rejected_naming_the_field() {
    for p in fixtures("bad") {
        if platform(name(&p)) == Platform::FreeBsd {
            check_bad(&p);
        }
    }
}
