//! Which `ociVersion` values the front end accepts: 1.0.0 through 1.3.x,
//! with optional pre-release suffixes (`1.3.0-rc.1`, `1.1.0+dev`).

pub const MIN: &str = "1.0.0";
pub const MAX: &str = "1.3.0";

/// Check `v`; on failure the message names the version.
pub fn check(v: &str) -> Result<(u64, u64, u64), String> {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    if [pre, build].into_iter().flatten().any(|s| !identifiers(s)) {
        return Err(format!(
            "`{v}` is not a semantic version (bad pre-release or build suffix)"
        ));
    }
    let parts: Vec<&str> = core.split('.').collect();
    let nums: Option<Vec<u64>> = if parts.len() == 3 {
        parts
            .iter()
            .map(|p| {
                if p.is_empty() || (p.len() > 1 && p.starts_with('0')) {
                    None
                } else {
                    p.parse().ok()
                }
            })
            .collect()
    } else {
        None
    };
    let Some(n) = nums else {
        return Err(format!(
            "`{v}` is not a semantic version (expected MAJOR.MINOR.PATCH)"
        ));
    };
    let (major, minor, patch) = (n[0], n[1], n[2]);
    if major != 1 || minor > 3 {
        return Err(format!(
            "version `{v}` is not supported (this runtime accepts {MIN} to 1.3.x)"
        ));
    }
    Ok((major, minor, patch))
}

/// Dot-separated, non-empty `[0-9A-Za-z-]` identifiers (SemVer 2.0.0).
fn identifiers(s: &str) -> bool {
    s.split('.')
        .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_1_0_to_1_3_with_suffixes() {
        for v in [
            "1.0.0",
            "1.0.2",
            "1.1.0",
            "1.2.1",
            "1.3.0",
            "1.3.7",
            "1.3.0-rc.1",
            "1.1.0+dev",
            "1.2.0-dev",
            "1.0.0-rc5",
            "1.1.0+dev",
            "1.3.0-rc.1+build.7",
            "1.0.2-rc-1",
        ] {
            assert!(check(v).is_ok(), "{v}");
        }
    }

    #[test]
    fn rejects_newer_older_and_malformed() {
        for v in [
            "1.4.0",
            "2.0.0",
            "0.9.0",
            "1.3",
            "",
            "v1.3.0",
            "1.03.0",
            "1.x.0",
            "1.3.0.1",
            "1.3.0-",
            "1.3.0+",
            "1.3.0-rc..1",
            "1.3.0-rc_1",
            "1.4.0-rc.1",
            " 1.3.0",
            "1.3.0 ",
        ] {
            let err = check(v).unwrap_err();
            assert!(err.contains(&format!("`{v}`")), "{v}: {err}");
        }
    }
}
