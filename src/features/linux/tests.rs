use serde_json::{json, Value};

use super::*;
use crate::bundle::host::HostFacts;
use crate::bundle::report::{report_with, Input};
use crate::bundle::Platform;

const ALL_SUPPORTED: BackendSupport = BackendSupport {
    net_devices: true,
    memory_policy: true,
    rdt_schemata: true,
    rdt_monitoring: true,
};

fn real() -> Inputs {
    Inputs::gather().expect("libcrun features")
}

fn synthetic() -> Inputs {
    Inputs {
        crun: CrunFeatures {
            hooks: known::HOOK_KINDS.iter().map(|s| s.to_string()).collect(),
            mount_options: vec!["ro".into(), "bind".into()],
            namespaces: vec!["pid".into()],
            capabilities: vec!["CAP_CHOWN".into(), "CAP_NOT_A_CAP".into()],
            cgroup_v1: true,
            cgroup_v2: true,
            cgroup_systemd: true,
            cgroup_systemd_user: true,
            seccomp_enabled: true,
            seccomp_actions: vec!["SCMP_ACT_ALLOW".into(), "SCMP_ACT_BOGUS".into()],
            seccomp_operators: vec!["SCMP_CMP_EQ".into()],
            seccomp_archs: vec!["SCMP_ARCH_X86_64".into()],
            apparmor: true,
            selinux: true,
            idmap: true,
            intel_rdt: true,
            libseccomp_version: Some("2.5.4".into()),
            checkpoint: false,
            commit: Some("abc".into()),
            version: Some("1.21".into()),
            unsafe_annotations: vec!["run.oci.".into()],
        },
        host: HostProbe {
            cgroup: CgroupMode::Hybrid,
            namespaces: vec!["pid".into(), "mount".into()],
            seccomp_filter: true,
            seccomp_flags: vec!["SECCOMP_FILTER_FLAG_LOG".into()],
            kernel: Some((6, 1)),
            ..Default::default()
        },
        support: BackendSupport::LINUX,
    }
}

#[test]
fn rules_on_a_synthetic_host() {
    let mut i = synthetic();
    let d = document(&i);
    let l = &d["linux"];
    assert_eq!(l["namespaces"], json!(["mount", "pid"]));
    assert_eq!(l["capabilities"], json!(["CAP_CHOWN"]));
    assert_eq!(
        l["cgroup"],
        json!({"v1": true, "v2": false, "systemd": false, "systemdUser": false, "rdma": false})
    );
    assert_eq!(l["seccomp"]["actions"], json!(["SCMP_ACT_ALLOW"]));
    assert_eq!(
        l["seccomp"]["supportedFlags"],
        json!(["SECCOMP_FILTER_FLAG_LOG"])
    );
    assert_eq!(l["seccomp"]["knownFlags"].as_array().unwrap().len(), 4);
    for lsm in ["apparmor", "selinux"] {
        assert_eq!(l[lsm]["enabled"], false, "{lsm}");
    }
    assert_eq!(
        l["intelRdt"],
        json!({"enabled": false, "schemata": false, "monitoring": false})
    );
    assert_eq!(l["mountExtensions"]["idmap"]["enabled"], false);
    // The backend applies memory policies, so every mode the front end accepts is reported.
    assert_eq!(
        l["memoryPolicy"],
        json!({
            "modes": known::MEMORY_POLICY_MODES.iter().map(|(m, _)| *m).collect::<Vec<_>>(),
            "flags": known::MEMORY_POLICY_FLAGS
        })
    );
    // The backend moves net devices (BackendSupport::LINUX).
    assert_eq!(l["netDevices"]["enabled"], true);
    assert_eq!(
        d["annotations"]["io.github.seccomp.libseccomp.version"],
        "2.5.4"
    );
    assert_eq!(d["annotations"]["org.stockade.libcrun.commit"], "abc");

    i.host = HostProbe {
        cgroup: CgroupMode::Unified,
        systemd_booted: true,
        apparmor: true,
        selinux: true,
        resctrl_mounted: true,
        idmap_mounts: true,
        ..i.host
    };
    i.support = ALL_SUPPORTED;
    let d = document(&i);
    let l = &d["linux"];
    assert_eq!(
        l["cgroup"],
        json!({"v1": false, "v2": true, "systemd": true, "systemdUser": true, "rdma": false})
    );
    assert_eq!(l["apparmor"]["enabled"], true);
    assert_eq!(
        l["intelRdt"],
        json!({"enabled": true, "schemata": true, "monitoring": true})
    );
    assert_eq!(l["mountExtensions"]["idmap"]["enabled"], true);
    assert_eq!(l["memoryPolicy"]["modes"].as_array().unwrap().len(), 7);
    assert_eq!(l["memoryPolicy"]["flags"].as_array().unwrap().len(), 3);
    assert_eq!(l["netDevices"]["enabled"], true);

    i.host.seccomp_filter = false;
    assert_eq!(document(&i)["linux"]["seccomp"], json!({"enabled": false}));
}

