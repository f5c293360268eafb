use clap::Args;

// Arguments of the verbs that only take a container id. (A plain comment:
// a doc comment here would replace each verb's own help text.)
#[derive(Debug, Args)]
pub struct IdArg {
    /// Container id
    pub id: String,
}
