use std::path::PathBuf;

use clap::Args;

// Either `--resources FILE|-` (OCI LinuxResources JSON) or per-field flags.
// (A plain comment: a doc comment would replace the verb's help text.)
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// LinuxResources JSON file, or `-` for stdin
    #[arg(short, long, value_name = "FILE")]
    pub resources: Option<PathBuf>,

    /// Memory limit in bytes (suffixes k, m, g accepted)
    #[arg(long, value_name = "BYTES")]
    pub memory: Option<String>,
    /// Memory reservation (soft limit) in bytes
    #[arg(long, value_name = "BYTES")]
    pub memory_reservation: Option<String>,
    /// Memory + swap limit in bytes (-1 for unlimited)
    #[arg(long, value_name = "BYTES", allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// CPU shares (relative weight)
    #[arg(long, value_name = "N")]
    pub cpu_shares: Option<u64>,
    /// CPU CFS period in microseconds
    #[arg(long, value_name = "US")]
    pub cpu_period: Option<u64>,
    /// CPU CFS quota in microseconds (-1 for unlimited)
    #[arg(long, value_name = "US", allow_hyphen_values = true)]
    pub cpu_quota: Option<i64>,
    /// CPUs the container may use (e.g. 0-1)
    #[arg(long, value_name = "LIST")]
    pub cpuset_cpus: Option<String>,
    /// Memory nodes the container may use
    #[arg(long, value_name = "LIST")]
    pub cpuset_mems: Option<String>,
    /// Maximum number of pids (-1 for unlimited)
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub pids_limit: Option<i64>,
    /// Block IO weight (10-1000)
    #[arg(long, value_name = "N")]
    pub blkio_weight: Option<u16>,

    /// Container id
    pub id: String,
}
