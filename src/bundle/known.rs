//! What the v1.3.0 spec defines, as data: the field tree of the common and
//! Linux parts of `config.json` (from `config-schema.json`, `config-linux.json`,
//! `defs.json`, `defs-linux.json`), value tables the validators and
//! `features` share, and fields that were renamed, moved or removed.
//!
//! The `freebsd` object is described by `bundle::freebsd`; other platforms'
//! objects are not walked.

/// The shape of a JSON value as far as unknown-key checking cares.
#[derive(Debug)]
pub enum Shape {
    /// A scalar, or anything whose members are not checked.
    Leaf,
    /// An object with these known members.
    Object(&'static [(&'static str, Shape)]),
    /// An array of `Shape`.
    Array(&'static Shape),
    /// A map with free-form keys and `Shape` values.
    Map(&'static Shape),
}

use Shape::{Array, Leaf, Map, Object};

const ID_MAPPING: Shape = Object(&[("containerID", Leaf), ("hostID", Leaf), ("size", Leaf)]);

const HOOK: Shape = Object(&[
    ("path", Leaf),
    ("args", Leaf),
    ("env", Leaf),
    ("timeout", Leaf),
]);

const HOOKS: Shape = Object(&[
    ("prestart", Array(&HOOK)),
    ("createRuntime", Array(&HOOK)),
    ("createContainer", Array(&HOOK)),
    ("startContainer", Array(&HOOK)),
    ("poststart", Array(&HOOK)),
    ("poststop", Array(&HOOK)),
]);

const MOUNT: Shape = Object(&[
    ("destination", Leaf),
    ("source", Leaf),
    ("options", Leaf),
    ("type", Leaf),
    ("uidMappings", Array(&ID_MAPPING)),
    ("gidMappings", Array(&ID_MAPPING)),
]);

const CAPABILITIES: Shape = Object(&[
    ("bounding", Leaf),
    ("permitted", Leaf),
    ("effective", Leaf),
    ("inheritable", Leaf),
    ("ambient", Leaf),
]);

const PROCESS: Shape = Object(&[
    ("args", Leaf),
    ("commandLine", Leaf),
    ("consoleSize", Object(&[("height", Leaf), ("width", Leaf)])),
    ("cwd", Leaf),
    ("env", Leaf),
    ("terminal", Leaf),
    (
        "user",
        Object(&[
            ("uid", Leaf),
            ("gid", Leaf),
            ("umask", Leaf),
            ("additionalGids", Leaf),
            ("username", Leaf),
        ]),
    ),
    ("capabilities", CAPABILITIES),
    ("apparmorProfile", Leaf),
    ("oomScoreAdj", Leaf),
    ("selinuxLabel", Leaf),
    ("ioPriority", Object(&[("class", Leaf), ("priority", Leaf)])),
    ("noNewPrivileges", Leaf),
    (
        "scheduler",
        Object(&[
            ("policy", Leaf),
            ("nice", Leaf),
            ("priority", Leaf),
            ("flags", Leaf),
            ("runtime", Leaf),
            ("deadline", Leaf),
            ("period", Leaf),
        ]),
    ),
    (
        "rlimits",
        Array(&Object(&[("type", Leaf), ("soft", Leaf), ("hard", Leaf)])),
    ),
    (
        "execCPUAffinity",
        Object(&[("initial", Leaf), ("final", Leaf)]),
    ),
]);

const BLOCK_IO_DEVICE_WEIGHT: Shape = Object(&[
    ("major", Leaf),
    ("minor", Leaf),
    ("weight", Leaf),
    ("leafWeight", Leaf),
]);

const BLOCK_IO_THROTTLE: Shape = Object(&[("major", Leaf), ("minor", Leaf), ("rate", Leaf)]);

const RESOURCES: Shape = Object(&[
    ("unified", Map(&Leaf)),
    (
        "devices",
        Array(&Object(&[
            ("allow", Leaf),
            ("type", Leaf),
            ("major", Leaf),
            ("minor", Leaf),
            ("access", Leaf),
        ])),
    ),
    ("pids", Object(&[("limit", Leaf)])),
    (
        "blockIO",
        Object(&[
            ("weight", Leaf),
            ("leafWeight", Leaf),
            ("weightDevice", Array(&BLOCK_IO_DEVICE_WEIGHT)),
            ("throttleReadBpsDevice", Array(&BLOCK_IO_THROTTLE)),
            ("throttleWriteBpsDevice", Array(&BLOCK_IO_THROTTLE)),
            ("throttleReadIOPSDevice", Array(&BLOCK_IO_THROTTLE)),
            ("throttleWriteIOPSDevice", Array(&BLOCK_IO_THROTTLE)),
        ]),
    ),
    (
        "cpu",
        Object(&[
            ("cpus", Leaf),
            ("mems", Leaf),
            ("period", Leaf),
            ("quota", Leaf),
            ("burst", Leaf),
            ("realtimePeriod", Leaf),
            ("realtimeRuntime", Leaf),
            ("shares", Leaf),
            ("idle", Leaf),
        ]),
    ),
    (
        "hugepageLimits",
        Array(&Object(&[("pageSize", Leaf), ("limit", Leaf)])),
    ),
    (
        "memory",
        Object(&[
            ("kernel", Leaf),
            ("kernelTCP", Leaf),
            ("limit", Leaf),
            ("reservation", Leaf),
            ("swap", Leaf),
            ("swappiness", Leaf),
            ("disableOOMKiller", Leaf),
            ("useHierarchy", Leaf),
            ("checkBeforeUpdate", Leaf),
        ]),
    ),
    (
        "network",
        Object(&[
            ("classID", Leaf),
            (
                "priorities",
                Array(&Object(&[("name", Leaf), ("priority", Leaf)])),
            ),
        ]),
    ),
    (
        "rdma",
        Map(&Object(&[("hcaHandles", Leaf), ("hcaObjects", Leaf)])),
    ),
]);

const SECCOMP: Shape = Object(&[
    ("defaultAction", Leaf),
    ("defaultErrnoRet", Leaf),
    ("flags", Leaf),
    ("listenerPath", Leaf),
    ("listenerMetadata", Leaf),
    ("architectures", Leaf),
    (
        "syscalls",
        Array(&Object(&[
            ("names", Leaf),
            ("action", Leaf),
            ("errnoRet", Leaf),
            (
                "args",
                Array(&Object(&[
                    ("index", Leaf),
                    ("value", Leaf),
                    ("valueTwo", Leaf),
                    ("op", Leaf),
                ])),
            ),
        ])),
    ),
]);

const TIME_OFFSET: Shape = Object(&[("secs", Leaf), ("nanosecs", Leaf)]);

const LINUX: Shape = Object(&[
    (
        "devices",
        Array(&Object(&[
            ("type", Leaf),
            ("path", Leaf),
            ("fileMode", Leaf),
            ("major", Leaf),
            ("minor", Leaf),
            ("uid", Leaf),
            ("gid", Leaf),
        ])),
    ),
    ("netDevices", Map(&Object(&[("name", Leaf)]))),
    ("uidMappings", Array(&ID_MAPPING)),
    ("gidMappings", Array(&ID_MAPPING)),
    (
        "namespaces",
        Array(&Object(&[("type", Leaf), ("path", Leaf)])),
    ),
    ("resources", RESOURCES),
    ("cgroupsPath", Leaf),
    ("rootfsPropagation", Leaf),
    ("seccomp", SECCOMP),
    ("sysctl", Map(&Leaf)),
    ("maskedPaths", Leaf),
    ("readonlyPaths", Leaf),
    ("mountLabel", Leaf),
    (
        "intelRdt",
        Object(&[
            ("closID", Leaf),
            ("schemata", Leaf),
            ("l3CacheSchema", Leaf),
            ("memBwSchema", Leaf),
            ("enableMonitoring", Leaf),
        ]),
    ),
    (
        "memoryPolicy",
        Object(&[("mode", Leaf), ("nodes", Leaf), ("flags", Leaf)]),
    ),
    ("personality", Object(&[("domain", Leaf), ("flags", Leaf)])),
    (
        "timeOffsets",
        Object(&[("boottime", TIME_OFFSET), ("monotonic", TIME_OFFSET)]),
    ),
]);

/// The whole document. Platform objects other than `linux` are `Leaf`: the
/// `freebsd` one is checked by `bundle::freebsd`, the rest are not used here.
pub const CONFIG: Shape = Object(&[
    ("ociVersion", Leaf),
    ("hooks", HOOKS),
    ("annotations", Map(&Leaf)),
    ("hostname", Leaf),
    ("domainname", Leaf),
    ("mounts", Array(&MOUNT)),
    ("root", Object(&[("path", Leaf), ("readonly", Leaf)])),
    ("process", PROCESS),
    ("linux", LINUX),
    ("solaris", Leaf),
    ("windows", Leaf),
    ("vm", Leaf),
    ("zos", Leaf),
    ("freebsd", Leaf),
]);

/// Fields the spec used to define (or that sit in the wrong place), with
/// what to say instead of a generic "unknown field". Paths use `[]` for
/// "any index".
pub const RETIRED: &[(&str, &str)] = &[
    (
        "linux.intelRdt.enableCMT",
        "removed in runtime-spec v1.3.0 (ignored); use `linux.intelRdt.enableMonitoring`",
    ),
    (
        "linux.intelRdt.enableMBM",
        "removed in runtime-spec v1.3.0 (ignored); use `linux.intelRdt.enableMonitoring`",
    ),
    (
        "linux.resources.oomScoreAdj",
        "not part of runtime-spec since v1.0.0 (ignored); use `process.oomScoreAdj`",
    ),
    (
        "linux.resources.disableOOMKiller",
        "misplaced (ignored); use `linux.resources.memory.disableOOMKiller`",
    ),
];

/// Defined fields that v1.3.0 discourages: a warning each when present.
pub const DISCOURAGED: &[(&str, &str)] = &[
    (
        "hooks.prestart",
        "deprecated since runtime-spec v1.1.0; use `createRuntime` hooks",
    ),
    (
        "linux.resources.memory.kernel",
        "NOT RECOMMENDED by runtime-spec v1.3.0 (kernel memory limits are gone from cgroup v2)",
    ),
    (
        "linux.resources.memory.kernelTCP",
        "NOT RECOMMENDED by runtime-spec v1.3.0",
    ),
];

/// How a `set_mempolicy(2)` mode uses the node list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nodes {
    /// The mode takes no nodes (giving some is an error).
    Forbidden,
    /// At least one node is needed.
    Required,
    /// Nodes may be given or not.
    Optional,
}

