use std::path::PathBuf;

use clap::Args;

use super::ValidatePlatform;

#[derive(Debug, Args)]
pub struct SpecArgs {
    /// Generate a config for a rootless container
    #[arg(long)]
    pub rootless: bool,

    /// Directory to write config.json into
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub bundle: PathBuf,

    /// Platform to write the config for (default: this host's)
    #[arg(long, value_enum)]
    pub platform: Option<ValidatePlatform>,
}
