//! Unknown keys under known objects. The spec says runtimes ignore unknown
//! properties, so these are warnings, never errors, and the document is left
//! as it is; but a key that looks like a misspelling of a real field is named
//! with the field it probably meant.

use crate::bundle::doc::Value;

use super::known::{Shape, CONFIG, DISCOURAGED, RETIRED};
use super::path::Trail;
use super::{suggest, Diagnostic};

/// Walk the whole document against the known-field tree.
pub(super) fn check(doc: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk(
        doc,
        &CONFIG,
        &mut Trail::default(),
        &mut String::new(),
        &mut out,
    );
    out
}

/// `pattern` is the path with indices and map keys erased (`mounts[].type`),
/// used to look fields up in the RETIRED/DISCOURAGED tables. Both it and `at`
/// are extended on the way down and restored on the way up.
///
/// Most of a config is leaves (a mount's strings, a seccomp rule's syscall
/// names) that have nothing to check: those are passed over without
/// extending either path, so the walk costs about one step per object.
fn walk<'a>(
    v: &'a Value,
    shape: &Shape,
    at: &mut Trail<'a>,
    pattern: &mut String,
    out: &mut Vec<Diagnostic>,
) {
    let len = pattern.len();
    match (shape, v) {
        (Shape::Object(fields), Value::Object(map)) => {
            for (k, child) in map {
                let known = fields.iter().find(|(name, _)| name == k);
                let flagged = known.is_some() && may_be_discouraged(len, k);
                if matches!(known, Some((_, Shape::Leaf))) && !flagged {
                    continue;
                }
                if len > 0 {
                    pattern.push('.');
                }
                pattern.push_str(k);
                at.key(k, |at| match known {
                    Some((_, s)) => {
                        if flagged {
                            discouraged(child, at, pattern, out);
                        }
                        walk(child, s, at, pattern, out);
                    }
                    None => out.push(unknown(&at.render(), pattern, k, fields)),
                });
                pattern.truncate(len);
            }
        }
        // Arrays and maps of leaves: nothing below them is checked.
        (Shape::Array(Shape::Leaf) | Shape::Map(Shape::Leaf), _) => {}
        (Shape::Array(inner), Value::Array(items)) => {
            pattern.push_str("[]");
            for (i, item) in items.iter().enumerate() {
                at.index(i, |at| walk(item, inner, at, pattern, out));
            }
            pattern.truncate(len);
        }
        (Shape::Map(inner), Value::Object(map)) => {
            pattern.push_str("[]");
            for (k, child) in map {
                at.key(k, |at| walk(child, inner, at, pattern, out));
            }
            pattern.truncate(len);
        }
        // Leaves, and values of the wrong JSON type (the typed parse reports those).
        _ => {}
    }
}

/// Whether the path of field `k` below a pattern of `len` bytes is as long
/// as some DISCOURAGED path (only those are compared in full).
fn may_be_discouraged(len: usize, k: &str) -> bool {
    let full = len + usize::from(len > 0) + k.len();
    DISCOURAGED.iter().any(|(p, _)| p.len() == full)
}

fn discouraged(child: &Value, at: &Trail, pattern: &str, out: &mut Vec<Diagnostic>) {
    if let Some((_, why)) = DISCOURAGED.iter().find(|(p, _)| *p == pattern) {
        if !child.is_null() {
            out.push(Diagnostic::warning(at.render(), *why));
        }
    }
}

fn unknown(here: &str, pattern: &str, key: &str, fields: &[(&str, Shape)]) -> Diagnostic {
    if let Some((_, why)) = RETIRED.iter().find(|(p, _)| *p == pattern) {
        return Diagnostic::warning(here, *why);
    }
    let msg = match suggest::closest(key, fields.iter().map(|(n, _)| *n)) {
        Some(near) => format!("unknown field `{key}` (ignored); did you mean `{near}`?"),
        None => format!("unknown field `{key}` (ignored)"),
    };
    Diagnostic::warning(here, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;
    use crate::bundle::Severity;

    fn msgs(doc: Value) -> Vec<String> {
        check(&doc)
            .into_iter()
            .inspect(|d| assert_eq!(d.severity, Severity::Warning))
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn misspellings_get_a_suggestion() {
        let m = msgs(json!({
            "ociVersion": "1.3.0",
            "process": {"capabilites": {}},
            "linux": {"resources": {"memroy": {"limit": 1}}}
        }));
        assert!(m.contains(&"process.capabilites: unknown field `capabilites` (ignored); did you mean `capabilities`?".to_string()), "{m:?}");
        assert!(
            m.iter().any(|s| s.starts_with("linux.resources.memroy:")
                && s.contains("did you mean `memory`?")),
            "{m:?}"
        );
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn unrelated_unknown_keys_warn_without_suggestion() {
        let m = msgs(json!({"mounts": [{"destination": "/x", "x-vendor-thing": 1}]}));
        assert_eq!(
            m,
            vec![
                "mounts[0][\"x-vendor-thing\"]: unknown field `x-vendor-thing` (ignored)"
                    .to_string()
            ]
        );
    }

    #[test]
    fn maps_and_foreign_platforms_are_free_form() {
        let m = msgs(json!({
            "annotations": {"anything.goes": "x"},
            "linux": {"sysctl": {"net.ipv4.ip_forward": "1"}, "netDevices": {"eth0": {"nmae": "x"}}},
            "freebsd": {"jail": {"whatever": 1}},
            "windows": {"layerFolders": []}
        }));
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("linux.netDevices.eth0.nmae:") && m[0].contains("`name`"));
    }

    #[test]
    fn retired_and_discouraged_fields_say_why() {
        let m = msgs(json!({
            "hooks": {"prestart": [{"path": "/bin/true"}]},
            "linux": {"intelRdt": {"enableCMT": true}, "resources": {"memory": {"kernel": -1}}}
        }));
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m
            .iter()
            .any(|s| s.starts_with("hooks.prestart: deprecated")));
        assert!(m
            .iter()
            .any(|s| s.starts_with("linux.intelRdt.enableCMT: removed in runtime-spec v1.3.0")));
        assert!(m
            .iter()
            .any(|s| s.starts_with("linux.resources.memory.kernel: NOT RECOMMENDED")));
    }

    #[test]
    fn leaves_are_not_looked_into() {
        // Wrong types under leaves are the typed parse's to report.
        let m = msgs(json!({
            "process": {"args": [{"nmae": 1}], "env": {"x": 1}},
            "mounts": [{"destination": "/x", "options": [{"bind": true}], "source": {"typo": 1}}],
            "linux": {"resources": {"memory": {"limit": 1, "kernelTCP": 5}}}
        }));
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("linux.resources.memory.kernelTCP: NOT RECOMMENDED"));
    }
}
