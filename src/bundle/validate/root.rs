//! `root` is REQUIRED on every platform we run (only Hyper-V omits it).
//! Whether `root.path` exists is checked by the loader, which may read files.

use crate::bundle::doc::Value;

use crate::bundle::Diagnostic;

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    match doc.get("root") {
        None | Some(Value::Null) => out.push(Diagnostic::error(
            "root",
            "missing: `root.path` (the container's root filesystem) is required",
        )),
        Some(Value::Object(r)) if !r.contains_key("path") => {
            out.push(Diagnostic::error("root.path", "missing (required)"))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn root_required() {
        let mut out = Vec::new();
        check(&json!({"ociVersion": "1.3.0"}), &mut out);
        assert_eq!(out[0].path, "root");
        let mut out = Vec::new();
        check(&json!({"root": {"readonly": true}}), &mut out);
        assert_eq!(out[0].path, "root.path");
        let mut out = Vec::new();
        check(&json!({"root": {"path": "/r"}}), &mut out);
        assert!(out.is_empty());
    }
}
