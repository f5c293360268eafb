//! stockade: an OCI runtime. The CLI (`cli` parses, `commands` dispatches) is
//! thin; the work is done by the bundle front end (`bundle`) and a backend.
//! Data flows one way: cli → commands → bundle → backend.

pub mod backend;
pub mod bundle;
pub mod cli;
pub mod commands;
pub mod error;
pub mod features;
pub mod id;
pub mod log;
pub mod mountinfo;
pub mod proc_stat;
pub mod signal;
pub mod sys;

/// See `sys::arena`: the C library's allocator, with a region that the
/// config parse fills.
#[global_allocator]
static ALLOCATOR: sys::arena::Allocator = sys::arena::Allocator;
