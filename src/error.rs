//! The errors a command can end with. Display is the one line the user sees
//! (after `stockade: `); it names the container and the cause, using runc's
//! phrases where clients match on text ("does not exist", "container not running").

use crate::bundle::BundleError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The message names the id (see `id::validate_id`).
    #[error("{0}")]
    InvalidId(String),

    #[error("container `{id}` does not exist")]
    NotFound { id: String },

    #[error("container `{id}` already exists")]
    AlreadyExists { id: String },

    #[error("{op} `{id}`: container not running")]
    NotRunning { id: String, op: &'static str },

    #[error("container `{id}`: {source}")]
    Bundle { id: String, source: BundleError },

    #[error("{op} `{id}`: {msg}")]
    Backend {
        id: String,
        op: &'static str,
        msg: String,
    },

    #[error("{0}")]
    Usage(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },

    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
