use super::{print_json, runtime};
use crate::cli::{GlobalArgs, ListArgs, ListFormat};
use crate::error::Result;

pub fn run(g: &GlobalArgs, a: &ListArgs) -> Result<i32> {
    let rows = runtime(g)?.list()?;
    if a.quiet {
        rows.iter().for_each(|r| println!("{}", r.id));
        return Ok(0);
    }
    match a.format {
        ListFormat::Json => print_json(&rows),
        ListFormat::Table => {
            println!(
                "{:<30} {:>8} {:<10} {:<40} {:<32} OWNER",
                "ID", "PID", "STATUS", "BUNDLE", "CREATED"
            );
            for r in &rows {
                println!(
                    "{:<30} {:>8} {:<10} {:<40} {:<32} {}",
                    r.id, r.pid, r.status, r.bundle, r.created, r.owner
                );
            }
            Ok(0)
        }
    }
}
