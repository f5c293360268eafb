//! Container ids. An id becomes a directory name under the state root and a
//! cgroup path component, and is passed on command lines, so it is kept to
//! a conservative, file-name-safe form:
//!
//! - 1 to 255 bytes (NAME_MAX; podman's ids are 64 hex characters);
//! - only ASCII letters, digits and `_ . + -`;
//! - not `.`, and no `..` anywhere (so it can never climb a directory);
//! - starting with a letter or digit: not `-` (it would read as an option to
//!   other tools) and not `.` (the kernel reserves keyring names starting with
//!   `.`, so creating the container's session keyring would fail).

/// Longest accepted id, in bytes.
pub const MAX_LEN: usize = 255;

/// Ok, or a one-line reason naming the id.
pub fn validate_id(id: &str) -> Result<(), String> {
    let shown: String = id.chars().take(80).collect();
    let bad = |why: &str| {
        Err(format!(
            "invalid container id `{}`: {why}",
            shown.escape_debug()
        ))
    };
    if id.is_empty() {
        return Err("invalid container id: it is empty".to_string());
    }
    if id.len() > MAX_LEN {
        return bad(&format!("longer than {MAX_LEN} bytes"));
    }
    if id == "." || id.contains("..") {
        return bad("`.` and `..` are not allowed");
    }
    if !id.as_bytes()[0].is_ascii_alphanumeric() {
        return bad("must start with a letter or digit");
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '-')))
    {
        return bad(&format!(
            "character `{}` is not allowed (use letters, digits, `_`, `.`, `+`, `-`)",
            c.escape_debug()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_ids() {
        let podman = "3f0c1c7e5b1a4e9d8c2b6a7f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d";
        for id in ["a", "web-1", "my_ctr.v2", "x+y", podman, &"a".repeat(255)] {
            assert_eq!(validate_id(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn bad_ids() {
        for (id, why) in [
            ("", "empty"),
            (".", "`.`"),
            ("..", "`..`"),
            ("a..b", "`..`"),
            ("a/b", "character `/`"),
            ("../etc", "`..`"),
            ("-rf", "start with a letter or digit"),
            (".hidden", "start with a letter or digit"),
            ("_x", "start with a letter or digit"),
            ("a b", "character ` `"),
            ("ctr\0", "character `\\0`"),
            ("aünï", "character `ü`"),
        ] {
            let e = validate_id(id).unwrap_err();
            assert!(e.contains(why), "{id:?}: {e}");
        }
        assert!(validate_id(&"a".repeat(256))
            .unwrap_err()
            .contains("longer than 255"));
    }
}
