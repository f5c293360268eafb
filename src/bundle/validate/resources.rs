//! `linux.resources`: numbers the cgroup files would refuse or that make no
//! sense (a zero memory limit, swap below the limit, weights out of range,
//! malformed CPU lists and hugepage sizes).

use crate::bundle::doc::Value;

use super::{array, int, lists, string};
use crate::bundle::Diagnostic;

const AT: &str = "linux.resources";

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(r) = doc.pointer("/linux/resources") else {
        return;
    };
    if let Some(m) = r.get("memory") {
        memory(m, out);
    }
    if let Some(p) = r.get("pids") {
        match int(p, "limit") {
            Some(n) if n < -1 => out.push(err(
                "pids.limit",
                format!("{n} is not a limit (use -1 for unlimited)"),
            )),
            Some(0) => out.push(Diagnostic::warning(
                path_of("pids.limit"),
                "0 is a real limit in runtime-spec v1.3.0, but libcrun 1.21 treats it as unset",
            )),
            _ => {}
        }
    }
    if let Some(c) = r.get("cpu") {
        cpu(c, out);
    }
    if let Some(b) = r.get("blockIO") {
        block_io(b, out);
    }
    hugepages(r, out);
}

fn memory(m: &Value, out: &mut Vec<Diagnostic>) {
    let limit = int(m, "limit");
    match limit {
        Some(0) => out.push(err(
            "memory.limit",
            "0 would allow no memory at all (use -1 for unlimited)",
        )),
        Some(n) if n < -1 => out.push(err(
            "memory.limit",
            format!("{n} is not a limit (use -1 for unlimited)"),
        )),
        _ => {}
    }
    for k in ["reservation", "swap", "kernel", "kernelTCP"] {
        if let Some(n) = int(m, k).filter(|n| *n < -1) {
            out.push(err(
                &format!("memory.{k}"),
                format!("{n} is not a limit (use -1 for unlimited)"),
            ));
        }
    }
    if let Some(swap) = int(m, "swap").filter(|s| *s > 0) {
        match limit {
            None => out.push(err(
                "memory.swap",
                "a memory+swap limit needs `memory.limit` as well",
            )),
            Some(l) if l > 0 && swap < l => out.push(err(
                "memory.swap",
                format!("memory+swap limit {swap} is below the memory limit {l}"),
            )),
            _ => {}
        }
    }
    if let Some(n) = int(m, "swappiness").filter(|n| *n > 100) {
        out.push(err(
            "memory.swappiness",
            format!("{n} is out of range (0 to 100)"),
        ));
    }
}

fn cpu(c: &Value, out: &mut Vec<Diagnostic>) {
    for k in ["cpus", "mems"] {
        if let Some(Err(e)) = string(c, k).map(lists::parse) {
            out.push(err(&format!("cpu.{k}"), e));
        }
    }
    if let Some(n) = int(c, "quota").filter(|n| *n == 0 || *n < -1) {
        out.push(err(
            "cpu.quota",
            format!("{n} is not a quota (positive microseconds, or -1 for none)"),
        ));
    }
    if let Some(n) = int(c, "period").filter(|n| !(1000..=1_000_000).contains(n)) {
        out.push(err(
            "cpu.period",
            format!("{n} is out of range (1000 to 1000000 microseconds)"),
        ));
    }
    if let Some(n) = int(c, "idle").filter(|n| !(0..=1).contains(n)) {
        out.push(err("cpu.idle", format!("{n} is out of range (0 or 1)")));
    }
}

fn block_io(b: &Value, out: &mut Vec<Diagnostic>) {
    for k in ["weight", "leafWeight"] {
        weight(b, k, &format!("blockIO.{k}"), out);
    }
    for (i, d) in array(b, "weightDevice").iter().enumerate() {
        for k in ["weight", "leafWeight"] {
            weight(d, k, &format!("blockIO.weightDevice[{i}].{k}"), out);
        }
    }
}

fn weight(v: &Value, key: &str, rel: &str, out: &mut Vec<Diagnostic>) {
    if let Some(n) = int(v, key).filter(|n| !(10..=1000).contains(n)) {
        out.push(err(rel, format!("{n} is out of range (10 to 1000)")));
    }
}

