use super::print_json;
use crate::error::Result;

pub fn run() -> Result<i32> {
    print_json(&crate::features::document()?)
}
