#![cfg(target_os = "linux")]
//! The runc `exec` flags callers pass: --additional-gids, --no-new-privs,
//! --apparmor, --process-label, --cgroup and --ignore-paused. Each is either
//! applied (checked from inside the process) or refused with one line where
//! this host cannot apply it. Also what a command-line exec inherits from the
//! container's process when no flag changes it.

mod common;

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::Env;

#[test]
fn additional_gids_and_no_new_privs() {
    let mut env = Env::new(&["sleep", "100"]);
    env.edit(|c| c["process"]["noNewPrivileges"] = serde_json::json!(false));
    let id = env.running("gids");
    let out = env.cmd(&[
        "exec",
        "-g",
        "10",
        "--additional-gids",
        "20,30",
        &id,
        "id",
        "-G",
    ]);
    out.ok();
    let groups: Vec<&str> = out.stdout.split_whitespace().collect();
    for g in ["10", "20", "30"] {
        assert!(groups.contains(&g), "{g} missing: {out:?}");
    }
    let out = env.cmd(&["exec", &id, "grep", "NoNewPrivs", "/proc/self/status"]);
    assert!(out.ok().stdout.ends_with("\t0\n"), "{out:?}");
    let out = env.cmd(&[
        "exec",
        "--no-new-privs",
        &id,
        "grep",
        "NoNewPrivs",
        "/proc/self/status",
    ]);
    assert!(out.ok().stdout.ends_with("\t1\n"), "{out:?}");
    // Flags also apply on top of a process.json.
    let pj = env.dir.path().join("p.json");
    fs::write(
        &pj,
        r#"{"args": ["id", "-G"], "cwd": "/", "user": {"uid": 0, "gid": 0}}"#,
    )
    .unwrap();
    let out = env.cmd(&["exec", "--process", pj.to_str().unwrap(), "-g", "42", &id]);
    assert!(
        out.ok().stdout.split_whitespace().any(|g| g == "42"),
        "{out:?}"
    );
    let out = env.cmd(&["exec", "-g", "x", &id, "true"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("invalid value 'x'"), "{out:?}");
    env.cmd(&["delete", "--force", &id]).ok();
}

/// A command-line exec runs with what the container's process set and the
/// command line did not change, as with runc: `noNewPrivileges`, rlimits,
/// the environment (merged with `--env`). A partial process handed to
/// libcrun would lose the first two silently.
#[test]
fn exec_inherits_no_new_privs_and_rlimits() {
    let mut env = Env::new(&["sleep", "100"]);
    env.edit(|c| {
        c["process"]["noNewPrivileges"] = serde_json::json!(true);
        c["process"]["rlimits"] =
            serde_json::json!([{"type": "RLIMIT_NOFILE", "soft": 777, "hard": 888}]);
    });
    let id = env.running("inherit");
    let out = env.cmd(&["exec", &id, "grep", "NoNewPrivs", "/proc/self/status"]);
    assert!(out.ok().stdout.ends_with("\t1\n"), "{out:?}");
    let out = env.cmd(&["exec", &id, "grep", "Max open files", "/proc/self/limits"]);
    let fields: Vec<&str> = out.ok().stdout.split_whitespace().collect();
    assert_eq!(fields.get(3..5), Some(&["777", "888"][..]), "{out:?}");
    env.cmd(&["delete", "--force", &id]).ok();
}

/// The container's user, environment and capabilities reach a command-line
/// exec whether libcrun is handed them or takes them from the stored config
/// itself (what it is left to do when the command line changes nothing),
/// and flags that change them start from the container's values.
#[test]
fn exec_inherits_user_env_and_capabilities() {
    let mut env = Env::new(&["sleep", "100"]);
    env.edit(|c| {
        c["process"]["user"] = serde_json::json!({"uid": 1000, "gid": 1000});
        c["process"]["env"] = serde_json::json!(["PATH=/bin:/usr/bin", "FROM=container"]);
        let kill = serde_json::json!(["CAP_KILL"]);
        c["process"]["capabilities"] = serde_json::json!({
            "bounding": kill, "effective": kill, "permitted": kill});
    });
    let id = env.running("inherit-user");
    let run = |args: &[&str]| {
        let mut all = vec!["exec"];
        all.extend_from_slice(args);
        env.cmd(&all).ok().stdout.clone()
    };
    let cap_bnd = |out: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix("CapBnd:"))
            .map(|v| v.trim().to_string())
    };
    assert_eq!(run(&[&id, "id", "-u"]), "1000\n");
    assert_eq!(run(&[&id, "sh", "-c", "echo $FROM"]), "container\n");
    // CAP_KILL is bit 5.
    let status = run(&[&id, "cat", "/proc/self/status"]);
    assert_eq!(
        cap_bnd(&status).as_deref(),
        Some("0000000000000020"),
        "{status}"
    );
    let out = run(&["--additional-gids", "20", &id, "sh", "-c", "id -u; id -G"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"1000"), "{out}");
    assert!(
        lines
            .get(1)
            .is_some_and(|g| g.split(' ').any(|g| g == "20")),
        "{out}"
    );
    let out = run(&["--env", "MORE=1", &id, "sh", "-c", "echo $FROM $MORE"]);
    assert_eq!(out, "container 1\n");
    // CAP_KILL and CAP_NET_ADMIN (bit 12).
    let status = run(&["--cap", "CAP_NET_ADMIN", &id, "cat", "/proc/self/status"]);
    assert_eq!(
        cap_bnd(&status).as_deref(),
        Some("0000000000001020"),
        "{status}"
    );
    env.cmd(&["delete", "--force", &id]).ok();
}

