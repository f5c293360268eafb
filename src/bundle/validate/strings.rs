//! No string (or map key) may contain a NUL byte: every string ends up as a
//! C string in libcrun, where a NUL would silently cut it short.

use crate::bundle::doc::Value;

use crate::bundle::path::Trail;
use crate::bundle::Diagnostic;

/// Called only when the text holds the escape `\u0000` (see
/// `json::Parsed::nul_escape`), so a clean document never pays for the walk.
pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    walk(doc, &mut Trail::default(), out);
}

fn walk<'a>(v: &'a Value, at: &mut Trail<'a>, out: &mut Vec<Diagnostic>) {
    match v {
        Value::String(s) if s.contains('\0') => out.push(Diagnostic::error(
            at.render(),
            "contains a NUL byte (\\u0000), which cannot be passed to the kernel",
        )),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.index(i, |at| walk(item, at, out));
            }
        }
        Value::Object(map) => {
            for (k, child) in map {
                at.key(k, |at| {
                    if k.contains('\0') {
                        out.push(Diagnostic::error(
                            at.render(),
                            "key contains a NUL byte (\\u0000)",
                        ));
                    }
                    walk(child, at, out);
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn nul_in_values_and_keys() {
        let mut out = Vec::new();
        check(
            &json!({"process": {"args": ["sh", "a\u{0}b"]}, "annotations": {"k\u{0}": "v"}}),
            &mut out,
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].path, "process.args[1]");
        assert!(out[1].path.starts_with("annotations["));
    }

    #[test]
    fn a_lone_nul_is_found_anywhere() {
        for doc in [
            json!({"a": {"b": [1, {"k\u{0}": 1}]}}),
            json!({"a": [[], ["x", "\u{0}"]]}),
            json!("\u{0}"),
        ] {
            let mut out = Vec::new();
            check(&doc, &mut out);
            assert_eq!(out.len(), 1, "{doc}: {out:?}");
        }
    }

    #[test]
    fn clean_document_passes() {
        let mut out = Vec::new();
        check(&json!({"process": {"args": ["sh"]}}), &mut out);
        assert!(out.is_empty());
    }
}
