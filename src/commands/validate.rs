use super::{emit, print_json};
use crate::bundle::{self, Input, Platform};
use crate::cli::{ReportFormat, ValidateArgs, ValidatePlatform};
use crate::error::Result;

/// Reports every problem and what this host would do with each special
/// field; exits 0 only when the bundle would run.
pub fn run(a: &ValidateArgs) -> Result<i32> {
    let platform = match a.platform {
        Some(ValidatePlatform::Linux) => Platform::Linux,
        Some(ValidatePlatform::Freebsd) => Platform::FreeBsd,
        None => Platform::host(),
    };
    let report = bundle::report(Input::Dir(&a.bundle), platform);
    match a.format {
        ReportFormat::Json => {
            print_json(&report)?;
        }
        ReportFormat::Text => emit(report.to_text().trim_end())?,
    }
    Ok(report.exit_code())
}