/// Applied where the module is on (checked through /proc/self/attr),
/// refused with one line where it is off: never silently dropped.
#[test]
fn apparmor_and_process_label_applied_or_refused() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.running("lsm");
    let out = env.cmd(&[
        "exec",
        "--apparmor",
        "unconfined",
        &id,
        "cat",
        "/proc/self/attr/current",
    ]);
    if stockade::bundle::host::apparmor_enabled() {
        assert!(out.ok().stdout.contains("unconfined"), "{out:?}");
    } else {
        eprintln!("AppArmor is off on this host: --apparmor must be refused");
        out.fails_with(&["AppArmor is not enabled", &id]);
    }
    let label = "system_u:system_r:container_t:s0";
    let out = env.cmd(&[
        "exec",
        "--process-label",
        label,
        &id,
        "cat",
        "/proc/self/attr/current",
    ]);
    if stockade::bundle::host::selinux_enabled() {
        assert!(out.ok().stdout.contains("container_t"), "{out:?}");
    } else {
        eprintln!("SELinux is off on this host: --process-label must be refused");
        out.fails_with(&["SELinux is not enabled", &id]);
    }
    env.cmd(&["delete", "--force", &id]).ok();
}

/// The container's cgroup directories, one per hierarchy, from its init's
/// /proc/<pid>/cgroup.
fn cgroup_dirs(pid: i64) -> Vec<PathBuf> {
    let mounts = stockade::mountinfo::current();
    let text = fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    let mut out = Vec::new();
    for l in text.lines() {
        let mut f = l.splitn(3, ':');
        let (_, ctrls, path) = (f.next(), f.next().unwrap(), f.next().unwrap());
        let mp = mounts.iter().find(|m| {
            if ctrls.is_empty() {
                m.fstype == "cgroup2"
            } else {
                m.fstype == "cgroup"
                    && m.mount_point.file_name().is_some_and(|n| {
                        ctrls.split(',').all(|c| {
                            n.to_string_lossy()
                                .split(',')
                                .any(|x| x == c || x == format!("name={c}"))
                                || ctrls.starts_with("name=") && n == "systemd"
                        })
                    })
            }
        });
        if let Some(m) = mp {
            out.push(m.mount_point.join(path.trim_start_matches('/')));
        }
    }
    out
}

