//! Carrying out a `JailPlan` on FreeBSD: the create/start split podman
//! expects (create leaves a persistent jail and a process blocked on a
//! FIFO; start releases it), state, kill, delete, exec. Decisions come from
//! the plan; every `unsafe` call is in `sys`. Run on FreeBSD by
//! `scripts/e2e-freebsd` (see docs/freebsd.md).

use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

use super::console::Console;
use super::plan::{plan_with, JailPlan, MountStep, PlanContext, ProcessPlan};
use super::state::{State, Status, Store};
use super::{encode, fsprep, hookrun, hostfacts, sys, CreateOptions};
use crate::bundle::Bundle;

/// The jail runtime, with its state under `root` (`--root`).
pub struct JailRuntime {
    root: PathBuf,
}

/// Options of `exec`.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    pub pid_file: Option<PathBuf>,
    pub console_socket: Option<PathBuf>,
    pub detach: bool,
    pub preserve_fds: u32,
}

impl JailRuntime {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn store(&self) -> Store {
        Store {
            root: self.root.clone(),
        }
    }

    pub fn create(&self, id: &str, bundle: &Bundle, opts: &CreateOptions) -> Result<()> {
        let ctx = PlanContext {
            state_root: self.root.clone(),
        };
        let plan = plan_with(bundle, id, &ctx).map_err(|errs| {
            let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
            anyhow!("{}", lines.join("; "))
        })?;
        let process = plan
            .process
            .clone()
            .ok_or_else(|| anyhow!("`{id}`: config has no `process`"))?;
        check_terminal(&process, opts.console_socket.as_deref())?;
        let mut plan = plan;
        check_host(&mut plan)?;
        let store = self.store();
        store.create_dir(id).map_err(|e| anyhow!(e))?;
        let mut st = State {
            id: id.into(),
            bundle: bundle.dir.to_string_lossy().into_owned(),
            status: Status::Creating,
            pid: None,
            jid: None,
            created: now(),
            annotations: annotations(&bundle.doc),
            process: bundle.doc.get("process").cloned().map(Value::from),
            plan,
            mounted: vec![],
            created_paths: vec![],
            moved_interfaces: vec![],
        };
        match self.build(&mut st, &process, opts) {
            Ok(()) => Ok(()),
            Err(e) => {
                if let Some(pid) = st.pid {
                    let _ = sys::kill(pid, libc::SIGKILL);
                }
                let undo = teardown(&st);
                let _ = store.remove(id);
                match undo.is_empty() {
                    true => Err(e),
                    false => Err(e.context(format!(
                        "cleanup after the failure also failed: {}",
                        undo.join("; ")
                    ))),
                }
            }
        }
    }

    /// The steps of create after the state dir exists; `st` records what to undo.
    fn build(&self, st: &mut State, process: &ProcessPlan, opts: &CreateOptions) -> Result<()> {
        let store = self.store();
        store.save(st).map_err(|e| anyhow!(e))?;
        mount_all(st, &store.dir(&st.id))?;
        if let Some(parent) = st.plan.parent.clone() {
            raise_children_max(&parent)?;
        }
        let params = encode::encode_all(&st.plan.params).map_err(|e| anyhow!(e))?;
        let jid = sys::jail_set(&params, libc::JAIL_CREATE)
            .with_context(|| format!("creating jail `{}`", st.plan.name))?;
        st.jid = Some(jid);
        store.save(st).map_err(|e| anyhow!(e))?;
        for ifname in st.plan.vnet_interfaces.clone() {
            sys::move_interface(&ifname, jid, false)
                .with_context(|| format!("moving {ifname} into jail {jid}"))?;
            st.moved_interfaces.push(ifname);
        }
        if let Some(a) = &st.plan.ip_aliases {
            aliases(&a.interface, &a.ip4, &a.ip6, true)?;
        }
        let fifo = store.fifo(&st.id);
        sys::mkfifo(&fifo, 0o600).with_context(|| format!("mkfifo {}", fifo.display()))?;
        let wait_end =
            sys::open_fifo(&fifo, false).with_context(|| format!("open {}", fifo.display()))?;
        let console = Console::open(process)?;
        let mut spec = child_spec(jid, process, Some(wait_end.as_raw_fd()), opts.preserve_fds)?;
        spec.tty = console.as_ref().map(Console::tty_fd);
        let pid = sys::spawn(&spec).context("forking the container process")?;
        drop(wait_end);
        st.pid = Some(pid);
        if let (Some(c), Some(sock)) = (console, &opts.console_socket) {
            c.hand_over(sock)?;
        }
        if let Some(p) = &opts.pid_file {
            std::fs::write(p, pid.to_string())
                .with_context(|| format!("writing pid file {}", p.display()))?;
        }
        st.status = Status::Created;
        store.save(st).map_err(|e| anyhow!(e))?;
        let json = st.oci(Status::Created).to_string();
        let rootfs = st.plan.rootfs.jail_path.clone();
        hookrun::run_all(&st.plan.hooks.prestart, &json, &|_| {}).map_err(|e| anyhow!(e))?;
        hookrun::run_all(&st.plan.hooks.create_runtime, &json, &|_| {}).map_err(|e| anyhow!(e))?;
        hookrun::run_all(
            &st.plan.hooks.create_container,
            &json,
            &|c: &mut Command| {
                c.current_dir(&rootfs);
            },
        )
        .map_err(|e| anyhow!(e))?;
        Ok(())
    }

