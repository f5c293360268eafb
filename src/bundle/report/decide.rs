//! What the Linux backend will do with the fields it treats specially, on a
//! host described by `HostFacts`. Pure: no probing here.

use crate::bundle::doc::Value;

use super::{Action, Treatment};
use crate::bundle::host::{BackendSupport, CgroupMode, HostFacts, Needs};
use crate::bundle::mount_options;
use crate::bundle::validate::lists;
use crate::bundle::{path, Platform};

/// `host` is `None` when the bundle is checked for another platform than
/// the one we run on: host-dependent fields are then "not checked".
pub fn treatments(
    doc: &Value,
    platform: Platform,
    host: Option<&HostFacts>,
    support: &BackendSupport,
) -> Vec<Treatment> {
    let mut out = Vec::new();
    platforms(doc, platform, &mut out);
    if platform != Platform::Linux {
        return out;
    }
    lsm(doc, host, &mut out);
    mount_option_kernels(doc, host, &mut out);
    let Some(linux) = doc.get("linux") else {
        return out;
    };
    if let Some(res) = linux.get("resources") {
        cgroups(res, host, &mut out);
    }
    if present(linux.get("intelRdt")) {
        intel_rdt(&linux["intelRdt"], host, support, &mut out);
    }
    if present(linux.get("memoryPolicy")) {
        memory_policy(&linux["memoryPolicy"], host, support, &mut out);
    }
    if present(linux.get("netDevices")) {
        let netns = crate::bundle::has_namespace(doc, "network");
        out.push(if !netns {
            t("linux.netDevices", Action::Rejected, "the container has no network namespace of its own to move the devices into (add a `network` entry to linux.namespaces)")
        } else if support.net_devices {
            t("linux.netDevices", Action::Applied, "moved into the container's network namespace at create (renamed if `name` is set); the kernel returns or destroys them when that namespace goes away")
        } else {
            t("linux.netDevices", Action::Rejected, "this build's backend cannot move network devices")
        });
    }
    out
}

/// The host facts `treatments` reads for `doc` (Linux): cgroups for any
/// resources, huge page sizes for hugepageLimits, resctrl for intelRdt, NUMA
/// nodes for memoryPolicy.
pub fn needs(doc: &Value) -> Needs {
    let linux = doc.get("linux");
    let res = linux.and_then(|l| l.get("resources"));
    Needs {
        // Only the controllers' limits depend on the cgroup layout; devices
        // (which every podman config sets), network and rdma do not.
        cgroups: res.is_some_and(|r| {
            CONTROLLERS.iter().any(|(f, _, _)| present(r.get(*f))) || present(r.get("unified"))
        }),
        hugepage_sizes: res.is_some_and(|r| present(r.get("hugepageLimits"))),
        resctrl: linux.is_some_and(|l| present(l.get("intelRdt"))),
        numa: linux.is_some_and(|l| present(l.get("memoryPolicy"))),
        lsm: LSM_FIELDS.iter().any(|(p, _, _)| set(doc.pointer(p))),
        kernel: mount_words(doc).any(|(_, _, w)| !mount_options::kernel_has(w, Some((0, 0)))),
    }
}

/// (mount index, option index, word) of every mount option.
fn mount_words(doc: &Value) -> impl Iterator<Item = (usize, usize, &str)> {
    let mounts = doc.get("mounts").and_then(Value::as_array);
    mounts.into_iter().flatten().enumerate().flat_map(|(i, m)| {
        let opts = m.get("options").and_then(Value::as_array);
        opts.into_iter()
            .flatten()
            .enumerate()
            .filter_map(move |(j, w)| Some((i, j, w.as_str()?)))
    })
}

