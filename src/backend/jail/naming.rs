//! Jail names: the container id, or `<parent>.<id>` for a child jail.
//!
//! The kernel treats `.` as the hierarchy separator and refuses an all-digit
//! name that is not the jail's own jid, so ids are held to a conservative
//! character set. Names are limited to 255 bytes (MAXHOSTNAMELEN - 1).

use crate::bundle::Diagnostic;

const MAX_NAME: usize = 255;
const PARENT: &str = "freebsd.jail.parent";

/// Check one name component (an id, or one level of a parent name).
fn component(s: &str, what: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | ':' | '@')))
    {
        return Err(format!(
            "{what} `{s}` contains `{c}` (allowed: letters, digits, `_ - + : @`)"
        ));
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "{what} `{s}` is all digits; the kernel reserves numeric jail names for jids"
        ));
    }
    Ok(())
}

/// The jail name for container `id` under optional `parent`; an error
/// names `freebsd.jail.parent` when the parent is at fault.
pub(super) fn jail_name(id: &str, parent: Option<&str>) -> Result<String, Diagnostic> {
    component(id, "container id").map_err(|m| Diagnostic::error("", m))?;
    let name = match parent {
        None => id.to_string(),
        Some(p) => {
            for part in p.split('.') {
                component(part, "parent jail name component")
                    .map_err(|m| Diagnostic::error(PARENT, m))?;
            }
            format!("{p}.{id}")
        }
    };
    if name.len() > MAX_NAME {
        let at = if parent.is_some() { PARENT } else { "" };
        return Err(Diagnostic::error(
            at,
            format!(
                "jail name `{name}` is {} bytes long (at most {MAX_NAME})",
                name.len()
            ),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::jail_name;

    #[test]
    fn plain_and_child_names() {
        assert_eq!(jail_name("c1", None).unwrap(), "c1");
        assert_eq!(jail_name("c1", Some("pod.infra")).unwrap(), "pod.infra.c1");
    }

    #[test]
    fn rejects_dots_slashes_digits_and_empties() {
        for (id, parent) in [
            ("a.b", None),
            ("a/b", None),
            ("123", None),
            ("", None),
            ("c", Some("")),
            ("c", Some("a..b")),
            ("c", Some("a b")),
        ] {
            assert!(jail_name(id, parent).is_err(), "{id:?} {parent:?}");
        }
    }

    #[test]
    fn length_limit() {
        let long = "a".repeat(250);
        assert!(jail_name(&long, None).is_ok());
        let e = jail_name(&long, Some("parent")).unwrap_err();
        assert_eq!(e.path, "freebsd.jail.parent");
    }
}
