use clap::Args;

use super::CreateArgs;

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub create: CreateArgs,

    /// Return once the container is started instead of waiting for it
    #[arg(short, long)]
    pub detach: bool,

    /// Keep the container's state after it exits
    #[arg(long)]
    pub keep: bool,
}
