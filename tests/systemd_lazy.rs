//! libsystemd is loaded at first use (deps/libcrun-sys/csrc/systemd_lazy.c):
//! commands that never talk to systemd do not map it, and the systemd cgroup
//! manager still reaches the real library.

mod common;

use std::fs;
use std::os::unix::net::UnixListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{leftovers, Env, BIN};

#[test]
fn commands_that_do_not_use_systemd_do_not_map_libsystemd() {
    let mut env = Env::new(&["sleep", "30"]);
    let id = env.id("nosd");
    let mut run = Command::new(BIN)
        .arg("--root")
        .arg(&env.root)
        .args(["run", "--bundle", env.bundle_str(), &id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !env.root.join(&id).exists() || env.status(&id) != "running" {
        assert!(t.elapsed() < Duration::from_secs(10), "{id} never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The foreground runtime process is still inside libcrun, waiting.
    let maps = fs::read_to_string(format!("/proc/{}/maps", run.id())).unwrap();
    assert!(
        maps.contains("libseccomp"),
        "not the runtime's own map: {maps}"
    );
    assert!(
        !maps.contains("libsystemd"),
        "libsystemd mapped by a cgroupfs run"
    );
    env.cmd(&["kill", &id, "KILL"]).ok();
    run.wait().unwrap();
    env.cmd(&["delete", "--force", &id]).ok();
}

#[test]
fn systemd_cgroup_manager_reaches_libsystemd() {
    let mut env = Env::new(&["true"]);
    let id = env.id("sdbus");
    // A stand-in system bus: sd-bus connecting to it proves that the call
    // went through to the real libsystemd (it honours the address variable).
    let sock = env.dir.path().join("system_bus_socket");
    let listener = UnixListener::bind(&sock).unwrap();
    listener.set_nonblocking(true).unwrap();
    let child = Command::new(BIN)
        .arg("--root")
        .arg(&env.root)
        .args([
            "--systemd-cgroup",
            "create",
            "--bundle",
            env.bundle_str(),
            &id,
        ])
        .env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            format!("unix:path={}", sock.display()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let conn = loop {
        match listener.accept() {
            Ok((c, _)) => break Some(c),
            Err(_) if t.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(_) => break None,
        }
    };
    // Hang up: the create must then fail cleanly.
    let connected = conn.is_some();
    drop(conn);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        connected,
        "stockade never connected to the bus; stderr: {stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains(&id) && stderr.contains("sd-bus"),
        "stderr: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        !stderr.contains("shared library"),
        "libsystemd was not loaded: {stderr}"
    );
    let left = leftovers(&env.root, &id, &env.bundle);
    assert!(left.is_empty(), "{left:?}");
}
