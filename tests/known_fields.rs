//! `bundle::known::CONFIG` (our own table of the fields the spec defines)
//! must agree with the official v1.3.0 JSON schemas: same members at every
//! level of the common and Linux parts. Platform objects we do not walk
//! (freebsd is checked by its own module, the others are ignored) are leaves.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;
use stockade::bundle::known::{Shape, CONFIG};

const NOT_WALKED: &[&str] = &["solaris", "windows", "vm", "zos", "freebsd"];

struct Schemas(HashMap<String, Value>);

/// Members of one schema node, with `$ref`/`allOf`/`anyOf` merged.
#[derive(Default)]
struct Node<'a> {
    props: Vec<(String, &'a str, &'a Value)>,
    items: Option<(&'a str, &'a Value)>,
    map: Option<(&'a str, &'a Value)>,
}

impl Schemas {
    fn load() -> Schemas {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/runtime-spec-v1.3.0-schema");
        let mut m = HashMap::new();
        for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                m.insert(p.file_name().unwrap().to_string_lossy().into_owned(), v);
            }
        }
        Schemas(m)
    }

    fn node<'a>(&'a self, file: &'a str, v: &'a Value, out: &mut Node<'a>) {
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let (f, ptr) = r.split_once('#').unwrap();
            let f: &'a str = if f.is_empty() {
                file
            } else {
                self.0.get_key_value(f).unwrap().0
            };
            let target = self.0[f].pointer(ptr).unwrap_or_else(|| panic!("{r}"));
            self.node(f, target, out);
        }
        for k in ["allOf", "anyOf"] {
            for sub in v.get(k).and_then(Value::as_array).into_iter().flatten() {
                self.node(file, sub, out);
            }
        }
        if let Some(Value::Object(p)) = v.get("properties") {
            for (name, child) in p {
                out.props.push((name.clone(), file, child));
            }
        }
        if let Some(items) = v.get("items") {
            out.items = Some((file, items));
        }
        for k in ["additionalProperties", "patternProperties"] {
            match v.get(k) {
                Some(Value::Object(m)) if k == "patternProperties" => {
                    out.map = m.values().next().map(|c| (file, c));
                }
                Some(c @ Value::Object(_)) => out.map = Some((file, c)),
                _ => {}
            }
        }
    }

    fn compare(&self, at: &str, shape: &Shape, file: &str, v: &Value, errs: &mut Vec<String>) {
        let mut n = Node::default();
        self.node(file, v, &mut n);
        match shape {
            Shape::Leaf => {
                if !n.props.is_empty() && !NOT_WALKED.contains(&at) {
                    errs.push(format!("{at}: ours is a leaf, the schema has members"));
                }
            }
            Shape::Object(fields) => {
                let ours: BTreeSet<&str> = fields.iter().map(|(k, _)| *k).collect();
                let theirs: BTreeSet<&str> = n.props.iter().map(|(k, _, _)| k.as_str()).collect();
                if ours != theirs {
                    errs.push(format!(
                        "{at}: only ours {:?}, only schema {:?}",
                        ours.difference(&theirs).collect::<Vec<_>>(),
                        theirs.difference(&ours).collect::<Vec<_>>()
                    ));
                }
                for (k, s) in fields.iter() {
                    if let Some((_, f, child)) = n.props.iter().find(|(n, _, _)| n == k) {
                        let here = if at.is_empty() {
                            k.to_string()
                        } else {
                            format!("{at}.{k}")
                        };
                        self.compare(&here, s, f, child, errs);
                    }
                }
            }
            Shape::Array(inner) => match n.items {
                Some((f, items)) => self.compare(&format!("{at}[]"), inner, f, items, errs),
                None => errs.push(format!("{at}: ours is an array, the schema's is not")),
            },
            Shape::Map(inner) => match n.map {
                Some((f, values)) => self.compare(&format!("{at}{{}}"), inner, f, values, errs),
                None => errs.push(format!("{at}: ours is a map, the schema's is not")),
            },
        }
    }
}

#[test]
fn known_field_tree_matches_the_official_schema() {
    let s = Schemas::load();
    let root = &s.0["config-schema.json"];
    let mut errs = Vec::new();
    s.compare("", &CONFIG, "config-schema.json", root, &mut errs);
    assert!(
        errs.is_empty(),
        "known.rs disagrees with the schema:\n{}",
        errs.join("\n")
    );
}
