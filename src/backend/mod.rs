//! Backends turn a normalized bundle into a running container.
//! Linux: libcrun in-process through FFI. FreeBSD: native jails.

#[cfg(target_os = "linux")]
pub mod libcrun;
