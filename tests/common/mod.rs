//! Shared harness for integration tests: real containers, run through the
//! built `stockade` binary, on a busybox rootfs made by `scripts/make-rootfs`.
//!
//! Every test gets its own state root and bundle; `Env::drop` checks that the
//! test left no state directory, cgroup, mount or process behind.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_stockade");

/// Integration tests need root; without it they fail loudly (never pass silently).
pub fn require_root() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        panic!(
            "NOT RUN: this integration test needs root (real containers); run the suite as root"
        );
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pristine busybox rootfs, built once per machine into target/.
pub fn base_rootfs() -> PathBuf {
    static ROOTFS: OnceLock<PathBuf> = OnceLock::new();
    ROOTFS
        .get_or_init(|| {
            let dir = repo().join("target/test-rootfs");
            let lock = fs::File::create(repo().join("target/test-rootfs.lock")).unwrap();
            lock.lock().unwrap();
            if !dir.join("bin/busybox").exists() {
                let st = Command::new(repo().join("scripts/make-rootfs"))
                    .arg(&dir)
                    .status()
                    .unwrap();
                assert!(st.success(), "scripts/make-rootfs failed");
            }
            dir
        })
        .clone()
}

/// Output of one `stockade` invocation. stdio go to files, never pipes: a
/// created container inherits them and would keep a pipe open.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success, got {self:?}");
        assert!(
            self.stderr.is_empty(),
            "a successful command printed on stderr: {self:?}"
        );
        self
    }

    pub fn fails_with(&self, words: &[&str]) -> &Self {
        assert_eq!(self.code, 1, "expected exit 1, got {self:?}");
        for w in words {
            assert!(self.stderr.contains(w), "stderr lacks {w:?}: {self:?}");
        }
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "error must be one line: {self:?}"
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub struct Env {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub bundle: PathBuf,
    pub ids: Vec<String>,
}

impl Env {
    /// A fresh state root and a bundle running `args` (terminal off, own rootfs copy).
    pub fn new(args: &[&str]) -> Env {
        require_root();
        let base = base_rootfs();
        let dir = tempfile::Builder::new()
            .prefix("stockade-test-")
            .tempdir()
            .unwrap();
        let root = dir.path().join("state");
        let bundle = dir.path().join("bundle");
        fs::create_dir_all(&bundle).unwrap();
        let st = Command::new("cp")
            .arg("-a")
            .arg(&base)
            .arg(bundle.join("rootfs"))
            .status()
            .unwrap();
        assert!(st.success());
        let env = Env {
            dir,
            root,
            bundle,
            ids: Vec::new(),
        };
        let out = env.cmd(&["spec", "--bundle", env.bundle.to_str().unwrap()]);
        out.ok();
        env.edit(|c| {
            c["process"]["terminal"] = json!(false);
            c["process"]["args"] = json!(args);
        });
        env
    }

    /// A container id unique to this test run.
    pub fn id(&mut self, name: &str) -> String {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let id = format!("t{}-{n}-{name}", std::process::id());
        self.ids.push(id.clone());
        id
    }

    pub fn config(&self) -> Value {
        serde_json::from_str(&fs::read_to_string(self.bundle.join("config.json")).unwrap()).unwrap()
    }

    pub fn edit(&self, f: impl FnOnce(&mut Value)) {
        let mut c = self.config();
        f(&mut c);
        fs::write(
            self.bundle.join("config.json"),
            serde_json::to_string_pretty(&c).unwrap(),
        )
        .unwrap();
    }

    pub fn bundle_str(&self) -> &str {
        self.bundle.to_str().unwrap()
    }

    /// Run `stockade --root <root> ARGS`.
    pub fn cmd(&self, args: &[&str]) -> Out {
        self.cmd_with(args, |_| {})
    }

    pub fn cmd_with(&self, args: &[&str], f: impl FnOnce(&mut Command)) -> Out {
        self.cmd_via(&[], args, f)
    }

    /// `stockade --root <root> ARGS` under `strace -e trace=CALLS`: its
    /// result and the log. `follow`: every process it makes too (`-ff`,
    /// one file each, so no call is split across lines); otherwise only the
    /// one process.
    pub fn traced(&self, calls: &str, follow: bool, args: &[&str]) -> (Out, String) {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let logs = self.dir.path().join(format!("strace-{n}"));
        fs::create_dir_all(&logs).unwrap();
        let strace = tool("strace");
        let prefix = logs.join("log");
        let trace = format!("trace={calls}");
        let mut wrapper = vec![strace.to_str().unwrap(), "-o", prefix.to_str().unwrap()];
        if follow {
            wrapper.push("-ff");
        }
        wrapper.extend(["-e", &trace]);
        let out = self.cmd_via(&wrapper, args, |_| {});
        let mut log = String::new();
        for f in fs::read_dir(&logs).unwrap() {
            log += &fs::read_to_string(f.unwrap().path()).unwrap();
        }
        (out, log)
    }

    /// `WRAPPER... stockade --root <root> ARGS`, stdio in files.
    fn cmd_via(&self, wrapper: &[&str], args: &[&str], f: impl FnOnce(&mut Command)) -> Out {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let o = self.dir.path().join(format!("out-{n}"));
        let e = self.dir.path().join(format!("err-{n}"));
        let mut c = match wrapper.split_first() {
            Some((prog, rest)) => {
                let mut c = Command::new(prog);
                c.args(rest).arg(BIN);
                c
            }
            None => Command::new(BIN),
        };
        c.arg("--root").arg(&self.root).args(args);
        c.stdin(Stdio::null())
            .stdout(fs::File::create(&o).unwrap())
            .stderr(fs::File::create(&e).unwrap());
        f(&mut c);
        let st = c.status().unwrap();
        Out {
            code: st.code().unwrap_or(128 + st.signal_number()),
            stdout: fs::read_to_string(&o).unwrap_or_default(),
            stderr: fs::read_to_string(&e).unwrap_or_default(),
        }
    }

    pub fn state(&self, id: &str) -> Value {
        self.cmd(&["state", id]).ok().json()
    }

    pub fn status(&self, id: &str) -> String {
        self.state(id)["status"].as_str().unwrap().to_string()
    }

    /// Wait until the container reports `status` (processes take a moment to die).
    pub fn wait_status(&self, id: &str, status: &str) {
        let t = Instant::now();
        while self.status(id) != status {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{id} never reached {status}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn create(&self, id: &str) -> Out {
        self.cmd(&["create", "--bundle", self.bundle_str(), id])
    }

    /// Create and start a container from the bundle; its id.
    pub fn running(&mut self, name: &str) -> String {
        let id = self.id(name);
        self.create(&id).ok();
        self.cmd(&["start", &id]).ok();
        id
    }
}

trait SignalNumber {
    fn signal_number(&self) -> i32;
}

impl SignalNumber for std::process::ExitStatus {
    fn signal_number(&self) -> i32 {
        use std::os::unix::process::ExitStatusExt;
        self.signal().unwrap_or(0)
    }
}

/// Live processes in the container's cgroup (`/<id>`, the default path) in
/// any hierarchy. (`/proc/<pid>/root` cannot be used: after pivot_root it
/// reads `/`.) A zombie has released everything; only its exit status is
/// left to reap, so it does not count.
pub fn container_pids(id: &str) -> Vec<i32> {
    let own = format!(":/{id}");
    let nested = format!(":/{id}/");
    let mut out = Vec::new();
    let Ok(procs) = fs::read_dir("/proc") else {
        return out;
    };
    for p in procs.flatten() {
        let Ok(pid) = p.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cg = fs::read_to_string(p.path().join("cgroup")).unwrap_or_default();
        if !cg.lines().any(|l| l.ends_with(&own) || l.contains(&nested)) {
            continue;
        }
        let stat = fs::read_to_string(p.path().join("stat")).unwrap_or_default();
        if !stat.contains(") Z ") {
            out.push(pid);
        }
    }
    out
}

/// What a container may leave behind, looked up by id and bundle path.
pub fn leftovers(root: &Path, id: &str, bundle: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if matches!(id, "" | "." | "..") || id.contains('/') {
        // Not a path component: joining it would name the roots themselves.
        // Such ids are refused before anything is created (tests assert that
        // the state root does not exist).
        return found;
    }
    if root.join(id).exists() {
        found.push(format!("state dir {}", root.join(id).display()));
    }
    let lock = root.join(".locks").join(format!("{id}.lock"));
    if lock.exists() {
        found.push(format!("lock file {}", lock.display()));
    }
    if let Ok(ctrls) = fs::read_dir("/sys/fs/cgroup") {
        for c in ctrls.flatten() {
            let p = c.path().join(id);
            if p.exists() {
                found.push(format!("cgroup {}", p.display()));
            }
        }
    }
    let bundle_s = bundle.to_string_lossy();
    if let Ok(mi) = fs::read_to_string("/proc/self/mountinfo") {
        for l in mi.lines().filter(|l| l.contains(&*bundle_s)) {
            found.push(format!("mount {l}"));
        }
    }
    for pid in container_pids(id) {
        found.push(format!("process {pid}"));
    }
    found
}

impl Drop for Env {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for id in &self.ids {
                let _ = self.cmd(&["delete", "--force", id]);
            }
            return;
        }
        let mut all = Vec::new();
        for id in &self.ids {
            // Processes may take a moment to be torn down after delete.
            let t = Instant::now();
            loop {
                let l = leftovers(&self.root, id, &self.bundle);
                if l.is_empty() {
                    break;
                }
                if t.elapsed() > Duration::from_secs(5) {
                    all.extend(l);
                    let _ = self.cmd(&["delete", "--force", id]);
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        assert!(all.is_empty(), "test left things behind: {all:#?}");
    }
}

/// A test tool from Debian, or a loud NOT RUN when it is missing.
pub fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/bin", "/bin", "/usr/sbin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("NOT RUN: `{name}` is not installed (scripts/install-deps --test installs it)");
}

/// Polls `f` every 10 ms until it holds; fails the test after `secs`.
pub fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(
            t.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Copies an executable, keeping it executable.
pub fn copy_exec(src: &Path, dst: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::copy(src, dst).unwrap();
    fs::set_permissions(dst, fs::Permissions::from_mode(0o755)).unwrap();
}
