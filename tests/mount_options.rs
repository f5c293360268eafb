#![cfg(target_os = "linux")]
//! Every word of `features.mountOptions` goes through `validate` and
//! `create` on a real container and is found in the container's
//! /proc/self/mountinfo (per-mount options, super options, propagation
//! fields, the submount for recursive forms), or in what the container
//! sees for the runtime's own options (tmpcopyup, copy-symlink). The words
//! `validate` refuses are refused by `create` with the same one line, and
//! every word of the front end's table is either listed or refused: the
//! three answers agree.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use stockade::bundle::mount_options::{self, Kind};

use common::{Env, BIN};

fn listed() -> Vec<String> {
    let out = Command::new(BIN).arg("features").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let f: Value = serde_json::from_slice(&out.stdout).unwrap();
    f["mountOptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// What the container must show for one option.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The per-mount options contain the word.
    Opt(&'static str),
    /// ... do not contain it.
    NoOpt(&'static str),
    /// The super options contain the word.
    Super(&'static str),
    NoSuper(&'static str),
    /// An optional field starts with this (`shared:`, `master:`, `unbindable`).
    Field(&'static str),
    /// No propagation field at all (private).
    NoField,
    /// The mount exists (bind mounts of the plain source directory).
    Mounted,
    /// The source's submount is (not) there.
    Submount(bool),
    /// A shell test run inside the container.
    Shell(&'static str),
}

use Expect::*;

/// Which mount carries the option.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Carrier {
    /// A fresh tmpfs.
    Tmpfs,
    /// A bind of `src/` (a plain directory holding a tmpfs submount).
    Bind,
    /// A bind of `shared/` (a shared tmpfs with a submount), in a container
    /// whose root propagation is rslave, as containerd sets it for
    /// Kubernetes' HostToContainer volumes.
    SharedSource,
    /// Special: /etc as a tmpfs (tmpcopyup), a symlink source (copy-symlink).
    Special,
}

/// (options before the word, carrier, what the mount shows, what its submount shows)
fn case(word: &str) -> (Vec<&'static str>, Carrier, Vec<Expect>, Vec<Expect>) {
    use Carrier::*;
    let none = Vec::new;
    match word {
        "defaults" => (vec![], Tmpfs, vec![Opt("rw")], none()),
        "ro" | "nosuid" | "nodev" | "noexec" | "noatime" | "nodiratime" | "relatime"
        | "nosymfollow" => (vec![], Tmpfs, vec![Opt(leak(word))], none()),
        // A clearing word undoes the setting word before it.
        "rw" => (vec!["ro"], Tmpfs, vec![Opt("rw")], none()),
        "suid" => (vec!["nosuid"], Tmpfs, vec![NoOpt("nosuid")], none()),
        "dev" => (vec!["nodev"], Tmpfs, vec![NoOpt("nodev")], none()),
        "exec" => (vec!["noexec"], Tmpfs, vec![NoOpt("noexec")], none()),
        "atime" => (vec!["noatime"], Tmpfs, vec![NoOpt("noatime")], none()),
        "diratime" => (vec!["nodiratime"], Tmpfs, vec![NoOpt("nodiratime")], none()),
        "symfollow" => (
            vec!["nosymfollow"],
            Tmpfs,
            vec![NoOpt("nosymfollow")],
            none(),
        ),
        "strictatime" => (
            vec![],
            Tmpfs,
            vec![NoOpt("relatime"), NoOpt("noatime")],
            none(),
        ),
        "nostrictatime" => (vec!["strictatime"], Tmpfs, vec![Opt("relatime")], none()),
        // Withdraws an explicit relatime: the kernel's default (relatime
        // unless noatime or strictatime) is what remains.
        "norelatime" => (vec!["relatime"], Tmpfs, vec![Opt("relatime")], none()),
        "sync" | "dirsync" | "mand" => (vec![], Tmpfs, vec![Super(leak(word))], none()),
        "async" => (vec!["sync"], Tmpfs, vec![NoSuper("sync")], none()),
        "nomand" => (vec!["mand"], Tmpfs, vec![NoSuper("mand")], none()),
        "bind" => (vec![], Bind, vec![Mounted, Submount(false)], none()),
        "rbind" => (vec![], Bind, vec![Mounted, Submount(true)], none()),
        "shared" => (vec!["bind"], Bind, vec![Field("shared:")], none()),
        "rshared" => (
            vec!["rbind"],
            Bind,
            vec![Field("shared:")],
            vec![Field("shared:")],
        ),
        "unbindable" => (vec!["bind"], Bind, vec![Field("unbindable")], none()),
        "runbindable" => (
            vec!["rbind"],
            Bind,
            vec![Field("unbindable")],
            vec![Field("unbindable")],
        ),
        "slave" => (vec!["bind"], SharedSource, vec![Field("master:")], none()),
        "rslave" => (
            vec!["rbind"],
            SharedSource,
            vec![Field("master:")],
            vec![Field("master:")],
        ),
        "private" => (vec!["bind"], SharedSource, vec![NoField], none()),
        "rprivate" => (vec!["rbind"], SharedSource, vec![NoField], vec![NoField]),
        "rro" | "rnosuid" | "rnodev" | "rnoexec" | "rnoatime" | "rnodiratime" | "rnosymfollow" => {
            let flag = leak(&word[1..]);
            (vec!["rbind"], Bind, vec![Opt(flag)], vec![Opt(flag)])
        }
        "rrelatime" => (
            vec!["rbind", "rnoatime"],
            Bind,
            vec![Opt("relatime")],
            vec![Opt("relatime")],
        ),
        "rstrictatime" => (
            vec!["rbind"],
            Bind,
            vec![NoOpt("relatime"), NoOpt("noatime")],
            vec![NoOpt("relatime"), NoOpt("noatime")],
        ),
        "rrw" | "rsuid" | "rdev" | "rexec" | "ratime" | "rdiratime" | "rsymfollow"
        | "rnorelatime" | "rnostrictatime" => {
            let (set, cleared): (&str, Expect) = match word {
                "rrw" => ("rro", Opt("rw")),
                "rsuid" => ("rnosuid", NoOpt("nosuid")),
                "rdev" => ("rnodev", NoOpt("nodev")),
                "rexec" => ("rnoexec", NoOpt("noexec")),
                "ratime" => ("rnoatime", Opt("relatime")),
                "rdiratime" => ("rnodiratime", NoOpt("nodiratime")),
                "rsymfollow" => ("rnosymfollow", NoOpt("nosymfollow")),
                "rnorelatime" => ("rrelatime", Opt("relatime")),
                _ => ("rstrictatime", Opt("relatime")),
            };
            (vec!["rbind", set], Bind, vec![cleared], vec![cleared])
        }
        "idmap" => (vec!["bind"], Bind, vec![Opt("idmapped")], none()),
        "ridmap" => (
            vec!["rbind"],
            Bind,
            vec![Opt("idmapped")],
            vec![Opt("idmapped")],
        ),
        "tmpcopyup" => (
            vec![],
            Special,
            vec![Shell(
                "grep -q ' /etc ' /proc/self/mountinfo && test -f /etc/passwd",
            )],
            none(),
        ),
        "copy-symlink" => (
            vec!["bind"],
            Special,
            vec![Shell("test -L /opt/copy-symlink")],
            none(),
        ),
        other => panic!("no test case for listed mount option `{other}`: add one"),
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// One line of mountinfo, split.
struct Line {
    opts: Vec<String>,
    fields: Vec<String>,
    sup: Vec<String>,
}

fn mountinfo(text: &str) -> BTreeMap<String, Line> {
    let mut out = BTreeMap::new();
    for l in text.lines() {
        let Some((pre, post)) = l.split_once(" - ") else {
            continue;
        };
        let f: Vec<&str> = pre.split(' ').collect();
        if f.len() < 6 {
            continue;
        }
        let sup = post.split(' ').nth(2).unwrap_or_default();
        out.insert(
            f[4].to_string(),
            Line {
                opts: f[5].split(',').map(String::from).collect(),
                fields: f[6..].iter().map(|s| s.to_string()).collect(),
                sup: sup.split(',').map(String::from).collect(),
            },
        );
    }
    out
}

fn check(e: Expect, at: &str, mi: &BTreeMap<String, Line>, shell: &str) -> Result<(), String> {
    let line = || mi.get(at).ok_or_else(|| format!("{at} is not mounted"));
    let has = |v: &[String], w: &str| v.iter().any(|x| x == w);
    let ok = match e {
        Opt(w) => has(&line()?.opts, w),
        NoOpt(w) => !has(&line()?.opts, w),
        Super(w) => has(&line()?.sup, w),
        NoSuper(w) => !has(&line()?.sup, w),
        Field(p) => line()?.fields.iter().any(|f| f.starts_with(p)),
        NoField => line()?.fields.is_empty(),
        Mounted => line().is_ok(),
        Submount(want) => mi.contains_key(&format!("{at}/sub")) == want,
        Shell(cmd) => !shell.contains(&format!("FAILED {cmd}")),
    };
    if ok {
        Ok(())
    } else {
        let l = mi
            .get(at)
            .map(|l| format!("opts {:?} fields {:?} super {:?}", l.opts, l.fields, l.sup));
        Err(format!(
            "{at}: expected {e:?}, got {}",
            l.unwrap_or_else(|| "no mount".into())
        ))
    }
}

/// The host side: `src/` with a marker and a tmpfs submount, `shared/` a
/// shared tmpfs with its own submount. Unmounted again by `Sources::drop`.
struct Sources {
    mounts: Vec<std::path::PathBuf>,
}

impl Sources {
    fn new(bundle: &Path) -> Sources {
        let sh = |args: &[&str]| {
            let st = Command::new(args[0]).args(&args[1..]).status().unwrap();
            assert!(st.success(), "{args:?}");
        };
        let src = bundle.join("src");
        let shared = bundle.join("shared");
        fs::create_dir_all(src.join("sub")).unwrap();
        fs::write(src.join("marker"), "x").unwrap();
        fs::create_dir_all(&shared).unwrap();
        let mut mounts = Vec::new();
        for (p, make_shared) in [(src.join("sub"), false), (shared.clone(), true)] {
            sh(&["mount", "-t", "tmpfs", "tmpfs", p.to_str().unwrap()]);
            mounts.push(p.clone());
            if make_shared {
                sh(&["mount", "--make-shared", p.to_str().unwrap()]);
            }
        }
        fs::create_dir_all(shared.join("sub")).unwrap();
        sh(&[
            "mount",
            "-t",
            "tmpfs",
            "tmpfs",
            shared.join("sub").to_str().unwrap(),
        ]);
        mounts.push(shared.join("sub"));
        let link = bundle.join("link");
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink("/etc/passwd", &link).unwrap();
        Sources { mounts }
    }
}

impl Drop for Sources {
    fn drop(&mut self) {
        for m in self.mounts.iter().rev() {
            let _ = Command::new("umount").arg("-l").arg(m).status();
        }
    }
}

fn mount_for(word: &str, before: &[&str], carrier: Carrier, bundle: &Path) -> Value {
    let mut options: Vec<&str> = before.to_vec();
    options.push(word);
    let dest = format!("/opt/{word}");
    match (carrier, word) {
        (Carrier::Special, "tmpcopyup") => {
            json!({"destination": "/etc", "type": "tmpfs", "source": "tmpfs", "options": options})
        }
        (Carrier::Special, _) => {
            json!({"destination": dest, "type": "bind", "source": bundle.join("link"), "options": options})
        }
        (Carrier::Tmpfs, _) => {
            json!({"destination": dest, "type": "tmpfs", "source": "tmpfs", "options": options})
        }
        (Carrier::Bind | Carrier::SharedSource, _) => {
            let src = if carrier == Carrier::Bind {
                "src"
            } else {
                "shared"
            };
            let mut m = json!({"destination": dest, "type": "bind", "source": bundle.join(src), "options": options});
            if word.ends_with("idmap") {
                let map = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
                m["uidMappings"] = map.clone();
                m["gidMappings"] = map;
            }
            m
        }
    }
}

/// Validate, then run, one container carrying `words`; returns the
/// failures of their expectations.
fn try_words(env: &mut Env, words: &[String], root_propagation: &str, name: &str) -> Vec<String> {
    let bundle = env.bundle.clone();
    let cases: Vec<_> = words.iter().map(|w| (w.clone(), case(w))).collect();
    let shell: Vec<String> = cases
        .iter()
        .flat_map(|(_, (_, _, e, _))| e.iter())
        .filter_map(|e| match e {
            Shell(cmd) => Some(format!("{cmd} || echo 'FAILED {cmd}'")),
            _ => None,
        })
        .collect();
    env.edit(|c| {
        let mounts = c["mounts"].as_array_mut().unwrap();
        mounts.retain(|m| {
            m["destination"] != "/etc" && !m["destination"].as_str().unwrap().starts_with("/opt/")
        });
        for (w, (before, carrier, _, _)) in &cases {
            mounts.push(mount_for(w, before, *carrier, &bundle));
        }
        c["linux"]["rootfsPropagation"] = json!(root_propagation);
        c["root"]["readonly"] = json!(false);
        let mut script = shell.clone();
        script.push("echo ---; cat /proc/self/mountinfo".into());
        c["process"]["args"] = json!(["sh", "-c", script.join("; ")]);
    });
    let v = env.cmd(&["validate", "--bundle", env.bundle_str(), "--format", "json"]);
    if v.code != 0 {
        return vec![format!(
            "validate refused listed options {words:?}: {}",
            v.stdout
        )];
    }
    let id = env.id(name);
    let out = env.cmd(&["run", "--bundle", env.bundle_str(), &id]);
    if out.code != 0 {
        let _ = env.cmd(&["delete", "--force", &id]);
        return vec![format!(
            "validate accepted {words:?} but run failed: {}",
            out.stderr
        )];
    }
    let (shell_out, mi_text) = out.stdout.split_once("---\n").unwrap_or(("", &out.stdout));
    let mi = mountinfo(mi_text);
    let mut failures = Vec::new();
    for (w, (_, carrier, mount, sub)) in &cases {
        let at = if *carrier == Carrier::Special && w == "tmpcopyup" {
            "/etc".to_string()
        } else {
            format!("/opt/{w}")
        };
        for e in mount {
            if let Err(f) = check(*e, &at, &mi, shell_out) {
                failures.push(format!("{w}: {f}"));
            }
        }
        for e in sub {
            if let Err(f) = check(*e, &format!("{at}/sub"), &mi, shell_out) {
                failures.push(format!("{w} (submount): {f}"));
            }
        }
    }
    failures
}

#[test]
fn every_listed_mount_option_is_seen_in_mountinfo() {
    let words = listed();
    let mut env = Env::new(&["true"]);
    let sources = Sources::new(&env.bundle);
    let (on_shared, rest): (Vec<String>, Vec<String>) = words
        .iter()
        .cloned()
        .partition(|w| case(w).1 == Carrier::SharedSource);
    let mut failures = try_words(&mut env, &rest, "rprivate", "mnt-all");
    failures.extend(try_words(&mut env, &on_shared, "rslave", "mnt-shared"));
    // Name the culprit when a whole container failed.
    if failures
        .iter()
        .any(|f| f.contains("run failed") || f.contains("validate refused"))
    {
        for w in &words {
            let root = if on_shared.contains(w) {
                "rslave"
            } else {
                "rprivate"
            };
            let single = try_words(&mut env, std::slice::from_ref(w), root, "mnt-one");
            failures.extend(single.into_iter().map(|f| format!("alone: {f}")));
        }
    }
    drop(sources);
    assert!(failures.is_empty(), "{failures:#?}");
    eprintln!(
        "{} listed mount options validated, created and seen in mountinfo",
        words.len()
    );
}

/// The table and the document agree: each word is listed or refused.
#[test]
fn every_word_is_listed_or_refused() {
    let words = listed();
    for (w, k) in mount_options::WORDS {
        let refused = matches!(k, Kind::Refused(_));
        assert_eq!(words.iter().any(|l| l == w), !refused, "{w}");
    }
    for w in &words {
        assert!(
            mount_options::kind(w).is_some(),
            "{w} is listed but not in the table"
        );
    }
}

/// `validate` refuses with the path of the word, and `create` refuses with
/// the same one line, leaving nothing behind.
#[test]
fn refused_words_are_refused_by_validate_and_create_alike() {
    let mut env = Env::new(&["true"]);
    for (w, k) in mount_options::WORDS {
        let Kind::Refused(why) = k else { continue };
        env.edit(|c| {
            let mounts = c["mounts"].as_array_mut().unwrap();
            mounts.retain(|m| !m["destination"].as_str().unwrap().starts_with("/opt/"));
            mounts.push(json!({"destination": "/opt/x", "type": "tmpfs", "source": "tmpfs", "options": ["rw", w]}));
        });
        let v = env.cmd(&["validate", "--bundle", env.bundle_str(), "--format", "json"]);
        assert_eq!(v.code, 1, "{w}: {v:?}");
        let report = v.json();
        let errors: Vec<&Value> = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["severity"] == "error")
            .collect();
        assert_eq!(errors.len(), 1, "{w}: {report:#}");
        let last = env.config()["mounts"].as_array().unwrap().len() - 1;
        assert_eq!(
            errors[0]["path"],
            format!("mounts[{last}].options[1]"),
            "{w}"
        );
        let id = env.id("refused");
        env.create(&id)
            .fails_with(&[&format!("`{w}`"), why, "options[1]"]);
        assert!(common::leftovers(&env.root, &id, &env.bundle).is_empty());
    }
}
