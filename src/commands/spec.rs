use std::io::Write;

use crate::backend::default_spec;
use crate::cli::SpecArgs;
use crate::error::{Error, Result};

/// Writes `<bundle>/config.json`; refuses to overwrite one.
pub fn run(a: &SpecArgs) -> Result<i32> {
    let text = default_spec(!a.rootless)?;
    let path = a.bundle.join("config.json");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Error::io(format!("spec: create {}", path.display()), e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| Error::io(format!("spec: write {}", path.display()), e))?;
    Ok(0)
}
