//! The members of a container's status file that `recover::check_status`
//! checks, read in one pass without building the document: `delete` reads
//! the file on every call, and a parsed tree of it cost more than the rest
//! of its reading.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The string members libcrun's status must have.
pub(super) const STRINGS: [&str; 4] = ["cgroup-path", "bundle", "rootfs", "created"];

/// What `check_status` looks at in the status file, read in one pass
/// without building the document (`delete` runs this on every call).
/// A repeated key counts as its last value, as in a parsed document.
#[derive(Debug, Default)]
pub(super) struct StatusView {
    pub pid: Option<Scalar>,
    pub start_time: Option<Scalar>,
    pub strings: [Option<Scalar>; 4],
}

/// A member's value, as far as the checks need it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Scalar {
    Int(i64),
    UInt(u64),
    Str,
    Other,
}

impl Scalar {
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(i),
            Scalar::UInt(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    pub fn as_u64(self) -> Option<u64> {
        match self {
            Scalar::Int(i) => u64::try_from(i).ok(),
            Scalar::UInt(u) => Some(u),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Scalar, E> {
        Ok(Scalar::UInt(v))
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> std::result::Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Scalar, E> {
        Ok(Scalar::Str)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Scalar, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<Scalar, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

impl<'de> Deserialize<'de> for StatusView {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(StatusVisitor)
    }
}

struct StatusVisitor;

impl<'de> Visitor<'de> for StatusVisitor {
    type Value = StatusView;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<StatusView, A::Error> {
        let mut v = StatusView::default();
        while let Some(key) = a.next_key::<Key>()? {
            let slot = match key {
                Key::Pid => &mut v.pid,
                Key::StartTime => &mut v.start_time,
                Key::String(i) => &mut v.strings[i],
                Key::Other => {
                    a.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(a.next_value()?);
        }
        Ok(v)
    }
}

/// A member's name, told without copying it.
enum Key {
    Pid,
    StartTime,
    String(usize),
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E>(self, k: &str) -> std::result::Result<Key, E> {
        Ok(match k {
            "pid" => Key::Pid,
            "process-start-time" => Key::StartTime,
            k => STRINGS
                .iter()
                .position(|s| *s == k)
                .map_or(Key::Other, Key::String),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every member the checks read, compared with what a parsed document says.
    #[test]
    fn reads_what_a_parsed_document_says() {
        for text in [
            r#"{"pid": 5, "process-start-time": 77, "cgroup-path": "/c", "bundle": "/b", "rootfs": "/r", "created": "x"}"#,
            r#"{"pid": -3, "process-start-time": -1, "bundle": 1, "rootfs": null, "created": [1], "x": {"pid": 1}}"#,
            r#"{"pid": 18446744073709551615, "process-start-time": 1.5, "cgroup-path": {"a": [1, "b"]}}"#,
            r#"{"pid": "7", "pid": 9, "bundle": "a\"b", "bundle": true, "cr\u0065ated": "esc"}"#,
            r#"{}"#,
        ] {
            let v: StatusView = serde_json::from_str(text).unwrap();
            let doc: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                v.pid.and_then(Scalar::as_i64),
                doc["pid"].as_i64(),
                "{text}"
            );
            assert_eq!(
                v.start_time.and_then(Scalar::as_u64),
                doc["process-start-time"].as_u64(),
                "{text}"
            );
            for (key, member) in STRINGS.iter().zip(&v.strings) {
                assert_eq!(
                    matches!(member, Some(Scalar::Str)),
                    doc[key].is_string(),
                    "{text} {key}"
                );
            }
        }
    }

    #[test]
    fn what_is_not_an_object_is_a_data_error() {
        for text in ["[]", "5", "\"s\"", "null"] {
            assert!(
                serde_json::from_str::<StatusView>(text)
                    .unwrap_err()
                    .is_data(),
                "{text}"
            );
        }
        for text in ["{", "{\"pid\": 1} x", ""] {
            assert!(
                !serde_json::from_str::<StatusView>(text)
                    .unwrap_err()
                    .is_data(),
                "{text}"
            );
        }
    }
}
