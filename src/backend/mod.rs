//! Backends turn a normalized bundle into a running container.
//! Linux: libcrun in-process through FFI. FreeBSD: native jails (the planner
//! in `jail` is pure and builds everywhere; its apply layer is FreeBSD-only).
//!
//! Both expose the same `Runtime` surface, re-exported here, so `commands`
//! is written once.

pub mod exec_process;
pub mod jail;
#[cfg(target_os = "linux")]
pub mod libcrun;
mod options;

pub use options::{CreateOptions, ExecOptions, Summary};

#[cfg(target_os = "freebsd")]
pub use jail::runtime::{backend_version, default_spec, init_logging, Runtime};
#[cfg(target_os = "linux")]
pub use libcrun::{backend_version, default_spec, init_logging, protect_binary, Runtime};

/// The jail backend has no read-only clone of the binary (unchanged by the
/// pre-scan: it never had one); `main` is the same on every target.
#[cfg(not(target_os = "linux"))]
pub fn protect_binary() -> std::io::Result<()> {
    Ok(())
}
