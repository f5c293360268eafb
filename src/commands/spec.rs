use std::io::Write;

use crate::backend::default_spec;
use crate::cli::{SpecArgs, ValidatePlatform};
use crate::error::{Error, Result};

/// Writes `<bundle>/config.json`; refuses to overwrite one.
#[inline(never)]
pub fn run(a: &SpecArgs) -> Result<i32> {
    // `--platform freebsd` works on any OS (the jail template is pure).
    let text = match a.platform {
        Some(ValidatePlatform::Freebsd) => {
            crate::backend::jail::spec::default_spec(!a.rootless).map_err(Error::Other)?
        }
        Some(ValidatePlatform::Linux) if cfg!(not(target_os = "linux")) => {
            return Err(Error::Usage(
                "spec --platform linux: only the Linux build has the Linux template".into(),
            ))
        }
        _ => default_spec(!a.rootless)?,
    };
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
