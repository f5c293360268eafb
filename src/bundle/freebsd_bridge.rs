//! The bridge from the legacy `org.freebsd.*` annotations (written by
//! podman, buildah, CRI-O and Daemonless compose files for ocijail) to the
//! v1.3.0 `freebsd.jail` object. The table is in `docs/freebsd.md`.
//!
//! Precedence: an explicit `freebsd.jail` field wins over an annotation; a
//! differing annotation is reported as a warning. Annotations are never
//! removed or rewritten. Legacy `allow.*` names that have no v1.3.0 field
//! are kept under `freebsd.jail["org.stockade.legacyParams"]`, where the
//! planner reads them and sends them as plain jail(8) flags.

use crate::bundle::doc::{Map, Value};

use super::freebsd::LEGACY_PARAMS_KEY;
use super::Diagnostic;

/// `allow.*` names ocijail accepts that have a v1.3.0 boolean field.
const ALLOW_WITH_FIELD: &[(&str, &str)] = &[
    ("set_hostname", "setHostname"),
    ("raw_sockets", "rawSockets"),
    ("chflags", "chflags"),
    ("quotas", "quotas"),
    ("socket_af", "socketAf"),
    ("mlock", "mlock"),
    ("reserved_ports", "reservedPorts"),
    ("suser", "suser"),
];

/// `allow.mount.<fs>` names ocijail accepts; each maps to an `allow.mount` entry.
const MOUNT_FS: &[&str] = &["devfs", "fdescfs", "nullfs", "procfs", "tmpfs", "zfs"];

/// `allow.*` names ocijail accepts that have no v1.3.0 field (applied raw).
const ALLOW_RAW: &[&str] = &[
    "adjtime",
    "extattr",
    "mount",
    "nfsd",
    "read_msgbuf",
    "routing",
    "setaudit",
    "settime",
    "unprivileged_parent_tampering",
    "unprivileged_proc_debug",
];

const SYSV: &[&str] = &["sysvmsg", "sysvsem", "sysvshm"];
/// Annotation keys the bridge acts on (`features` lists them as
/// potentially unsafe).
pub const JAIL_PREFIX: &str = "org.freebsd.jail.";
pub const PARENT_KEY: &str = "org.freebsd.parentJail";

/// What the annotations ask for, in `freebsd.jail` shape.
#[derive(Default)]
struct Wanted {
    /// (v1.3.0 field under `freebsd.jail`, value, annotation key it came from).
    fields: Vec<(String, Value, String)>,
    /// `allow` members: (field, value, annotation key).
    allow: Vec<(String, Value, String)>,
    /// File system types for `allow.mount`, with their annotation keys.
    mount: Vec<(String, String)>,
    /// jail(8) name → value for names without a v1.3.0 field.
    raw: Vec<(String, bool)>,
}

/// Fold the annotations of `doc` into `doc.freebsd.jail`.
pub(super) fn bridge(doc: &mut Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(Value::Object(ann)) = doc.get("annotations") else {
        return out;
    };
    let wanted = collect(ann, &mut out);
    if wanted.is_empty() {
        return out;
    }
    let Some(jail) = jail_object(doc, &mut out) else {
        return out;
    };
    merge(jail, wanted, &mut out);
    out
}

impl Wanted {
    fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && self.allow.is_empty()
            && self.mount.is_empty()
            && self.raw.is_empty()
    }
}

fn ann_path(key: &str) -> String {
    format!("annotations[\"{key}\"]")
}

