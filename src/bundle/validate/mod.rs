//! Validation of the normalized document: the typed parse plus value rules
//! the types cannot express. Every rule is a pure function over the JSON
//! value that appends diagnostics with JSON paths; rules skip values of the
//! wrong JSON type because the typed parse reports those.

mod devices;
mod hooks;
mod idmap;
mod intel_rdt;
pub mod lists;
mod memory_policy;
mod mounts;
mod namespaces;
mod net_devices;
mod process;
mod resources;
mod root;
mod seccomp;
mod strings;
mod sysctl;
mod typed;
mod uts;

use crate::bundle::doc::Value;

pub(crate) use resources::page_size_bytes;

use super::{freebsd::FreeBsd, unknown, Diagnostic, Platform};

pub(super) struct Validated {
    /// The document deserializes into the oci-spec types (the value itself
    /// is not kept: the backends read the document).
    pub typed: bool,
    pub freebsd: Option<FreeBsd>,
    pub findings: Vec<Diagnostic>,
}

/// `nul_escape`: the text `doc` was parsed from holds `\u0000` (else no
/// string in it can hold a NUL byte, and that check is skipped).
pub(super) fn validate(doc: &Value, platform: Platform, nul_escape: bool) -> Validated {
    let typed = typed::parse(doc, platform);
    let mut out = Vec::new();
    if nul_escape {
        strings::check(doc, &mut out);
    }
    root::check(doc, &mut out);
    mounts::check(doc, platform, &mut out);
    process::check(doc, &mut out);
    hooks::check(doc, &mut out);
    uts::check(doc, &mut out);
    if platform == Platform::Linux {
        namespaces::check(doc, &mut out);
        idmap::check_linux(doc, &mut out);
        resources::check(doc, &mut out);
        devices::check(doc, &mut out);
        sysctl::check(doc, &mut out);
        seccomp::check(doc, &mut out);
        memory_policy::check(doc, &mut out);
        net_devices::check(doc, &mut out);
        intel_rdt::check(doc, &mut out);
    }
    // A rule that explains a path better than serde does wins over serde.
    let explained: Vec<String> = out.iter().map(|d| d.path.clone()).collect();
    out.extend(
        typed
            .findings
            .into_iter()
            .filter(|d| !explained.iter().any(|p| covers(p, d))),
    );
    out.extend(unknown::check(doc));
    Validated {
        typed: typed.spec_ok,
        freebsd: typed.freebsd,
        findings: out,
    }
}

/// Does a rule finding at `rule_path` already explain the serde error `d`?
/// Same path, or serde's "missing field `x`" reported on the parent.
fn covers(rule_path: &str, d: &Diagnostic) -> bool {
    if rule_path == d.path {
        return true;
    }
    let missing = d
        .message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next());
    missing.is_some_and(|field| rule_path == super::path::key(&d.path, field))
}

/// The members of `v[key]` if it is an array (else nothing).
fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Integer `v[key]` as i128 (covers both i64 and u64), if it is an integer.
fn int(v: &Value, key: &str) -> Option<i128> {
    let n = v.get(key)?;
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

fn string<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// For rule tests: validate `doc` (given a `root` if it has none).
#[cfg(test)]
pub(crate) fn run(mut doc: Value, platform: Platform) -> Vec<Diagnostic> {
    if doc.get("root").is_none() {
        doc["root"] = crate::bundle::doc::json!({"path": "/r"});
    }
    validate(&doc, platform, true).findings
}

/// For rule tests: (path, message) of every error.
#[cfg(test)]
pub(crate) fn errors_of(findings: &[Diagnostic]) -> Vec<(String, String)> {
    findings
        .iter()
        .filter(|d| d.severity == super::Severity::Error)
        .map(|d| (d.path.clone(), d.message.clone()))
        .collect()
}
