//! Turning libcrun failures into the one-line errors clients understand.
//! Pure: decides on the message text and errno only.

use super::ffi::CrunError;
use crate::error::Error;

/// Map a libcrun failure during `op` on container `id`.
pub fn describe(op: &'static str, id: &str, e: &CrunError) -> Error {
    // kill: the process is gone; start: nobody reads the exec FIFO (patch 0005).
    if (op == "kill" && e.status == libc::ESRCH) || (op == "start" && e.status == libc::ENXIO) {
        return Error::NotRunning {
            id: id.to_string(),
            op,
        };
    }
    Error::Backend {
        id: id.to_string(),
        op,
        // libcrun quotes parser output that spans lines; errors are one line.
        msg: rephrase(&e.to_string())
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A failure of the settings stockade applies itself (errno 0 if none).
pub fn addition(op: &'static str, id: &str, (status, msg): (i32, String)) -> Error {
    describe(op, id, &CrunError { status, msg })
}

/// libcrun says "executable file `X` not found in $PATH"; podman and CRI-O
/// recognise runc's "executable file not found in $PATH" to report exit 127.
pub fn rephrase(msg: &str) -> String {
    const HEAD: &str = "executable file `";
    if let Some(start) = msg.find(HEAD) {
        let rest = &msg[start + HEAD.len()..];
        if let Some(end) = rest.find("` not found") {
            let name = &rest[..end];
            let tail = &rest[end + "` not found".len()..];
            let tail = tail.strip_prefix(" in $PATH").unwrap_or(tail);
            let where_ = if name.starts_with('/') {
                ""
            } else {
                " in $PATH"
            };
            return format!(
                "{}executable file not found{where_}: `{name}`{tail}",
                &msg[..start]
            );
        }
    }
    if op_hint_paused(msg) {
        return format!("{msg} (use --ignore-paused to override)");
    }
    msg.to_string()
}

/// libcrun refuses exec into a paused container unless asked (patch 0008).
fn op_hint_paused(msg: &str) -> bool {
    msg.starts_with("the container `") && msg.ends_with("` is paused")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executable_not_found_uses_runc_phrase() {
        let m = rephrase("executable file `nope` not found in $PATH: No such file or directory");
        assert_eq!(
            m,
            "executable file not found in $PATH: `nope`: No such file or directory"
        );
        let m = rephrase("exec: executable file `/bin/x` not found: No such file or directory");
        assert_eq!(
            m,
            "exec: executable file not found: `/bin/x`: No such file or directory"
        );
    }

    #[test]
    fn paused_exec_names_the_override() {
        assert_eq!(
            rephrase("the container `a` is paused"),
            "the container `a` is paused (use --ignore-paused to override)"
        );
    }

    #[test]
    fn other_messages_untouched() {
        assert_eq!(
            rephrase("open `/x`: Permission denied"),
            "open `/x`: Permission denied"
        );
    }

    #[test]
    fn start_of_a_dead_init_is_not_running() {
        let e = CrunError {
            status: libc::ENXIO,
            msg: "the container process is not running".into(),
        };
        assert!(describe("start", "a", &e)
            .to_string()
            .contains("container not running"));
    }

    #[test]
    fn kill_esrch_is_not_running() {
        let e = CrunError {
            status: libc::ESRCH,
            msg: "kill".into(),
        };
        assert!(describe("kill", "a", &e)
            .to_string()
            .contains("container not running"));
        assert!(!describe("start", "a", &e)
            .to_string()
            .contains("container not running"));
    }
}
