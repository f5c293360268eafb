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
    /// AppArmor is enabled (profiles can be applied).
    pub apparmor: bool,
    /// SELinux is enabled (labels can be applied).
    pub selinux: bool,
    /// The running kernel's (major, minor), if readable.
    pub kernel: Option<(u32, u32)>,
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

/// Which host facts a config needs: the parts of `HostFacts` that
/// `report::decide` looks at for the fields present. `create` and `run`
/// probe only those (every probe is a few file reads per call).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub cgroups: bool,
    pub hugepage_sizes: bool,
    pub resctrl: bool,
    pub numa: bool,
    pub lsm: bool,
    pub kernel: bool,
}

impl Needs {
    pub const ALL: Needs = Needs {
        cgroups: true,
        hugepage_sizes: true,
        resctrl: true,
        numa: true,
        lsm: true,
        kernel: true,
    };
}

#[cfg(test)]
impl HostFacts {
    /// These facts with everything `needs` leaves out at its default (what
    /// `probe(needs)` would have gathered on the same host).
    pub fn only(&self, needs: Needs) -> HostFacts {
        let mut f = HostFacts::default();
        if needs.cgroups {
            f.cgroup = self.cgroup;
            f.v1_controllers = self.v1_controllers.clone();
            f.v2_controllers = self.v2_controllers.clone();
        }
        if needs.hugepage_sizes {
            f.hugepage_sizes = self.hugepage_sizes.clone();
        }
        if needs.resctrl {
            f.resctrl_mounted = self.resctrl_mounted;
        }
        if needs.numa {
            f.numa_nodes_online = self.numa_nodes_online.clone();
        }
        if needs.lsm {
            f.apparmor = self.apparmor;
            f.selinux = self.selinux;
        }
        if needs.kernel {
            f.kernel = self.kernel;
        }
        f
    }
}

use crate::sys::CGROUP2_SUPER_MAGIC;

