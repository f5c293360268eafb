//! A small fixed corpus of hostile inputs: none may crash the loader, hang
//! it, or be accepted; each error stays one line and names the file.

use std::path::Path;

use stockade::bundle::{load, load_str, BundleError, Platform};

const BASE: &str = r#""ociVersion": "1.3.0", "root": {"path": "rootfs"},
    "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}}"#;

fn try_load(text: &str) -> Result<stockade::bundle::Bundle, BundleError> {
    load_str(text, Path::new("/bundle"), Platform::Linux)
}

fn refused(text: &str) -> BundleError {
    match try_load(text) {
        Ok(_) => panic!("accepted: {}", &text[..text.len().min(200)]),
        Err(e) => {
            let line = e.to_string();
            assert!(!line.contains('\n'), "not one line: {line}");
            assert!(line.starts_with("/bundle/config.json: "), "{line}");
            assert!(line.len() < 2000, "message too long: {} bytes", line.len());
            e
        }
    }
}

fn has(e: &BundleError, path: &str, word: &str) {
    let problems = e.problems();
    assert!(
        problems
            .iter()
            .any(|d| d.path == path && d.to_string().contains(word)),
        "no `{word}` at `{path}`: {problems:?}"
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let text = format!(
            "{{{BASE}, \"annotations\": {{\"x\": {}1{}}}}}",
            open.repeat(50_000),
            close.repeat(50_000)
        );
        let e = refused(&text);
        assert!(e.to_string().contains("nested more than 128 levels"), "{e}");
    }
}

#[test]
fn nesting_just_under_the_limit_is_a_type_error() {
    let text = format!(
        "{{{BASE}, \"annotations\": {{\"x\": {}{}}}}}",
        "[".repeat(120),
        "]".repeat(120)
    );
    has(&refused(&text), "annotations.x", "invalid type");
}

#[test]
fn huge_arrays_load_and_huge_bad_arrays_summarise() {
    let env: Vec<String> = (0..200_000).map(|i| format!("\"V{i}=x\"")).collect();
    let mounts: Vec<String> = (0..20_000)
        .map(|i| {
            format!("{{\"destination\": \"/m/{i}\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}}")
        })
        .collect();
    let text = format!(
        r#"{{"ociVersion": "1.3.0", "root": {{"path": "rootfs"}}, "mounts": [{}],
            "process": {{"cwd": "/", "args": ["sh"], "user": {{"uid": 0, "gid": 0}}, "env": [{}]}}}}"#,
        mounts.join(","),
        env.join(",")
    );
    let b = try_load(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.doc["mounts"].as_array().unwrap().len(), 20_000);

    let bad: Vec<&str> = std::iter::repeat_n(r#"{"destination": "../../etc"}"#, 10_000).collect();
    let text = format!("{{{BASE}, \"mounts\": [{}]}}", bad.join(","));
    let e = refused(&text);
    assert_eq!(e.problems().len(), 10_000);
    assert!(e.to_string().contains("and 9999 more problems"), "{e}");
}

#[test]
fn nul_bytes_are_refused_where_they_hide() {
    let e = refused(&format!(r#"{{{BASE}, "hostname": "web\u0000evil"}}"#));
    has(&e, "hostname", "NUL");
    let e = refused(&format!(
        r#"{{{BASE}, "annotations": {{"a\u0000b": "v"}}}}"#
    ));
    has(&e, r#"annotations["a\u0000b"]"#, "NUL");
}

#[test]
fn broken_strings_and_numbers() {
    // A lone UTF-16 surrogate cannot become a Rust string.
    let e = refused(&format!(r#"{{{BASE}, "hostname": "\ud800"}}"#));
    assert!(e.to_string().contains("invalid JSON at line"), "{e}");
    // One past u64::MAX, one below i64::MIN, and a fraction.
    let e = refused(&format!(
        r#"{{{BASE}, "linux": {{"resources": {{"hugepageLimits": [{{"pageSize": "2MB", "limit": 18446744073709551616}}],
            "memory": {{"limit": -9223372036854775809}}, "pids": {{"limit": 1.5}}}}}}}}"#
    ));
    has(
        &e,
        "linux.resources.hugepageLimits[0].limit",
        "invalid type",
    );
    has(&e, "linux.resources.memory.limit", "invalid type");
    has(&e, "linux.resources.pids.limit", "invalid type");
}

#[test]
fn oversized_names() {
    let long = "h".repeat(10 << 20);
    let e = refused(&format!(r#"{{{BASE}, "hostname": "{long}"}}"#));
    has(&e, "hostname", "at most 64");
}

#[test]
fn invalid_utf8_file_is_named() {
    let dir = std::env::temp_dir().join(format!("stockade-nasty-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("rootfs")).unwrap();
    std::fs::write(
        dir.join("config.json"),
        b"{\"ociVersion\": \"1.3.0\xc3\x28\"}",
    )
    .unwrap();
    let e = load(&dir, Platform::Linux).unwrap_err().to_string();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        e.contains("config.json: not valid UTF-8 at line 1, column 22"),
        "{e}"
    );
}
