//! Verbs that take only a container id.

use super::{checked_id, print_json, runtime};
use crate::cli::GlobalArgs;
use crate::error::Result;

#[inline(never)]
pub fn start(g: &GlobalArgs, id: &str) -> Result<i32> {
    runtime(g)?.start(checked_id(id)?)?;
    Ok(0)
}

#[inline(never)]
pub fn state(g: &GlobalArgs, id: &str) -> Result<i32> {
    let st = runtime(g)?.state(checked_id(id)?)?;
    print_json(&st)
}

#[inline(never)]
pub fn pause(g: &GlobalArgs, id: &str) -> Result<i32> {
    runtime(g)?.pause(checked_id(id)?)?;
    Ok(0)
}

#[inline(never)]
pub fn resume(g: &GlobalArgs, id: &str) -> Result<i32> {
    runtime(g)?.resume(checked_id(id)?)?;
    Ok(0)
}
