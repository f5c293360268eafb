//! The OCI v1.3.0 `freebsd` object (oci-spec has no type for it).
//!
//! Every optional member is an `Option` so that an explicit `false` (or an
//! explicit `"disable"`) is kept apart from "absent": the planner sends the
//! negated jail(8) flag for the first and leaves the kernel default for the
//! second. Unknown members are ignored by serde, as config.md requires; the
//! lint in `freebsd_lint` warns about them before this type is built.
//!
//! `bridge_annotations` is the entry point `normalize` calls: it lints the
//! user's `freebsd` object and then folds the legacy `org.freebsd.*`
//! annotations into it (see `freebsd_bridge`).

use std::collections::BTreeMap;

use crate::bundle::doc::Value;
use serde::{Deserialize, Serialize};

use super::{freebsd_bridge, freebsd_lint, Diagnostic, Platform};

/// Key under `freebsd.jail` where the bridge keeps legacy `allow.*`
/// parameters that have no v1.3.0 field (jail(8) name → value). Reserved:
/// a user-supplied value is dropped with a warning before bridging.
pub const LEGACY_PARAMS_KEY: &str = "org.stockade.legacyParams";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeBsd {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<Device>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jail: Option<Jail>,
}

/// `freebsd.devices[]`: a device node to unhide in the container's devfs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// Relative to `/dev`; required by the spec text (checked by the planner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Permission bits (decimal in JSON; `448` = 0o700).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

/// `SharingMode`: `disable` | `new` | `inherit` (jail(8) "jailsys" values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SharingMode {
    Disable,
    New,
    Inherit,
}

/// `SharingModeNoDisable`: `new` | `inherit` (used by `host` and `vnet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SharingModeNoDisable {
    New,
    Inherit,
}

impl SharingMode {
    pub fn name(self) -> &'static str {
        match self {
            SharingMode::Disable => "disable",
            SharingMode::New => "new",
            SharingMode::Inherit => "inherit",
        }
    }
}

impl From<SharingModeNoDisable> for SharingMode {
    fn from(m: SharingModeNoDisable) -> Self {
        match m {
            SharingModeNoDisable::New => SharingMode::New,
            SharingModeNoDisable::Inherit => SharingMode::Inherit,
        }
    }
}

/// `freebsd.jail`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Jail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<SharingModeNoDisable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip4: Option<SharingMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip4_addr: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip6: Option<SharingMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip6_addr: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vnet: Option<SharingModeNoDisable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vnet_interfaces: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysvmsg: Option<SharingMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysvsem: Option<SharingMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysvshm: Option<SharingMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_statfs: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Allow>,
    /// Legacy `allow.*` parameters with no v1.3.0 field, put here by the
    /// annotation bridge only (see [`LEGACY_PARAMS_KEY`]).
    #[serde(
        rename = "org.stockade.legacyParams",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub legacy_params: BTreeMap<String, bool>,
}

/// `freebsd.jail.allow`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Allow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_hostname: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_sockets: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chflags: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotas: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_af: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mlock: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_ports: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suser: Option<bool>,
}

/// The boolean members of `allow`: (v1.3.0 field, jail(8) parameter).
/// The order is the order the planner emits them in.
pub const ALLOW_FLAGS: &[(&str, &str)] = &[
    ("setHostname", "allow.set_hostname"),
    ("rawSockets", "allow.raw_sockets"),
    ("chflags", "allow.chflags"),
    ("quotas", "allow.quotas"),
    ("socketAf", "allow.socket_af"),
    ("mlock", "allow.mlock"),
    ("reservedPorts", "allow.reserved_ports"),
    ("suser", "allow.suser"),
];

/// Every member of `freebsd.jail` in v1.3.0.
pub const JAIL_FIELDS: &[&str] = &[
    "parent",
    "host",
    "ip4",
    "ip4Addr",
    "ip6",
    "ip6Addr",
    "vnet",
    "interface",
    "vnetInterfaces",
    "sysvmsg",
    "sysvsem",
    "sysvshm",
    "enforceStatfs",
    "allow",
];

impl Allow {
    /// The value of a boolean member by its v1.3.0 name.
    pub fn flag(&self, field: &str) -> Option<bool> {
        match field {
            "setHostname" => self.set_hostname,
            "rawSockets" => self.raw_sockets,
            "chflags" => self.chflags,
            "quotas" => self.quotas,
            "socketAf" => self.socket_af,
            "mlock" => self.mlock,
            "reservedPorts" => self.reserved_ports,
            "suser" => self.suser,
            _ => None,
        }
    }
}

/// Lint the user's `freebsd` object, then bridge the legacy annotations.
/// Does nothing on Linux: there a `freebsd` object is rejected by the
/// platform gate and `org.freebsd.*` annotations are passed through untouched.
/// The `org.freebsd.*` annotation keys (a trailing `.` is a prefix) the
/// bridge acts on.
pub const BRIDGED_ANNOTATIONS: &[&str] = &[freebsd_bridge::JAIL_PREFIX, freebsd_bridge::PARENT_KEY];

pub fn bridge_annotations(doc: &mut Value, platform: Platform) -> Vec<Diagnostic> {
    if platform != Platform::FreeBsd {
        return Vec::new();
    }
    let mut out = freebsd_lint::lint(doc);
    out.extend(freebsd_bridge::bridge(doc));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn explicit_false_and_absent_differ() {
        let j: Jail = crate::bundle::doc::from_value(&json!({"allow": {"mlock": false}})).unwrap();
        let a = j.allow.unwrap();
        assert_eq!(a.mlock, Some(false));
        assert_eq!(a.suser, None);
        assert_eq!(a.flag("mlock"), Some(false));
    }

    #[test]
    fn vnet_disable_is_rejected_but_ip4_disable_is_fine() {
        assert!(crate::bundle::doc::from_value::<Jail>(&json!({"vnet": "disable"})).is_err());
        let j: Jail = crate::bundle::doc::from_value(&json!({"ip4": "disable"})).unwrap();
        assert_eq!(j.ip4, Some(SharingMode::Disable));
    }

    #[test]
    fn round_trips_camel_case_names() {
        let v = json!({"ip4Addr": ["10.0.0.1"], "vnetInterfaces": ["e0b"], "enforceStatfs": 1,
                       "allow": {"rawSockets": true, "socketAf": false, "mount": ["tmpfs"]}});
        let j: Jail = crate::bundle::doc::from_value(&v.clone()).unwrap();
        assert_eq!(Value::from(serde_json::to_value(&j).unwrap()), v);
    }

    #[test]
    fn enforce_statfs_is_uint8() {
        assert!(crate::bundle::doc::from_value::<Jail>(&json!({"enforceStatfs": 256})).is_err());
        assert!(crate::bundle::doc::from_value::<Jail>(&json!({"enforceStatfs": -1})).is_err());
    }

    #[test]
    fn allow_flags_table_matches_struct() {
        let mut a = crate::bundle::doc::Map::new();
        for (field, _) in ALLOW_FLAGS {
            a.insert((*field).into(), Value::Bool(true));
        }
        let allow: Allow = crate::bundle::doc::from_value(&Value::Object(a)).unwrap();
        for (field, _) in ALLOW_FLAGS {
            assert_eq!(allow.flag(field), Some(true), "{field}");
        }
    }

    #[test]
    fn linux_bundle_untouched() {
        let mut doc = json!({"annotations": {"org.freebsd.jail.vnet": "new"}});
        let before = doc.clone();
        assert!(bridge_annotations(&mut doc, Platform::Linux).is_empty());
        assert_eq!(doc, before);
    }
}
