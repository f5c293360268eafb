//! Fault injection: the runtime is SIGKILLed in the middle of `create`,
//! `start` and `delete`. Afterwards `state` must say something true or give
//! a clear one-line error, `delete --force` must remove everything (state
//! directory, lock file, cgroups in every hierarchy, mounts, processes), and
//! a new container with the same id must work.
//!
//! How each phase is reached, without anything test-only in the binary:
//! - hooks run synchronously inside the verb: a hook that records its pid
//!   and then sleeps holds the runtime at that exact point (`createRuntime`:
//!   after clone and cgroup setup; `poststart`: after `start` released the
//!   container; `poststop`: in `delete`, after the cgroup is gone but before
//!   the state directory is);
//! - `--pid-file` naming a FIFO: opening it blocks after the status file is
//!   written but before the pid file is;
//! - `strace -e inject=SYSCALL:signal=KILL` kills the runtime when it enters
//!   a syscall: `clone`/`clone3` (before the container process exists) and
//!   `pidfd_send_signal`/`kill` (delete, before the container is killed);
//! - `gdb` stops the unstripped test binary at a libcrun function
//!   (`libcrun_cgroup_enter`: after clone, before the cgroup exists) and
//!   kills it there.
//!
//! Each test also checks it reached the phase it claims (the cgroup exists
//! or not, the status file exists or not, the container runs or not), so a
//! change in libcrun's order of work makes the test fail, not pass vacuously.
//! A test whose tool (strace, gdb) is missing fails with "NOT RUN".

mod common;

use std::fs;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{leftovers, tool, wait_for, Env, BIN};
use serde_json::{json, Value};

/// A runtime process that is SIGKILLed if the test fails first (a blocked
/// runtime holds the container's lock, and the cleanup would wait for it).
struct Runtime(Child);

