//! Backends turn a normalized bundle into a running container.
//! Linux: libcrun in-process through FFI. FreeBSD: native jails (the planner
//! in `jail` is pure and builds everywhere; its apply layer is FreeBSD-only).

pub mod jail;
#[cfg(target_os = "linux")]
pub mod libcrun;
