use super::{emit, print_json, runtime};
use crate::cli::{GlobalArgs, ListArgs, ListFormat};
use crate::error::Result;

pub fn run(g: &GlobalArgs, a: &ListArgs) -> Result<i32> {
    let rows = runtime(g)?.list()?;
    if a.quiet {
        for r in &rows {
            emit(&r.id)?;
        }
        return Ok(0);
    }
    match a.format {
        ListFormat::Json => print_json(&rows),
        ListFormat::Table => {
            emit(&format!(
                "{:<30} {:>8} {:<10} {:<40} {:<32} OWNER",
                "ID", "PID", "STATUS", "BUNDLE", "CREATED"
            ))?;
            for r in &rows {
                emit(&format!(
                    "{:<30} {:>8} {:<10} {:<40} {:<32} {}",
                    r.id, r.pid, r.status, r.bundle, r.created, r.owner
                ))?;
            }
            Ok(0)
        }
    }
}
