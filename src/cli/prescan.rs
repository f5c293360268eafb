//! Which verb the command line names, found before clap runs, for the one
//! decision that has to be made before anything else: whether this process
//! must run from a read-only clone of the binary (CVE-2019-5736).
//!
//! The clone protects the binary from a container process that opens
//! `/proc/<pid>/exe` of a runtime process it can see. Only `create`, `run`
//! and `exec` fork a process into a container's namespaces (runc likewise
//! clones only for `runc init`); every other verb reads or signals a
//! container from the host and gains nothing from a second exec.
//!
//! Fail safe: the answer is "clone" unless the verb is positively one of
//! [`HOST_ONLY_VERBS`]. Option values are skipped the way clap takes them;
//! where the two could differ, the scan only ever lands on a different verb
//! or on none, and an unknown word means "clone".

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

/// Verbs that never put a process into a container (nor fork one that
/// joins a container's namespaces).
pub const HOST_ONLY_VERBS: &[&str] = &[
    "state", "list", "ls", "kill", "delete", "ps", "start", "pause", "resume", "update", "spec",
    "features", "validate", "help",
];

/// Global options that take a value (`--opt VALUE` or `--opt=VALUE`).
const VALUE_OPTIONS: &[&str] = &[
    "--root",
    "--log",
    "--log-format",
    "--log-level",
    "--cgroup-manager",
    "--criu",
];

/// Takes an optional value: a following word that does not start with `-`
/// is its value (clap takes it so too). Where clap would not, skipping it
/// can only make the scan miss a host-only verb, never invent one.
const OPTIONAL_VALUE_OPTION: &str = "--rootless";

/// Global flags without a value.
const FLAGS: &[&str] = &[
    "--debug",
    "--systemd-cgroup",
    "--version",
    "-v",
    "--help",
    "-h",
];

/// Must this invocation re-execute itself from a read-only clone first?
/// `args` is the whole command line, program name included.
pub fn needs_cloned_binary(args: &[OsString]) -> bool {
    let mut words = args.iter().skip(1).map(|a| a.as_bytes()).peekable();
    while let Some(w) = words.next() {
        if FLAGS.iter().any(|f| f.as_bytes() == w) {
            continue;
        }
        if let Some(opt) = VALUE_OPTIONS.iter().find(|o| starts_option(w, o)) {
            if w.len() == opt.len() {
                let _ = words.next();
            }
            continue;
        }
        if starts_option(w, OPTIONAL_VALUE_OPTION) {
            if w.len() == OPTIONAL_VALUE_OPTION.len() {
                words.next_if(|next| !next.starts_with(b"-"));
            }
            continue;
        }
        // The first word that is not a global option is the verb.
        return !HOST_ONLY_VERBS.iter().any(|v| v.as_bytes() == w);
    }
    // No verb: clap prints usage, help or the version, or fails.
    false
}

/// `w` is `opt` itself or `opt=...`.
fn starts_option(w: &[u8], opt: &str) -> bool {
    let o = opt.as_bytes();
    w.starts_with(o) && (w.len() == o.len() || w[o.len()] == b'=')
}

#[cfg(test)]
mod tests;
