//! The front end every bundle goes through before any side effect:
//! load (read + parse) → normalize (to OCI Runtime Spec v1.3.0) → validate.
//!
//! The normalized document (`Bundle::doc`) is what backends consume; libcrun
//! gets it from memory, never by re-reading `config.json`.

mod diagnostic;
pub mod doc;
mod error;
pub mod freebsd;
mod freebsd_bridge;
mod freebsd_lint;
pub mod host;
mod json;
pub mod known;
mod load;
pub mod mount_options;
mod normalize;
pub mod path;
pub mod report;
mod suggest;
mod unknown;
mod validate;
pub mod version;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Severity};
pub use error::BundleError;
pub use report::{check_host, report, report_with, Input, ValidationReport};
pub use validate::lists;

/// The platform a bundle is prepared for; decides which platform objects are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Linux,
    FreeBsd,
}

impl Platform {
    /// The platform this binary runs containers on.
    pub fn host() -> Self {
        if cfg!(target_os = "freebsd") {
            Platform::FreeBsd
        } else {
            Platform::Linux
        }
    }

    /// `linux` or `freebsd`.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Linux => "linux",
            Platform::FreeBsd => "freebsd",
        }
    }
}

impl std::str::FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "linux" => Ok(Platform::Linux),
            "freebsd" => Ok(Platform::FreeBsd),
            other => Err(format!(
                "unknown platform `{other}` (expected linux or freebsd)"
            )),
        }
    }
}

/// A loaded, normalized and validated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Absolute bundle directory.
    pub dir: PathBuf,
    /// The normalized v1.3.0 document (`ociVersion` as given once checked,
    /// rootfs absolute, relative mount destinations resolved, annotations
    /// left intact apart from the FreeBSD bridge). The Linux backend's
    /// create and run take it once libcrun's config text is built.
    pub doc: doc::Value,
    /// `config.json`'s text as read, kept when `doc` means exactly what it
    /// says: normalization rewrote nothing, there is no byte-order mark, and
    /// no object repeats a key (parsers differ on which value of a repeated
    /// key counts, so such a text is only ever handed on re-serialized).
    /// A backend may pass it on instead of serializing `doc` again.
    pub verbatim: Option<String>,
    /// The v1.3.0 `freebsd` object (oci-spec has no type for it).
    pub freebsd: Option<freebsd::FreeBsd>,
    /// Warnings found on the way (errors make loading fail instead).
    pub warnings: Vec<Diagnostic>,
}

/// Whether `linux.namespaces` of a document lists a namespace of type
/// `kind` (a new one, or one joined by path).
pub fn has_namespace(doc: &doc::Value, kind: &str) -> bool {
    doc.pointer("/linux/namespaces")
        .and_then(doc::Value::as_array)
        .is_some_and(|ns| {
            ns.iter()
                .any(|n| n.get("type").and_then(|t| t.as_str()) == Some(kind))
        })
}

/// Load `<dir>/config.json` for `platform`: read, normalize, validate
/// (including that `root.path` is a directory). Creates nothing.
pub fn load(dir: &Path, platform: Platform) -> Result<Bundle, BundleError> {
    load::analyze_dir(dir, platform)?.into_bundle()
}

/// Load a config given as text, as if it were `<dir>/config.json`; reads no
/// files (so `root.path` is not checked for existence).
pub fn load_str(text: &str, dir: &Path, platform: Platform) -> Result<Bundle, BundleError> {
    load::analyze_str(text, dir, platform)?.into_bundle()
}
