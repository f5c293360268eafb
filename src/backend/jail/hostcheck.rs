//! What the host can give a jail, checked before anything is created.
//!
//! Jail parameters differ between releases (13.x, 14.x, 15.x) and with the
//! kernel modules loaded (`allow.mount.tmpfs` exists only with tmpfs): the
//! kernel describes each parameter it knows by a sysctl
//! `security.jail.param.<name>`. A plan asking for one the host lacks is
//! refused naming the field, instead of failing inside jail_set(2).
//!
//! devfs rulesets: `ruleset=N` on a devfs mount of a ruleset the host has
//! not loaded is accepted by the kernel and filters nothing (the jail would
//! see every host device, `mem` and `kmem` included), so it is refused.
//!
//! Pure: the apply layer gathers the host's answers ([`HostFacts`]).

use std::collections::BTreeSet;

use super::params::{positive, JailParam, ParamValue};
use super::plan::MountStep;
use crate::bundle::freebsd::ALLOW_FLAGS;
use crate::bundle::Diagnostic;

/// The host's answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostFacts {
    /// Jail parameter names the kernel knows (`allow.mlock`, `vnet`, ...).
    pub params: BTreeSet<String>,
    /// devfs ruleset numbers loaded (`devfs rule showsets`).
    pub devfs_rulesets: BTreeSet<u32>,
}

const SYSCTL_PREFIX: &str = "security.jail.param.";

