//! The `stockade` executable: parse the command line, set up logging, run
//! one verb, exit.
//!
//! Every OCI verb is a fresh short-lived process (`create`, `run` and `exec`
//! are executed twice: they re-execute from a read-only clone first, see
//! `cli::prescan`). Rust's runtime
//! set-up before `main` (stack-guard discovery by reading /proc/self/maps,
//! an alternate signal stack and stack-overflow handlers) is paid on every
//! call and buys a one-shot CLI nothing, so the C `main` is defined here
//! (`no_main`) and only its SIGPIPE setting is kept. The arguments are taken
//! from `main`'s own argc/argv: std fills `std::env::args()` from glibc's
//! start-up hook only on linux-gnu, and it is empty on FreeBSD and musl.
#![no_main]

use clap::Parser;

use stockade::{backend, cli, cli::Cli, commands, log, sys};

#[no_mangle]
extern "C" fn main(argc: std::ffi::c_int, argv: *const *const std::ffi::c_char) -> std::ffi::c_int {
    // SAFETY: the C runtime passes main argc valid NUL-terminated strings.
    let args = unsafe { sys::args_from_main(argc, argv) };
    // First, since it may exec: the verbs that put a process into a
    // container run from a read-only clone of the binary (CVE-2019-5736).
    if cli::prescan::needs_cloned_binary(&args) {
        if let Err(e) = backend::protect_binary() {
            log::report_error(&format!(
                "cannot re-execute from a read-only copy of the binary (CVE-2019-5736 protection): {e}"
            ));
            std::process::exit(1);
        }
    }
    sys::ignore_sigpipe();
    std::panic::set_hook(Box::new(|info| {
        log::report_error(&format!("internal error: {info}"));
        std::process::exit(1);
    }));
    // The plain command lines clients send skip clap (see `cli::fast`).
    let parsed = cli::fast::parse(&args).map_or_else(|| Cli::try_parse_from(args), Ok);
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let informational = matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            );
            std::process::exit(if informational { 0 } else { 1 });
        }
    };
    let g = &cli.global;
    let level = match log::level_from_flags(g.debug, g.log_level.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            log::report_error(&e);
            std::process::exit(1);
        }
    };
    if let Err(e) = log::init(g.log.as_deref(), g.log_format, level) {
        log::report_error(&format!("cannot open log file: {e}"));
        std::process::exit(1);
    }
    backend::init_logging(level);
    let code = match commands::execute(cli) {
        Ok(code) => code,
        Err(e) => {
            log::report_error(&e.to_string());
            1
        }
    };
    std::process::exit(code);
}
