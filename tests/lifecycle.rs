//! Lifecycle commands on real containers: run, create/start/state/kill/delete,
//! pause/resume, update, list, ps, spec, concurrency.

mod common;

use std::fs;
use std::time::{Duration, Instant};

use common::Env;
use serde_json::json;

#[test]
fn run_propagates_exit_status() {
    let mut env = Env::new(&["sh", "-c", "echo hello from stockade; exit 7"]);
    let id = env.id("run");
    let out = env.cmd(&["run", "--bundle", env.bundle_str(), &id]);
    assert_eq!(out.code, 7, "{out:?}");
    assert_eq!(out.stdout, "hello from stockade\n");
    assert!(out.stderr.is_empty(), "{out:?}");

    let id = env.id("run0");
    env.edit(|c| c["process"]["args"] = json!(["true"]));
    env.cmd(&["run", "--bundle", env.bundle_str(), &id]).ok();
}

/// libcrun is handed the text as written when nothing needed rewriting
/// (absolute `root.path`), and a re-serialized text when an object repeats a
/// key: libcrun's parser keeps a repeated key's first value, validation the
/// last, and the container must get the value that was validated.
#[test]
fn libcrun_runs_the_document_that_was_validated() {
    let mut env = Env::new(&["hostname"]);
    let rootfs = env.bundle.join("rootfs");
    env.edit(|c| {
        c["root"]["path"] = json!(rootfs);
        c["hostname"] = json!("as-written");
    });
    let id = env.id("verbatim");
    let out = env.cmd(&["run", "--bundle", env.bundle_str(), &id]);
    out.ok();
    assert_eq!(out.stdout, "as-written\n");

    let file = env.bundle.join("config.json");
    let text = fs::read_to_string(&file).unwrap();
    let repeated = text.replace(
        r#""hostname": "as-written""#,
        r#""hostname": "first", "hostname": "last""#,
    );
    assert_ne!(text, repeated);
    fs::write(&file, repeated).unwrap();
    let id = env.id("repeated");
    let out = env.cmd(&["run", "--bundle", env.bundle_str(), &id]);
    out.ok();
    assert_eq!(out.stdout, "last\n");
}

#[test]
fn run_killed_by_signal_reports_128_plus_n() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("sig");
    std::thread::scope(|s| {
        let runner = s.spawn(|| env.cmd(&["run", "--bundle", env.bundle_str(), &id]));
        let t = std::time::Instant::now();
        while env.cmd(&["state", &id]).code != 0 || env.status(&id) != "running" {
            assert!(t.elapsed() < Duration::from_secs(10), "container never ran");
            std::thread::sleep(Duration::from_millis(20));
        }
        env.cmd(&["kill", &id, "KILL"]).ok();
        let out = runner.join().unwrap();
        assert_eq!(out.code, 137, "{out:?}");
    });
}

#[test]
fn run_missing_executable_uses_runc_phrase() {
    let mut env = Env::new(&["/no/such/program"]);
    let id = env.id("noexec");
    let out = env.cmd(&["run", "--bundle", env.bundle_str(), &id]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("executable file not found"), "{out:?}");
    assert!(
        out.stderr.contains(&id),
        "error must name the container: {out:?}"
    );
    assert!(out.stderr.contains("/no/such/program"), "{out:?}");
}

#[test]
fn create_start_state_kill_delete() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("life");
    let pidfile = env.dir.path().join("init.pid");
    env.edit(|c| c["annotations"] = json!({"org.example.test": "yes"}));
    env.cmd(&[
        "create",
        "--bundle",
        env.bundle_str(),
        "--pid-file",
        pidfile.to_str().unwrap(),
        &id,
    ])
    .ok();

    let pid_text = fs::read_to_string(&pidfile).unwrap();
    assert!(
        !pid_text.ends_with('\n'),
        "pid file must have no trailing newline: {pid_text:?}"
    );
    let pid: i64 = pid_text.parse().unwrap();

    let st = env.state(&id);
    assert_eq!(st["ociVersion"], "1.3.0");
    assert_eq!(st["id"], id.as_str());
    assert_eq!(st["status"], "created");
    assert_eq!(st["pid"], pid);
    assert_eq!(st["bundle"], env.bundle_str());
    assert_eq!(st["annotations"]["org.example.test"], "yes");
    assert!(st["created"].as_str().unwrap().contains('T'));

    env.cmd(&["start", &id]).ok();
    assert_eq!(env.status(&id), "running");
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());

    env.cmd(&["kill", &id, "KILL"]).ok();
    env.wait_status(&id, "stopped");
    env.cmd(&["kill", &id, "TERM"])
        .fails_with(&["container not running", &id]);

    env.cmd(&["delete", &id]).ok();
    env.cmd(&["state", &id])
        .fails_with(&["does not exist", &id]);
}

