use clap::Args;

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Signal every process of the container, not only its init
    #[arg(short, long)]
    pub all: bool,

    /// Container id
    pub id: String,

    /// Signal name (TERM, SIGTERM) or number
    #[arg(default_value = "TERM")]
    pub signal: String,
}
