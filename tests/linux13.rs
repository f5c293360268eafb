//! The runtime-spec 1.3.0 Linux additions on real containers: netDevices,
//! memoryPolicy, intelRdt (error path: this host has no resctrl) and the
//! 1.3.0 hook semantics.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{wait_for, Env};
use serde_json::{json, Value};

// ---------------------------------------------------------------- netDevices

/// Host interfaces made for one test; whatever is left is deleted on drop
/// (a veth moved into a container dies with its namespace, a tap comes back).
struct HostLinks(Vec<String>);

impl HostLinks {
    fn ip(args: &[&str]) {
        let st = Command::new("ip").args(args).status().unwrap();
        assert!(st.success(), "ip {args:?} failed");
    }

    /// A veth pair `<name>`/`<name>p` with an IPv4 and an IPv6 address on `<name>`.
    fn veth(name: &str, v4: &str, v6: &str) -> HostLinks {
        let peer = format!("{name}p");
        let _ = Command::new("ip").args(["link", "del", name]).status();
        Self::ip(&["link", "add", name, "type", "veth", "peer", "name", &peer]);
        let links = HostLinks(vec![name.to_string(), peer]);
        Self::ip(&["addr", "add", v4, "dev", name]);
        Self::ip(&["-6", "addr", "add", v6, "dev", name, "nodad"]);
        links
    }

    fn tap(name: &str, v4: &str) -> HostLinks {
        let _ = Command::new("ip").args(["link", "del", name]).status();
        Self::ip(&["tuntap", "add", "dev", name, "mode", "tap"]);
        let links = HostLinks(vec![name.to_string()]);
        Self::ip(&["addr", "add", v4, "dev", name]);
        links
    }
}

fn host_has(name: &str) -> bool {
    Path::new("/sys/class/net").join(name).exists()
}

impl Drop for HostLinks {
    fn drop(&mut self) {
        for l in &self.0 {
            if host_has(l) {
                let _ = Command::new("ip").args(["link", "del", l]).status();
            }
        }
    }
}

/// Short, unique interface names (IFNAMSIZ is 16 with the NUL).
fn ifname(tag: &str) -> String {
    format!("sk{}{tag}", std::process::id() % 100000)
}

fn with_netns(c: &mut Value) {
    let ns = c["linux"]["namespaces"].as_array_mut().unwrap();
    if !ns.iter().any(|n| n["type"] == "network") {
        ns.push(json!({"type": "network"}));
    }
}

#[test]
fn net_devices_are_moved_renamed_addressed_and_up() {
    let mut env = Env::new(&[
        "sh",
        "-c",
        "ls /sys/class/net; ip -o addr show; ip -o link show",
    ]);
    let veth = ifname("v");
    let tap = ifname("t");
    let _links = HostLinks::veth(&veth, "10.213.7.2/24", "fd00:213:7::2/64");
    let _tap = HostLinks::tap(&tap, "10.214.7.2/24");
    env.edit(|c| {
        with_netns(c);
        c["linux"]["netDevices"] = json!({ &veth: {"name": "ctr%d"}, &tap: {"name": "tap9"} });
    });
    let id = env.id("netdev");
    let out = env.cmd(&["run", "--bundle", env.bundle_str(), &id]);
    assert_eq!(out.code, 0, "{out:?}");
    let o = &out.stdout;
    // %d template: the kernel picks ctr0 in the fresh namespace.
    assert!(o.contains("ctr0"), "{o}");
    assert!(o.contains("tap9"), "{o}");
    assert!(!o.contains(&veth), "old name visible: {o}");
    let addr_line = |dev: &str, addr: &str| {
        o.lines()
            .any(|l| l.contains(&format!(" {dev} ")) && l.contains(addr))
    };
    assert!(addr_line("ctr0", "inet 10.213.7.2/24"), "{o}");
    assert!(addr_line("ctr0", "inet6 fd00:213:7::2/64"), "{o}");
    assert!(addr_line("tap9", "inet 10.214.7.2/24"), "{o}");
    let up = |dev: &str| {
        o.lines().any(|l| {
            l.contains(&format!(": {dev}"))
                && l.contains("<")
                && l.split('>').next().unwrap().contains(",UP")
                || l.contains(&format!(": {dev}@")) && l.contains(",UP")
        })
    };
    assert!(up("ctr0"), "ctr0 not up: {o}");
    assert!(up("tap9"), "tap9 not up: {o}");
    assert!(!host_has(&veth), "veth still on the host after the move");
}

