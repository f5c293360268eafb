use super::emit;
use crate::backend::backend_version;
use crate::bundle::version::MAX;
use crate::error::Result;

pub fn run() -> Result<i32> {
    emit(&format!("stockade version {}", env!("CARGO_PKG_VERSION")))?;
    emit(&backend_version())?;
    emit(&format!("commit: {}", env!("STOCKADE_COMMIT")))?;
    emit(&format!("spec: {MAX}"))?;
    Ok(0)
}