#[test]
fn kill_by_name_number_and_all() {
    let mut env = Env::new(&["sh", "-c", "trap 'exit 42' USR1; sleep 1000 & wait"]);
    let id = env.id("kill");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    // The init is its PID namespace's init: the kernel drops a signal it has
    // no handler for, so a SIGUSR1 that lands before `trap` has run is lost
    // (it did on a loaded machine). Signal again until the trap has fired.
    let t = Instant::now();
    while env.status(&id) != "stopped" {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{id}: SIGUSR1 never ran the trap"
        );
        let sent = env.cmd(&["kill", &id, "SIGUSR1"]);
        if env.status(&id) != "stopped" {
            sent.ok(); // a kill may fail only because the trap has just run
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    env.cmd(&["delete", &id]).ok();

    // --all signals every process, not only init: the background sleep dies too.
    env.edit(|c| c["process"]["args"] = json!(["sh", "-c", "sleep 1000 & sleep 1000"]));
    let id = env.id("killall");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    std::thread::sleep(Duration::from_millis(200));
    let pids = env.cmd(&["ps", "--format", "json", &id]).ok().json();
    assert!(pids.as_array().unwrap().len() >= 2, "{pids}");
    env.cmd(&["kill", "--all", &id, "9"]).ok();
    env.wait_status(&id, "stopped");
    for p in pids.as_array().unwrap() {
        let stat = fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z "),
            "pid {p} survived kill --all: {stat}"
        );
    }
    env.cmd(&["kill", &id, "NOPE"])
        .fails_with(&["unknown signal"]);
    env.cmd(&["delete", &id]).ok();
}

/// A container that joined another's PID namespace leaves its children
/// running when its init exits (they are reparented to the other
/// container's init). `kill --all` on it, now stopped, must still signal
/// what is left in its cgroup, as runc and crun do: containerd's shim sends
/// exactly that when such an init exits.
#[test]
fn kill_all_reaches_what_a_stopped_container_left_in_its_cgroup() {
    let mut env = Env::new(&["sleep", "1000"]);
    let owner = env.id("pidns-owner");
    env.create(&owner).ok();
    env.cmd(&["start", &owner]).ok();
    let owner_pid = env.state(&owner)["pid"].as_i64().unwrap();

    env.edit(|c| {
        c["process"]["args"] = json!(["sh", "-c", "sleep 1000 & exit 0"]);
        for ns in c["linux"]["namespaces"].as_array_mut().unwrap() {
            if ns["type"] == "pid" {
                ns["path"] = json!(format!("/proc/{owner_pid}/ns/pid"));
            }
        }
    });
    let joiner = env.id("pidns-joiner");
    env.create(&joiner).ok();
    env.cmd(&["start", &joiner]).ok();
    env.wait_status(&joiner, "stopped");
    let t = Instant::now();
    while common::container_pids(&joiner).is_empty() {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "the background sleep never showed up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Without --all a stopped container cannot be signalled (runc's phrase).
    env.cmd(&["kill", &joiner, "KILL"])
        .fails_with(&["container not running"]);
    env.cmd(&["kill", "--all", &joiner, "KILL"]).ok();
    let t = Instant::now();
    while !common::container_pids(&joiner).is_empty() {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "kill --all left {:?} running",
            common::container_pids(&joiner)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    env.cmd(&["delete", &joiner]).ok();
    env.cmd(&["delete", "--force", &owner]).ok();
}

/// Mounts under the bundle, as this (the host's) mount namespace sees them.
fn host_mounts_under(bundle: &std::path::Path) -> Vec<String> {
    let b = bundle.to_string_lossy();
    fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(&*b))
        .map(String::from)
        .collect()
}

/// A container without a mount namespace of its own mounts /proc, /dev,
/// /sys and the rest in the host's namespace; none of it may outlive the
/// container: delete --force of a running one, a plain delete, a
/// foreground run, and a create that fails after the mounts were made.
#[test]
fn no_mount_namespace_leaves_no_host_mounts() {
    let mut env = Env::new(&["sleep", "1000"]);
    env.edit(|c| {
        c["linux"]["namespaces"]
            .as_array_mut()
            .unwrap()
            .retain(|n| n["type"] != "mount");
    });
    let id = env.id("nomntns");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    let made = host_mounts_under(&env.bundle);
    assert!(
        made.len() > 3,
        "the container mounted nothing in the host namespace: {made:?}"
    );
    env.cmd(&["delete", "--force", &id]).ok();
    assert_eq!(host_mounts_under(&env.bundle), Vec::<String>::new());

    env.edit(|c| c["process"]["args"] = json!(["true"]));
    let id = env.id("nomntns-exited");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    env.wait_status(&id, "stopped");
    env.cmd(&["delete", &id]).ok();
    assert_eq!(host_mounts_under(&env.bundle), Vec::<String>::new());

    let id = env.id("nomntns-run");
    env.cmd(&["run", "--bundle", env.bundle_str(), &id]).ok();
    assert_eq!(host_mounts_under(&env.bundle), Vec::<String>::new());

    // A createRuntime hook runs after the mounts; its failure fails create.
    env.edit(|c| c["hooks"] = json!({"createRuntime": [{"path": "/bin/false"}]}));
    let id = env.id("nomntns-failed");
    let out = env.create(&id);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(host_mounts_under(&env.bundle), Vec::<String>::new());
}

#[test]
fn delete_force_running_and_unknown() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("force");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    env.cmd(&["delete", &id]).fails_with(&[&id]);
    env.cmd(&["delete", "--force", &id]).ok();
    env.cmd(&["delete", "--force", "never-existed"]).ok();
    env.cmd(&["delete", "never-existed"])
        .fails_with(&["does not exist", "never-existed"]);
}

