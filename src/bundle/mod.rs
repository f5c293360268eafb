//! The front end every bundle goes through before any side effect:
//! load (read + parse) → normalize (to OCI Runtime Spec v1.3.0) → validate.
//!
//! The normalized document (`Bundle::doc`) is what backends consume; libcrun
//! gets it from memory, never by re-reading `config.json`.

mod diagnostic;
mod error;
pub mod freebsd;
mod freebsd_bridge;
mod freebsd_lint;
mod load;
mod normalize;
mod validate;
pub mod version;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Severity};
pub use error::BundleError;

/// The platform a bundle is prepared for; decides which platform objects are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    pub fn name(self) -> &'static str {
        match self {
            Platform::Linux => "linux",
            Platform::FreeBsd => "freebsd",
        }
    }
}

/// A loaded, normalized and validated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Absolute bundle directory.
    pub dir: PathBuf,
    /// The normalized v1.3.0 document (`ociVersion` rewritten to the
    /// accepted input version, rootfs absolute, annotations bridged).
    pub doc: serde_json::Value,
    /// Typed view of `doc`.
    pub spec: oci_spec::runtime::Spec,
    /// The v1.3.0 `freebsd` object (oci-spec has no type for it).
    pub freebsd: Option<freebsd::FreeBsd>,
    /// Warnings found on the way (errors make loading fail instead).
    pub warnings: Vec<Diagnostic>,
}

impl Bundle {
    /// The normalized document as JSON text, as handed to the backend.
    pub fn to_json(&self) -> String {
        self.doc.to_string()
    }
}

/// Load `<dir>/config.json` for `platform`.
pub fn load(dir: &Path, platform: Platform) -> Result<Bundle, BundleError> {
    load::from_dir(dir, platform)
}

/// Load a config given as text, as if it were `<dir>/config.json`; reads no files.
pub fn load_str(text: &str, dir: &Path, platform: Platform) -> Result<Bundle, BundleError> {
    load::from_str(text, dir, platform)
}