impl Drop for Runtime {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `stockade --root ROOT ARGS` (optionally under a wrapper such as
/// strace) with stdio in files, without waiting.
fn spawn(env: &Env, wrapper: &[&str], args: &[&str], tag: &str) -> Runtime {
    let mut argv: Vec<String> = wrapper.iter().map(|s| s.to_string()).collect();
    argv.push(BIN.into());
    argv.extend(["--root".into(), env.root.to_str().unwrap().into()]);
    argv.extend(args.iter().map(|s| s.to_string()));
    let mut c = Command::new(&argv[0]);
    c.args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(fs::File::create(env.dir.path().join(format!("{tag}.out"))).unwrap())
        .stderr(fs::File::create(env.dir.path().join(format!("{tag}.err"))).unwrap());
    Runtime(c.spawn().unwrap())
}

/// Run `stockade ARGS` under strace, SIGKILLed when it enters one of
/// `syscalls` (comma-separated; only on `path` if given); returns its status.
fn killed_at_syscall(
    env: &Env,
    syscalls: &str,
    path: Option<&Path>,
    args: &[&str],
) -> std::process::ExitStatus {
    let strace = tool("strace");
    let trace = format!("trace={syscalls}");
    let inject = format!("inject={syscalls}:signal=KILL");
    let mut wrapper = vec![strace.to_str().unwrap(), "-o", "/dev/null"];
    if let Some(p) = path {
        wrapper.extend(["-P", p.to_str().unwrap()]);
    }
    wrapper.extend(["-e", trace.as_str(), "-e", inject.as_str()]);
    let mut rt = spawn(env, &wrapper, args, "rt");
    rt.0.wait().unwrap()
}

fn sigkill(pid: i32) {
    // SAFETY: plain kill(2) on a pid we started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

/// A hook that writes its pid to `marker` and then blocks for a long time
/// (the first time it runs).
fn blocking_hook(marker: &Path) -> Value {
    let m = marker.display();
    json!({
        "path": "/bin/sh",
        // Only the first run blocks: a hook that runs again during recovery
        // (poststop, on the second delete) returns at once.
        "args": ["sh", "-c", format!("[ -e {m} ] && exit 0; echo $$ > {m}.tmp && mv {m}.tmp {m}; exec sleep 120")],
    })
}

/// Wait until the hook is running, then SIGKILL the runtime and the hook.
fn kill_at_hook(mut runtime: Runtime, marker: &Path) {
    wait_for("the hook to run", 20, || marker.exists());
    runtime.0.kill().unwrap();
    runtime.0.wait().unwrap();
    let pid: i32 = fs::read_to_string(marker).unwrap().trim().parse().unwrap();
    sigkill(pid);
}

fn cgroup_exists(id: &str) -> bool {
    fs::read_dir("/sys/fs/cgroup")
        .unwrap()
        .flatten()
        .any(|c| c.path().join(id).is_dir())
}

/// `state` after a fault: the expected status, or a clear one-line error
/// that names the container.
fn state_is(env: &Env, id: &str, expected: Option<&str>) {
    let out = env.cmd(&["state", id]);
    match expected {
        Some(s) => assert_eq!(out.ok().json()["status"], s, "{out:?}"),
        None => {
            out.fails_with(&[id, "delete --force"]);
        }
    }
}

/// After a fault: `delete --force` removes everything, and the id can be
/// used again for a whole lifecycle.
fn recovers(env: &Env, id: &str) {
    env.cmd(&["delete", "--force", id]).ok();
    let t = Instant::now();
    loop {
        let left = leftovers(&env.root, id, &env.bundle);
        if left.is_empty() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "delete --force left: {left:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        common::container_pids(id).len(),
        0,
        "container processes survived"
    );
    env.edit(|c| {
        c.as_object_mut().unwrap().remove("hooks");
        c["process"]["args"] = json!(["sh", "-c", "exit 0"]);
    });
    env.create(id).ok();
    assert_eq!(env.status(id), "created");
    env.cmd(&["start", id]).ok();
    env.wait_status(id, "stopped");
    env.cmd(&["delete", id]).ok();
}

#[test]
fn create_killed_before_the_container_process_exists() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("f-preclone");
    let st = killed_at_syscall(
        &env,
        "clone,clone3",
        None,
        &["create", "--bundle", env.bundle_str(), &id],
    );
    assert!(!st.success(), "create was not killed: {st:?}");
    // The phase: the state directory exists, no status, no cgroup yet.
    assert!(env.root.join(&id).is_dir(), "killed before the state dir");
    assert!(!env.root.join(&id).join("status").exists());
    assert!(!cgroup_exists(&id), "killed after the cgroup was made");
    assert_eq!(common::container_pids(&id).len(), 0);
    state_is(&env, &id, None);
    // The id is taken until the debris is removed.
    env.create(&id).fails_with(&["already exists", &id]);
    recovers(&env, &id);
}

#[test]
fn create_killed_after_clone_before_cgroup_setup() {
    let gdb = tool("gdb");
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("f-postclone");
    let gdb_out = env.dir.path().join("gdb.out");
    let gdb_err = env.dir.path().join("gdb.err");
    let out = Command::new(gdb)
        .args([
            "-nx",
            "-batch",
            "-ex",
            "set breakpoint pending on",
            "-ex",
            "set confirm off",
            "-ex",
            "break libcrun_cgroup_enter",
            "-ex",
            "run",
            "-ex",
            "kill",
            "--args",
            BIN,
            "--root",
            env.root.to_str().unwrap(),
            "create",
            "--bundle",
            env.bundle_str(),
            &id,
        ])
        .stdin(Stdio::null())
        // Files, not pipes: if gdb misses the breakpoint (a stripped binary),
        // the created container's init keeps gdb's output open and waiting
        // for its end would hang the test instead of failing it.
        .stdout(fs::File::create(&gdb_out).unwrap())
        .stderr(fs::File::create(&gdb_err).unwrap())
        .status()
        .unwrap();
    let text = fs::read_to_string(&gdb_out).unwrap();
    if !(text.contains("Breakpoint 1, ") && text.contains("libcrun_cgroup_enter")) {
        env.cmd(&["delete", "--force", &id]);
        panic!(
            "gdb never stopped at libcrun_cgroup_enter ({out}): {text}\n{}",
            fs::read_to_string(&gdb_err).unwrap()
        );
    }
    assert!(env.root.join(&id).is_dir());
    assert!(!env.root.join(&id).join("status").exists());
    state_is(&env, &id, None);
    recovers(&env, &id);
}

#[test]
fn create_killed_after_cgroup_setup() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("f-creatert");
    let marker = env.dir.path().join("hook-pid");
    env.edit(|c| c["hooks"] = json!({"createRuntime": [blocking_hook(&marker)]}));
    let rt = spawn(
        &env,
        &[],
        &["create", "--bundle", env.bundle_str(), &id],
        "rt",
    );
    wait_for("the hook to run", 20, || marker.exists());
    // The phase: the cgroup exists and the container process is waiting.
    assert!(cgroup_exists(&id), "no cgroup at createRuntime");
    assert!(!env.root.join(&id).join("status").exists());
    // While create holds the lock, `state` says so.
    env.cmd(&["state", &id])
        .fails_with(&[&id, "being created or deleted"]);
    kill_at_hook(rt, &marker);
    state_is(&env, &id, None);
    recovers(&env, &id);
}

#[test]
fn create_killed_before_the_pid_file_is_written() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("f-pidfile");
    let fifo = env.dir.path().join("pid-fifo");
    let st = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());
    let mut rt = spawn(
        &env,
        &[],
        &[
            "create",
            "--bundle",
            env.bundle_str(),
            "--pid-file",
            fifo.to_str().unwrap(),
            &id,
        ],
        "rt",
    );
    let wchan = format!("/proc/{}/wchan", rt.0.id());
    wait_for("create to block on the pid FIFO", 20, || {
        // The kernel names the wait `wait_for_partner` (fs/pipe.c) or `fifo_open`.
        fs::read_to_string(&wchan).is_ok_and(|w| w.contains("fifo") || w.contains("partner"))
    });
    assert!(env.root.join(&id).join("status").exists());
    rt.0.kill().unwrap();
    rt.0.wait().unwrap();
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // The container was fully created: that is what state says.
    state_is(&env, &id, Some("created"));
    assert_eq!(common::container_pids(&id).len(), 1);
    recovers(&env, &id);
}

