//! Signal arguments of `kill`: a name (`TERM`, `SIGTERM`, `sigterm`) or a
//! number (`15`), normalized to the number libcrun is given.

const NAMES: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("IOT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("POLL", 29),
    ("PWR", 30),
    ("SYS", 31),
];

const SIGRTMIN: i32 = 34;
const SIGRTMAX: i32 = 64;

/// Parse a signal; the error names the input.
pub fn parse(s: &str) -> Result<i32, String> {
    let bad = || format!("unknown signal `{s}`");
    if let Ok(n) = s.parse::<i32>() {
        return if (1..=SIGRTMAX).contains(&n) {
            Ok(n)
        } else {
            Err(bad())
        };
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(&(_, n)) = NAMES.iter().find(|(n, _)| *n == name) {
        return Ok(n);
    }
    let rt = |base: i32, off: &str, sign: i32| off.parse::<i32>().ok().map(|o| base + sign * o);
    let n = match name {
        "RTMIN" => Some(SIGRTMIN),
        "RTMAX" => Some(SIGRTMAX),
        _ => name
            .strip_prefix("RTMIN+")
            .and_then(|o| rt(SIGRTMIN, o, 1))
            .or_else(|| {
                name.strip_prefix("RTMAX-")
                    .and_then(|o| rt(SIGRTMAX, o, -1))
            }),
    };
    n.filter(|n| (SIGRTMIN..=SIGRTMAX).contains(n))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn names_and_numbers() {
        assert_eq!(parse("TERM"), Ok(15));
        assert_eq!(parse("SIGKILL"), Ok(9));
        assert_eq!(parse("sigusr1"), Ok(10));
        assert_eq!(parse("9"), Ok(9));
        assert_eq!(parse("RTMIN+2"), Ok(36));
        assert_eq!(parse("SIGRTMAX-1"), Ok(63));
    }

    #[test]
    fn rejects_unknown() {
        for s in ["", "0", "65", "-9", "FOO", "SIG", "RTMIN+40", "15x"] {
            assert!(parse(s).unwrap_err().contains(&format!("`{s}`")), "{s}");
        }
    }
}
