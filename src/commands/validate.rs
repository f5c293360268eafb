use super::{emit, print_json};
use crate::bundle::{self, Platform};
use crate::cli::{ReportFormat, ValidateArgs, ValidatePlatform};
use crate::error::Result;

pub fn run(a: &ValidateArgs) -> Result<i32> {
    let platform = match a.platform {
        Some(ValidatePlatform::Linux) => Platform::Linux,
        Some(ValidatePlatform::Freebsd) => Platform::FreeBsd,
        None => Platform::host(),
    };
    let (ok, problems) = match bundle::load(&a.bundle, platform) {
        Ok(b) => (true, b.warnings),
        Err(e) => (false, e.problems()),
    };
    match a.format {
        ReportFormat::Json => {
            print_json(
                &serde_json::json!({ "ok": ok, "platform": platform.name(), "problems": problems }),
            )?;
        }
        ReportFormat::Text => {
            for p in &problems {
                emit(&format!("{:?}: {p}", p.severity))?;
            }
            emit(if ok {
                "bundle is valid"
            } else {
                "bundle is NOT valid"
            })?;
        }
    }
    Ok(if ok { 0 } else { 1 })
}
