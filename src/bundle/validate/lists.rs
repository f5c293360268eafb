//! The kernel's list syntax for CPUs and NUMA nodes: `0-3,7,9-10`.
//! Used by `linux.memoryPolicy.nodes`, `linux.resources.cpu.{cpus,mems}`,
//! `process.execCPUAffinity` and, on the host side, `/sys/.../node/online`.

/// Parse into inclusive ranges. The empty string (or only spaces) is the empty list.
pub fn parse(s: &str) -> Result<Vec<(u32, u32)>, String> {
    let mut out = Vec::new();
    if s.trim().is_empty() {
        return Ok(out);
    }
    for item in s.split(',') {
        let item = item.trim();
        let (lo, hi) = match item.split_once('-') {
            Some((a, b)) => (number(a.trim(), s)?, number(b.trim(), s)?),
            None => {
                let n = number(item, s)?;
                (n, n)
            }
        };
        if lo > hi {
            return Err(format!("`{s}`: range `{item}` runs backwards"));
        }
        out.push((lo, hi));
    }
    Ok(out)
}

/// Does `list` contain `n`?
pub fn contains(list: &[(u32, u32)], n: u32) -> bool {
    list.iter().any(|&(lo, hi)| lo <= n && n <= hi)
}

fn number(t: &str, whole: &str) -> Result<u32, String> {
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{whole}` is not a list like `0-3,7` (bad item `{t}`)"
        ));
    }
    t.parse()
        .map_err(|_| format!("`{whole}`: number `{t}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_lists() {
        assert_eq!(parse("0-3,7").unwrap(), vec![(0, 3), (7, 7)]);
        assert_eq!(parse(" 1 , 2-2 ").unwrap(), vec![(1, 1), (2, 2)]);
        assert_eq!(parse("").unwrap(), vec![]);
        assert!(contains(&parse("0-3,7").unwrap(), 7));
        assert!(!contains(&parse("0-3,7").unwrap(), 4));
    }

    #[test]
    fn bad_lists() {
        for s in ["0-", "-1", "a", "3-1", "1,,2", "0x1", "99999999999", "1;2"] {
            assert!(parse(s).is_err(), "{s}");
        }
    }
}
