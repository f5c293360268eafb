//! `JailPlan`: everything the apply layer will do for one container, decided
//! up front from the normalized bundle. Pure apart from reading symlinks
//! inside the rootfs (see `resolve`) and under the bundle (see `confine`);
//! deterministic; serializable so that
//! `stockade validate --platform freebsd --format json` can print it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::resolve::{FsView, RootfsView};
use super::{confine, hooks, input, mounts, naming, params, process};
use crate::bundle::{Bundle, Diagnostic, Severity};

pub use super::hooks::{HookPlan, HooksPlan};
pub use super::mounts::{DevfsRule, MountOption, MountStep};
pub use super::params::{JailParam, ParamValue};
pub use super::process::{ProcessPlan, RlimitPlan, UserPlan};

/// Where state lives unless the caller says otherwise (`--root`).
pub const DEFAULT_STATE_ROOT: &str = "/var/run/stockade";

/// Inputs of the plan that do not come from the bundle.
#[derive(Debug, Clone)]
pub struct PlanContext {
    /// The runtime's state root; the read-only root alias lives below it.
    pub state_root: PathBuf,
}

impl Default for PlanContext {
    fn default() -> Self {
        Self {
            state_root: PathBuf::from(DEFAULT_STATE_ROOT),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JailPlan {
    /// The container id.
    pub id: String,
    /// The jail name: `<id>` or `<parent>.<id>`.
    pub name: String,
    /// The parent jail, whose `children.max` the apply layer raises if full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub rootfs: RootfsPlan,
    /// jail_set(2) parameters, in the order they are sent.
    pub params: Vec<JailParam>,
    /// Mounts, in order; each target is resolved inside the rootfs.
    pub mounts: Vec<MountStep>,
    /// Host interfaces moved into the jail's vnet after creation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vnet_interfaces: Vec<String>,
    /// Addresses aliased on a host interface (non-vnet `interface`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_aliases: Option<IpAliases>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<ProcessPlan>,
    #[serde(default, skip_serializing_if = "HooksPlan::is_empty")]
    pub hooks: HooksPlan,
    /// Warnings of the planner (the bundle's own are in `Bundle::warnings`).
    #[serde(skip_serializing_if = "Vec::is_empty", skip_deserializing)]
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RootfsPlan {
    /// `root.path`, absolute.
    pub path: String,
    pub readonly: bool,
    /// The directory used as the jail's `path`: `path` itself, or for a
    /// read-only root a read-only nullfs alias of it under the state dir.
    pub jail_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IpAliases {
    pub interface: String,
    pub ip4: Vec<String>,
    pub ip6: Vec<String>,
}

/// Plan container `id` with the default state root, reading symlinks from
/// the real rootfs.
pub fn plan(bundle: &Bundle, id: &str) -> Result<JailPlan, Vec<Diagnostic>> {
    plan_with(bundle, id, &PlanContext::default())
}

/// [`plan`] with an explicit context.
pub fn plan_with(
    bundle: &Bundle,
    id: &str,
    ctx: &PlanContext,
) -> Result<JailPlan, Vec<Diagnostic>> {
    let doc: input::Doc = crate::bundle::doc::from_value(&bundle.doc)
        .map_err(|e| vec![Diagnostic::error("", format!("cannot plan: {e}"))])?;
    let root = doc
        .root
        .as_ref()
        .map(|r| r.path.clone())
        .unwrap_or_default();
    plan_doc(
        bundle,
        &doc,
        id,
        ctx,
        &FsView {
            root: Path::new(&root),
        },
    )
}

/// The planner proper, over any view of the rootfs.
pub(super) fn plan_doc(
    bundle: &Bundle,
    doc: &input::Doc,
    id: &str,
    ctx: &PlanContext,
    view: &dyn RootfsView,
) -> Result<JailPlan, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let jail = bundle
        .freebsd
        .as_ref()
        .and_then(|f| f.jail.clone())
        .unwrap_or_default();
    let parent = jail.parent.clone();
    let name = naming::jail_name(id, parent.as_deref()).unwrap_or_else(|d| {
        out.push(d);
        String::new()
    });
    let rootfs = rootfs_plan(doc, id, ctx, &mut out);
    if let Err(e) = confine::check_in_bundle(&bundle.dir, &bundle.dir.join(&rootfs.path)) {
        out.push(Diagnostic::error("root.path", e));
    }
    let params = params::jail_params(&name, &rootfs.jail_path, doc, &jail, &mut out);
    let devices = bundle
        .freebsd
        .as_ref()
        .and_then(|f| f.devices.clone())
        .unwrap_or_default();
    let mounts = mounts::plan_mounts(&doc.mounts, &devices, &bundle.dir, view, &mut out);
    let (vnet_interfaces, ip_aliases) = params::network_extras(&jail, &mut out);
    let process = doc
        .process
        .as_ref()
        .map(|p| process::plan_process(p, &mut out));
    let hooks = hooks::plan_hooks(doc.hooks.as_ref(), &mut out);

    let (errors, warnings): (Vec<_>, Vec<_>) =
        out.into_iter().partition(|d| d.severity == Severity::Error);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(JailPlan {
        id: id.to_string(),
        name,
        parent,
        rootfs,
        params,
        mounts,
        vnet_interfaces,
        ip_aliases,
        process,
        hooks,
        warnings,
    })
}

fn rootfs_plan(
    doc: &input::Doc,
    id: &str,
    ctx: &PlanContext,
    out: &mut Vec<Diagnostic>,
) -> RootfsPlan {
    let Some(root) = &doc.root else {
        out.push(Diagnostic::error(
            "root",
            "missing: a jail needs a root directory",
        ));
        return RootfsPlan {
            path: String::new(),
            readonly: false,
            jail_path: String::new(),
        };
    };
    let jail_path = if root.readonly {
        ctx.state_root
            .join(id)
            .join("root")
            .to_string_lossy()
            .into_owned()
    } else {
        root.path.clone()
    };
    RootfsPlan {
        path: root.path.clone(),
        readonly: root.readonly,
        jail_path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::jail::resolve::tests::Links;
    use crate::bundle::{load_str, Platform};
    use serde_json::json;

    fn bundle(doc: serde_json::Value) -> Bundle {
        load_str(&doc.to_string(), Path::new("/b"), Platform::FreeBsd).expect("valid bundle")
    }

    fn run(doc: serde_json::Value, id: &str) -> Result<JailPlan, Vec<Diagnostic>> {
        let b = bundle(doc);
        let d: input::Doc = crate::bundle::doc::from_value(&b.doc).unwrap();
        plan_doc(
            &b,
            &d,
            id,
            &PlanContext::default(),
            &Links(Default::default()),
        )
    }

    #[test]
    fn child_jail_name_and_readonly_alias() {
        let p = run(
            json!({"ociVersion": "1.3.0", "root": {"path": "rootfs", "readonly": true},
                           "freebsd": {"jail": {"parent": "pod"}}}),
            "c1",
        )
        .unwrap();
        assert_eq!(p.name, "pod.c1");
        assert_eq!(p.parent.as_deref(), Some("pod"));
        assert_eq!(p.rootfs.jail_path, "/var/run/stockade/c1/root");
        assert_eq!(
            p.params[1].value,
            ParamValue::String("/var/run/stockade/c1/root".into())
        );
    }

    #[test]
    fn errors_are_collected_not_first_only() {
        let e = run(
            json!({"ociVersion": "1.3.0", "root": {"path": "r"},
            "mounts": [{"destination": "/a/../b", "source": "/x"}],
            "freebsd": {"jail": {"vnet": "new", "ip4Addr": ["1.2.3.4"]}}}),
            "9",
        )
        .unwrap_err();
        let paths: Vec<_> = e.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["", "freebsd.jail.ip4Addr", "mounts[0].destination"]);
    }

    #[test]
    fn rootfs_or_volume_escaping_the_bundle_is_refused() {
        let b = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), b.path().join("rootfs")).unwrap();
        std::os::unix::fs::symlink("/etc", b.path().join("vol")).unwrap();
        let doc = json!({"ociVersion": "1.3.0", "root": {"path": "rootfs"},
            "mounts": [{"destination": "/data", "type": "nullfs", "source": "vol"}]});
        let bundle = load_str(&doc.to_string(), b.path(), Platform::FreeBsd).unwrap();
        let e = plan(&bundle, "c").unwrap_err();
        let paths: Vec<_> = e.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["root.path", "mounts[0].source"], "{e:?}");
        assert!(e[0].message.contains("leads out of the bundle"));
    }

    #[test]
    fn plan_json_round_trips() {
        let p = run(
            json!({"ociVersion": "1.3.0", "root": {"path": "r"}, "hostname": "h",
            "process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
            "mounts": [{"destination": "/dev", "type": "devfs", "options": ["ruleset=4"]}],
            "freebsd": {"jail": {"ip6Addr": ["fd00::1"], "allow": {"mlock": false}}}}),
            "c",
        )
        .unwrap();
        let text = serde_json::to_string(&p).unwrap();
        let back: JailPlan = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
    }
}
