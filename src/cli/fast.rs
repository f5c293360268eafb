//! The command lines runtime clients send (podman/conmon, containerd's
//! shim, CRI-O), parsed without clap. Building clap's command tree and
//! parsing with it is a third of a short verb's user-space work (and most of
//! its heap); every OCI verb is a fresh process, so that is paid per call.
//!
//! clap stays the definition of the command line: this parser takes only
//! the plain forms of the common verbs' flags (`--flag`, `--opt VALUE`,
//! `--opt=VALUE`, `-x`, `-x VALUE`) and returns `None` for anything else —
//! an unknown or repeated flag, combined short flags, `--`, a value that
//! starts with `-` or is empty, help, version, non-UTF-8 — so that clap
//! parses it (and reports errors) as before. The tests hold its results to
//! clap's on every flag of every verb it takes.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::ValueEnum;

use super::{
    Cli, Command, CreateArgs, DeleteArgs, ExecArgs, GlobalArgs, IdArg, KillArgs, ListArgs,
    ListFormat, PsArgs, RunArgs, SpecArgs, ValidatePlatform,
};
use crate::log::Format;

/// The parse clap would give, if the command line is in the plain forms.
pub fn parse(args: &[OsString]) -> Option<Cli> {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|a| a.to_str())
        .collect::<Option<_>>()?;
    let (global, at) = globals(&words)?;
    let (verb, rest) = words[at..].split_first()?;
    let command = match *verb {
        "state" => Command::State(id_only(rest)?),
        "start" => Command::Start(id_only(rest)?),
        "pause" => Command::Pause(id_only(rest)?),
        "resume" => Command::Resume(id_only(rest)?),
        "delete" => Command::Delete(delete(rest)?),
        "kill" => Command::Kill(kill(rest)?),
        "list" | "ls" => Command::List(list(rest)?),
        "ps" => Command::Ps(ps(rest)?),
        "features" if rest.is_empty() => Command::Features,
        "create" => Command::Create(create(&scan(rest, CREATE, None)?)?),
        "run" => Command::Run(run(rest)?),
        "exec" => Command::Exec(exec(rest)?),
        "spec" => Command::Spec(spec(rest)?),
        _ => return None,
    };
    Some(Cli {
        global,
        command: Some(command),
    })
}

/// One flag the fast path knows: long name, short letter, takes a value,
/// may be repeated (clap's `Vec` arguments).
#[derive(Clone, Copy)]
struct Opt {
    long: &'static str,
    short: Option<char>,
    value: bool,
    multi: bool,
}

const fn flag(long: &'static str, short: Option<char>) -> Opt {
    Opt {
        long,
        short,
        value: false,
        multi: false,
    }
}

const fn value(long: &'static str, short: Option<char>) -> Opt {
    Opt {
        long,
        short,
        value: true,
        multi: false,
    }
}

const fn values(long: &'static str, short: Option<char>) -> Opt {
    Opt {
        long,
        short,
        value: true,
        multi: true,
    }
}

const GLOBAL: &[Opt] = &[
    value("root", None),
    value("log", None),
    value("log-format", None),
    flag("debug", None),
    value("log-level", None),
    flag("systemd-cgroup", None),
    value("cgroup-manager", None),
    value("criu", None),
];

const CREATE: &[Opt] = &[
    value("bundle", Some('b')),
    value("pid-file", None),
    value("console-socket", None),
    value("preserve-fds", None),
    flag("no-pivot", None),
    flag("no-new-keyring", None),
    flag("no-subreaper", None),
];

const RUN_ONLY: &[Opt] = &[flag("detach", Some('d')), flag("keep", None)];

const EXEC: &[Opt] = &[
    value("process", Some('p')),
    flag("detach", Some('d')),
    flag("tty", Some('t')),
    value("pid-file", None),
    value("console-socket", None),
    value("cwd", None),
    values("env", Some('e')),
    value("user", Some('u')),
    values("cap", Some('c')),
    flag("no-new-privs", None),
    flag("ignore-paused", None),
    value("preserve-fds", None),
];

/// Flags and positionals of one verb, in command-line order.
#[derive(Default)]
struct Scanned<'a> {
    opts: Vec<(&'static str, Option<&'a str>)>,
    positionals: Vec<&'a str>,
}

