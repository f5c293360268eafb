//! The members of a container's status file that `recover::check_status`
//! checks, read in one pass without building the document: `delete` reads
//! the file on every call, and a parsed tree of it cost more than the rest
//! of its reading.

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// The string members libcrun's status must have.
pub(super) const STRINGS: [&str; 4] = ["cgroup-path", "bundle", "rootfs", "created"];

/// What `check_status` looks at in the status file, read in one pass
/// without building the document (`delete` runs this on every call): only
/// these members' values are built. A repeated key counts as its last
/// value, as in a parsed document.
#[derive(Debug, Default)]
pub(super) struct StatusView {
    pub pid: Option<Value>,
    pub start_time: Option<Value>,
    pub strings: [Option<Value>; 4],
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
                Key::ProcessStartTime => &mut v.start_time,
                Key::CgroupPath => &mut v.strings[0],
                Key::Bundle => &mut v.strings[1],
                Key::Rootfs => &mut v.strings[2],
                Key::Created => &mut v.strings[3],
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

/// A member's name, told without copying it (`STRINGS`' order for the strings).
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "kebab-case")]
enum Key {
    Pid,
    ProcessStartTime,
    CgroupPath,
    Bundle,
    Rootfs,
    Created,
    #[serde(other)]
    Other,
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
                v.pid.as_ref().and_then(Value::as_i64),
                doc["pid"].as_i64(),
                "{text}"
            );
            assert_eq!(
                v.start_time.as_ref().and_then(Value::as_u64),
                doc["process-start-time"].as_u64(),
                "{text}"
            );
            for (key, member) in STRINGS.iter().zip(&v.strings) {
                assert_eq!(
                    member.as_ref().is_some_and(Value::is_string),
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
