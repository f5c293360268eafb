//! The command layer's `Runtime` on FreeBSD: the same surface as the libcrun
//! backend, carried out by `JailRuntime`. Verbs the jail backend does not
//! implement (pause, resume, update) say so in one line instead of pretending.

use std::path::PathBuf;

use serde_json::Value;

use super::apply::{ExecOptions as JailExecOptions, JailRuntime};
use super::state::{Status, Store};
use crate::backend::exec_process::Skippable;
use crate::backend::{CreateOptions, ExecOptions, Summary};
use crate::bundle::Bundle;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Runtime {
    pub root: PathBuf,
    /// cgroups do not exist on FreeBSD; kept for a uniform command layer.
    pub systemd_cgroup: bool,
    pub force_no_cgroup: bool,
}

fn failed<'a>(op: &'static str, id: &'a str) -> impl FnOnce(anyhow::Error) -> Error + 'a {
    move |e| Error::Backend {
        id: id.to_string(),
        op,
        msg: format!("{e:#}"),
    }
}

fn unsupported(verb: &str) -> Error {
    Error::Other(format!(
        "`{verb}` is not supported by the FreeBSD jail backend yet"
    ))
}

impl Runtime {
    fn jail(&self) -> JailRuntime {
        JailRuntime::new(self.root.clone())
    }

    fn store(&self) -> Store {
        Store {
            root: self.root.clone(),
        }
    }

    pub fn exists(&self, id: &str) -> bool {
        self.store().load(id).is_ok()
    }

    fn require(&self, id: &str) -> Result<()> {
        if self.exists(id) {
            Ok(())
        } else {
            Err(Error::NotFound { id: id.to_string() })
        }
    }

    pub fn create(&self, id: &str, bundle: &Bundle, o: &CreateOptions) -> Result<()> {
        if self.exists(id) {
            return Err(Error::AlreadyExists { id: id.to_string() });
        }
        self.jail()
            .create(id, bundle, &jail_create_options(o))
            .map_err(failed("create", id))
    }

    pub fn run(
        &self,
        id: &str,
        b: &Bundle,
        o: &CreateOptions,
        detach: bool,
        keep: bool,
    ) -> Result<i32> {
        if self.exists(id) {
            return Err(Error::AlreadyExists { id: id.to_string() });
        }
        self.jail()
            .run(id, b, &jail_create_options(o), detach, keep)
            .map_err(failed("run", id))
    }

    pub fn start(&self, id: &str) -> Result<()> {
        self.require(id)?;
        self.jail().start(id).map_err(failed("start", id))
    }

    pub fn state(&self, id: &str) -> Result<Value> {
        self.require(id)?;
        self.jail().state(id).map_err(failed("state", id))
    }

    /// The `process` of the container's config (what `exec ID CMD` builds
    /// on), whole: a jail takes nothing from the config by itself, so no
    /// member is skipped.
    pub fn stored_process(&self, id: &str, _skip: Skippable) -> Result<Option<Value>> {
        self.require(id)?;
        self.jail().stored_process(id).map_err(failed("exec", id))
    }

    pub fn kill(&self, id: &str, signal: i32, all: bool) -> Result<()> {
        self.require(id)?;
        self.jail()
            .kill(id, signal, all)
            .map_err(failed("kill", id))
    }

    pub fn delete(&self, id: &str, force: bool) -> Result<()> {
        if !self.exists(id) {
            return if force {
                Ok(())
            } else {
                Err(Error::NotFound { id: id.to_string() })
            };
        }
        self.jail().delete(id, force).map_err(failed("delete", id))
    }

    pub fn exec(&self, id: &str, process: &Value, o: &ExecOptions) -> Result<i32> {
        self.require(id)?;
        // Nothing here pauses a jail, so --ignore-paused has nothing to do;
        // a sub-cgroup or a security-module label cannot be applied.
        if !o.cgroup.is_empty() {
            return Err(Error::Usage(format!(
                "exec `{id}`: --cgroup: FreeBSD jails have no cgroups"
            )));
        }
        crate::backend::exec_process::check_lsm(process, false, false)
            .map_err(|e| Error::Usage(format!("exec `{id}`: {e}")))?;
        let opts = JailExecOptions {
            pid_file: o.pid_file.clone(),
            console_socket: o.console_socket.clone(),
            detach: o.detach,
            preserve_fds: o.preserve_fds,
        };
        self.jail()
            .exec(id, process, &opts)
            .map_err(failed("exec", id))
    }

    pub fn pause(&self, _id: &str) -> Result<()> {
        Err(unsupported("pause"))
    }

    pub fn resume(&self, _id: &str) -> Result<()> {
        Err(unsupported("resume"))
    }

    pub fn update(&self, _id: &str, _resources_json: &str) -> Result<()> {
        Err(Error::Other(
            "`update` is not supported by the FreeBSD jail backend yet (limits would map to rctl(8))"
                .into(),
        ))
    }

    pub fn pids(&self, id: &str) -> Result<Vec<i32>> {
        self.require(id)?;
        self.jail().pids(id).map_err(failed("ps", id))
    }

    pub fn list(&self) -> Result<Vec<Summary>> {
        let rows = self
            .jail()
            .list()
            .map_err(|e| Error::Other(format!("list: {e:#}")))?;
        Ok(rows
            .into_iter()
            .map(|(st, status)| Summary {
                pid: match status {
                    Status::Created | Status::Running => st.pid.unwrap_or(0),
                    _ => 0,
                },
                status: status.name().to_string(),
                bundle: st.bundle,
                created: st.created,
                owner: "root".to_string(),
                id: st.id,
            })
            .collect())
    }
}

fn jail_create_options(o: &CreateOptions) -> super::CreateOptions {
    super::CreateOptions {
        pid_file: o.pid_file.clone(),
        console_socket: o.console_socket.clone(),
        preserve_fds: o.preserve_fds,
    }
}

pub fn default_spec(rootful: bool) -> Result<String> {
    super::spec::default_spec(rootful).map_err(Error::Other)
}

/// Jails log through `tracing` only; nothing to route.
pub fn init_logging(_level: tracing::Level) {}

pub fn backend_version() -> String {
    "backend: FreeBSD jails (native)".to_string()
}
