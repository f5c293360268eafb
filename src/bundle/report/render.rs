//! Text rendering of a `ValidationReport`.

use std::fmt::Write;

use super::{Action, ValidationReport};
use crate::bundle::Severity;

pub(super) fn text(r: &ValidationReport) -> String {
    let mut s = String::new();
    let verdict = if r.ok { "ok" } else { "invalid" };
    let _ = writeln!(
        s,
        "{}: {verdict} for {} ({} error{}, {} warning{})",
        r.file,
        r.platform.name(),
        r.errors,
        plural(r.errors),
        r.warnings,
        plural(r.warnings)
    );
    for p in &r.problems {
        let level = match p.severity {
            Severity::Error => "error  ",
            Severity::Warning => "warning",
        };
        let at = if p.path.is_empty() {
            "(document)"
        } else {
            &p.path
        };
        let _ = writeln!(s, "  {level} {at}: {}", p.message);
    }
    if !r.fields.is_empty() {
        let _ = writeln!(s, "on this host:");
        for f in &r.fields {
            let action = match f.action {
                Action::Applied => "applied ",
                Action::Ignored => "ignored ",
                Action::Rejected => "rejected",
            };
            let _ = writeln!(s, "  {action} {}: {}", f.path, f.reason);
        }
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
