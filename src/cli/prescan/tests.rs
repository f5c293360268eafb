use clap::CommandFactory;

use super::*;
use crate::cli::test_argv as argv;
use crate::cli::Cli;

/// Verbs that fork a process into a container.
const ENTERING_VERBS: &[&str] = &["create", "run", "exec"];

fn scan(words: &[&str]) -> bool {
    needs_cloned_binary(&argv(words))
}

/// The verb clap runs for these words, if the command line parses.
fn clap_verb(words: &[&str]) -> Option<String> {
    let m = Cli::command().try_get_matches_from(argv(words)).ok()?;
    m.subcommand_name().map(str::to_string)
}

#[test]
fn container_entering_verbs_clone_and_the_others_do_not() {
    for v in ENTERING_VERBS {
        assert!(scan(&[v, "id"]), "{v}");
        assert!(
            scan(&["--root", "/r", "--log=/l", "--debug", v, "id"]),
            "{v}"
        );
    }
    for v in HOST_ONLY_VERBS {
        assert!(!scan(&[v, "id"]), "{v}");
        assert!(
            !scan(&[
                "--root",
                "/r",
                "--log-format",
                "json",
                "--systemd-cgroup",
                v
            ]),
            "{v}"
        );
    }
    // what podman, conmon and containerd's shim pass
    assert!(!scan(&[
        "--root",
        "/run/stockade",
        "--log",
        "/x/log.json",
        "--log-format",
        "json",
        "--systemd-cgroup",
        "delete",
        "--force",
        "id"
    ]));
    assert!(scan(&[
        "--systemd-cgroup",
        "exec",
        "--pid-file",
        "/p",
        "--process",
        "/q",
        "id"
    ]));
}

#[test]
fn anything_not_recognised_clones() {
    assert!(scan(&["frobnicate"]));
    assert!(scan(&["--unknown-flag", "state", "id"]));
    assert!(scan(&["--", "state", "id"]));
    assert!(scan(&["-d", "state", "id"]));
    assert!(scan(&["State", "id"]));
    assert!(scan(&["state\0", "id"]));
    // an option's value is never taken for the verb
    assert!(scan(&["--root", "state", "create", "id"]));
    assert!(scan(&["--root=state", "run", "id"]));
    assert!(scan(&["--rootless", "--root", "state", "create", "id"]));
    assert!(scan(&["--rootless", "state", "create", "id"]));
    // no verb at all: clap prints help or usage and nothing runs
    assert!(!scan(&[]));
    assert!(!scan(&["--version"]));
}

/// Every global option clap knows is known to the scan, with the right
/// arity: a new option that takes a value would otherwise make its value
/// look like the verb.
#[test]
fn the_scan_knows_every_global_option() {
    let cmd = Cli::command();
    for arg in cmd.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        let long = format!("--{long}");
        let takes_value = arg.get_action().takes_values();
        let optional = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
        if !takes_value {
            assert!(FLAGS.contains(&long.as_str()), "{long} missing from FLAGS");
        } else if optional {
            assert_eq!(long, OPTIONAL_VALUE_OPTION, "{long}: optional value");
        } else {
            assert!(
                VALUE_OPTIONS.contains(&long.as_str()),
                "{long} missing from VALUE_OPTIONS"
            );
        }
        if let Some(short) = arg.get_short() {
            assert!(FLAGS.contains(&format!("-{short}").as_str()), "-{short}");
        }
    }
    for sub in cmd.get_subcommands() {
        for name in std::iter::once(sub.get_name()).chain(sub.get_all_aliases()) {
            assert!(
                HOST_ONLY_VERBS.contains(&name) != ENTERING_VERBS.contains(&name),
                "verb {name} must be classified exactly once"
            );
        }
    }
}

/// Against clap itself, on every combination of global options (both value
/// forms, optional values, values that look like verbs) in front of every
/// verb: whenever clap would run a verb that enters a container, the scan
/// says clone.
#[test]
fn the_scan_agrees_with_clap() {
    let prefixes: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--debug"],
        vec!["--root", "/r"],
        vec!["--root=/r"],
        vec!["--root", "create"],
        vec!["--root", "state"],
        vec!["--root", "--debug"],
        vec!["--log", "/l", "--log-format", "json"],
        vec!["--log-format=json", "--log-level", "debug"],
        vec!["--cgroup-manager", "systemd", "--criu", "x"],
        vec!["--systemd-cgroup", "--cgroup-manager=cgroupfs"],
        vec!["--rootless"],
        vec!["--rootless", "true"],
        vec!["--rootless=false"],
        vec!["--rootless", "state"],
        vec!["--rootless", "create"],
        vec!["--rootless", "--root", "state"],
        vec!["--rootless", "--debug"],
        vec!["-v"],
        vec!["--"],
    ];
    let mut verbs: Vec<&str> = HOST_ONLY_VERBS.to_vec();
    verbs.extend(ENTERING_VERBS);
    verbs.push("unknown");
    let tails: &[&[&str]] = &[&["id"], &["--bundle", "/b", "id"], &["id", "sh"], &[]];
    let mut checked = 0;
    for p in &prefixes {
        for v in &verbs {
            for t in tails {
                let mut words = p.clone();
                words.push(v);
                words.extend_from_slice(t);
                let clone = scan(&words);
                if let Some(ran) = clap_verb(&words) {
                    let ran = ran.as_str();
                    checked += 1;
                    if ENTERING_VERBS.contains(&ran) {
                        assert!(
                            clone,
                            "{words:?}: clap runs {ran}, the scan skips the clone"
                        );
                    } else {
                        assert!(HOST_ONLY_VERBS.contains(&ran), "{ran}");
                    }
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} command lines parsed");
}
