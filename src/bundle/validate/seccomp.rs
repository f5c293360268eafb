//! `linux.seccomp`: rules the schema states in prose.

use crate::bundle::doc::Value;

use super::{array, string};
use crate::bundle::{path, Diagnostic};

const ERRNO_ACTIONS: &[&str] = &["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"];

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(s) = doc.pointer("/linux/seccomp") else {
        return;
    };
    let mut notify = string(s, "defaultAction") == Some("SCMP_ACT_NOTIFY");
    for (i, rule) in array(s, "syscalls").iter().enumerate() {
        // The rule's path, built only for a finding.
        let at = || path::index("linux.seccomp.syscalls", i);
        if rule
            .get("names")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            out.push(Diagnostic::error(
                path::key(&at(), "names"),
                "must list at least one syscall",
            ));
        }
        let action = string(rule, "action");
        notify |= action == Some("SCMP_ACT_NOTIFY");
        if rule.get("errnoRet").is_some() && action.is_some_and(|a| !ERRNO_ACTIONS.contains(&a)) {
            out.push(Diagnostic::error(
                path::key(&at(), "errnoRet"),
                format!(
                    "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {}",
                    action.unwrap_or_default()
                ),
            ));
        }
    }
    if notify && string(s, "listenerPath").is_none_or(str::is_empty) {
        out.push(Diagnostic::error(
            "linux.seccomp.listenerPath",
            "missing: SCMP_ACT_NOTIFY needs a listener socket path",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn seccomp_rules() {
        let mut out = Vec::new();
        check(
            &json!({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": [], "action": "SCMP_ACT_ERRNO"},
                {"names": ["x"], "action": "SCMP_ACT_KILL", "errnoRet": 1},
                {"names": ["y"], "action": "SCMP_ACT_NOTIFY"}]}}}),
            &mut out,
        );
        let paths: Vec<&str> = out.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "linux.seccomp.syscalls[0].names",
                "linux.seccomp.syscalls[1].errnoRet",
                "linux.seccomp.listenerPath"
            ]
        );
    }
}
