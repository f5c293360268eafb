use clap::Parser;

use stockade::{backend, cli::Cli, commands, log};

fn main() {
    std::panic::set_hook(Box::new(|info| {
        log::report_error(&format!("internal error: {info}"));
        std::process::exit(1);
    }));
    let cli = match Cli::try_parse() {
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