/// Options a kernel this old lacks (it would ignore the flag silently).
fn mount_option_kernels(doc: &Value, host: Option<&HostFacts>, out: &mut Vec<Treatment>) {
    let Some(kernel) = host.and_then(|h| h.kernel) else {
        return;
    };
    for (i, j, w) in mount_words(doc) {
        if let Some((_, need)) = mount_options::SYMFOLLOW_WORDS.iter().find(|(n, _)| *n == w) {
            if !mount_options::kernel_has(w, Some(kernel)) {
                out.push(t(
                    format!("mounts[{i}].options[{j}]"),
                    Action::Rejected,
                    format!(
                        "`{w}` needs Linux {}.{} (this kernel is {}.{})",
                        need.0, need.1, kernel.0, kernel.1
                    ),
                ));
            }
        }
    }
}

/// Security-module settings: (JSON pointer, path, LSM). libcrun skips them
/// silently where the LSM is off; a security setting a user asked for is
/// refused instead, as runc does.
const LSM_FIELDS: &[(&str, &str, &str)] = &[
    (
        "/process/apparmorProfile",
        "process.apparmorProfile",
        "AppArmor",
    ),
    ("/process/selinuxLabel", "process.selinuxLabel", "SELinux"),
    ("/linux/mountLabel", "linux.mountLabel", "SELinux"),
];

fn lsm(doc: &Value, host: Option<&HostFacts>, out: &mut Vec<Treatment>) {
    for (pointer, path, module) in LSM_FIELDS {
        if !set(doc.pointer(pointer)) {
            continue;
        }
        let Some(h) = host else {
            out.push(t(
                *path,
                Action::Applied,
                format!("applied where {module} is enabled (not checked: another platform's host)"),
            ));
            continue;
        };
        let on = if *module == "AppArmor" {
            h.apparmor
        } else {
            h.selinux
        };
        out.push(if on {
            t(*path, Action::Applied, format!("applied by {module}"))
        } else {
            t(
                *path,
                Action::Rejected,
                format!("{module} is not enabled on this host"),
            )
        });
    }
}

fn t(path: impl Into<String>, action: Action, reason: impl Into<String>) -> Treatment {
    Treatment {
        path: path.into(),
        action,
        reason: reason.into(),
    }
}

/// A non-empty string (libcrun skips empty labels and profiles).
fn set(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str).is_some_and(|s| !s.is_empty())
}

