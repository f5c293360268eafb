//! Rewrites a parsed document into the v1.3.0 form the backends consume.
//! Each rule is a small pure function over the JSON value.

use std::path::Path;

use crate::bundle::doc::Value;

use super::{freebsd, path, version, Diagnostic, Platform};

/// What normalizing found, and whether it rewrote anything.
pub(super) struct Normalized {
    pub findings: Vec<Diagnostic>,
    /// The document no longer says exactly what the text said.
    pub changed: bool,
}

pub(super) fn normalize(doc: &mut Value, dir: &Path, platform: Platform) -> Normalized {
    let mut out = Vec::new();
    if !doc.is_object() {
        out.push(Diagnostic::error(
            "",
            "the configuration must be a JSON object",
        ));
        return Normalized {
            findings: out,
            changed: false,
        };
    }
    oci_version(doc, &mut out);
    // Not `||`: every rule runs.
    let mut changed = rootfs_absolute(doc, dir, &mut out);
    changed |= mount_destinations(doc, platform, &mut out);
    changed |= default_user(doc, &mut out);
    changed |= device_file_types(doc, &mut out);
    out.extend(freebsd::bridge_annotations(doc, platform));
    // The bridge (FreeBSD only) does not say what it rewrote: there the
    // document always counts as rewritten.
    changed |= platform == Platform::FreeBsd;
    platform_gate(doc, platform, &mut out);
    Normalized {
        findings: out,
        changed,
    }
}

fn oci_version(doc: &Value, out: &mut Vec<Diagnostic>) {
    match doc.get("ociVersion") {
        None => out.push(Diagnostic::error("ociVersion", "missing (required)")),
        Some(Value::String(v)) => {
            if let Err(msg) = version::check(v) {
                out.push(Diagnostic::error("ociVersion", msg));
            }
        }
        Some(_) => out.push(Diagnostic::error("ociVersion", "must be a string")),
    }
}

/// Returns whether the document was rewritten (so for each rule below).
fn rootfs_absolute(doc: &mut Value, dir: &Path, out: &mut Vec<Diagnostic>) -> bool {
    let Some(path) = doc.pointer_mut("/root/path") else {
        return false;
    };
    match path {
        Value::String(p) if p.is_empty() => {
            out.push(Diagnostic::error("root.path", "must not be empty"))
        }
        Value::String(p) if !p.starts_with('/') => {
            *p = dir.join(&*p).to_string_lossy().into_owned();
            return true;
        }
        Value::String(_) => {}
        _ => out.push(Diagnostic::error("root.path", "must be a string")),
    }
    false
}

fn mount_destinations(doc: &mut Value, platform: Platform, out: &mut Vec<Diagnostic>) -> bool {
    let Some(Value::Array(mounts)) = doc.get_mut("mounts") else {
        return false;
    };
    let mut changed = false;
    for (i, m) in mounts.iter_mut().enumerate() {
        let Some(Value::String(dest)) = m.get_mut("destination") else {
            continue;
        };
        if dest.is_empty() || dest.starts_with('/') {
            continue; // empty: validation rejects it; not a relative path
        }
        let path = format!("mounts[{i}].destination");
        match platform {
            Platform::Linux => {
                out.push(Diagnostic::warning(
                    &path,
                    format!("relative destination `{dest}` is deprecated; resolved against `/`"),
                ));
                *dest = format!("/{dest}");
                changed = true;
            }
            _ => out.push(Diagnostic::error(
                &path,
                format!("destination `{dest}` must be absolute"),
            )),
        }
    }
    changed
}

/// The schema lets `process.user` be absent; Go runtimes then run as uid 0,
/// gid 0 (the zero value). Make that explicit so the typed parse and the
/// backend agree, and say so.
fn default_user(doc: &mut Value, out: &mut Vec<Diagnostic>) -> bool {
    let Some(Value::Object(p)) = doc.get_mut("process") else {
        return false;
    };
    if !p.get("user").is_none_or(Value::is_null) {
        return false;
    }
    p.insert(
        "user".into(),
        crate::bundle::doc::json!({"uid": 0, "gid": 0}),
    );
    out.push(Diagnostic::warning(
        "process.user",
        "missing; the process runs as uid 0, gid 0",
    ));
    true
}

/// `S_IFMT` and the node types `linux.devices[].type` names.
const S_IFMT: i64 = 0o170000;
const DEVICE_TYPES: &[(&str, i64, &str)] = &[
    ("c", 0o020000, "S_IFCHR"),
    ("u", 0o020000, "S_IFCHR"),
    ("b", 0o060000, "S_IFBLK"),
    ("p", 0o010000, "S_IFIFO"),
];