/// Look at this host, as far as `needs` asks. The cgroup layout is found the
/// way libcrun finds it: the file system type of `/sys/fs/cgroup` and
/// `/sys/fs/cgroup/unified`, and the v1 hierarchies of `/proc/self/cgroup`;
/// resctrl is looked for where the backend's RDT code looks (`mount_point`).
pub fn probe(needs: Needs) -> HostFacts {
    let read = |p: &str| crate::sys::pseudo_file::read(p).ok();
    let mut facts = HostFacts::default();
    if needs.cgroups {
        let magic = |p: &str| crate::sys::fs_magic(Path::new(p));
        let v2_at = if magic("/sys/fs/cgroup") == Some(CGROUP2_SUPER_MAGIC) {
            Some("/sys/fs/cgroup")
        } else if magic("/sys/fs/cgroup/unified") == Some(CGROUP2_SUPER_MAGIC) {
            Some("/sys/fs/cgroup/unified")
        } else {
            None
        };
        let proc_cgroup = read("/proc/self/cgroup").unwrap_or_default();
        let controllers = v2_at.and_then(|at| read(&format!("{at}/cgroup.controllers")));
        facts = from_proc_cgroup(&proc_cgroup, v2_at, controllers.as_deref());
    }
    if needs.resctrl {
        facts.resctrl_mounted = mount_point("resctrl").is_some();
    }
    if needs.lsm {
        facts.apparmor = apparmor_enabled();
        facts.selinux = selinux_enabled();
    }
    if needs.kernel {
        facts.kernel = crate::sys::uname().and_then(|u| kernel_version(&u.release));
    }
    if needs.numa {
        facts.numa_nodes_online =
            read("/sys/devices/system/node/online").and_then(|s| lists::parse(s.trim()).ok());
    }
    if needs.hugepage_sizes {
        facts.hugepage_sizes = std::fs::read_dir("/sys/kernel/mm/hugepages")
            .map(|d| {
                d.filter_map(|e| hugepage_dir_size(&e.ok()?.file_name().to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default();
    }
    facts
}

/// (major, minor) of a kernel release string such as `6.1.0-13-amd64`.
pub fn kernel_version(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.trim().split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// AppArmor as libcrun decides it applies profiles: securityfs shows it and
/// the module is enabled. (libcrun skips a profile silently otherwise.)
pub fn apparmor_enabled() -> bool {
    Path::new("/sys/kernel/security/apparmor").is_dir()
        && crate::sys::pseudo_file::read("/sys/module/apparmor/parameters/enabled")
            .is_ok_and(|s| s.starts_with('Y'))
}

/// SELinux as libcrun decides it applies labels: selinuxfs is mounted.
pub fn selinux_enabled() -> bool {
    mount_point("selinuxfs").is_some()
}

/// Where a file system of type `fstype` is mounted (the first one in
/// /proc/self/mountinfo). The RDT code of the backend writes there.
pub fn mount_point(fstype: &str) -> Option<std::path::PathBuf> {
    crate::mountinfo::current()
        .into_iter()
        .find(|m| m.fstype == fstype)
        .map(|m| m.mount_point)
}

/// Cgroup facts from `/proc/self/cgroup` (its v1 hierarchy lines name the
/// controllers), where a cgroup v2 tree is mounted if any, and that tree's
/// `cgroup.controllers`.
pub fn from_proc_cgroup(
    proc_cgroup: &str,
    v2_at: Option<&str>,
    v2_controllers: Option<&str>,
) -> HostFacts {
    let mut facts = HostFacts::default();
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_id), Some(list)) = (parts.next(), parts.next()) else {
            continue;
        };
        facts.v1_controllers.extend(
            list.split(',')
                .filter(|c| V1_CONTROLLERS.contains(c))
                .map(String::from),
        );
    }
    facts.cgroup = match (v2_at, facts.v1_controllers.is_empty()) {
        (Some("/sys/fs/cgroup"), _) => CgroupMode::Unified,
        (Some(_), false) => CgroupMode::Hybrid,
        (Some(_), true) => CgroupMode::Unified,
        (None, false) => CgroupMode::Legacy,
        (None, true) => CgroupMode::Unknown,
    };
    if facts.cgroup == CgroupMode::Unified {
        // A pure v2 host lists only "0::/..." — nothing bound to v1.
        facts.v1_controllers.clear();
    }
    if v2_at.is_some() {
        facts.v2_controllers = v2_controllers
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

    const HYBRID: &str =
        "9:name=systemd:/\n8:pids:/\n4:memory:/user.slice\n2:cpu,cpuacct:/\n0::/\n";

    #[test]
    fn hybrid_host() {
        let f = from_proc_cgroup(HYBRID, Some("/sys/fs/cgroup/unified"), Some("hugetlb\n"));
        assert_eq!(f.cgroup, CgroupMode::Hybrid);
        assert_eq!(f.v2_controllers, ["hugetlb"]);
        assert_eq!(f.v1_controllers, ["pids", "memory", "cpu", "cpuacct"]);
    }

    #[test]
    fn unified_legacy_and_unknown_hosts() {
        let f = from_proc_cgroup(
            "0::/user.slice\n",
            Some("/sys/fs/cgroup"),
            Some("cpuset cpu io memory hugetlb pids"),
        );
        assert_eq!(f.cgroup, CgroupMode::Unified);
        assert!(f.v2_controllers.contains(&"io".to_string()));
        assert!(f.v1_controllers.is_empty());
        let f = from_proc_cgroup("3:cpu,cpuacct:/\n1:name=systemd:/\n", None, None);
        assert_eq!((f.cgroup, f.v1_controllers.len()), (CgroupMode::Legacy, 2));
        assert_eq!(from_proc_cgroup("", None, None).cgroup, CgroupMode::Unknown);
    }

    #[test]
    fn only_keeps_what_is_needed() {
        let all = HostFacts {
            cgroup: CgroupMode::Hybrid,
            v2_controllers: vec!["hugetlb".into()],
            v1_controllers: vec!["memory".into()],
            resctrl_mounted: true,
            numa_nodes_online: Some(vec![(0, 0)]),
            hugepage_sizes: vec![2 << 20],
            apparmor: true,
            selinux: false,
            kernel: Some((6, 1)),
        };
        assert_eq!(all.only(Needs::ALL), all);
        assert_eq!(kernel_version("6.1.0-13-amd64"), Some((6, 1)));
        assert_eq!(kernel_version("5.14"), Some((5, 14)));
        assert_eq!(kernel_version("x"), None);
        let some = all.only(Needs {
            numa: true,
            ..Needs::default()
        });
        assert_eq!(some.numa_nodes_online, all.numa_nodes_online);
        assert_eq!(
            (some.cgroup, some.resctrl_mounted),
            (CgroupMode::Unknown, false)
        );
    }

    /// The probe on this machine agrees with /proc/self/mountinfo, the
    /// kernel's own account of what is mounted.
    #[cfg(target_os = "linux")]
    #[test]
    fn probe_matches_mountinfo() {
        let f = probe(Needs::ALL);
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        let fs = |t: &str| {
            mountinfo
                .lines()
                .filter_map(|l| l.split_once(" - "))
                .filter(|(_, post)| post.split(' ').next() == Some(t))
                .map(|(pre, _)| pre.split(' ').nth(4).unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        };
        let v2 = fs("cgroup2");
        match f.cgroup {
            CgroupMode::Unified => assert!(v2.iter().any(|m| m == "/sys/fs/cgroup"), "{v2:?}"),
            CgroupMode::Hybrid => assert!(v2.iter().any(|m| m == "/sys/fs/cgroup/unified")),
            CgroupMode::Legacy | CgroupMode::Unknown => assert!(v2.is_empty(), "{v2:?}"),
        }
        assert_eq!(f.resctrl_mounted, !fs("resctrl").is_empty());
    }

    #[test]
    fn hugepage_dirs() {
        assert_eq!(hugepage_dir_size("hugepages-2048kB"), Some(2 << 20));
        assert_eq!(hugepage_dir_size("hugepages-1048576kB"), Some(1 << 30));
        assert_eq!(hugepage_dir_size("other"), None);
    }
}
