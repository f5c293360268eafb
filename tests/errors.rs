//! Bad input: one-line errors naming the container and the cause, one JSON
//! object in the --log file, exit 1, and nothing left behind.

mod common;

use std::fs;

use common::{leftovers, Env};
use serde_json::{json, Value};

fn log_lines(path: &std::path::Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("log line is not JSON ({e}): {l}"))
        })
        .collect()
}

#[test]
fn invalid_ids_are_rejected_before_any_side_effect() {
    let env = Env::new(&["true"]);
    for id in ["../escape", "a/b", "..", ".hidden", "", "with space"] {
        let out = env.cmd(&["create", "--bundle", env.bundle_str(), id]);
        out.fails_with(&["invalid container id"]);
        for verb in ["start", "state", "kill", "pause"] {
            env.cmd(&[verb, id]).fails_with(&["invalid container id"]);
        }
    }
    assert!(!env.root.exists(), "state root created for an invalid id");
    assert!(!env.dir.path().join("escape").exists());
}

#[test]
fn bad_bundles_create_nothing() {
    let mut env = Env::new(&["true"]);
    let cfg = env.bundle.join("config.json");
    let good = fs::read_to_string(&cfg).unwrap();

    let id = env.id("nojson");
    fs::write(&cfg, "{\n  \"ociVersion\": \"1.3.0\",\n  oops\n}").unwrap();
    env.create(&id)
        .fails_with(&[&id, "config.json", "line 3", "column"]);

    let id = env.id("badtype");
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["linux"]["resources"] = json!({"memory": {"limit": "a lot"}});
    fs::write(&cfg, v.to_string()).unwrap();
    env.create(&id)
        .fails_with(&[&id, "linux.resources.memory.limit"]);

    let id = env.id("newver");
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["ociVersion"] = json!("1.4.0");
    fs::write(&cfg, v.to_string()).unwrap();
    env.create(&id).fails_with(&[&id, "1.4.0"]);

    let id = env.id("noconfig");
    fs::remove_file(&cfg).unwrap();
    env.create(&id).fails_with(&[&id, "config.json"]);
    assert!(
        !env.root.exists(),
        "a state root was created for bundles that never loaded"
    );
}

#[test]
fn failed_create_leaves_nothing_and_logs_one_json_object() {
    let mut env = Env::new(&["/does/not/exist"]);
    let id = env.id("failcreate");
    let log = env.dir.path().join("oci-log");
    let out = env.cmd(&[
        "--log",
        log.to_str().unwrap(),
        "--log-format",
        "json",
        "create",
        "--bundle",
        env.bundle_str(),
        &id,
    ]);
    out.fails_with(&[&id, "executable file not found"]);
    let lines = log_lines(&log);
    assert_eq!(
        lines.len(),
        1,
        "podman parses the file as one object: {lines:?}"
    );
    assert_eq!(lines[0]["level"], "error");
    assert!(
        lines[0]["msg"]
            .as_str()
            .unwrap()
            .contains("executable file not found"),
        "{lines:?}"
    );
    assert!(lines[0]["time"].as_str().unwrap().contains('T'));
    let left = leftovers(&env.root, &id, &env.bundle);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn log_file_forms_and_success_is_quiet() {
    let mut env = Env::new(&["true"]);
    let id = env.id("logok");
    let log = env.dir.path().join("ok.log");
    // containerd passes `--log FILE`, conmon `--log=FILE`, crun accepts `file:PATH`.
    env.cmd(&[
        &format!("--log=file:{}", log.display()),
        "--log-format=json",
        "run",
        "--bundle",
        env.bundle_str(),
        &id,
    ])
    .ok();
    assert!(log_lines(&log).iter().all(|l| l["level"] != "error"));
    env.cmd(&[
        "--log",
        log.to_str().unwrap(),
        "--log-format",
        "json",
        "state",
        "nope",
    ])
    .fails_with(&["does not exist"]);
    let errors: Vec<_> = log_lines(&log)
        .into_iter()
        .filter(|l| l["level"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["msg"]
        .as_str()
        .unwrap()
        .contains("container `nope` does not exist"));

    let text = env.dir.path().join("text.log");
    env.cmd(&["--log", text.to_str().unwrap(), "kill", "nope"])
        .fails_with(&["does not exist"]);
    let t = fs::read_to_string(&text).unwrap();
    assert!(
        t.contains("level=error") && t.contains("does not exist"),
        "{t}"
    );
}

#[test]
fn unknown_runc_global_flags_do_not_break_callers() {
    let env = Env::new(&["true"]);
    for flags in [
        vec!["--systemd-cgroup"],
        vec!["--rootless", "false"],
        vec!["--rootless=auto"],
        vec!["--criu", "/usr/sbin/criu"],
        vec!["--cgroup-manager", "cgroupfs"],
        vec!["--debug"],
        vec!["--log-level", "warning"],
    ] {
        let mut args = flags.clone();
        args.extend(["list", "-q"]);
        let out = env.cmd(&args);
        assert_eq!(out.code, 0, "{flags:?}: {out:?}");
    }
    env.cmd(&["--cgroup-manager", "bogus", "list"])
        .fails_with(&["cgroup-manager", "bogus"]);
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    let env = Env::new(&["true"]);
    assert_eq!(env.cmd(&["frobnicate"]).code, 1);
    assert_eq!(env.cmd(&["kill"]).code, 1);
    assert_eq!(env.cmd(&["--help"]).code, 0);
    // podman probes checkpoint support: it must be reported as unsupported.
    assert_ne!(env.cmd(&["checkpoint", "--help"]).code, 0);
}
