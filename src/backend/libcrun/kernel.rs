//! The syscalls behind the runtime-spec 1.3.0 additions the Linux backend
//! implements itself (network devices, memory policy): a thin, safe layer;
//! everything above it is plain Rust.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

fn last_err() -> io::Error {
    io::Error::last_os_error()
}

/// A `NETLINK_ROUTE` socket in the network namespace that was current when it was opened.
pub struct Netlink {
    fd: OwnedFd,
}

impl Netlink {
    pub fn open() -> io::Result<Netlink> {
        // SAFETY: socket() takes no pointers; the result is checked before use.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(last_err());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: sockaddr_nl is plain data; all-zero is a valid value.
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as u16;
        let len = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        // SAFETY: `sa` is a valid sockaddr_nl of `len` bytes for the duration of the call.
        let r = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                &sa as *const _ as *const libc::sockaddr,
                len,
            )
        };
        if r < 0 {
            return Err(last_err());
        }
        Ok(Netlink { fd })
    }

    /// Open a socket inside the network namespace `ns` (this process returns
    /// to its own namespace before this returns).
    pub fn open_in(ns: &File) -> io::Result<Netlink> {
        let own = File::open("/proc/thread-self/ns/net")?;
        setns(ns, libc::CLONE_NEWNET)?;
        let sock = Netlink::open();
        setns(&own, libc::CLONE_NEWNET).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot return to the runtime's network namespace: {e}"),
            )
        })?;
        sock
    }

    pub fn send(&self, msg: &[u8]) -> io::Result<()> {
        // SAFETY: `msg` is a valid buffer of msg.len() bytes for the duration of the call.
        let n = unsafe {
            libc::send(
                self.fd.as_raw_fd(),
                msg.as_ptr() as *const libc::c_void,
                msg.len(),
                0,
            )
        };
        if n < 0 {
            return Err(last_err());
        }
        Ok(())
    }

    /// One datagram (may hold several netlink messages).
    pub fn recv(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        buf.resize(64 * 1024, 0);
        loop {
            // SAFETY: `buf` is writable for buf.len() bytes for the duration of the call.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                    0,
                )
            };
            if n >= 0 {
                buf.truncate(n as usize);
                return Ok(n as usize);
            }
            let e = last_err();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

pub fn setns(ns: &File, kind: libc::c_int) -> io::Result<()> {
    // SAFETY: setns takes a descriptor we own and a flag; no memory is passed.
    if unsafe { libc::setns(ns.as_raw_fd(), kind) } < 0 {
        return Err(last_err());
    }
    Ok(())
}

/// (device, inode) of a namespace file: equal pairs are the same namespace.
pub fn ns_identity(path: &Path) -> io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok((m.dev(), m.ino()))
}

/// set_mempolicy(2) for the calling thread; `nodes` is the nodemask as 64-bit words.
pub fn set_mempolicy(mode: i32, nodes: &[u64]) -> io::Result<()> {
    let (mask, maxnode) = if nodes.is_empty() {
        (std::ptr::null(), 0)
    } else {
        // The kernel reads maxnode - 1 bits.
        (nodes.as_ptr(), nodes.len() as libc::c_ulong * 64 + 1)
    };
    // SAFETY: `mask` points to nodes.len() words (or is NULL with maxnode 0), read during the call.
    let r = unsafe { libc::syscall(libc::SYS_set_mempolicy, mode, mask, maxnode) };
    if r < 0 {
        return Err(last_err());
    }
    Ok(())
}

pub fn euid() -> u32 {
    crate::sys::euid()
}

/// umount2(path, MNT_DETACH).
pub fn umount_detach(path: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    if unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) } < 0 {
        return Err(last_err());
    }
    Ok(())
}
