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

/// Run the verb. Each verb's entry point is `#[inline(never)]`: inlined,
/// all verbs would be one 100 KiB function, and a quick verb would fault in
/// pages of the others' code. Kept apart, linker/hot-functions.txt can put
/// the quick verbs' code together at the front of the binary.
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
        Command::Features => features::run(g),
        Command::Validate(a) => validate::run(&a),
    }
}

/// State root: `--root`, else $XDG_RUNTIME_DIR/stockade when running rootless,
/// else /run/stockade.
pub fn state_root(g: &GlobalArgs) -> PathBuf {
    if let Some(r) = &g.root {
        return r.clone();
    }
    default_state_root(
        crate::sys::euid(),
        in_user_namespace(),
        std::env::var("XDG_RUNTIME_DIR").ok().as_deref(),
        std::env::var("USER").ok().as_deref(),
    )
}

/// The default state root, decided as runc does: $XDG_RUNTIME_DIR (when set
/// and not empty) for a non-root user, and for uid 0 inside a user namespace
/// unless $USER says "root" (rootless podman runs its runtime as uid 0 in the
/// user's namespace, with the user's XDG_RUNTIME_DIR; rootful podman passes an
/// empty XDG_RUNTIME_DIR).  Real root keeps /run/stockade.
fn default_state_root(
    euid: u32,
    in_userns: bool,
    xdg_runtime_dir: Option<&str>,
    user: Option<&str>,
) -> PathBuf {
    let rootless = euid != 0 || (in_userns && user != Some("root"));
    match xdg_runtime_dir {
        Some(dir) if rootless && !dir.is_empty() => PathBuf::from(dir).join("stockade"),
        _ => PathBuf::from("/run/stockade"),
    }
}

/// True unless /proc/self/uid_map is the initial namespace's identity map.
fn in_user_namespace() -> bool {
    match crate::sys::pseudo_file::self_uid_map() {
        Some(map) => {
            let fields: Vec<&str> = map.split_whitespace().collect();
            fields != ["0", "0", "4294967295"]
        }
        None => false,
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

/// Leave `v` to the process's exit instead of freeing it: every verb ends
/// the process right after, and a bundle is thousands of small allocations
/// (a podman config's seccomp profile alone is hundreds of strings) that
/// cost more to free one by one than the rest of the verb's front end.
fn exit_owns<T>(v: T) {
    std::mem::forget(v);
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
    // One write: stdout is line-buffered, and a multi-line text written
    // before its newline goes out in two.
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("write to stdout", e))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::default_state_root;
    use std::path::PathBuf;

    #[test]
    fn state_root_follows_runc_rules() {
        let run = PathBuf::from("/run/stockade");
        let xdg = PathBuf::from("/run/user/1000/stockade");
        // real root: /run/stockade even with XDG_RUNTIME_DIR set (ssh sessions)
        assert_eq!(
            default_state_root(0, false, Some("/run/user/1000"), Some("root")),
            run
        );
        assert_eq!(
            default_state_root(0, false, Some("/run/user/1000"), None),
            run
        );
        // a plain user
        assert_eq!(
            default_state_root(1000, false, Some("/run/user/1000"), Some("u")),
            xdg
        );
        assert_eq!(default_state_root(1000, false, None, Some("u")), run);
        // rootless podman: uid 0 in the user's namespace, the user's XDG_RUNTIME_DIR
        assert_eq!(
            default_state_root(0, true, Some("/run/user/1000"), Some("u")),
            xdg
        );
        assert_eq!(
            default_state_root(0, true, Some("/run/user/1000"), None),
            xdg
        );
        assert_eq!(
            default_state_root(0, true, Some("/run/user/1000"), Some("root")),
            run
        );
        // rootful podman passes XDG_RUNTIME_DIR=""
        assert_eq!(default_state_root(0, true, Some(""), Some("u")), run);
        assert_eq!(default_state_root(0, false, Some(""), None), run);
    }
}
