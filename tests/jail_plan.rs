//! Golden tests for the jail planner.
//!
//! Each directory under `tests/data/jail/<case>/` holds a `config.json` and
//! either `expected.json` (the plan) or `expected-error.txt` (one error per
//! line), plus `expected-warnings.txt` when loading the bundle warns. Optional
//! inputs: `symlinks.json` (`[["path/in/rootfs", "target"], …]`, created in a
//! temporary bundle because symlinks do not travel well in git) and `id` (the
//! container id; default `c1`). The temporary bundle directory is printed
//! as `/bundle` in the expectations.
//!
//! `STOCKADE_BLESS=1 cargo test --test jail_plan` rewrites the expectations;
//! read every changed file before committing it.

use std::fs;
use std::path::{Path, PathBuf};

use stockade::backend::jail::plan;
use stockade::bundle::{load_str, Platform};

const SHOWN_BUNDLE: &str = "/bundle";

struct Outcome {
    /// `expected.json` or `expected-error.txt`, and its text.
    file: &'static str,
    text: String,
    warnings: String,
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/jail");
    let mut v: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/data/jail")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("config.json").is_file())
        .collect();
    v.sort();
    v
}

/// A throw-away bundle directory with an empty rootfs and the case's symlinks.
fn scratch_bundle(case: &Path) -> PathBuf {
    let name = case.file_name().unwrap().to_string_lossy();
    let dir = std::env::temp_dir().join(format!("stockade-jail-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("rootfs")).unwrap();
    if let Ok(text) = fs::read_to_string(case.join("symlinks.json")) {
        let links: Vec<(String, String)> = serde_json::from_str(&text).expect("symlinks.json");
        for (at, target) in links {
            let p = dir.join("rootfs").join(&at);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(&target, &p).unwrap();
        }
    }
    dir
}

fn run_case(case: &Path) -> Outcome {
    let text = fs::read_to_string(case.join("config.json")).unwrap();
    let id = fs::read_to_string(case.join("id")).map_or("c1".to_string(), |s| s.trim().to_string());
    let dir = scratch_bundle(case);
    let shown = |s: String| s.replace(&*dir.to_string_lossy(), SHOWN_BUNDLE);
    let lines = |ds: &[stockade::bundle::Diagnostic]| -> String {
        ds.iter().map(|d| format!("{d}\n")).collect()
    };
    let outcome = match load_str(&text, &dir, Platform::FreeBsd) {
        Err(e) => Outcome {
            file: "expected-error.txt",
            text: lines(&e.problems()),
            warnings: String::new(),
        },
        Ok(bundle) => {
            let warnings = lines(&bundle.warnings);
            match plan(&bundle, &id) {
                Ok(p) => Outcome {
                    file: "expected.json",
                    text: serde_json::to_string_pretty(&p).unwrap() + "\n",
                    warnings,
                },
                Err(errs) => Outcome {
                    file: "expected-error.txt",
                    text: lines(&errs),
                    warnings,
                },
            }
        }
    };
    fs::remove_dir_all(&dir).unwrap();
    Outcome {
        text: shown(outcome.text),
        warnings: shown(outcome.warnings),
        ..outcome
    }
}

#[test]
fn golden_plans() {
    let bless = std::env::var_os("STOCKADE_BLESS").is_some_and(|v| v == "1");
    let all = cases();
    assert!(all.len() >= 20, "only {} golden cases", all.len());
    let mut failures = Vec::new();
    for case in &all {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let got = run_case(case);
        let expected = [
            (got.file, Some(got.text.clone())),
            (
                "expected-warnings.txt",
                Some(got.warnings.clone()).filter(|w| !w.is_empty()),
            ),
            (other(got.file), None),
        ];
        for (file, want) in expected {
            let path = case.join(file);
            if bless {
                match &want {
                    Some(text) => fs::write(&path, text).unwrap(),
                    None => {
                        let _ = fs::remove_file(&path);
                    }
                }
                continue;
            }
            let have = fs::read_to_string(&path).ok();
            if have != want {
                failures.push(format!(
                    "{name}/{file}: expected {}\n--- got ---\n{}",
                    have.as_deref().unwrap_or("<no file>"),
                    want.as_deref().unwrap_or("<no file>")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches (STOCKADE_BLESS=1 to rewrite):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn other(file: &str) -> &'static str {
    if file == "expected.json" {
        "expected-error.txt"
    } else {
        "expected.json"
    }
}

/// On Linux, `org.freebsd.*` annotations must not turn into a `freebsd`
/// object (the Linux platform gate would reject it); they stay as they are.
#[test]
fn linux_bundle_with_freebsd_annotations_is_left_alone() {
    let text = r#"{"ociVersion": "1.3.0", "root": {"path": "rootfs"}, "linux": {},
        "annotations": {"org.freebsd.jail.vnet": "new", "org.freebsd.parentJail": "p"}}"#;
    let b = load_str(text, Path::new("/b"), Platform::Linux).expect("loads on Linux");
    assert!(b.doc.get("freebsd").is_none());
    assert!(b.freebsd.is_none());
    assert_eq!(b.doc["annotations"]["org.freebsd.jail.vnet"], "new");
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
}

/// The same annotations on FreeBSD do reach the plan.
#[test]
fn freebsd_bundle_annotations_reach_the_plan() {
    let text = r#"{"ociVersion": "1.3.0", "root": {"path": "rootfs"},
        "annotations": {"org.freebsd.jail.vnet": "new", "org.freebsd.parentJail": "p"}}"#;
    let b = load_str(text, Path::new("/b"), Platform::FreeBsd).expect("loads on FreeBSD");
    let p = plan(&b, "c").unwrap();
    assert_eq!(p.name, "p.c");
    assert!(p.params.iter().any(|q| q.name == "vnet"));
}