/// `delete --force` signals the container's first process early, so that
/// its exit overlaps the rest of the deletion: only that process, never
/// one that was given its pid after it exited.
#[test]
fn delete_force_spares_a_process_that_took_the_pid() {
    let mut env = Env::new(&["true"]);
    let id = env.id("reused");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    env.wait_status(&id, "stopped");
    let mut bystander = std::process::Command::new("sleep")
        .arg("100")
        .spawn()
        .unwrap();
    // The status now names a live process whose start time is not the one
    // it recorded: what a recycled pid looks like.
    let status = env.root.join(&id).join("status");
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&status).unwrap()).unwrap();
    assert!(v["process-start-time"].is_u64(), "{v}");
    v["pid"] = json!(bystander.id());
    fs::write(&status, v.to_string()).unwrap();
    env.cmd(&["delete", "--force", &id]).ok();
    assert!(!env.root.join(&id).exists());
    let alive = bystander.try_wait().unwrap().is_none();
    bystander.kill().ok();
    bystander.wait().ok();
    assert!(alive, "delete --force killed an unrelated process");
}

#[test]
fn pause_and_resume() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("pause");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    env.cmd(&["pause", &id]).ok();
    assert_eq!(env.status(&id), "paused");
    let freezer = fs::read_to_string(format!("/sys/fs/cgroup/freezer/{id}/freezer.state"))
        .unwrap_or_default();
    assert_eq!(freezer.trim(), "FROZEN");
    env.cmd(&["resume", &id]).ok();
    assert_eq!(env.status(&id), "running");
    env.cmd(&["delete", "--force", &id]).ok();
}

#[test]
fn update_memory_limit() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("update");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    let limit =
        || fs::read_to_string(format!("/sys/fs/cgroup/memory/{id}/memory.limit_in_bytes")).unwrap();
    env.cmd(&["update", "--memory", "64m", &id]).ok();
    assert_eq!(limit().trim(), (64u64 << 20).to_string());

    let res = env.dir.path().join("res.json");
    fs::write(&res, r#"{"memory": {"limit": 33554432}}"#).unwrap();
    env.cmd(&["update", &format!("--resources={}", res.display()), &id])
        .ok();
    assert_eq!(limit().trim(), "33554432");

    // containerd passes the document on stdin.
    let out = env.cmd_with(&["update", "--resources", "-", &id], |c| {
        c.stdin(fs::File::open(&res).unwrap());
    });
    out.ok();
    env.cmd(&["update", "--memory", "lots", &id])
        .fails_with(&["--memory", "lots"]);
    env.cmd(&["delete", "--force", &id]).ok();
}

#[test]
fn list_and_ps() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("list");
    env.cmd(&["list", "--format", "json"]).ok();
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    let rows = env.cmd(&["list", "--format", "json"]).ok().json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .expect("listed");
    assert_eq!(row["status"], "running");
    assert_eq!(row["bundle"], env.bundle_str());
    assert!(env
        .cmd(&["list", "-q"])
        .ok()
        .stdout
        .lines()
        .any(|l| l == id));
    assert!(env.cmd(&["list"]).ok().stdout.contains(&id));
    let pids = env.cmd(&["ps", "--format", "json", &id]).ok().json();
    assert_eq!(pids.as_array().unwrap()[0], env.state(&id)["pid"]);
    env.cmd(&["delete", "--force", &id]).ok();
}

