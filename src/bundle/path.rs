//! JSON paths in the one style every diagnostic uses: `a.b[3].c`, with map
//! keys that are not plain identifiers quoted (`linux.sysctl["net.ipv4.ip_forward"]`)
//! so a dotted key cannot be mistaken for nesting.

/// `parent.key` (or `parent["key"]` when `key` is not identifier-like).
pub fn key(parent: &str, key: &str) -> String {
    if is_ident(key) {
        if parent.is_empty() {
            key.to_string()
        } else {
            format!("{parent}.{key}")
        }
    } else {
        format!("{parent}[{}]", crate::bundle::doc::Value::from(key))
    }
}

/// `parent[i]`.
pub fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// A path under construction during a walk, rendered only when a finding
/// needs it: walks visit every node of a config on each `create`, and
/// formatting every node's path was most of their cost.
#[derive(Debug, Default)]
pub struct Trail<'a>(Vec<Step<'a>>);

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> Trail<'a> {
    /// Run `f` one map key deeper.
    pub fn key<T>(&mut self, k: &'a str, f: impl FnOnce(&mut Self) -> T) -> T {
        self.0.push(Step::Key(k));
        let out = f(self);
        self.0.pop();
        out
    }

    /// Run `f` one array index deeper.
    pub fn index<T>(&mut self, i: usize, f: impl FnOnce(&mut Self) -> T) -> T {
        self.0.push(Step::Index(i));
        let out = f(self);
        self.0.pop();
        out
    }

    /// The path in the diagnostic style (`a.b[3]["c.d"]`).
    pub fn render(&self) -> String {
        self.0.iter().fold(String::new(), |at, step| match step {
            Step::Key(k) => key(&at, k),
            Step::Index(i) => index(&at, *i),
        })
    }
}

/// Convert a serde_path_to_error path (below `prefix`) into our style.
pub fn from_serde(prefix: &str, p: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = prefix.to_string();
    for seg in p.iter() {
        out = match seg {
            Segment::Seq { index: i } => index(&out, *i),
            Segment::Map { key: k } | Segment::Enum { variant: k } => key(&out, k),
            Segment::Unknown => key(&out, "?"),
        };
    }
    out
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_and_indexed() {
        let p = key(&key(&key("", "linux"), "resources"), "memory");
        assert_eq!(key(&p, "limit"), "linux.resources.memory.limit");
        assert_eq!(
            key(&index("mounts", 3), "destination"),
            "mounts[3].destination"
        );
    }

    #[test]
    fn odd_keys_are_quoted() {
        assert_eq!(
            key("linux.sysctl", "net.ipv4.ip_forward"),
            r#"linux.sysctl["net.ipv4.ip_forward"]"#
        );
        assert_eq!(key("annotations", "a\"b"), r#"annotations["a\"b"]"#);
        assert_eq!(key("", "9lives"), r#"["9lives"]"#);
    }

    #[test]
    fn serde_paths_match_our_style() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct M {
            destination: String,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            mounts: Vec<M>,
            sysctl: std::collections::HashMap<String, u32>,
        }
        let v = crate::bundle::doc::json!({"mounts": [{"destination": "/a"}, {"destination": 5}], "sysctl": {}});
        let e = serde_path_to_error::deserialize::<_, S>(&v).unwrap_err();
        assert_eq!(from_serde("", e.path()), "mounts[1].destination");
        let v = crate::bundle::doc::json!({"mounts": [], "sysctl": {"net.core.x": "no"}});
        let e = serde_path_to_error::deserialize::<_, S>(&v).unwrap_err();
        assert_eq!(from_serde("", e.path()), r#"sysctl["net.core.x"]"#);
        assert_eq!(
            from_serde("freebsd", e.path()),
            r#"freebsd.sysctl["net.core.x"]"#
        );
    }

    #[test]
    fn trail_renders_like_key_and_index() {
        let mut t = Trail::default();
        let got = t.key("linux", |t| {
            t.key("sysctl", |t| t.key("net.ipv4.ip_forward", |t| t.render()))
        });
        assert_eq!(got, key(&key("linux", "sysctl"), "net.ipv4.ip_forward"));
        let got = t.key("mounts", |t| t.index(3, |t| t.key("type", |t| t.render())));
        assert_eq!(got, "mounts[3].type");
        assert_eq!(t.render(), "");
    }
}
