//! stockade: an OCI runtime. The CLI (`cli`, `commands`) is thin; the work is
//! done by the bundle front end (`bundle`) and a backend (`backend`).

pub mod backend;
pub mod bundle;
