//! The OCI v1.3.0 `freebsd` object (oci-spec has no type for it) and the
//! bridge from the legacy `org.freebsd.jail.*` annotations.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Diagnostic;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeBsd {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jail: Option<Value>,
}

/// Map legacy annotations into `doc.freebsd`; returns what it did or refused.
pub fn bridge_annotations(_doc: &mut Value) -> Vec<Diagnostic> {
    Vec::new()
}
