use crate::backend::libcrun::LIBCRUN_VERSION;
use crate::bundle::version::MAX;

pub fn run() -> Result<i32, crate::error::Error> {
    super::emit(&format!("stockade version {}", env!("CARGO_PKG_VERSION")))?;
    super::emit(&format!("libcrun version {LIBCRUN_VERSION}"))?;
    super::emit(&format!("commit: {}", env!("STOCKADE_COMMIT")))?;
    super::emit(&format!("spec: {MAX}"))?;
    Ok(0)
}
