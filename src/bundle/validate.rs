//! Typed validation: the normalized document must deserialize into the
//! oci-spec types (and our `freebsd` types); failures name the JSON path.

use serde_json::Value;

use super::{freebsd::FreeBsd, Diagnostic, Platform};

pub(super) struct Typed {
    pub spec: Option<oci_spec::runtime::Spec>,
    pub freebsd: Option<FreeBsd>,
    pub findings: Vec<Diagnostic>,
}

pub(super) fn validate(doc: &Value, platform: Platform) -> Typed {
    let mut findings = Vec::new();
    let spec = typed::<oci_spec::runtime::Spec>(doc, "", &mut findings);
    let freebsd = match doc.get("freebsd") {
        Some(v) if platform == Platform::FreeBsd => typed::<FreeBsd>(v, "freebsd", &mut findings),
        _ => None,
    };
    if platform == Platform::Linux && spec.as_ref().is_some_and(|s| s.linux().is_none()) {
        findings.push(Diagnostic::error(
            "linux",
            "missing: the Linux backend needs a `linux` section",
        ));
    }
    Typed {
        spec,
        freebsd,
        findings,
    }
}

fn typed<T: serde::de::DeserializeOwned>(
    v: &Value,
    prefix: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(v) {
        Ok(t) => Some(t),
        Err(e) => {
            let inner = e.path().to_string();
            let path = match (prefix.is_empty(), inner.as_str()) {
                (_, ".") => prefix.to_string(),
                (true, p) => p.to_string(),
                (false, p) => format!("{prefix}.{p}"),
            };
            out.push(Diagnostic::error(path, e.into_inner().to_string()));
            None
        }
    }
}
