//! `stockade validate` through the binary: every problem with its path, the
//! host's treatment of special fields, and the FreeBSD jail plan on any OS.
//! Needs no root: nothing is created.

use std::fs;
use std::process::Command;

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_stockade");

fn bundle(config: &Value) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("rootfs")).unwrap();
    fs::write(d.path().join("config.json"), config.to_string()).unwrap();
    d
}

fn validate(dir: &std::path::Path, extra: &[&str]) -> (i32, Value) {
    let out = Command::new(BIN)
        .args([
            "validate",
            "--bundle",
            dir.to_str().unwrap(),
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    (out.status.code().unwrap(), v)
}

#[test]
fn freebsd_plan_from_legacy_annotations() {
    let d = bundle(&json!({
        "ociVersion": "1.3.0",
        "process": {"args": ["/usr/local/bin/postgres"], "cwd": "/", "user": {"uid": 70, "gid": 70}},
        "root": {"path": "rootfs"},
        "hostname": "db",
        "annotations": {"org.freebsd.jail.allow.sysvipc": "true", "org.freebsd.jail.allow.mlock": "true"}
    }));
    let (code, v) = validate(d.path(), &["--platform", "freebsd", "--id", "pg1"]);
    assert_eq!(code, 0, "{v:#}");
    let params = v["plan"]["params"].as_array().expect("plan printed");
    assert_eq!(v["plan"]["name"], "pg1");
    assert!(
        params.iter().any(|p| p["name"] == "allow.mlock"),
        "{params:?}"
    );
    assert!(params.iter().any(|p| p["name"] == "sysvshm"), "{params:?}");
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let d = bundle(&json!({
        "ociVersion": "1.3.0",
        "process": {"args": [], "cwd": "relative"},
        "root": {"path": "rootfs"},
        "mounts": [{"destination": "/../../etc", "type": "tmpfs", "source": "tmpfs"}],
        "linux": {"resources": {"memroy": {}}}
    }));
    let (code, v) = validate(d.path(), &["--platform", "linux"]);
    assert_eq!(code, 1, "{v:#}");
    let paths: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    for want in [
        "process.args",
        "process.cwd",
        "mounts[0].destination",
        "linux.resources.memroy",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
}

#[test]
fn linux_section_rejected_for_freebsd_and_freebsd_for_linux() {
    let d = bundle(
        &json!({"ociVersion": "1.3.0", "process": {"args": ["sh"], "cwd": "/"}, "root": {"path": "rootfs"}, "freebsd": {"jail": {}}, "linux": {}}),
    );
    for platform in ["linux", "freebsd"] {
        let (code, v) = validate(d.path(), &["--platform", platform]);
        assert_eq!(code, 1, "{platform}: {v:#}");
        let other = if platform == "linux" {
            "freebsd"
        } else {
            "linux"
        };
        assert!(
            v["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["path"] == other),
            "{platform}: {v:#}"
        );
    }
}
