//! Reading `config.json` and running the pipeline over it.

use std::path::{Path, PathBuf};

use super::{normalize, validate, Bundle, BundleError, Platform, Severity};

pub(super) fn from_dir(dir: &Path, platform: Platform) -> Result<Bundle, BundleError> {
    let dir = std::fs::canonicalize(dir).map_err(|source| BundleError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let file = dir.join("config.json");
    let text = std::fs::read_to_string(&file).map_err(|source| BundleError::Io {
        path: file.clone(),
        source,
    })?;
    from_str_at(&text, &dir, &file, platform)
}

pub(super) fn from_str(text: &str, dir: &Path, platform: Platform) -> Result<Bundle, BundleError> {
    from_str_at(text, dir, &dir.join("config.json"), platform)
}

fn from_str_at(
    text: &str,
    dir: &Path,
    file: &Path,
    platform: Platform,
) -> Result<Bundle, BundleError> {
    let mut doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| BundleError::Syntax {
            file: file.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })?;
    let mut findings = normalize::normalize(&mut doc, dir, platform);
    let typed = validate::validate(&doc, platform);
    findings.extend(typed.findings);

    let (errors, warnings): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    match typed.spec {
        Some(spec) if errors.is_empty() => Ok(Bundle {
            dir: PathBuf::from(dir),
            doc,
            spec,
            freebsd: typed.freebsd,
            warnings,
        }),
        _ => Err(BundleError::Invalid {
            file: file.to_path_buf(),
            problems: errors,
        }),
    }
}

/// serde_json appends " at line L column C"; the error names those itself.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
