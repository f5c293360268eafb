//! Global flags, accepted before the subcommand in both `--flag value` and
//! `--flag=value` forms, including runc/crun flags we accept and ignore.

use std::path::PathBuf;

use clap::Args;

use crate::log::Format;

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Directory for container state (default /run/stockade; $XDG_RUNTIME_DIR/stockade when rootless)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Write log events to FILE (`PATH` or `file:PATH`)
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// Format of the --log file
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: Format,

    /// Log debug information
    #[arg(long)]
    pub debug: bool,

    /// Level of detail for the log (`error`, `warning`, `debug`), as crun accepts it
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Manage cgroups through systemd
    #[arg(long)]
    pub systemd_cgroup: bool,

    /// cgroup manager: cgroupfs, systemd or disabled (podman's no-cgroups mode)
    #[arg(long, value_name = "MANAGER")]
    pub cgroup_manager: Option<String>,

    /// Accepted for runc compatibility (true, false or auto); rootless mode is detected
    #[arg(long, value_name = "VALUE", num_args = 0..=1, default_missing_value = "true")]
    pub rootless: Option<String>,

    /// Accepted for runc compatibility; checkpointing is not supported
    #[arg(long, value_name = "PATH", hide = true)]
    pub criu: Option<String>,

    /// Print version information
    #[arg(short = 'v', long)]
    pub version: bool,
}
