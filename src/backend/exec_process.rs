//! The `process` object handed to libcrun for `exec`: either the client's
//! process.json (checked against the OCI schema types) or one built from
//! command-line flags on top of the container's own process, as runc does.

use serde_json::{json, Map, Value};

/// What `exec` flags ask for when no process.json is given.
#[derive(Debug, Default, Clone)]
pub struct ExecRequest {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: Option<String>,
    pub user: Option<String>,
    pub caps: Vec<String>,
    pub tty: bool,
}

/// Members of the container's process an `exec ID CMD` need not read:
/// those no flag changes (a backend that fills them in from the container's
/// config itself, as libcrun's exec does, can leave them out) and those a
/// flag replaces.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Skippable {
    pub env: bool,
    pub capabilities: bool,
    pub user: bool,
}

impl Skippable {
    /// Everything skippable: for a reader that wants none of these members.
    pub const ALL: Skippable = Skippable {
        env: true,
        capabilities: true,
        user: true,
    };

    /// What `req` does not need; `adds_groups`: --additional-gids extends
    /// the container's user.
    pub fn of(req: &ExecRequest, adds_groups: bool) -> Skippable {
        Skippable {
            env: req.env.is_empty(),
            capabilities: req.caps.is_empty(),
            user: req.user.is_some() || !adds_groups,
        }
    }

    pub fn member(&self, key: &str) -> bool {
        match key {
            "env" => self.env,
            "capabilities" => self.capabilities,
            "user" => self.user,
            _ => false,
        }
    }

    /// Whether what `self` skips is all skippable for `other` too.
    pub fn serves(&self, other: &Skippable) -> bool {
        (!self.env || other.env)
            && (!self.capabilities || other.capabilities)
            && (!self.user || other.user)
    }
}

/// Flags that set process fields whether the process comes from
/// process.json or from the command line (an explicit flag wins).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub no_new_privs: bool,
    pub additional_gids: Vec<u32>,
    pub apparmor: Option<String>,
    pub process_label: Option<String>,
}

/// Apply `o` to a process object.
pub fn apply_overrides(p: &mut Value, o: &Overrides) {
    let Some(obj) = p.as_object_mut() else {
        return;
    };
    if o.no_new_privs {
        obj.insert("noNewPrivileges".into(), json!(true));
    }
    if let Some(a) = &o.apparmor {
        obj.insert("apparmorProfile".into(), json!(a));
    }
    if let Some(l) = &o.process_label {
        obj.insert("selinuxLabel".into(), json!(l));
    }
    if !o.additional_gids.is_empty() {
        let user = obj
            .entry("user")
            .or_insert_with(|| json!({"uid": 0, "gid": 0}));
        if let Some(u) = user.as_object_mut() {
            let gids = u.entry("additionalGids").or_insert_with(|| json!([]));
            if let Some(list) = gids.as_array_mut() {
                for g in &o.additional_gids {
                    if !list.iter().any(|x| x == &json!(g)) {
                        list.push(json!(g));
                    }
                }
            }
        }
    }
}

fn lsm_setting(p: &Value, key: &str) -> bool {
    p.get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// Does the process set anything `check_lsm` looks at (so the host's
/// security modules need probing at all)?
pub fn uses_lsm(p: &Value) -> bool {
    lsm_setting(p, "apparmorProfile") || lsm_setting(p, "selinuxLabel")
}

/// The process's security-module settings need their module: libcrun
/// would skip them silently (as it does for `create`, which the front end
/// refuses the same way).
pub fn check_lsm(p: &Value, apparmor: bool, selinux: bool) -> Result<(), String> {
    let set = |k: &str| lsm_setting(p, k);
    if set("apparmorProfile") && !apparmor {
        return Err("AppArmor is not enabled on this host: cannot apply the profile (--apparmor, process.apparmorProfile)".into());
    }
    if set("selinuxLabel") && !selinux {
        return Err("SELinux is not enabled on this host: cannot apply the label (--process-label, process.selinuxLabel)".into());
    }
    Ok(())
}

/// Check a client's process.json; errors name the JSON path.
pub fn check_process_json(text: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("invalid JSON at line {}, column {}", e.line(), e.column()))?;
    // oci-spec's Process insists on `user`, which the schema leaves optional
    // (libcrun defaults it); check the rest of the document as given.
    let mut typed = v.clone();
    if let Some(obj) = typed.as_object_mut() {
        obj.entry("user")
            .or_insert_with(|| json!({"uid": 0, "gid": 0}));
    }
    serde_path_to_error::deserialize::<_, oci_spec::runtime::Process>(&typed).map_err(|e| {
        format!(
            "{}: {}",
            crate::bundle::path::from_serde("", e.path()),
            e.inner()
        )
    })?;
    if v.get("args")
        .and_then(Value::as_array)
        .is_none_or(|a| a.is_empty())
    {
        return Err("args: must list the program to run".into());
    }
    Ok(v)
}

