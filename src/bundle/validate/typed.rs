//! The typed parse: the normalized document must deserialize into the
//! oci-spec types (and our `freebsd` type on FreeBSD). serde stops at the
//! first problem, so when the whole parse fails the sections are parsed one
//! by one to report every section's first problem, each with its JSON path.

use crate::bundle::doc::{json, Map, Value};
use oci_spec::runtime::{Mount, Spec};
use serde::de::DeserializeOwned;

use crate::bundle::{freebsd::FreeBsd, path, Diagnostic, Platform};

pub(crate) struct Typed {
    /// The document deserializes into `Spec` (the value is not kept: the
    /// backends read the document).
    pub spec_ok: bool,
    pub freebsd: Option<FreeBsd>,
    pub findings: Vec<Diagnostic>,
}

pub(crate) fn parse(doc: &Value, platform: Platform) -> Typed {
    let mut findings = Vec::new();
    let spec_ok = match typed::<Spec>(doc, "") {
        Ok(_) => true,
        Err(whole) => {
            let mut pieces = sections(doc);
            if pieces.is_empty() {
                pieces.push(whole);
            }
            findings.extend(pieces);
            false
        }
    };
    let freebsd = match doc.get("freebsd") {
        Some(v) if platform == Platform::FreeBsd => match typed::<FreeBsd>(v, "freebsd") {
            Ok(f) => Some(f),
            Err(d) => {
                findings.push(d);
                None
            }
        },
        _ => None,
    };
    Typed {
        spec_ok,
        freebsd,
        findings,
    }
}

/// Parse each top-level member (each `linux` and `linux.resources` member,
/// each mount) on its own, wrapped so the paths stay rooted at the document.
fn sections(doc: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Value::Object(top) = doc else {
        return out;
    };
    for (k, v) in top {
        match (k.as_str(), v) {
            ("mounts", Value::Array(items)) => {
                for (i, m) in items.iter().enumerate() {
                    out.extend(typed::<Mount>(m, &path::index("mounts", i)).err());
                }
            }
            ("linux", Value::Object(linux)) => {
                for (lk, lv) in linux {
                    match (lk.as_str(), lv) {
                        ("resources", Value::Object(res)) => {
                            for (rk, rv) in res {
                                let one = json!({"linux": {"resources": single(rk, rv)}});
                                out.extend(typed::<Spec>(&one, "").err());
                            }
                        }
                        _ => {
                            let one = json!({"linux": single(lk, lv)});
                            out.extend(typed::<Spec>(&one, "").err());
                        }
                    }
                }
            }
            _ => out.extend(typed::<Spec>(&Value::Object(single(k, v)), "").err()),
        }
    }
    out
}

fn single(k: &str, v: &Value) -> Map {
    let mut m = Map::new();
    m.insert(k.to_string(), v.clone());
    m
}

/// Parsed plainly first: tracking the path costs a third of the parse and
/// is only needed to report a failure, so it is done again for that.
fn typed<T: DeserializeOwned>(v: &Value, prefix: &str) -> Result<T, Diagnostic> {
    if let Ok(t) = T::deserialize(v) {
        return Ok(t);
    }
    serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
        let at = path::from_serde(prefix, e.path());
        Diagnostic::error(at, e.into_inner().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(doc: Value) -> Vec<String> {
        parse(&doc, Platform::Linux)
            .findings
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn wrong_type_names_the_path() {
        let e = errors(json!({"ociVersion": "1.3.0",
            "linux": {"resources": {"memory": {"limit": "lots"}}}}));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("linux.resources.memory.limit: invalid type: string \"lots\""),
            "{e:?}"
        );
    }

    #[test]
    fn every_section_reports_its_problem() {
        let e = errors(json!({"ociVersion": "1.3.0",
            "mounts": [{"destination": "/a"}, {"destination": 7}],
            "process": {"cwd": "/", "user": {"uid": -1, "gid": 0}, "args": ["sh"]},
            "linux": {"resources": {"pids": {"limit": "x"}, "cpu": {"shares": -5}},
                      "namespaces": [{"type": "pidd"}]}}));
        let paths: Vec<&str> = e.iter().map(|s| s.split(':').next().unwrap()).collect();
        for want in [
            "mounts[1].destination",
            "process.user.uid",
            "linux.resources.pids.limit",
            "linux.resources.cpu.shares",
            "linux.namespaces[0].type",
        ] {
            assert!(paths.contains(&want), "{want} not in {e:?}");
        }
    }

    #[test]
    fn good_document_parses() {
        let t = parse(
            &json!({"ociVersion": "1.3.0", "root": {"path": "/r"}}),
            Platform::Linux,
        );
        assert!(t.spec_ok && t.findings.is_empty());
    }
}
