//! Hostile config.json files through the real binary (`create` and
//! `validate`): each fails fast with one line naming the file, and nothing is
//! created. The library-level corpus is tests/nasty_inputs.rs; this file
//! checks the same classes end to end, plus what only the binary sees (file
//! size, FIFOs).

mod common;

use std::fs;
use std::time::{Duration, Instant};

use common::Env;

const BASE: &str = r#""ociVersion": "1.3.0", "root": {"path": "rootfs"},
    "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}}"#;

/// Write `bytes` as config.json, then `create` and `validate` must fail
/// within `secs` with one line containing `words`.
fn refused(env: &mut Env, name: &str, bytes: &[u8], words: &[&str], secs: u64) {
    fs::write(env.bundle.join("config.json"), bytes).unwrap();
    let id = env.id(name);
    let t = Instant::now();
    let out = env.create(&id);
    let took = t.elapsed();
    out.fails_with(&[&id, "config.json"]);
    out.fails_with(words);
    assert!(
        took < Duration::from_secs(secs),
        "{name}: create took {took:?}"
    );
    let out = env.cmd(&["validate", "--bundle", env.bundle_str()]);
    assert_eq!(out.code, 1, "{name}: validate {out:?}");
    assert!(!out.stderr.contains("internal error"), "{out:?}");
    assert!(!env.root.join(&id).exists(), "{name}: state created");
}

#[test]
fn hostile_configs_through_the_binary() {
    let mut env = Env::new(&["true"]);
    let nested = format!(
        "{{{BASE}, \"annotations\": {{\"x\": {}1{}}}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    refused(
        &mut env,
        "deep",
        nested.as_bytes(),
        &["nested more than 128"],
        10,
    );

    let mut bad = format!("{{{BASE}, \"hostname\": \"").into_bytes();
    bad.extend_from_slice(b"\xc3\x28\"}");
    refused(&mut env, "utf8", &bad, &["not valid UTF-8"], 10);

    let nul = format!(r#"{{{BASE}, "hostname": "a\u0000b"}}"#);
    refused(&mut env, "nul", nul.as_bytes(), &["hostname", "NUL"], 10);

    let overflow = format!(
        r#"{{{BASE}, "linux": {{"resources": {{"memory": {{"limit": 99999999999999999999999}}}}}}}}"#
    );
    refused(
        &mut env,
        "overflow",
        overflow.as_bytes(),
        &["linux.resources.memory.limit"],
        10,
    );

    let huge: Vec<String> = (0..300_000).map(|i| format!("\"V{i}=x\"")).collect();
    let arr = format!(
        r#"{{{BASE}, "process": {{"cwd": "relative", "args": ["sh"], "env": [{}]}}}}"#,
        huge.join(",")
    );
    refused(&mut env, "array", arr.as_bytes(), &["process.cwd"], 20);
}

#[test]
fn a_100_mb_config_fails_fast_without_reading_it_all() {
    let mut env = Env::new(&["true"]);
    // Valid JSON, 100 MiB: a giant annotation value.
    let mut text = format!("{{{BASE}, \"annotations\": {{\"big\": \"").into_bytes();
    text.resize(text.len() + (100 << 20), b'a');
    text.extend_from_slice(b"\"}}");
    refused(&mut env, "huge", &text, &["too large", "at most"], 5);
}

#[test]
fn a_fifo_config_does_not_hang() {
    let mut env = Env::new(&["true"]);
    let cfg = env.bundle.join("config.json");
    fs::remove_file(&cfg).unwrap();
    let st = std::process::Command::new("mkfifo")
        .arg(&cfg)
        .status()
        .unwrap();
    assert!(st.success());
    let id = env.id("fifo");
    let t = Instant::now();
    env.create(&id)
        .fails_with(&[&id, "config.json", "not a regular file"]);
    assert!(t.elapsed() < Duration::from_secs(5));
}