/// podman and docker write the file-type bits into `fileMode` (25008 is
/// S_IFBLK | 0660), as stat(2) reports a device node; crun and runc accept
/// that. The type bits are dropped here when they agree with `type` (the
/// node's type comes from `type`, its permissions from the rest), and a
/// disagreement is an error naming both.
fn device_file_types(doc: &mut Value, out: &mut Vec<Diagnostic>) -> bool {
    let Some(Value::Array(devices)) = doc.pointer_mut("/linux/devices") else {
        return false;
    };
    let mut changed = false;
    for (i, d) in devices.iter_mut().enumerate() {
        let Some(mode) = d.get("fileMode").and_then(Value::as_i64) else {
            continue;
        };
        let bits = mode & S_IFMT;
        if mode < 0 || bits == 0 {
            continue;
        }
        let ty = d.get("type").and_then(Value::as_str).unwrap_or_default();
        let want = DEVICE_TYPES.iter().find(|(t, _, _)| *t == ty);
        if let Some((_, want_bits, _)) = want.filter(|(_, b, _)| *b == bits) {
            d["fileMode"] = Value::from(mode & !want_bits);
            changed = true;
            continue;
        }
        let named = |b: i64| match DEVICE_TYPES.iter().find(|(_, v, _)| *v == b) {
            Some((_, _, n)) => format!("{n} ({b:#o})"),
            None => format!("{b:#o}"),
        };
        let expected = match want {
            Some((_, b, _)) => format!("type `{ty}` is {}", named(*b)),
            None => format!("no file type is known for type `{ty}`"),
        };
        out.push(Diagnostic::error(
            path::key(&path::index("linux.devices", i), "fileMode"),
            format!(
                "{mode} ({mode:#o}) carries file type {}, but {expected}",
                named(bits)
            ),
        ));
    }
    changed
}

fn platform_gate(doc: &Value, platform: Platform, out: &mut Vec<Diagnostic>) {
    let (foreign, host): (&str, &str) = match platform {
        Platform::Linux => ("freebsd", "linux"),
        Platform::FreeBsd => ("linux", "freebsd"),
    };
    if doc.get(foreign).is_some_and(|v| !v.is_null()) {
        out.push(Diagnostic::error(
            foreign,
            format!("`{foreign}` section given to the {host} backend"),
        ));
    }
    for other in OTHER_PLATFORMS {
        if doc.get(*other).is_some_and(|v| !v.is_null()) {
            out.push(Diagnostic::warning(
                *other,
                format!("`{other}` section is for another platform; ignored by the {host} backend"),
            ));
        }
    }
}

