use std::io::Read;

use serde_json::{json, Map, Value};

use super::{checked_id, runtime};
use crate::cli::{GlobalArgs, UpdateArgs};
use crate::error::{Error, Result};

/// Parse `512m`, `1g`, `1048576`, `-1`.
fn bytes(flag: &str, s: &str) -> std::result::Result<i64, String> {
    let bad = || format!("--{flag} `{s}`: expected a number of bytes (suffix k, m or g allowed)");
    let lower = s.trim().to_ascii_lowercase();
    let (num, mult) = match lower.trim_end_matches('b').chars().last() {
        Some('k') => (&lower[..lower.trim_end_matches('b').len() - 1], 1i64 << 10),
        Some('m') => (&lower[..lower.trim_end_matches('b').len() - 1], 1 << 20),
        Some('g') => (&lower[..lower.trim_end_matches('b').len() - 1], 1 << 30),
        _ => (lower.as_str(), 1),
    };
    let n: i64 = num.parse().map_err(|_| bad())?;
    if n == -1 && mult == 1 {
        return Ok(-1);
    }
    if n < 0 {
        return Err(bad());
    }
    n.checked_mul(mult).ok_or_else(bad)
}

/// The LinuxResources document the per-field flags describe.
pub fn resources_from_flags(a: &UpdateArgs) -> std::result::Result<Value, String> {
    let mut memory = Map::new();
    let mut cpu = Map::new();
    let mut r = Map::new();
    if let Some(m) = &a.memory {
        memory.insert("limit".into(), json!(bytes("memory", m)?));
    }
    if let Some(m) = &a.memory_reservation {
        memory.insert("reservation".into(), json!(bytes("memory-reservation", m)?));
    }
    if let Some(m) = &a.memory_swap {
        memory.insert("swap".into(), json!(bytes("memory-swap", m)?));
    }
    if let Some(v) = a.cpu_shares {
        cpu.insert("shares".into(), json!(v));
    }
    if let Some(v) = a.cpu_period {
        cpu.insert("period".into(), json!(v));
    }
    if let Some(v) = a.cpu_quota {
        cpu.insert("quota".into(), json!(v));
    }
    if let Some(v) = &a.cpuset_cpus {
        cpu.insert("cpus".into(), json!(v));
    }
    if let Some(v) = &a.cpuset_mems {
        cpu.insert("mems".into(), json!(v));
    }
    if !memory.is_empty() {
        r.insert("memory".into(), Value::Object(memory));
    }
    if !cpu.is_empty() {
        r.insert("cpu".into(), Value::Object(cpu));
    }
    if let Some(v) = a.pids_limit {
        r.insert("pids".into(), json!({ "limit": v }));
    }
    if let Some(v) = a.blkio_weight {
        r.insert("blockIO".into(), json!({ "weight": v }));
    }
    if r.is_empty() {
        return Err(
            "nothing to update: give --resources FILE|- or a resource flag such as --memory".into(),
        );
    }
    Ok(Value::Object(r))
}

#[inline(never)]
pub fn run(g: &GlobalArgs, a: &UpdateArgs) -> Result<i32> {
    let id = checked_id(&a.id)?;
    let usage = |e: String| Error::Usage(format!("update `{id}`: {e}"));
    let text = match &a.resources {
        Some(p) if p.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Error::io(format!("update `{id}`: read stdin"), e))?;
            s
        }
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| Error::io(format!("update `{id}`: read {}", p.display()), e))?,
        None => resources_from_flags(a).map_err(usage)?.to_string(),
    };
    let v: Value =
        serde_json::from_str(&text).map_err(|e| usage(format!("invalid resources JSON: {e}")))?;
    serde_path_to_error::deserialize::<_, oci_spec::runtime::LinuxResources>(&v)
        .map_err(|e| usage(format!("resources: {}: {}", e.path(), e.inner())))?;
    runtime(g)?.update(id, &text)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: UpdateArgs,
    }

    fn parse(args: &[&str]) -> UpdateArgs {
        T::parse_from(std::iter::once("t").chain(args.iter().copied())).a
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes("memory", "512m"), Ok(512 << 20));
        assert_eq!(bytes("memory", "1G"), Ok(1 << 30));
        assert_eq!(bytes("memory", "4096"), Ok(4096));
        assert_eq!(bytes("memory-swap", "-1"), Ok(-1));
        assert!(bytes("memory", "-5m").is_err());
        assert!(bytes("memory", "lots").is_err());
    }

    #[test]
    fn flags_build_resources() {
        let r = resources_from_flags(&parse(&[
            "--memory",
            "64m",
            "--pids-limit",
            "10",
            "--cpu-quota",
            "-1",
            "x",
        ]))
        .unwrap();
        assert_eq!(
            r,
            json!({"memory": {"limit": 67108864}, "cpu": {"quota": -1}, "pids": {"limit": 10}})
        );
        assert!(resources_from_flags(&parse(&["x"])).is_err());
    }
}