fn collect(ann: &Map, out: &mut Vec<Diagnostic>) -> Wanted {
    let mut w = Wanted::default();
    let mut sysvipc: Option<(bool, String)> = None;
    for (key, value) in ann {
        if !key.starts_with("org.freebsd.") {
            continue;
        }
        let Value::String(v) = value else {
            out.push(Diagnostic::warning(
                ann_path(key),
                "annotation values must be strings; ignored",
            ));
            continue;
        };
        let v = v.trim();
        if key == PARENT_KEY {
            if v.is_empty() {
                out.push(Diagnostic::error(ann_path(key), "empty parent jail name"));
            } else {
                w.fields.push(("parent".into(), v.into(), key.clone()));
            }
            continue;
        }
        let Some(name) = key.strip_prefix(JAIL_PREFIX) else {
            out.push(Diagnostic::warning(
                ann_path(key),
                "unknown org.freebsd annotation; ignored",
            ));
            continue;
        };
        match name {
            "vnet" => match v {
                "new" | "inherit" => w.fields.push(("vnet".into(), v.into(), key.clone())),
                _ => out.push(Diagnostic::error(
                    ann_path(key),
                    format!("`{v}` is not a vnet mode (expected `new` or `inherit`)"),
                )),
            },
            "ip4.addr" => w.fields.push(("ip4Addr".into(), addr_list(v), key.clone())),
            "ip6.addr" | "ip6.add" => {
                if name == "ip6.add" {
                    out.push(Diagnostic::warning(
                        ann_path(key),
                        "misspelled legacy annotation accepted as `org.freebsd.jail.ip6.addr`",
                    ));
                }
                w.fields.push(("ip6Addr".into(), addr_list(v), key.clone()));
            }
            n if SYSV.contains(&n) => match v {
                "new" | "inherit" | "disable" => w.fields.push((n.into(), v.into(), key.clone())),
                _ => out.push(Diagnostic::error(
                    ann_path(key),
                    format!("`{v}` is not a sharing mode (expected `new`, `inherit` or `disable`)"),
                )),
            },
            "jid" => out.push(Diagnostic::warning(
                ann_path(key),
                "output-only annotation (written into `state`), ignored in a config",
            )),
            n => match n.strip_prefix("allow.") {
                Some(allow) => {
                    let Some(on) = parse_bool(v) else {
                        out.push(Diagnostic::warning(
                            ann_path(key),
                            format!("`{v}` is not a boolean (`true`/`1` or `false`/`0`); ignored"),
                        ));
                        continue;
                    };
                    if allow == "sysvipc" {
                        sysvipc = Some((on, key.clone()));
                    } else {
                        allow_name(allow, on, key, &mut w, out);
                    }
                }
                None => out.push(Diagnostic::warning(
                    ann_path(key),
                    "unknown org.freebsd.jail annotation; ignored",
                )),
            },
        }
    }
    if let Some((on, key)) = sysvipc {
        // allow.sysvipc is the old umbrella for all three: true = share the
        // host's IPC (inherit), false = none. A per-kind annotation wins.
        let mode = if on { "inherit" } else { "disable" };
        for kind in SYSV {
            if !w.fields.iter().any(|(f, _, _)| f == kind) {
                w.fields.push(((*kind).into(), mode.into(), key.clone()));
            }
        }
        out.push(Diagnostic::warning(
            ann_path(&key),
            format!("legacy umbrella mapped to `freebsd.jail.sysvmsg/sysvsem/sysvshm` = `{mode}`"),
        ));
    }
    w
}

fn allow_name(name: &str, on: bool, key: &str, w: &mut Wanted, out: &mut Vec<Diagnostic>) {
    if let Some((_, field)) = ALLOW_WITH_FIELD.iter().find(|(n, _)| *n == name) {
        w.allow.push(((*field).into(), Value::Bool(on), key.into()));
    } else if let Some(fs) = name
        .strip_prefix("mount.")
        .filter(|fs| MOUNT_FS.contains(fs))
    {
        // Absent from `allow.mount` already means "not allowed".
        if on {
            w.mount.push((fs.into(), key.into()));
        }
    } else if ALLOW_RAW.contains(&name) {
        w.raw.push((format!("allow.{name}"), on));
        out.push(Diagnostic::warning(
            ann_path(key),
            format!("no v1.3.0 field; applied as the raw jail parameter `allow.{name}`"),
        ));
    } else {
        out.push(Diagnostic::warning(
            ann_path(key),
            format!("`allow.{name}` is not an accepted jail permission; ignored"),
        ));
    }
}

/// `true`/`1` (and leniently `yes`/`on`) or `false`/`0` (`no`/`off`).
fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn addr_list(v: &str) -> Value {
    Value::Array(
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.into()))
            .collect(),
    )
}

