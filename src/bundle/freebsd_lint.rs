//! Warnings for keys in the user's `freebsd` object that v1.3.0 does not
//! define. The schema allows them (no `additionalProperties: false`) and
//! config.md says to ignore them, so a guessed key such as `jail.mlock`
//! would silently do nothing; we say so, and name the correct v1.3.0 path
//! when the key is a known misspelling or a flattened jail(8) name.

use crate::bundle::doc::Value;

use super::freebsd::{ALLOW_FLAGS, JAIL_FIELDS, LEGACY_PARAMS_KEY};
use super::Diagnostic;

const TOP_FIELDS: &[&str] = &["devices", "jail"];
const DEVICE_FIELDS: &[&str] = &["path", "mode"];

/// Lint `doc.freebsd`; also drops a user-supplied [`LEGACY_PARAMS_KEY`]
/// (only the annotation bridge may fill it).
pub(super) fn lint(doc: &mut Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(Value::Object(fb)) = doc.get_mut("freebsd") else {
        return out;
    };
    unknown_keys(fb, TOP_FIELDS, "freebsd", &mut out);
    if let Some(Value::Array(devs)) = fb.get("devices") {
        for (i, d) in devs.iter().enumerate() {
            if let Value::Object(d) = d {
                unknown_keys(d, DEVICE_FIELDS, &format!("freebsd.devices[{i}]"), &mut out);
            }
        }
    }
    let Some(Value::Object(jail)) = fb.get_mut("jail") else {
        return out;
    };
    if jail.remove(LEGACY_PARAMS_KEY).is_some() {
        out.push(Diagnostic::warning(
            format!("freebsd.jail.{LEGACY_PARAMS_KEY}"),
            "reserved for stockade's annotation bridge; the value given in config.json is ignored",
        ));
    }
    unknown_keys(jail, JAIL_FIELDS, "freebsd.jail", &mut out);
    if let Some(Value::Object(allow)) = jail.get("allow") {
        let known: Vec<&str> = ALLOW_FLAGS
            .iter()
            .map(|(f, _)| *f)
            .chain(["mount"])
            .collect();
        unknown_keys(allow, &known, "freebsd.jail.allow", &mut out);
    }
    out
}

fn unknown_keys(
    obj: &crate::bundle::doc::Map,
    known: &[&str],
    at: &str,
    out: &mut Vec<Diagnostic>,
) {
    for key in obj.keys().filter(|k| !known.contains(&k.as_str())) {
        let path = format!("{at}.{key}");
        let msg = match suggest(key) {
            Some(hint) => format!("not a v1.3.0 field, ignored; {hint}"),
            None => format!("unknown key under `{at}`, ignored"),
        };
        out.push(Diagnostic::warning(path, msg));
    }
}

