//! Command-line definitions only (clap); no behaviour lives here.
//! Flags follow runc/crun so podman/conmon, containerd and CRI-O can call us
//! exactly as they call those runtimes.

mod create;
mod delete;
mod exec;
pub mod fast;
mod global;
mod kill;
mod list;
pub mod prescan;
mod ps;
mod run;
mod simple;
mod spec;
mod update;
mod validate;

use clap::{Parser, Subcommand};

pub use create::CreateArgs;
pub use delete::DeleteArgs;
pub use exec::ExecArgs;
pub use global::GlobalArgs;
pub use kill::KillArgs;
pub use list::{ListArgs, ListFormat};
pub use ps::PsArgs;
pub use run::RunArgs;
pub use simple::IdArg;
pub use spec::SpecArgs;
pub use update::UpdateArgs;
pub use validate::{ReportFormat, ValidateArgs, ValidatePlatform};

#[derive(Debug, Parser)]
#[command(
    name = "stockade",
    about = "An OCI runtime (OCI Runtime Spec v1.3.0) for podman, containerd and CRI-O",
    disable_version_flag = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Each subcommand's arguments are defined only when that subcommand is
/// the one invoked (`defer`): every OCI verb is a fresh process, and building
/// all of them cost ~80 KB of heap and of stack on every call.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Create a container from a bundle; its process waits for `start`
    Create(CreateArgs),
    /// Start the user process of a created container
    Start(IdArg),
    /// Create and start a container; waits for it unless --detach
    Run(RunArgs),
    /// Print the OCI state of a container as JSON
    State(IdArg),
    /// Send a signal to the container's init (or every process with --all)
    Kill(KillArgs),
    /// Delete a container and release its resources
    Delete(DeleteArgs),
    /// Run a new process inside a running container
    Exec(ExecArgs),
    /// List containers
    #[command(alias = "ls")]
    List(ListArgs),
    /// List the processes of a container
    Ps(PsArgs),
    /// Suspend every process of a container
    Pause(IdArg),
    /// Resume a paused container
    Resume(IdArg),
    /// Change the resource limits of a running container
    Update(UpdateArgs),
    /// Write a default config.json into a bundle
    Spec(SpecArgs),
    /// Print what this runtime supports (OCI features document)
    Features,
    /// Check a bundle without running it and say what would happen on this host
    Validate(ValidateArgs),
}

/// A command line as `main` receives it: the program name, then `words`.
#[cfg(test)]
pub(crate) fn test_argv(words: &[&str]) -> Vec<std::ffi::OsString> {
    std::iter::once("stockade")
        .chain(words.iter().copied())
        .map(std::ffi::OsString::from)
        .collect()
}