fn parse_user(spec: &str) -> Result<Value, String> {
    let (u, g) = spec.split_once(':').unwrap_or((spec, "0"));
    let num = |s: &str, what: &str| {
        s.parse::<u32>()
            .map_err(|_| format!("--user `{spec}`: {what} must be numeric"))
    };
    Ok(json!({ "uid": num(u, "uid")?, "gid": num(g, "gid")? }))
}

fn env_key(e: &str) -> &str {
    e.split_once('=').map_or(e, |(k, _)| k)
}

/// Build the process for `exec ID CMD...` from the container's configured process.
pub fn from_request(container_process: Option<&Value>, req: &ExecRequest) -> Result<Value, String> {
    if req.args.is_empty() {
        return Err(
            "exec: no command given (pass one after the container id, or --process FILE)".into(),
        );
    }
    let mut p: Map<String, Value> = container_process
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    p.remove("consoleSize");
    p.insert("args".into(), json!(req.args));
    p.insert("terminal".into(), json!(req.tty));
    if let Some(cwd) = &req.cwd {
        p.insert("cwd".into(), json!(cwd));
    }
    p.entry("cwd").or_insert_with(|| json!("/"));
    if let Some(u) = &req.user {
        p.insert("user".into(), parse_user(u)?);
    }
    if !req.env.is_empty() {
        let mut env: Vec<String> = p
            .get("env")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for e in &req.env {
            env.retain(|old| env_key(old) != env_key(e));
            env.push(e.clone());
        }
        p.insert("env".into(), json!(env));
    }
    if !req.caps.is_empty() {
        let caps = p.entry("capabilities").or_insert_with(|| json!({}));
        for set in ["bounding", "effective", "permitted", "ambient"] {
            let list = caps
                .as_object_mut()
                .unwrap()
                .entry(set)
                .or_insert_with(|| json!([]));
            for c in &req.caps {
                let c = if c.starts_with("CAP_") {
                    c.clone()
                } else {
                    format!("CAP_{}", c.to_ascii_uppercase())
                };
                if let Some(a) = list.as_array_mut() {
                    if !a.iter().any(|x| x == &json!(c)) {
                        a.push(json!(c));
                    }
                }
            }
        }
    }
    Ok(Value::Object(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Value {
        json!({"args": ["sh"], "env": ["PATH=/bin", "A=1"], "cwd": "/srv", "terminal": true, "consoleSize": {"height": 1, "width": 1},
               "capabilities": {"bounding": ["CAP_CHOWN"]}})
    }

    #[test]
    fn builds_on_container_process() {
        let req = ExecRequest {
            args: vec!["ls".into()],
            env: vec!["A=2".into(), "B=3".into()],
            ..Default::default()
        };
        let p = from_request(Some(&base()), &req).unwrap();
        assert_eq!(p["args"], json!(["ls"]));
        assert_eq!(p["env"], json!(["PATH=/bin", "A=2", "B=3"]));
        assert_eq!(p["cwd"], "/srv");
        assert_eq!(p["terminal"], false);
        assert!(p.get("consoleSize").is_none());
    }

    #[test]
    fn user_cwd_caps_and_tty() {
        let req = ExecRequest {
            args: vec!["id".into()],
            user: Some("1000:100".into()),
            cwd: Some("/tmp".into()),
            caps: vec!["net_admin".into()],
            tty: true,
            ..Default::default()
        };
        let p = from_request(Some(&base()), &req).unwrap();
        assert_eq!(p["user"], json!({"uid": 1000, "gid": 100}));
        assert_eq!(p["cwd"], "/tmp");
        assert_eq!(p["terminal"], true);
        assert_eq!(
            p["capabilities"]["bounding"],
            json!(["CAP_CHOWN", "CAP_NET_ADMIN"])
        );
        assert_eq!(p["capabilities"]["ambient"], json!(["CAP_NET_ADMIN"]));
    }

    #[test]
    fn what_an_exec_need_not_read() {
        let plain = ExecRequest {
            args: vec!["ls".into()],
            ..Default::default()
        };
        let all = Skippable::ALL;
        assert_eq!(Skippable::of(&plain, false), all);
        // --additional-gids extends the container's user: it must be read.
        assert!(!Skippable::of(&plain, true).user);
        let flags = ExecRequest {
            env: vec!["A=1".into()],
            caps: vec!["CAP_KILL".into()],
            user: Some("1:1".into()),
            ..plain
        };
        let some = Skippable::of(&flags, true);
        assert_eq!(
            (some.env, some.capabilities, some.user),
            (false, false, true)
        );
        assert!(some.member("user") && !some.member("env") && !some.member("cwd"));
        assert!(some.serves(&all) && !all.serves(&some) && all.serves(&all));
    }

    #[test]
    fn rejects_empty_command_and_bad_user() {
        assert!(from_request(None, &ExecRequest::default()).is_err());
        let req = ExecRequest {
            args: vec!["x".into()],
            user: Some("root".into()),
            ..Default::default()
        };
        assert!(from_request(None, &req).unwrap_err().contains("numeric"));
    }

    #[test]
    fn overrides_apply_to_any_process() {
        let mut p = json!({"args": ["id"], "user": {"uid": 1, "gid": 1, "additionalGids": [5]}});
        apply_overrides(
            &mut p,
            &Overrides {
                no_new_privs: true,
                additional_gids: vec![5, 10, 20],
                apparmor: Some("unconfined".into()),
                process_label: Some("system_u:system_r:container_t:s0".into()),
            },
        );
        assert_eq!(p["user"]["additionalGids"], json!([5, 10, 20]));
        assert_eq!(p["noNewPrivileges"], true);
        assert_eq!(p["apparmorProfile"], "unconfined");
        assert_eq!(p["selinuxLabel"], "system_u:system_r:container_t:s0");
        let mut bare = json!({"args": ["id"]});
        apply_overrides(
            &mut bare,
            &Overrides {
                additional_gids: vec![7],
                ..Default::default()
            },
        );
        assert_eq!(
            bare["user"],
            json!({"uid": 0, "gid": 0, "additionalGids": [7]})
        );
        assert!(bare.get("noNewPrivileges").is_none());
    }

    #[test]
    fn security_modules_must_be_on_for_their_settings() {
        let aa = json!({"apparmorProfile": "p"});
        let se = json!({"selinuxLabel": "l"});
        assert!(check_lsm(&aa, true, false).is_ok());
        assert!(check_lsm(&aa, false, true)
            .unwrap_err()
            .contains("AppArmor"));
        assert!(check_lsm(&se, true, false).unwrap_err().contains("SELinux"));
        assert!(check_lsm(&json!({"apparmorProfile": ""}), false, false).is_ok());
        // what decides whether the host's modules are probed at all
        assert!(uses_lsm(&aa) && uses_lsm(&se));
        assert!(!uses_lsm(&json!({"apparmorProfile": "", "args": ["sh"]})));
    }

    #[test]
    fn process_json_errors_name_the_path() {
        let e =
            check_process_json(r#"{"args": ["a"], "cwd": "/", "user": {"uid": "x", "gid": 0}}"#)
                .unwrap_err();
        assert!(e.starts_with("user.uid"), "{e}");
        assert!(check_process_json("{").unwrap_err().contains("line 1"));
        assert!(check_process_json(r#"{"args": [], "cwd": "/"}"#)
            .unwrap_err()
            .contains("args"));
    }
}
