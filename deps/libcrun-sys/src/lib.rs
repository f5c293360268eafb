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
