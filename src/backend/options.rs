//! Inputs and outputs shared by every backend, so the command layer does not
//! depend on which one is compiled in.

use std::path::PathBuf;

#[derive(Debug, Default, Clone)]
pub struct CreateOptions {
    pub pid_file: Option<PathBuf>,
    pub console_socket: Option<PathBuf>,
    pub preserve_fds: u32,
    pub no_pivot: bool,
    pub no_new_keyring: bool,
}

#[derive(Debug, Default, Clone)]
pub struct ExecOptions {
    pub pid_file: Option<PathBuf>,
    pub console_socket: Option<PathBuf>,
    pub preserve_fds: u32,
    pub detach: bool,
    /// `--cgroup` arguments as given (runc's `[CONTROLLER[,...]:]PATH`).
    pub cgroup: Vec<String>,
    /// Exec into a paused container instead of refusing.
    pub ignore_paused: bool,
}

/// One row of `list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub id: String,
    pub pid: i32,
    pub status: String,
    pub bundle: String,
    pub created: String,
    pub owner: String,
}
