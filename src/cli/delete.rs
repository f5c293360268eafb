use clap::Args;

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Kill a running container first; succeed if it does not exist
    #[arg(short, long)]
    pub force: bool,

    /// Container id
    pub id: String,
}
