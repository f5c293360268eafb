//! Why a bundle could not be loaded. Display is one line naming the file and,
//! where there is one, the JSON path or line/column.

use std::path::PathBuf;

use super::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{}: invalid JSON at line {line}, column {column}: {message}", file.display())]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{}: not valid UTF-8 at line {line}, column {column} (byte offset {offset})", file.display())]
    Encoding {
        file: PathBuf,
        line: usize,
        column: usize,
        offset: usize,
    },

    #[error("{}: {size} bytes is too large for a container config (at most {max} bytes)", file.display())]
    TooLarge { file: PathBuf, size: u64, max: u64 },

    #[error("{}: {}{}", file.display(), first(.problems), more(.problems))]
    Invalid {
        file: PathBuf,
        problems: Vec<Diagnostic>,
    },
}

impl BundleError {
    /// Every error-level finding (for `validate`, which reports them all).
    pub fn problems(&self) -> Vec<Diagnostic> {
        match self {
            BundleError::Invalid { problems, .. } => problems.clone(),
            other => vec![Diagnostic::error("", other.to_string())],
        }
    }
}

fn first(problems: &[Diagnostic]) -> String {
    problems
        .first()
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn more(problems: &[Diagnostic]) -> String {
    match problems.len() {
        0 | 1 => String::new(),
        n => format!(
            " (and {} more problem{}; run `stockade validate`)",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    }
}
