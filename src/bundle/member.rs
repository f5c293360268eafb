//! Looking a key up in a small JSON object. The objects a config is made of
//! hold a handful of members, and comparing their keys costs less than
//! hashing the key looked for (`Value::get` hashes it with SipHash). Rules
//! run once per mount, so a config with hundreds of mounts pays this often.

use serde_json::{Map, Value};

/// Above this many members, hashing wins.
const SCAN_AT_MOST: usize = 8;

/// `v[key]`, if `v` is an object that has it.
pub(crate) fn member<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    if m.len() > SCAN_AT_MOST {
        return m.get(key);
    }
    m.iter().find_map(|(k, v)| (k == key).then_some(v))
}

/// `v[key]` to change in place, if `v` is an object that has it.
pub(crate) fn member_mut<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    let m: &mut Map<String, Value> = v.as_object_mut()?;
    if m.len() > SCAN_AT_MOST {
        return m.get_mut(key);
    }
    m.iter_mut().find_map(|(k, v)| (k == key).then_some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_what_get_finds_in_small_and_large_objects() {
        let small = json!({"a": 1, "b": "x"});
        let large: Value = (0..20)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect::<Map<_, _>>()
            .into();
        for (v, key) in [
            (&small, "a"),
            (&small, "b"),
            (&small, "c"),
            (&large, "k17"),
            (&large, "z"),
        ] {
            assert_eq!(member(v, key), v.get(key), "{key}");
        }
        assert_eq!(member(&json!([1]), "a"), None);
        assert_eq!(member(&json!("s"), "a"), None);
    }

    #[test]
    fn changes_in_place() {
        let mut v = json!({"destination": "tmp", "type": "tmpfs"});
        *member_mut(&mut v, "destination").unwrap() = json!("/tmp");
        assert_eq!(v["destination"], "/tmp");
        assert!(member_mut(&mut v, "source").is_none());
    }
}
