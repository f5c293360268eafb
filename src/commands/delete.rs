use super::{checked_id, runtime};
use crate::cli::{DeleteArgs, GlobalArgs};
use crate::error::Result;

#[inline(never)]
pub fn run(g: &GlobalArgs, a: &DeleteArgs) -> Result<i32> {
    runtime(g)?.delete(checked_id(&a.id)?, a.force)?;
    Ok(0)
}
