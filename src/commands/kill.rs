use super::{checked_id, runtime};
use crate::cli::{GlobalArgs, KillArgs};
use crate::error::{Error, Result};

#[inline(never)]
pub fn run(g: &GlobalArgs, a: &KillArgs) -> Result<i32> {
    let id = checked_id(&a.id)?;
    let sig =
        crate::signal::parse(&a.signal).map_err(|e| Error::Usage(format!("kill `{id}`: {e}")))?;
    runtime(g)?.kill(id, sig, a.all)?;
    Ok(0)
}
