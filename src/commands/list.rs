use super::{emit, print_json, runtime};
use crate::cli::{GlobalArgs, ListArgs, ListFormat};
use crate::error::Result;

#[inline(never)]
pub fn run(g: &GlobalArgs, a: &ListArgs) -> Result<i32> {
    let rows = runtime(g)?.list()?;
    // One write for the whole listing, not one per container.
    if a.quiet {
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        if !ids.is_empty() {
            emit(&ids.join("\n"))?;
        }
        return Ok(0);
    }
    match a.format {
        ListFormat::Json => print_json(&rows),
        ListFormat::Table => {
            use std::fmt::Write;
            let mut table = format!(
                "{:<30} {:>8} {:<10} {:<40} {:<32} OWNER",
                "ID", "PID", "STATUS", "BUNDLE", "CREATED"
            );
            for r in &rows {
                let _ = write!(
                    table,
                    "\n{:<30} {:>8} {:<10} {:<40} {:<32} {}",
                    r.id, r.pid, r.status, r.bundle, r.created, r.owner
                );
            }
            emit(&table)?;
            Ok(0)
        }
    }
}
