//! The jail(8) parameters of a plan, in the order they are sent.
//!
//! Defaults decided here (see docs/freebsd.md):
//! * `persist` is always set (the jail must outlive `create`).
//! * a top-level `hostname`/`domainname` implies `host=new` (sent explicitly);
//!   `host=inherit` together with either is an error.
//! * sysvmsg/sysvsem/sysvshm absent → `new`, the spec default (the kernel's
//!   own default is `disable`).
//! * no vnet and no ip4/ip6 settings at all → `ip4=inherit`, `ip6=inherit`
//!   (host networking, what `podman --network host` expects); addresses
//!   without a mode → mode `new`.
//! * an allow flag that is `false` is sent as the negated name
//!   (`allow.nomlock`); an absent one is not sent (kernel default).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::input;
use super::plan::IpAliases;
use crate::bundle::freebsd::{Jail, SharingMode, SharingModeNoDisable, ALLOW_FLAGS};
use crate::bundle::Diagnostic;

#[derive(Debug, Clone, Eq, Serialize, Deserialize)]
pub struct JailParam {
    /// The name as sent to jail_set(2) (`allow.nomlock` for a false flag).
    pub name: String,
    #[serde(flatten)]
    pub value: ParamValue,
    /// A default the planner chose, not something the config asked for: a
    /// host whose kernel lacks the parameter (no INET6, no SYSV IPC) gets
    /// it dropped with a warning instead of a refusal (see `hostcheck`).
    #[serde(skip)]
    pub implicit: bool,
}

/// Two parameters are equal when they send the same thing: `implicit` is
/// the planner's note for the host check, not part of the plan's JSON, so a
/// plan read back from the state compares equal to the one written.
impl PartialEq for JailParam {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.value == other.value
    }
}

/// A parameter value and its jail_set(2) encoding (see `encode`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum ParamValue {
    /// NUL-terminated string.
    String(String),
    /// 4-byte native int.
    Int(i32),
    /// Boolean flag: name with no value (falsehood is in the `no` name).
    Flag,
    /// 4-byte int: disable = 0, new = 1, inherit = 2.
    Jailsys(SharingMode),
    /// Packed `struct in_addr`s.
    Ip4(Vec<Ipv4Addr>),
    /// Packed `struct in6_addr`s.
    Ip6(Vec<Ipv6Addr>),
}

pub(super) fn p(name: impl Into<String>, value: ParamValue) -> JailParam {
    JailParam {
        name: name.into(),
        value,
        implicit: false,
    }
}

/// A parameter the planner adds by default.
fn default_p(name: impl Into<String>, value: ParamValue) -> JailParam {
    JailParam {
        implicit: true,
        ..p(name, value)
    }
}

/// `allow.x` or `allow.nox`.
pub(super) fn flag(name: &str, on: bool) -> JailParam {
    if on {
        return p(name, ParamValue::Flag);
    }
    let negated = match name.rsplit_once('.') {
        Some((head, last)) => format!("{head}.no{last}"),
        None => format!("no{name}"),
    };
    p(negated, ParamValue::Flag)
}

/// The inverse of `flag`'s negation: `allow.nomlock` → `allow.mlock`.
pub(super) fn positive(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((head, last)) => format!("{head}.{}", last.strip_prefix("no").unwrap_or(last)),
        None => name.strip_prefix("no").unwrap_or(name).to_string(),
    }
}

