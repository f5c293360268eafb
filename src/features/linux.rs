//! The Linux part of the features document: what the linked libcrun reports,
//! narrowed to what the front end accepts and this host can do.
//!
//! Rules (each is one function below, tested on its own):
//! - `hooks`: the front end's hook kinds that libcrun also runs.
//! - `mountOptions`: the front end's option table (`bundle::mount_options`:
//!   what `validate` and `create` accept and the backend applies, minus what
//!   this kernel lacks), kept where libcrun parses the word or patch 0009
//!   added it; `tests/mount_options.rs` finds each one in a container's
//!   mountinfo.
//! - `linux.namespaces`: the front end's namespace types whose kernel
//!   namespace exists here (`/proc/self/ns/<name>`); libcrun creates all of
//!   them (its own features list omits `time`, which it does handle).
//! - `linux.capabilities`: libcrun's list (from the linked libcap) minus any
//!   name the front end's typed parse would refuse.
//! - `linux.cgroup`: `v1` when cgroup v1 controllers are mounted, `v2` only
//!   when the hierarchy is unified (on a hybrid host libcrun manages the
//!   container through v1 and refuses `resources.unified`); `systemd` and
//!   `systemdUser` when libcrun was built with libsystemd, libsystemd.so.0
//!   can be loaded (libcrun opens it at first use) *and* the host was
//!   booted with systemd (`/run/systemd/system`, the sd_booted(3) test);
//!   `rdma` is false: libcrun 1.21 writes no rdma limits.
//! - `linux.seccomp`: enabled when libcrun has libseccomp and the kernel
//!   takes seccomp filters; actions/operators/archs from libcrun, kept only if
//!   the front end parses them; `knownFlags` are the flag names the backend
//!   parses (`bundle::known`); `supportedFlags` those the running kernel
//!   accepts (libcrun loads the filter with seccomp(2) itself, so the kernel,
//!   not libseccomp, decides; libcrun silently retries without flags).
//! - `linux.apparmor` / `linux.selinux`: libcrun support and the LSM enabled
//!   here, decided as libcrun decides it (`bundle::host::apparmor_enabled`,
//!   `selinux_enabled`); the front end rejects profiles and labels otherwise.
//! - `linux.intelRdt`: libcrun support and a mounted resctrl (the front end
//!   rejects `intelRdt` without one); `schemata`/`monitoring` additionally
//!   need `BackendSupport::LINUX`.
//! - `linux.mountExtensions.idmap`: libcrun support and an id-mapped clone
//!   of `/` and of the temporary directory's mount works right now.
//! - `linux.netDevices`, `linux.memoryPolicy`: `BackendSupport::LINUX`; the
//!   memory-policy lists are empty while the backend cannot apply them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use crate::backend::libcrun::{ffi::CrunFeatures, LIBCRUN_VERSION};
use crate::bundle::host::{self, BackendSupport, CgroupMode};
use crate::bundle::{known, mount_options};
use crate::error::{Error, Result};

/// libcrun 1.21 has no rdma controller code (cgroup-resources.c).
const LIBCRUN_APPLIES_RDMA: bool = false;

/// Words the backend applies that libcrun's own option table does not list:
/// the symlink options of patch 0009, and `ridmap`, which libcrun matches by
/// prefix.
const BEYOND_LIBCRUN_TABLE: &[&str] = &[
    "nosymfollow",
    "symfollow",
    "rnosymfollow",
    "rsymfollow",
    "ridmap",
];

/// What the host offers, as far as the document cares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostProbe {
    pub cgroup: CgroupMode,
    pub resctrl_mounted: bool,
    pub systemd_booted: bool,
    pub apparmor: bool,
    pub selinux: bool,
    pub idmap_mounts: bool,
    /// Namespace types (spec names) the kernel has.
    pub namespaces: Vec<String>,
    /// The kernel takes seccomp filters at all.
    pub seccomp_filter: bool,
    /// `SECCOMP_FILTER_FLAG_*` names the kernel accepts.
    pub seccomp_flags: Vec<String>,
    /// The running kernel's (major, minor).
    pub kernel: Option<(u32, u32)>,
}

