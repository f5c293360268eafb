//! `process`: something to run, an absolute cwd, rlimits with soft ≤ hard,
//! and the numeric ranges the kernel enforces.

use crate::bundle::doc::Value;

use super::{array, int, lists, string};
use crate::bundle::{path, Diagnostic};

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(p) = doc.get("process").filter(|p| p.is_object()) else {
        return;
    };
    match p.get("args") {
        None | Some(Value::Null) => out.push(Diagnostic::error(
            "process.args",
            "missing: a process needs at least the program to run",
        )),
        Some(Value::Array(a)) if a.is_empty() => out.push(Diagnostic::error(
            "process.args",
            "must not be empty: the first entry is the program to run",
        )),
        Some(Value::Array(a)) if a[0].as_str() == Some("") => out.push(Diagnostic::error(
            "process.args[0]",
            "the program to run must not be an empty string",
        )),
        _ => {}
    }
    if let Some(cwd) = string(p, "cwd") {
        if !cwd.starts_with('/') {
            out.push(Diagnostic::error(
                "process.cwd",
                format!("`{cwd}` must be an absolute path inside the container"),
            ));
        }
    }
    rlimits(p, out);
    range(p, "oomScoreAdj", "process.oomScoreAdj", -1000, 1000, out);
    if let Some(io) = p.get("ioPriority") {
        range(io, "priority", "process.ioPriority.priority", 0, 7, out);
    }
    if let Some(s) = p.get("scheduler") {
        range(s, "nice", "process.scheduler.nice", -20, 19, out);
    }
    if let Some(u) = p.get("user") {
        range(u, "umask", "process.user.umask", 0, 0o7777, out);
    }
    if let Some(aff) = p.get("execCPUAffinity") {
        for k in ["initial", "final"] {
            if let Some(Err(e)) = string(aff, k).map(lists::parse) {
                out.push(Diagnostic::error(
                    path::key("process.execCPUAffinity", k),
                    e,
                ));
            }
        }
    }
    for (i, e) in array(p, "env").iter().enumerate() {
        if e.as_str().is_some_and(|s| !s.contains('=')) {
            out.push(Diagnostic::warning(
                path::index("process.env", i),
                "has no `=`; expected NAME=value",
            ));
        }
    }
}

fn rlimits(p: &Value, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, r) in array(p, "rlimits").iter().enumerate() {
        let at = path::index("process.rlimits", i);
        if let (Some(soft), Some(hard)) = (int(r, "soft"), int(r, "hard")) {
            if soft > hard {
                out.push(Diagnostic::error(
                    path::key(&at, "soft"),
                    format!("soft limit {soft} is above the hard limit {hard}"),
                ));
            }
        }
        if let Some(t) = string(r, "type") {
            if seen.contains(&t) {
                out.push(Diagnostic::error(
                    path::key(&at, "type"),
                    format!("`{t}` is set more than once"),
                ));
            }
            seen.push(t);
        }
    }
}

fn range(v: &Value, key: &str, at: &str, lo: i128, hi: i128, out: &mut Vec<Diagnostic>) {
    if let Some(n) = int(v, key) {
        if n < lo || n > hi {
            out.push(Diagnostic::error(
                at,
                format!("{n} is out of range ({lo} to {hi})"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{errors_of, run};
    use crate::bundle::doc::json;
    use crate::bundle::Platform;

    fn errs(process: crate::bundle::doc::Value) -> Vec<(String, String)> {
        errors_of(&run(json!({"process": process}), Platform::Linux))
    }

    fn ok() -> crate::bundle::doc::Value {
        json!({"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}})
    }

    #[test]
    fn good_process_passes() {
        assert!(errs(ok()).is_empty(), "{:?}", errs(ok()));
    }

    #[test]
    fn args_required_and_non_empty() {
        let mut p = ok();
        p["args"] = json!([]);
        assert_eq!(errs(p.clone())[0].0, "process.args");
        p.as_object_mut().unwrap().remove("args");
        assert_eq!(errs(p.clone())[0].0, "process.args");
        p["args"] = json!([""]);
        assert_eq!(errs(p)[0].0, "process.args[0]");
    }

    #[test]
    fn relative_cwd_rejected() {
        let mut p = ok();
        p["cwd"] = json!("tmp");
        assert_eq!(errs(p)[0].0, "process.cwd");
    }

    #[test]
    fn rlimit_soft_above_hard_and_duplicates() {
        let mut p = ok();
        p["rlimits"] = json!([{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024},
                              {"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1}]);
        let e = errs(p);
        assert!(
            e.iter()
                .any(|(p, m)| p == "process.rlimits[0].soft" && m.contains("above the hard")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|(p, _)| p == "process.rlimits[1].type"),
            "{e:?}"
        );
    }

    #[test]
    fn kernel_ranges() {
        let mut p = ok();
        p["oomScoreAdj"] = json!(1001);
        p["ioPriority"] = json!({"class": "IOPRIO_CLASS_BE", "priority": 8});
        p["execCPUAffinity"] = json!({"initial": "3-1"});
        let paths: Vec<String> = errs(p).into_iter().map(|e| e.0).collect();
        assert_eq!(
            paths,
            [
                "process.oomScoreAdj",
                "process.ioPriority.priority",
                "process.execCPUAffinity.initial"
            ]
        );
    }
}