    pub fn start(&self, id: &str) -> Result<()> {
        let store = self.store();
        let mut st = store.load(id).map_err(|e| anyhow!(e))?;
        if current_status(&st) != Status::Created {
            bail!(
                "container `{id}` is {}, not created",
                current_status(&st).name()
            );
        }
        let jid = st.jid.ok_or_else(|| anyhow!("`{id}`: state has no jid"))?;
        let json = st.oci(Status::Created).to_string();
        hookrun::run_all(&st.plan.hooks.start_container, &json, &|c: &mut Command| {
            sys::attach_before_exec(c, jid)
        })
        .map_err(|e| anyhow!(e))?;
        let fifo = sys::open_fifo(&store.fifo(id), true)
            .with_context(|| format!("`{id}`: the container process is gone"))?;
        nix_write(&fifo)?;
        st.status = Status::Running;
        store.save(&st).map_err(|e| anyhow!(e))?;
        let json = st.oci(Status::Running).to_string();
        if let Err(e) = hookrun::run_all(&st.plan.hooks.poststart, &json, &|_| {}) {
            // v1.3.0: a failing poststart hook stops the container.
            if let Some(pid) = st.pid {
                let _ = sys::kill(pid, libc::SIGKILL);
            }
            bail!("`{id}`: {e}");
        }
        Ok(())
    }

    /// The OCI state document of `id`.
    pub fn state(&self, id: &str) -> Result<Value> {
        let st = self.store().load(id).map_err(|e| anyhow!(e))?;
        Ok(st.oci(current_status(&st)))
    }

    pub fn kill(&self, id: &str, signal: i32, all: bool) -> Result<()> {
        let st = self.store().load(id).map_err(|e| anyhow!(e))?;
        let status = current_status(&st);
        if all {
            // Every process of the container: the init (outside the jail
            // until `start`) and whatever runs in the jail, which may outlive
            // the init (detached exec processes).
            let jid = st.jid.ok_or_else(|| anyhow!("`{id}`: state has no jid"))?;
            if let (Some(pid), Status::Created | Status::Running) = (st.pid, status) {
                let _ = sys::kill(pid, signal);
            }
            return sys::kill_all_in_jail(jid, signal)
                .with_context(|| format!("kill --all `{id}`"));
        }
        if !matches!(status, Status::Created | Status::Running) {
            bail!("container `{id}` is {}; nothing to signal", status.name());
        }
        let pid = st.pid.ok_or_else(|| anyhow!("`{id}`: state has no pid"))?;
        match sys::kill(pid, signal) {
            Err(e) if e.raw_os_error() != Some(libc::ESRCH) => {
                Err(e).with_context(|| format!("kill `{id}` (pid {pid})"))
            }
            _ => Ok(()),
        }
    }

