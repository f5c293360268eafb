use super::{checked_id, runtime};
use crate::backend::exec_process::{self as process, ExecRequest, Skippable};
use crate::backend::ExecOptions;
use crate::cli::{ExecArgs, GlobalArgs};
use crate::error::{Error, Result};

/// Exits with the process's status unless detached.
#[inline(never)]
pub fn run(g: &GlobalArgs, a: &ExecArgs) -> Result<i32> {
    let id = checked_id(&a.id)?;
    let rt = runtime(g)?;
    let mut proc = match &a.process {
        Some(file) => {
            if !a.command.is_empty() {
                return Err(Error::Usage(format!(
                    "exec `{id}`: give either --process or a command, not both"
                )));
            }
            let text = std::fs::read_to_string(file)
                .map_err(|e| Error::io(format!("exec `{id}`: read {}", file.display()), e))?;
            process::check_process_json(&text)
                .map_err(|e| Error::Usage(format!("exec `{id}`: {}: {e}", file.display())))?
        }
        None => {
            let req = ExecRequest {
                args: a.command.clone(),
                env: a.env.clone(),
                cwd: a.cwd.clone(),
                user: a.user.clone(),
                caps: a.cap.clone(),
                tty: a.tty,
            };
            let skip = Skippable::of(&req, !a.additional_gids.is_empty());
            let base = rt.stored_process(id, skip).ok().flatten();
            // An owned process (jail backend) or a borrowed one (libcrun).
            process::from_request(base.as_ref().map(std::borrow::Borrow::borrow), &req)
                .map_err(|e| Error::Usage(format!("exec `{id}`: {e}")))?
        }
    };
    process::apply_overrides(
        &mut proc,
        &process::Overrides {
            no_new_privs: a.no_new_privs,
            additional_gids: a.additional_gids.clone(),
            apparmor: a.apparmor.clone(),
            process_label: a.process_label.clone(),
        },
    );
    let opts = ExecOptions {
        pid_file: a.pid_file.clone(),
        console_socket: a.console_socket.clone(),
        preserve_fds: a.preserve_fds,
        detach: a.detach,
        cgroup: a.cgroup.clone(),
        ignore_paused: a.ignore_paused,
    };
    let out = rt.exec(id, &proc, &opts);
    super::exit_owns(proc);
    out
}