/// `doc.freebsd.jail`, created if missing; `None` (with a warning) when the
/// user's document has a non-object there, which validation reports anyway.
fn jail_object<'a>(doc: &'a mut Value, out: &mut Vec<Diagnostic>) -> Option<&'a mut Map> {
    let root = doc.as_object_mut()?;
    let fb = root
        .entry("freebsd")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(fb) = fb else {
        out.push(Diagnostic::warning(
            "freebsd",
            "not an object; annotations not bridged",
        ));
        return None;
    };
    let jail = fb
        .entry("jail")
        .or_insert_with(|| Value::Object(Map::new()));
    match jail {
        Value::Object(j) => Some(j),
        _ => {
            out.push(Diagnostic::warning(
                "freebsd.jail",
                "not an object; annotations not bridged",
            ));
            None
        }
    }
}

fn merge(jail: &mut Map, w: Wanted, out: &mut Vec<Diagnostic>) {
    for (field, value, key) in w.fields {
        put(
            jail,
            &field,
            value,
            &key,
            &format!("freebsd.jail.{field}"),
            out,
        );
    }
    if !w.allow.is_empty() || !w.mount.is_empty() {
        let allow = jail
            .entry("allow")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(allow) = allow else {
            out.push(Diagnostic::warning(
                "freebsd.jail.allow",
                "not an object; allow annotations not bridged",
            ));
            return;
        };
        for (field, value, key) in w.allow {
            put(
                allow,
                &field,
                value,
                &key,
                &format!("freebsd.jail.allow.{field}"),
                out,
            );
        }
        merge_mount(allow, w.mount, out);
    }
    if !w.raw.is_empty() {
        let raw: Map = w
            .raw
            .into_iter()
            .map(|(k, v)| (k, Value::Bool(v)))
            .collect();
        jail.insert(LEGACY_PARAMS_KEY.into(), Value::Object(raw));
    }
}

/// Set `obj[field]` unless the user set it; report a differing annotation.
fn put(obj: &mut Map, field: &str, value: Value, key: &str, path: &str, out: &mut Vec<Diagnostic>) {
    match obj.get(field) {
        None | Some(Value::Null) => {
            obj.insert(field.into(), value);
        }
        Some(have) if *have == value => {}
        Some(have) => out.push(Diagnostic::warning(
            path,
            format!(
                "annotation `{key}` asks for {value}, but the field says {have}; the field wins"
            ),
        )),
    }
}

