//! The Linux backend: every OCI verb is one libcrun call made in this process
//! (one short-lived process per verb, no threads — what libcrun requires).

mod additions;
mod errors;
pub mod ffi;
mod host_mounts;
mod kernel;
mod listing;
pub mod lock;
mod mempolicy;
mod netdev;
mod rdt;
mod recover;
mod status_view;
mod stored;
mod sub_cgroup;
mod yajl;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::backend::exec_process::{self, Skippable};
use crate::bundle::{host, Bundle};
use crate::error::{Error, Result};
use ffi::{Context, ContextArgs};
use host_mounts::Guard;
use lock::Lock;

pub use super::options::{CreateOptions, ExecOptions, Summary};

/// Settings shared by every command (from the global flags).
#[derive(Debug, Clone)]
pub struct Runtime {
    pub root: PathBuf,
    pub systemd_cgroup: bool,
    pub force_no_cgroup: bool,
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Sockets passed by systemd socket activation are preserved after the others.
fn listen_fds() -> i32 {
    std::env::var("LISTEN_FDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

impl Runtime {
    fn args(&self, id: &str) -> ContextArgs {
        ContextArgs {
            state_root: path_str(&self.root),
            id: id.to_string(),
            systemd_cgroup: self.systemd_cgroup,
            force_no_cgroup: self.force_no_cgroup,
            notify_socket: std::env::var("NOTIFY_SOCKET").ok(),
            ..Default::default()
        }
    }

    fn ctx(&self, id: &str) -> Context {
        Context::new(&self.args(id))
    }

    /// libcrun writes `status` last when creating and removes it first when deleting.
    pub fn exists(&self, id: &str) -> bool {
        self.root.join(id).join("status").exists()
    }

    /// The container exists and libcrun can read its status. A directory
    /// without a usable status gets a clear error (see `recover`).
    fn require(&self, id: &str) -> Result<()> {
        self.require_as(id, false)
    }

    /// `require` for a caller that holds the container's lock.
    fn require_as(&self, id: &str, holding_lock: bool) -> Result<()> {
        if !self.root.join(id).is_dir() {
            return Err(Error::NotFound { id: id.to_string() });
        }
        let Err(broken) = recover::check_status(&self.root, id) else {
            return Ok(());
        };
        if holding_lock || lock::holding() || broken != recover::Broken::Missing {
            return Err(recover::describe(&self.root, id, &broken, false));
        }
        // No status: a create or delete under way, or one that was killed.
        // Only the lock can tell; look again while holding it.
        match Lock::try_acquire(&self.root, id)? {
            None => Err(recover::describe(&self.root, id, &broken, true)),
            Some(_lock) => self.require_as(id, true),
        }
    }

    /// Take the lock of an existing container; every verb that changes a
    /// container holds it for its whole libcrun call.
    fn lock_existing(&self, id: &str) -> Result<Lock> {
        // Unknown ids get no lock file (and no state root); anything else
        // about the container is checked once its lock is held.
        if !self.root.join(id).is_dir() {
            return Err(Error::NotFound { id: id.to_string() });
        }
        let l = Lock::acquire(&self.root, id)?;
        self.require_as(id, true)?;
        Ok(l)
    }

    /// The container's lock if it frees up within two seconds, else None.
    fn lock_briefly(&self, id: &str) -> Result<Option<Lock>> {
        if !self.root.join(id).exists() {
            // Unknown ids get no lock file (and no state root).
            return Err(Error::NotFound { id: id.to_string() });
        }
        poll(Duration::from_secs(2), Duration::from_millis(20), || {
            Lock::try_acquire(&self.root, id)
        })
    }

    fn creation_args(&self, id: &str, bundle: &Bundle, o: &CreateOptions) -> Result<ContextArgs> {
        // A directory without status (an interrupted create) also counts.
        if self.root.join(id).exists() {
            return Err(Error::AlreadyExists { id: id.to_string() });
        }
        // Relative paths in the config (mount sources, hooks) resolve against
        // the bundle, as with crun and runc.
        std::env::set_current_dir(&bundle.dir).map_err(|e| {
            Error::io(
                format!("container `{id}`: chdir {}", bundle.dir.display()),
                e,
            )
        })?;
        let lfds = listen_fds();
        Ok(ContextArgs {
            bundle: Some(path_str(&bundle.dir)),
            pid_file: o.pid_file.as_deref().map(path_str),
            console_socket: o.console_socket.as_deref().map(path_str),
            preserve_fds: o.preserve_fds as i32 + lfds,
            listen_fds: lfds,
            no_pivot: o.no_pivot,
            no_new_keyring: o.no_new_keyring,
            ..self.args(id)
        })
    }

    pub fn create(&self, id: &str, bundle: &mut Bundle, o: &CreateOptions) -> Result<()> {
        let _lock = Lock::acquire(&self.root, id)?;
        let args = self.creation_args(id, bundle, o)?;
        let (adds, config, rootfs) = prepare("create", id, bundle)?;
        let container = config.load("create", id)?;
        let mounts = rootfs.map(Guard::take);
        let out = adds
            .around_create(&self.root, id, || {
                ffi::create(&mut Context::new(&args), &container)
            })
            .map_err(|e| errors::addition("create", id, e));
        self.settle_host_mounts(id, mounts.as_ref());
        adds.cleanup_if_gone(&self.root, id);
        out?.map_err(|e| errors::describe("create", id, &e))
    }

    /// After a create or run: a container that still exists keeps the record
    /// of the host mounts it found, one that is gone has its own removed.
    fn settle_host_mounts(&self, id: &str, mounts: Option<&Guard>) {
        let Some(g) = mounts else { return };
        if !self.root.join(id).exists() {
            g.unmount_new();
        } else if let Err(e) = g.record(&self.root, id) {
            tracing::warn!("container `{id}`: cannot record its host mounts: {e}");
        }
    }

    /// Returns the container's exit status (0 when detached).
    pub fn run(
        &self,
        id: &str,
        bundle: &mut Bundle,
        o: &CreateOptions,
        detach: bool,
        keep: bool,
    ) -> Result<i32> {
        // Detached, libcrun returns once the container runs: hold the lock
        // throughout. In the foreground it returns when the container exits:
        // the lock is let go once the status is written (patch 0006), so
        // other verbs can reach the running container.
        let (adds, config, rootfs) = prepare("run", id, bundle)?;
        let bundle = &*bundle;
        let go = |args: ContextArgs| -> Result<i32> {
            let container = config.load("run", id)?;
            let mounts = rootfs.map(Guard::take);
            let out = adds
                .around_create(&self.root, id, || {
                    ffi::run(&mut Context::new(&args), &container, keep)
                })
                .map_err(|e| errors::addition("run", id, e));
            self.settle_host_mounts(id, mounts.as_ref());
            adds.cleanup_if_gone(&self.root, id);
            out?.map_err(|e| errors::describe("run", id, &e))
        };
        if detach {
            let _lock = Lock::acquire(&self.root, id)?;
            let mut args = self.creation_args(id, bundle, o)?;
            args.detach = true;
            return go(args);
        }
        let lock = std::cell::RefCell::new(Some(Lock::acquire(&self.root, id)?));
        let ret = ffi::with_status_callback(&mut || drop(lock.borrow_mut().take()), || {
            self.creation_args(id, bundle, o).and_then(go)
        });
        drop(lock);
        // Taking the lock again removes its file if the container is gone.
        drop(Lock::acquire(&self.root, id));
        ret
    }

    pub fn start(&self, id: &str) -> Result<()> {
        let _lock = self.lock_existing(id)?;
        // libcrun would only say that exec.fifo is missing.
        let state = self.status_checked(id)?.state;
        if state != "created" {
            return Err(Error::Other(format!(
                "start `{id}`: container is {state}, not created"
            )));
        }
        let rdt = additions::rdt_record(&self.root, id);
        ffi::start(&mut self.ctx(id)).map_err(|e| {
            // A failing poststart hook tears the container down (patch 0003).
            if !self.root.join(id).exists() {
                additions::remove_rdt(rdt);
            }
            errors::describe("start", id, &e)
        })
    }

    /// The OCI state of the container, as JSON.
    pub fn state(&self, id: &str) -> Result<Value> {
        // Clients poll this verb. libcrun writes a container's status last
        // when creating and removes it first when deleting, so a state it
        // can read is never half made: that needs no lock. (libcrun would
        // create a missing state root: unknown ids take the slow path.)
        let quick = self
            .root
            .join(id)
            .is_dir()
            .then(|| ffi::state(&mut self.ctx(id)));
        let text = match quick {
            Some(Ok(text)) => text,
            _ => self.state_slowly(id)?,
        };
        let mut v: Value = serde_json::from_str(&text).map_err(|e| {
            Error::Other(format!("state `{id}`: libcrun produced invalid JSON: {e}"))
        })?;
        if let Some(obj) = v.as_object_mut() {
            // The state document follows the spec version we implement.
            obj.insert(
                "ociVersion".into(),
                Value::from(crate::bundle::version::MAX),
            );
            // libcrun copies the config's annotations; clients expect the key.
            obj.entry("annotations")
                .or_insert_with(|| Value::Object(Default::default()));
        }
        Ok(v)
    }

    /// `state` when libcrun could not read it at once: a quick create or
    /// delete in progress is waited for, so it is never half seen; a long one
    /// (hooks) is reported as in progress.
    fn state_slowly(&self, id: &str) -> Result<String> {
        let lock = self.lock_briefly(id)?;
        if lock.is_some() {
            self.require_as(id, true)?;
        } else {
            self.require(id)?;
        }
        ffi::state(&mut self.ctx(id)).map_err(|e| errors::describe("state", id, &e))
    }

    /// What `exec`'s flags build on: the `process` of the config libcrun
    /// stored at create time (None when it has none), without the members
    /// `skip` names: libcrun's exec takes those from the stored config
    /// itself when the process it is given has none.
    pub fn stored_process(&self, id: &str, skip: Skippable) -> Result<Option<&'static Value>> {
        Ok(self.stored_for_exec(id, skip)?.process.as_ref())
    }

    /// The parts of the config libcrun stored at create time that `exec` reads back.
    fn stored_for_exec(&self, id: &str, skip: Skippable) -> Result<&'static stored::ForExec> {
        stored::for_exec(self.root.join(id).join("config.json"), skip)
    }

    pub fn status(&self, id: &str) -> Result<ffi::Status> {
        self.require(id)?;
        self.status_checked(id)
    }

    /// `status` when `require` (or `lock_existing`) has just passed.
    fn status_checked(&self, id: &str) -> Result<ffi::Status> {
        ffi::read_status(&path_str(&self.root), id).map_err(|e| errors::describe("state", id, &e))
    }

    /// `--all` signals every process in the container's cgroup even once
    /// the init has exited, as runc and crun do: processes of a container
    /// that joined another's PID namespace outlive its init (containerd's
    /// shim sends exactly this when such an init exits).
    pub fn kill(&self, id: &str, signal: i32, all: bool) -> Result<()> {
        let _lock = self.lock_existing(id)?;
        if !all && self.status_checked(id)?.state == "stopped" {
            return Err(Error::NotRunning {
                id: id.to_string(),
                op: "kill",
            });
        }
        ffi::kill(&mut self.ctx(id), &signal.to_string(), all)
            .map_err(|e| errors::describe("kill", id, &e))
    }

    pub fn delete(&self, id: &str, force: bool) -> Result<()> {
        let gone = || {
            if force {
                Ok(())
            } else {
                Err(Error::NotFound { id: id.to_string() })
            }
        };
        if !self.root.join(id).exists() {
            return gone();
        }
        let _lock = Lock::acquire(&self.root, id)?;
        if !self.root.join(id).exists() {
            // Deleted by whoever held the lock before us.
            return gone();
        }
        let mounts = Guard::recorded(&self.root, id);
        let init = match recover::check_status(&self.root, id) {
            Ok(init) => init,
            Err(b) if !force => return Err(recover::describe(&self.root, id, &b, false)),
            Err(_) => {
                recover::force_remove(&self.root, id, self.systemd_cgroup)?;
                if let Some(g) = &mounts {
                    g.unmount_new();
                }
                return Ok(());
            }
        };
        if let (true, Some(start)) = (force, init.start_time) {
            // libcrun kills it too, later: sent now, its exit runs beside
            // the reading below, and libcrun finds it gone or going.
            crate::sys::kill_if_started_at(init.pid, start);
        }
        let rdt = additions::rdt_record(&self.root, id);
        // Unreadable: libcrun reads the stored config itself and says why.
        let stored = stored::for_delete(&self.root.join(id).join("config.json"));
        let def = stored.ok().and_then(|s| s.delete_definition());
        let def = def.and_then(|text| ffi::load_from_memory(text).ok());
        ffi::delete(&mut self.ctx(id), def.as_ref(), force)
            .map_err(|e| errors::describe("delete", id, &e))?;
        additions::remove_rdt(rdt);
        if let Some(g) = &mounts {
            g.unmount_new();
        }
        Ok(())
    }

    /// Returns once the container is frozen. libcrun only asks for the
    /// freeze; a v1 freezer then reads FREEZING until every task has
    /// stopped, and a `state` in between said "running" (runc waits too).
    pub fn pause(&self, id: &str) -> Result<()> {
        let _lock = self.lock_existing(id)?;
        ffi::pause(&mut self.ctx(id)).map_err(|e| errors::describe("pause", id, &e))?;
        // Only a running container goes through FREEZING; libcrun reports
        // a frozen created one as created.
        let frozen = poll(Duration::from_secs(2), Duration::from_millis(1), || {
            Ok((self.status_checked(id)?.state != "running").then_some(()))
        })?;
        frozen.ok_or_else(|| {
            Error::Other(format!(
                "pause `{id}`: the container was still running 2 s after the freeze was asked for"
            ))
        })
    }

    pub fn resume(&self, id: &str) -> Result<()> {
        let _lock = self.lock_existing(id)?;
        ffi::resume(&mut self.ctx(id)).map_err(|e| errors::describe("resume", id, &e))
    }

    pub fn update(&self, id: &str, resources_json: &str) -> Result<()> {
        let _lock = self.lock_existing(id)?;
        ffi::update(&mut self.ctx(id), resources_json)
            .map_err(|e| errors::describe("update", id, &e))
    }

    pub fn pids(&self, id: &str) -> Result<Vec<i32>> {
        self.require(id)?;
        ffi::read_pids(&mut self.ctx(id), true).map_err(|e| errors::describe("ps", id, &e))
    }

    /// Exec `process` (an OCI process object) in the container; returns its
    /// exit status, or 0 once started when detached.
    pub fn exec(&self, id: &str, process: &Value, o: &ExecOptions) -> Result<i32> {
        // Only the memory policy is read here, so any earlier read serves.
        // libcrun's exec reads the status first thing: it is checked here
        // only when the stored config is not there, or once libcrun has
        // failed, to say what is wrong in one line.
        let stored = self.stored_for_exec(id, Skippable::ALL);
        if stored.is_err() {
            self.require(id)?;
        }
        let usage = |e: String| Error::Usage(format!("exec `{id}`: {e}"));
        let host = host::probe(host::Needs {
            cgroups: !o.cgroup.is_empty(),
            lsm: exec_process::uses_lsm(process),
            ..Default::default()
        });
        exec_process::check_lsm(process, host.apparmor, host.selinux).map_err(usage)?;
        let unified = host.cgroup == host::CgroupMode::Unified;
        let sub = sub_cgroup::resolve(&o.cgroup, unified).map_err(usage)?;
        if let (Some(s), false) = (&sub, unified) {
            sub_cgroup::check_exists_v1(self.status_checked(id)?.pid, s).map_err(usage)?;
        }
        let lfds = listen_fds();
        let args = ContextArgs {
            pid_file: o.pid_file.as_deref().map(path_str),
            console_socket: o.console_socket.as_deref().map(path_str),
            preserve_fds: o.preserve_fds as i32 + lfds,
            listen_fds: lfds,
            detach: o.detach,
            ..self.args(id)
        };
        // The stored record is plain JSON; the policy reader takes the document tree.
        let policy = stored
            .ok()
            .and_then(|s| s.linux.as_ref()?.memory_policy.clone())
            .map(crate::bundle::doc::Value::from);
        additions::around_exec(policy.as_ref(), || {
            ffi::exec(
                &mut Context::new(&args),
                &process.to_string(),
                sub.as_deref(),
                o.ignore_paused,
            )
        })
        .map_err(|e| errors::addition("exec", id, e))?
        .map_err(|e| match self.require(id) {
            Err(unusable) => unusable,
            Ok(()) => errors::describe("exec", id, &e),
        })
    }

    pub fn list(&self) -> Result<Vec<Summary>> {
        if !self.root.exists() {
            return Ok(Vec::new());
        }
        listing::summaries(&self.root)
            .map_err(|e| Error::io(format!("list {}", self.root.display()), e))
    }
}

/// The config as libcrun gets it: yajl's tree of it, made from the
/// document (libcrun does not parse the text again), and the text, which
/// libcrun keeps. Without the tree (memory ran out) libcrun parses the text.
struct ForLibcrun {
    tree: Option<yajl::Tree>,
    json: String,
}

impl ForLibcrun {
    fn load(self, op: &'static str, id: &str) -> Result<ffi::Container> {
        match &self.tree {
            Some(tree) => ffi::load_from_tree(tree, self.json),
            None => ffi::load_from_memory(self.json),
        }
        .map_err(|e| errors::describe(op, id, &e))
    }
}

/// What create and run take from the bundle's document: the additions,
/// the config for libcrun, and the rootfs whose host mounts are guarded
/// (no mount namespace). The document itself is freed here, so libocispec
/// reuses its memory (the rest of the bundle is still used).
fn prepare(
    op: &'static str,
    id: &str,
    bundle: &mut Bundle,
) -> Result<(additions::Additions, ForLibcrun, Option<PathBuf>)> {
    // The document tree is freed here, before libcrun makes its container
    // definition: that then reuses its memory (200 mounts: about 250 KiB
    // less at the peak), which is worth more than leaving it to the exit.
    let doc = std::mem::take(&mut bundle.doc);
    let adds = additions::Additions::from_config(&doc)
        .map_err(|msg| errors::addition(op, id, (0, msg)))?;
    let (libcrun_doc, json) = adds.libcrun_config(&doc, bundle.verbatim.take());
    let tree = yajl::Tree::build(&libcrun_doc);
    drop(libcrun_doc);
    let rootfs = host_mounts::needed(&doc);
    Ok((adds, ForLibcrun { tree, json }, rootfs))
}

/// A default config for `spec` (`rootful` false gives a rootless one).
pub fn default_spec(rootful: bool) -> Result<String> {
    let text = ffi::spec(rootful).map_err(|e| Error::Other(format!("spec: {e}")))?;
    let mut v: Value = serde_json::from_str(&text)
        .map_err(|e| Error::Other(format!("spec: libcrun produced invalid JSON: {e}")))?;
    // libcrun's template is valid v1.3.0; say so, and name ourselves.
    v["ociVersion"] = Value::from(crate::bundle::version::MAX);
    v["hostname"] = Value::from("stockade");
    serde_json::to_string_pretty(&v).map_err(|e| Error::Other(format!("spec: {e}")))
}

/// Run from a read-only clone of the binary (see `cli::prescan` for which
/// verbs need it). Must be the process's first action: it may exec.
pub fn protect_binary() -> std::io::Result<()> {
    ffi::ensure_cloned_binary()
}

/// Route libcrun's own messages into our log, at the verbosity matching `level`.
pub fn init_logging(level: tracing::Level) {
    fn sink(errno: i32, msg: &str, verbosity: i32) {
        let msg = if errno > 0 {
            format!("{msg}: {}", std::io::Error::from_raw_os_error(errno))
        } else {
            msg.to_string()
        };
        match verbosity {
            v if v <= ffi::VERBOSITY_ERROR => tracing::error!("{msg}"),
            v if v == ffi::VERBOSITY_WARNING => tracing::warn!("{msg}"),
            _ => tracing::debug!("{msg}"),
        }
    }
    let verbosity = if level >= tracing::Level::DEBUG {
        ffi::VERBOSITY_DEBUG
    } else if level >= tracing::Level::WARN {
        ffi::VERBOSITY_WARNING
    } else {
        ffi::VERBOSITY_ERROR
    };
    ffi::set_output(sink, verbosity);
}

pub const LIBCRUN_VERSION: &str = ffi::LIBCRUN_VERSION;

/// What `--version` reports about the backend.
pub fn backend_version() -> String {
    format!("libcrun version {}", ffi::LIBCRUN_VERSION)
}

/// Calls `f` until it gives something, for up to `within`, `every` apart;
/// None if it never did.
fn poll<T>(
    within: Duration,
    every: Duration,
    mut f: impl FnMut() -> Result<Option<T>>,
) -> Result<Option<T>> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f()? {
            return Ok(Some(v));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(every);
    }
}
