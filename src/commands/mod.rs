//! One handler per verb: turns parsed arguments into front-end and backend
//! calls. Returns the process exit status.

mod create;
mod delete;
mod exec;
mod features;
mod kill;
mod list;
mod ps;
mod run;
mod simple;
mod spec;
mod update;
mod validate;
mod version;

use std::path::PathBuf;

use crate::backend::Runtime;
use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::{Error, Result};

pub fn execute(cli: Cli) -> Result<i32> {
    let g = &cli.global;
    if g.version {
        return version::run();
    }
    let Some(command) = cli.command else {
        return Err(Error::Usage(
            "no command given; see `stockade --help`".into(),
        ));
    };
    match command {
        Command::Create(a) => create::run(g, &a),
        Command::Run(a) => run::run(g, &a),
        Command::Start(a) => simple::start(g, &a.id),
        Command::State(a) => simple::state(g, &a.id),
        Command::Pause(a) => simple::pause(g, &a.id),
        Command::Resume(a) => simple::resume(g, &a.id),
        Command::Kill(a) => kill::run(g, &a),
        Command::Delete(a) => delete::run(g, &a),
        Command::Exec(a) => exec::run(g, &a),
        Command::List(a) => list::run(g, &a),
        Command::Ps(a) => ps::run(g, &a),
        Command::Update(a) => update::run(g, &a),
        Command::Spec(a) => spec::run(&a),
        Command::Features => features::run(),
        Command::Validate(a) => validate::run(&a),
    }
}

/// State root: `--root`, else /run/stockade for root, else $XDG_RUNTIME_DIR/stockade.
pub fn state_root(g: &GlobalArgs) -> PathBuf {
    if let Some(r) = &g.root {
        return r.clone();
    }
    let rootless = crate::sys::euid() != 0;
    match std::env::var("XDG_RUNTIME_DIR") {
        Ok(dir) if rootless && !dir.is_empty() => PathBuf::from(dir).join("stockade"),
        _ => PathBuf::from("/run/stockade"),
    }
}

pub fn runtime(g: &GlobalArgs) -> Result<Runtime> {
    let (systemd, disabled) = match g.cgroup_manager.as_deref() {
        None | Some("cgroupfs") => (g.systemd_cgroup, false),
        Some("systemd") => (true, false),
        Some("disabled") => (false, true),
        Some(other) => {
            return Err(Error::Usage(format!(
                "invalid --cgroup-manager `{other}` (expected cgroupfs, systemd or disabled)"
            )))
        }
    };
    Ok(Runtime {
        root: state_root(g),
        systemd_cgroup: systemd,
        force_no_cgroup: disabled,
    })
}

/// Validate `id` before anything touches the state directory.
pub fn checked_id(id: &str) -> Result<&str> {
    crate::id::validate_id(id).map_err(Error::InvalidId)?;
    Ok(id)
}

fn print_json(v: &impl serde::Serialize) -> Result<i32> {
    let text = serde_json::to_string_pretty(v)
        .map_err(|e| Error::Other(format!("cannot render JSON: {e}")))?;
    emit(&text)?;
    Ok(0)
}

/// Write one line to stdout. A reader that went away (`state ID | grep -q`)
/// is not an error, as with crun and runc.
fn emit(line: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("write to stdout", e))
        }
        _ => Ok(()),
    }
}
