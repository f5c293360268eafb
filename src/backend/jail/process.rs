//! The container process: who it runs as, with what, where.
//!
//! Decided here: `args` must be non-empty; `cwd` absolute; `umask` defaults
//! to 0022 (like runc/crun, unlike ocijail's 077); `HOME=/` is added when the
//! environment has no HOME; rlimit names are checked against FreeBSD's set
//! (Linux-only ones are errors: the spec needs getrlimit on them to work);
//! Linux-only process members are ignored with a warning. `execPath` lists
//! the candidates tried in order for `args[0]` (PATH search done by us,
//! inside the jail, after attaching).

use serde::{Deserialize, Serialize};

use super::input::{self, ConsoleSize};
use crate::bundle::Diagnostic;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessPlan {
    pub args: Vec<String>,
    /// Paths tried for `args[0]`, in order, resolved inside the jail.
    pub exec_path: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: UserPlan,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rlimits: Vec<RlimitPlan>,
    pub terminal: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console_size: Option<ConsoleSize>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_new_privileges: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPlan {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups, sent with setgroups(2): `gid` first, then
    /// `additionalGids` without duplicates.
    pub groups: Vec<u32>,
    /// Shown in octal (`"0022"`).
    #[serde(with = "octal")]
    pub umask: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RlimitPlan {
    /// FreeBSD name, e.g. `RLIMIT_NOFILE`.
    #[serde(rename = "type")]
    pub typ: String,
    pub soft: u64,
    pub hard: u64,
}

/// `umask` as an octal string in the plan (the input gives it in decimal).
mod octal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:04o}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let text = String::deserialize(d)?;
        u32::from_str_radix(&text, 8).map_err(serde::de::Error::custom)
    }
}

/// The rlimits FreeBSD has (RLIMIT_AS is an alias of RLIMIT_VMEM there).
pub const FREEBSD_RLIMITS: &[&str] = &[
    "RLIMIT_CPU",
    "RLIMIT_FSIZE",
    "RLIMIT_DATA",
    "RLIMIT_STACK",
    "RLIMIT_CORE",
    "RLIMIT_RSS",
    "RLIMIT_MEMLOCK",
    "RLIMIT_NPROC",
    "RLIMIT_NOFILE",
    "RLIMIT_SBSIZE",
    "RLIMIT_AS",
    "RLIMIT_VMEM",
    "RLIMIT_NPTS",
    "RLIMIT_SWAP",
    "RLIMIT_KQUEUES",
    "RLIMIT_UMTXP",
];

/// Process members that only mean something on Linux.
const LINUX_ONLY: &[&str] = &[
    "capabilities",
    "apparmorProfile",
    "selinuxLabel",
    "oomScoreAdj",
    "ioPriority",
    "scheduler",
    "execCPUAffinity",
];

/// FreeBSD's _PATH_DEFPATH, used when the environment has no PATH.
const DEFAULT_PATH: &str = "/usr/bin:/bin";

pub(super) fn plan_process(p: &input::Process, out: &mut Vec<Diagnostic>) -> ProcessPlan {
    if p.args.is_empty() || p.args[0].is_empty() {
        out.push(Diagnostic::error(
            "process.args",
            "empty: there is no program to run",
        ));
    }
    if !p.cwd.starts_with('/') {
        out.push(Diagnostic::error(
            "process.cwd",
            format!("`{}` is not absolute", p.cwd),
        ));
    }
    for key in p.rest.keys().filter(|k| LINUX_ONLY.contains(&k.as_str())) {
        out.push(Diagnostic::warning(
            format!("process.{key}"),
            "Linux only; ignored on FreeBSD",
        ));
    }
    let mut env = p.env.clone();
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push("HOME=/".into());
    }
    let mut groups = vec![p.user.gid];
    for g in &p.user.additional_gids {
        if !groups.contains(g) {
            groups.push(*g);
        }
    }
    ProcessPlan {
        args: p.args.clone(),
        exec_path: exec_path(p.args.first().map(String::as_str).unwrap_or(""), &env),
        env,
        cwd: p.cwd.clone(),
        user: UserPlan {
            uid: p.user.uid,
            gid: p.user.gid,
            groups,
            umask: p.user.umask.unwrap_or(0o022),
        },
        rlimits: rlimits(&p.rlimits, out),
        terminal: p.terminal,
        console_size: p.console_size,
        no_new_privileges: p.no_new_privileges,
    }
}

