//! libsystemd and libseccomp are loaded at first use
//! (deps/libcrun-sys/csrc/{systemd,seccomp}_lazy.c): commands that never
//! talk to systemd or compile a seccomp profile do not map them, the systemd
//! cgroup manager still talks to a D-Bus daemon through the real libsystemd,
//! and a profile is compiled by the real libseccomp.

mod common;

use std::fs;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{leftovers, Env, BIN};

/// A foreground `run` of `id`, returned once its container runs: the
/// runtime process is then still inside libcrun, waiting for it.
fn run_in_foreground(env: &Env, id: &str) -> Child {
    let run = Command::new(BIN)
        .arg("--root")
        .arg(&env.root)
        .args(["run", "--bundle", env.bundle_str(), id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !env.root.join(id).exists() || env.status(id) != "running" {
        assert!(t.elapsed() < Duration::from_secs(10), "{id} never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    run
}

fn stop(env: &Env, id: &str, mut run: Child) {
    env.cmd(&["kill", id, "KILL"]).ok();
    run.wait().unwrap();
    env.cmd(&["delete", "--force", id]).ok();
}

#[test]
fn a_run_without_systemd_or_seccomp_maps_neither_library() {
    let mut env = Env::new(&["sleep", "30"]);
    assert!(env.config()["linux"].get("seccomp").is_none());
    let id = env.id("nolibs");
    let run = run_in_foreground(&env, &id);
    let maps = fs::read_to_string(format!("/proc/{}/maps", run.id())).unwrap();
    assert!(maps.contains("libc.so"), "not a process map: {maps}");
    assert!(
        !maps.contains("libsystemd"),
        "libsystemd mapped by a cgroupfs run"
    );
    assert!(
        !maps.contains("libseccomp"),
        "libseccomp mapped by a run without a seccomp profile"
    );
    stop(&env, &id, run);
}

#[test]
fn a_seccomp_profile_is_compiled_by_the_real_libseccomp() {
    let mut env = Env::new(&["sleep", "30"]);
    // Everything allowed but one syscall that nothing here makes: the filter
    // is compiled and installed, and the container still runs.
    env.edit(|c| {
        c["linux"]["seccomp"] = serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
            "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]
        });
    });
    let id = env.id("seccomp");
    let run = run_in_foreground(&env, &id);
    let maps = fs::read_to_string(format!("/proc/{}/maps", run.id())).unwrap();
    assert!(
        maps.contains("libseccomp.so"),
        "libseccomp not loaded for a profile: {maps}"
    );
    let pid = env.cmd(&["state", &id]).json()["pid"].as_i64().unwrap();
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        status.lines().any(|l| l == "Seccomp:\t2"),
        "the container runs without a seccomp filter: {status}"
    );
    stop(&env, &id, run);
}

/// A private D-Bus daemon standing in for the system bus, killed on drop.
struct Bus {
    daemon: std::process::Child,
    address: String,
}

impl Bus {
    fn start(dir: &std::path::Path) -> Bus {
        let Some(path) = which("dbus-daemon") else {
            panic!("NOT RUN: dbus-daemon is missing; run `scripts/install-deps --test`");
        };
        let sock = dir.join("system_bus_socket");
        let conf = dir.join("bus.conf");
        // No service activation: a call to a name nobody owns gets an error
        // reply from the daemon itself.
        fs::write(
            &conf,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>stockade-test</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                sock.display()
            ),
        )
        .unwrap();
        let daemon = Command::new(path)
            .arg(format!("--config-file={}", conf.display()))
            .arg("--nofork")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t = Instant::now();
        while !sock.exists() {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "dbus-daemon never listened"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Bus {
            daemon,
            address: format!("unix:path={}", sock.display()),
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[test]
fn systemd_cgroup_manager_reaches_libsystemd() {
    let mut env = Env::new(&["true"]);
    let id = env.id("sdbus");
    let bus = Bus::start(env.dir.path());
    // libcrun asks systemd for a transient scope over sd-bus: the request is
    // built, sent and answered through the real libsystemd, and the daemon's
    // answer (nobody owns org.freedesktop.systemd1 here) comes back as the error.
    let out = Command::new(BIN)
        .arg("--root")
        .arg(&env.root)
        .args([
            "--systemd-cgroup",
            "create",
            "--bundle",
            env.bundle_str(),
            &id,
        ])
        .env("DBUS_SYSTEM_BUS_ADDRESS", &bus.address)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    drop(bus);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(&id)
            && stderr.contains("sd-bus call")
            && stderr.contains("org.freedesktop.systemd1"),
        "the bus's answer did not come back: {stderr}"
    );
    let left = leftovers(&env.root, &id, &env.bundle);
    assert!(left.is_empty(), "{left:?}");
}
