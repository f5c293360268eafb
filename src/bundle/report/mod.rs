//! `stockade validate`: every problem in a bundle (not just the first),
//! each with its JSON path and severity, plus what this backend will do on
//! this host with the fields it treats specially.

mod decide;
mod render;

use std::path::Path;

use serde::Serialize;

pub use decide::treatments;

use super::host::{self, BackendSupport, HostFacts};
use super::{load, Bundle, BundleError, Diagnostic, Platform, Severity};

/// What the backend does with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Applied,
    Ignored,
    Rejected,
}

/// The fate of one field on this host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Treatment {
    pub path: String,
    pub action: Action,
    pub reason: String,
}

/// Where the configuration comes from.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// `<dir>/config.json`; `root.path` must exist.
    Dir(&'a Path),
    /// Text, as if it were `<dir>/config.json` (no files are read).
    Text { text: &'a str, dir: &'a Path },
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// The config file (as named in messages).
    pub file: String,
    pub platform: Platform,
    /// True only when the bundle would run: no errors, nothing rejected.
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    /// Every finding, errors first, each with its JSON path.
    pub problems: Vec<Diagnostic>,
    /// Fields this backend treats specially and what happens to them.
    pub fields: Vec<Treatment>,
    /// The host facts the decisions used (absent when checking for another platform).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<HostFacts>,
}

impl ValidationReport {
    /// Process exit status for `stockade validate`: 0 only when ok.
    pub fn exit_code(&self) -> i32 {
        if self.ok {
            0
        } else {
            1
        }
    }

    /// Human-readable rendering (one finding per line).
    pub fn to_text(&self) -> String {
        render::text(self)
    }

    /// Add findings made after the front end (the jail planner's), so the
    /// report keeps one list, one count and one verdict.
    pub fn absorb(&mut self, more: Vec<Diagnostic>) {
        self.problems.extend(more);
        self.problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
        self.errors = self
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        self.warnings = self.problems.len() - self.errors;
        self.ok = self.errors == 0;
    }
}

/// Report on a bundle for `platform`, probing this host when `platform` is
/// the one we run on.
pub fn report(input: Input<'_>, platform: Platform) -> ValidationReport {
    let host = (platform == Platform::host() && platform == Platform::Linux)
        .then(|| host::probe(host::Needs::ALL));
    report_with(input, platform, host.as_ref(), &BackendSupport::LINUX)
}

/// `report` with the host facts given (pure apart from reading the input).
pub fn report_with(
    input: Input<'_>,
    platform: Platform,
    host: Option<&HostFacts>,
    support: &BackendSupport,
) -> ValidationReport {
    let (file, analyzed) = match input {
        Input::Dir(dir) => (dir.join("config.json"), load::analyze_dir(dir, platform)),
        Input::Text { text, dir } => (
            dir.join("config.json"),
            load::analyze_str(text, dir, platform),
        ),
    };
    let (file, mut problems, fields) = match analyzed {
        Err(e) => (file, vec![Diagnostic::error("", e.to_string())], Vec::new()),
        Ok(o) => {
            let fields = treatments(&o.doc, platform, host, support);
            (o.file, o.findings, fields)
        }
    };
    for f in fields.iter().filter(|f| f.action == Action::Rejected) {
        let already = problems
            .iter()
            .any(|p| p.severity == Severity::Error && p.path == f.path);
        if !already {
            problems.push(Diagnostic::error(
                &f.path,
                format!("rejected on this host: {}", f.reason),
            ));
        }
    }
    problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    ValidationReport {
        file: file.display().to_string(),
        platform,
        ok: errors == 0,
        errors,
        warnings: problems.len() - errors,
        problems,
        fields,
        host: host.cloned(),
    }
}

/// For `create`/`run`, after `load` and before any side effect: refuse what
/// `validate` reports as rejected on this host. Ok gives every decision.
pub fn check_host(bundle: &Bundle, platform: Platform) -> Result<Vec<Treatment>, BundleError> {
    let host = (platform == Platform::host() && platform == Platform::Linux)
        .then(|| host::probe(decide::needs(&bundle.doc)));
    check_host_with(bundle, platform, host.as_ref(), &BackendSupport::LINUX)
}