#[test]
fn key_order_follows_the_spec() {
    let d = document(&synthetic());
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "ociVersionMin",
            "ociVersionMax",
            "hooks",
            "mountOptions",
            "linux",
            "annotations",
            "potentiallyUnsafeConfigAnnotations"
        ]
    );
}

/// What libcrun reports is a subset of what the front end knows, and the
/// filters drop nothing on this build (if they ever do, say which).
#[test]
fn libcrun_report_fits_the_front_end() {
    let c = crate::backend::libcrun::ffi::features().unwrap();
    assert_eq!(c.hooks, known::HOOK_KINDS);
    for n in &c.namespaces {
        assert!(known::NAMESPACE_TYPES.contains(&n.as_str()), "{n}");
    }
    assert!(c.mount_options.len() > 20, "{:?}", c.mount_options);
    let i = real();
    assert_eq!(
        capabilities(&i).len(),
        c.capabilities.len(),
        "{:?}",
        c.capabilities
    );
    let s = &document(&i)["linux"]["seccomp"];
    if s["enabled"] == true {
        assert_eq!(
            s["actions"].as_array().unwrap().len(),
            c.seccomp_actions.len()
        );
        assert_eq!(
            s["operators"].as_array().unwrap().len(),
            c.seccomp_operators.len()
        );
        assert_eq!(s["archs"].as_array().unwrap().len(), c.seccomp_archs.len());
    }
    assert_eq!(c.version.as_deref(), Some(LIBCRUN_VERSION));
}

