use crate::backend::libcrun::LIBCRUN_VERSION;
use crate::bundle::version::MAX;

pub fn run() -> Result<i32, crate::error::Error> {
    println!("stockade version {}", env!("CARGO_PKG_VERSION"));
    println!("libcrun version {LIBCRUN_VERSION}");
    println!("commit: {}", env!("STOCKADE_COMMIT"));
    println!("spec: {MAX}");
    Ok(0)
}
