//! Host protection: CVE-2019-5736 (overwriting the runtime binary through
//! /proc/<pid>/exe) and the state directory's permissions.

mod common;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{copy_exec, wait_for, Env, BIN};

/// The attack: hold an O_PATH handle on /proc/<pid>/exe of a running
/// process, let `release` end the process (so ETXTBSY no longer protects the
/// file), then reopen the handle for writing. Returns the outcome of the
/// write.
fn overwrite_through_proc_exe(pid: u32, release: impl FnOnce()) -> std::io::Result<()> {
    let exe = format!("/proc/{pid}/exe");
    let handle = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open(&exe)
        .expect("could not open /proc/<pid>/exe");
    release();
    wait_gone(pid);
    use std::os::fd::AsRawFd;
    let reopen = format!("/proc/self/fd/{}", handle.as_raw_fd());
    let mut f = OpenOptions::new().write(true).open(&reopen)?;
    f.write_all(b"#!/bin/sh\necho pwned\n")
}

/// Wait until `pid` is gone or a zombie (its image is released either way).
fn wait_gone(pid: u32) {
    wait_for(&format!("pid {pid} to exit"), 10, || {
        fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| s.contains(") Z "))
    });
}

/// The binary is protected: the write failed, and not merely because the
/// process was still running (ETXTBSY would say nothing about the clone),
/// and the file is unchanged.
fn assert_protected(what: &str, victim: &Path, before: &[u8], wrote: std::io::Result<()>) {
    match wrote {
        Ok(()) => panic!("{what}: the stockade binary was writable through /proc/<pid>/exe"),
        Err(e) => assert_ne!(
            e.raw_os_error(),
            Some(libc::ETXTBSY),
            "{what}: inconclusive, the process still ran"
        ),
    }
    assert!(
        fs::read(victim).unwrap() == before,
        "{what}: the stockade binary changed"
    );
}

