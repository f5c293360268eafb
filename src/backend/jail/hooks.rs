//! Hooks per phase, checked: absolute `path`, `timeout` > 0.

use serde::{Deserialize, Serialize};

use super::input;
use crate::bundle::Diagnostic;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookPlan {
    pub path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// Seconds; enforced by the apply layer (the hook is killed and fails).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
}

/// In lifecycle order. `createContainer` runs on the host with the rootfs
/// as working directory (as ocijail does); `startContainer` runs attached
/// to the jail, so its path resolves inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HooksPlan {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prestart: Vec<HookPlan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub create_runtime: Vec<HookPlan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub create_container: Vec<HookPlan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub start_container: Vec<HookPlan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub poststart: Vec<HookPlan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub poststop: Vec<HookPlan>,
}

impl HooksPlan {
    pub fn is_empty(&self) -> bool {
        self.prestart.is_empty()
            && self.create_runtime.is_empty()
            && self.create_container.is_empty()
            && self.start_container.is_empty()
            && self.poststart.is_empty()
            && self.poststop.is_empty()
    }
}

pub(super) fn plan_hooks(h: Option<&input::Hooks>, out: &mut Vec<Diagnostic>) -> HooksPlan {
    let Some(h) = h else {
        return HooksPlan::default();
    };
    let mut phase = |name: &str, list: &[input::Hook]| -> Vec<HookPlan> {
        list.iter()
            .enumerate()
            .filter_map(|(i, hk)| hook(&format!("hooks.{name}[{i}]"), hk, out))
            .collect()
    };
    HooksPlan {
        prestart: phase("prestart", &h.prestart),
        create_runtime: phase("createRuntime", &h.create_runtime),
        create_container: phase("createContainer", &h.create_container),
        start_container: phase("startContainer", &h.start_container),
        poststart: phase("poststart", &h.poststart),
        poststop: phase("poststop", &h.poststop),
    }
}

fn hook(at: &str, h: &input::Hook, out: &mut Vec<Diagnostic>) -> Option<HookPlan> {
    if !h.path.starts_with('/') {
        out.push(Diagnostic::error(
            format!("{at}.path"),
            format!("`{}` is not absolute", h.path),
        ));
        return None;
    }
    let timeout = match h.timeout {
        None => None,
        Some(t) if t > 0 && t <= i64::from(u32::MAX) => Some(t as u32),
        Some(t) => {
            out.push(Diagnostic::error(
                format!("{at}.timeout"),
                format!("{t} must be greater than zero"),
            ));
            return None;
        }
    };
    Some(HookPlan {
        path: h.path.clone(),
        args: h.args.clone(),
        env: h.env.clone(),
        timeout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phases_kept_apart_and_checked() {
        let h: input::Hooks = serde_json::from_value(json!({
            "prestart": [{"path": "/bin/a"}],
            "poststop": [{"path": "b"}, {"path": "/bin/c", "timeout": 0}, {"path": "/bin/d", "timeout": 5}]
        })).unwrap();
        let mut d = Vec::new();
        let p = plan_hooks(Some(&h), &mut d);
        assert_eq!(p.prestart.len(), 1);
        assert_eq!(p.poststop.len(), 1);
        assert_eq!(p.poststop[0].timeout, Some(5));
        let paths: Vec<_> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            ["hooks.poststop[0].path", "hooks.poststop[1].timeout"]
        );
    }
}
