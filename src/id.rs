//! Container id validation, before anything touches the state directory.

/// Longest id accepted: the id becomes a directory name (NAME_MAX is 255).
pub const MAX_LEN: usize = 250;

/// Ids are `[A-Za-z0-9][A-Za-z0-9_.+-]*`, at most `MAX_LEN` bytes: no `/`,
/// no `..`, nothing a shell or a path could misread.
pub fn validate_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("must not be empty".into());
    }
    if id.len() > MAX_LEN {
        return Err(format!("longer than {MAX_LEN} bytes"));
    }
    if id.contains("..") {
        return Err("must not contain `..`".into());
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '-')))
    {
        return Err(format!(
            "character {c:?} not allowed (use letters, digits, `_`, `.`, `+`, `-`)"
        ));
    }
    if !id.as_bytes()[0].is_ascii_alphanumeric() {
        return Err("must start with a letter or digit".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_usual_ids() {
        for id in [
            "a",
            "abc-123",
            "k8s_pod.v1+x",
            &"f".repeat(64),
            &"x".repeat(MAX_LEN),
        ] {
            assert_eq!(validate_id(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn rejects_traversal_and_odd_ids() {
        for id in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "a..b",
            "-rf",
            ".hidden",
            "a b",
            "a\0b",
            "é",
            &"x".repeat(MAX_LEN + 1),
        ] {
            assert!(validate_id(id).is_err(), "{id:?}");
        }
    }
}