/// A copy of stockade on a writable file system (the case the protection is
/// for), run against the test's state root with stdin piped.
fn victim_cmd(env: &Env, victim: &Path, args: &[&str]) -> Child {
    Command::new(victim)
        .arg("--root")
        .arg(&env.root)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Every verb that puts a process into a container runs from a read-only
/// clone: a foreground `run`, `exec` (whose forked child joins the
/// container), and the init that `create` leaves waiting for `start`.
#[test]
fn runtime_binary_cannot_be_overwritten_through_proc_self_exe() {
    let mut env = Env::new(&["cat"]);
    let victim = env.dir.path().join("stockade-copy");
    copy_exec(Path::new(BIN), &victim);
    let before = fs::read(&victim).unwrap();

    // run: the runtime waits for the container's `cat`, which exits when
    // the runtime's stdin (the container's) closes.
    let id = env.id("run");
    let mut run = victim_cmd(&env, &victim, &["run", "--bundle", env.bundle_str(), &id]);
    wait_for("the container runs", 10, || {
        env.cmd(&["state", &id]).code == 0 && env.status(&id) == "running"
    });
    let wrote = overwrite_through_proc_exe(run.id(), || {
        drop(run.stdin.take());
        run.wait().unwrap();
    });
    assert_protected("run", &victim, &before, wrote);

    // exec: a `cat` started in a running container by the copy.
    env.edit(|c| c["process"]["args"] = serde_json::json!(["sleep", "100"]));
    let id = env.id("exec");
    env.cmd(&["run", "--detach", "--bundle", env.bundle_str(), &id])
        .ok();
    let mut exec = victim_cmd(&env, &victim, &["exec", &id, "cat"]);
    wait_for("the exec'd process runs", 10, || {
        common::container_pids(&id).len() == 2
    });
    let wrote = overwrite_through_proc_exe(exec.id(), || {
        drop(exec.stdin.take());
        exec.wait().unwrap();
    });
    assert_protected("exec", &victim, &before, wrote);
    env.cmd(&["delete", "--force", &id]).ok();

    // create: the container's init, forked by the copy, waits for `start`.
    let id = env.id("create");
    let mut create = victim_cmd(
        &env,
        &victim,
        &["create", "--bundle", env.bundle_str(), &id],
    );
    assert!(create.wait().unwrap().success());
    let init = env.state(&id)["pid"].as_u64().unwrap() as u32;
    let wrote = overwrite_through_proc_exe(init, || {
        env.cmd(&["delete", "--force", &id]).ok();
    });
    assert_protected("create", &victim, &before, wrote);

    // Control: the same attack on an unprotected program succeeds, so the
    // checks above can fail.
    let control = env.dir.path().join("sleep-copy");
    copy_exec(Path::new("/bin/sleep"), &control);
    let mut child = Command::new(&control).arg("100").spawn().unwrap();
    let wrote = overwrite_through_proc_exe(child.id(), || {
        child.kill().unwrap();
        child.wait().unwrap();
    });
    assert!(
        wrote.is_ok(),
        "control attack failed ({wrote:?}): the test method does not detect the vulnerability"
    );
    assert!(String::from_utf8_lossy(&fs::read(&control).unwrap()).contains("pwned"));
}

/// How many times `stockade --root ROOT ARGS` replaced its own image
/// (strace on the one process, not its children): 1 is the exec that
/// started it, 2 means it re-executed from a clone.
fn execs_of(env: &Env, args: &[&str]) -> usize {
    let (out, log) = env.traced("execve,execveat", false, args);
    assert_eq!(out.code, 0, "{args:?} failed under strace: {out:?}");
    log.lines()
        .filter(|l| l.starts_with("execve") && l.ends_with("= 0"))
        .count()
}

/// The re-exec is paid only where it protects something: `create`, `run`
/// and `exec` re-execute (the first step of each), the verbs that only read
/// or signal a container from the host do not.
#[test]
fn only_container_entering_verbs_re_execute() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("rexec");
    let b = env.bundle_str().to_string();
    let resources = env.dir.path().join("resources.json");
    fs::write(&resources, r#"{"pids": {"limit": 100}}"#).unwrap();
    let spec_dir = env.dir.path().join("spec");
    fs::create_dir_all(&spec_dir).unwrap();
    let steps: &[(&[&str], usize)] = &[
        (&["create", "--bundle", &b, &id], 2),
        (&["state", &id], 1),
        (&["list"], 1),
        (&["ps", &id], 1),
        (&["start", &id], 1),
        (&["exec", &id, "true"], 2),
        (&["pause", &id], 1),
        (&["resume", &id], 1),
        (
            &["update", "--resources", resources.to_str().unwrap(), &id],
            1,
        ),
        (&["kill", &id, "KILL"], 1),
        (&["delete", "--force", &id], 1),
        (&["features"], 1),
        (&["spec", "--bundle", spec_dir.to_str().unwrap()], 1),
        (&["validate", "--bundle", &b], 1),
    ];
    for (args, want) in steps {
        assert_eq!(execs_of(&env, args), *want, "{args:?}");
    }
    env.edit(|c| c["process"]["args"] = serde_json::json!(["true"]));
    let id = env.id("rexec-run");
    // a foreground run deletes the container when it exits
    assert_eq!(execs_of(&env, &["run", "--bundle", &b, &id]), 2, "run");
}

#[test]
fn state_directories_are_private() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("perm");
    env.create(&id).ok();
    for dir in [env.root.clone(), env.root.join(&id)] {
        let mode = fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} is mode {mode:o}", dir.display());
    }
    for f in fs::read_dir(env.root.join(&id)).unwrap().flatten() {
        let mode = f.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o007,
            0,
            "{} is world-accessible ({mode:o})",
            f.path().display()
        );
    }
    env.cmd(&["delete", "--force", &id]).ok();
    let _ = File::open(env.root.join("nothing"));
}

/// Run a container to completion and return (exit code, stdout).
fn run_to_end(env: &mut Env, name: &str) -> (i32, String, String) {
    let id = env.id(name);
    let out = env.cmd(&["run", "--bundle", env.bundle_str(), &id]);
    (out.code, out.stdout, out.stderr)
}

#[test]
fn symlinked_mount_destination_cannot_reach_the_host() {
    let mut env = Env::new(&["true"]);
    // A host directory the container must not be able to mount over.
    let host = env.dir.path().join("host-target");
    fs::create_dir(&host).unwrap();
    fs::write(host.join("canary"), "host").unwrap();
    let rootfs = env.bundle.join("rootfs");
    // Absolute and relative symlinks, both pointing at the host directory
    // if resolved outside the rootfs.
    std::os::unix::fs::symlink(&host, rootfs.join("abs")).unwrap();
    let rel = format!(
        "{}{}",
        "../".repeat(rootfs.components().count() + 2),
        host.display().to_string().trim_start_matches('/')
    );
    std::os::unix::fs::symlink(&rel, rootfs.join("rel")).unwrap();
    // Resolved inside the rootfs, both links name this directory: it exists,
    // so the mounts can succeed (and must land here).
    fs::create_dir_all(rootfs.join(host.strip_prefix("/").unwrap())).unwrap();
    env.edit(|c| {
        c["process"]["args"] = serde_json::json!([
            "sh",
            "-c",
            "echo inside > /abs/written && echo inside > /rel/written && ls /abs /rel"
        ]);
        let mounts = c["mounts"].as_array_mut().unwrap();
        for d in ["/abs", "/rel"] {
            mounts.push(serde_json::json!({
                "destination": d, "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]
            }));
        }
    });
    let (code, stdout, stderr) = run_to_end(&mut env, "symlink");
    // Either the runtime refused, or the mounts landed inside the rootfs;
    // in no case did anything reach the host directory.
    let listing: Vec<_> = fs::read_dir(&host)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(listing, ["canary"], "host dir changed: {listing:?}");
    assert_eq!(fs::read_to_string(host.join("canary")).unwrap(), "host");
    let mi = fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !mi.contains(&host.display().to_string()),
        "a mount landed on the host path"
    );
    assert_eq!(code, 0, "container failed: {stdout} {stderr}");
    assert!(stdout.contains("written"), "{stdout}");
}

