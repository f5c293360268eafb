use super::{checked_id, emit, print_json, runtime};
use crate::cli::{GlobalArgs, ListFormat, PsArgs};
use crate::error::Result;

#[inline(never)]
pub fn run(g: &GlobalArgs, a: &PsArgs) -> Result<i32> {
    let pids = runtime(g)?.pids(checked_id(&a.id)?)?;
    match a.format {
        ListFormat::Json => print_json(&pids),
        ListFormat::Table => {
            emit("PID")?;
            for p in &pids {
                emit(&p.to_string())?;
            }
            Ok(0)
        }
    }
}
