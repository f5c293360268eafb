use super::create::{load, options};
use super::{checked_id, runtime};
use crate::cli::{GlobalArgs, RunArgs};
use crate::error::Result;

/// Exits with the container's status unless detached.
#[inline(never)]
pub fn run(g: &GlobalArgs, a: &RunArgs) -> Result<i32> {
    let id = checked_id(&a.create.id)?;
    let rt = runtime(g)?;
    let mut b = load(id, &a.create)?;
    let out = rt.run(id, &mut b, &options(&a.create), a.detach, a.keep);
    super::exit_owns(b);
    out
}
