//! The bad-input corpus in `tests/data/bad` (see its README): every case is
//! refused with a one-line message naming the file, the JSON path and the
//! key words, and loading leaves the bundle directory as it was.

mod corpus;

use std::path::{Path, PathBuf};

use corpus::{cases, data, Case};

use stockade::bundle::{load, Platform};
use stockade::id::validate_id;

/// A scratch bundle directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, config: &[u8], rootfs: bool) -> Scratch {
        let dir = std::env::temp_dir().join(format!("stockade-bad-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.json"), config).unwrap();
        if rootfs {
            std::fs::create_dir(dir.join("rootfs")).unwrap();
        }
        Scratch(dir)
    }

    fn listing(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        walk(&self.0, &self.0, &mut out);
        out.sort();
        out
    }
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, u64)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        let rel = e.path().strip_prefix(base).unwrap().display().to_string();
        out.push((rel, m.len()));
        if m.is_dir() {
            walk(base, &e.path(), out);
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn corpus_is_big_enough_and_its_valid_config_loads() {
    let all = cases();
    assert!(all.len() >= 40, "only {} cases", all.len());
    let valid = std::fs::read(data().join("valid.json")).unwrap();
    let b = Scratch::new("valid", &valid, true);
    load(&b.0, Platform::Linux).unwrap_or_else(|e| panic!("valid.json: {e}"));
}

#[test]
fn every_bad_case_is_refused_as_described() {
    let mut failures = Vec::new();
    for c in cases() {
        if let Err(why) = check(&c) {
            failures.push(format!("{}: {why}", c.case));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check(c: &Case) -> Result<(), String> {
    let config = std::fs::read(data().join(&c.config)).map_err(|e| e.to_string())?;
    let bundle = Scratch::new(&c.case, &config, c.rootfs);
    let before = bundle.listing();
    let loaded = load(&bundle.0, Platform::Linux);
    if bundle.listing() != before {
        return Err("loading changed the bundle directory".into());
    }
    match c.stage.as_str() {
        "id" => {
            loaded.map_err(|e| format!("the config should be fine: {e}"))?;
            let e = validate_id(&c.id).err().ok_or("id accepted")?;
            missing_words(&e, &c.words)
        }
        "load" => {
            let err = match loaded {
                Ok(_) => return Err("accepted".into()),
                Err(e) => e,
            };
            let line = err.to_string();
            if line.contains('\n') {
                return Err(format!("message is not one line: {line:?}"));
            }
            if !line.contains("config.json") {
                return Err(format!("message does not name the file: {line}"));
            }
            if c.path.is_empty() {
                return missing_words(&line, &c.words);
            }
            let problems = err.problems();
            let d = problems
                .iter()
                .find(|d| d.path == c.path)
                .ok_or_else(|| format!("no problem at `{}`: {problems:?}", c.path))?;
            missing_words(&d.to_string(), &c.words)
        }
        other => Err(format!("unknown stage {other}")),
    }
}

fn missing_words(msg: &str, words: &[String]) -> Result<(), String> {
    match words.iter().find(|w| !msg.contains(w.as_str())) {
        Some(w) => Err(format!("`{w}` not in: {msg}")),
        None => Ok(()),
    }
}
