//! Reading `config.json` and running the pipeline over it. Apart from
//! reading the file and looking at `root.path`, nothing here touches the
//! system: bad input creates nothing.

use std::path::{Path, PathBuf};

use crate::bundle::doc::Value;

use super::{normalize, validate, Bundle, BundleError, Diagnostic, Platform, Severity};

/// Everything the pipeline found, whether or not the bundle is usable.
pub(super) struct Outcome {
    /// The text, kept by `analyze_dir` only when `same_as_text`.
    pub text: Option<String>,
    pub dir: PathBuf,
    pub file: PathBuf,
    pub doc: Value,
    /// Whether `doc` says exactly what the text says (see `Bundle::verbatim`).
    pub same_as_text: bool,
    /// The document deserializes into the oci-spec types.
    pub typed: bool,
    pub freebsd: Option<super::freebsd::FreeBsd>,
    pub findings: Vec<Diagnostic>,
}

impl Outcome {
    pub fn into_bundle(self) -> Result<Bundle, BundleError> {
        let (errors, warnings): (Vec<_>, Vec<_>) = self
            .findings
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        if self.typed && errors.is_empty() {
            Ok(Bundle {
                dir: self.dir,
                doc: self.doc,
                verbatim: self.text,
                freebsd: self.freebsd,
                warnings,
            })
        } else {
            Err(BundleError::Invalid {
                file: self.file,
                problems: errors,
            })
        }
    }
}

/// Read and analyse `<dir>/config.json`; `root.path` must be a directory.
pub(super) fn analyze_dir(dir: &Path, platform: Platform) -> Result<Outcome, BundleError> {
    let dir = std::fs::canonicalize(dir).map_err(|source| BundleError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let file = dir.join("config.json");
    let bytes = read_capped(&file)?;
    let text = decode(&bytes, &file)?;
    let mut out = analyze(text, &dir, &file, platform)?;
    root_dir(&out.doc, &mut out.findings);
    if out.same_as_text {
        // Valid UTF-8 (decoded above): the bytes become the String as they are.
        out.text = String::from_utf8(bytes).ok();
    }
    Ok(out)
}

/// Largest config.json accepted. Real configs are kilobytes; the cap keeps a
/// hostile file from costing gigabytes of memory (parsing needs several
/// times the file's size) and fails fast with a clear message.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// Read at most `MAX_CONFIG_BYTES` (the size is checked on what is read, not
/// on metadata, so a growing file or a FIFO cannot slip past).
fn read_capped(file: &Path) -> Result<Vec<u8>, BundleError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |source| BundleError::Io {
        path: file.to_path_buf(),
        source,
    };
    // O_NONBLOCK: a FIFO must not make us wait for a writer.
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(file)
        .map_err(io)?;
    let meta = f.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let size = meta.len();
    let too_large = |size| BundleError::TooLarge {
        file: file.to_path_buf(),
        size,
        max: MAX_CONFIG_BYTES,
    };
    if size > MAX_CONFIG_BYTES {
        return Err(too_large(size));
    }
    // One byte more than the file: the text can become a C string for
    // libcrun in place (and reading it to the end needs no second buffer).
    let mut bytes = Vec::with_capacity(size as usize + 1);
    f.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Analyse `text` as if it were `<dir>/config.json`; reads no files.
pub(super) fn analyze_str(
    text: &str,
    dir: &Path,
    platform: Platform,
) -> Result<Outcome, BundleError> {
    analyze(text, dir, &dir.join("config.json"), platform)
}

fn analyze(
    text: &str,
    dir: &Path,
    file: &Path,
    platform: Platform,
) -> Result<Outcome, BundleError> {
    let mut findings = Vec::new();
    let (text, bom) = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            findings.push(Diagnostic::warning(
                "",
                "file starts with a byte-order mark (ignored)",
            ));
            (rest, true)
        }
        None => (text, false),
    };
    // Everything the checks allocate goes to a region given back whole
    // once the tree is gone (`sys::arena`): the tree (5 to 8 times its text,
    // measured: 200 mounts, podman-shaped, busybox) and the typed parse,
    // which is dropped once it has succeeded or said why not.
    let (parsed, normalized, checked) =
        crate::sys::arena::fill(text.len() * 12 + (16 << 10), || {
            let mut parsed = super::json::from_str(text)?;
            let normalized = normalize::normalize(&mut parsed.value, dir, platform);
            let checked = validate::validate(&parsed.value, platform, parsed.nul_escape);
            Ok::<_, serde_json::Error>((parsed, normalized, checked))
        })
        .map_err(|e| BundleError::Syntax {
            file: file.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: explain(&e.to_string()),
        })?;
    // What outlives the tree leaves the region, so that it can go back.
    findings.extend(normalized.findings.iter().cloned());
    findings.extend(checked.findings.iter().cloned());
    drop((normalized.findings, checked.findings));
    Ok(Outcome {
        dir: dir.to_path_buf(),
        file: file.to_path_buf(),
        text: None,
        same_as_text: !bom && !parsed.repeated_key && !normalized.changed,
        doc: parsed.value,
        typed: checked.typed,
        freebsd: checked.freebsd.clone(),
        findings,
    })
}

/// UTF-8 or a clear error naming the file and where the bad byte is.
fn decode<'a>(bytes: &'a [u8], file: &Path) -> Result<&'a str, BundleError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let column = good.len() - good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        BundleError::Encoding {
            file: file.to_path_buf(),
            line,
            column,
            offset: e.valid_up_to(),
        }
    })
}

/// `root.path` (absolute after normalization) must be an existing directory.
fn root_dir(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(p) = doc.pointer("/root/path").and_then(Value::as_str) else {
        return;
    };
    if p.is_empty() {
        return; // already reported by normalize
    }
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => out.push(Diagnostic::error(
            "root.path",
            format!("`{p}` is not a directory"),
        )),
        Err(e) => out.push(Diagnostic::error("root.path", format!("`{p}`: {e}"))),
    }
}

/// serde_json appends " at line L column C" (the error names those itself);
/// its recursion-limit message is made self-explanatory.
fn explain(msg: &str) -> String {
    let msg = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    };
    if msg == "recursion limit exceeded" {
        "nested more than 128 levels deep (recursion limit exceeded)".to_string()
    } else {
        msg.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_file_and_position() {
        let e = decode(b"{\n  \"a\": \"\xff\"}", Path::new("/b/config.json")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/b/config.json: not valid UTF-8 at line 2, column 9 (byte offset 10)"
        );
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let Err(e) = analyze_str("{\n \"ociVersion\": }", Path::new("/b"), Platform::Linux) else {
            panic!("accepted");
        };
        assert_eq!(
            e.to_string(),
            "/b/config.json: invalid JSON at line 2, column 16: expected value"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let Err(e) = analyze_str(&text, Path::new("/b"), Platform::Linux) else {
            panic!("accepted");
        };
        assert!(e.to_string().contains("nested more than 128 levels"), "{e}");
    }
}
