//! The FreeBSD jail backend.
//!
//! Deciding and doing are split: [`plan`] turns a normalized bundle into a
//! [`plan::JailPlan`] (pure, compiles and is tested on every OS); the apply
//! layer (`apply`, `sys`; FreeBSD only) carries a plan out with jail_set(2),
//! nmount(2) and friends. `sys` holds every `unsafe` block of the backend.

pub mod confine;
pub mod encode;
pub mod fsprep;
pub mod hookrun;
mod hooks;
pub mod hostcheck;
mod input;
mod mounts;
mod naming;
mod params;
pub mod plan;
pub mod process;
pub mod resolve;
pub mod spec;
pub mod state;

#[cfg(target_os = "freebsd")]
mod apply;
#[cfg(target_os = "freebsd")]
mod console;
#[cfg(target_os = "freebsd")]
pub mod hostfacts;
#[cfg(target_os = "freebsd")]
pub mod runtime;
#[cfg(target_os = "freebsd")]
mod sys;

#[cfg(target_os = "freebsd")]
pub use apply::{ExecOptions, JailRuntime};
pub use mounts::recognised_options as recognised_mount_options;
pub use plan::{plan, plan_with, JailPlan, PlanContext};

use std::path::PathBuf;

/// Options of `create` that do not come from the bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateOptions {
    /// Where to write the container process's pid.
    pub pid_file: Option<PathBuf>,
    /// Unix socket that receives the pty master when `process.terminal` is set.
    pub console_socket: Option<PathBuf>,
    /// Extra file descriptors (from 3 up) the container process inherits.
    pub preserve_fds: u32,
}
