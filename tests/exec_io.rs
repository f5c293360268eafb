//! exec into running containers, the console socket (tty) path, --preserve-fds
//! and --pid-file.

mod common;

use std::fs;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::time::Duration;

use common::Env;
use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
use serde_json::json;

#[test]
fn exec_command_output_status_env_cwd_user() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.running("exec");
    let out = env.cmd(&["exec", &id, "sh", "-c", "echo in-container; exit 5"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(out.stdout, "in-container\n");

    let out = env.cmd(&[
        "exec",
        "--env",
        "FOO=bar",
        "--cwd",
        "/tmp",
        "--user",
        "65534:65534",
        &id,
        "sh",
        "-c",
        "echo $FOO $(pwd) $(id -u):$(id -g) $PATH",
    ]);
    out.ok();
    let words: Vec<&str> = out.stdout.split_whitespace().collect();
    assert_eq!(&words[..3], &["bar", "/tmp", "65534:65534"], "{out:?}");
    assert!(
        words[3].contains("/bin"),
        "container env kept under --env: {out:?}"
    );

    env.cmd(&["exec", &id, "/nope"])
        .fails_with(&["executable file not found", "/nope"]);
    env.cmd(&["exec", "--user", "root", &id, "true"])
        .fails_with(&["numeric"]);
    env.cmd(&["delete", "--force", &id]).ok();
}

#[test]
fn exec_process_file_detached_with_pid_file() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.running("execp");
    let proc_json = env.dir.path().join("process.json");
    let marker = "/dev/shm/exec-detached-ran";
    fs::write(
        &proc_json,
        json!({"args": ["sh", "-c", format!("echo ok > {marker}; sleep 50")], "cwd": "/", "env": ["PATH=/bin"]}).to_string(),
    )
    .unwrap();
    let pidfile = env.dir.path().join("exec.pid");
    env.cmd(&[
        "exec",
        "--process",
        proc_json.to_str().unwrap(),
        "--detach",
        "--pid-file",
        pidfile.to_str().unwrap(),
        &id,
    ])
    .ok();
    let pid: i32 = fs::read_to_string(&pidfile).unwrap().parse().unwrap();
    let pids = env.cmd(&["ps", "--format", "json", &id]).ok().json();
    assert!(
        pids.as_array().unwrap().iter().any(|p| p == pid),
        "exec pid {pid} not in {pids}"
    );
    let t = std::time::Instant::now();
    while env.cmd(&["exec", &id, "cat", marker]).stdout != "ok\n" {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "detached exec never ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A process.json with a wrong type is rejected with the JSON path.
    fs::write(
        &proc_json,
        r#"{"args": ["true"], "cwd": "/", "user": {"uid": "zero", "gid": 0}}"#,
    )
    .unwrap();
    env.cmd(&["exec", "--process", proc_json.to_str().unwrap(), &id])
        .fails_with(&["user.uid", "process.json"]);
    env.cmd(&["delete", "--force", &id]).ok();
}

#[test]
fn exec_into_stopped_or_missing_container_fails() {
    let mut env = Env::new(&["true"]);
    let id = env.running("execstop");
    env.wait_status(&id, "stopped");
    let out = env.cmd(&["exec", &id, "true"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains(&id), "{out:?}");
    env.cmd(&["delete", &id]).ok();
    env.cmd(&["exec", "ghost", "true"])
        .fails_with(&["does not exist", "ghost"]);
}

/// Accept one connection on `sock` and receive the pty master sent over SCM_RIGHTS.
fn receive_pty(listener: &UnixListener) -> OwnedFd {
    use std::os::fd::AsRawFd;
    let (conn, _) = listener.accept().unwrap();
    let mut buf = [0u8; 4096];
    let mut iov = [std::io::IoSliceMut::new(&mut buf)];
    let mut cmsg = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let msg = recvmsg::<()>(
        conn.as_raw_fd(),
        &mut iov,
        Some(&mut cmsg),
        MsgFlags::empty(),
    )
    .unwrap();
    for c in msg.cmsgs().unwrap() {
        if let ControlMessageOwned::ScmRights(fds) = c {
            assert_eq!(fds.len(), 1, "exactly one fd expected");
            // SAFETY: the fd was just received over SCM_RIGHTS and is owned by nobody else.
            return unsafe { OwnedFd::from_raw_fd(fds[0]) };
        }
    }
    panic!("no SCM_RIGHTS message received");
}

fn read_until(master: OwnedFd, needle: &str) -> String {
    let mut f = fs::File::from(master);
    let mut all = String::new();
    let mut buf = [0u8; 1024];
    let t = std::time::Instant::now();
    while !all.contains(needle) && t.elapsed() < Duration::from_secs(10) {
        match f.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => all.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    all
}

#[test]
fn console_socket_for_create_and_exec() {
    let mut env = Env::new(&["sh", "-c", "tty; sleep 100"]);
    env.edit(|c| c["process"]["terminal"] = json!(true));
    let id = env.id("tty");
    let sock = env.dir.path().join("console.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let (out, master) = std::thread::scope(|s| {
        let rx = s.spawn(|| receive_pty(&listener));
        let out = env.cmd(&[
            "create",
            "--bundle",
            env.bundle_str(),
            "--console-socket",
            sock.to_str().unwrap(),
            &id,
        ]);
        (out, rx.join().unwrap())
    });
    out.ok();
    env.cmd(&["start", &id]).ok();
    let seen = read_until(master, "/dev/pts/");
    assert!(
        seen.contains("/dev/pts/0"),
        "container did not get a terminal: {seen:?}"
    );

    let sock2 = env.dir.path().join("exec.sock");
    let listener2 = UnixListener::bind(&sock2).unwrap();
    let master2 = std::thread::scope(|s| {
        let rx = s.spawn(|| receive_pty(&listener2));
        env.cmd(&[
            "exec",
            "--tty",
            "--detach",
            "--console-socket",
            sock2.to_str().unwrap(),
            &id,
            "sh",
            "-c",
            "echo exec-tty-$(tty)",
        ])
        .ok();
        rx.join().unwrap()
    });
    let seen = read_until(master2, "exec-tty-/dev/pts/");
    assert!(seen.contains("exec-tty-/dev/pts/"), "{seen:?}");
    env.cmd(&["delete", "--force", &id]).ok();
}

#[test]
fn preserve_fds_passes_descriptors() {
    let mut env = Env::new(&["sh", "-c", "echo through-fd-3 >&3"]);
    let id = env.id("fds");
    let target = env.dir.path().join("fd3.txt");
    // The shell opens fd 3 on the file and execs stockade with it.
    let script = format!(
        "exec 3>'{}'; exec '{}' --root '{}' run --bundle '{}' --preserve-fds 1 '{}'",
        target.display(),
        common::BIN,
        env.root.display(),
        env.bundle_str(),
        id
    );
    let st = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .status()
        .unwrap();
    assert!(st.success(), "{st:?}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "through-fd-3\n");

    // Without --preserve-fds the container does not get fd 3.
    let id2 = env.id("nofds");
    env.edit(|c| c["process"]["args"] = json!(["sh", "-c", "echo x >&3"]));
    let script = format!(
        "exec 3>'{}'; exec '{}' --root '{}' run --bundle '{}' '{}'",
        target.display(),
        common::BIN,
        env.root.display(),
        env.bundle_str(),
        id2
    );
    let st = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!st.success(), "fd 3 leaked into the container");
}

/// `exec` makes the container's new process with one fork (libcrun patch
/// 0014: the caller joins the PID namespace for its children first), and that
/// one process is in the container's PID namespace, not the host's.
#[test]
fn exec_makes_one_process_in_the_container_pid_namespace() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.running("onefork");
    let init = env.state(&id)["pid"].as_i64().unwrap();
    let want = fs::read_link(format!("/proc/{init}/ns/pid")).unwrap();
    let host = fs::read_link("/proc/self/ns/pid").unwrap();
    assert_ne!(want, host, "the test container has no PID namespace");

    let (out, log) = env.traced(
        "fork,vfork,clone,clone3",
        true,
        &["exec", &id, "readlink", "/proc/self/ns/pid"],
    );
    assert_eq!(out.code, 0, "exec under strace: {out:?}");
    assert_eq!(
        out.stdout.trim(),
        want.to_str().unwrap(),
        "the exec'd process is not in the container's PID namespace"
    );
    let made_a_process = |l: &&str| {
        let returned = l
            .rsplit("= ")
            .next()
            .and_then(|r| r.split_whitespace().next());
        ["fork(", "vfork(", "clone(", "clone3("]
            .iter()
            .any(|c| l.starts_with(c))
            && returned
                .and_then(|n| n.parse::<i64>().ok())
                .is_some_and(|n| n > 0)
    };
    let forks: Vec<&str> = log.lines().filter(made_a_process).collect();
    assert_eq!(forks.len(), 1, "processes made by exec: {forks:#?}\n{log}");
    env.cmd(&["delete", "--force", &id]).ok();
}
