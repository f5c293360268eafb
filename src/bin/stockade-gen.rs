//! Writes the man pages and shell completions of the Debian package from the
//! clap definitions in `src/cli/` (the single source of truth), so they
//! cannot drift from the binary.  Run by `scripts/package`:
//!
//!   stockade-gen OUT-DIR
//!
//! OUT-DIR/man/stockade.1 and one stockade-VERB.1 per subcommand;
//! OUT-DIR/completions/{stockade.bash,_stockade,stockade.fish}.

use std::fs;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use stockade::cli::Cli;

fn main() {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: stockade-gen OUT-DIR");
        std::process::exit(2);
    };
    if let Err(e) = generate(&out) {
        eprintln!("stockade-gen: {e}");
        std::process::exit(1);
    }
}

fn command() -> clap::Command {
    // No page for clap's built-in `help` subcommand (it is `--help`).
    let mut cmd = Cli::command()
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_subcommand(true);
    // Fills in "stockade create" as each subcommand's usage name and
    // "stockade-create" as its page title.
    cmd.build();
    cmd
}

fn generate(out: &Path) -> std::io::Result<()> {
    let man = out.join("man");
    let completions = out.join("completions");
    fs::create_dir_all(&man)?;
    fs::create_dir_all(&completions)?;

    let cmd = command();
    write_page(&man, &cmd)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_page(&man, sub)?;
    }
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut command(), "stockade", &completions)?;
    }
    Ok(())
}

fn write_page(dir: &Path, cmd: &clap::Command) -> std::io::Result<()> {
    let title = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .title(title.to_uppercase())
        .section("1")
        .source(format!("stockade {}", env!("CARGO_PKG_VERSION")))
        .manual("stockade manual")
        .render(&mut page)?;
    fs::write(dir.join(format!("{title}.1")), page)
}
