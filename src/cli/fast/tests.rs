use std::ffi::OsString;

use clap::{CommandFactory, Parser};

use super::parse;
use crate::cli::test_argv as argv;
use crate::cli::Cli;

/// Whenever the fast path answers, clap gives the very same parse.
/// Returns whether the fast path answered.
fn agrees(words: &[&str]) -> bool {
    let args = argv(words);
    let Some(fast) = parse(&args) else {
        return false;
    };
    let clap = Cli::try_parse_from(&args)
        .unwrap_or_else(|e| panic!("{words:?}: the fast path parsed what clap refuses: {e}"));
    assert_eq!(format!("{fast:?}"), format!("{clap:?}"), "{words:?}");
    true
}

const GLOBALS: &[&[&str]] = &[
    &[],
    &["--root", "/r"],
    &["--root=/r", "--debug"],
    &["--log", "/l", "--log-format", "json"],
    &["--log-format=text", "--log-level", "debug"],
    &["--systemd-cgroup", "--cgroup-manager", "systemd"],
    &["--cgroup-manager=cgroupfs", "--criu", "x"],
    &[
        "--root",
        "/run/x",
        "--log",
        "/l",
        "--log-format",
        "json",
        "--systemd-cgroup",
    ],
];

/// Verb lines the fast path must take (what runtime clients send).
const TAKEN: &[&[&str]] = &[
    &["state", "c"],
    &["start", "c"],
    &["pause", "c"],
    &["resume", "c"],
    &["delete", "c"],
    &["delete", "--force", "c"],
    &["delete", "-f", "c"],
    &["delete", "c", "--force"],
    &["kill", "c"],
    &["kill", "c", "KILL"],
    &["kill", "--all", "c", "9"],
    &["kill", "-a", "c"],
    &["kill", "c", "-a", "SIGTERM"],
    &["list"],
    &["ls", "-q"],
    &["list", "--format", "json"],
    &["list", "-f", "table", "--quiet"],
    &["list", "--format=json"],
    &["ps", "c"],
    &["ps", "--format", "json", "c"],
    &["ps", "c", "-f", "table"],
    &["features"],
    &["spec"],
    &["spec", "--rootless", "--bundle", "/b"],
    &["spec", "-b", "/b"],
    &["spec", "--platform", "freebsd", "-b", "/b"],
    &["spec", "--platform=linux"],
    &["create", "c"],
    &["create", "--bundle", "/b", "c"],
    &["create", "c", "--bundle=/b"],
    &[
        "create",
        "-b",
        "/b",
        "--pid-file",
        "/p",
        "--console-socket",
        "/s",
        "--preserve-fds",
        "3",
        "--no-pivot",
        "--no-new-keyring",
        "--no-subreaper",
        "c",
    ],
    &["run", "--bundle", "/b", "c"],
    &["run", "-d", "--bundle", "/b", "--pid-file", "/p", "c"],
    &["run", "--detach", "--keep", "c", "--no-pivot"],
    &["exec", "c", "sh"],
    &["exec", "c", "sh", "-c", "echo --root x; exit 3"],
    &["exec", "c", "ls", "--", "-l"],
    &[
        "exec",
        "--process",
        "/p",
        "--detach",
        "--pid-file",
        "/x",
        "c",
    ],
    &["exec", "-p", "/p", "-d", "c"],
    &[
        "exec",
        "-e",
        "A=1",
        "--env",
        "B=2",
        "--env=C=3",
        "-u",
        "1:1",
        "--cap",
        "CAP_KILL",
        "-c",
        "CAP_CHOWN",
        "--cwd",
        "/w",
        "-t",
        "--no-new-privs",
        "--ignore-paused",
        "--preserve-fds",
        "2",
        "--console-socket",
        "/s",
        "c",
        "ls",
        "-l",
    ],
];

#[test]
fn client_command_lines_take_the_fast_path_and_parse_as_clap_does() {
    for g in GLOBALS {
        for v in TAKEN {
            let words: Vec<&str> = g.iter().chain(v.iter()).copied().collect();
            assert!(agrees(&words), "{words:?} should take the fast path");
        }
    }
}

