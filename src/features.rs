//! The OCI features document (`stockade features`).

use serde_json::{json, Value};

use crate::bundle::version;
use crate::error::Result;

pub fn document() -> Result<Value> {
    Ok(json!({
        "ociVersionMin": version::MIN,
        "ociVersionMax": version::MAX,
    }))
}