impl<'a> Scanned<'a> {
    /// Records a flag; a repeated one that clap would not accept twice
    /// goes to clap.
    fn push(&mut self, opt: &Opt, v: Option<&'a str>) -> Option<()> {
        if !opt.multi && self.has(opt.long) {
            return None;
        }
        self.opts.push((opt.long, v));
        Some(())
    }

    fn has(&self, long: &str) -> bool {
        self.opts.iter().any(|(l, _)| *l == long)
    }

    fn value(&self, long: &str) -> Option<&'a str> {
        self.opts.iter().find(|(l, _)| *l == long).and_then(|o| o.1)
    }

    fn all(&self, long: &str) -> Vec<String> {
        self.opts
            .iter()
            .filter(|(l, _)| *l == long)
            .filter_map(|(_, v)| v.map(str::to_string))
            .collect()
    }

    fn path(&self, long: &str) -> Option<PathBuf> {
        self.value(long).map(PathBuf::from)
    }

    fn string(&self, long: &str) -> Option<String> {
        self.value(long).map(str::to_string)
    }
}

/// Split `words` into known flags and positionals. With `trailing_after`,
/// once that many positionals are followed by one more, every later word
/// is a positional too (exec's command).
fn scan<'a>(
    words: &[&'a str],
    known: &[Opt],
    trailing_after: Option<usize>,
) -> Option<Scanned<'a>> {
    let mut s = Scanned::default();
    let mut i = 0;
    while let Some(&w) = words.get(i) {
        let n = s.positionals.len();
        if trailing_after.is_some_and(|t| n > t) || !w.starts_with('-') {
            s.positionals.push(w);
            i += 1;
            continue;
        }
        // Between exec's id and its command, a word starting with `-` is
        // for clap to place.
        if trailing_after == Some(n) {
            return None;
        }
        let (opt, v) = take_opt(words, &mut i, known)?;
        s.push(opt, v)?;
    }
    Some(s)
}

/// The flag at `words[*i]` (and its value), moving `i` past both.
fn take_opt<'a, 'k>(
    words: &[&'a str],
    i: &mut usize,
    known: &'k [Opt],
) -> Option<(&'k Opt, Option<&'a str>)> {
    let w = words[*i];
    *i += 1;
    let (opt, inline) = if let Some(long) = w.strip_prefix("--") {
        let (name, inline) = match long.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (long, None),
        };
        (known.iter().find(|o| o.long == name)?, inline)
    } else {
        let mut chars = w[1..].chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return None;
        };
        (known.iter().find(|o| o.short == Some(c))?, None)
    };
    let v = match (opt.value, inline) {
        (false, None) => None,
        (false, Some(_)) => return None,
        (true, Some(v)) => Some(v),
        (true, None) => {
            let v = *words.get(*i)?;
            *i += 1;
            Some(v)
        }
    };
    if v.is_some_and(|v| v.is_empty() || v.starts_with('-')) {
        return None;
    }
    Some((opt, v))
}

/// The global flags before the verb; returns them and the verb's index.
fn globals(words: &[&str]) -> Option<(GlobalArgs, usize)> {
    let mut g = Scanned::default();
    let mut at = 0;
    while words.get(at).is_some_and(|w| w.starts_with('-')) {
        let (opt, v) = take_opt(words, &mut at, GLOBAL)?;
        g.push(opt, v)?;
    }
    let log_format = g.value("log-format").map_or(Some(Format::Text), enum_arg)?;
    Some((
        GlobalArgs {
            root: g.path("root"),
            log: g.path("log"),
            log_format,
            debug: g.has("debug"),
            log_level: g.string("log-level"),
            systemd_cgroup: g.has("systemd-cgroup"),
            cgroup_manager: g.string("cgroup-manager"),
            rootless: None,
            criu: g.string("criu"),
            version: false,
        },
        at,
    ))
}

fn id_only(rest: &[&str]) -> Option<IdArg> {
    match rest {
        [id] if !id.starts_with('-') => Some(IdArg { id: id.to_string() }),
        _ => None,
    }
}

fn one_positional(s: &Scanned) -> Option<String> {
    match s.positionals[..] {
        [id] => Some(id.to_string()),
        _ => None,
    }
}

fn delete(rest: &[&str]) -> Option<DeleteArgs> {
    let s = scan(rest, &[flag("force", Some('f'))], None)?;
    Some(DeleteArgs {
        force: s.has("force"),
        id: one_positional(&s)?,
    })
}