/// What the fast path leaves to clap (or, if it answers, answers as clap).
#[test]
fn unusual_command_lines_go_to_clap() {
    let odd: &[&[&str]] = &[
        &[],
        &["--root"],
        &["--root", "--debug", "state", "c"],
        &["--root=", "state", "c"],
        &["--debug", "--debug", "state", "c"],
        &["--unknown", "state", "c"],
        &["--rootless", "state", "c"],
        &["--rootless=true", "state", "c"],
        &["-v"],
        &["--version", "state", "c"],
        &["--help"],
        &["state", "--help"],
        &["state"],
        &["state", "a", "b"],
        &["state", "-x"],
        &["kill", "c", "-9"],
        &["kill", "c", "TERM", "extra"],
        &["delete", "--force=true", "c"],
        &["delete", "-f", "-f", "c"],
        &["delete", "-ff", "c"],
        &["list", "-fjson"],
        &["list", "--format", "yaml"],
        &["list", "x"],
        &["--log-format", "yaml", "state", "c"],
        &["create", "--preserve-fds", "+3", "c"],
        &["create", "--preserve-fds", "-1", "c"],
        &["create", "--preserve-fds", "99999999999", "c"],
        &["create", "--bundle", "c"],
        &["create"],
        &["create", "a", "b"],
        &["run", "-dt", "c"],
        &["exec", "c", "-t", "sh"],
        &["exec", "c", "--", "sh"],
        &["exec", "--", "c", "sh"],
        &["exec", "-g", "1,2", "c", "sh"],
        &["exec", "--cgroup", "pids:/x", "c", "sh"],
        &["exec", "--apparmor", "p", "c", "sh"],
        &["exec", "--user", "-1", "c", "sh"],
        &["exec", "-"],
        &["features", "x"],
        &["spec", "x"],
        &["spec", "--platform", "plan9"],
        &["update", "c"],
        &["validate"],
        &["frobnicate", "c"],
        &["State", "c"],
    ];
    for words in odd {
        agrees(words);
    }
    // non-UTF-8 goes to clap, which keeps paths as OS strings
    let args: Vec<OsString> = vec![
        "stockade".into(),
        "--root".into(),
        std::os::unix::ffi::OsStringExt::from_vec(b"/r\xff".to_vec()),
        "state".into(),
        "c".into(),
    ];
    assert!(parse(&args).is_none());
}

/// Every flag of every verb the fast path takes is either parsed by it (and
/// held to clap's result) or named here as clap's alone: a flag added to
/// one of these verbs fails this test until it is placed.
#[test]
fn every_flag_of_a_fast_verb_is_placed() {
    const CLAP_ONLY: &[(&str, &str)] = &[
        ("exec", "additional-gids"),
        ("exec", "apparmor"),
        ("exec", "process-label"),
        ("exec", "cgroup"),
    ];
    let sample = |long: &str| match long {
        "preserve-fds" => "2",
        "format" => "json",
        "env" => "A=1",
        "user" => "0:0",
        "cap" => "CAP_KILL",
        "platform" => "freebsd",
        _ => "/x",
    };
    let cmd = Cli::command();
    for verb in [
        "state", "start", "pause", "resume", "delete", "kill", "list", "ps", "features", "spec",
        "create", "run", "exec",
    ] {
        let sub = cmd.find_subcommand(verb).unwrap();
        let positionals: Vec<&str> = match verb {
            "list" | "features" | "spec" => vec![],
            "exec" => vec!["c", "sh"],
            _ => vec!["c"],
        };
        for arg in sub.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if long == "help" {
                continue;
            }
            let flag = format!("--{long}");
            let mut words = vec![verb, flag.as_str()];
            if arg.get_action().takes_values() {
                words.push(sample(long));
            }
            words.extend(&positionals);
            let taken = agrees(&words);
            let clap_only = CLAP_ONLY.contains(&(verb, long));
            assert!(
                taken != clap_only,
                "{verb} --{long}: taken by the fast path: {taken}, listed as clap's: {clap_only}"
            );
        }
    }
}
