//! libsystemd is loaded at first use (deps/libcrun-sys/csrc/systemd_lazy.c):
//! commands that never talk to systemd do not map it, and the systemd cgroup
//! manager still talks to a D-Bus daemon through the real library.

mod common;

use std::fs;
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