fn hugepages(r: &Value, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, h) in array(r, "hugepageLimits").iter().enumerate() {
        let Some(size) = string(h, "pageSize") else {
            continue;
        };
        let rel = format!("hugepageLimits[{i}].pageSize");
        if page_size_bytes(size).is_none() {
            out.push(err(
                &rel,
                format!(
                    "`{size}` is not a page size like `2MB` or `64KB` (digits, then KB, MB or GB)"
                ),
            ));
        } else if seen.contains(&size) {
            out.push(err(&rel, format!("page size `{size}` is limited twice")));
        }
        seen.push(size);
    }
}

/// `2MB` → 2 MiB in bytes; the schema's `^[1-9][0-9]*[KMG]B$`.
pub fn page_size_bytes(s: &str) -> Option<u64> {
    let digits = s.strip_suffix('B')?;
    let (num, unit) = digits.split_at(digits.len().checked_sub(1)?);
    let shift = match unit {
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return None,
    };
    if num.is_empty() || num.starts_with('0') || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse::<u64>().ok()?.checked_mul(1 << shift)
}

fn path_of(rel: &str) -> String {
    format!("{AT}.{rel}")
}

fn err(rel: &str, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::error(path_of(rel), msg)
}

#[cfg(test)]
mod tests {
    use super::super::{errors_of, run};
    use super::*;
    use crate::bundle::doc::json;
    use crate::bundle::Platform;

    fn errs(res: Value) -> Vec<String> {
        errors_of(&run(json!({"linux": {"resources": res}}), Platform::Linux))
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    #[test]
    fn memory_rules() {
        assert!(errs(json!({"memory": {"limit": 1048576, "swap": 2097152}})).is_empty());
        assert!(errs(json!({"memory": {"limit": -1, "swap": -1}})).is_empty());
        assert_eq!(
            errs(json!({"memory": {"limit": 0}})),
            ["linux.resources.memory.limit"]
        );
        assert_eq!(
            errs(json!({"memory": {"limit": -5}})),
            ["linux.resources.memory.limit"]
        );
        assert_eq!(
            errs(json!({"memory": {"limit": 100, "swap": 50}})),
            ["linux.resources.memory.swap"]
        );
        assert_eq!(
            errs(json!({"memory": {"swap": 50}})),
            ["linux.resources.memory.swap"]
        );
        assert_eq!(
            errs(json!({"memory": {"swappiness": 101}})),
            ["linux.resources.memory.swappiness"]
        );
    }

    #[test]
    fn cpu_and_pids_rules() {
        assert!(errs(
            json!({"cpu": {"cpus": "0-3,7", "quota": -1, "period": 100000}, "pids": {"limit": -1}})
        )
        .is_empty());
        assert_eq!(
            errs(json!({"cpu": {"cpus": "0-"}})),
            ["linux.resources.cpu.cpus"]
        );
        assert_eq!(
            errs(json!({"cpu": {"quota": 0}})),
            ["linux.resources.cpu.quota"]
        );
        assert_eq!(
            errs(json!({"cpu": {"period": 10}})),
            ["linux.resources.cpu.period"]
        );
        assert_eq!(
            errs(json!({"pids": {"limit": -2}})),
            ["linux.resources.pids.limit"]
        );
    }

    #[test]
    fn block_io_weights() {
        assert_eq!(
            errs(
                json!({"blockIO": {"weight": 5, "weightDevice": [{"major": 8, "minor": 0, "weight": 2000}]}})
            ),
            [
                "linux.resources.blockIO.weight",
                "linux.resources.blockIO.weightDevice[0].weight"
            ]
        );
    }

    #[test]
    fn hugepage_sizes() {
        assert_eq!(page_size_bytes("2MB"), Some(2 << 20));
        assert_eq!(page_size_bytes("64KB"), Some(64 << 10));
        for bad in ["64kB", "0MB", "2M", "MB", "02MB", "2TB", ""] {
            assert_eq!(page_size_bytes(bad), None, "{bad}");
        }
        assert_eq!(
            errs(json!({"hugepageLimits": [{"pageSize": "64kB", "limit": 1}]})),
            ["linux.resources.hugepageLimits[0].pageSize"]
        );
    }
}
