//! Raw bindings to the vendored, patched libcrun. Everything here is `unsafe`
//! to call; the safe layer is `stockade::backend::libcrun::ffi`.
#![allow(
    non_upper_case_globals,
    non_camel_case_types,
    non_snake_case,
    dead_code
)]
#![allow(clippy::all)]

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));

/// Upstream crun version of the linked library (from `deps/crun/VERSION`).
pub const LIBCRUN_VERSION: &str = env!("LIBCRUN_VERSION");

extern "C" {
    /// 1 when libsystemd.so.0 can be loaded; libcrun reaches it only through
    /// dlopen at first use (`csrc/systemd_lazy.c`).
    pub fn stockade_libsystemd_available() -> std::os::raw::c_int;
    /// 1 when libseccomp.so.2 can be loaded; libcrun reaches it only through
    /// dlopen at first use (`csrc/seccomp_lazy.c`).
    pub fn stockade_libseccomp_available() -> std::os::raw::c_int;
}
