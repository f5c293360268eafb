//! The process text handed to libcrun's `exec`. libcrun takes `env`,
//! `capabilities` and `user` from the container's stored config when the
//! process it is given has none, so members equal to the container's own
//! are left out: the process that runs is the same, and libcrun does not
//! parse again what it has already read from the stored config (3-4 % of
//! an `exec` here).

use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};

/// The members libcrun's exec fills in from the container's process.
const FILLED_BY_LIBCRUN: [&str; 3] = ["env", "capabilities", "user"];

/// `process` as JSON text, without the members libcrun would fill in
/// with the very same value from `container` (the stored process).
pub fn process_text(process: &Value, container: Option<&Value>) -> String {
    let (Value::Object(members), Some(Value::Object(own))) = (process, container) else {
        return process.to_string();
    };
    let inherited = |k: &str, v: &Value| FILLED_BY_LIBCRUN.contains(&k) && own.get(k) == Some(v);
    // Serializing a map of strings and JSON values cannot fail.
    serde_json::to_string(&Kept { members, inherited }).unwrap_or_else(|_| process.to_string())
}

struct Kept<'a, F: Fn(&str, &Value) -> bool> {
    members: &'a Map<String, Value>,
    inherited: F,
}

impl<F: Fn(&str, &Value) -> bool> Serialize for Kept<'_, F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.members.iter().filter(|(k, v)| !(self.inherited)(k, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::process_text;
    use serde_json::{json, Value};

    fn text(p: Value, own: Option<Value>) -> Value {
        serde_json::from_str(&process_text(&p, own.as_ref())).unwrap()
    }

    #[test]
    fn members_equal_to_the_containers_are_left_to_libcrun() {
        let own = json!({"args": ["sleep"], "env": ["A=1"], "user": {"uid": 7, "gid": 7},
                         "capabilities": {"bounding": ["CAP_KILL"]}, "cwd": "/srv",
                         "noNewPrivileges": true});
        let mut p = own.clone();
        p["args"] = json!(["ls"]);
        assert_eq!(
            text(p.clone(), Some(own.clone())),
            json!({"args": ["ls"], "cwd": "/srv", "noNewPrivileges": true})
        );
        // Changed by the command line: kept.
        p["env"] = json!(["A=1", "B=2"]);
        p["user"] = json!({"uid": 7, "gid": 7, "additionalGids": [20]});
        let out = text(p.clone(), Some(own.clone()));
        assert_eq!(out["env"], json!(["A=1", "B=2"]));
        assert_eq!(out["user"]["additionalGids"], json!([20]));
        assert!(out.get("capabilities").is_none());
        // Members libcrun does not fill in stay even when equal.
        assert_eq!(out["cwd"], "/srv");
        // No stored process: nothing to leave out.
        assert_eq!(text(p.clone(), None), p);
        // Member order is kept.
        let keys: Vec<String> =
            serde_json::from_str::<serde_json::Map<String, Value>>(&process_text(&p, Some(&own)))
                .unwrap()
                .keys()
                .cloned()
                .collect();
        assert_eq!(keys, ["args", "env", "user", "cwd", "noNewPrivileges"]);
    }
}
