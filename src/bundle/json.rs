//! config.json's text into the document tree (`bundle::doc`), with every
//! object's members and every array allocated once, at their final size.
//!
//! Growing a vector while an object or array is read would reallocate it
//! several times: here an object's members are collected first (on one
//! stack that every object of the text shares, so collecting allocates
//! nothing per object) and then moved into a vector of their number; arrays
//! likewise, on a stack of their own. Everything else (numbers, strings,
//! the nesting limit, the error messages, which come from serde_json's
//! reader) is serde_json's.
//!
//! It also notes whether any object repeats a key. serde_json keeps the last
//! value; other parsers (libcrun's among them) may keep the first, so such a
//! text must not be handed on as it is.

use std::cell::{Cell, RefCell};
use std::fmt;

use super::doc::{Map, Number, Value};
use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

/// A parsed text.
pub(super) struct Parsed {
    pub value: Value,
    /// Some object in the text repeats a key.
    pub repeated_key: bool,
    /// The text holds the escape `\u0000`. JSON has no other way to write a
    /// NUL (a raw control character in a string is a syntax error), so
    /// without it no string or key in `value` holds one.
    pub nul_escape: bool,
}

/// Parse `text` as one JSON value (trailing characters are an error).
pub(super) fn from_str(text: &str) -> serde_json::Result<Parsed> {
    let repeated = Cell::new(false);
    let pending = RefCell::new(Vec::with_capacity(64));
    let items = RefCell::new(Vec::with_capacity(64));
    let mut de = serde_json::Deserializer::from_str(text);
    let value = PresizedMaps {
        repeated: &repeated,
        pending: &pending,
        items: &items,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(Parsed {
        value,
        repeated_key: repeated.get(),
        nul_escape: text.contains("\\u0000"),
    })
}

/// The seed and visitor for one value (recursively, every value below it).
#[derive(Clone, Copy)]
struct PresizedMaps<'a> {
    /// Set when an object repeats a key.
    repeated: &'a Cell<bool>,
    /// The members of the objects being read, innermost last: an object
    /// pushes its members above its parent's and takes them off when done.
    pending: &'a RefCell<Vec<(String, Value)>>,
    /// The same for the elements of the arrays being read: an array is
    /// then made at its final size, not grown from empty (the parser does
    /// not know an array's length before its end).
    items: &'a RefCell<Vec<Value>>,
}

impl<'de> DeserializeSeed<'de> for PresizedMaps<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PresizedMaps<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let base = self.items.borrow().len();
        while let Some(v) = seq.next_element_seed(self)? {
            self.items.borrow_mut().push(v);
        }
        let array: Vec<Value> = self.items.borrow_mut().drain(base..).collect();
        Ok(Value::Array(array))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let base = self.pending.borrow().len();
        while let Some(k) = access.next_key::<String>()? {
            // The value first: an object in it uses the stack meanwhile.
            let v = access.next_value_seed(self)?;
            self.pending.borrow_mut().push((k, v));
        }
        let members: Vec<(String, Value)> = self.pending.borrow_mut().drain(base..).collect();
        // A repeated key keeps its first place and its last value, as with
        // serde_json.
        let (map, repeated) = Map::merged(members);
        if repeated {
            self.repeated.set(true);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same tree, member order and text as serde_json's own parse.
    fn same_as_serde_json(text: &str) {
        let ours = from_str(text).unwrap().value;
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, Value::from(theirs.clone()), "{text}");
        assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
    }

    #[test]
    fn builds_what_serde_json_builds() {
        for text in [
            r#"{"b": 1, "a": [true, null, -3, 18446744073709551615, 1.5e300, "x\u00e9"], "c": {}}"#,
            r#"{"k": 1, "j": 2, "k": 3}"#,
            r#"[{"m1": 1, "m2": 2, "m3": 3, "m4": 4, "m5": 5, "m6": 6, "m7": 7, "m8": 8, "m9": 9, "m10": {"deep": [[]]}}]"#,
            r#"  "just a string"  "#,
            r#"{"a": 1, "o": {"x": [{"p": 1, "q": {}}, {"r": {"s": null}}], "y": {"z": 2}}, "b": {"c": 3}, "d": 4}"#,
        ] {
            same_as_serde_json(text);
        }
    }

    #[test]
    fn repeated_keys_are_noticed_at_any_depth() {
        for (text, repeated) in [
            (r#"{"a": 1, "b": {"c": [1, {"d": 2}]}}"#, false),
            (r#"{"a": 1, "a": 1}"#, true),
            (r#"{"a": [{"x": 1}, {"y": 1, "y": 2}]}"#, true),
            (r#"[{"k": 1}, {"k": 1}]"#, false),
        ] {
            assert_eq!(from_str(text).unwrap().repeated_key, repeated, "{text}");
        }
    }

    fn holds_nul(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains('\0'),
            Value::Array(a) => a.iter().any(holds_nul),
            Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
            _ => false,
        }
    }

    #[test]
    fn a_nul_needs_the_escape_in_the_text() {
        for (text, escape, nul) in [
            (r#"{"a": "x\u0000y"}"#, true, true),
            (r#"{"k\u0000": 1}"#, true, true),
            (r#"["\\u0000"]"#, true, false),
            (r#"{"a": "\u00e9 \u0001", "b": ["\u0100"]}"#, false, false),
        ] {
            let p = from_str(text).unwrap();
            assert_eq!(p.nul_escape, escape, "{text}");
            assert_eq!(holds_nul(&p.value), nul, "{text}");
        }
        // A raw NUL is no JSON at all.
        assert!(from_str("[\"a\0b\"]").is_err());
    }

    #[test]
    fn errors_are_serde_json_errors() {
        for text in ["{\"a\": 1,}", "[1, 2", "{} x", "", "{\"a\" 1}", "1e400"] {
            let ours = from_str(text).err().unwrap().to_string();
            let theirs = serde_json::from_str::<serde_json::Value>(text)
                .unwrap_err()
                .to_string();
            assert_eq!(ours, theirs, "{text}");
        }
    }
}
