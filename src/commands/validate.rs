use serde_json::Value;

use super::{checked_id, emit, print_json};
use crate::backend::jail;
use crate::bundle::{self, Input, Platform};
use crate::cli::{ReportFormat, ValidateArgs, ValidatePlatform};
use crate::error::Result;

/// Reports every problem and what this host would do with each special
/// field; exits 0 only when the bundle would run. For FreeBSD it also shows
/// the jail plan (computable on any OS).
pub fn run(a: &ValidateArgs) -> Result<i32> {
    let platform = match a.platform {
        Some(ValidatePlatform::Linux) => Platform::Linux,
        Some(ValidatePlatform::Freebsd) => Platform::FreeBsd,
        None => Platform::host(),
    };
    let id = checked_id(&a.id)?;
    let report = bundle::report(Input::Dir(&a.bundle), platform);
    let plan = match (platform, report.ok) {
        (Platform::FreeBsd, true) => bundle::load(&a.bundle, platform)
            .ok()
            .map(|b| jail::plan(&b, id)),
        _ => None,
    };
    let plan_ok = !matches!(plan, Some(Err(_)));
    match a.format {
        ReportFormat::Json => {
            let mut v = serde_json::to_value(&report).unwrap_or(Value::Null);
            match &plan {
                Some(Ok(p)) => v["plan"] = serde_json::to_value(p).unwrap_or(Value::Null),
                Some(Err(problems)) => {
                    v["ok"] = Value::Bool(false);
                    v["planProblems"] = serde_json::to_value(problems).unwrap_or(Value::Null);
                }
                None => {}
            }
            print_json(&v)?;
        }
        ReportFormat::Text => {
            emit(report.to_text().trim_end())?;
            match &plan {
                Some(Ok(p)) => emit(&format!(
                    "jail plan:\n{}",
                    serde_json::to_string_pretty(p).unwrap_or_default()
                ))?,
                Some(Err(problems)) => {
                    for p in problems {
                        emit(&format!("error: {p}"))?;
                    }
                }
                None => {}
            }
        }
    }
    Ok(if plan_ok { report.exit_code() } else { 1 })
}
