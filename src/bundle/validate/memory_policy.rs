//! `linux.memoryPolicy` (runtime-spec v1.3.0): mode and flags from the
//! tables in `known`, a well-formed node list, and the combinations
//! `set_mempolicy(2)` accepts.

use crate::bundle::doc::Value;

use super::{lists, string};
use crate::bundle::known::{Nodes, MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES, NUMA_BALANCING_MODES};
use crate::bundle::{path, suggest, Diagnostic};

const AT: &str = "linux.memoryPolicy";

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(mp) = doc.pointer("/linux/memoryPolicy").filter(|v| v.is_object()) else {
        return;
    };
    let mode = match mp.get("mode") {
        None | Some(Value::Null) => {
            out.push(Diagnostic::error(
                path::key(AT, "mode"),
                "missing (required)",
            ));
            None
        }
        Some(Value::String(m)) => match MEMORY_POLICY_MODES.iter().find(|(n, _)| n == m) {
            Some(found) => Some(*found),
            None => {
                out.push(unknown(
                    path::key(AT, "mode"),
                    "mode",
                    m,
                    MEMORY_POLICY_MODES.iter().map(|(n, _)| *n),
                ));
                None
            }
        },
        Some(_) => None,
    };
    let nodes = match string(mp, "nodes").map(lists::parse) {
        Some(Err(e)) => {
            out.push(Diagnostic::error(path::key(AT, "nodes"), e));
            None
        }
        Some(Ok(n)) => Some(n),
        None => Some(Vec::new()),
    };
    let flags = flags(mp, out);
    let Some((mode, rule)) = mode else { return };
    if let Some(nodes) = nodes {
        match rule {
            Nodes::Forbidden if !nodes.is_empty() => out.push(Diagnostic::error(
                path::key(AT, "nodes"),
                format!("{mode} takes no nodes"),
            )),
            Nodes::Required if nodes.is_empty() => out.push(Diagnostic::error(
                path::key(AT, "nodes"),
                format!("{mode} needs at least one node"),
            )),
            _ => {}
        }
    }
    if flags.contains(&"MPOL_F_RELATIVE_NODES") && flags.contains(&"MPOL_F_STATIC_NODES") {
        out.push(Diagnostic::error(
            path::key(AT, "flags"),
            "MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES cannot be combined",
        ));
    }
    if flags.contains(&"MPOL_F_NUMA_BALANCING") && !NUMA_BALANCING_MODES.contains(&mode) {
        out.push(Diagnostic::error(
            path::key(AT, "flags"),
            format!(
                "MPOL_F_NUMA_BALANCING only works with {}, not {mode}",
                NUMA_BALANCING_MODES.join(" or ")
            ),
        ));
    }
}

/// The valid flag names given; reports unknown ones.
fn flags<'a>(mp: &'a Value, out: &mut Vec<Diagnostic>) -> Vec<&'a str> {
    let mut good = Vec::new();
    let Some(list) = mp.get("flags").and_then(Value::as_array) else {
        return good;
    };
    for (i, f) in list.iter().enumerate() {
        let Some(f) = f.as_str() else { continue };
        if MEMORY_POLICY_FLAGS.contains(&f) {
            good.push(f);
        } else {
            let at = path::index(&path::key(AT, "flags"), i);
            out.push(unknown(at, "flag", f, MEMORY_POLICY_FLAGS.iter().copied()));
        }
    }
    good
}

fn unknown<'a>(
    at: String,
    what: &str,
    given: &str,
    names: impl Iterator<Item = &'a str> + Clone,
) -> Diagnostic {
    let hint = match suggest::closest(given, names.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("expected one of {}", names.collect::<Vec<_>>().join(", ")),
    };
    Diagnostic::error(
        at,
        format!("unknown memory policy {what} `{given}`; {hint}"),
    )
}

#[cfg(test)]
mod tests {
    use super::super::{errors_of, run};
    use crate::bundle::doc::json;
    use crate::bundle::Platform;

    fn errs(mp: crate::bundle::doc::Value) -> Vec<(String, String)> {
        errors_of(&run(
            json!({"linux": {"memoryPolicy": mp}}),
            Platform::Linux,
        ))
    }

    #[test]
    fn good_policies() {
        for mp in [
            json!({"mode": "MPOL_BIND", "nodes": "0-1", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_NUMA_BALANCING"]}),
            json!({"mode": "MPOL_LOCAL"}),
            json!({"mode": "MPOL_PREFERRED"}),
            json!({"mode": "MPOL_DEFAULT", "nodes": ""}),
        ] {
            assert!(errs(mp.clone()).is_empty(), "{mp}: {:?}", errs(mp.clone()));
        }
    }

    #[test]
    fn unknown_mode_and_flag_named_once_with_suggestion() {
        let e = errs(json!({"mode": "MPOL_BIMD", "nodes": "0", "flags": ["MPOL_F_STATIC"]}));
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].0, "linux.memoryPolicy.mode");
        assert!(e[0].1.contains("did you mean `MPOL_BIND`?"), "{e:?}");
        assert_eq!(e[1].0, "linux.memoryPolicy.flags[0]");
    }

    #[test]
    fn nodes_rules() {
        assert!(errs(json!({"mode": "MPOL_BIND"}))[0]
            .1
            .contains("needs at least one node"));
        assert!(errs(json!({"mode": "MPOL_LOCAL", "nodes": "0"}))[0]
            .1
            .contains("takes no nodes"));
        assert_eq!(
            errs(json!({"mode": "MPOL_BIND", "nodes": "0-"}))[0].0,
            "linux.memoryPolicy.nodes"
        );
        assert_eq!(errs(json!({"nodes": "0"}))[0].0, "linux.memoryPolicy.mode");
    }

    #[test]
    fn flag_combinations() {
        let e = errs(
            json!({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]}),
        );
        assert_eq!(e[0].0, "linux.memoryPolicy.flags");
        let e = errs(
            json!({"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_NUMA_BALANCING"]}),
        );
        assert!(e[0].1.contains("only works with"), "{e:?}");
    }
}