/// Non-null and, for containers, non-empty.
fn present(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

fn platforms(doc: &Value, platform: Platform, out: &mut Vec<Treatment>) {
    let (foreign, why) = match platform {
        Platform::Linux => (
            "freebsd",
            "FreeBSD jail settings cannot be applied by the linux backend",
        ),
        Platform::FreeBsd => (
            "linux",
            "Linux settings cannot be applied by the freebsd backend",
        ),
    };
    if doc.get(foreign).is_some_and(|v| !v.is_null()) {
        out.push(t(foreign, Action::Rejected, why));
    }
    for other in ["solaris", "windows", "vm", "zos"] {
        if doc.get(other).is_some_and(|v| !v.is_null()) {
            out.push(t(
                other,
                Action::Ignored,
                "section for a platform stockade does not run",
            ));
        }
    }
}

/// resources field → (v1 controllers, v2 controllers) that enforce it.
const CONTROLLERS: &[(&str, &[&str], &[&str])] = &[
    ("hugepageLimits", &["hugetlb"], &["hugetlb"]),
    ("memory", &["memory"], &["memory"]),
    ("pids", &["pids"], &["pids"]),
    ("cpu", &["cpu", "cpuset"], &["cpu", "cpuset"]),
    ("blockIO", &["blkio"], &["io"]),
];

fn cgroups(res: &Value, host: Option<&HostFacts>, out: &mut Vec<Treatment>) {
    for (field, v1, v2) in CONTROLLERS {
        if !present(res.get(*field)) {
            continue;
        }
        let at = path::key("linux.resources", field);
        out.push(match host {
            None => t(at, Action::Applied, "host not checked"),
            Some(h) => controller(at, h, v1, v2),
        });
    }
    if present(res.get("rdma")) {
        // libcrun 1.21 has no rdma controller code: the limits would be dropped.
        out.push(t(
            "linux.resources.rdma",
            Action::Rejected,
            "the libcrun backend does not apply rdma limits",
        ));
    }
    if let Some(h) = host {
        hugepage_sizes(res, h, out);
    }
    if present(res.get("unified")) {
        let at = "linux.resources.unified";
        out.push(match host.map(|h| h.cgroup) {
            Some(CgroupMode::Unified) => t(
                at,
                Action::Applied,
                "written to the container's cgroup v2 directory",
            ),
            Some(CgroupMode::Hybrid | CgroupMode::Legacy) => t(
                at,
                Action::Rejected,
                "needs a pure cgroup v2 host; libcrun writes resources through cgroup v1 here",
            ),
            _ => t(
                at,
                Action::Applied,
                "cgroup layout not detected; not checked",
            ),
        });
    }
}

fn controller(at: String, h: &HostFacts, v1: &[&str], v2: &[&str]) -> Treatment {
    match h.cgroup {
        CgroupMode::Hybrid => {
            if let Some(c) = has(&h.v2_controllers, v2) {
                return t(at, Action::Rejected, format!("controller `{c}` is bound to cgroup v2 on this hybrid host; libcrun applies limits through cgroup v1"));
            }
            match has(&h.v1_controllers, v1) {
                Some(c) => t(at, Action::Applied, format!("cgroup v1 controller `{c}`")),
                None => t(
                    at,
                    Action::Rejected,
                    format!("no cgroup v1 `{}` controller is mounted", v1.join("`/`")),
                ),
            }
        }
        CgroupMode::Legacy => match has(&h.v1_controllers, v1) {
            Some(c) => t(at, Action::Applied, format!("cgroup v1 controller `{c}`")),
            None => t(
                at,
                Action::Rejected,
                format!("no cgroup v1 `{}` controller is mounted", v1.join("`/`")),
            ),
        },
        CgroupMode::Unified => match has(&h.v2_controllers, v2) {
            Some(c) => t(at, Action::Applied, format!("cgroup v2 controller `{c}`")),
            None => t(
                at,
                Action::Rejected,
                format!("cgroup v2 controller `{}` is not available", v2.join("`/`")),
            ),
        },
        CgroupMode::Unknown => t(
            at,
            Action::Applied,
            "cgroup layout not detected; not checked",
        ),
    }
}

/// The first of `names` present in `list`.
fn has<'a>(list: &[String], names: &[&'a str]) -> Option<&'a str> {
    names.iter().find(|n| list.iter().any(|c| c == *n)).copied()
}

fn hugepage_sizes(res: &Value, h: &HostFacts, out: &mut Vec<Treatment>) {
    if h.hugepage_sizes.is_empty() {
        return;
    }
    let Some(list) = res.get("hugepageLimits").and_then(Value::as_array) else {
        return;
    };
    for (i, l) in list.iter().enumerate() {
        let Some(size) = l.get("pageSize").and_then(Value::as_str) else {
            continue;
        };
        let Some(bytes) = crate::bundle::validate::page_size_bytes(size) else {
            continue;
        };
        if !h.hugepage_sizes.contains(&bytes) {
            out.push(t(
                format!("linux.resources.hugepageLimits[{i}].pageSize"),
                Action::Rejected,
                format!("this kernel has no `{size}` huge pages"),
            ));
        }
    }
}

fn intel_rdt(rdt: &Value, host: Option<&HostFacts>, s: &BackendSupport, out: &mut Vec<Treatment>) {
    let at = "linux.intelRdt";
    if present(rdt.get("schemata")) && !s.rdt_schemata {
        out.push(t(
            "linux.intelRdt.schemata",
            Action::Rejected,
            "this build's backend cannot write `schemata` lines",
        ));
    }
    if rdt.get("enableMonitoring") == Some(&Value::Bool(true)) && !s.rdt_monitoring {
        out.push(t(
            "linux.intelRdt.enableMonitoring",
            Action::Rejected,
            "this build's backend cannot create monitoring groups",
        ));
    }
    out.push(match host.map(|h| h.resctrl_mounted) {
        Some(false) => t(
            at,
            Action::Rejected,
            "no resctrl filesystem is mounted (mount -t resctrl resctrl /sys/fs/resctrl)",
        ),
        Some(true) => t(at, Action::Applied, "the container joins its resctrl group"),
        None => t(at, Action::Applied, "host not checked"),
    });
}

