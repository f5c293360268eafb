//! `linux.intelRdt` (runtime-spec 1.3.0, incl. `schemata` and
//! `enableMonitoring`), done by stockade instead of libcrun 1.21 (which
//! knows neither new field and writes the task before the schemata lines).
//!
//! `plan` is pure: from the request and what the resctrl tree holds it
//! decides the steps, in the order the spec asks for: create the CLOS group
//! directory (or require / check an existing one), write the schemata
//! lines (l3CacheSchema, memBwSchema, then `schemata`, one write), move the
//! task, then create the monitoring group under `mon_groups` and move the
//! task there. `apply` performs steps under a resctrl root (a tempdir in the
//! tests) and undoes what it created if a later step fails.

use std::path::{Path, PathBuf};

use crate::bundle::doc::Value;
use serde::{Deserialize, Serialize};

const AT: &str = "linux.intelRdt";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub clos_id: Option<String>,
    /// l3CacheSchema, memBwSchema, then each `schemata` line, in that order.
    pub lines: Vec<String>,
    pub monitoring: bool,
}

pub fn requested(config: &Value) -> Option<Request> {
    let rdt = config
        .pointer("/linux/intelRdt")
        .filter(|v| v.is_object())?;
    let s = |k: &str| rdt.get(k).and_then(Value::as_str).map(str::to_string);
    let mut lines: Vec<String> = [s("l3CacheSchema"), s("memBwSchema")]
        .into_iter()
        .flatten()
        .collect();
    lines.extend(
        rdt.get("schemata")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str().map(str::to_string)),
    );
    Some(Request {
        clos_id: s("closID"),
        lines,
        monitoring: rdt.get("enableMonitoring") == Some(&Value::Bool(true)),
    })
}

/// What the resctrl tree looks like, as far as the plan needs to know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    /// The CLOS group directory exists.
    pub group: bool,
    /// Its current `schemata` file (when it exists).
    pub schemata: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Create a directory (the runtime owns it afterwards).
    Mkdir(PathBuf),
    /// Write a whole file.
    Write(PathBuf, String),
}

/// What `delete` must remove (and only that), innermost first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub remove: Vec<PathBuf>,
}

/// The group directory, relative to the resctrl root.
pub fn group_dir(req: &Request, id: &str) -> PathBuf {
    match req.clos_id.as_deref() {
        Some("/") => PathBuf::new(),
        Some(c) => PathBuf::from(c),
        None => PathBuf::from(id),
    }
}

/// Steps (paths relative to the resctrl root) and the record of what they create.
pub fn plan(
    req: &Request,
    id: &str,
    pid: i32,
    have: &Existing,
) -> Result<(Vec<Step>, Record), String> {
    let dir = group_dir(req, id);
    let mut steps = Vec::new();
    let mut rec = Record::default();
    if !have.group {
        if req.clos_id.is_some() && req.lines.is_empty() {
            return Err(format!(
                "{AT}.closID: resctrl group `{}` does not exist (create it first, or give a schema for stockade to create it)",
                dir.display()
            ));
        }
        steps.push(Step::Mkdir(dir.clone()));
        if req.clos_id.is_none() {
            rec.remove.push(dir.clone());
        }
    } else if !req.lines.is_empty() {
        if let Some(current) = &have.schemata {
            if let Some(bad) = mismatch(current, &req.lines) {
                return Err(format!(
                    "{AT}: resctrl group `{}` already exists with other values for `{bad}`",
                    if dir.as_os_str().is_empty() {
                        Path::new("/")
                    } else {
                        &dir
                    }
                    .display()
                ));
            }
        }
    }
    if !req.lines.is_empty() {
        let mut text = req.lines.join("\n");
        text.push('\n');
        steps.push(Step::Write(dir.join("schemata"), text));
    }
    steps.push(Step::Write(dir.join("tasks"), pid.to_string()));
    if req.monitoring {
        let mon = dir.join("mon_groups").join(id);
        steps.push(Step::Mkdir(mon.clone()));
        steps.push(Step::Write(mon.join("tasks"), pid.to_string()));
        rec.remove.insert(0, mon);
    }
    Ok((steps, rec))
}

/// `L3:0=ff;1=f0` → ("L3", [(0, 0xff), (1, 0xf0)]).
fn parse(line: &str) -> Option<(String, Vec<(u32, u64)>)> {
    let (name, rest) = line.split_once(':')?;
    let mut doms = Vec::new();
    for d in rest.split(';').filter(|d| !d.trim().is_empty()) {
        let (i, v) = d.split_once('=')?;
        doms.push((
            i.trim().parse().ok()?,
            u64::from_str_radix(v.trim(), 16).ok()?,
        ));
    }
    Some((name.trim().to_ascii_uppercase(), doms))
}

