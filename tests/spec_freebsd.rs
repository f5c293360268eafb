//! `stockade spec --platform freebsd` through the binary, on any OS: the
//! FreeBSD template is a bundle that validates and plans for FreeBSD.
//! Needs no root: nothing is created.

use std::fs;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_stockade");

#[test]
fn spec_platform_freebsd_writes_a_bundle_that_validates() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("rootfs")).unwrap();
    let out = Command::new(BIN)
        .args(["spec", "--platform", "freebsd", "--bundle"])
        .arg(d.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let config: Value =
        serde_json::from_slice(&fs::read(d.path().join("config.json")).unwrap()).unwrap();
    assert!(config.get("freebsd").is_some() && config.get("linux").is_none());
    let out = Command::new(BIN)
        .args([
            "validate",
            "--platform",
            "freebsd",
            "--format",
            "json",
            "--id",
            "c1",
            "--bundle",
        ])
        .arg(d.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(v["plan"]["rootfs"]["readonly"], true);
    let rootless = Command::new(BIN)
        .args(["spec", "--platform", "freebsd", "--rootless", "--bundle"])
        .arg(d.path().join("rootfs"))
        .output()
        .unwrap();
    assert_eq!(rootless.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&rootless.stderr).contains("rootless"));
}
