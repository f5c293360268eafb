//! `exec --cgroup`: runc's `[CONTROLLER[,CONTROLLER...]:]PATH` arguments
//! turned into the one sub-cgroup libcrun can join (a path below the
//! container's cgroup, the same in every hierarchy).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The sub-cgroup for `args` (None when none was asked for). `unified` is
/// a cgroup v2-only host, where every controller lives in one tree.
pub fn resolve(args: &[String], unified: bool) -> Result<Option<String>, String> {
    if args.is_empty() {
        return Ok(None);
    }
    let mut plain = None;
    let mut per_controller = BTreeMap::new();
    for a in args {
        match a.split_once(':') {
            None if args.len() == 1 => plain = Some(a.as_str()),
            None => {
                return Err(format!(
                    "--cgroup `{a}`: with several --cgroup flags each needs a CONTROLLER: prefix"
                ))
            }
            Some((ctrls, path)) => {
                if ctrls.is_empty() || path.contains(':') {
                    return Err(format!(
                        "--cgroup `{a}`: expected [CONTROLLER[,CONTROLLER...]:]PATH"
                    ));
                }
                for c in ctrls.split(',') {
                    if c.is_empty() {
                        return Err(format!("--cgroup `{a}`: empty controller name"));
                    }
                    per_controller.insert(c.to_string(), path);
                }
            }
        }
    }
    let path = match plain {
        Some(p) => p,
        None => {
            let mut paths: Vec<&str> = per_controller.values().copied().collect();
            paths.dedup();
            if paths.len() > 1 {
                return Err(format!(
                    "--cgroup: different sub-cgroups per controller ({}) cannot be joined: libcrun moves the process into one sub-cgroup of the container in every hierarchy",
                    per_controller
                        .iter()
                        .map(|(c, p)| format!("{c}:{p}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !unified {
                return Err(format!(
                    "--cgroup {}: naming controllers needs a cgroup v2 host; on this host's cgroup v1 hierarchies the process would join `{}` in every controller, not only these; pass the path alone to do that",
                    args.join(" "),
                    paths[0]
                ));
            }
            paths[0]
        }
    };
    let clean = path.trim_matches('/');
    if clean.is_empty() {
        return Err(format!("--cgroup `{path}`: empty sub-cgroup path"));
    }
    if clean
        .split('/')
        .any(|c| c == ".." || c == "." || c.is_empty())
    {
        return Err(format!(
            "--cgroup `{path}`: the sub-cgroup must be a plain path below the container's cgroup (no `.`, `..` or empty components)"
        ));
    }
    Ok(Some(clean.to_string()))
}

/// Where libcrun will look for `sub` on a cgroup v1 (or hybrid) host, one
/// directory per hierarchy the container's init is in (`proc_cgroup` is its
/// /proc/<pid>/cgroup), named as libcrun names them.
pub fn v1_dirs(proc_cgroup: &str, sub: &str) -> Vec<PathBuf> {
    proc_cgroup
        .lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, ctrls, path) = (f.next()?, f.next()?, f.next()?);
            let ctrls = ctrls.strip_prefix("name=").unwrap_or(ctrls);
            let subsystem = match ctrls {
                "" => "unified",
                "net_prio,net_cls" => "net_cls,net_prio",
                "cpuacct,cpu" => "cpu,cpuacct",
                c => c,
            };
            let root = Path::new("/sys/fs/cgroup").join(subsystem);
            Some((root, path.trim_start_matches('/').to_string()))
        })
        .filter(|(root, _)| root.is_dir())
        .map(|(root, path)| root.join(path).join(sub))
        .collect()
}

/// libcrun skips a v1 hierarchy where the sub-cgroup is missing and leaves
/// the process in the container's own cgroup there: refuse that instead.
pub fn check_exists_v1(init_pid: i32, sub: &str) -> Result<(), String> {
    let text = crate::sys::pseudo_file::read(format!("/proc/{init_pid}/cgroup"))
        .map_err(|e| format!("--cgroup `{sub}`: cannot read the container's cgroups: {e}"))?;
    match v1_dirs(&text, sub).into_iter().find(|d| !d.is_dir()) {
        Some(d) => Err(format!(
            "--cgroup `{sub}`: no such sub-cgroup ({} does not exist; it must be made first)",
            d.display()
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(args: &[&str], unified: bool) -> Result<Option<String>, String> {
        resolve(
            &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            unified,
        )
    }

    #[test]
    fn plain_path_everywhere() {
        assert_eq!(r(&[], true), Ok(None));
        assert_eq!(r(&["sub"], false), Ok(Some("sub".into())));
        assert_eq!(r(&["/a/b/"], true), Ok(Some("a/b".into())));
    }

    #[test]
    fn controllers_on_v2_must_agree() {
        assert_eq!(
            r(&["cpu,memory:sub", "pids:sub"], true),
            Ok(Some("sub".into()))
        );
        assert!(r(&["cpu:a", "memory:b"], true)
            .unwrap_err()
            .contains("cpu:a, memory:b"));
        assert!(r(&["cpu:sub"], false).unwrap_err().contains("cgroup v2"));
    }

    #[test]
    fn malformed_and_escaping_paths_refused() {
        assert!(r(&["a", "b"], true)
            .unwrap_err()
            .contains("CONTROLLER: prefix"));
        assert!(r(&[":sub"], true).is_err());
        assert!(r(&["cpu,:sub"], true).is_err());
        assert!(r(&["a:b:c"], true).is_err());
        assert!(r(&["../../escape"], true)
            .unwrap_err()
            .contains("below the container"));
        assert!(r(&["a//b"], true).is_err());
        assert!(r(&["/"], true).is_err());
    }
}
