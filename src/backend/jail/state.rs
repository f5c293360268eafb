//! Persistent container state: `<root>/<id>/state.json` (directory mode
//! 0700), written atomically. Plain file I/O, so it is tested on any OS;
//! the apply layer decides *when* to write it.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::plan::JailPlan;

/// The state annotation ocijail publishes (a string, see pitfall 1).
pub const JID_ANNOTATION: &str = "org.freebsd.jail.jid";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Creating,
    Created,
    Running,
    Stopped,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Stopped => "stopped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub id: String,
    pub bundle: String,
    pub status: Status,
    /// The container process (waiting on the FIFO until `start`).
    pub pid: Option<i32>,
    pub jid: Option<i32>,
    /// RFC 3339.
    pub created: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// The config's `process` object: the base of `exec ID CMD...`.
    #[serde(default)]
    pub process: Option<Value>,
    pub plan: JailPlan,
    /// Host paths mounted so far, in mount order (unmounted in reverse).
    #[serde(default)]
    pub mounted: Vec<String>,
    /// Mount-point directories/files created by us (removed on delete).
    #[serde(default)]
    pub created_paths: Vec<String>,
    /// Interfaces moved into the jail (moved back on delete).
    #[serde(default)]
    pub moved_interfaces: Vec<String>,
}

impl State {
    /// The OCI state document (plus the fields runc/crun add).
    pub fn oci(&self, status: Status) -> Value {
        let mut ann: serde_json::Map<String, Value> = self
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        if let Some(jid) = self.jid {
            ann.insert(JID_ANNOTATION.into(), Value::String(jid.to_string()));
        }
        let mut v = json!({
            "ociVersion": "1.3.0",
            "id": self.id,
            "status": status.name(),
            "bundle": self.bundle,
            "rootfs": self.plan.rootfs.path,
            "created": self.created,
            "owner": "",
            "annotations": ann,
        });
        if let (Some(pid), Status::Created | Status::Running) = (self.pid, status) {
            v["pid"] = json!(pid);
        }
        v
    }
}

/// Where states live.
#[derive(Debug, Clone)]
pub struct Store {
    pub root: PathBuf,
}

impl Store {
    pub fn dir(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }

    pub fn fifo(&self, id: &str) -> PathBuf {
        self.dir(id).join("exec.fifo")
    }

    /// Create `<root>/<id>` (0700); fails if it exists (id already used).
    pub fn create_dir(&self, id: &str) -> Result<PathBuf, String> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.root)
            .map_err(|e| format!("cannot create state root {}: {e}", self.root.display()))?;
        let dir = self.dir(id);
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => format!("container `{id}` already exists"),
                _ => format!("cannot create {}: {e}", dir.display()),
            })?;
        Ok(dir)
    }

    pub fn load(&self, id: &str) -> Result<State, String> {
        let file = self.dir(id).join("state.json");
        let text = fs::read_to_string(&file).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("container `{id}` does not exist"),
            _ => format!("cannot read {}: {e}", file.display()),
        })?;
        serde_json::from_str(&text).map_err(|e| format!("{}: corrupt state: {e}", file.display()))
    }

    /// Write via a temporary file and rename, so readers never see half a file.
    pub fn save(&self, st: &State) -> Result<(), String> {
        let dir = self.dir(&st.id);
        let tmp = dir.join("state.json.tmp");
        let text = serde_json::to_vec_pretty(st).map_err(|e| e.to_string())?;
        let write = |p: &Path| -> std::io::Result<()> {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(p)?;
            f.write_all(&text)?;
            f.sync_all()
        };
        write(&tmp).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        fs::rename(&tmp, dir.join("state.json"))
            .map_err(|e| format!("cannot save state of `{}`: {e}", st.id))
    }

    /// Remove the state directory; a missing one is fine (delete is idempotent).
    pub fn remove(&self, id: &str) -> Result<(), String> {
        match fs::remove_dir_all(self.dir(id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(format!("cannot remove state of `{id}`: {e}"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::jail::plan::{HooksPlan, RootfsPlan};
    use std::os::unix::fs::PermissionsExt;

    fn sample() -> State {
        State {
            id: "c1".into(),
            bundle: "/b".into(),
            status: Status::Created,
            pid: Some(42),
            jid: Some(7),
            created: "2026-01-01T00:00:00Z".into(),
            annotations: BTreeMap::from([("a".into(), "b".into())]),
            process: Some(json!({"args": ["sh"]})),
            plan: JailPlan {
                id: "c1".into(),
                name: "c1".into(),
                parent: None,
                rootfs: RootfsPlan {
                    path: "/b/rootfs".into(),
                    readonly: false,
                    jail_path: "/b/rootfs".into(),
                },
                params: vec![],
                mounts: vec![],
                vnet_interfaces: vec![],
                ip_aliases: None,
                process: None,
                hooks: HooksPlan::default(),
                warnings: vec![],
            },
            mounted: vec!["/b/rootfs/dev".into()],
            created_paths: vec![],
            moved_interfaces: vec![],
        }
    }

    #[test]
    fn oci_state_has_string_jid_and_pid_only_when_alive() {
        let s = sample();
        let v = s.oci(Status::Created);
        assert_eq!(v["annotations"][JID_ANNOTATION], "7");
        assert_eq!(v["pid"], 42);
        assert_eq!(v["rootfs"], "/b/rootfs");
        assert!(s.oci(Status::Stopped).get("pid").is_none());
    }

    #[test]
    fn save_load_remove_round_trip_with_private_dir() {
        let root = std::env::temp_dir().join(format!("stockade-state-{}", std::process::id()));
        let store = Store { root: root.clone() };
        let dir = store.create_dir("c1").unwrap();
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert!(store
            .create_dir("c1")
            .unwrap_err()
            .contains("already exists"));
        store.save(&sample()).unwrap();
        assert_eq!(store.load("c1").unwrap(), sample());
        store.remove("c1").unwrap();
        store.remove("c1").unwrap();
        assert!(store.load("c1").unwrap_err().contains("does not exist"));
        fs::remove_dir_all(root).unwrap();
    }
}
