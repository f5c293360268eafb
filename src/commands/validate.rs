use crate::bundle::{self, Platform};
use crate::cli::{ReportFormat, ValidateArgs, ValidatePlatform};
use crate::error::{Error, Result};

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
            let v =
                serde_json::json!({ "ok": ok, "platform": platform.name(), "problems": problems });
            println!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| Error::Other(e.to_string()))?
            );
        }
        ReportFormat::Text => {
            for p in &problems {
                println!("{:?}: {p}", p.severity);
            }
            println!(
                "{}",
                if ok {
                    "bundle is valid"
                } else {
                    "bundle is NOT valid"
                }
            );
        }
    }
    Ok(if ok { 0 } else { 1 })
}