/// Parameter names from `sysctl -N security.jail.param` output (one sysctl
/// name per line; nodes end with `.`, e.g. `security.jail.param.allow.mount.`).
pub fn parse_param_sysctls(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(SYSCTL_PREFIX))
        .map(|n| n.trim_end_matches('.').to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Ruleset numbers from `devfs rule showsets` output (one number per line).
pub fn parse_rulesets(text: &str) -> BTreeSet<u32> {
    text.split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// Whether the kernel describes the parameter: a false flag is sent as
/// `allow.nomlock` but described as `allow.mlock`.
fn is_known(name: &str, known: &BTreeSet<String>) -> bool {
    known.contains(name) || known.contains(&positive(name))
}

/// The config field a jail parameter comes from, for error paths.
pub fn field_of(param: &str) -> String {
    if let Some(rest) = param.strip_prefix("allow.") {
        if rest.starts_with("mount.") || rest == "mount" || rest == "nomount" {
            return "freebsd.jail.allow.mount".into();
        }
        let jname = positive(param);
        return match ALLOW_FLAGS.iter().find(|(_, j)| *j == jname) {
            Some((field, _)) => format!("freebsd.jail.allow.{field}"),
            None => "annotations".into(),
        };
    }
    match param {
        "host.hostname" => "hostname".into(),
        "host.domainname" => "domainname".into(),
        "host" => "freebsd.jail.host".into(),
        "enforce_statfs" => "freebsd.jail.enforceStatfs".into(),
        "ip4.addr" => "freebsd.jail.ip4Addr".into(),
        "ip6.addr" => "freebsd.jail.ip6Addr".into(),
        "ip4" | "ip6" | "vnet" | "sysvmsg" | "sysvsem" | "sysvshm" => {
            format!("freebsd.jail.{param}")
        }
        _ => "freebsd.jail".into(),
    }
}

/// Fit the plan's parameters to the host: one the config asked for and the
/// kernel does not describe is an error at its field; a default the planner
/// added itself (`implicit`: sysv* `new`, host networking's ip4/ip6
/// `inherit`) is removed with a warning (no SYSV IPC or no INET6 in this
/// kernel means there is nothing to share).
pub fn fit_params(params: &mut Vec<JailParam>, known: &BTreeSet<String>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    params.retain(|p| {
        let keep = !p.implicit || is_known(&p.name, known);
        if !keep {
            out.push(Diagnostic::warning(
                field_of(&p.name),
                format!(
                    "this kernel has no jail parameter `{}`; the default is not sent",
                    p.name
                ),
            ));
        }
        keep
    });
    for p in params.iter() {
        if is_known(&p.name, known) {
            continue;
        }
        let shown = match &p.value {
            ParamValue::Flag => positive(&p.name),
            _ => p.name.clone(),
        };
        let hint = match shown.strip_prefix("allow.mount.") {
            Some(fs) => format!(" (is the {fs} kernel module loaded? `kldload {fs}`)"),
            None => " (not in this FreeBSD release)".to_string(),
        };
        out.push(Diagnostic::error(
            field_of(&p.name),
            format!(
                "this host has no jail parameter `{shown}` (no sysctl {SYSCTL_PREFIX}{shown}){hint}"
            ),
        ));
    }
    out
}

/// devfs mounts whose `ruleset=N` is not loaded on the host.
pub fn check_rulesets(mounts: &[MountStep], loaded: &BTreeSet<u32>) -> Vec<String> {
    let mut out = Vec::new();
    for m in mounts.iter().filter(|m| m.fstype == "devfs") {
        for o in m.options.iter().filter(|o| o.name == "ruleset") {
            match o.value.parse::<u32>() {
                Ok(0) => {}
                Ok(n) if loaded.contains(&n) => {}
                Ok(n) => out.push(format!(
                    "devfs mount at {}: ruleset {n} is not loaded on this host \
                     (it would filter nothing and show every host device; load it \
                     with `service devfs restart` or devfs.rules(5))",
                    m.destination
                )),
                Err(_) => out.push(format!(
                    "devfs mount at {}: `ruleset={}` is not a ruleset number",
                    m.destination, o.value
                )),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::jail::plan::MountOption;
    use crate::bundle::Severity;

    fn known(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn flag(name: &str) -> JailParam {
        JailParam {
            name: name.into(),
            value: ParamValue::Flag,
            implicit: false,
        }
    }

    fn check_params(params: &[JailParam], known: &BTreeSet<String>) -> Vec<Diagnostic> {
        fit_params(&mut params.to_vec(), known)
    }

    #[test]
    fn defaults_the_kernel_lacks_are_dropped_with_a_warning() {
        use crate::bundle::freebsd::SharingMode;
        let implicit = |name: &str, m| JailParam {
            name: name.into(),
            value: ParamValue::Jailsys(m),
            implicit: true,
        };
        // A kernel without INET6 and without SYSV message queues.
        let k = known(&["ip4", "sysvsem"]);
        let mut params = vec![
            implicit("ip4", SharingMode::Inherit),
            implicit("ip6", SharingMode::Inherit),
            implicit("sysvmsg", SharingMode::New),
            implicit("sysvsem", SharingMode::New),
        ];
        let d = fit_params(&mut params, &k);
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["ip4", "sysvsem"]);
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|x| x.severity == Severity::Warning), "{d:?}");
        // Asked for explicitly: refused.
        let mut asked = vec![JailParam {
            implicit: false,
            ..implicit("ip6", SharingMode::New)
        }];
        let d = fit_params(&mut asked, &k);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(d[0].path, "freebsd.jail.ip6");
    }

    #[test]
    fn parses_sysctl_names_and_nodes() {
        let text = "security.jail.param.allow.mount.\nsecurity.jail.param.allow.mount.tmpfs\n\
                    security.jail.param.name\nsecurity.jail.param.host.\nother.thing\n";
        assert_eq!(
            parse_param_sysctls(text),
            known(&["allow.mount", "allow.mount.tmpfs", "host", "name"])
        );
        assert_eq!(parse_rulesets("1\n2\n3\n4\n"), BTreeSet::from([1, 2, 3, 4]));
        assert!(parse_rulesets("").is_empty());
    }

    #[test]
    fn negated_flags_are_looked_up_by_their_positive_name() {
        let k = known(&["allow.mlock", "persist", "allow.mount", "allow.mount.tmpfs"]);
        let params = [
            flag("allow.nomlock"),
            flag("persist"),
            flag("allow.mount"),
            flag("allow.mount.tmpfs"),
        ];
        assert!(check_params(&params, &k).is_empty());
    }

    #[test]
    fn a_missing_parameter_names_the_field_and_the_sysctl() {
        // 13.2 without the tmpfs module; a flag no release has.
        let k = known(&["allow.mount", "allow.raw_sockets"]);
        let d = check_params(
            &[
                flag("allow.mount.tmpfs"),
                flag("allow.nomlock"),
                flag("allow.raw_sockets"),
            ],
            &k,
        );
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().all(|x| x.severity == Severity::Error));
        assert_eq!(d[0].path, "freebsd.jail.allow.mount");
        assert!(d[0]
            .message
            .contains("security.jail.param.allow.mount.tmpfs"));
        assert!(d[0].message.contains("kldload tmpfs"));
        assert_eq!(d[1].path, "freebsd.jail.allow.mlock");
        assert!(d[1].message.contains("`allow.mlock`"), "{}", d[1].message);
    }

    #[test]
    fn fields_of_parameters() {
        assert_eq!(
            field_of("allow.noraw_sockets"),
            "freebsd.jail.allow.rawSockets"
        );
        assert_eq!(field_of("allow.settime"), "annotations");
        assert_eq!(field_of("host.hostname"), "hostname");
        assert_eq!(field_of("enforce_statfs"), "freebsd.jail.enforceStatfs");
        assert_eq!(field_of("sysvshm"), "freebsd.jail.sysvshm");
    }

    fn devfs(dest: &str, ruleset: Option<&str>) -> MountStep {
        MountStep {
            destination: dest.into(),
            target: dest.into(),
            fstype: "devfs".into(),
            source: "devfs".into(),
            flags: Default::default(),
            options: ruleset
                .map(|r| {
                    vec![MountOption {
                        name: "ruleset".into(),
                        value: r.into(),
                    }]
                })
                .unwrap_or_default(),
            devfs_rules: vec![],
            tmpcopyup: false,
        }
    }

    #[test]
    fn unloaded_devfs_ruleset_is_refused_naming_mount_and_ruleset() {
        let loaded = BTreeSet::from([1, 2, 3, 4]);
        assert!(check_rulesets(&[devfs("/dev", Some("4"))], &loaded).is_empty());
        let e = check_rulesets(&[devfs("/dev", Some("4"))], &BTreeSet::new());
        assert_eq!(e.len(), 1);
        assert!(e[0].contains("/dev") && e[0].contains("ruleset 4"), "{e:?}");
        let e = check_rulesets(&[devfs("/dev", Some("x"))], &loaded);
        assert!(e[0].contains("not a ruleset number"));
        // ruleset 0 is "no ruleset" by definition; no option: the kernel default.
        assert!(check_rulesets(
            &[devfs("/dev", Some("0")), devfs("/d2", None)],
            &BTreeSet::new()
        )
        .is_empty());
    }
}