/// Lower-case with `_`, `.` and `-` removed: `allow.raw_sockets` → `allowrawsockets`.
fn canon(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '.' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The correct v1.3.0 spelling for a wrong key, wherever it was found.
pub(super) fn suggest(key: &str) -> Option<String> {
    if let Some(hint) = special(key) {
        return Some(hint);
    }
    let c = canon(key);
    let bare = c.strip_prefix("allow").filter(|r| !r.is_empty());
    let allow_fields = ALLOW_FLAGS.iter().map(|(f, _)| *f).chain(["mount"]);
    // Exact after canonicalisation: allow members first (`mlock`, `allow.raw_sockets`).
    for f in allow_fields.clone() {
        if bare == Some(canon(f).as_str()) || c == canon(f) {
            return Some(format!("did you mean `freebsd.jail.allow.{f}`?"));
        }
    }
    for f in JAIL_FIELDS {
        if c == canon(f) {
            return Some(format!("did you mean `freebsd.jail.{f}`?"));
        }
    }
    // Typos: small edit distance to a field name.
    let near = |f: &str| c.len() > 3 && levenshtein(&c, &canon(f)) <= 2;
    if let Some(f) = allow_fields.clone().find(|f| near(f)) {
        return Some(format!("did you mean `freebsd.jail.allow.{f}`?"));
    }
    if let Some(f) = JAIL_FIELDS.iter().find(|f| near(f)) {
        return Some(format!("did you mean `freebsd.jail.{f}`?"));
    }
    None
}

/// jail(8) names whose v1.3.0 form is not a simple rename.
fn special(key: &str) -> Option<String> {
    let c = canon(key);
    if let Some(fs) = key
        .strip_prefix("allow.mount.")
        .or_else(|| key.strip_prefix("mount."))
    {
        return Some(format!(
            "list the file system type instead: `freebsd.jail.allow.mount: [\"{fs}\"]`"
        ));
    }
    let hint = match c.as_str() {
        "devfsruleset" => {
            "v1.3.0 has no such field: give the ruleset as a mount option, \
             a `mounts[]` entry of type `devfs` at `/dev` with `\"options\": [\"ruleset=N\"]`"
        }
        "sysvipc" | "allowsysvipc" => {
            "v1.3.0 has no `allow.sysvipc`: set `freebsd.jail.sysvmsg`, `freebsd.jail.sysvsem` \
             and `freebsd.jail.sysvshm` (`\"new\"` or `\"inherit\"`)"
        }
        "hosthostname" => "use the top-level `hostname`",
        "hostdomainname" => "use the top-level `domainname`",
        "childrenmax" | "persist" | "name" | "path" | "jid" => {
            "this jail parameter is managed by the runtime and cannot be set"
        }
        _ => return None,
    };
    Some(hint.to_string())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    fn lint_jail(jail: Value) -> Vec<Diagnostic> {
        lint(&mut json!({"freebsd": {"jail": jail}}))
    }

    fn hint_for(jail: Value, path: &str) -> String {
        let d = lint_jail(jail);
        let found = d.iter().find(|d| d.path == path);
        found
            .unwrap_or_else(|| panic!("{path} not in {d:?}"))
            .message
            .clone()
    }

    #[test]
    fn flattened_jail8_names_point_at_v130_paths() {
        let j = json!({"mlock": true, "allow.raw_sockets": true, "devfs_ruleset": 4,
                       "allow.mount.zfs": true, "enforce_statfs": 1, "ip4.addr": ["10.0.0.1"]});
        assert!(hint_for(j.clone(), "freebsd.jail.mlock").contains("`freebsd.jail.allow.mlock`"));
        assert!(hint_for(j.clone(), "freebsd.jail.allow.raw_sockets")
            .contains("`freebsd.jail.allow.rawSockets`"));
        assert!(hint_for(j.clone(), "freebsd.jail.devfs_ruleset").contains("ruleset=N"));
        assert!(hint_for(j.clone(), "freebsd.jail.allow.mount.zfs").contains("[\"zfs\"]"));
        assert!(hint_for(j.clone(), "freebsd.jail.enforce_statfs")
            .contains("`freebsd.jail.enforceStatfs`"));
        assert!(hint_for(j, "freebsd.jail.ip4.addr").contains("`freebsd.jail.ip4Addr`"));
    }

    #[test]
    fn typos_are_matched_by_edit_distance() {
        assert!(
            hint_for(json!({"vnetInterface": []}), "freebsd.jail.vnetInterface")
                .contains("`freebsd.jail.vnetInterfaces`")
        );
        assert!(hint_for(
            json!({"allow": {"rawSocket": true}}),
            "freebsd.jail.allow.rawSocket"
        )
        .contains("`freebsd.jail.allow.rawSockets`"));
        assert!(hint_for(json!({"sysvipc": "new"}), "freebsd.jail.sysvipc").contains("sysvshm"));
    }

    #[test]
    fn unrelated_unknown_key_warns_without_hint() {
        let m = hint_for(json!({"colour": "blue"}), "freebsd.jail.colour");
        assert!(m.contains("unknown key"), "{m}");
    }

    #[test]
    fn known_fields_are_quiet() {
        let d = lint(
            &mut json!({"freebsd": {"devices": [{"path": "pf", "mode": 384}],
            "jail": {"vnet": "new", "allow": {"mlock": true, "mount": ["tmpfs"]}}}}),
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn reserved_key_is_dropped() {
        let mut doc = json!({"freebsd": {"jail": {LEGACY_PARAMS_KEY: {"allow.settime": true}}}});
        let d = lint(&mut doc);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(doc["freebsd"]["jail"].get(LEGACY_PARAMS_KEY).is_none());
    }

    #[test]
    fn all_warnings_never_errors() {
        let d = lint_jail(json!({"mlock": true, "x": 1}));
        assert_eq!(d.len(), 2);
        assert!(d
            .iter()
            .all(|d| d.severity == crate::bundle::Severity::Warning));
    }
}
