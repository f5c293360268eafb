//! Looking a key up in a JSON object (kept as the rules' one way in: a
//! document object's `get` is a scan of its few members).

use crate::bundle::doc::Value;

/// `v[key]`, if `v` is an object that has it.
pub(crate) fn member<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?.get(key)
}

/// `v[key]` to change in place, if `v` is an object that has it.
pub(crate) fn member_mut<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    v.as_object_mut()?.get_mut(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn finds_what_get_finds_in_small_and_large_objects() {
        let small = json!({"a": 1, "b": "x"});
        let large: Value = (0..20)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect::<crate::bundle::doc::Map>()
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
