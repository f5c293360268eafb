//! `process.terminal`: a pty whose terminal side becomes the container
//! process's controlling terminal and stdio, and whose controller side is
//! handed to the client over `--console-socket` (runc's protocol), sized
//! from `process.consoleSize` first. FreeBSD only.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;

use anyhow::{Context, Result};

use super::plan::ProcessPlan;
use super::sys;

pub struct Console {
    controller: OwnedFd,
    terminal: OwnedFd,
    name: String,
}

impl Console {
    /// A pty when the process asks for a terminal, else `None`.
    pub fn open(p: &ProcessPlan) -> Result<Option<Console>> {
        if !p.terminal {
            return Ok(None);
        }
        let (controller, terminal, name) = sys::open_pty().context("opening a pty")?;
        if let Some(size) = p.console_size {
            let clamp = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
            sys::set_winsize(&controller, clamp(size.height), clamp(size.width))
                .context("setting process.consoleSize")?;
        }
        Ok(Some(Console {
            controller,
            terminal,
            name,
        }))
    }

    /// The terminal side, for the child to adopt (the parent closes its copy).
    pub fn tty_fd(&self) -> RawFd {
        self.terminal.as_raw_fd()
    }

    /// Send the controller side to the client; our copies close on return.
    pub fn hand_over(self, socket: &Path) -> Result<()> {
        sys::send_fd(socket, &self.controller, &self.name)
            .with_context(|| format!("sending the pty to --console-socket {}", socket.display()))
    }
}
