//! Host protection: CVE-2019-5736 (overwriting the runtime binary through
//! /proc/<pid>/exe) and the state directory's permissions.

mod common;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::Env;

/// The attack: hold an O_PATH handle on the running binary's /proc/<pid>/exe,
/// let the process exit (so ETXTBSY no longer protects the file), then reopen
/// the handle for writing. Returns whether the write got through.
fn overwrite_through_proc_exe(mut child: Child, release: impl FnOnce(&mut Child)) -> bool {
    let exe = format!("/proc/{}/exe", child.id());
    // Give the child time to reach its final image (stockade re-executes
    // itself from a sealed copy at start-up).
    std::thread::sleep(Duration::from_millis(300));
    let handle = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open(&exe)
        .ok();
    let handle = handle.expect("could not open /proc/<pid>/exe");
    release(&mut child);
    child.wait().unwrap();
    use std::os::fd::AsRawFd;
    let reopen = format!("/proc/self/fd/{}", handle.as_raw_fd());
    match OpenOptions::new().write(true).open(&reopen) {
        Ok(mut f) => f.write_all(b"#!/bin/sh\necho pwned\n").is_ok(),
        Err(_) => false,
    }
}

use std::os::unix::fs::OpenOptionsExt;

fn copy_exec(src: &Path, dst: &Path) {
    fs::copy(src, dst).unwrap();
    fs::set_permissions(dst, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn runtime_binary_cannot_be_overwritten_through_proc_self_exe() {
    let env = Env::new(&["true"]);
    // The copies live on a writable filesystem: the case the protection is for.
    let victim = env.dir.path().join("stockade-copy");
    copy_exec(Path::new(common::BIN), &victim);
    let before = fs::read(&victim).unwrap();

    // `update --resources -` blocks reading stdin, so the process stays alive.
    let child = Command::new(&victim)
        .args([
            "--root",
            env.root.to_str().unwrap(),
            "update",
            "--resources",
            "-",
            "x",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wrote = overwrite_through_proc_exe(child, |c| drop(c.stdin.take()));
    assert!(
        !wrote,
        "the stockade binary was writable through /proc/<pid>/exe"
    );
    assert!(
        fs::read(&victim).unwrap() == before,
        "the stockade binary changed"
    );

    // Control: the same attack on an unprotected program succeeds, so the
    // check above can fail.
    let control = env.dir.path().join("sleep-copy");
    copy_exec(Path::new("/bin/sleep"), &control);
    let child = Command::new(&control).arg("100").spawn().unwrap();
    let wrote = overwrite_through_proc_exe(child, |c| c.kill().unwrap());
    assert!(
        wrote,
        "control attack failed: the test method does not detect the vulnerability"
    );
    assert!(String::from_utf8_lossy(&fs::read(&control).unwrap()).contains("pwned"));
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