/// `check_host` with the host facts given (pure).
pub fn check_host_with(
    bundle: &Bundle,
    platform: Platform,
    host: Option<&HostFacts>,
    support: &BackendSupport,
) -> Result<Vec<Treatment>, BundleError> {
    let fields = treatments(&bundle.doc, platform, host, support);
    let problems: Vec<Diagnostic> = fields
        .iter()
        .filter(|f| f.action == Action::Rejected)
        .map(|f| Diagnostic::error(&f.path, format!("rejected on this host: {}", f.reason)))
        .collect();
    if problems.is_empty() {
        Ok(fields)
    } else {
        Err(BundleError::Invalid {
            file: bundle.dir.join("config.json"),
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::host::CgroupMode;

    fn hybrid() -> HostFacts {
        HostFacts {
            cgroup: CgroupMode::Hybrid,
            v2_controllers: vec!["hugetlb".into()],
            v1_controllers: vec!["memory".into()],
            ..HostFacts::default()
        }
    }

    fn run(text: &str) -> ValidationReport {
        let input = Input::Text {
            text,
            dir: Path::new("/b"),
        };
        report_with(
            input,
            Platform::Linux,
            Some(&hybrid()),
            &BackendSupport::LINUX,
        )
    }

    #[test]
    fn lists_every_problem_with_paths() {
        let r = run(r#"{"ociVersion": "1.3.0", "root": {"path": "rootfs"},
            "process": {"cwd": "rel", "args": [], "user": {"uid": 0, "gid": 0}, "capabilites": {}},
            "mounts": [{"destination": "../../etc"}],
            "linux": {"resources": {"memory": {"limit": 0}, "hugepageLimits": [{"pageSize": "2MB", "limit": 1}]}}}"#);
        assert!(!r.ok);
        assert_eq!(r.exit_code(), 1);
        let paths: Vec<&str> = r.problems.iter().map(|p| p.path.as_str()).collect();
        for want in [
            "process.cwd",
            "process.args",
            "mounts[0].destination",
            "linux.resources.memory.limit",
            "linux.resources.hugepageLimits",
            "process.capabilites",
        ] {
            assert!(paths.contains(&want), "{want} missing from {paths:?}");
        }
        assert_eq!(r.problems.last().unwrap().severity, Severity::Warning);
        assert!(r
            .fields
            .iter()
            .any(|f| f.path == "linux.resources.hugepageLimits" && f.action == Action::Rejected));
    }

    #[test]
    fn clean_bundle_is_ok_and_serializes() {
        let r = run(
            r#"{"ociVersion": "1.3.0", "root": {"path": "rootfs"}, "linux": {"resources": {"memory": {"limit": 1048576}}}}"#,
        );
        assert!(r.ok, "{:?}", r.problems);
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["ok"], true);
        assert_eq!(j["platform"], "linux");
        assert_eq!(j["fields"][0]["action"], "applied");
        assert_eq!(j["host"]["cgroup"], "hybrid");
        assert!(
            r.to_text().contains("applied  linux.resources.memory"),
            "{}",
            r.to_text()
        );
    }

    #[test]
    fn check_host_refuses_what_validate_rejects() {
        let text = r#"{"ociVersion": "1.3.0", "root": {"path": "rootfs"},
            "linux": {"resources": {"hugepageLimits": [{"pageSize": "2MB", "limit": 1}]}}}"#;
        let b = crate::bundle::load_str(text, Path::new("/b"), Platform::Linux).unwrap();
        let e = check_host_with(&b, Platform::Linux, Some(&hybrid()), &BackendSupport::LINUX)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/b/config.json: linux.resources.hugepageLimits: rejected on this host: controller `hugetlb`"),
            "{e}"
        );
        let unified = HostFacts {
            cgroup: CgroupMode::Unified,
            v2_controllers: vec!["hugetlb".into()],
            ..HostFacts::default()
        };
        assert!(
            check_host_with(&b, Platform::Linux, Some(&unified), &BackendSupport::LINUX).is_ok()
        );
    }

    #[test]
    fn unreadable_input_is_one_error() {
        let r = run("{]");
        assert!(!r.ok);
        assert_eq!(r.problems.len(), 1);
        assert!(
            r.problems[0].message.contains("line 1, column 2"),
            "{:?}",
            r.problems
        );
    }
}