/// For each path: "PATH BYTES MOUNTS" as seen inside the container (at most
/// one byte is read; BYTES is `-` when the path cannot be opened).
const PROBE_MASKS: &str = "for p in /proc/kcore /proc/keys /proc/timer_list; do \
      [ -e $p ] || continue; \
      b=$(head -c 1 $p 2>/dev/null | wc -c); \
      echo \"$p $b $(grep -c \" $p \" /proc/self/mountinfo)\"; \
    done; \
    echo probe > /proc/sys/kernel/domainname && echo WROTE; true";

fn masks(stdout: &str) -> Vec<(String, String, String)> {
    stdout
        .lines()
        .filter(|l| l.starts_with("/proc/"))
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

#[test]
fn masked_and_read_only_paths_are_enforced() {
    let mut env = Env::new(&["true"]);
    let c = env.config();
    let masked = c["linux"]["maskedPaths"].as_array().unwrap();
    let ro = c["linux"]["readonlyPaths"].as_array().unwrap();
    for p in ["/proc/kcore", "/proc/keys", "/proc/timer_list"] {
        assert!(
            masked.contains(&serde_json::json!(p)),
            "{p} not masked by default"
        );
    }
    assert!(ro.contains(&serde_json::json!("/proc/sys")));
    if !Path::new("/proc/kcore").exists() {
        eprintln!("NOTE: this kernel has no /proc/kcore; masking is checked on /proc/keys and /proc/timer_list");
    }
    env.edit(|c| c["process"]["args"] = serde_json::json!(["sh", "-c", PROBE_MASKS]));
    let (_, stdout, stderr) = run_to_end(&mut env, "masked");
    let seen = masks(&stdout);
    assert!(seen.len() >= 2, "probe did not run: {stdout} {stderr}");
    for (p, bytes, mounts) in &seen {
        // Masked: a /dev/null bind mount over the file reads nothing.
        assert_eq!(bytes, "0", "{p} readable in the container: {stdout}");
        assert_eq!(mounts, "1", "{p} not masked: {stdout}");
    }
    assert!(!stdout.contains("WROTE"), "wrote to /proc/sys: {stdout}");
    assert!(
        stderr.contains("Read-only file system"),
        "write to /proc/sys did not fail as read-only: {stderr}"
    );

    // Control: without the lists the same probes see the difference, so
    // the assertions above can fail.
    env.edit(|c| {
        c["linux"]["maskedPaths"] = serde_json::json!([]);
        c["linux"]["readonlyPaths"] = serde_json::json!([]);
    });
    let (_, stdout, stderr) = run_to_end(&mut env, "unmasked");
    let seen = masks(&stdout);
    let timer = seen.iter().find(|m| m.0 == "/proc/timer_list");
    assert!(
        timer.is_some_and(|m| m.1 == "1" && m.2 == "0"),
        "control: {stdout} {stderr}"
    );
    assert!(
        stdout.contains("WROTE"),
        "control could not write: {stdout} {stderr}"
    );
}

#[test]
fn host_processes_are_invisible_without_a_shared_pid_namespace() {
    let mut env = Env::new(&["true"]);
    // `; true` keeps sh as pid 1 (it would exec the last command).
    let script = "ls /proc | grep -c '^[0-9]'; cat /proc/1/comm; true";
    env.edit(|c| c["process"]["args"] = serde_json::json!(["sh", "-c", script]));
    let (code, stdout, stderr) = run_to_end(&mut env, "pidns");
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let seen: usize = lines[0].parse().unwrap();
    assert!(seen <= 3, "container sees {seen} processes: {stdout}");
    assert_eq!(lines[1], "sh", "pid 1 is not the container's: {stdout}");

    // Control: sharing the host's pid namespace shows the host.
    env.edit(|c| {
        let ns = c["linux"]["namespaces"].as_array_mut().unwrap();
        ns.retain(|n| n["type"] != "pid");
    });
    let (_, stdout, _) = run_to_end(&mut env, "hostpid");
    let seen: usize = stdout.lines().next().unwrap().parse().unwrap();
    assert!(seen > 10, "control sees only {seen} processes");
}

/// An allowlist profile in the shape podman's default uses (deny by default
/// with EPERM, allow named syscalls), written for this test: enough for
/// busybox's sh, echo, cat and ls, and nothing that changes mounts or
/// namespaces or touches the kernel keyring.
fn allowlist_profile() -> serde_json::Value {
    let allowed = [
        "access",
        "arch_prctl",
        "brk",
        "capget",
        "capset",
        "chdir",
        "clock_gettime",
        "clock_nanosleep",
        "clone",
        "clone3",
        "close",
        "close_range",
        "dup",
        "dup2",
        "dup3",
        "execve",
        "execveat",
        "exit",
        "exit_group",
        "faccessat",
        "faccessat2",
        "fchdir",
        "fcntl",
        "fstat",
        "fstatfs",
        "futex",
        "getcwd",
        "getdents64",
        "getegid",
        "geteuid",
        "getgid",
        "getgroups",
        "getpgid",
        "getpgrp",
        "getpid",
        "getppid",
        "getrandom",
        "getresgid",
        "getresuid",
        "getrlimit",
        "gettid",
        "gettimeofday",
        "getuid",
        "ioctl",
        "kill",
        "lseek",
        "lstat",
        "madvise",
        "mmap",
        "mprotect",
        "munmap",
        "nanosleep",
        "newfstatat",
        "open",
        "openat",
        "openat2",
        "pipe",
        "pipe2",
        "poll",
        "ppoll",
        "prctl",
        "pread64",
        "prlimit64",
        "read",
        "readlink",
        "readlinkat",
        "readv",
        "rseq",
        "rt_sigaction",
        "rt_sigprocmask",
        "rt_sigreturn",
        "sched_yield",
        "select",
        "pselect6",
        "set_robust_list",
        "set_tid_address",
        "setgid",
        "setgroups",
        "setpgid",
        "setresgid",
        "setresuid",
        "setsid",
        "setuid",
        "sigaltstack",
        "stat",
        "statfs",
        "statx",
        "sysinfo",
        "tgkill",
        "tkill",
        "umask",
        "uname",
        "vfork",
        "wait4",
        "waitid",
        "write",
        "writev",
    ];
    serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": allowed.to_vec(), "action": "SCMP_ACT_ALLOW"}],
    })
}