/// `list` works each container's status out itself (not through libcrun,
/// as `state` does): both must give the same answer in every state, with
/// the same fields, in libcrun's order.
#[test]
fn list_agrees_with_state() {
    let mut env = Env::new(&["sleep", "100"]);
    let ids: Vec<String> = ["created", "running", "paused", "stopped"]
        .iter()
        .map(|s| env.id(&format!("agree-{s}")))
        .collect();
    for id in &ids {
        env.create(id).ok();
    }
    for id in &ids[1..] {
        env.cmd(&["start", id]).ok();
    }
    env.cmd(&["pause", &ids[2]]).ok();
    env.cmd(&["kill", &ids[3], "KILL"]).ok();
    env.wait_status(&ids[3], "stopped");
    // A directory without a status (a create under way) is not listed.
    fs::create_dir(env.root.join("agree-half")).unwrap();
    let rows = env.cmd(&["list", "--format", "json"]).ok().json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), ids.len(), "{rows:?}");
    for (id, want) in ids.iter().zip(["created", "running", "paused", "stopped"]) {
        let row = rows
            .iter()
            .find(|r| r["id"] == id.as_str())
            .expect("listed");
        let state = env.state(id);
        assert_eq!(state["status"], want, "{state}");
        assert_eq!(row["status"], state["status"], "{row} against {state}");
        for key in ["bundle", "created", "owner"] {
            assert_eq!(row[key], state[key], "{key}: {row} against {state}");
        }
        if want != "stopped" {
            assert_eq!(row["pid"], state["pid"], "{row} against {state}");
        }
    }
    // libcrun lists the state root's entries in reverse directory order.
    let mut dir_order: Vec<String> = fs::read_dir(&env.root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| ids.contains(n))
        .collect();
    dir_order.reverse();
    let listed: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(listed, dir_order);
    fs::remove_dir(env.root.join("agree-half")).unwrap();
    env.cmd(&["resume", &ids[2]]).ok();
    for id in &ids {
        env.cmd(&["delete", "--force", id]).ok();
    }
}

#[test]
fn spec_writes_config_once() {
    let env = Env::new(&["true"]);
    let dir = env.dir.path().join("newbundle");
    fs::create_dir(&dir).unwrap();
    env.cmd(&["spec", "--bundle", dir.to_str().unwrap()]).ok();
    let c: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert!(c["linux"].is_object() && c["process"]["args"].is_array());
    env.cmd(&["spec", "--bundle", dir.to_str().unwrap()])
        .fails_with(&["config.json"]);
    let rootless = env.dir.path().join("rl");
    fs::create_dir(&rootless).unwrap();
    env.cmd(&["spec", "--rootless", "--bundle", rootless.to_str().unwrap()])
        .ok();
    let c: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(rootless.join("config.json")).unwrap()).unwrap();
    let ns = c["linux"]["namespaces"].as_array().unwrap();
    assert!(
        ns.iter().any(|n| n["type"] == "user"),
        "rootless spec uses a user namespace: {c}"
    );
    assert_eq!(c["ociVersion"], "1.3.0");
}

#[test]
fn ten_concurrent_lifecycles() {
    let mut env = Env::new(&["sh", "-c", "echo $0"]);
    let ids: Vec<String> = (0..10).map(|i| env.id(&format!("par{i}"))).collect();
    std::thread::scope(|s| {
        for id in &ids {
            let env = &env;
            s.spawn(move || {
                env.create(id).ok();
                env.cmd(&["start", id]).ok();
                env.wait_status(id, "stopped");
                env.cmd(&["delete", id]).ok();
            });
        }
    });
    assert!(env.cmd(&["list", "-q"]).ok().stdout.is_empty());
}

#[test]
fn create_existing_id_fails_cleanly() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("dup");
    env.create(&id).ok();
    env.create(&id).fails_with(&["already exists", &id]);
    assert_eq!(env.status(&id), "created");
    env.cmd(&["delete", "--force", &id]).ok();
}

#[test]
fn version_and_features() {
    let env = Env::new(&["true"]);
    let v = env.cmd(&["--version"]).ok().stdout.clone();
    assert!(
        v.contains("stockade version")
            && v.contains("libcrun version 1.21")
            && v.contains("spec: 1.3.0"),
        "{v}"
    );
    assert!(v.contains("commit: "), "{v}");
    let f = env.cmd(&["features"]).ok().json();
    assert_eq!(f["ociVersionMax"], "1.3.0");
}
