use clap::Args;

use super::ListFormat;

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Output format (json: an array of host pids)
    #[arg(short, long, value_enum, default_value = "table")]
    pub format: ListFormat,

    /// Container id
    pub id: String,
}