fn memory_policy(
    mp: &Value,
    host: Option<&HostFacts>,
    s: &BackendSupport,
    out: &mut Vec<Treatment>,
) {
    let at = "linux.memoryPolicy";
    if !s.memory_policy {
        out.push(t(
            at,
            Action::Rejected,
            "this build's backend cannot set a memory policy",
        ));
        return;
    }
    let relative = mp
        .get("flags")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|f| f == "MPOL_F_RELATIVE_NODES"));
    let nodes = mp
        .get("nodes")
        .and_then(Value::as_str)
        .and_then(|n| lists::parse(n).ok())
        .unwrap_or_default();
    let online = host.and_then(|h| h.numa_nodes_online.as_ref());
    let missing: Vec<String> = match online {
        Some(on) if !relative => nodes
            .iter()
            .flat_map(|&(lo, hi)| lo..=hi.min(lo.saturating_add(4096)))
            .filter(|n| !lists::contains(on, *n))
            .map(|n| n.to_string())
            .collect(),
        _ => Vec::new(),
    };
    out.push(if !missing.is_empty() {
        t(
            format!("{at}.nodes"),
            Action::Rejected,
            format!(
                "NUMA node(s) {} are not online on this host",
                missing.join(",")
            ),
        )
    } else if relative {
        t(
            at,
            Action::Applied,
            "set_mempolicy(2) for the container process; relative node numbers are not checked",
        )
    } else if online.is_none() {
        t(
            at,
            Action::Applied,
            "set_mempolicy(2) for the container process; online nodes not checked",
        )
    } else {
        t(
            at,
            Action::Applied,
            "set_mempolicy(2) for the container process",
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    fn hybrid() -> HostFacts {
        HostFacts {
            cgroup: CgroupMode::Hybrid,
            v2_controllers: vec!["hugetlb".into()],
            v1_controllers: ["cpu", "cpuset", "memory", "pids", "blkio"]
                .map(String::from)
                .to_vec(),
            resctrl_mounted: false,
            numa_nodes_online: Some(vec![(0, 0)]),
            hugepage_sizes: vec![2 << 20, 1 << 30],
            apparmor: false,
            selinux: false,
            kernel: Some((6, 1)),
        }
    }

    /// A backend that implements every v1.3.0 addition, so these tests
    /// exercise the host-dependent decisions.
    const ALL_SUPPORTED: BackendSupport = BackendSupport {
        net_devices: true,
        memory_policy: true,
        rdt_schemata: true,
        rdt_monitoring: true,
    };

    #[test]
    fn rdma_limits_are_rejected_everywhere() {
        let d = decide(
            json!({"resources": {"rdma": {"mlx5_0": {"hcaHandles": 3}}}}),
            &hybrid(),
        );
        assert_eq!(d, [("linux.resources.rdma".into(), Action::Rejected)]);
    }

    #[test]
    fn additions_the_backend_lacks_are_rejected() {
        let none = BackendSupport {
            net_devices: false,
            memory_policy: false,
            rdt_schemata: false,
            rdt_monitoring: false,
        };
        let doc = json!({"linux": {"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0"}, "namespaces": [{"type": "network"}], "netDevices": {"eth0": {}}}});
        let t = treatments(&doc, Platform::Linux, Some(&hybrid()), &none);
        assert!(t.iter().all(|t| t.action == Action::Rejected), "{t:?}");
        assert_eq!(t.len(), 2, "{t:?}");
        // The libcrun backend applies both.
        let t = treatments(
            &doc,
            Platform::Linux,
            Some(&hybrid()),
            &BackendSupport::LINUX,
        );
        assert!(t.iter().all(|t| t.action == Action::Applied), "{t:?}");
    }

    fn decide(linux: Value, host: &HostFacts) -> Vec<(String, Action)> {
        treatments(
            &json!({"linux": linux}),
            Platform::Linux,
            Some(host),
            &ALL_SUPPORTED,
        )
        .into_iter()
        .map(|t| (t.path, t.action))
        .collect()
    }

    #[test]
    fn hugetlb_bound_to_v2_on_hybrid_host_is_rejected() {
        let d = decide(
            json!({"resources": {"hugepageLimits": [{"pageSize": "2MB", "limit": 1}], "memory": {"limit": 1}}}),
            &hybrid(),
        );
        assert!(
            d.contains(&("linux.resources.hugepageLimits".into(), Action::Rejected)),
            "{d:?}"
        );
        assert!(
            d.contains(&("linux.resources.memory".into(), Action::Applied)),
            "{d:?}"
        );
    }

    #[test]
    fn hugetlb_on_v1_or_v2_applies_and_unknown_sizes_are_rejected() {
        let mut h = hybrid();
        h.v2_controllers.clear();
        h.v1_controllers.push("hugetlb".into());
        let d = decide(
            json!({"resources": {"hugepageLimits": [{"pageSize": "2MB", "limit": 1}, {"pageSize": "64KB", "limit": 1}]}}),
            &h,
        );
        assert_eq!(
            d,
            [
                ("linux.resources.hugepageLimits".into(), Action::Applied),
                (
                    "linux.resources.hugepageLimits[1].pageSize".into(),
                    Action::Rejected
                ),
            ]
        );
        let h = HostFacts {
            cgroup: CgroupMode::Unified,
            v2_controllers: vec!["memory".into()],
            ..hybrid()
        };
        let d = decide(
            json!({"resources": {"hugepageLimits": [{"pageSize": "2MB", "limit": 1}], "unified": {"memory.high": "1"}}}),
            &h,
        );
        assert_eq!(
            d[0],
            ("linux.resources.hugepageLimits".into(), Action::Rejected)
        );
        assert_eq!(d[1], ("linux.resources.unified".into(), Action::Applied));
    }

    #[test]
    fn unified_needs_pure_v2() {
        let d = decide(
            json!({"resources": {"unified": {"memory.high": "1"}}}),
            &hybrid(),
        );
        assert_eq!(d, [("linux.resources.unified".into(), Action::Rejected)]);
    }

    #[test]
    fn intel_rdt_needs_resctrl() {
        let d = decide(json!({"intelRdt": {"closID": "x"}}), &hybrid());
        assert_eq!(d, [("linux.intelRdt".into(), Action::Rejected)]);
        let h = HostFacts {
            resctrl_mounted: true,
            ..hybrid()
        };
        assert_eq!(
            decide(json!({"intelRdt": {"closID": "x"}}), &h)[0].1,
            Action::Applied
        );
    }

    #[test]
    fn memory_policy_nodes_must_be_online() {
        let d = decide(
            json!({"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0-1"}}),
            &hybrid(),
        );
        assert_eq!(d, [("linux.memoryPolicy.nodes".into(), Action::Rejected)]);
        let d = decide(
            json!({"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0"}}),
            &hybrid(),
        );
        assert_eq!(d, [("linux.memoryPolicy".into(), Action::Applied)]);
        let d = decide(
            json!({"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "1", "flags": ["MPOL_F_RELATIVE_NODES"]}}),
            &hybrid(),
        );
        assert_eq!(d[0].1, Action::Applied);
    }

    #[test]
    fn net_devices_and_platform_sections() {
        let ns = json!([{"type": "network"}]);
        assert_eq!(
            decide(
                json!({"netDevices": {"eth0": {}}, "namespaces": ns}),
                &hybrid()
            ),
            [("linux.netDevices".into(), Action::Applied)]
        );
        assert_eq!(
            decide(json!({"netDevices": {"eth0": {}}}), &hybrid()),
            [("linux.netDevices".into(), Action::Rejected)]
        );
        let d = treatments(
            &json!({"freebsd": {}, "zos": {}}),
            Platform::Linux,
            None,
            &BackendSupport::LINUX,
        );
        assert_eq!(
            d.iter()
                .map(|t| (t.path.as_str(), t.action))
                .collect::<Vec<_>>(),
            [("freebsd", Action::Rejected), ("zos", Action::Ignored)]
        );
        let none = BackendSupport {
            net_devices: false,
            ..BackendSupport::LINUX
        };
        let d = treatments(
            &json!({"linux": {"netDevices": {"eth0": {}}, "namespaces": ns}}),
            Platform::Linux,
            None,
            &none,
        );
        assert_eq!(d[0].action, Action::Rejected);
    }

    #[test]
    fn security_module_settings_need_their_module() {
        let doc = json!({"process": {"apparmorProfile": "p", "selinuxLabel": "l"}, "linux": {"mountLabel": "m"}});
        let mut h = hybrid();
        h.apparmor = true;
        let d = treatments(&doc, Platform::Linux, Some(&h), &ALL_SUPPORTED);
        let got: Vec<(&str, Action)> = d.iter().map(|t| (t.path.as_str(), t.action)).collect();
        assert_eq!(
            got,
            [
                ("process.apparmorProfile", Action::Applied),
                ("process.selinuxLabel", Action::Rejected),
                ("linux.mountLabel", Action::Rejected)
            ]
        );
        assert!(d[1].reason.contains("SELinux is not enabled"));
        let empty = json!({"process": {"apparmorProfile": ""}});
        assert!(treatments(&empty, Platform::Linux, Some(&hybrid()), &ALL_SUPPORTED).is_empty());
    }

    #[test]
    fn symlink_options_need_their_kernel() {
        let doc = json!({"mounts": [{"destination": "/a", "options": ["rbind", "rnosymfollow", "nosymfollow"]}]});
        let mut h = hybrid();
        h.kernel = Some((5, 10));
        let d = treatments(&doc, Platform::Linux, Some(&h), &ALL_SUPPORTED);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "mounts[0].options[1]");
        assert!(
            d[0].reason
                .contains("needs Linux 5.14 (this kernel is 5.10)"),
            "{}",
            d[0].reason
        );
        assert!(treatments(&doc, Platform::Linux, Some(&hybrid()), &ALL_SUPPORTED).is_empty());
    }

    #[test]
    fn needs_covers_every_fact_treatments_reads() {
        let full = HostFacts {
            cgroup: CgroupMode::Hybrid,
            v2_controllers: vec!["hugetlb".into()],
            v1_controllers: vec!["memory".into(), "pids".into()],
            resctrl_mounted: false,
            numa_nodes_online: Some(vec![(0, 0)]),
            hugepage_sizes: vec![2 << 20],
            apparmor: true,
            selinux: true,
            kernel: Some((5, 11)),
        };
        let docs = [
            json!({}),
            json!({"linux": {}}),
            json!({"linux": {"resources": {}}}),
            json!({"linux": {"resources": {"devices": [{"allow": false, "access": "rwm"}]}}}),
            json!({"linux": {"resources": {"network": {"classID": 1}, "rdma": {"x": {"hcaHandles": 1}}}}}),
            json!({"linux": {"resources": {"memory": {"limit": 1}, "pids": {"limit": 5}}}}),
            json!({"linux": {"resources": {"hugepageLimits": [{"pageSize": "1GB", "limit": 1}]}}}),
            json!({"linux": {"resources": {"unified": {"memory.max": "1"}}}}),
            json!({"linux": {"intelRdt": {"closID": "a", "l3CacheSchema": "L3:0=f"}}}),
            json!({"linux": {"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "3"}}}),
            json!({"process": {"apparmorProfile": "p", "selinuxLabel": "l"}, "linux": {"mountLabel": "m"}}),
            json!({"mounts": [{"destination": "/a", "options": ["rnosymfollow", "nosymfollow"]}]}),
            json!({"mounts": [{"destination": "/a", "options": ["ro"]}]}),
        ];
        for doc in docs {
            let with = |h: &HostFacts| treatments(&doc, Platform::Linux, Some(h), &ALL_SUPPORTED);
            assert_eq!(with(&full), with(&full.only(needs(&doc))), "{doc}");
        }
    }
}