    pub fn delete(&self, id: &str, force: bool) -> Result<()> {
        let store = self.store();
        let st = match store.load(id) {
            Ok(st) => st,
            Err(_) if !store.dir(id).exists() => return Ok(()),
            Err(e) => bail!(e),
        };
        match current_status(&st) {
            Status::Running if !force => bail!("container `{id}` is running (use --force)"),
            Status::Created | Status::Running => {
                if let Some(pid) = st.pid {
                    let _ = sys::kill(pid, libc::SIGKILL);
                }
            }
            _ => {}
        }
        let problems = teardown(&st);
        let json = st.oci(Status::Stopped).to_string();
        for h in &st.plan.hooks.poststop {
            if let Err(e) = hookrun::run_hook(h, &json, &|_| {}) {
                tracing::warn!("`{id}`: {e}");
            }
        }
        store.remove(id).map_err(|e| anyhow!(e))?;
        match problems.first() {
            None => Ok(()),
            Some(_) => bail!("`{id}` deleted with problems: {}", problems.join("; ")),
        }
    }

    /// Run `process` (an OCI process object) in the jail of `id`. Detached:
    /// returns 0 (the pid goes to `--pid-file`); attached: waits and returns
    /// the exit code.
    pub fn exec(&self, id: &str, process: &Value, opts: &ExecOptions) -> Result<i32> {
        let st = self.store().load(id).map_err(|e| anyhow!(e))?;
        if current_status(&st) != Status::Running {
            bail!("container `{id}` is not running");
        }
        let jid = st.jid.ok_or_else(|| anyhow!("`{id}`: state has no jid"))?;
        let plan = super::process::plan_exec(process).map_err(|errs| {
            let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
            anyhow!("exec in `{id}`: {}", lines.join("; "))
        })?;
        check_terminal(&plan, opts.console_socket.as_deref())?;
        let console = Console::open(&plan)?;
        let mut spec = child_spec(jid, &plan, None, opts.preserve_fds)?;
        spec.tty = console.as_ref().map(Console::tty_fd);
        let pid = sys::spawn(&spec).context("forking the exec process")?;
        let announced = (|| -> Result<()> {
            if let (Some(c), Some(sock)) = (console, &opts.console_socket) {
                c.hand_over(sock)?;
            }
            if let Some(p) = &opts.pid_file {
                std::fs::write(p, pid.to_string())
                    .with_context(|| format!("writing pid file {}", p.display()))?;
            }
            Ok(())
        })();
        if let Err(e) = announced {
            // Nobody would ever wait for a process its caller never heard of.
            let _ = sys::kill(pid, libc::SIGKILL);
            let _ = sys::wait(pid);
            return Err(e);
        }
        if opts.detach {
            return Ok(0);
        }
        sys::wait(pid).context("waiting for the exec process")
    }

    /// create + start in this process; unless detached, wait for the
    /// container process and return its exit status (128 + N when killed
    /// by signal N), deleting the container afterwards unless `keep`.
    pub fn run(
        &self,
        id: &str,
        bundle: &Bundle,
        opts: &CreateOptions,
        detach: bool,
        keep: bool,
    ) -> Result<i32> {
        self.create(id, bundle, opts)?;
        if let Err(e) = self.start(id) {
            let _ = self.delete(id, true);
            return Err(e);
        }
        if detach {
            return Ok(0);
        }
        let st = self.store().load(id).map_err(|e| anyhow!(e))?;
        let pid = st.pid.ok_or_else(|| anyhow!("`{id}`: state has no pid"))?;
        let code = sys::wait(pid).context("waiting for the container process")?;
        if !keep {
            self.delete(id, true)?;
        }
        Ok(code)
    }

    /// Every container under the state root with its current status
    /// (unreadable entries are skipped with a warning; names that are not
    /// container ids, such as the features cache, and plain files are not
    /// containers).
    pub fn list(&self) -> Result<Vec<(State, Status)>> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(e).with_context(|| format!("reading {}", self.root.display())),
        };
        let store = self.store();
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if crate::id::validate_id(&name).is_err() || !entry.path().is_dir() {
                continue;
            }
            match store.load(&name) {
                Ok(st) => {
                    let status = current_status(&st);
                    out.push((st, status));
                }
                Err(e) => tracing::warn!("list: skipping {name}: {e}"),
            }
        }
        out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        Ok(out)
    }

    /// Host pids of every process in the container's jail.
    pub fn pids(&self, id: &str) -> Result<Vec<i32>> {
        let st = self.store().load(id).map_err(|e| anyhow!(e))?;
        let Some(jid) = st.jid else {
            return Ok(vec![]);
        };
        // The jail's processes (they may outlive the init), plus the init
        // while it still waits outside the jail for `start`.
        let mut pids =
            sys::jail_pids(jid).with_context(|| format!("listing the processes of `{id}`"))?;
        if let (Some(pid), Status::Created | Status::Running) = (st.pid, current_status(&st)) {
            if !pids.contains(&pid) {
                pids.insert(0, pid);
            }
        }
        Ok(pids)
    }

    /// The config's `process` object, the base of `exec ID CMD...`.
    pub fn stored_process(&self, id: &str) -> Result<Option<Value>> {
        let st = self.store().load(id).map_err(|e| anyhow!(e))?;
        Ok(st.process)
    }
}

