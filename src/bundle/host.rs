//! Facts about this host that decide what happens to some fields, gathered
//! in one place so the decisions (`report::decide`) stay pure and testable.
//! Probing only reads `/proc` and `/sys`.

use std::path::Path;

use serde::Serialize;

use super::validate::lists;

/// How cgroups are mounted (the same three cases libcrun distinguishes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupMode {
    /// cgroup v2 only, at `/sys/fs/cgroup`.
    Unified,
    /// v1 controllers plus a cgroup v2 tree (usually `/sys/fs/cgroup/unified`).
    Hybrid,
    /// cgroup v1 only.
    Legacy,
    /// Could not tell (no cgroup mounts visible).
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HostFacts {
    pub cgroup: CgroupMode,
    /// Controllers listed in the v2 tree's `cgroup.controllers`. In hybrid
    /// mode these are bound to v2 and missing from the v1 mounts.
    pub v2_controllers: Vec<String>,
    /// Controllers mounted as cgroup v1 hierarchies.
    pub v1_controllers: Vec<String>,
    /// A resctrl filesystem is mounted (Intel RDT).
    pub resctrl_mounted: bool,
    /// `/sys/devices/system/node/online`, if readable.
    pub numa_nodes_online: Option<Vec<(u32, u32)>>,
    /// Huge page sizes the kernel offers, in bytes (empty if unknown).
    pub hugepage_sizes: Vec<u64>,
}

/// What the Linux backend (patched libcrun) implements. The lead keeps this
/// in step with the backend; `features` reads the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BackendSupport {
    pub net_devices: bool,
    pub memory_policy: bool,
    pub rdt_schemata: bool,
    pub rdt_monitoring: bool,
}

impl BackendSupport {
    /// What the libcrun backend applies: libcrun 1.21 has none of the
    /// v1.3.0 additions below; stockade does them around the libcrun calls
    /// (`backend::libcrun::additions`, with libcrun patch 0004).
    pub const LINUX: BackendSupport = BackendSupport {
        net_devices: true,
        memory_policy: true,
        rdt_schemata: true,
        rdt_monitoring: true,
    };
}

const V1_CONTROLLERS: &[&str] = &[
    "cpu",
    "cpuacct",
    "cpuset",
    "memory",
    "devices",
    "freezer",
    "net_cls",
    "net_prio",
    "blkio",
    "perf_event",
    "hugetlb",
    "pids",
    "rdma",
    "misc",
];

/// Look at this host.
pub fn probe() -> HostFacts {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let mountinfo = read("/proc/self/mountinfo").unwrap_or_default();
    let mut facts = from_mountinfo(&mountinfo, |dir| {
        std::fs::read_to_string(Path::new(dir).join("cgroup.controllers")).ok()
    });
    facts.numa_nodes_online =
        read("/sys/devices/system/node/online").and_then(|s| lists::parse(s.trim()).ok());
    facts.hugepage_sizes = std::fs::read_dir("/sys/kernel/mm/hugepages")
        .map(|d| {
            d.filter_map(|e| hugepage_dir_size(&e.ok()?.file_name().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    facts
}

/// Cgroup and resctrl facts from `/proc/self/mountinfo`; `controllers`
/// reads `cgroup.controllers` in a cgroup2 mount point.
pub fn from_mountinfo(mountinfo: &str, controllers: impl Fn(&str) -> Option<String>) -> HostFacts {
    let mut facts = HostFacts::default();
    let mut v2_at: Option<&str> = None;
    for line in mountinfo.lines() {
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        let mount_point = pre.split(' ').nth(4).unwrap_or_default();
        let mut post = post.split(' ');
        let (fstype, _source, opts) = (post.next(), post.next(), post.next().unwrap_or_default());
        match fstype {
            Some("cgroup2") => v2_at = Some(mount_point),
            Some("cgroup") => facts.v1_controllers.extend(
                opts.split(',')
                    .filter(|o| V1_CONTROLLERS.contains(o))
                    .map(String::from),
            ),
            Some("resctrl") => facts.resctrl_mounted = true,
            _ => {}
        }
    }
    facts.cgroup = match (v2_at, facts.v1_controllers.is_empty()) {
        (Some("/sys/fs/cgroup"), _) => CgroupMode::Unified,
        (Some(_), false) => CgroupMode::Hybrid,
        (Some(_), true) => CgroupMode::Unified,
        (None, false) => CgroupMode::Legacy,
        (None, true) => CgroupMode::Unknown,
    };
    if let Some(at) = v2_at {
        facts.v2_controllers = controllers(at)
            .unwrap_or_default()
            .split_whitespace()
            .map(String::from)
            .collect();
    }
    facts
}

/// `hugepages-2048kB` → 2 MiB.
fn hugepage_dir_size(name: &str) -> Option<u64> {
    let kb: u64 = name
        .strip_prefix("hugepages-")?
        .strip_suffix("kB")?
        .parse()
        .ok()?;
    kb.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 22 0:40 / /sys/fs/resctrl rw,relatime - resctrl resctrl rw
";

    #[test]
    fn hybrid_host() {
        let f = from_mountinfo(HYBRID, |at| {
            assert_eq!(at, "/sys/fs/cgroup/unified");
            Some("hugetlb\n".into())
        });
        assert_eq!(f.cgroup, CgroupMode::Hybrid);
        assert_eq!(f.v2_controllers, ["hugetlb"]);
        assert_eq!(f.v1_controllers, ["cpu", "memory"]);
        assert!(f.resctrl_mounted);
    }

    #[test]
    fn unified_and_legacy_hosts() {
        let f = from_mountinfo(
            "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
            |_| Some("cpuset cpu io memory hugetlb pids".into()),
        );
        assert_eq!(f.cgroup, CgroupMode::Unified);
        assert!(f.v2_controllers.contains(&"io".to_string()));
        assert!(!f.resctrl_mounted);
        let f = from_mountinfo(
            "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n",
            |_| None,
        );
        assert_eq!((f.cgroup, f.v1_controllers.len()), (CgroupMode::Legacy, 2));
        assert_eq!(from_mountinfo("", |_| None).cgroup, CgroupMode::Unknown);
    }

    #[test]
    fn hugepage_dirs() {
        assert_eq!(hugepage_dir_size("hugepages-2048kB"), Some(2 << 20));
        assert_eq!(hugepage_dir_size("hugepages-1048576kB"), Some(1 << 30));
        assert_eq!(hugepage_dir_size("other"), None);
    }
}