fn config(extra: Value) -> Value {
    let mut doc = json!({
        "ociVersion": "1.3.0",
        "root": {"path": "rootfs"},
        "process": {"args": ["/bin/true"], "cwd": "/"},
        "linux": {"namespaces": [{"type": "mount"}]}
    });
    merge(&mut doc, extra);
    doc
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

fn host_facts() -> HostFacts {
    HostFacts {
        numa_nodes_online: Some(vec![(0, 0)]),
        ..HostFacts::default()
    }
}

/// Would the front end (validation + host decisions) take this config?
fn accepted(doc: &Value, support: &BackendSupport) -> std::result::Result<(), String> {
    let r = report_with(
        Input::Text {
            text: &doc.to_string(),
            dir: Path::new("/bundle"),
        },
        Platform::Linux,
        Some(&host_facts()),
        support,
    );
    if r.ok {
        Ok(())
    } else {
        Err(format!("{:?} {:?}", r.problems, r.fields))
    }
}

#[test]
fn reported_hooks_are_accepted_and_accepted_ones_reported() {
    let i = real();
    let reported = hooks(&i);
    for h in &reported {
        let doc = config(json!({"hooks": {*h: [{"path": "/bin/true"}]}}));
        accepted(&doc, &i.support).unwrap_or_else(|e| panic!("{h}: {e}"));
    }
    // The front end's acceptance is exactly HOOK_KINDS: a hook object with
    // one of these is valid, anything else is an unknown field.
    for h in known::HOOK_KINDS {
        assert!(
            reported.contains(h),
            "front end accepts `{h}` but it is not reported"
        );
    }
}

#[test]
fn reported_mount_options_are_accepted() {
    let i = real();
    let opts = mount_options(&i);
    assert!(!opts.is_empty());
    for (o, k) in crate::bundle::mount_options::WORDS {
        if matches!(k, crate::bundle::mount_options::Kind::Refused(_)) {
            assert!(!opts.contains(o), "{o}");
        }
    }
    assert!(
        opts.contains(&"rnoatime") && opts.contains(&"nosymfollow"),
        "{opts:?}"
    );
    let mounts: Vec<Value> = opts
        .iter()
        .map(|o| json!({"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": [o]}))
        .collect();
    accepted(&config(json!({ "mounts": mounts })), &i.support).unwrap();
    // Words outside the table are file-system data (`size=…`), by spec not
    // reported.
}

#[test]
fn reported_namespaces_are_accepted_and_accepted_ones_reported() {
    let i = real();
    let reported = namespaces(&i);
    for t in &reported {
        let mut extra = json!({"linux": {"namespaces": [{"type": "mount"}]}});
        if *t != "mount" {
            extra["linux"]["namespaces"]
                .as_array_mut()
                .unwrap()
                .push(json!({"type": t}));
        }
        accepted(&config(extra), &i.support).unwrap_or_else(|e| panic!("{t}: {e}"));
    }
    for t in known::NAMESPACE_TYPES {
        let on_host = i.host.namespaces.iter().any(|n| n == t);
        assert_eq!(reported.contains(t), on_host, "{t}");
    }
    let bogus = config(json!({"linux": {"namespaces": [{"type": "mount"}, {"type": "bogus"}]}}));
    assert!(accepted(&bogus, &i.support).is_err());
}

fn policy(mode: &str) -> Value {
    let nodes = known::MEMORY_POLICY_MODES
        .iter()
        .find(|(m, _)| *m == mode)
        .map(|(_, n)| *n)
        .unwrap();
    let mut mp = json!({"mode": mode});
    if nodes == known::Nodes::Required {
        mp["nodes"] = json!("0");
    }
    config(json!({"linux": {"memoryPolicy": mp}}))
}

#[test]
fn memory_policy_modes_match_front_end() {
    for support in [BackendSupport::LINUX, ALL_SUPPORTED] {
        let i = Inputs { support, ..real() };
        let reported = memory_policy_modes(&i);
        for (mode, _) in known::MEMORY_POLICY_MODES {
            let ok = accepted(&policy(mode), &support);
            assert_eq!(
                ok.is_ok(),
                reported.contains(mode),
                "{mode} with {support:?}: {ok:?}"
            );
        }
        let flags = memory_policy_flags(&i);
        assert_eq!(flags.is_empty(), !support.memory_policy);
    }
}

#[test]
fn real_document_is_consistent() {
    let i = real();
    let d = document(&i);
    assert_eq!(d["ociVersionMax"], "1.3.0");
    assert_eq!(
        d["annotations"]["org.stockade.libcrun.version"],
        LIBCRUN_VERSION
    );
    let unsafe_keys = d["potentiallyUnsafeConfigAnnotations"].as_array().unwrap();
    for k in ["run.oci.", "org.freebsd.jail.", "org.freebsd.parentJail"] {
        assert!(unsafe_keys.contains(&json!(k)), "{k}");
    }
    let s = &d["linux"]["seccomp"];
    if s["enabled"] == true {
        for f in s["supportedFlags"].as_array().unwrap() {
            assert!(s["knownFlags"].as_array().unwrap().contains(f), "{f}");
        }
    }
}

#[test]
fn probes_can_say_no() {
    assert!(crate::sys::seccomp_filter_flags_known(0));
    assert!(!crate::sys::seccomp_filter_flags_known(1 << 30));
    // procfs has no idmapped-mount support.
    assert!(!crate::sys::idmapped_mount_works(Path::new("/proc")));
    assert!(!crate::sys::idmapped_mount_works(Path::new(
        "/does/not/exist"
    )));
}
