use clap::Args;

/// Commands that only take a container id.
#[derive(Debug, Args)]
pub struct IdArg {
    /// Container id
    pub id: String,
}