/// Platform objects no stockade backend runs: ignored with a warning.
const OTHER_PLATFORMS: &[&str] = &["solaris", "windows", "vm", "zos"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    fn run(mut doc: Value, platform: Platform) -> (Value, Vec<Diagnostic>) {
        let d = normalize(&mut doc, Path::new("/b"), platform);
        (doc, d.findings)
    }

    #[test]
    fn says_whether_it_rewrote_the_document() {
        let base = json!({"ociVersion": "1.3.0", "root": {"path": "/r"},
            "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"]},
            "mounts": [{"destination": "/m"}],
            "linux": {"devices": [{"type": "c", "path": "/dev/x", "fileMode": 438}]}});
        let changed = |edit: &dyn Fn(&mut Value), platform| {
            let mut doc = base.clone();
            edit(&mut doc);
            normalize(&mut doc, Path::new("/b"), platform).changed
        };
        assert!(!changed(&|_| {}, Platform::Linux));
        assert!(changed(
            &|d| d["root"]["path"] = json!("rootfs"),
            Platform::Linux
        ));
        assert!(changed(
            &|d| d["mounts"][0]["destination"] = json!("m"),
            Platform::Linux
        ));
        assert!(changed(
            &|d| d["process"]["user"] = Value::Null,
            Platform::Linux
        ));
        assert!(changed(
            &|d| d["linux"]["devices"][0]["fileMode"] = json!(8630),
            Platform::Linux
        ));
        assert!(changed(&|_| {}, Platform::FreeBsd));
    }

    #[test]
    fn device_type_bits_in_file_mode_dropped_when_they_agree() {
        let (doc, d) = run(
            json!({"ociVersion": "1.3.0", "linux": {"devices": [
                {"type": "b", "path": "/dev/loop9", "major": 7, "minor": 9, "fileMode": 25008},
                {"type": "c", "path": "/dev/null2", "major": 1, "minor": 3, "fileMode": 8630},
                {"type": "u", "path": "/dev/u", "major": 1, "minor": 3, "fileMode": 0o20600},
                {"type": "p", "path": "/dev/fifo", "fileMode": 0o10644},
                {"type": "c", "path": "/dev/plain", "major": 1, "minor": 3, "fileMode": 438}
            ]}}),
            Platform::Linux,
        );
        assert!(d.is_empty(), "{d:?}");
        let modes: Vec<&Value> = doc["linux"]["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| &d["fileMode"])
            .collect();
        assert_eq!(
            modes,
            [
                &json!(0o660),
                &json!(0o666),
                &json!(0o600),
                &json!(0o644),
                &json!(438)
            ]
        );
    }

    #[test]
    fn device_type_bits_that_disagree_are_an_error_naming_both() {
        let (doc, d) = run(
            json!({"ociVersion": "1.3.0", "linux": {"devices": [
                {"type": "c", "path": "/dev/x", "major": 7, "minor": 9, "fileMode": 25008},
                {"type": "b", "path": "/dev/y", "major": 7, "minor": 9, "fileMode": 0o140600}
            ]}}),
            Platform::Linux,
        );
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].path, "linux.devices[0].fileMode");
        assert!(
            d[0].message.contains("S_IFBLK (0o60000)"),
            "{}",
            d[0].message
        );
        assert!(
            d[0].message.contains("type `c` is S_IFCHR (0o20000)"),
            "{}",
            d[0].message
        );
        assert!(d[1].message.contains("0o140000"), "{}", d[1].message);
        assert_eq!(
            doc["linux"]["devices"][0]["fileMode"], 25008,
            "left as given"
        );
    }

    #[test]
    fn rootfs_made_absolute_against_bundle() {
        let (doc, d) = run(
            json!({"ociVersion": "1.0.2", "root": {"path": "rootfs"}}),
            Platform::Linux,
        );
        assert_eq!(doc["root"]["path"], "/b/rootfs");
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn relative_mount_destination_warns_on_linux_fails_elsewhere() {
        let src =
            json!({"ociVersion": "1.3.0", "mounts": [{"destination": "tmp", "type": "tmpfs"}]});
        let (doc, d) = run(src.clone(), Platform::Linux);
        assert_eq!(doc["mounts"][0]["destination"], "/tmp");
        assert_eq!(d[0].severity, crate::bundle::Severity::Warning);
        assert_eq!(d[0].path, "mounts[0].destination");
        let (_, d) = run(src, Platform::FreeBsd);
        assert_eq!(d[0].severity, crate::bundle::Severity::Error);
    }

    #[test]
    fn empty_mount_destination_is_not_made_absolute() {
        let (doc, d) = run(
            json!({"ociVersion": "1.3.0", "mounts": [{"destination": ""}]}),
            Platform::Linux,
        );
        assert_eq!(doc["mounts"][0]["destination"], "");
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn freebsd_section_rejected_on_linux() {
        let (_, d) = run(
            json!({"ociVersion": "1.3.0", "freebsd": {}}),
            Platform::Linux,
        );
        assert!(
            d.iter()
                .any(|d| d.path == "freebsd" && d.message.contains("linux backend")),
            "{d:?}"
        );
    }

    #[test]
    fn linux_section_rejected_on_freebsd() {
        let (_, d) = run(
            json!({"ociVersion": "1.3.0", "linux": {}}),
            Platform::FreeBsd,
        );
        assert!(
            d.iter().any(|d| d.path == "linux"
                && d.severity == crate::bundle::Severity::Error
                && d.message.contains("freebsd backend")),
            "{d:?}"
        );
    }

    #[test]
    fn other_platform_sections_only_warn() {
        let (_, d) = run(json!({"ociVersion": "1.3.0", "zos": {}}), Platform::Linux);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].severity, d[0].path.as_str()),
            (crate::bundle::Severity::Warning, "zos")
        );
    }

    #[test]
    fn missing_user_defaults_to_root_with_warning() {
        let (doc, d) = run(
            json!({"ociVersion": "1.3.0", "process": {"cwd": "/", "args": ["sh"]}}),
            Platform::FreeBsd,
        );
        assert_eq!(doc["process"]["user"], json!({"uid": 0, "gid": 0}));
        assert_eq!(d[0].path, "process.user");
        let (doc, d) = run(
            json!({"ociVersion": "1.3.0", "process": {"user": {"uid": 5, "gid": 6}}}),
            Platform::Linux,
        );
        assert_eq!(doc["process"]["user"]["uid"], 5);
        assert!(d.is_empty());
    }

    #[test]
    fn annotations_left_intact() {
        let a = json!({"org.example/x": "1", "run.oci.keep": "y"});
        let (doc, _) = run(
            json!({"ociVersion": "1.3.0", "annotations": a.clone()}),
            Platform::Linux,
        );
        assert_eq!(doc["annotations"], a);
    }
}
