//! Rewrites a parsed document into the v1.3.0 form the backends consume.
//! Each rule is a small pure function over the JSON value.

use std::path::Path;

use serde_json::Value;

use super::{freebsd, version, Diagnostic, Platform};

pub(super) fn normalize(doc: &mut Value, dir: &Path, platform: Platform) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !doc.is_object() {
        out.push(Diagnostic::error(
            "",
            "the configuration must be a JSON object",
        ));
        return out;
    }
    oci_version(doc, &mut out);
    rootfs_absolute(doc, dir, &mut out);
    mount_destinations(doc, platform, &mut out);
    default_user(doc, &mut out);
    out.extend(freebsd::bridge_annotations(doc, platform));
    platform_gate(doc, platform, &mut out);
    out
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

fn rootfs_absolute(doc: &mut Value, dir: &Path, out: &mut Vec<Diagnostic>) {
    let Some(path) = doc.pointer_mut("/root/path") else {
        return;
    };
    match path {
        Value::String(p) if p.is_empty() => {
            out.push(Diagnostic::error("root.path", "must not be empty"))
        }
        Value::String(p) if !p.starts_with('/') => {
            *p = dir.join(&*p).to_string_lossy().into_owned()
        }
        Value::String(_) => {}
        _ => out.push(Diagnostic::error("root.path", "must be a string")),
    }
}

fn mount_destinations(doc: &mut Value, platform: Platform, out: &mut Vec<Diagnostic>) {
    let Some(Value::Array(mounts)) = doc.get_mut("mounts") else {
        return;
    };
    for (i, m) in mounts.iter_mut().enumerate() {
        let path = format!("mounts[{i}].destination");
        let Some(Value::String(dest)) = m.get_mut("destination") else {
            continue;
        };
        if dest.is_empty() || dest.starts_with('/') {
            continue; // empty: validation rejects it; not a relative path
        }
        match platform {
            Platform::Linux => {
                out.push(Diagnostic::warning(
                    &path,
                    format!("relative destination `{dest}` is deprecated; resolved against `/`"),
                ));
                *dest = format!("/{dest}");
            }
            _ => out.push(Diagnostic::error(
                &path,
                format!("destination `{dest}` must be absolute"),
            )),
        }
    }
}

/// The schema lets `process.user` be absent; Go runtimes then run as uid 0,
/// gid 0 (the zero value). Make that explicit so the typed view and the
/// backend agree, and say so.
fn default_user(doc: &mut Value, out: &mut Vec<Diagnostic>) {
    let Some(Value::Object(p)) = doc.get_mut("process") else {
        return;
    };
    if p.get("user").is_none_or(Value::is_null) {
        p.insert("user".into(), serde_json::json!({"uid": 0, "gid": 0}));
        out.push(Diagnostic::warning(
            "process.user",
            "missing; the process runs as uid 0, gid 0",
        ));
    }
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
    use serde_json::json;

    fn run(mut doc: Value, platform: Platform) -> (Value, Vec<Diagnostic>) {
        let d = normalize(&mut doc, Path::new("/b"), platform);
        (doc, d)
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
