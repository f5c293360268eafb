use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args, Clone)]
pub struct CreateArgs {
    /// Path to the bundle directory (holds config.json)
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub bundle: PathBuf,

    /// Write the container's init pid to FILE (no trailing newline)
    #[arg(long, value_name = "FILE")]
    pub pid_file: Option<PathBuf>,

    /// Send the pseudo-terminal master to this AF_UNIX socket
    #[arg(long, value_name = "SOCKET")]
    pub console_socket: Option<PathBuf>,

    /// Pass N extra file descriptors (from fd 3) to the container
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub preserve_fds: u32,

    /// Use MS_MOVE instead of pivot_root (for a rootfs on a ramdisk)
    #[arg(long)]
    pub no_pivot: bool,

    /// Do not create a new session keyring for the container
    #[arg(long)]
    pub no_new_keyring: bool,

    /// Accepted for runc compatibility (stockade never becomes a subreaper on create)
    #[arg(long, hide = true)]
    pub no_subreaper: bool,

    /// Container id
    pub id: String,
}
