//! Mount steps: `mounts[]` in order, each with its FreeBSD file system type,
//! nmount(2) flags and string options, its target resolved inside the
//! rootfs, and for devfs the rules that unhide `freebsd.devices`.
//!
//! Types: nullfs (also `bind` or no type), devfs, fdescfs, tmpfs, procfs,
//! linprocfs, linsysfs. Options: `ro`/`rw`, `noexec`/`exec`, `nosuid`/`suid`,
//! `noatime`/`atime`, `nosymfollow`/`symfollow`, `sync`, `async` become
//! MNT_* flags; Linux-only words (`nodev`, `bind`, propagation modes) are
//! dropped; `tmpcopyup` (tmpfs) and `rule=…` (devfs) are done by the
//! runtime; `key=value` and any other word go to nmount as string options.
//! Every mount gets MNT_IGNORE (hidden from the host's df/mount).

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::input;
use super::resolve::{clean_destination, resolve_in_root, RootfsView};
use crate::bundle::freebsd::Device;
use crate::bundle::Diagnostic;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountStep {
    /// `mounts[i].destination` as written.
    pub destination: String,
    /// Where it is mounted, relative to the jail root, after confined
    /// symlink resolution.
    pub target: String,
    pub fstype: String,
    /// nullfs: the absolute host directory or file; others: the `from` name.
    pub source: String,
    /// MNT_* flags, sorted.
    pub flags: BTreeSet<String>,
    /// nmount(2) string options, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<MountOption>,
    /// devfs only: rules applied to this mount after mounting, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devfs_rules: Vec<DevfsRule>,
    /// tmpfs only: copy the directory's previous contents into the tmpfs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tmpcopyup: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountOption {
    pub name: String,
    pub value: String,
}

/// One devfs rule, as the text after `devfs rule apply` (words separated
/// by single spaces; no word contains whitespace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DevfsRule(pub String);

impl DevfsRule {
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split_whitespace()
    }
}

const TYPES: &[&str] = &[
    "nullfs",
    "devfs",
    "fdescfs",
    "tmpfs",
    "procfs",
    "linprocfs",
    "linsysfs",
];

/// Options with no meaning on FreeBSD, dropped without a word.
const DROPPED: &[&str] = &[
    "nodev",
    "dev",
    "bind",
    "rbind",
    "private",
    "rprivate",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "unbindable",
    "runbindable",
];

/// (option, flag, set?) — `set` false means the option clears the flag.
const FLAG_OPTS: &[(&str, &str, bool)] = &[
    ("ro", "MNT_RDONLY", true),
    ("rdonly", "MNT_RDONLY", true),
    ("rw", "MNT_RDONLY", false),
    ("noexec", "MNT_NOEXEC", true),
    ("exec", "MNT_NOEXEC", false),
    ("nosuid", "MNT_NOSUID", true),
    ("suid", "MNT_NOSUID", false),
    ("noatime", "MNT_NOATIME", true),
    ("atime", "MNT_NOATIME", false),
    ("nosymfollow", "MNT_NOSYMFOLLOW", true),
    ("symfollow", "MNT_NOSYMFOLLOW", false),
    ("sync", "MNT_SYNCHRONOUS", true),
    ("async", "MNT_ASYNC", true),
];

/// Every option string the planner recognises (flags, options it drops as
/// meaningless on FreeBSD, `tmpcopyup`); anything else is passed to
/// nmount(2) as a file-system option. `features` lists these.
pub fn recognised_options() -> Vec<&'static str> {
    let mut v: Vec<&str> = FLAG_OPTS.iter().map(|(n, _, _)| *n).collect();
    v.extend(DROPPED);
    v.push("tmpcopyup");
    v
}

pub(super) fn plan_mounts(
    mounts: &[input::Mount],
    devices: &[Device],
    bundle_dir: &Path,
    view: &dyn RootfsView,
    out: &mut Vec<Diagnostic>,
) -> Vec<MountStep> {
    let mut steps: Vec<MountStep> = mounts
        .iter()
        .enumerate()
        .filter_map(|(i, m)| mount_step(i, m, bundle_dir, view, out))
        .collect();
    device_rules(devices, &mut steps, out);
    steps
}