#[test]
fn seccomp_allowlist_blocks_what_it_does_not_list() {
    let mut env = Env::new(&["true"]);
    // CAP_SYS_ADMIN makes mount and unshare possible, so that only seccomp
    // can be what stops them (the control below shows they work without it).
    let script = "echo allowed-ok; cat /proc/self/status | grep -c Seccomp; \
                  mount -t tmpfs none /dev/shm && echo MOUNTED; \
                  unshare -m true && echo UNSHARED; \
                  unshare -U true && echo USERNS; \
                  echo done";
    env.edit(|c| {
        c["process"]["args"] = serde_json::json!(["sh", "-c", script]);
        for set in ["bounding", "effective", "permitted"] {
            c["process"]["capabilities"][set]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!("CAP_SYS_ADMIN"));
        }
        c["linux"]["seccomp"] = allowlist_profile();
    });
    let (code, stdout, stderr) = run_to_end(&mut env, "seccomp");
    assert_eq!(code, 0, "{stdout} {stderr}");
    assert!(
        stdout.contains("allowed-ok") && stdout.contains("done"),
        "{stdout}"
    );
    for w in ["MOUNTED", "UNSHARED", "USERNS"] {
        assert!(!stdout.contains(w), "seccomp let {w} through: {stdout}");
    }
    // busybox words EPERM from mount(2) as "permission denied".
    let eperm = stderr.matches("Operation not permitted").count();
    assert!(eperm >= 2, "expected EPERM from unshare: {stderr}");
    assert!(
        stderr.contains("mount: permission denied"),
        "expected EPERM from mount: {stderr}"
    );
    // keyctl has no busybox applet; its syscall is outside the allowlist as
    // well, which the profile itself shows.
    assert!(!allowlist_profile().to_string().contains("keyctl"));

    // Control: the same container without the profile can mount and unshare.
    env.edit(|c| {
        c["linux"].as_object_mut().unwrap().remove("seccomp");
    });
    let (_, stdout, stderr) = run_to_end(&mut env, "noseccomp");
    assert!(
        stdout.contains("MOUNTED") && stdout.contains("UNSHARED"),
        "control: {stdout} {stderr}"
    );
}