fn kill(rest: &[&str]) -> Option<KillArgs> {
    let s = scan(rest, &[flag("all", Some('a'))], None)?;
    let (id, signal) = match s.positionals[..] {
        [id] => (id, "TERM"),
        [id, sig] => (id, sig),
        _ => return None,
    };
    Some(KillArgs {
        all: s.has("all"),
        id: id.to_string(),
        signal: signal.to_string(),
    })
}

/// A value of one of clap's value enums, as clap's parser takes it.
fn enum_arg<T: ValueEnum>(v: &str) -> Option<T> {
    T::from_str(v, false).ok()
}

fn list_format(v: Option<&str>) -> Option<ListFormat> {
    v.map_or(Some(ListFormat::Table), enum_arg)
}

fn list(rest: &[&str]) -> Option<ListArgs> {
    let s = scan(
        rest,
        &[value("format", Some('f')), flag("quiet", Some('q'))],
        None,
    )?;
    if !s.positionals.is_empty() {
        return None;
    }
    Some(ListArgs {
        format: list_format(s.value("format"))?,
        quiet: s.has("quiet"),
    })
}

fn ps(rest: &[&str]) -> Option<PsArgs> {
    let s = scan(rest, &[value("format", Some('f'))], None)?;
    Some(PsArgs {
        format: list_format(s.value("format"))?,
        id: one_positional(&s)?,
    })
}

fn spec(rest: &[&str]) -> Option<SpecArgs> {
    let s = scan(
        rest,
        &[
            flag("rootless", None),
            value("bundle", Some('b')),
            value("platform", None),
        ],
        None,
    )?;
    if !s.positionals.is_empty() {
        return None;
    }
    Some(SpecArgs {
        rootless: s.has("rootless"),
        bundle: s.path("bundle").unwrap_or_else(|| PathBuf::from(".")),
        platform: platform(s.value("platform"))?,
    })
}

/// `--platform`; `Some(None)` when absent.
fn platform(v: Option<&str>) -> Option<Option<ValidatePlatform>> {
    v.map_or(Some(None), |v| enum_arg(v).map(Some))
}

/// A count as clap's integer parser takes it (digits only here).
fn count(v: Option<&str>) -> Option<u32> {
    match v {
        None => Some(0),
        Some(v) if v.bytes().all(|b| b.is_ascii_digit()) => v.parse().ok(),
        Some(_) => None,
    }
}

fn create(s: &Scanned) -> Option<CreateArgs> {
    Some(CreateArgs {
        bundle: s.path("bundle").unwrap_or_else(|| PathBuf::from(".")),
        pid_file: s.path("pid-file"),
        console_socket: s.path("console-socket"),
        preserve_fds: count(s.value("preserve-fds"))?,
        no_pivot: s.has("no-pivot"),
        no_new_keyring: s.has("no-new-keyring"),
        no_subreaper: s.has("no-subreaper"),
        id: one_positional(s)?,
    })
}

fn run(rest: &[&str]) -> Option<RunArgs> {
    let known: Vec<Opt> = CREATE.iter().chain(RUN_ONLY).copied().collect();
    let s = scan(rest, &known, None)?;
    Some(RunArgs {
        create: create(&s)?,
        detach: s.has("detach"),
        keep: s.has("keep"),
    })
}

fn exec(rest: &[&str]) -> Option<ExecArgs> {
    let s = scan(rest, EXEC, Some(1))?;
    let (id, command) = s.positionals.split_first()?;
    Some(ExecArgs {
        process: s.path("process"),
        detach: s.has("detach"),
        tty: s.has("tty"),
        pid_file: s.path("pid-file"),
        console_socket: s.path("console-socket"),
        cwd: s.string("cwd"),
        env: s.all("env"),
        user: s.string("user"),
        cap: s.all("cap"),
        no_new_privs: s.has("no-new-privs"),
        additional_gids: Vec::new(),
        apparmor: None,
        process_label: None,
        cgroup: Vec::new(),
        ignore_paused: s.has("ignore-paused"),
        preserve_fds: count(s.value("preserve-fds"))?,
        id: id.to_string(),
        command: command.iter().map(|c| c.to_string()).collect(),
    })
}

#[cfg(test)]
mod tests;
