//! The OCI features document (`stockade features`, runtime-spec v1.3.0
//! features.md). This module is the only place that assembles it.
//!
//! Every list is derived from the table that decides whether a field is
//! accepted or applied: the front end's tables in `bundle::known`, the
//! backend's own report (`libcrun_container_get_features` on Linux, the jail
//! planner's option table on FreeBSD) and `bundle::host::BackendSupport`.
//! Where libcrun answers statically (cgroup managers, LSMs, idmapped
//! mounts), the host is probed instead, so nothing is claimed that a
//! container on this machine could not get. The rules are in `linux.rs`.

pub mod cache;
pub mod jail;
#[cfg(target_os = "linux")]
pub mod linux;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::bundle::{freebsd, version};
use crate::error::Result;

/// Our own annotation namespace in the document.
pub const ANNOTATION_PREFIX: &str = "org.stockade.";

/// The document for this build on this host.
pub fn document() -> Result<Value> {
    #[cfg(target_os = "linux")]
    {
        let inputs = linux::Inputs::gather()?;
        Ok(linux::document(&inputs))
    }
    #[cfg(target_os = "freebsd")]
    {
        let facts = crate::backend::jail::hostfacts::gather_all()
            .map_err(|e| crate::error::Error::Other(format!("features: {e:#}")))?;
        Ok(common(
            crate::bundle::known::HOOK_KINDS,
            crate::backend::jail::recognised_mount_options(),
            jail::annotations(&facts),
            &[],
        ))
    }
}

/// The members v1.3.0 defines for every platform, in the spec's order.
/// `extra_annotations` and `unsafe_annotations` come from the backend.
pub(crate) fn common(
    hooks: &[&str],
    mut mount_options: Vec<&str>,
    extra_annotations: BTreeMap<String, String>,
    unsafe_annotations: &[&str],
) -> Value {
    mount_options.sort_unstable();
    mount_options.dedup();
    let mut annotations = BTreeMap::from([
        (
            format!("{ANNOTATION_PREFIX}version"),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        (
            format!("{ANNOTATION_PREFIX}commit"),
            env!("STOCKADE_COMMIT").to_string(),
        ),
    ]);
    annotations.extend(extra_annotations);
    let mut unsafe_keys: Vec<&str> = unsafe_annotations.to_vec();
    for k in freebsd::BRIDGED_ANNOTATIONS {
        if !unsafe_keys.contains(k) {
            unsafe_keys.push(k);
        }
    }
    let mut doc = Map::new();
    doc.insert("ociVersionMin".into(), json!(version::MIN));
    doc.insert("ociVersionMax".into(), json!(version::MAX));
    doc.insert("hooks".into(), json!(hooks));
    doc.insert("mountOptions".into(), json!(mount_options));
    doc.insert("annotations".into(), json!(annotations));
    doc.insert(
        "potentiallyUnsafeConfigAnnotations".into(),
        json!(unsafe_keys),
    );
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::known;

    #[test]
    fn common_part() {
        let d = common(
            known::HOOK_KINDS,
            vec!["ro", "bind", "ro"],
            BTreeMap::from([("x.y".to_string(), "1".to_string())]),
            &["run.oci."],
        );
        let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "ociVersionMin",
                "ociVersionMax",
                "hooks",
                "mountOptions",
                "annotations",
                "potentiallyUnsafeConfigAnnotations"
            ]
        );
        assert_eq!(d["ociVersionMin"], "1.0.0");
        assert_eq!(d["ociVersionMax"], "1.3.0");
        assert_eq!(d["mountOptions"], json!(["bind", "ro"]));
        assert_eq!(d["annotations"]["x.y"], "1");
        assert_eq!(
            d["annotations"]["org.stockade.version"],
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(
            d["potentiallyUnsafeConfigAnnotations"],
            json!(["run.oci.", "org.freebsd.jail.", "org.freebsd.parentJail"])
        );
    }

    /// What FreeBSD reports: every option the jail planner recognises is
    /// planned without an error, on a nullfs (or tmpfs for `tmpcopyup`) mount.
    #[test]
    fn freebsd_mount_options_are_planned() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("rootfs/mnt")).unwrap();
        for o in crate::backend::jail::recognised_mount_options() {
            let typ = if o == "tmpcopyup" { "tmpfs" } else { "nullfs" };
            let doc = json!({
                "ociVersion": "1.3.0",
                "root": {"path": "rootfs"},
                "process": {"args": ["/bin/sh"], "cwd": "/"},
                "mounts": [{"destination": "/mnt", "type": typ, "source": "/tmp", "options": [o]}]
            });
            let b = crate::bundle::load_str(
                &doc.to_string(),
                dir.path(),
                crate::bundle::Platform::FreeBsd,
            )
            .unwrap_or_else(|e| panic!("{o}: {e}"));
            if let Err(d) = crate::backend::jail::plan(&b, "c") {
                panic!("{o}: {d:?}");
            }
        }
    }
}
