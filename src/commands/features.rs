use super::{emit, state_root};
use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::features::cache;

/// The document from the per-boot cache in the state root when its key
/// still matches this host and binary, else probed (and cached).
pub fn run(g: &GlobalArgs) -> Result<i32> {
    let root = state_root(g);
    let key = cache::current_key();
    if let Some(doc) = key.as_deref().and_then(|k| cache::load(&root, k)) {
        emit(&doc)?;
        return Ok(0);
    }
    let doc = serde_json::to_string_pretty(&crate::features::document()?)
        .map_err(|e| Error::Other(format!("cannot render JSON: {e}")))?;
    if let Some(k) = &key {
        cache::store(&root, k, &doc);
    }
    emit(&doc)?;
    Ok(0)
}