pub(super) fn jail_params(
    name: &str,
    jail_path: &str,
    doc: &input::Doc,
    jail: &Jail,
    out: &mut Vec<Diagnostic>,
) -> Vec<JailParam> {
    let mut v = vec![
        p("name", ParamValue::String(name.into())),
        p("path", ParamValue::String(jail_path.into())),
        flag("persist", true),
    ];
    host(doc, jail, &mut v, out);
    network(jail, &mut v, out);
    for (field, value) in [
        ("sysvmsg", jail.sysvmsg),
        ("sysvsem", jail.sysvsem),
        ("sysvshm", jail.sysvshm),
    ] {
        v.push(match value {
            Some(m) => p(field, ParamValue::Jailsys(m)),
            None => default_p(field, ParamValue::Jailsys(SharingMode::New)),
        });
    }
    if let Some(n) = jail.enforce_statfs {
        if n > 2 {
            out.push(Diagnostic::error(
                "freebsd.jail.enforceStatfs",
                format!("{n} is out of range (0, 1 or 2)"),
            ));
        }
        v.push(p("enforce_statfs", ParamValue::Int(i32::from(n))));
    }
    allow(jail, &mut v, out);
    v
}

fn host(doc: &input::Doc, jail: &Jail, v: &mut Vec<JailParam>, out: &mut Vec<Diagnostic>) {
    let names = [
        ("host.hostname", &doc.hostname),
        ("host.domainname", &doc.domainname),
    ];
    let wants_names = names.iter().any(|(_, n)| n.is_some());
    match (jail.host, wants_names) {
        (Some(SharingModeNoDisable::Inherit), true) => out.push(Diagnostic::error(
            "freebsd.jail.host",
            "`inherit` conflicts with a top-level `hostname`/`domainname` (they need `new`)",
        )),
        (Some(mode), _) => v.push(p("host", ParamValue::Jailsys(mode.into()))),
        (None, true) => v.push(p("host", ParamValue::Jailsys(SharingMode::New))),
        (None, false) => {}
    }
    for (param, value) in names {
        if let Some(s) = value {
            if jail.host != Some(SharingModeNoDisable::Inherit) {
                v.push(p(param, ParamValue::String(s.clone())));
            }
        }
    }
}

fn network(jail: &Jail, v: &mut Vec<JailParam>, out: &mut Vec<Diagnostic>) {
    if let Some(mode) = jail.vnet {
        v.push(p("vnet", ParamValue::Jailsys(mode.into())));
    }
    let ip4 = parse_addrs::<Ipv4Addr>(jail.ip4_addr.as_deref(), "freebsd.jail.ip4Addr", out);
    let ip6 = parse_addrs::<Ipv6Addr>(jail.ip6_addr.as_deref(), "freebsd.jail.ip6Addr", out);
    if jail.vnet == Some(SharingModeNoDisable::New) {
        let set = [
            ("ip4", jail.ip4.is_some()),
            ("ip4Addr", !ip4.is_empty()),
            ("ip6", jail.ip6.is_some()),
            ("ip6Addr", !ip6.is_empty()),
        ];
        for (field, _) in set.iter().filter(|(_, s)| *s) {
            out.push(Diagnostic::error(
                format!("freebsd.jail.{field}"),
                "not allowed with `vnet: new` (a vnet jail has its own stack; configure addresses inside it)",
            ));
        }
        return;
    }
    let untouched = jail.ip4.is_none() && jail.ip6.is_none() && ip4.is_empty() && ip6.is_empty();
    let (m4, m6) = if untouched {
        (Some(SharingMode::Inherit), Some(SharingMode::Inherit))
    } else {
        (
            family_mode(jail.ip4, !ip4.is_empty(), "ip4", out),
            family_mode(jail.ip6, !ip6.is_empty(), "ip6", out),
        )
    };
    // Host networking by default: a kernel without INET6 has no ip6 to inherit.
    let mode = |fam: &str, m: SharingMode| match untouched {
        true => default_p(fam, ParamValue::Jailsys(m)),
        false => p(fam, ParamValue::Jailsys(m)),
    };
    if let Some(m) = m4 {
        v.push(mode("ip4", m));
    }
    if !ip4.is_empty() {
        v.push(p("ip4.addr", ParamValue::Ip4(ip4)));
    }
    if let Some(m) = m6 {
        v.push(mode("ip6", m));
    }
    if !ip6.is_empty() {
        v.push(p("ip6.addr", ParamValue::Ip6(ip6)));
    }
}