#[test]
fn start_killed_after_releasing_the_container() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("f-poststart");
    let marker = env.dir.path().join("hook-pid");
    env.edit(|c| c["hooks"] = json!({"poststart": [blocking_hook(&marker)]}));
    env.create(&id).ok();
    let rt = spawn(&env, &[], &["start", &id], "rt");
    kill_at_hook(rt, &marker);
    state_is(&env, &id, Some("running"));
    // A second start is refused, not repeated.
    assert_eq!(env.cmd(&["start", &id]).code, 1);
    recovers(&env, &id);
}

#[test]
fn start_killed_before_releasing_the_container() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("f-prestart");
    env.create(&id).ok();
    // `start` releases the container by opening and reading exec.fifo:
    // kill it when it opens that file.
    let fifo = env.root.join(&id).join("exec.fifo");
    let st = killed_at_syscall(&env, "openat,open", Some(&fifo), &["start", &id]);
    assert!(!st.success(), "start was not killed: {st:?}");
    state_is(&env, &id, Some("created"));
    recovers(&env, &id);
}

#[test]
fn delete_killed_before_killing_the_container() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("f-delkill");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    let st = killed_at_syscall(
        &env,
        "pidfd_send_signal,kill",
        None,
        &["delete", "--force", &id],
    );
    assert!(!st.success(), "delete was not killed: {st:?}");
    state_is(&env, &id, Some("running"));
    assert_eq!(common::container_pids(&id).len(), 1);
    recovers(&env, &id);
}

#[test]
fn delete_killed_after_the_cgroup_is_gone() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("f-poststop");
    let marker = env.dir.path().join("hook-pid");
    env.edit(|c| c["hooks"] = json!({"poststop": [blocking_hook(&marker)]}));
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    let rt = spawn(&env, &[], &["delete", "--force", &id], "rt");
    wait_for("the hook to run", 20, || marker.exists());
    assert!(!cgroup_exists(&id), "cgroup still there at poststop");
    kill_at_hook(rt, &marker);
    state_is(&env, &id, Some("stopped"));
    recovers(&env, &id);
}

fn corrupt_status_case(content: &[u8], word: &str) {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("f-corrupt");
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    let status = env.root.join(&id).join("status");
    fs::write(&status, content).unwrap();
    let file = status.display().to_string();
    let exec: &[&str] = &["exec", &id, "true"];
    let verbs: [&[&str]; 6] = [
        &["state", &id],
        &["start", &id],
        &["kill", &id],
        &["pause", &id],
        &["delete", &id],
        exec,
    ];
    for args in verbs {
        let out = env.cmd(args);
        out.fails_with(&[&id, &file, word]);
        assert!(!out.stderr.contains("internal error"), "{out:?}");
    }
    // The container process still runs; delete --force must find it anyway.
    assert_eq!(common::container_pids(&id).len(), 1);
    recovers(&env, &id);
}

#[test]
fn truncated_status_file_is_a_clear_error() {
    corrupt_status_case(b"{\"pid\": 12", "corrupt");
}

#[test]
fn empty_status_file_is_a_clear_error() {
    corrupt_status_case(b"", "empty");
}

#[test]
fn garbage_status_file_is_a_clear_error() {
    corrupt_status_case(b"\xff\x00garbage\n\n[", "corrupt");
}
