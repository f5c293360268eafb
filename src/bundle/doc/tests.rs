use super::*;

const SAMPLE: &str = r#"{"b": 1, "a": [true, null, -3, 18446744073709551615, 1.5e300, "x\u00e9"],
    "c": {}, "d": {"e/f": {"g~h": [10, {"i": "j"}]}}}"#;

fn both(text: &str) -> (Value, serde_json::Value) {
    (
        crate::bundle::json::from_str(text).unwrap().value,
        serde_json::from_str(text).unwrap(),
    )
}

#[test]
fn reads_and_writes_what_serde_json_does() {
    let (ours, theirs) = both(SAMPLE);
    assert_eq!(ours.to_string(), theirs.to_string());
    assert_eq!(format!("{ours:#}"), format!("{theirs:#}"));
    assert_eq!(serde_json::Value::from(ours.clone()), theirs);
    assert_eq!(Value::from(theirs), ours);
}

#[test]
fn lookups_match_serde_json() {
    let (ours, theirs) = both(SAMPLE);
    for p in [
        "",
        "/b",
        "/a/0",
        "/a/5",
        "/a/6",
        "/a/01",
        "/a/-",
        "/c",
        "/d/e~1f/g~0h/1/i",
        "/x",
        "b",
        "/b/0",
    ] {
        assert_eq!(
            ours.pointer(p).map(|v| v.to_string()),
            theirs.pointer(p).map(|v| v.to_string()),
            "{p}"
        );
    }
    assert_eq!(ours["a"][2], -3);
    assert_eq!(ours["a"][5], "x\u{e9}");
    assert!(ours["nope"]["deeper"].is_null());
    assert_eq!(ours.get("b").and_then(Value::as_u64), Some(1));
    assert_eq!(ours["a"][3].as_u64(), Some(u64::MAX));
    assert!(ours["a"][4].is_f64());
}

#[test]
fn repeated_keys_keep_first_place_and_last_value() {
    for n in [3, 40] {
        let mut members: Vec<(String, Value)> =
            (0..n).map(|i| (format!("k{i}"), Value::from(i))).collect();
        assert!(!Map::merged(members.clone()).1);
        members.push(("k1".into(), Value::from("last")));
        let (m, repeated) = Map::merged(members);
        assert!(repeated);
        assert_eq!(m.len(), n);
        assert_eq!(m.keys().nth(1).map(String::as_str), Some("k1"));
        assert_eq!(m["k1"], "last");
    }
}

#[test]
fn changes_keep_member_order() {
    let mut v = json!({"z": 1, "y": 2, "x": 3});
    let m = v.as_object_mut().unwrap();
    assert_eq!(m.insert("y".into(), json!(20)), Some(json!(2)));
    assert_eq!(m.remove("z"), Some(json!(1)));
    m.entry("w").or_insert_with(|| json!([]));
    *m.entry("x").or_insert(json!(0)) = json!(30);
    assert_eq!(v.to_string(), r#"{"y":20,"x":30,"w":[]}"#);
    v["new"] = json!("n");
    assert_eq!(v["new"], "n");
    let mut null = Value::Null;
    null["k"] = json!(true);
    assert_eq!(null, json!({"k": true}));
}

#[test]
fn objects_compare_in_any_order() {
    assert_eq!(json!({"a": 1, "b": [1, 2]}), json!({"b": [1, 2], "a": 1}));
    assert_ne!(json!({"a": 1}), json!({"a": 1, "b": 2}));
    assert_ne!(json!({"a": 1, "b": 2}), json!({"a": 1, "c": 2}));
    assert_ne!(json!([1, 2]), json!([2, 1]));
}

#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Typed {
    name: String,
    count: Option<u32>,
    kind: Kind,
    tags: Vec<String>,
    #[serde(default)]
    nested: Option<Box<Typed>>,
    shape: Shape,
}

#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Bind,
    Tmpfs,
}

#[derive(Debug, PartialEq, serde::Deserialize)]
enum Shape {
    Dot,
    Size(u8),
    Pair(u8, u8),
    Box { w: u8 },
}

#[test]
fn typed_reads_match_serde_json() {
    let good = r#"{"name": "n", "count": null, "kind": "bind", "tags": ["a"], "shape": "Dot",
        "nested": {"name": "m", "count": 3, "kind": "tmpfs", "tags": [], "shape": {"Box": {"w": 2}}}}"#;
    let (ours, theirs) = both(good);
    let a: Typed = from_value(&ours).unwrap();
    let b: Typed = Typed::deserialize(&theirs).unwrap();
    assert_eq!(a, b);
    for bad in [
        r#"{"name": 1, "kind": "bind", "tags": [], "shape": "Dot"}"#,
        r#"{"name": "n", "count": -1, "kind": "bind", "tags": [], "shape": "Dot"}"#,
        r#"{"name": "n", "count": 5000000000, "kind": "bind", "tags": [], "shape": "Dot"}"#,
        r#"{"name": "n", "kind": "overlay", "tags": [], "shape": "Dot"}"#,
        r#"{"name": "n", "kind": 3, "tags": [], "shape": "Dot"}"#,
        r#"{"name": "n", "kind": "bind", "tags": "a", "shape": "Dot"}"#,
        r#"{"name": "n", "kind": "bind", "tags": [], "shape": {"Size": 1, "Dot": null}}"#,
        r#"{"name": "n", "kind": "bind", "tags": [], "shape": {"Pair": [1]}}"#,
        r#"{"name": "n", "kind": "bind", "tags": [], "shape": {"Size": "x"}}"#,
        r#"{"kind": "bind", "tags": [], "shape": "Dot"}"#,
        r#"[1, 2]"#,
    ] {
        let (ours, theirs) = both(bad);
        let a = from_value::<Typed>(&ours).unwrap_err().to_string();
        let b = Typed::deserialize(&theirs).unwrap_err().to_string();
        assert_eq!(a, b, "{bad}");
    }
    let (ours, theirs) = both(r#"{"Pair": [1, 2]}"#);
    assert_eq!(
        from_value::<Shape>(&ours).unwrap(),
        Shape::deserialize(&theirs).unwrap()
    );
}

#[test]
fn typed_paths_match_serde_json() {
    let bad = r#"{"name": "n", "kind": "bind", "tags": ["a", 7], "shape": "Dot"}"#;
    let (ours, theirs) = both(bad);
    let a = serde_path_to_error::deserialize::<_, Typed>(&ours).unwrap_err();
    let b = serde_path_to_error::deserialize::<_, Typed>(&theirs).unwrap_err();
    assert_eq!(a.path().to_string(), b.path().to_string());
    assert_eq!(a.into_inner().to_string(), b.into_inner().to_string());
}

use serde::Deserialize;
