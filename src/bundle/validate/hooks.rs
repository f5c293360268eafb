//! `hooks.*[]`: absolute paths and positive timeouts.

use crate::bundle::doc::Value;

use super::{array, int, string};
use crate::bundle::{known::HOOK_KINDS as KINDS, path, Diagnostic};

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(hooks) = doc.get("hooks") else {
        return;
    };
    for kind in KINDS {
        for (i, h) in array(hooks, kind).iter().enumerate() {
            let at = path::index(&path::key("hooks", kind), i);
            if let Some(p) = string(h, "path") {
                if !p.starts_with('/') {
                    out.push(Diagnostic::error(
                        path::key(&at, "path"),
                        format!("`{p}` must be an absolute path"),
                    ));
                }
            }
            if let Some(t) = int(h, "timeout") {
                if t < 1 {
                    out.push(Diagnostic::error(
                        path::key(&at, "timeout"),
                        format!("{t} is not a timeout; give whole seconds, at least 1"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn hook_rules() {
        let mut out = Vec::new();
        check(
            &json!({"hooks": {"poststart": [{"path": "/ok", "timeout": 5},
                                            {"path": "rel/hook", "timeout": 0}]}}),
            &mut out,
        );
        let paths: Vec<&str> = out.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            ["hooks.poststart[1].path", "hooks.poststart[1].timeout"]
        );
    }
}