fn merge_mount(allow: &mut Map, mut fs: Vec<(String, String)>, out: &mut Vec<Diagnostic>) {
    if fs.is_empty() {
        return;
    }
    fs.sort();
    match allow.get("mount") {
        None | Some(Value::Null) => {
            let list = fs.into_iter().map(|(f, _)| Value::String(f)).collect();
            allow.insert("mount".into(), Value::Array(list));
        }
        Some(have) => {
            let listed = |f: &str| have.as_array().is_some_and(|a| a.iter().any(|x| x == f));
            for (f, key) in fs.iter().filter(|(f, _)| !listed(f)) {
                out.push(Diagnostic::warning(
                    "freebsd.jail.allow.mount",
                    format!("annotation `{key}` asks for `{f}`, but the field does not list it; the field wins"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;
    use crate::bundle::Severity;

    fn run(mut doc: Value) -> (Value, Vec<Diagnostic>) {
        let d = bridge(&mut doc);
        (doc, d)
    }

    fn with_ann(ann: Value) -> Value {
        json!({"ociVersion": "1.3.0", "annotations": ann})
    }

    #[test]
    fn every_mode_annotation_maps() {
        let (doc, d) = run(with_ann(json!({
            "org.freebsd.parentJail": "pod1",
            "org.freebsd.jail.vnet": "new",
            "org.freebsd.jail.ip4.addr": "10.0.0.2, 10.0.0.3",
            "org.freebsd.jail.ip6.addr": "fd00::2",
            "org.freebsd.jail.sysvmsg": "disable",
            "org.freebsd.jail.sysvsem": "new",
            "org.freebsd.jail.sysvshm": "inherit",
        })));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            doc["freebsd"]["jail"],
            json!({"parent": "pod1", "vnet": "new", "ip4Addr": ["10.0.0.2", "10.0.0.3"],
                   "ip6Addr": ["fd00::2"], "sysvmsg": "disable", "sysvsem": "new", "sysvshm": "inherit"})
        );
    }

    #[test]
    fn allow_names_map_to_fields_mount_list_and_raw_params() {
        let (doc, d) = run(with_ann(json!({
            "org.freebsd.jail.allow.mlock": "true",
            "org.freebsd.jail.allow.raw_sockets": "1",
            "org.freebsd.jail.allow.suser": "false",
            "org.freebsd.jail.allow.mount.zfs": "true",
            "org.freebsd.jail.allow.mount.tmpfs": "yes",
            "org.freebsd.jail.allow.settime": "true",
        })));
        let jail = &doc["freebsd"]["jail"];
        assert_eq!(
            jail["allow"],
            json!({"mlock": true, "rawSockets": true, "suser": false, "mount": ["tmpfs", "zfs"]})
        );
        assert_eq!(jail[LEGACY_PARAMS_KEY], json!({"allow.settime": true}));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("allow.settime"));
    }

    #[test]
    fn field_wins_and_conflict_is_warned() {
        let mut doc = with_ann(
            json!({"org.freebsd.jail.vnet": "new", "org.freebsd.jail.allow.mlock": "true"}),
        );
        doc["freebsd"] = json!({"jail": {"vnet": "inherit", "allow": {"mlock": false}}});
        let (doc, d) = run(doc);
        assert_eq!(doc["freebsd"]["jail"]["vnet"], "inherit");
        assert_eq!(doc["freebsd"]["jail"]["allow"]["mlock"], false);
        let paths: Vec<_> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["freebsd.jail.vnet", "freebsd.jail.allow.mlock"]);
        assert!(d
            .iter()
            .all(|d| d.severity == Severity::Warning && d.message.contains("field wins")));
    }

    #[test]
    fn equal_annotation_and_field_is_quiet() {
        let mut doc = with_ann(json!({"org.freebsd.jail.vnet": "new"}));
        doc["freebsd"] = json!({"jail": {"vnet": "new"}});
        assert!(run(doc).1.is_empty());
    }

    #[test]
    fn sysvipc_umbrella_fills_only_unset_kinds() {
        let (doc, d) = run(with_ann(json!({
            "org.freebsd.jail.allow.sysvipc": "true",
            "org.freebsd.jail.sysvshm": "new",
        })));
        let j = &doc["freebsd"]["jail"];
        assert_eq!(
            (
                j["sysvmsg"].as_str(),
                j["sysvsem"].as_str(),
                j["sysvshm"].as_str()
            ),
            (Some("inherit"), Some("inherit"), Some("new"))
        );
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn bad_values_are_reported() {
        let (_, d) = run(with_ann(json!({
            "org.freebsd.jail.vnet": "disable",
            "org.freebsd.jail.sysvshm": "shared",
            "org.freebsd.jail.allow.mlock": "maybe",
            "org.freebsd.jail.allow.bogus": "true",
            "org.freebsd.jail.jid": "7",
            "org.freebsd.jail.frob": "1",
        })));
        let sev: Vec<_> = d.iter().map(|d| (d.path.clone(), d.severity)).collect();
        assert_eq!(
            sev.iter().filter(|(_, s)| *s == Severity::Error).count(),
            2,
            "{sev:?}"
        );
        assert_eq!(d.len(), 6, "{d:?}");
        assert!(d[0].path.contains("org.freebsd.jail.vnet"));
    }

    #[test]
    fn no_freebsd_annotations_no_freebsd_object() {
        let (doc, d) = run(with_ann(json!({"org.example": "x"})));
        assert!(doc.get("freebsd").is_none());
        assert!(d.is_empty());
    }

    #[test]
    fn annotations_are_left_intact() {
        let ann = json!({"org.freebsd.jail.vnet": "new", "org.freebsd.jail.allow.nfsd": "1"});
        let (doc, _) = run(with_ann(ann.clone()));
        assert_eq!(doc["annotations"], ann);
    }

    #[test]
    fn explicit_mount_list_wins_over_annotation() {
        let mut doc = with_ann(json!({"org.freebsd.jail.allow.mount.zfs": "true"}));
        doc["freebsd"] = json!({"jail": {"allow": {"mount": ["tmpfs"]}}});
        let (doc, d) = run(doc);
        assert_eq!(doc["freebsd"]["jail"]["allow"]["mount"], json!(["tmpfs"]));
        assert_eq!(d.len(), 1);
    }
}
