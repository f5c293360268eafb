//! Many processes racing on one container id: every verb that changes a
//! container takes the container's lock, so the races serialize. Each
//! command either succeeds or fails with one clean line; no state is
//! corrupted, and once the dust settles the id works again and nothing is
//! left behind (not even the lock file).

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{leftovers, Env, Out};

/// The failures a racing verb may legitimately report.
const EXPECTED: &[&str] = &[
    "does not exist",
    "already exists",
    "container not running",
    "being created or deleted",
    "not in `created` or `stopped` state",
    "not created",
    "is not running",
];

fn check_clean(verb: &str, out: &Out) {
    assert!(out.code == 0 || out.code == 1, "{verb}: {out:?}");
    assert!(!out.stderr.contains("internal error"), "{verb}: {out:?}");
    assert!(!out.stderr.contains("panicked"), "{verb}: {out:?}");
    if out.code == 1 {
        assert_eq!(out.stderr.lines().count(), 1, "{verb}: {out:?}");
    }
}

#[test]
fn simultaneous_creates_of_one_id_one_wins() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("race-create");
    let outs: Vec<Out> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..12).map(|_| s.spawn(|| env.create(&id))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wins = outs.iter().filter(|o| o.code == 0).count();
    assert_eq!(wins, 1, "{outs:#?}");
    for o in outs.iter().filter(|o| o.code != 0) {
        o.fails_with(&["already exists", &id]);
    }
    assert_eq!(env.status(&id), "created");
    env.cmd(&["delete", "--force", &id]).ok();
}

#[test]
fn racing_lifecycle_verbs_on_one_id() {
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("race-all");
    let verbs: &[&[&str]] = &[
        &["create"],
        &["start"],
        &["kill", "KILL"],
        &["delete"],
        &["delete", "--force"],
        &["state"],
        &["pause"],
        &["resume"],
    ];
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let results = std::thread::scope(|s| {
        let hs: Vec<_> = (0..16)
            .map(|w| {
                let env = &env;
                let id = &id;
                s.spawn(move || {
                    let mut res = Vec::new();
                    for round in 0..12 {
                        let verb = verbs[(w * 7 + round * 3) % verbs.len()];
                        let mut args: Vec<&str> = verb.to_vec();
                        if verb[0] == "create" {
                            args.extend(["--bundle", env.bundle_str()]);
                        }
                        if verb[0] == "kill" {
                            args.insert(1, id);
                        } else {
                            args.push(id);
                        }
                        let out = env.cmd(&args);
                        res.push((verb.join(" "), out));
                    }
                    res
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    for (verb, out) in &results {
        check_clean(verb, out);
        let e = tally.entry(verb.clone()).or_default();
        if out.code == 0 {
            e.0 += 1;
        } else {
            e.1 += 1;
            assert!(
                EXPECTED.iter().any(|w| out.stderr.contains(w)),
                "{verb}: unexpected failure {out:?}"
            );
        }
    }
    eprintln!("racing verbs (ok, failed): {tally:?}");
    assert!(
        tally["create"].0 >= 1,
        "no create ever succeeded: {tally:?}"
    );
    // Whatever state the races left, it is readable and removable.
    let st = env.cmd(&["state", &id]);
    check_clean("state", &st);
    env.cmd(&["delete", "--force", &id]).ok();
    assert!(
        leftovers(&env.root, &id, &env.bundle).is_empty() || {
            std::thread::sleep(Duration::from_secs(1));
            leftovers(&env.root, &id, &env.bundle).is_empty()
        }
    );
    // And the id works again.
    env.create(&id).ok();
    env.cmd(&["start", &id]).ok();
    assert_eq!(env.status(&id), "running");
    env.cmd(&["delete", "--force", &id]).ok();
    let locks = env.root.join(".locks");
    let n = std::fs::read_dir(&locks).map(|d| d.count()).unwrap_or(0);
    assert_eq!(n, 0, "lock files left in {}", locks.display());
}

#[test]
fn delete_waits_for_a_create_in_progress() {
    // A createRuntime hook holds `create` inside libcrun for a moment; a
    // `delete --force` issued meanwhile must wait for it instead of
    // removing the half-made state directory under its feet.
    let mut env = Env::new(&["sleep", "100"]);
    let id = env.id("race-hold");
    env.edit(|c| {
        c["hooks"] = serde_json::json!({"createRuntime": [
            {"path": "/bin/sh", "args": ["sh", "-c", "sleep 1"]}
        ]})
    });
    std::thread::scope(|s| {
        let creator = s.spawn(|| env.create(&id));
        let t = std::time::Instant::now();
        while !env.root.join(&id).exists() {
            assert!(t.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(5));
        }
        let del = env.cmd(&["delete", "--force", &id]);
        let created = creator.join().unwrap();
        created.ok();
        del.ok();
    });
    // delete ran after create finished, so it removed a whole container.
    assert!(!env.root.join(&id).exists());
}
