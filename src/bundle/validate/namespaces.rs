//! `linux.namespaces`: known types, each at most once, absolute paths; and
//! the settings that only make sense with a given namespace.

use crate::bundle::doc::Value;

use super::{array, string};
use crate::bundle::{known::NAMESPACE_TYPES, path, suggest, Diagnostic};

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(linux) = doc.get("linux") else {
        return;
    };
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for (i, ns) in array(linux, "namespaces").iter().enumerate() {
        let at = path::index("linux.namespaces", i);
        if let Some(p) = string(ns, "path") {
            if !p.starts_with('/') {
                out.push(Diagnostic::error(
                    path::key(&at, "path"),
                    format!("`{p}` must be an absolute path to a namespace file"),
                ));
            }
        }
        let Some(t) = string(ns, "type") else {
            continue;
        };
        if !NAMESPACE_TYPES.contains(&t) {
            let hint = suggest::closest(t, NAMESPACE_TYPES.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            out.push(Diagnostic::error(
                path::key(&at, "type"),
                format!("unknown namespace type `{t}`{hint}"),
            ));
        } else if let Some((_, first)) = seen.iter().find(|(s, _)| *s == t) {
            out.push(Diagnostic::error(
                path::key(&at, "type"),
                format!(
                    "namespace `{t}` listed twice (first at `{}`)",
                    path::index("linux.namespaces", *first)
                ),
            ));
        } else {
            seen.push((t, i));
        }
    }
    let has = |t: &str| seen.iter().any(|(s, _)| *s == t);
    for (field, ns) in [
        ("uidMappings", "user"),
        ("gidMappings", "user"),
        ("timeOffsets", "time"),
    ] {
        let given = match linux.get(field) {
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            _ => false,
        };
        if given && !has(ns) {
            out.push(Diagnostic::error(
                path::key("linux", field),
                format!("needs a `{ns}` entry in `linux.namespaces`"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{errors_of, run};
    use crate::bundle::doc::json;
    use crate::bundle::Platform;

    fn errs(linux: crate::bundle::doc::Value) -> Vec<(String, String)> {
        errors_of(&run(json!({"linux": linux}), Platform::Linux))
    }

    #[test]
    fn good_namespaces() {
        assert!(errs(
            json!({"namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/x"}]})
        )
        .is_empty());
    }

    #[test]
    fn unknown_type_with_suggestion() {
        let e = errs(json!({"namespaces": [{"type": "netwrok"}]}));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "linux.namespaces[0].type");
        assert!(e[0].1.contains("did you mean `network`?"), "{e:?}");
    }

    #[test]
    fn duplicates_and_relative_paths() {
        let e = errs(
            json!({"namespaces": [{"type": "pid"}, {"type": "pid", "path": "proc/1/ns/pid"}]}),
        );
        assert!(
            e.iter()
                .any(|(p, m)| p == "linux.namespaces[1].type" && m.contains("twice")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|(p, _)| p == "linux.namespaces[1].path"),
            "{e:?}"
        );
    }

    #[test]
    fn mappings_need_user_namespace() {
        let m = json!([{"containerID": 0, "hostID": 1000, "size": 1}]);
        let e = errs(json!({"uidMappings": m}));
        assert_eq!(e[0].0, "linux.uidMappings");
        assert!(errs(
            json!({"uidMappings": m, "gidMappings": m, "namespaces": [{"type": "user"}]})
        )
        .is_empty());
        let e = errs(json!({"timeOffsets": {"boottime": {"secs": 1}}}));
        assert_eq!(e[0].0, "linux.timeOffsets");
    }
}
