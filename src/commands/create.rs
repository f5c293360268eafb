use super::{checked_id, runtime};
use crate::backend::CreateOptions;
use crate::bundle::{self, Platform};
use crate::cli::{CreateArgs, GlobalArgs};
use crate::error::{Error, Result};

pub fn options(a: &CreateArgs) -> CreateOptions {
    CreateOptions {
        pid_file: a.pid_file.clone(),
        console_socket: a.console_socket.clone(),
        preserve_fds: a.preserve_fds,
        no_pivot: a.no_pivot,
        no_new_keyring: a.no_new_keyring,
    }
}

/// Front end first: nothing is created for a bundle that does not load.
pub fn load(id: &str, a: &CreateArgs) -> Result<bundle::Bundle> {
    let b = bundle::load(&a.bundle, Platform::host()).map_err(|source| Error::Bundle {
        id: id.to_string(),
        source,
    })?;
    for w in &b.warnings {
        tracing::warn!("container `{id}`: {w}");
    }
    // What this host and backend cannot apply is refused, as `validate` reports it.
    bundle::check_host(&b, Platform::host()).map_err(|source| Error::Bundle {
        id: id.to_string(),
        source,
    })?;
    Ok(b)
}

#[inline(never)]
pub fn run(g: &GlobalArgs, a: &CreateArgs) -> Result<i32> {
    let id = checked_id(&a.id)?;
    let rt = runtime(g)?;
    let mut b = load(id, a)?;
    let out = rt.create(id, &mut b, &options(a));
    super::exit_owns(b);
    out.map(|()| 0)
}