#[test]
fn net_devices_are_moved_before_the_create_runtime_hooks() {
    let mut env = Env::new(&["true"]);
    let veth = ifname("h");
    let _links = HostLinks::veth(&veth, "10.215.7.2/24", "fd00:215:7::2/64");
    let seen = env.dir.path().join("seen");
    // createRuntime runs in the runtime namespace: look into the init's netns.
    let script = format!(
        "pid=$(sed 's/.*\"pid\": *\\([0-9]*\\).*/\\1/'); nsenter -t $pid -n ip -o addr show > {}",
        seen.display()
    );
    env.edit(|c| {
        with_netns(c);
        c["linux"]["netDevices"] = json!({ &veth: {"name": "in0"} });
        c["hooks"] = json!({"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", script]}]});
    });
    let id = env.id("netdev-hook");
    env.create(&id).ok();
    let s = fs::read_to_string(&seen).unwrap();
    assert!(
        s.contains(" in0 ") && s.contains("10.215.7.2/24"),
        "hook saw: {s}"
    );
    env.cmd(&["delete", "--force", &id]).ok();
}

#[test]
fn net_device_errors_name_the_field_and_leave_the_host_alone() {
    let mut env = Env::new(&["true"]);
    let veth = ifname("e");
    let _links = HostLinks::veth(&veth, "10.216.7.2/24", "fd00:216:7::2/64");

    // Missing host interface.
    env.edit(|c| {
        with_netns(c);
        c["linux"]["netDevices"] = json!({"sknosuch0": {}});
    });
    let id = env.id("nodev");
    env.create(&id)
        .fails_with(&[&id, "linux.netDevices.sknosuch0", "no interface"]);

    // Target name already taken in the container (`lo` always is).
    env.edit(|c| c["linux"]["netDevices"] = json!({ &veth: {"name": "lo"} }));
    let id = env.id("clash");
    env.create(&id)
        .fails_with(&[&id, &format!("linux.netDevices.{veth}"), "already exists"]);
    assert!(host_has(&veth), "a refused move must not move the device");

    // No network namespace of its own.
    env.edit(|c| {
        let ns = c["linux"]["namespaces"].as_array_mut().unwrap();
        ns.retain(|n| n["type"] != "network");
        c["linux"]["netDevices"] = json!({ &veth: {} });
    });
    let id = env.id("nonetns");
    env.create(&id)
        .fails_with(&[&id, "linux.netDevices", "network namespace"]);
    assert!(host_has(&veth));
    assert!(!env.root.join(&id).exists());
}

// -------------------------------------------------------------- memoryPolicy

/// The policy column of the first numa_maps line of the container process.
fn policies(env: &mut Env, mp: Value) -> String {
    env.edit(|c| {
        c["process"]["args"] = json!(["sh", "-c", "head -1 /proc/self/numa_maps"]);
        c["linux"]["memoryPolicy"] = mp;
    });
    let id = env.id("mpol");
    let out = env.cmd(&["run", "--bundle", env.bundle_str(), &id]);
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn memory_policy_applies_to_the_init() {
    let mut env = Env::new(&["true"]);
    assert_eq!(
        policies(&mut env, json!({"mode": "MPOL_BIND", "nodes": "0"})),
        "bind:0"
    );
    assert_eq!(
        policies(&mut env, json!({"mode": "MPOL_PREFERRED", "nodes": "0"})),
        "prefer:0"
    );
    assert_eq!(
        policies(&mut env, json!({"mode": "MPOL_INTERLEAVE", "nodes": "0"})),
        "interleave:0"
    );
    assert_eq!(
        policies(
            &mut env,
            json!({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]})
        ),
        "bind=static:0"
    );
    // Control: without a policy the process has the default one.
    env.edit(|c| {
        c["linux"].as_object_mut().unwrap().remove("memoryPolicy");
    });
    let id = env.id("mpol-none");
    let out = env.cmd(&["run", "--bundle", env.bundle_str(), &id]);
    assert!(out.stdout.contains(" default "), "{out:?}");
}

