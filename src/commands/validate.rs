use serde_json::Value;

use super::{checked_id, emit, print_json};
use crate::backend::jail;
use crate::bundle::{self, Input, Platform};
use crate::cli::{ReportFormat, ValidateArgs, ValidatePlatform};
use crate::error::Result;

/// Reports every problem and what this host would do with each special
/// field; exits 0 only when the bundle would run. For FreeBSD it also shows
/// the jail plan (computable on any OS).
#[inline(never)]
pub fn run(a: &ValidateArgs) -> Result<i32> {
    let platform = match a.platform {
        Some(ValidatePlatform::Linux) => Platform::Linux,
        Some(ValidatePlatform::Freebsd) => Platform::FreeBsd,
        None => Platform::host(),
    };
    let id = checked_id(&a.id)?;
    let mut report = bundle::report(Input::Dir(&a.bundle), platform);
    // The jail planner is computable on any OS; its findings join the
    // report (one list, one count, one verdict) and a plan is shown only
    // when it could be made.
    let plan = match (platform, report.ok) {
        (Platform::FreeBsd, true) => match bundle::load(&a.bundle, platform) {
            Ok(b) => match jail::plan(&b, id) {
                Ok(mut p) => {
                    report.absorb(std::mem::take(&mut p.warnings));
                    Some(p)
                }
                Err(problems) => {
                    report.absorb(problems);
                    None
                }
            },
            Err(e) => {
                report.absorb(vec![bundle::Diagnostic::error("", e.to_string())]);
                None
            }
        },
        _ => None,
    };
    match a.format {
        ReportFormat::Json => {
            let mut v = serde_json::to_value(&report).unwrap_or(Value::Null);
            if let Some(p) = &plan {
                v["plan"] = serde_json::to_value(p).unwrap_or(Value::Null);
            }
            print_json(&v)?;
        }
        ReportFormat::Text => {
            emit(report.to_text().trim_end())?;
            if let Some(p) = &plan {
                emit(&format!(
                    "jail plan:\n{}",
                    serde_json::to_string_pretty(p).unwrap_or_default()
                ))?;
            }
        }
    }
    Ok(report.exit_code())
}
