//! uid/gid mappings (`linux.uidMappings`, `linux.gidMappings`,
//! `mounts[].uidMappings`, …): non-empty ranges that fit in 32 bits and do
//! not overlap on either side.

use crate::bundle::doc::Value;

use super::{array, int};
use crate::bundle::{path, Diagnostic};

const ID_SPACE: i128 = 1 << 32;

/// A half-open id range `[start, end)`.
type Range = (i128, i128);

pub(super) fn check_linux(doc: &Value, out: &mut Vec<Diagnostic>) {
    if let Some(linux) = doc.get("linux") {
        for list in ["uidMappings", "gidMappings"] {
            check_list(linux, list, "linux", out);
        }
    }
}

/// Check `parent[list]` (a mapping array) found at path `at`.
pub(super) fn check_list(parent: &Value, list: &str, at: &str, out: &mut Vec<Diagnostic>) {
    let entries = array(parent, list);
    if entries.is_empty() {
        return;
    }
    let base = path::key(at, list);
    let mut seen: Vec<(usize, Range, Range)> = Vec::new();
    for (i, m) in entries.iter().enumerate() {
        let here = path::index(&base, i);
        let (Some(c), Some(h), Some(n)) = (int(m, "containerID"), int(m, "hostID"), int(m, "size"))
        else {
            continue;
        };
        if n < 1 {
            out.push(Diagnostic::error(
                path::key(&here, "size"),
                "must be at least 1",
            ));
            continue;
        }
        if c + n > ID_SPACE || h + n > ID_SPACE {
            out.push(Diagnostic::error(
                &here,
                format!("range of {n} ids from containerID {c} / hostID {h} runs past 4294967295"),
            ));
            continue;
        }
        let (cr, hr) = ((c, c + n), (h, h + n));
        for (j, pc, ph) in &seen {
            let side = if overlaps(cr, *pc) {
                "container"
            } else if overlaps(hr, *ph) {
                "host"
            } else {
                continue;
            };
            out.push(Diagnostic::error(
                &here,
                format!("{side} id range overlaps `{}`", path::index(&base, *j)),
            ));
        }
        seen.push((i, cr, hr));
    }
}

fn overlaps(a: Range, b: Range) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    fn errs(maps: Value) -> Vec<String> {
        let mut out = Vec::new();
        check_linux(&json!({"linux": {"uidMappings": maps}}), &mut out);
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn sane_mappings_pass() {
        assert!(
            errs(json!([{"containerID": 0, "hostID": 100000, "size": 65536},
                           {"containerID": 65536, "hostID": 1000, "size": 1}]))
            .is_empty()
        );
    }

    #[test]
    fn insane_mappings_fail() {
        assert_eq!(
            errs(json!([{"containerID": 0, "hostID": 1, "size": 0}])),
            vec!["linux.uidMappings[0].size: must be at least 1"]
        );
        assert!(
            errs(json!([{"containerID": 4294967295u32, "hostID": 0, "size": 2}]))[0]
                .contains("runs past")
        );
        let e = errs(json!([{"containerID": 0, "hostID": 1000, "size": 10},
                            {"containerID": 5, "hostID": 5000, "size": 10}]));
        assert_eq!(
            e,
            vec!["linux.uidMappings[1]: container id range overlaps `linux.uidMappings[0]`"]
        );
        let e = errs(json!([{"containerID": 0, "hostID": 1000, "size": 10},
                            {"containerID": 100, "hostID": 1005, "size": 10}]));
        assert!(e[0].contains("host id range overlaps"), "{e:?}");
    }
}
