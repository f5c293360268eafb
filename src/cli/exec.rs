use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// OCI process.json describing the process (instead of a command)
    #[arg(short, long, value_name = "FILE")]
    pub process: Option<PathBuf>,

    /// Return once the process is started
    #[arg(short, long)]
    pub detach: bool,

    /// Allocate a pseudo-terminal
    #[arg(short, long)]
    pub tty: bool,

    /// Write the process pid to FILE
    #[arg(long, value_name = "FILE")]
    pub pid_file: Option<PathBuf>,

    /// Send the pseudo-terminal master to this AF_UNIX socket
    #[arg(long, value_name = "SOCKET")]
    pub console_socket: Option<PathBuf>,

    /// Working directory inside the container
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<String>,

    /// Set an environment variable (KEY=VALUE); repeatable
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub env: Vec<String>,

    /// Run as UID[:GID]
    #[arg(short, long, value_name = "UID[:GID]")]
    pub user: Option<String>,

    /// Add a capability; repeatable
    #[arg(short, long, value_name = "CAP")]
    pub cap: Vec<String>,

    /// Set no_new_privs for the process
    #[arg(long)]
    pub no_new_privs: bool,

    /// Add a supplementary group id; repeatable or comma-separated
    #[arg(short = 'g', long, value_name = "GID", value_delimiter = ',')]
    pub additional_gids: Vec<u32>,

    /// AppArmor profile for the process (refused where AppArmor is off)
    #[arg(long, value_name = "PROFILE")]
    pub apparmor: Option<String>,

    /// SELinux label for the process (refused where SELinux is off)
    #[arg(long, value_name = "LABEL")]
    pub process_label: Option<String>,

    /// Run the process in an existing sub-cgroup of the container:
    /// PATH, or CONTROLLER[,CONTROLLER...]:PATH; repeatable
    #[arg(long, value_name = "[CONTROLLER:]PATH")]
    pub cgroup: Vec<String>,

    /// Exec even when the container is paused (the process starts frozen)
    #[arg(long)]
    pub ignore_paused: bool,

    /// Pass N extra file descriptors (from fd 3) to the process
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub preserve_fds: u32,

    /// Container id
    pub id: String,

    /// Command and its arguments
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}