/// Refuse, before anything is created, what this host cannot give the jail:
/// jail parameters its kernel lacks, devfs rulesets it has not loaded.
/// Defaults the planner chose that the kernel lacks are dropped (warned).
fn check_host(plan: &mut JailPlan) -> Result<()> {
    let facts = hostfacts::gather(plan)?;
    let found = super::hostcheck::fit_params(&mut plan.params, &facts.params);
    let (errors, warnings): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|d| d.severity == crate::bundle::Severity::Error);
    for w in warnings {
        tracing::warn!("container `{}`: {w}", plan.id);
    }
    let mut problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
    problems.extend(super::hostcheck::check_rulesets(
        &plan.mounts,
        &facts.devfs_rulesets,
    ));
    match problems.is_empty() {
        true => Ok(()),
        false => bail!("{}", problems.join("; ")),
    }
}

fn nix_write(fd: &std::os::fd::OwnedFd) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::from(fd.try_clone().context("dup FIFO")?);
    f.write_all(b"0").context("releasing the container process")
}

/// A terminal is handed to the client over `--console-socket`; both or neither.
fn check_terminal(p: &ProcessPlan, socket: Option<&Path>) -> Result<()> {
    match (p.terminal, socket) {
        (false, None) | (true, Some(_)) => Ok(()),
        (false, Some(_)) => bail!("--console-socket given but process.terminal is false"),
        (true, None) => bail!("process.terminal is true but no --console-socket was given"),
    }
}

/// The stored status, corrected to `stopped` when the process is gone.
fn current_status(st: &State) -> Status {
    match (st.status, st.pid) {
        (Status::Created | Status::Running, Some(pid)) if !sys::alive(pid) => Status::Stopped,
        (s, _) => s,
    }
}

