use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidatePlatform {
    Linux,
    Freebsd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Bundle directory (holds config.json)
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub bundle: PathBuf,

    /// Platform to check the bundle for (default: this host's)
    #[arg(long, value_enum)]
    pub platform: Option<ValidatePlatform>,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,

    /// Container id to plan for (FreeBSD: the jail is named after it)
    #[arg(long, value_name = "ID", default_value = "example")]
    pub id: String,
}