/// `linux.memoryPolicy.mode` values (runtime-spec v1.3.0 `MemoryPolicyMode`).
/// `features` lists these names.
pub const MEMORY_POLICY_MODES: &[(&str, Nodes)] = &[
    ("MPOL_DEFAULT", Nodes::Forbidden),
    ("MPOL_BIND", Nodes::Required),
    ("MPOL_INTERLEAVE", Nodes::Required),
    ("MPOL_WEIGHTED_INTERLEAVE", Nodes::Required),
    ("MPOL_PREFERRED", Nodes::Optional),
    ("MPOL_PREFERRED_MANY", Nodes::Required),
    ("MPOL_LOCAL", Nodes::Forbidden),
];

/// `linux.memoryPolicy.flags` values (runtime-spec v1.3.0 `MemoryPolicyFlag`).
pub const MEMORY_POLICY_FLAGS: &[&str] = &[
    "MPOL_F_NUMA_BALANCING",
    "MPOL_F_RELATIVE_NODES",
    "MPOL_F_STATIC_NODES",
];

/// Modes `MPOL_F_NUMA_BALANCING` may be combined with (the kernel refuses others).
pub const NUMA_BALANCING_MODES: &[&str] = &["MPOL_BIND", "MPOL_PREFERRED_MANY"];

