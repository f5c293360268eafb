//! Backends that turn a validated bundle into a running container.

pub mod jail;
