//! `linux.memoryPolicy` (runtime-spec 1.3.0): the container init and every
//! `exec` process run under `set_mempolicy(2)` with the configured mode,
//! flags and nodes.
//!
//! The policy is a per-thread attribute inherited across fork/clone and
//! kept across execve. libcrun clones the init from this process, and the
//! exec'd process too, so setting the policy here just before the libcrun
//! call is enough; for create/run it is reset to the default in the
//! created-callback, before any hook runs, so hooks and the rest of the
//! runtime keep the default policy.

use crate::bundle::doc::Value;

use super::kernel;
use crate::bundle::lists;

const AT: &str = "linux.memoryPolicy";

/// A policy ready for the syscall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Mode with the flags OR-ed in.
    pub mode: i32,
    /// Node mask, 64 nodes per word.
    pub nodes: Vec<u64>,
    /// For messages: the mode name as configured.
    pub name: String,
}

fn mode_number(name: &str) -> Option<i32> {
    Some(match name {
        "MPOL_DEFAULT" => 0,
        "MPOL_PREFERRED" => 1,
        "MPOL_BIND" => 2,
        "MPOL_INTERLEAVE" => 3,
        "MPOL_LOCAL" => 4,
        "MPOL_PREFERRED_MANY" => 5,
        "MPOL_WEIGHTED_INTERLEAVE" => 6,
        _ => return None,
    })
}

fn flag_bit(name: &str) -> Option<i32> {
    Some(match name {
        "MPOL_F_STATIC_NODES" => 1 << 15,
        "MPOL_F_RELATIVE_NODES" => 1 << 14,
        "MPOL_F_NUMA_BALANCING" => 1 << 13,
        _ => return None,
    })
}

/// The highest node number accepted (the kernel's own limit is lower; it
/// rejects set bits beyond it with EINVAL).
const MAX_NODE: u32 = 1 << 16;

/// The policy in a config, if any. The front end has validated the fields;
/// anything it let through that we cannot encode is still an error here.
pub fn from_config(config: &Value) -> Result<Option<Policy>, String> {
    from_object(config.pointer("/linux/memoryPolicy"))
}

/// The policy a `linux.memoryPolicy` object describes (none for null or
/// absent).
pub fn from_object(mp: Option<&Value>) -> Result<Option<Policy>, String> {
    let Some(mp) = mp.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let name = mp
        .get("mode")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{AT}.mode: missing"))?;
    let mut mode = mode_number(name).ok_or_else(|| format!("{AT}.mode: unknown mode `{name}`"))?;
    for f in mp
        .get("flags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let f = f.as_str().unwrap_or_default();
        mode |= flag_bit(f).ok_or_else(|| format!("{AT}.flags: unknown flag `{f}`"))?;
    }
    let ranges = lists::parse(mp.get("nodes").and_then(Value::as_str).unwrap_or(""))
        .map_err(|e| format!("{AT}.nodes: {e}"))?;
    let mut nodes: Vec<u64> = Vec::new();
    for (lo, hi) in ranges {
        if hi > MAX_NODE {
            return Err(format!("{AT}.nodes: node {hi} is out of range"));
        }
        for n in lo..=hi {
            let w = (n / 64) as usize;
            if nodes.len() <= w {
                nodes.resize(w + 1, 0);
            }
            nodes[w] |= 1 << (n % 64);
        }
    }
    Ok(Some(Policy {
        mode,
        nodes,
        name: name.to_string(),
    }))
}

/// Put the calling process under `p`.
pub fn apply(p: &Policy) -> Result<(), (i32, String)> {
    kernel::set_mempolicy(p.mode, &p.nodes).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(0);
        let s = e.to_string();
        let s = s.rfind(" (os error ").map_or(s.as_str(), |i| &s[..i]);
        (errno, format!("{AT}: set_mempolicy({}): {s}", p.name))
    })
}

/// Back to the default policy (allocate on the local node).
pub fn reset() {
    if let Err(e) = kernel::set_mempolicy(0, &[]) {
        tracing::warn!("cannot reset the runtime's memory policy: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    fn policy(mp: Value) -> Result<Option<Policy>, String> {
        from_config(&json!({"linux": {"memoryPolicy": mp}}))
    }

    #[test]
    fn modes_flags_and_nodes_encode_like_the_uapi() {
        let p = policy(
            json!({"mode": "MPOL_BIND", "nodes": "0,2-3,64", "flags": ["MPOL_F_STATIC_NODES"]}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.mode, 2 | 1 << 15);
        assert_eq!(p.nodes, [0b1101, 1]);
        let p = policy(json!({"mode": "MPOL_INTERLEAVE", "nodes": "0"}))
            .unwrap()
            .unwrap();
        assert_eq!((p.mode, p.nodes.as_slice()), (3, &[1u64][..]));
        let p = policy(json!({"mode": "MPOL_LOCAL"})).unwrap().unwrap();
        assert_eq!((p.mode, p.nodes.len()), (4, 0));
        let p = policy(json!({"mode": "MPOL_PREFERRED_MANY", "nodes": "1", "flags": ["MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES"]}))
            .unwrap()
            .unwrap();
        assert_eq!(p.mode, 5 | 1 << 13 | 1 << 14);
        assert_eq!(from_config(&json!({"linux": {}})).unwrap(), None);
    }

    #[test]
    fn what_cannot_be_encoded_is_an_error_naming_the_field() {
        assert!(policy(json!({"mode": "MPOL_X"}))
            .unwrap_err()
            .starts_with("linux.memoryPolicy.mode"));
        assert!(
            policy(json!({"mode": "MPOL_BIND", "nodes": "0", "flags": ["F"]}))
                .unwrap_err()
                .starts_with("linux.memoryPolicy.flags")
        );
        assert!(policy(json!({"mode": "MPOL_BIND", "nodes": "99999999"}))
            .unwrap_err()
            .contains("out of range"));
    }
}
