//! Small syscall wrappers used outside the backends.

/// Effective uid of this process.
pub fn euid() -> u32 {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

/// Send `sig` to process `pid`.
pub fn kill(pid: i32, sig: i32) -> std::io::Result<()> {
    // SAFETY: kill takes plain integers and touches no memory of ours.
    if unsafe { libc::kill(pid, sig) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Run `job` in a grandchild of this process (re-parented to init, so that
/// nobody here ever has to reap it) and return once the intermediate child
/// has exited. The grandchild exits when `job` returns. Only for
/// single-threaded processes (every stockade process is).
pub fn spawn_orphan(job: impl FnOnce()) -> std::io::Result<()> {
    // SAFETY: the process is single-threaded, so the child may run Rust code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: as above; the intermediate child exits at once without
        // running destructors or atexit handlers of the parent's state.
        unsafe {
            if libc::fork() == 0 {
                job();
            }
            libc::_exit(0);
        }
    }
    let mut status = 0;
    // SAFETY: waits for the child forked above; `status` is a valid out-pointer.
    while unsafe { libc::waitpid(pid, &mut status, 0) } < 0 {
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}

/// Wait up to `timeout_ms` until one of `fds` is readable or hung up;
/// true if one is.
pub fn poll_any(fds: &[std::os::fd::BorrowedFd<'_>], timeout_ms: i32) -> bool {
    use std::os::fd::AsRawFd;
    let mut ps: Vec<libc::pollfd> = fds
        .iter()
        .map(|f| libc::pollfd {
            fd: f.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: `ps` holds `ps.len()` valid pollfd entries for the duration of the call.
    let n = unsafe { libc::poll(ps.as_mut_ptr(), ps.len() as libc::nfds_t, timeout_ms) };
    n > 0 && ps.iter().any(|p| p.revents != 0)
}

/// A pidfd for process `pid` (readable once the process has exited).
pub fn pidfd_open(pid: i32) -> std::io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes plain integers; on success it returns a new descriptor we own.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor owned by nobody else.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) })
}

/// Process-owned (POSIX, `fcntl`) write lock on the whole file: unlike
/// `flock`, it is not shared with children that inherit the descriptor, and
/// it goes away when this process exits. With `wait`, blocks until granted;
/// without, returns false at once if another process holds it.
pub fn lock(fd: std::os::fd::BorrowedFd<'_>, wait: bool) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: zero is a valid value for every field of struct flock.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = libc::F_WRLCK as _;
    fl.l_whence = libc::SEEK_SET as _;
    let cmd = if wait { libc::F_SETLKW } else { libc::F_SETLK };
    loop {
        // SAFETY: `fl` is a valid flock for the call.
        if unsafe { libc::fcntl(fd.as_raw_fd(), cmd, &mut fl) } == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) | Some(libc::EACCES) if !wait => return Ok(false),
            _ => return Err(e),
        }
    }
}

/// Point stdin, stdout and stderr at /dev/null (for a helper process that
/// must not keep its caller's pipes open).
pub fn stdio_to_dev_null() {
    use std::os::fd::AsRawFd;
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard descriptors; `null` stays open for the call.
            unsafe { libc::dup2(null.as_raw_fd(), fd) };
        }
    }
}
