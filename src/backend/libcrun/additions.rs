//! The runtime-spec 1.3.0 Linux settings libcrun 1.21 lacks, done by
//! stockade around the libcrun calls:
//!
//! - `linux.memoryPolicy`: set in this process just before libcrun clones
//!   the init (or the exec'd process), which inherit it; reset as soon as
//!   the init exists, so hooks run under the default policy.
//! - `linux.netDevices` and `linux.intelRdt`: done in libcrun's
//!   created-callback (patch 0004), i.e. once the init is in its namespaces
//!   and cgroup and before the prestart/createRuntime hooks. libcrun gets
//!   the config without `intelRdt` so it does not write resctrl itself
//!   (its order — task before schemata — and its field set are 1.21's).
//!
//! What intelRdt created is recorded in the state directory so `delete`
//! (and a failed `start`, which tears the container down) remove exactly that.

use std::path::{Path, PathBuf};

use crate::bundle::doc::Value;

use super::{ffi, mempolicy, netdev, rdt};

const RDT_RECORD: &str = "stockade-rdt.json";

#[derive(Debug, Default)]
pub struct Additions {
    netdevs: Vec<netdev::Device>,
    policy: Option<mempolicy::Policy>,
    rdt: Option<rdt::Request>,
    /// What `join_rdt` created in this process (not set when libcrun ran
    /// the creation in a forked child, as for `run --detach`).
    rdt_made: std::cell::RefCell<Option<(PathBuf, rdt::Record)>>,
}

/// Where a created container's RDT record lives.
fn record_path(state_root: &Path, id: &str) -> PathBuf {
    state_root.join(id).join(RDT_RECORD)
}

impl Additions {
    pub fn from_config(config: &Value) -> Result<Additions, String> {
        Ok(Additions {
            netdevs: netdev::requested(config),
            policy: mempolicy::from_config(config)?,
            rdt: rdt::requested(config),
            rdt_made: Default::default(),
        })
    }

    /// The config handed to libcrun, as a document and as text: `config`
    /// unless something must be left out. The text is `verbatim` (the
    /// bundle's own text, when it says exactly what `config` says) when
    /// nothing is, else the document serialized (straight into a buffer:
    /// `Display` would pass every piece through the formatter).
    pub fn libcrun_config<'a>(
        &self,
        config: &'a Value,
        verbatim: Option<String>,
    ) -> (std::borrow::Cow<'a, Value>, String) {
        let text = |v: &Value| serde_json::to_string(v).unwrap_or_default();
        if self.rdt.is_none() {
            let json = verbatim.unwrap_or_else(|| text(config));
            return (std::borrow::Cow::Borrowed(config), json);
        }
        let mut c = config.clone();
        if let Some(linux) = c.get_mut("linux").and_then(Value::as_object_mut) {
            linux.remove("intelRdt");
        }
        let json = text(&c);
        (std::borrow::Cow::Owned(c), json)
    }

    /// Run `create` (a libcrun create or run call) with the additions in place.
    pub fn around_create<T>(
        &self,
        state_root: &Path,
        id: &str,
        create: impl FnOnce() -> T,
    ) -> Result<T, (i32, String)> {
        if let Some(p) = &self.policy {
            mempolicy::apply(p)?;
        }
        let mut cb = |pid: i32| -> Result<(), ffi::CallbackError> {
            if self.policy.is_some() {
                mempolicy::reset();
            }
            netdev::move_all(&self.netdevs, pid)?;
            if let Some(req) = &self.rdt {
                self.join_rdt(req, state_root, id, pid)?;
            }
            Ok(())
        };
        let out = ffi::with_created_callback(&mut cb, create);
        if self.policy.is_some() {
            mempolicy::reset();
        }
        Ok(out)
    }

    fn join_rdt(
        &self,
        req: &rdt::Request,
        state_root: &Path,
        id: &str,
        pid: i32,
    ) -> Result<(), ffi::CallbackError> {
        let root = crate::bundle::host::mount_point("resctrl").ok_or_else(|| {
            (
                libc::ENOENT,
                "linux.intelRdt: no resctrl filesystem is mounted".to_string(),
            )
        })?;
        let (steps, rec) =
            rdt::plan(req, id, pid, &rdt::look(&root, req, id)).map_err(|e| (0, e))?;
        rdt::apply(&root, &steps).map_err(|e| (0, e))?;
        let text = serde_json::to_string(&(&root, &rec)).unwrap_or_default();
        if let Err(e) = std::fs::write(record_path(state_root, id), text) {
            rdt::remove(&root, &rec);
            return Err((
                e.raw_os_error().unwrap_or(0),
                format!("linux.intelRdt: cannot record the resctrl groups: {e}"),
            ));
        }
        *self.rdt_made.borrow_mut() = Some((root, rec));
        Ok(())
    }

    /// After create/run returned: when the container is gone (a foreground
    /// run that ended, or a failure after the callback) libcrun has removed
    /// its state, so remove the resctrl groups made for it here.
    pub fn cleanup_if_gone(&self, state_root: &Path, id: &str) {
        if !state_root.join(id).exists() {
            remove_rdt(self.rdt_made.borrow_mut().take());
        }
    }
}

/// The resctrl groups a container created, read before libcrun removes its
/// state directory; call `remove_rdt` once the container is gone.
pub fn rdt_record(state_root: &Path, id: &str) -> Option<(PathBuf, rdt::Record)> {
    let text = std::fs::read_to_string(record_path(state_root, id)).ok()?;
    serde_json::from_str(&text).ok()
}

pub fn remove_rdt(rec: Option<(PathBuf, rdt::Record)>) {
    if let Some((root, rec)) = rec {
        rdt::remove(&root, &rec);
    }
}

/// `exec`: the process runs under the container's `linux.memoryPolicy`.
pub fn around_exec<T>(
    memory_policy: Option<&Value>,
    exec: impl FnOnce() -> T,
) -> Result<T, (i32, String)> {
    let policy = mempolicy::from_object(memory_policy).map_err(|e| (0, e))?;
    if let Some(p) = &policy {
        mempolicy::apply(p)?;
    }
    let out = exec();
    if policy.is_some() {
        mempolicy::reset();
    }
    Ok(out)
}
