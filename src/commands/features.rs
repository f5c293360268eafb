use super::{emit, state_root};
use crate::cli::GlobalArgs;
use crate::error::Result;
use crate::features::cache;

#[inline(never)]
pub fn run(g: &GlobalArgs) -> Result<i32> {
    emit(&cache::document_text(&state_root(g))?)?;
    Ok(0)
}