fn mount_step(
    i: usize,
    m: &input::Mount,
    bundle_dir: &Path,
    view: &dyn RootfsView,
    out: &mut Vec<Diagnostic>,
) -> Option<MountStep> {
    let at = format!("mounts[{i}]");
    let fstype = match m.typ.as_deref() {
        None | Some("") | Some("bind") => "nullfs",
        Some(t) if TYPES.contains(&t) => t,
        Some(t) => {
            out.push(Diagnostic::error(
                format!("{at}.type"),
                format!(
                    "`{t}` is not supported on FreeBSD (supported: {})",
                    TYPES.join(", ")
                ),
            ));
            return None;
        }
    };
    let cleaned = match clean_destination(&m.destination) {
        Ok(c) => c,
        Err(e) => {
            out.push(Diagnostic::error(format!("{at}.destination"), e));
            return None;
        }
    };
    let target = match resolve_in_root(view, &cleaned) {
        Ok(t) => t,
        Err(e) => {
            out.push(Diagnostic::error(format!("{at}.destination"), e));
            return None;
        }
    };
    if target != cleaned {
        out.push(Diagnostic::warning(
            format!("{at}.destination"),
            format!("`{}` goes through a symlink in the rootfs; mounted at `{target}` inside the rootfs", m.destination),
        ));
    }
    let source = source(fstype, m.source.as_deref(), bundle_dir, &at, out)?;
    let mut step = MountStep {
        destination: m.destination.clone(),
        target,
        fstype: fstype.into(),
        source,
        flags: BTreeSet::from(["MNT_IGNORE".to_string()]),
        options: Vec::new(),
        devfs_rules: Vec::new(),
        tmpcopyup: false,
    };
    for (j, o) in m.options.iter().enumerate() {
        option(&mut step, o, &format!("{at}.options[{j}]"), out);
    }
    Some(step)
}