/// Hook kinds (`hooks.*`), in lifecycle order. The validators walk these
/// and `features` lists them.
pub const HOOK_KINDS: &[&str] = &[
    "prestart",
    "createRuntime",
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
];

/// `linux.seccomp.flags` values with their kernel bit (linux/seccomp.h).
/// The libcrun backend parses exactly these names and hands the bits to
/// seccomp(2) itself; `features` lists them as `knownFlags`.
pub const SECCOMP_FILTER_FLAGS: &[(&str, u64)] = &[
    ("SECCOMP_FILTER_FLAG_TSYNC", 1 << 0),
    ("SECCOMP_FILTER_FLAG_LOG", 1 << 1),
    ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1 << 2),
    ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1 << 5),
];

/// `linux.namespaces[].type` values.
pub const NAMESPACE_TYPES: &[&str] = &[
    "mount", "pid", "network", "uts", "ipc", "user", "cgroup", "time",
];

/// Interface names: at most IFNAMSIZ - 1 bytes.
pub const IFNAME_MAX: usize = 15;

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn memory_policy_tables_match_oci_spec_types() {
        use oci_spec::runtime::{MemoryPolicyFlagType, MemoryPolicyModeType};
        for (mode, _) in MEMORY_POLICY_MODES {
            let parsed = MemoryPolicyModeType::from_str(mode).expect(mode);
            assert_eq!(parsed.to_string(), *mode);
        }
        for flag in MEMORY_POLICY_FLAGS {
            let parsed = MemoryPolicyFlagType::from_str(flag).expect(flag);
            assert_eq!(parsed.to_string(), *flag);
        }
        for m in NUMA_BALANCING_MODES {
            assert!(MEMORY_POLICY_MODES.iter().any(|(n, _)| n == m), "{m}");
        }
    }

    #[test]
    fn hook_kinds_are_the_hooks_object() {
        let Object(fields) = &HOOKS else {
            panic!("HOOKS is not an object")
        };
        let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, HOOK_KINDS);
    }

    #[test]
    fn seccomp_flags_parse() {
        use oci_spec::runtime::LinuxSeccompFilterFlag;
        for (name, _) in SECCOMP_FILTER_FLAGS {
            let v = crate::bundle::doc::json!(name);
            crate::bundle::doc::from_value::<LinuxSeccompFilterFlag>(&v).expect(name);
        }
        #[cfg(target_os = "linux")]
        {
            let bits: Vec<u64> = SECCOMP_FILTER_FLAGS.iter().map(|(_, b)| *b).collect();
            let libc_bits = [
                libc::SECCOMP_FILTER_FLAG_TSYNC,
                libc::SECCOMP_FILTER_FLAG_LOG,
                libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
            ]
            .map(|b| b);
            assert_eq!(bits, libc_bits);
        }
    }

    #[test]
    fn namespace_types_all_parse() {
        for t in NAMESPACE_TYPES {
            let v = crate::bundle::doc::json!({ "type": t });
            crate::bundle::doc::from_value::<oci_spec::runtime::LinuxNamespace>(&v).expect(t);
        }
    }

    fn lookup<'a>(mut shape: &'a Shape, path: &[&str]) -> Option<&'a Shape> {
        for seg in path {
            shape = match shape {
                Object(fields) => &fields.iter().find(|(k, _)| k == seg)?.1,
                Array(inner) | Map(inner) => inner,
                Leaf => return None,
            };
        }
        Some(shape)
    }

    #[test]
    fn tables_name_real_fields() {
        for (path, _) in DISCOURAGED {
            let segs: Vec<&str> = path.split('.').collect();
            assert!(lookup(&CONFIG, &segs).is_some(), "{path}");
        }
        for (path, _) in RETIRED {
            let segs: Vec<&str> = path.split('.').collect();
            assert!(lookup(&CONFIG, &segs).is_none(), "{path} is a known field");
            assert!(
                lookup(&CONFIG, &segs[..segs.len() - 1]).is_some(),
                "{path} parent"
            );
        }
    }
}