/// Everything the document is computed from.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub crun: CrunFeatures,
    pub host: HostProbe,
    pub support: BackendSupport,
}

impl Inputs {
    pub fn gather() -> Result<Self> {
        let crun = crate::backend::libcrun::ffi::features()
            .map_err(|e| Error::Other(format!("features: libcrun: {e}")))?;
        Ok(Inputs {
            crun,
            host: HostProbe::probe(),
            support: BackendSupport::LINUX,
        })
    }
}

/// `/proc/self/ns` file of a namespace type.
fn proc_ns_name(t: &str) -> &str {
    match t {
        "mount" => "mnt",
        "network" => "net",
        other => other,
    }
}

impl HostProbe {
    pub fn probe() -> Self {
        let facts = host::probe(host::Needs::ALL);
        let seccomp_flags = known::SECCOMP_FILTER_FLAGS
            .iter()
            .filter(|(name, bit)| {
                // The kernel takes WAIT_KILLABLE_RECV only with NEW_LISTENER.
                let extra = if *name == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" {
                    libc::SECCOMP_FILTER_FLAG_NEW_LISTENER
                } else {
                    0
                };
                crate::sys::seccomp_filter_flags_known(bit | extra)
            })
            .map(|(name, _)| name.to_string())
            .collect();
        let idmap_dirs = [Path::new("/").to_path_buf(), std::env::temp_dir()];
        HostProbe {
            cgroup: facts.cgroup,
            resctrl_mounted: facts.resctrl_mounted,
            systemd_booted: Path::new("/run/systemd/system").is_dir(),
            apparmor: facts.apparmor,
            selinux: facts.selinux,
            idmap_mounts: idmap_dirs
                .iter()
                .all(|d| crate::sys::idmapped_mount_works(d)),
            namespaces: known::NAMESPACE_TYPES
                .iter()
                .filter(|t| Path::new("/proc/self/ns").join(proc_ns_name(t)).exists())
                .map(|t| t.to_string())
                .collect(),
            seccomp_filter: crate::sys::seccomp_filter_flags_known(0),
            seccomp_flags,
            kernel: facts.kernel,
        }
    }
}

/// Does the front end's typed parse take `name` as a `T`?
fn parses<T: DeserializeOwned>(name: &str) -> bool {
    serde_json::from_value::<T>(json!(name)).is_ok()
}

fn keep<T: DeserializeOwned>(list: &[String]) -> Vec<&str> {
    list.iter()
        .map(String::as_str)
        .filter(|n| parses::<T>(n))
        .collect()
}

pub fn hooks(i: &Inputs) -> Vec<&'static str> {
    known::HOOK_KINDS
        .iter()
        .copied()
        .filter(|h| i.crun.hooks.iter().any(|c| c == h))
        .collect()
}

pub fn mount_options(i: &Inputs) -> Vec<&'static str> {
    mount_options::applied(i.host.kernel)
        .filter(|w| BEYOND_LIBCRUN_TABLE.contains(w) || i.crun.mount_options.iter().any(|c| c == w))
        .collect()
}

pub fn namespaces(i: &Inputs) -> Vec<&'static str> {
    known::NAMESPACE_TYPES
        .iter()
        .copied()
        .filter(|t| i.host.namespaces.iter().any(|n| n == t))
        .collect()
}

pub fn capabilities(i: &Inputs) -> Vec<&str> {
    keep::<oci_spec::runtime::Capability>(&i.crun.capabilities)
}

fn cgroup(i: &Inputs) -> Value {
    let c = &i.crun;
    let mode = i.host.cgroup;
    let systemd = i.host.systemd_booted;
    json!({
        "v1": c.cgroup_v1 && matches!(mode, CgroupMode::Legacy | CgroupMode::Hybrid),
        "v2": c.cgroup_v2 && mode == CgroupMode::Unified,
        "systemd": c.cgroup_systemd && systemd,
        "systemdUser": c.cgroup_systemd_user && systemd,
        "rdma": LIBCRUN_APPLIES_RDMA,
    })
}