fn source(
    fstype: &str,
    src: Option<&str>,
    bundle_dir: &Path,
    at: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<String> {
    if fstype != "nullfs" {
        return Some(src.filter(|s| !s.is_empty()).unwrap_or(fstype).to_string());
    }
    match src {
        None | Some("") => {
            out.push(Diagnostic::error(
                format!("{at}.source"),
                "a nullfs mount needs a source path",
            ));
            None
        }
        Some(s) => {
            let path = bundle_dir.join(s); // an absolute `s` replaces the base
            if let Err(e) = super::confine::check_in_bundle(bundle_dir, &path) {
                out.push(Diagnostic::error(format!("{at}.source"), e));
                return None;
            }
            Some(path.to_string_lossy().into_owned())
        }
    }
}

fn option(step: &mut MountStep, o: &str, at: &str, out: &mut Vec<Diagnostic>) {
    if let Some((_, flag, set)) = FLAG_OPTS.iter().find(|(n, _, _)| *n == o) {
        if *set {
            step.flags.insert(flag.to_string());
        } else {
            step.flags.remove(*flag);
        }
        return;
    }
    if DROPPED.contains(&o) {
        return;
    }
    if o == "tmpcopyup" {
        if step.fstype == "tmpfs" {
            step.tmpcopyup = true;
        } else {
            out.push(Diagnostic::warning(
                at,
                "`tmpcopyup` only applies to tmpfs; ignored",
            ));
        }
        return;
    }
    if let Some(rule) = o.strip_prefix("rule=") {
        if step.fstype != "devfs" {
            out.push(Diagnostic::error(
                at,
                "`rule=` only applies to devfs mounts",
            ));
            return;
        }
        let words: Vec<&str> = rule.split_whitespace().collect();
        if words.is_empty() {
            out.push(Diagnostic::error(at, "empty devfs rule"));
        } else {
            step.devfs_rules.push(DevfsRule(words.join(" ")));
        }
        return;
    }
    let (name, value) = o.split_once('=').unwrap_or((o, ""));
    if name.is_empty() {
        out.push(Diagnostic::error(at, format!("`{o}` has no option name")));
        return;
    }
    step.options.push(MountOption {
        name: name.into(),
        value: value.into(),
    });
}

/// `freebsd.devices[]` → `path P unhide [mode M]` rules on the devfs at `/dev`.
fn device_rules(devices: &[Device], steps: &mut [MountStep], out: &mut Vec<Diagnostic>) {
    if devices.is_empty() {
        return;
    }
    let Some(dev) = steps
        .iter_mut()
        .rev()
        .find(|s| s.fstype == "devfs" && s.target == "/dev")
    else {
        out.push(Diagnostic::error(
            "freebsd.devices",
            "there is no devfs mount at `/dev` to unhide the devices in",
        ));
        return;
    };
    for (i, d) in devices.iter().enumerate() {
        let at = format!("freebsd.devices[{i}]");
        let Some(path) = d.path.as_deref() else {
            out.push(Diagnostic::error(
                format!("{at}.path"),
                "missing (required)",
            ));
            continue;
        };
        if let Err(e) = device_path(path) {
            out.push(Diagnostic::error(format!("{at}.path"), e));
            continue;
        }
        let mut rule = format!("path {path} unhide");
        if let Some(mode) = d.mode {
            if mode > 0o777 {
                out.push(Diagnostic::error(
                    format!("{at}.mode"),
                    format!("{mode} is above 511 (0777)"),
                ));
                continue;
            }
            rule.push_str(&format!(" mode {mode:04o}"));
        }
        dev.devfs_rules.push(DevfsRule(rule));
    }
}

fn device_path(p: &str) -> Result<(), String> {
    if p.starts_with('/') {
        return Err(format!(
            "`{p}` must be relative to /dev (e.g. `pf`, not `/dev/pf`)"
        ));
    }
    let ok_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+' | '/' | '*' | ':');
    if p.is_empty() || !p.chars().all(ok_char) || p.split('/').any(|c| c.is_empty() || c == "..") {
        return Err(format!("`{p}` is not a device path"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::jail::resolve::tests::Links;
    use serde_json::json;

    fn run(
        mounts: serde_json::Value,
        devices: serde_json::Value,
        links: &[(&str, &str)],
    ) -> (Vec<MountStep>, Vec<Diagnostic>) {
        let m: Vec<input::Mount> = serde_json::from_value(mounts).unwrap();
        let d: Vec<Device> = serde_json::from_value(devices).unwrap();
        let view = Links(
            links
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        let mut out = Vec::new();
        let s = plan_mounts(&m, &d, Path::new("/bundle"), &view, &mut out);
        (s, out)
    }

    #[test]
    fn bind_becomes_nullfs_with_flags_and_relative_source() {
        let (s, d) = run(
            json!([{"destination": "/data", "type": "bind", "source": "vol",
            "options": ["rbind", "ro", "nosuid", "nodev"]}]),
            json!([]),
            &[],
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(s[0].fstype, "nullfs");
        assert_eq!(s[0].source, "/bundle/vol");
        assert_eq!(
            s[0].flags.iter().collect::<Vec<_>>(),
            ["MNT_IGNORE", "MNT_NOSUID", "MNT_RDONLY"]
        );
    }

    #[test]
    fn rw_after_ro_clears_the_flag() {
        let (s, _) = run(
            json!([{"destination": "/d", "source": "/x", "options": ["ro", "rw"]}]),
            json!([]),
            &[],
        );
        assert!(!s[0].flags.contains("MNT_RDONLY"));
    }

    #[test]
    fn devfs_ruleset_option_rules_and_devices() {
        let (s, d) = run(
            json!([{"destination": "/dev", "type": "devfs", "source": "devfs",
                    "options": ["ruleset=4", "rule=path tun0 unhide mode 0600"]}]),
            json!([{"path": "pf", "mode": 448}, {"path": "bpf*"}]),
            &[],
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            s[0].options,
            [MountOption {
                name: "ruleset".into(),
                value: "4".into()
            }]
        );
        let rules: Vec<&str> = s[0].devfs_rules.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            rules,
            [
                "path tun0 unhide mode 0600",
                "path pf unhide mode 0700",
                "path bpf* unhide"
            ]
        );
    }

    #[test]
    fn devices_need_a_dev_devfs_and_good_paths() {
        let (_, d) = run(json!([]), json!([{"path": "pf"}]), &[]);
        assert_eq!(d[0].path, "freebsd.devices");
        let (_, d) = run(
            json!([{"destination": "/dev", "type": "devfs"}]),
            json!([{"path": "/dev/pf"}, {"path": "../mem"}, {"mode": 1}, {"path": "pf", "mode": 512}]),
            &[],
        );
        let paths: Vec<_> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "freebsd.devices[0].path",
                "freebsd.devices[1].path",
                "freebsd.devices[2].path",
                "freebsd.devices[3].mode"
            ]
        );
    }

    #[test]
    fn hostile_destinations() {
        let (s, d) = run(
            json!([
                {"destination": "/../../etc", "source": "/x"},
                {"destination": "/data/x", "source": "/y"},
            ]),
            json!([]),
            &[("/data", "/../../etc")],
        );
        assert_eq!(d[0].severity, crate::bundle::Severity::Error);
        assert_eq!(d[0].path, "mounts[0].destination");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].target, "/etc/x");
        assert_eq!(d[1].path, "mounts[1].destination");
    }

    #[test]
    fn unsupported_type_and_missing_nullfs_source() {
        let (_, d) = run(
            json!([{"destination": "/proc", "type": "proc"}, {"destination": "/a"}]),
            json!([]),
            &[],
        );
        assert_eq!(d[0].path, "mounts[0].type");
        assert_eq!(d[1].path, "mounts[1].source");
    }

    #[test]
    fn tmpfs_copyup_and_options() {
        let (s, d) = run(
            json!([{"destination": "/tmp", "type": "tmpfs", "options": ["tmpcopyup", "mode=1777", "size=64m", "noexec"]}]),
            json!([]),
            &[],
        );
        assert!(d.is_empty());
        assert!(s[0].tmpcopyup);
        assert_eq!(s[0].source, "tmpfs");
        assert_eq!(s[0].options.len(), 2);
        assert!(s[0].flags.contains("MNT_NOEXEC"));
    }
}
