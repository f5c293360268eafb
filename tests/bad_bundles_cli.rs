//! The bad-input corpus (`tests/data/bad`) driven through the real binary:
//! `stockade create` must exit 1 with one line naming the container, the JSON
//! path and the key words, and leave nothing behind — no state root, no
//! cgroup, no mount, no process, and the bundle exactly as it was.

mod common;
mod corpus;

use std::fs;
use std::path::{Path, PathBuf};

use common::{leftovers, Env};
use corpus::{cases, data};

fn tree(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            out.push((e.path(), m.len()));
            if m.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_bad_bundle_is_refused_by_create_and_leaves_nothing() {
    let env = Env::new(&["true"]);
    let cases = cases();
    assert!(cases.len() >= 40, "corpus too small: {}", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let bundle = env.dir.path().join(format!("bad-{}", c.case));
        fs::create_dir(&bundle).unwrap();
        fs::copy(data().join(&c.config), bundle.join("config.json")).unwrap();
        if c.rootfs {
            fs::create_dir(bundle.join("rootfs")).unwrap();
        }
        let before = tree(&bundle);
        // `--` so an id such as `-rf` reaches the id check instead of clap.
        let out = env.cmd(&["create", "--bundle", bundle.to_str().unwrap(), "--", &c.id]);
        let mut why = Vec::new();
        if out.code != 1 {
            why.push(format!("exit {}", out.code));
        }
        if out.stderr.lines().count() != 1 {
            why.push("not exactly one line on stderr".to_string());
        }
        let mut want: Vec<&str> = c.words.iter().map(String::as_str).collect();
        if !c.path.is_empty() {
            want.push(&c.path);
        }
        if c.stage == "load" {
            // The id is valid: the message names the container it was for.
            want.push(&c.id);
        }
        for w in want {
            if !out.stderr.contains(w) {
                why.push(format!("missing {w:?}"));
            }
        }
        let left = leftovers(&env.root, &c.id, &bundle);
        if !left.is_empty() {
            why.push(format!("left behind {left:?}"));
        }
        if tree(&bundle) != before {
            why.push("bundle directory changed".to_string());
        }
        if !why.is_empty() {
            failures.push(format!(
                "{}: {} — stderr: {}",
                c.case,
                why.join(", "),
                out.stderr.trim()
            ));
        }
    }
    assert!(
        !env.root.exists(),
        "a state root was created for bundles that never loaded"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