/// The first requested line whose domains differ from the group's current values.
fn mismatch<'a>(current: &str, want: &'a [String]) -> Option<&'a str> {
    let have: Vec<_> = current.lines().filter_map(parse).collect();
    want.iter().map(String::as_str).find(|line| {
        let Some((name, doms)) = parse(line) else {
            return true;
        };
        let Some((_, cur)) = have.iter().find(|(n, _)| *n == name) else {
            return true;
        };
        doms.iter().any(|d| !cur.contains(d))
    })
}

pub fn look(root: &Path, req: &Request, id: &str) -> Existing {
    let dir = root.join(group_dir(req, id));
    Existing {
        group: dir.is_dir(),
        schemata: std::fs::read_to_string(dir.join("schemata")).ok(),
    }
}

/// Perform `steps` under `root`; on failure remove what was created and
/// return an error naming the field.
pub fn apply(root: &Path, steps: &[Step]) -> Result<(), String> {
    let mut made: Vec<PathBuf> = Vec::new();
    for s in steps {
        let r = match s {
            Step::Mkdir(d) => std::fs::create_dir(root.join(d)).map(|_| made.push(root.join(d))),
            Step::Write(f, text) => std::fs::write(root.join(f), text),
        };
        if let Err(e) = r {
            for d in made.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
            let (what, p) = match s {
                Step::Mkdir(d) => ("create", d),
                Step::Write(f, _) => ("write", f),
            };
            let field = if p.components().any(|c| c.as_os_str() == "mon_groups") {
                format!("{AT}.enableMonitoring")
            } else if p.ends_with("schemata") {
                format!("{AT}.schemata")
            } else {
                AT.to_string()
            };
            return Err(format!("{field}: {what} {}: {e}", root.join(p).display()));
        }
    }
    Ok(())
}