fn seccomp(i: &Inputs) -> Value {
    use oci_spec::runtime::{Arch, LinuxSeccompAction, LinuxSeccompOperator};
    let enabled = i.crun.seccomp_enabled && i.host.seccomp_filter;
    if !enabled {
        return json!({"enabled": false});
    }
    let known_flags: Vec<&str> = known::SECCOMP_FILTER_FLAGS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    let supported: Vec<&str> = known_flags
        .iter()
        .copied()
        .filter(|f| i.host.seccomp_flags.iter().any(|s| s == f))
        .collect();
    json!({
        "enabled": true,
        "actions": keep::<LinuxSeccompAction>(&i.crun.seccomp_actions),
        "operators": keep::<LinuxSeccompOperator>(&i.crun.seccomp_operators),
        "archs": keep::<Arch>(&i.crun.seccomp_archs),
        "knownFlags": known_flags,
        "supportedFlags": supported,
    })
}

pub fn memory_policy_modes(i: &Inputs) -> Vec<&'static str> {
    if !i.support.memory_policy {
        return Vec::new();
    }
    known::MEMORY_POLICY_MODES.iter().map(|(m, _)| *m).collect()
}

pub fn memory_policy_flags(i: &Inputs) -> Vec<&'static str> {
    if !i.support.memory_policy {
        return Vec::new();
    }
    known::MEMORY_POLICY_FLAGS.to_vec()
}

fn linux(i: &Inputs) -> Value {
    let rdt = i.crun.intel_rdt && i.host.resctrl_mounted;
    json!({
        "namespaces": namespaces(i),
        "capabilities": capabilities(i),
        "cgroup": cgroup(i),
        "seccomp": seccomp(i),
        "apparmor": {"enabled": i.crun.apparmor && i.host.apparmor},
        "selinux": {"enabled": i.crun.selinux && i.host.selinux},
        "intelRdt": {
            "enabled": rdt,
            "schemata": rdt && i.support.rdt_schemata,
            "monitoring": rdt && i.support.rdt_monitoring,
        },
        "mountExtensions": {"idmap": {"enabled": i.crun.idmap && i.host.idmap_mounts}},
        "netDevices": {"enabled": i.support.net_devices},
        "memoryPolicy": {
            "modes": memory_policy_modes(i),
            "flags": memory_policy_flags(i),
        },
    })
}

fn annotations(i: &Inputs) -> BTreeMap<String, String> {
    let p = super::ANNOTATION_PREFIX;
    let mut a = BTreeMap::from([
        (format!("{p}libcrun.version"), LIBCRUN_VERSION.to_string()),
        (
            format!("{p}checkpoint.enabled"),
            i.crun.checkpoint.to_string(),
        ),
    ]);
    if let Some(c) = &i.crun.commit {
        a.insert(format!("{p}libcrun.commit"), c.clone());
    }
    if let Some(v) = &i.crun.libseccomp_version {
        a.insert("io.github.seccomp.libseccomp.version".into(), v.clone());
    }
    a
}

/// The whole document, keys in the spec's order.
pub fn document(i: &Inputs) -> Value {
    let unsafe_keys: Vec<&str> = i
        .crun
        .unsafe_annotations
        .iter()
        .map(String::as_str)
        .collect();
    let common = super::common(&hooks(i), mount_options(i), annotations(i), &unsafe_keys);
    let Value::Object(common) = common else {
        unreachable!("common() builds an object")
    };
    let mut doc = Map::new();
    for (k, v) in common {
        let after_mounts = k == "mountOptions";
        doc.insert(k, v);
        if after_mounts {
            doc.insert("linux".into(), linux(i));
        }
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests;