#[test]
fn memory_policy_applies_to_exec_but_not_to_hooks() {
    let mut env = Env::new(&["sleep", "100"]);
    let hook_saw = env.dir.path().join("hook-policy");
    env.edit(|c| {
        c["linux"]["memoryPolicy"] = json!({"mode": "MPOL_INTERLEAVE", "nodes": "0"});
        c["hooks"] = json!({"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c",
            format!("head -1 /proc/self/numa_maps > {}", hook_saw.display())]}]});
    });
    let id = env.id("mpol-exec");
    env.create(&id).ok();
    let pid = env.state(&id)["pid"].as_i64().unwrap();
    let init = fs::read_to_string(format!("/proc/{pid}/numa_maps")).unwrap();
    assert!(
        init.lines().next().unwrap().contains(" interleave:0 "),
        "{init}"
    );
    let hook = fs::read_to_string(&hook_saw).unwrap();
    assert!(
        hook.contains(" default "),
        "hooks must run under the default policy: {hook}"
    );
    env.cmd(&["start", &id]).ok();
    let out = env.cmd(&["exec", &id, "head", "-1", "/proc/self/numa_maps"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(" interleave:0 "), "{out:?}");
    env.cmd(&["kill", &id, "KILL"]).ok();
    env.wait_status(&id, "stopped");
    env.cmd(&["delete", &id]).ok();
}

#[test]
fn memory_policy_on_a_missing_node_is_refused() {
    let mut env = Env::new(&["true"]);
    env.edit(|c| c["linux"]["memoryPolicy"] = json!({"mode": "MPOL_BIND", "nodes": "0,63"}));
    let id = env.id("mpol-bad");
    env.create(&id)
        .fails_with(&[&id, "linux.memoryPolicy.nodes", "63"]);
    assert!(!env.root.join(&id).exists());
}

// ------------------------------------------------------------------ intelRdt

#[test]
fn intel_rdt_without_resctrl_is_a_clear_error() {
    if fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .contains(" - resctrl ")
    {
        panic!("NOT RUN: this test expects a host without resctrl");
    }
    let mut env = Env::new(&["true"]);
    env.edit(|c| {
        c["linux"]["intelRdt"] = json!({"schemata": ["L3:0=ff"], "enableMonitoring": true});
    });
    let id = env.id("rdt");
    env.create(&id)
        .fails_with(&[&id, "linux.intelRdt", "resctrl"]);
    assert!(!env.root.join(&id).exists());
    // The backend can write schemata and monitoring groups; only the host lacks resctrl.
    let out = env.cmd(&["validate", "--format", "json", "--bundle", env.bundle_str()]);
    let text = out.stdout.clone();
    assert!(text.contains("resctrl"), "{out:?}");
    assert!(!text.contains("backend cannot"), "{out:?}");
}

// --------------------------------------------------------------------- hooks

/// A hook that saves its stdin to `<dir>/<name>.json` (runtime namespace).
fn save_hook(dir: &Path, name: &str) -> Value {
    json!({"path": "/bin/sh", "args": ["sh", "-c", format!("cat > {}/{name}.json", dir.display())]})
}

fn read_state(dir: &Path, name: &str) -> Value {
    let p = dir.join(format!("{name}.json"));
    let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{name} hook did not run ({e})"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {text}"))
}

/// Waits until `pid` has executed `comm` (its startContainer hooks are done by then).
fn wait_for_exec(pid: i64, comm: &str) {
    wait_for(&format!("pid {pid} to exec {comm}"), 10, || {
        fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|now| now.trim_end() == comm)
    });
}

#[test]
fn every_hook_gets_the_state_on_stdin() {
    let mut env = Env::new(&["sleep", "100"]);
    let d = env.dir.path().join("hooks");
    fs::create_dir(&d).unwrap();
    env.edit(|c| {
        c["root"]["readonly"] = json!(false);
        c["hooks"] = json!({
            "prestart": [save_hook(&d, "prestart")],
            "createRuntime": [save_hook(&d, "createRuntime")],
            "createContainer": [save_hook(&d, "createContainer")],
            // startContainer runs in the container: its path and files are the container's.
            "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /startContainer.json"]}],
            "poststart": [save_hook(&d, "poststart")],
            "poststop": [save_hook(&d, "poststop")],
        });
    });
    let id = env.id("hooks");
    env.create(&id).ok();
    let pid = env.state(&id)["pid"].as_i64().unwrap();
    env.cmd(&["start", &id]).ok();
    // `start` returns once the container is released; its startContainer hook runs after
    // that, before the workload's exec. Kill only once the workload runs, or the hook dies.
    wait_for_exec(pid, "sleep");
    env.cmd(&["kill", &id, "KILL"]).ok();
    env.wait_status(&id, "stopped");
    env.cmd(&["delete", &id]).ok();
    fs::rename(
        env.bundle.join("rootfs/startContainer.json"),
        d.join("startContainer.json"),
    )
    .unwrap();
    let bundle = env.bundle.to_str().unwrap();
    for (hook, status) in [
        ("prestart", "creating"),
        ("createRuntime", "creating"),
        ("createContainer", "creating"),
        ("startContainer", "created"),
        ("poststart", "running"),
        ("poststop", "stopped"),
    ] {
        let s = read_state(&d, hook);
        assert_eq!(s["id"], id.as_str(), "{hook}: {s}");
        assert_eq!(s["status"], status, "{hook}: {s}");
        assert_eq!(s["bundle"], bundle, "{hook}: {s}");
        assert_eq!(s["ociVersion"], "1.3.0", "{hook}: {s}");
        let p = s["pid"]
            .as_i64()
            .unwrap_or_else(|| panic!("{hook}: no pid: {s}"));
        match hook {
            // Seen from the container's pid namespace.
            "createContainer" | "startContainer" => assert_eq!(p, 1, "{hook}: {s}"),
            "poststop" => assert_eq!(p, 0, "{hook}: {s}"),
            _ => assert_eq!(p, pid, "{hook}: {s}"),
        }
    }
}