#[test]
fn exec_into_a_sub_cgroup() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.running("subcg");
    let pid = env.state(&id)["pid"].as_i64().unwrap();
    let dirs = cgroup_dirs(pid);
    assert!(!dirs.is_empty());
    for d in &dirs {
        let sub = d.join("sub");
        fs::create_dir(&sub).unwrap_or_else(|e| panic!("{}: {e}", sub.display()));
        // A v1 cpuset cgroup takes tasks only once it has cpus and mems.
        for f in ["cpuset.cpus", "cpuset.mems"] {
            if let Ok(v) = fs::read_to_string(d.join(f)) {
                fs::write(sub.join(f), v).unwrap();
            }
        }
    }
    let out = env.cmd(&["exec", "--cgroup", "sub", &id, "cat", "/proc/self/cgroup"]);
    out.ok();
    let mine = env
        .cmd(&["exec", &id, "cat", "/proc/self/cgroup"])
        .ok()
        .stdout
        .clone();
    assert!(!mine.contains("/sub"), "{mine}");
    let moved = out.stdout.lines().filter(|l| l.ends_with("/sub")).count();
    assert!(
        moved >= mine.lines().filter(|l| l.contains(&id)).count() && moved > 0,
        "{out:?} vs {mine}"
    );

    env.cmd(&["exec", "--cgroup", "../../escape", &id, "true"])
        .fails_with(&["below the container's cgroup"]);
    let out = env.cmd(&["exec", "--cgroup", "nosuch", &id, "true"]);
    assert_eq!(out.code, 1, "a missing sub-cgroup is not created: {out:?}");
    assert!(out.stderr.contains("no such sub-cgroup"), "{out:?}");
    let unified = stockade::bundle::host::probe(stockade::bundle::host::Needs {
        cgroups: true,
        ..Default::default()
    })
    .cgroup
        == stockade::bundle::host::CgroupMode::Unified;
    let out = env.cmd(&[
        "exec",
        "--cgroup",
        "memory,pids:sub",
        &id,
        "cat",
        "/proc/self/cgroup",
    ]);
    if unified {
        assert!(out.ok().stdout.trim_end().ends_with("/sub"), "{out:?}");
    } else {
        out.fails_with(&["needs a cgroup v2 host"]);
    }
    env.cmd(&[
        "exec", "--cgroup", "cpu:a", "--cgroup", "memory:b", &id, "true",
    ])
    .fails_with(&["cpu:a, memory:b"]);
    env.cmd(&["delete", "--force", &id]).ok();
    for d in &dirs {
        let _ = fs::remove_dir(d.join("sub"));
        let _ = fs::remove_dir(d);
    }
}

#[test]
fn paused_container_needs_ignore_paused() {
    let mut env = Env::new(&["sleep", "100"]);
    env.edit(|c| c["root"]["readonly"] = serde_json::json!(false));
    let id = env.running("paused");
    env.cmd(&["pause", &id]).ok();
    env.cmd(&["exec", &id, "true"])
        .fails_with(&["paused", "--ignore-paused", &id]);
    // With the override the process joins the frozen container: it (and a
    // foreground exec waiting for it) goes on once the container resumes.
    let mark = env.bundle.join("rootfs/tmp/ran");
    let mut exec = std::process::Command::new(common::BIN)
        .arg("--root")
        .arg(&env.root)
        .args([
            "exec",
            "--ignore-paused",
            &id,
            "sh",
            "-c",
            "touch /tmp/ran; exit 3",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(!mark.exists(), "the process ran inside a frozen container");
    env.cmd(&["resume", &id]).ok();
    let t = Instant::now();
    let status = loop {
        if let Some(st) = exec.try_wait().unwrap() {
            break st;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "exec never finished after resume"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(3));
    assert!(mark.exists());
    env.cmd(&["delete", "--force", &id]).ok();
}