/// Remove what `apply` created (at delete). Missing directories are fine.
pub fn remove(root: &Path, rec: &Record) {
    for d in &rec.remove {
        let p = root.join(d);
        if let Err(e) = std::fs::remove_dir(&p) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("{AT}: cannot remove {}: {e}", p.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    fn req(v: Value) -> Request {
        requested(&json!({"linux": {"intelRdt": v}})).unwrap()
    }

    #[test]
    fn lines_are_ordered_l3_mb_then_schemata() {
        let r = req(
            json!({"schemata": ["L2:0=f", "MB:1=20"], "memBwSchema": "MB:0=50", "l3CacheSchema": "L3:0=ff", "enableMonitoring": true}),
        );
        assert_eq!(r.lines, ["L3:0=ff", "MB:0=50", "L2:0=f", "MB:1=20"]);
        assert!(r.monitoring);
        assert_eq!(requested(&json!({"linux": {}})), None);
    }

    #[test]
    fn new_group_then_schemata_then_task_then_monitoring() {
        let r = req(
            json!({"l3CacheSchema": "L3:0=ff", "schemata": ["MB:0=40"], "enableMonitoring": true}),
        );
        let (steps, rec) = plan(&r, "ctr", 42, &Existing::default()).unwrap();
        assert_eq!(
            steps,
            [
                Step::Mkdir("ctr".into()),
                Step::Write("ctr/schemata".into(), "L3:0=ff\nMB:0=40\n".into()),
                Step::Write("ctr/tasks".into(), "42".into()),
                Step::Mkdir("ctr/mon_groups/ctr".into()),
                Step::Write("ctr/mon_groups/ctr/tasks".into(), "42".into()),
            ]
        );
        assert_eq!(
            rec.remove,
            [PathBuf::from("ctr/mon_groups/ctr"), PathBuf::from("ctr")]
        );
    }

    #[test]
    fn named_groups_are_never_removed_and_must_exist_without_a_schema() {
        let r = req(json!({"closID": "gold"}));
        let e = plan(&r, "ctr", 1, &Existing::default()).unwrap_err();
        assert!(e.starts_with("linux.intelRdt.closID"), "{e}");
        let have = Existing {
            group: true,
            schemata: Some("L3:0=ff\n".into()),
        };
        let (steps, rec) = plan(&r, "ctr", 1, &have).unwrap();
        assert_eq!(steps, [Step::Write("gold/tasks".into(), "1".into())]);
        assert!(rec.remove.is_empty());
        // With a schema it is created if missing, but still not removed at delete.
        let r = req(json!({"closID": "gold", "memBwSchema": "MB:0=10"}));
        let (steps, rec) = plan(&r, "ctr", 1, &Existing::default()).unwrap();
        assert_eq!(steps[0], Step::Mkdir("gold".into()));
        assert!(rec.remove.is_empty());
        // Root group.
        let r = req(json!({"closID": "/"}));
        let (steps, _) = plan(
            &r,
            "ctr",
            1,
            &Existing {
                group: true,
                schemata: None,
            },
        )
        .unwrap();
        assert_eq!(steps, [Step::Write("tasks".into(), "1".into())]);
    }

    #[test]
    fn existing_group_with_other_values_is_an_error() {
        let have = Existing {
            group: true,
            schemata: Some("    L3:0=000ff;1=fffff\n    MB:0=100;1=100\n".into()),
        };
        let ok = req(json!({"closID": "g", "l3CacheSchema": "L3:0=ff", "memBwSchema": "MB:1=100"}));
        assert!(plan(&ok, "c", 1, &have).is_ok());
        let bad = req(json!({"closID": "g", "schemata": ["MB:0=50"]}));
        let e = plan(&bad, "c", 1, &have).unwrap_err();
        assert!(e.contains("MB:0=50"), "{e}");
    }

    /// A tempdir that mimics /sys/fs/resctrl. The kernel fills a new group
    /// with `schemata`, `tasks` and `mon_groups/`; a plain directory cannot,
    /// so the cases below start from the state the kernel would leave.
    #[test]
    fn apply_on_a_fake_resctrl_tree() {
        let root = tempfile::tempdir().unwrap();
        let rd = root.path();
        std::fs::write(rd.join("schemata"), "L3:0=fffff\n").unwrap();

        // New group: directory, then schemata, then the task.
        let r = req(json!({"l3CacheSchema": "L3:0=f", "schemata": ["MB:0=30"]}));
        let have = look(rd, &r, "c1");
        assert!(!have.group);
        let (steps, rec) = plan(&r, "c1", 77, &have).unwrap();
        apply(rd, &steps).unwrap();
        let g = rd.join("c1");
        assert_eq!(
            std::fs::read_to_string(g.join("schemata")).unwrap(),
            "L3:0=f\nMB:0=30\n"
        );
        assert_eq!(std::fs::read_to_string(g.join("tasks")).unwrap(), "77");
        assert_eq!(
            std::fs::read_to_string(rd.join("schemata")).unwrap(),
            "L3:0=fffff\n",
            "root untouched"
        );
        for f in ["schemata", "tasks"] {
            std::fs::remove_file(g.join(f)).unwrap();
        }
        remove(rd, &rec);
        assert!(!g.exists(), "the group stockade created is removed");

        // Monitoring in an existing named group (kernel-made mon_groups/).
        std::fs::create_dir_all(rd.join("gold/mon_groups")).unwrap();
        std::fs::write(rd.join("gold/schemata"), "    L3:0=00ff\n").unwrap();
        let r =
            req(json!({"closID": "gold", "l3CacheSchema": "L3:0=ff", "enableMonitoring": true}));
        let (steps, rec) = plan(&r, "c2", 9, &look(rd, &r, "c2")).unwrap();
        apply(rd, &steps).unwrap();
        assert_eq!(
            std::fs::read_to_string(rd.join("gold/mon_groups/c2/tasks")).unwrap(),
            "9"
        );
        assert_eq!(std::fs::read_to_string(rd.join("gold/tasks")).unwrap(), "9");
        std::fs::remove_file(rd.join("gold/mon_groups/c2/tasks")).unwrap();
        remove(rd, &rec);
        assert!(!rd.join("gold/mon_groups/c2").exists());
        assert!(rd.join("gold").exists(), "a named group is never removed");

        // A step fails (no mon_groups/ in the fake): the new group is undone.
        let r = req(json!({"l3CacheSchema": "L3:0=f", "enableMonitoring": true}));
        let (steps, _) = plan(&r, "c3", 5, &Existing::default()).unwrap();
        let e = apply(rd, &steps).unwrap_err();
        assert!(e.starts_with("linux.intelRdt.enableMonitoring"), "{e}");
        std::fs::remove_file(rd.join("c3/schemata")).ok();
        std::fs::remove_file(rd.join("c3/tasks")).ok();
    }
}