#[test]
fn failing_poststart_fails_start_and_tears_the_container_down() {
    let mut env = Env::new(&["sleep", "100"]);
    let d = env.dir.path().join("hooks");
    fs::create_dir(&d).unwrap();
    let bad = d.join("bad-poststart.sh");
    fs::write(&bad, "#!/bin/sh\nexit 3\n").unwrap();
    Command::new("chmod").arg("+x").arg(&bad).status().unwrap();
    env.edit(|c| {
        c["hooks"] = json!({
            "poststart": [{"path": bad.to_str().unwrap()}, save_hook(&d, "after-bad")],
            "poststop": [save_hook(&d, "poststop")],
        });
    });
    let id = env.id("poststart");
    env.create(&id).ok();
    let pid = env.state(&id)["pid"].as_i64().unwrap();
    let out = env.cmd(&["start", &id]);
    out.fails_with(&[
        &id,
        "poststart hook",
        bad.to_str().unwrap(),
        "exit status 3",
    ]);
    // Stopped and torn down (poststop hooks ran), later poststart hooks did not run.
    assert_eq!(env.cmd(&["state", &id]).code, 1);
    let t = Instant::now();
    while fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z ")) {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "init {pid} still alive"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(read_state(&d, "poststop")["status"], "stopped");
    assert!(!d.join("after-bad.json").exists());
}

#[test]
fn failing_poststop_warns_and_the_rest_still_run() {
    let mut env = Env::new(&["true"]);
    let d = env.dir.path().join("hooks");
    fs::create_dir(&d).unwrap();
    env.edit(|c| {
        c["hooks"] = json!({
            "poststop": [
                {"path": "/bin/sh", "args": ["sh", "-c", "exit 4"]},
                save_hook(&d, "second"),
            ],
        });
    });
    let id = env.id("poststop");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    env.wait_status(&id, "stopped");
    let log = env.dir.path().join("log.txt");
    let out = env.cmd(&[
        "--log",
        log.to_str().unwrap(),
        "--log-level",
        "warning",
        "delete",
        &id,
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = fs::read_to_string(&log).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains("poststop hook `/bin/sh` failed with exit status 4")),
        "{text}"
    );
    assert_eq!(read_state(&d, "second")["status"], "stopped");
    assert!(!env.root.join(&id).exists());
}

#[test]
fn a_hook_past_its_timeout_is_killed_and_reported() {
    let mut env = Env::new(&["true"]);
    let child = env.dir.path().join("child.pid");
    env.edit(|c| {
        c["hooks"] = json!({"createRuntime": [{
            "path": "/bin/sh",
            "args": ["sh", "-c", format!("sleep 30 & echo $! > {}; wait", child.display())],
            "timeout": 1,
        }]});
    });
    let id = env.id("timeout");
    let t = Instant::now();
    let out = env.create(&id);
    out.fails_with(&[&id, "createRuntime hook `/bin/sh`", "timed out after 1 s"]);
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert!(!env.root.join(&id).exists());
    // The hook's own children are killed with it.
    let pid = fs::read_to_string(&child).unwrap();
    let t = Instant::now();
    while Path::new(&format!("/proc/{}", pid.trim())).exists() {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "sleep {pid} survived its hook"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