/// The mode sent for one address family; addresses need `new`.
fn family_mode(
    mode: Option<SharingMode>,
    has_addrs: bool,
    fam: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<SharingMode> {
    match (mode, has_addrs) {
        (None, true) => Some(SharingMode::New),
        (Some(m @ (SharingMode::Inherit | SharingMode::Disable)), true) => {
            out.push(Diagnostic::error(
                format!("freebsd.jail.{fam}"),
                format!(
                    "`{}` conflicts with `{fam}Addr` (addresses need `new` or no mode)",
                    m.name()
                ),
            ));
            None
        }
        (m, _) => m,
    }
}

fn parse_addrs<T: std::str::FromStr>(
    list: Option<&[String]>,
    at: &str,
    out: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let mut v = Vec::new();
    for (i, a) in list.unwrap_or_default().iter().enumerate() {
        match a.parse() {
            Ok(x) => v.push(x),
            Err(_) => out.push(Diagnostic::error(
                format!("{at}[{i}]"),
                format!("`{a}` is not a numeric address"),
            )),
        }
    }
    v
}

fn allow(jail: &Jail, v: &mut Vec<JailParam>, out: &mut Vec<Diagnostic>) {
    let allow = jail.allow.clone().unwrap_or_default();
    for (field, param) in ALLOW_FLAGS {
        if let Some(on) = allow.flag(field) {
            v.push(flag(param, on));
        }
    }
    let mut fs_list: Vec<&String> = Vec::new();
    for (i, fs) in allow.mount.iter().flatten().enumerate() {
        if fs.is_empty() || !fs.chars().all(|c| c.is_ascii_alphanumeric()) {
            out.push(Diagnostic::error(
                format!("freebsd.jail.allow.mount[{i}]"),
                format!("`{fs}` is not a file system type name"),
            ));
        } else if !fs_list.contains(&fs) {
            fs_list.push(fs);
        }
    }
    if !fs_list.is_empty() {
        v.push(flag("allow.mount", true));
        v.extend(
            fs_list
                .iter()
                .map(|fs| flag(&format!("allow.mount.{fs}"), true)),
        );
        if jail.enforce_statfs.is_none_or(|n| n >= 2) {
            out.push(Diagnostic::warning(
                "freebsd.jail.allow.mount",
                "mounting inside the jail only works with `enforceStatfs` 0 or 1 (it is 2)",
            ));
        }
    }
    for (name, on) in &jail.legacy_params {
        if v.iter().any(|q| q.name == flag(name, *on).name) {
            continue;
        }
        if v.iter().any(|q| q.name == flag(name, !on).name) {
            out.push(Diagnostic::warning(
                "annotations",
                format!("legacy `{name}` is already decided by a v1.3.0 field; the field wins"),
            ));
        } else {
            v.push(flag(name, *on));
        }
    }
}

/// `vnetInterfaces` and the `interface` address aliases.
pub(super) fn network_extras(
    jail: &Jail,
    out: &mut Vec<Diagnostic>,
) -> (Vec<String>, Option<IpAliases>) {
    let vnet_new = jail.vnet == Some(SharingModeNoDisable::New);
    let ifs = jail.vnet_interfaces.clone().unwrap_or_default();
    for (i, name) in ifs.iter().enumerate() {
        if !valid_ifname(name) {
            out.push(Diagnostic::error(
                format!("freebsd.jail.vnetInterfaces[{i}]"),
                format!("`{name}` is not an interface name"),
            ));
        }
    }
    if !ifs.is_empty() && !vnet_new {
        out.push(Diagnostic::error(
            "freebsd.jail.vnetInterfaces",
            "needs `vnet: new` (there is no vnet to move the interfaces into)",
        ));
    }
    let Some(interface) = jail.interface.clone() else {
        return (ifs, None);
    };
    if vnet_new {
        out.push(Diagnostic::error(
            "freebsd.jail.interface",
            "not used with `vnet: new`; use `vnetInterfaces`",
        ));
    }
    if !valid_ifname(&interface) {
        out.push(Diagnostic::error(
            "freebsd.jail.interface",
            format!("`{interface}` is not an interface name"),
        ));
    }
    let ip4 = jail.ip4_addr.clone().unwrap_or_default();
    let ip6 = jail.ip6_addr.clone().unwrap_or_default();
    if ip4.is_empty() && ip6.is_empty() {
        out.push(Diagnostic::warning(
            "freebsd.jail.interface",
            "no `ip4Addr`/`ip6Addr` to add as aliases; ignored",
        ));
        return (ifs, None);
    }
    (
        ifs,
        Some(IpAliases {
            interface,
            ip4,
            ip6,
        }),
    )
}

/// IFNAMSIZ is 16 including the NUL.
fn valid_ifname(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 16
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(jail: serde_json::Value, doc: serde_json::Value) -> (Vec<JailParam>, Vec<Diagnostic>) {
        let jail: Jail = serde_json::from_value(jail).unwrap();
        let doc: input::Doc = serde_json::from_value(doc).unwrap();
        let mut out = Vec::new();
        let v = jail_params("c", "/r", &doc, &jail, &mut out);
        (v, out)
    }

    fn names(v: &[JailParam]) -> Vec<String> {
        v.iter().map(|p| p.name.clone()).collect()
    }

    fn get<'a>(v: &'a [JailParam], name: &str) -> Option<&'a ParamValue> {
        v.iter().find(|p| p.name == name).map(|p| &p.value)
    }

    #[test]
    fn defaults_for_an_empty_jail() {
        let (v, d) = run(json!({}), json!({}));
        assert!(d.is_empty());
        assert_eq!(
            names(&v),
            ["name", "path", "persist", "ip4", "ip6", "sysvmsg", "sysvsem", "sysvshm"]
        );
        assert_eq!(
            get(&v, "ip4"),
            Some(&ParamValue::Jailsys(SharingMode::Inherit))
        );
        assert_eq!(
            get(&v, "sysvshm"),
            Some(&ParamValue::Jailsys(SharingMode::New))
        );
        let implicit: Vec<&str> = v
            .iter()
            .filter(|p| p.implicit)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(implicit, ["ip4", "ip6", "sysvmsg", "sysvsem", "sysvshm"]);
        let (v, _) = run(
            json!({"sysvshm": "new", "ip4Addr": ["10.0.0.1"]}),
            json!({}),
        );
        assert!(v
            .iter()
            .filter(|p| p.implicit)
            .all(|p| p.name == "sysvmsg" || p.name == "sysvsem"));
    }

    #[test]
    fn false_flags_are_negated_names() {
        let (v, _) = run(
            json!({"allow": {"mlock": false, "rawSockets": true}}),
            json!({}),
        );
        let n = names(&v);
        assert!(
            n.contains(&"allow.nomlock".to_string())
                && n.contains(&"allow.raw_sockets".to_string()),
            "{n:?}"
        );
        assert!(!n.iter().any(|x| x.contains("suser")));
        assert_eq!(flag("persist", false).name, "nopersist");
    }

    #[test]
    fn hostname_implies_host_new_and_conflicts_with_inherit() {
        let (v, d) = run(json!({}), json!({"hostname": "h"}));
        assert!(d.is_empty());
        assert_eq!(
            get(&v, "host"),
            Some(&ParamValue::Jailsys(SharingMode::New))
        );
        assert_eq!(
            get(&v, "host.hostname"),
            Some(&ParamValue::String("h".into()))
        );
        let (_, d) = run(json!({"host": "inherit"}), json!({"hostname": "h"}));
        assert_eq!(d[0].path, "freebsd.jail.host");
    }

    #[test]
    fn addresses_imply_new_and_other_family_untouched() {
        let (v, d) = run(json!({"ip4Addr": ["10.1.2.3"]}), json!({}));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(get(&v, "ip4"), Some(&ParamValue::Jailsys(SharingMode::New)));
        assert_eq!(
            get(&v, "ip4.addr"),
            Some(&ParamValue::Ip4(vec![Ipv4Addr::new(10, 1, 2, 3)]))
        );
        assert_eq!(get(&v, "ip6"), None);
    }

    #[test]
    fn address_errors_name_the_element() {
        let (_, d) = run(json!({"ip6Addr": ["fd00::1", "nope"]}), json!({}));
        assert_eq!(d[0].path, "freebsd.jail.ip6Addr[1]");
        let (_, d) = run(
            json!({"ip4": "inherit", "ip4Addr": ["10.0.0.1"]}),
            json!({}),
        );
        assert_eq!(d[0].path, "freebsd.jail.ip4");
    }

    #[test]
    fn vnet_new_rejects_ip_settings_and_sends_no_ip() {
        let (v, d) = run(json!({"vnet": "new"}), json!({}));
        assert!(d.is_empty());
        assert!(get(&v, "ip4").is_none());
        let (_, d) = run(json!({"vnet": "new", "ip4": "inherit"}), json!({}));
        assert_eq!(d[0].path, "freebsd.jail.ip4");
    }

    #[test]
    fn allow_mount_list_and_legacy_params() {
        let mut j: Jail = serde_json::from_value(
            json!({"enforceStatfs": 1, "allow": {"mount": ["tmpfs", "zfs", "tmpfs"]}}),
        )
        .unwrap();
        j.legacy_params.insert("allow.settime".into(), true);
        j.legacy_params.insert("allow.mount".into(), false);
        let mut d = Vec::new();
        let v = jail_params("c", "/r", &input::Doc::default(), &j, &mut d);
        let n = names(&v);
        let tail: Vec<_> = n
            .iter()
            .skip_while(|x| !x.starts_with("allow"))
            .cloned()
            .collect();
        assert_eq!(
            tail,
            [
                "allow.mount",
                "allow.mount.tmpfs",
                "allow.mount.zfs",
                "allow.settime"
            ]
        );
        assert_eq!(d.len(), 1, "{d:?}");
    }

    #[test]
    fn allow_mount_without_low_enforce_statfs_warns() {
        let (_, d) = run(json!({"allow": {"mount": ["tmpfs"]}}), json!({}));
        assert_eq!(d[0].path, "freebsd.jail.allow.mount");
        let (_, d) = run(json!({"enforceStatfs": 3}), json!({}));
        assert_eq!(d[0].path, "freebsd.jail.enforceStatfs");
    }

    #[test]
    fn vnet_interfaces_need_vnet() {
        let j: Jail = serde_json::from_value(json!({"vnetInterfaces": ["epair0b"]})).unwrap();
        let mut d = Vec::new();
        network_extras(&j, &mut d);
        assert_eq!(d[0].path, "freebsd.jail.vnetInterfaces");
        let j: Jail =
            serde_json::from_value(json!({"interface": "lo1", "ip4Addr": ["10.0.0.9"]})).unwrap();
        let mut d = Vec::new();
        let (_, a) = network_extras(&j, &mut d);
        assert_eq!(a.unwrap().ip4, ["10.0.0.9"]);
        assert!(d.is_empty());
    }

    #[test]
    fn params_serialize_with_type_and_value() {
        let v = serde_json::to_value([
            flag("allow.mlock", true),
            p("enforce_statfs", ParamValue::Int(1)),
            p("sysvshm", ParamValue::Jailsys(SharingMode::New)),
        ])
        .unwrap();
        assert_eq!(
            v,
            json!([{"name": "allow.mlock", "type": "flag"},
            {"name": "enforce_statfs", "type": "int", "value": 1},
            {"name": "sysvshm", "type": "jailsys", "value": "new"}])
        );
    }
}