fn rlimits(list: &[input::Rlimit], out: &mut Vec<Diagnostic>) -> Vec<RlimitPlan> {
    let mut v: Vec<RlimitPlan> = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let at = format!("process.rlimits[{i}]");
        if !FREEBSD_RLIMITS.contains(&r.typ.as_str()) {
            out.push(Diagnostic::error(
                format!("{at}.type"),
                format!("`{}` does not exist on FreeBSD", r.typ),
            ));
        } else if v.iter().any(|x| x.typ == r.typ) {
            out.push(Diagnostic::error(
                format!("{at}.type"),
                format!("`{}` given twice", r.typ),
            ));
        } else if r.soft > r.hard {
            out.push(Diagnostic::error(
                format!("{at}.soft"),
                format!("{} is above the hard limit {}", r.soft, r.hard),
            ));
        } else {
            v.push(RlimitPlan {
                typ: r.typ.clone(),
                soft: r.soft,
                hard: r.hard,
            });
        }
    }
    v
}

/// Plan an `exec` process given as an OCI process object.
pub fn plan_exec(process: &serde_json::Value) -> Result<ProcessPlan, Vec<Diagnostic>> {
    let p: input::Process = serde_json::from_value(process.clone())
        .map_err(|e| vec![Diagnostic::error("process", e.to_string())])?;
    let mut out = Vec::new();
    let plan = plan_process(&p, &mut out);
    let errors: Vec<Diagnostic> = out
        .into_iter()
        .filter(|d| d.severity == crate::bundle::Severity::Error)
        .collect();
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// Candidates for `arg0`: itself when it has a `/`, else each PATH entry.
pub fn exec_path(arg0: &str, env: &[String]) -> Vec<String> {
    if arg0.is_empty() {
        return Vec::new();
    }
    if arg0.contains('/') {
        return vec![arg0.to_string()];
    }
    let path = env
        .iter()
        .rev()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    path.split(':')
        .map(|d| if d.is_empty() { "." } else { d })
        .map(|d| format!("{}/{arg0}", d.trim_end_matches('/')))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(p: serde_json::Value) -> (ProcessPlan, Vec<Diagnostic>) {
        let p: input::Process = serde_json::from_value(p).unwrap();
        let mut out = Vec::new();
        (plan_process(&p, &mut out), out)
    }

    #[test]
    fn defaults() {
        let (p, d) = run(
            json!({"args": ["sh"], "cwd": "/", "user": {"uid": 1, "gid": 2, "additionalGids": [2, 5]},
                                "env": ["PATH=/bin:/usr/local/bin/"]}),
        );
        assert!(d.is_empty());
        assert_eq!(p.user.umask, 0o022);
        assert_eq!(p.user.groups, [2, 5]);
        assert_eq!(p.env.last().unwrap(), "HOME=/");
        assert_eq!(p.exec_path, ["/bin/sh", "/usr/local/bin/sh"]);
    }

    #[test]
    fn home_kept_and_umask_honoured() {
        let (p, _) = run(
            json!({"args": ["/x"], "cwd": "/", "user": {"uid": 0, "gid": 0, "umask": 63}, "env": ["HOME=/root"]}),
        );
        assert_eq!(p.env, ["HOME=/root"]);
        assert_eq!(p.user.umask, 0o077);
        assert_eq!(serde_json::to_value(&p.user).unwrap()["umask"], "0077");
        assert_eq!(p.exec_path, ["/x"]);
    }

    #[test]
    fn errors_and_warnings() {
        let (_, d) = run(
            json!({"args": [], "cwd": "tmp", "user": {"uid": 0, "gid": 0},
            "capabilities": {}, "rlimits": [{"type": "RLIMIT_NICE", "soft": 1, "hard": 1},
            {"type": "RLIMIT_NOFILE", "soft": 9, "hard": 8}]}),
        );
        let paths: Vec<_> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "process.args",
                "process.cwd",
                "process.capabilities",
                "process.rlimits[0].type",
                "process.rlimits[1].soft"
            ]
        );
    }

    #[test]
    fn freebsd_rlimits_accepted() {
        let (p, d) = run(
            json!({"args": ["a"], "cwd": "/", "user": {"uid": 0, "gid": 0},
            "rlimits": [{"type": "RLIMIT_SBSIZE", "soft": 1, "hard": 2}, {"type": "RLIMIT_SBSIZE", "soft": 1, "hard": 2}]}),
        );
        assert_eq!(p.rlimits.len(), 1);
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn exec_process_is_planned_and_checked() {
        let ok =
            plan_exec(&json!({"args": ["ls"], "cwd": "/", "user": {"uid": 0, "gid": 0}})).unwrap();
        assert_eq!(ok.exec_path, ["/usr/bin/ls", "/bin/ls"]);
        let e =
            plan_exec(&json!({"args": [], "cwd": "/", "user": {"uid": 0, "gid": 0}})).unwrap_err();
        assert_eq!(e[0].path, "process.args");
        assert!(plan_exec(&json!({"args": ["x"]})).is_err());
    }

    #[test]
    fn default_path_when_env_has_none() {
        assert_eq!(exec_path("ls", &[]), ["/usr/bin/ls", "/bin/ls"]);
    }
}