fn annotations(doc: &crate::bundle::doc::Value) -> std::collections::BTreeMap<String, String> {
    doc.get("annotations")
        .and_then(crate::bundle::doc::Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn cstring(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| anyhow!("{what} contains a NUL byte"))
}

fn child_spec(
    jid: i32,
    p: &ProcessPlan,
    wait_fd: Option<i32>,
    preserve_fds: u32,
) -> Result<sys::ChildSpec> {
    let rlimits = p
        .rlimits
        .iter()
        .map(|r| {
            let res = rlimit_resource(&r.typ).ok_or_else(|| anyhow!("unknown rlimit {}", r.typ))?;
            let clamp = |v: u64| i64::try_from(v).unwrap_or(libc::RLIM_INFINITY);
            Ok((res, clamp(r.soft), clamp(r.hard)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(sys::ChildSpec {
        jid,
        wait_fd,
        cwd: cstring(&p.cwd, "process.cwd")?,
        candidates: p
            .exec_path
            .iter()
            .map(|c| cstring(c, "process.args[0]"))
            .collect::<Result<_>>()?,
        argv: p
            .args
            .iter()
            .map(|a| cstring(a, "process.args"))
            .collect::<Result<_>>()?,
        envp: p
            .env
            .iter()
            .map(|e| cstring(e, "process.env"))
            .collect::<Result<_>>()?,
        uid: p.user.uid,
        gid: p.user.gid,
        groups: p.user.groups.clone(),
        umask: p.user.umask,
        rlimits,
        no_new_privileges: p.no_new_privileges,
        close_from: 3 + i32::try_from(preserve_fds).context("--preserve-fds too large")?,
        tty: None,
    })
}

fn rlimit_resource(name: &str) -> Option<libc::c_int> {
    Some(match name {
        "RLIMIT_CPU" => libc::RLIMIT_CPU,
        "RLIMIT_FSIZE" => libc::RLIMIT_FSIZE,
        "RLIMIT_DATA" => libc::RLIMIT_DATA,
        "RLIMIT_STACK" => libc::RLIMIT_STACK,
        "RLIMIT_CORE" => libc::RLIMIT_CORE,
        "RLIMIT_RSS" => libc::RLIMIT_RSS,
        "RLIMIT_MEMLOCK" => libc::RLIMIT_MEMLOCK,
        "RLIMIT_NPROC" => libc::RLIMIT_NPROC,
        "RLIMIT_NOFILE" => libc::RLIMIT_NOFILE,
        "RLIMIT_SBSIZE" => libc::RLIMIT_SBSIZE,
        "RLIMIT_AS" => libc::RLIMIT_AS,
        "RLIMIT_VMEM" => libc::RLIMIT_VMEM,
        "RLIMIT_NPTS" => libc::RLIMIT_NPTS,
        "RLIMIT_SWAP" => libc::RLIMIT_SWAP,
        "RLIMIT_KQUEUES" => libc::RLIMIT_KQUEUES,
        "RLIMIT_UMTXP" => libc::RLIMIT_UMTXP,
        _ => return None,
    })
}

/// Mount the read-only root alias (if any) and every planned mount, recording each.
fn mount_all(st: &mut State, state_dir: &Path) -> Result<()> {
    let rootfs = PathBuf::from(&st.plan.rootfs.path);
    let jail_root = PathBuf::from(&st.plan.rootfs.jail_path);
    // Mount points are created in the writable rootfs first.
    for m in st.plan.mounts.clone() {
        let file = m.fstype == "nullfs" && Path::new(&m.source).is_file();
        let made = fsprep::ensure_mount_point(&rootfs, &m.target, file)
            .with_context(|| format!("creating mount point {} for {}", m.target, m.destination))?;
        st.created_paths
            .extend(made.iter().map(|p| p.to_string_lossy().into_owned()));
    }
    if st.plan.rootfs.readonly {
        std::fs::create_dir_all(&jail_root)
            .with_context(|| format!("creating {}", jail_root.display()))?;
        let flags = libc::MNT_RDONLY | libc::MNT_IGNORE as libc::c_int;
        sys::nmount(
            "nullfs",
            &jail_root,
            Some(("target", &st.plan.rootfs.path)),
            &[],
            flags,
        )?;
        st.mounted.push(jail_root.to_string_lossy().into_owned());
    }
    for m in st.plan.mounts.clone() {
        let at = jail_root.join(m.target.trim_start_matches('/'));
        mount_one(st, state_dir, &m, &at)?;
    }
    Ok(())
}

fn mount_one(st: &mut State, state_dir: &Path, m: &MountStep, at: &Path) -> Result<()> {
    let flags = m.flags.iter().map(|f| mnt_flag(f)).fold(0, |a, b| a | b);
    let opts: Vec<(String, String)> = m
        .options
        .iter()
        .map(|o| (o.name.clone(), o.value.clone()))
        .collect();
    let from = if m.fstype == "nullfs" {
        ("target", m.source.as_str())
    } else {
        ("from", m.source.as_str())
    };
    let copy_src = if m.tmpcopyup {
        Some(stage_copyup(st, state_dir, at)?)
    } else {
        None
    };
    sys::nmount(&m.fstype, at, Some(from), &opts, flags)
        .with_context(|| format!("mounting {}", m.destination))?;
    st.mounted.push(at.to_string_lossy().into_owned());
    if let Some(src) = copy_src {
        fsprep::copy_tree(&src, at).with_context(|| format!("tmpcopyup into {}", m.destination))?;
        sys::unmount(&src, false).with_context(|| format!("unmounting {}", src.display()))?;
        st.mounted.retain(|p| Path::new(p) != src);
    }
    for rule in &m.devfs_rules {
        let status = Command::new("/sbin/devfs")
            .arg("-m")
            .arg(at)
            .args(["rule", "apply"])
            .args(rule.words())
            .status()
            .context("running /sbin/devfs")?;
        if !status.success() {
            bail!(
                "devfs rule `{}` on {} failed: {status}",
                rule.0,
                m.destination
            );
        }
    }
    Ok(())
}

/// For tmpcopyup: a read-only nullfs view of the directory (in the state
/// dir) taken before the tmpfs hides it.
fn stage_copyup(st: &mut State, state_dir: &Path, at: &Path) -> Result<PathBuf> {
    let stage = state_dir.join(format!("copyup-{}", st.mounted.len()));
    std::fs::create_dir_all(&stage).with_context(|| format!("creating {}", stage.display()))?;
    st.created_paths.push(stage.to_string_lossy().into_owned());
    let flags = libc::MNT_RDONLY | libc::MNT_IGNORE as libc::c_int;
    sys::nmount(
        "nullfs",
        &stage,
        Some(("target", &at.to_string_lossy())),
        &[],
        flags,
    )?;
    st.mounted.push(stage.to_string_lossy().into_owned());
    Ok(stage)
}

fn mnt_flag(name: &str) -> libc::c_int {
    match name {
        "MNT_RDONLY" => libc::MNT_RDONLY,
        "MNT_NOEXEC" => libc::MNT_NOEXEC,
        "MNT_NOSUID" => libc::MNT_NOSUID,
        "MNT_NOATIME" => libc::MNT_NOATIME,
        "MNT_NOSYMFOLLOW" => libc::MNT_NOSYMFOLLOW,
        "MNT_SYNCHRONOUS" => libc::MNT_SYNCHRONOUS,
        "MNT_ASYNC" => libc::MNT_ASYNC,
        "MNT_IGNORE" => libc::MNT_IGNORE as libc::c_int,
        _ => 0,
    }
}

/// Make room for one more child under `parent` (children.max is a limit on
/// all descendants; only the direct parent is adjusted).
fn raise_children_max(parent: &str) -> Result<()> {
    let (_, v) = sys::jail_get_ints(parent, &["children.max", "children.cur"])
        .with_context(|| format!("looking up parent jail `{parent}`"))?;
    let (max, cur) = (v[0], v[1]);
    if cur < max {
        return Ok(());
    }
    use super::params::{p, ParamValue};
    let params = [
        p("name", ParamValue::String(parent.into())),
        p("children.max", ParamValue::Int(cur + 1)),
    ];
    let enc = encode::encode_all(&params).map_err(|e| anyhow!(e))?;
    sys::jail_set(&enc, libc::JAIL_UPDATE)
        .with_context(|| format!("raising children.max of `{parent}`"))?;
    Ok(())
}

/// Add or remove address aliases on a host interface with ifconfig(8).
fn aliases(interface: &str, ip4: &[String], ip6: &[String], add: bool) -> Result<()> {
    let verb = if add { "alias" } else { "-alias" };
    for (fam, addr, mask) in ip4
        .iter()
        .map(|a| ("inet", a, "/32"))
        .chain(ip6.iter().map(|a| ("inet6", a, "/128")))
    {
        let status = Command::new("/sbin/ifconfig")
            .args([interface, fam, &format!("{addr}{mask}"), verb])
            .status()
            .context("running /sbin/ifconfig")?;
        if !status.success() {
            bail!("ifconfig {interface} {fam} {addr} {verb} failed: {status}");
        }
    }
    Ok(())
}

/// Undo what `create` did, in reverse; returns the problems met (keeps going).
fn teardown(st: &State) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(jid) = st.jid {
        for ifname in st.moved_interfaces.iter().rev() {
            if let Err(e) = sys::move_interface(ifname, jid, true) {
                problems.push(format!("moving {ifname} back: {e}"));
            }
        }
        if let Some(a) = &st.plan.ip_aliases {
            if let Err(e) = aliases(&a.interface, &a.ip4, &a.ip6, false) {
                problems.push(e.to_string());
            }
        }
        match sys::jail_remove(jid) {
            Err(e) if e.raw_os_error() != Some(libc::EINVAL) => {
                problems.push(format!("jail_remove {jid}: {e}"))
            }
            _ => {}
        }
    }
    for m in st.mounted.iter().rev() {
        match sys::unmount(Path::new(m), true) {
            Err(e)
                if e.raw_os_error() != Some(libc::EINVAL)
                    && e.raw_os_error() != Some(libc::ENOENT) =>
            {
                problems.push(format!("unmount {m}: {e}"))
            }
            _ => {}
        }
    }
    problems.extend(fsprep::remove_created(&st.created_paths));
    if st.plan.rootfs.readonly {
        let _ = std::fs::remove_dir(&st.plan.rootfs.jail_path);
    }
    problems
}
