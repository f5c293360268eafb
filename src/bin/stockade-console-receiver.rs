//! Test helper: the client end of `--console-socket`, for the FreeBSD host
//! suite (scripts/e2e-freebsd), where no podman/conmon is at hand.
//!
//! `stockade-console-receiver SOCKET OUT [INPUT]` listens on the unix socket
//! SOCKET, accepts one connection, receives the pty controller descriptor
//! (SCM_RIGHTS), writes INPUT to it if given, then copies everything the
//! terminal prints into the file OUT until the last terminal-side
//! descriptor is closed. The pty path sent along is printed on stderr.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixListener;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: stockade-console-receiver SOCKET OUT [INPUT]");
        std::process::exit(2);
    }
    if let Err(e) = run(&args[1], &args[2], args.get(3)) {
        eprintln!("stockade-console-receiver: {e}");
        std::process::exit(1);
    }
}

fn run(socket: &str, out: &str, input: Option<&String>) -> std::io::Result<()> {
    let _ = std::fs::remove_file(socket);
    let listener = UnixListener::bind(socket)?;
    let (conn, _) = listener.accept()?;
    let (fd, name) = receive_fd(conn.as_raw_fd())?;
    eprintln!("stockade-console-receiver: got {name}");
    let mut pty = std::fs::File::from(fd);
    if let Some(text) = input {
        pty.write_all(text.as_bytes())?;
    }
    let mut file = std::fs::File::create(out)?;
    let mut buf = [0u8; 4096];
    loop {
        match pty.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => file.write_all(&buf[..n])?,
            // EIO: every terminal-side descriptor is closed (the process exited).
            Err(e) if e.raw_os_error() == Some(libc::EIO) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// recvmsg(2) one message carrying one descriptor; returns it and the data.
fn receive_fd(sock: i32) -> std::io::Result<(OwnedFd, String)> {
    let mut data = [0u8; 512];
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    let mut cbuf = [0u64; 8];
    // SAFETY: msghdr is a plain C struct for which all-zero bytes are valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&cbuf) as _;
    // SAFETY: msg points at live buffers (data, cbuf) of the sizes given.
    let n = unsafe { libc::recvmsg(sock, &mut msg, 0) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the kernel filled msg_control; CMSG_FIRSTHDR checks its length.
    let cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    // SAFETY: cmsg is checked for NULL before being read.
    let ok = !cmsg.is_null()
        && unsafe {
            (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS
        };
    if !ok {
        return Err(std::io::Error::other("no descriptor in the message"));
    }
    // SAFETY: an SCM_RIGHTS message carries at least one int after its header.
    let raw = unsafe { std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>()) };
    // SAFETY: the descriptor was just received and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let name = String::from_utf8_lossy(&data[..n as usize]).into_owned();
    Ok((fd, name))
}
