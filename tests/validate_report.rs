//! `bundle::report` end to end on a real bundle directory and this host.

use std::path::PathBuf;

use stockade::bundle::{report, Input, Platform};

fn bundle(name: &str, config: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stockade-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rootfs")).unwrap();
    std::fs::write(dir.join("config.json"), config).unwrap();
    dir
}

#[test]
fn plain_bundle_is_ok_here() {
    let dir = bundle(
        "ok",
        r#"{"ociVersion": "1.3.0", "root": {"path": "rootfs"},
        "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}}}"#,
    );
    let r = report(Input::Dir(&dir), Platform::Linux);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(r.ok, "{}", r.to_text());
    assert_eq!(r.exit_code(), 0);
    assert!(r
        .to_text()
        .starts_with(&format!("{}: ok for linux", r.file)));
    let j: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(j["errors"], 0);
}

#[test]
fn every_problem_listed_and_freebsd_rejected_on_linux() {
    let dir = bundle(
        "bad",
        r#"{"ociVersion": "1.3.0", "root": {"path": "missing"},
        "process": {"cwd": "x", "args": ["sh"], "user": {"uid": 0, "gid": 0}},
        "freebsd": {"jail": {}},
        "linux": {"resources": {"memroy": {}}, "namespaces": [{"type": "pid"}, {"type": "pid"}]}}"#,
    );
    let r = report(Input::Dir(&dir), Platform::Linux);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!r.ok);
    let paths: Vec<&str> = r.problems.iter().map(|p| p.path.as_str()).collect();
    for want in [
        "root.path",
        "process.cwd",
        "freebsd",
        "linux.namespaces[1].type",
        "linux.resources.memroy",
    ] {
        assert!(paths.contains(&want), "{want}: {}", r.to_text());
    }
    assert!(
        r.fields.iter().any(|f| f.path == "freebsd"),
        "{}",
        r.to_text()
    );
    assert!(r.to_text().contains("did you mean `memory`?"));
}

#[test]
fn linux_section_rejected_when_checking_for_freebsd() {
    let text = r#"{"ociVersion": "1.3.0", "root": {"path": "rootfs"}, "linux": {}}"#;
    let dir = std::path::Path::new("/bundle");
    let r = report(Input::Text { text, dir }, Platform::FreeBsd);
    assert!(!r.ok);
    assert!(r.host.is_none());
    assert!(
        r.problems.iter().any(|p| p.path == "linux"),
        "{}",
        r.to_text()
    );
}
