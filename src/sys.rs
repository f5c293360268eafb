//! Small syscall wrappers used outside the backends.

pub mod arena;
pub mod pseudo_file;

/// Effective uid of this process.
pub fn euid() -> u32 {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

/// The running kernel as uname(2) names it.
pub struct Uname {
    pub release: String,
    /// Build number and date.
    pub version: String,
    pub machine: String,
}

/// uname(2), if it answers.
pub fn uname() -> Option<Uname> {
    // SAFETY: zero is a valid value for every field of struct utsname.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid out-buffer; uname only fails on a bad pointer.
    if unsafe { libc::uname(&mut u) } != 0 {
        return None;
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Some(Uname {
        release: field(&u.release),
        version: field(&u.version),
        machine: field(&u.machine),
    })
}

/// When this boot began, in whole seconds of wall-clock time: the real-time
/// clock less the time since boot (suspended time included). A clock step
/// moves it; that only ever looks like another boot.
#[cfg(target_os = "linux")]
pub fn boot_time() -> Option<i64> {
    let now = |clock| {
        // SAFETY: zero is a valid timespec.
        let mut t: libc::timespec = unsafe { std::mem::zeroed() };
        // SAFETY: `t` is a valid out-buffer and `clock` a clock id Linux knows.
        (unsafe { libc::clock_gettime(clock, &mut t) } == 0)
            .then(|| t.tv_sec as i64 * 1_000_000_000 + t.tv_nsec as i64)
    };
    let boot_ns = now(libc::CLOCK_REALTIME)? - now(libc::CLOCK_BOOTTIME)?;
    Some((boot_ns + 500_000_000).div_euclid(1_000_000_000))
}

/// Not Linux: not known here (nothing per boot is cached).
#[cfg(not(target_os = "linux"))]
pub fn boot_time() -> Option<i64> {
    None
}

/// Does the running kernel accept `flags` for `seccomp(SECCOMP_SET_MODE_FILTER)`?
/// Probed without installing anything: a NULL program makes the kernel fail
/// with EFAULT once the flags passed its check, and with EINVAL before.
#[cfg(target_os = "linux")]
pub fn seccomp_filter_flags_known(flags: u64) -> bool {
    // SAFETY: the NULL program pointer is never dereferenced in user space;
    // the kernel rejects the call (EFAULT or EINVAL) without side effects.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER as libc::c_ulong,
            flags as libc::c_ulong,
            std::ptr::null::<libc::c_void>(),
        )
    };
    ret < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EFAULT)
}

/// Can this process attach an id-mapped clone of the mount at `dir`?
/// A throw-away child creates a user namespace (uid/gid 0 mapped to 65534),
/// the mount is cloned detached with `open_tree` and `mount_setattr` asks
/// for MOUNT_ATTR_IDMAP; nothing is ever attached to the mount tree. False
/// on any failure (old kernel, file system without idmap support, no
/// privilege).
#[cfg(target_os = "linux")]
pub fn idmapped_mount_works(dir: &std::path::Path) -> bool {
    use std::ffi::CString;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;

    let Ok(cdir) = CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 writes two fds into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return false;
    }
    // SAFETY: both fds were just created and are owned here only.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the child only calls async-signal-safe functions and _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return false;
    }
    if pid == 0 {
        // SAFETY: child side: close our copy of the write end, unshare, then
        // block until the parent closes its write end (read returns 0) and
        // exit without running any destructor.
        unsafe {
            libc::close(wr.as_raw_fd());
            if libc::unshare(libc::CLONE_NEWUSER) == 0 {
                let mut b = 0u8;
                libc::read(rd.as_raw_fd(), &mut b as *mut u8 as *mut libc::c_void, 1);
            }
            libc::_exit(0);
        }
    }
    drop(rd);
    let result = idmap_probe_parent(pid, &cdir);
    // Closing the write end lets the child exit.
    drop(wr);
    let mut status = 0;
    // SAFETY: reaps the child we forked; it exits once the pipe is closed.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    result
}

#[cfg(target_os = "linux")]
fn idmap_probe_parent(pid: libc::pid_t, dir: &std::ffi::CStr) -> bool {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    // Wait (at most ~1 s) until the child is in a user namespace of its own.
    let own = std::fs::read_link("/proc/self/ns/user").ok();
    let ns_path = format!("/proc/{pid}/ns/user");
    let mut ready = false;
    for _ in 0..1000 {
        match std::fs::read_link(&ns_path) {
            Ok(l) if Some(&l) != own.as_ref() => {
                ready = true;
                break;
            }
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(1)),
            Err(_) => return false,
        }
    }
    if !ready {
        return false;
    }
    for map in ["uid_map", "gid_map"] {
        if std::fs::write(format!("/proc/{pid}/{map}"), "0 65534 1\n").is_err() {
            return false;
        }
    }
    let Ok(userns) = std::fs::File::open(&ns_path) else {
        return false;
    };
    // SAFETY: open_tree takes a valid path and returns a new fd (or -1).
    let tree = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            dir.as_ptr(),
            (OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint) as libc::c_uint,
        )
    };
    if tree < 0 {
        return false;
    }
    // SAFETY: open_tree returned a fresh fd that we own.
    let tree = unsafe { OwnedFd::from_raw_fd(tree as libc::c_int) };
    let attr = MountAttr {
        attr_set: MOUNT_ATTR_IDMAP,
        attr_clr: 0,
        propagation: 0,
        userns_fd: userns.as_raw_fd() as u64,
    };
    // SAFETY: `attr` is a valid mount_attr of the size we pass; "" with
    // AT_EMPTY_PATH names the detached tree itself.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            tree.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH as libc::c_uint,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    ret == 0
}

#[cfg(target_os = "linux")]
const OPEN_TREE_CLONE: libc::c_uint = 1;
#[cfg(target_os = "linux")]
const MOUNT_ATTR_IDMAP: u64 = 0x0010_0000;

/// `struct mount_attr` (linux/mount.h, MOUNT_ATTR_SIZE_VER0).
#[cfg(target_os = "linux")]
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// SIGKILL process `pid` if it is still the one that started at
/// `start_time` (see `proc_stat`) and has not exited; says whether it was
/// signalled. The pidfd is opened before the check, so the signal cannot
/// reach a process that took the pid over after it.
#[cfg(target_os = "linux")]
pub fn kill_if_started_at(pid: i32, start_time: u64) -> bool {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    // SAFETY: pidfd_open takes a pid and flags; a non-negative result is an fd we own.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return false;
    }
    // SAFETY: `fd` was just returned by pidfd_open and nothing else owns it.
    let pidfd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    if !crate::proc_stat::started_at_and_alive(pid, start_time) {
        return false;
    }
    // SAFETY: a pidfd we own, a plain signal number, no siginfo, no flags.
    let sent = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            libc::SIGKILL,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    sent == 0
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

/// Ignore SIGPIPE, so that writing to a closed pipe is an EPIPE error the
/// caller can handle (what Rust's runtime does before `main`; the binary
/// skips that runtime, see `main.rs`). libcrun restores the default in the
/// container process.
pub fn ignore_sigpipe() {
    // SAFETY: installs SIG_IGN, a disposition with no handler code to run.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// `fs_magic` of a cgroup v2 mount.
pub const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;
/// `fs_magic` of a cgroup v1 hierarchy.
pub const CGROUP_SUPER_MAGIC: i64 = 0x0027_e0eb;

/// The file system type (`statfs` f_type) of `path`, if it can be read.
#[cfg(target_os = "linux")]
pub fn fs_magic(path: &std::path::Path) -> Option<i64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: zero is a valid value for every field of struct statfs.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `st` a valid out-buffer for the call.
    if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_type as i64)
}

/// Not Linux: no cgroup or resctrl file systems to recognise.
#[cfg(not(target_os = "linux"))]
pub fn fs_magic(_path: &std::path::Path) -> Option<i64> {
    None
}

/// The command line as the C `main` received it. std reads argv through
/// glibc's start-up hook only on linux-gnu; on FreeBSD and musl
/// `std::env::args()` is empty under `no_main`, so argv is taken from here.
///
/// # Safety
/// `argv` must point to `argc` valid NUL-terminated strings, as the C
/// runtime passes them to `main`.
pub unsafe fn args_from_main(
    argc: libc::c_int,
    argv: *const *const libc::c_char,
) -> Vec<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    if argv.is_null() {
        return Vec::new();
    }
    (0..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: the caller guarantees argv[0..argc] are valid C strings.
            let arg = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
            std::ffi::OsStr::from_bytes(arg.to_bytes()).to_os_string()
        })
        .collect()
}

/// Pseudo-terminals and `--console-socket` (runc's protocol): used by the
/// jail backend on FreeBSD, plain POSIX, so tested on Linux too.
mod pty {
    use std::ffi::{CStr, CString};
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::path::Path;

    use libc::{c_int, c_void};

    /// A new pseudo-terminal: (controller side, terminal side, terminal path).
    /// Both descriptors are close-on-exec.
    pub fn open_pty() -> io::Result<(OwnedFd, OwnedFd, String)> {
        // SAFETY: posix_openpt takes flags only; the descriptor is owned right away.
        let m = unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
        if m < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: m is a fresh descriptor nobody else owns.
        let master = unsafe { OwnedFd::from_raw_fd(m) };
        // SAFETY: grantpt/unlockpt take the descriptor only.
        if unsafe { libc::grantpt(m) } != 0 || unsafe { libc::unlockpt(m) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: ptsname returns a pointer to a static buffer (or NULL), copied at once; the runtime is single-threaded.
        let name = unsafe {
            let p = libc::ptsname(m);
            if p.is_null() {
                return Err(io::Error::last_os_error());
            }
            CStr::from_ptr(p).to_string_lossy().into_owned()
        };
        let cname = CString::new(name.as_str())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pty name contains NUL"))?;
        // SAFETY: cname is a valid path; the descriptor is owned right away.
        let s = unsafe {
            libc::open(
                cname.as_ptr(),
                libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
            )
        };
        if s < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: s is a fresh descriptor nobody else owns.
        Ok((master, unsafe { OwnedFd::from_raw_fd(s) }, name))
    }

    /// Set a terminal's size (rows, columns).
    pub fn set_winsize(fd: &OwnedFd, rows: u16, cols: u16) -> io::Result<()> {
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads one struct winsize, which `ws` is.
        if unsafe {
            libc::ioctl(
                fd.as_raw_fd(),
                libc::TIOCSWINSZ,
                &ws as *const libc::winsize,
            )
        } != 0
        {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Hand `fd` to the client listening on the unix socket `path` (the
    /// `--console-socket` protocol of runc: one message, the descriptor as
    /// SCM_RIGHTS, the terminal's path as data).
    pub fn send_fd(path: &Path, fd: &OwnedFd, name: &str) -> io::Result<()> {
        let sock = std::os::unix::net::UnixStream::connect(path)?;
        let data = name.as_bytes();
        let mut iov = libc::iovec {
            iov_base: data.as_ptr() as *mut c_void,
            iov_len: data.len(),
        };
        // SAFETY: CMSG_SPACE only computes a size.
        let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<c_int>() as u32) } as usize;
        let mut cbuf = vec![0u64; space.div_ceil(8)];
        // SAFETY: msghdr is a plain C struct for which all-zero bytes are valid.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        // SAFETY: msg_control points at `space` zeroed bytes, room for one header and one int.
        unsafe {
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<c_int>() as u32) as _;
            std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<c_int>(), fd.as_raw_fd());
        }
        // SAFETY: msg and everything it points to live across the call.
        if unsafe { libc::sendmsg(sock.as_raw_fd(), &msg, 0) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::io::{Read, Write};
        use std::os::unix::net::UnixListener;

        /// The controller side arrives over the socket and talks to the
        /// terminal side; the data carries the terminal's path.
        #[test]
        fn pty_is_handed_over_a_console_socket() {
            let dir = tempfile::tempdir().unwrap();
            let sock = dir.path().join("console.sock");
            let listener = UnixListener::bind(&sock).unwrap();
            let (controller, terminal, name) = open_pty().unwrap();
            assert!(name.starts_with("/dev/pts/"), "{name}");
            set_winsize(&controller, 30, 100).unwrap();
            let client = std::thread::spawn(move || {
                let (conn, _) = listener.accept().unwrap();
                let mut data = [0u8; 64];
                let mut iov = [std::io::IoSliceMut::new(&mut data)];
                let mut space = nix::cmsg_space!(c_int);
                let msg = nix::sys::socket::recvmsg::<()>(
                    conn.as_raw_fd(),
                    &mut iov,
                    Some(&mut space),
                    nix::sys::socket::MsgFlags::empty(),
                )
                .unwrap();
                let fd = match msg.cmsgs().unwrap().next() {
                    Some(nix::sys::socket::ControlMessageOwned::ScmRights(fds)) => fds[0],
                    other => panic!("no descriptor: {other:?}"),
                };
                let n = msg.bytes;
                // SAFETY: the descriptor was just received and is owned by nobody else.
                let fd = unsafe { OwnedFd::from_raw_fd(fd) };
                (fd, String::from_utf8_lossy(&data[..n]).into_owned())
            });
            send_fd(&sock, &controller, &name).unwrap();
            let (received, sent_name) = client.join().unwrap();
            assert_eq!(sent_name, name);
            drop(controller);
            let mut t = std::fs::File::from(terminal);
            t.write_all(b"hello\n").unwrap();
            let mut c = std::fs::File::from(received);
            let mut buf = [0u8; 16];
            let n = c.read(&mut buf).unwrap();
            assert!(String::from_utf8_lossy(&buf[..n]).starts_with("hello"));
            // SAFETY: winsize is a plain C struct for which all-zero bytes are valid.
            let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
            // SAFETY: TIOCGWINSZ writes one struct winsize into `ws`.
            assert_eq!(
                unsafe { libc::ioctl(t.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) },
                0
            );
            assert_eq!((ws.ws_row, ws.ws_col), (30, 100));
        }
    }
}

pub use pty::{open_pty, send_fd, set_winsize};

#[cfg(test)]
mod args_tests {
    use super::args_from_main;

    #[test]
    fn args_come_from_argc_argv_not_from_std() {
        let owned = [c"stockade", c"--root", c"/tmp/x", c"state", c"id\xff"];
        let ptrs: Vec<*const libc::c_char> = owned.iter().map(|s| s.as_ptr()).collect();
        // SAFETY: ptrs holds five valid C strings that outlive the call.
        let args = unsafe { args_from_main(ptrs.len() as libc::c_int, ptrs.as_ptr()) };
        let bytes: Vec<&[u8]> = args
            .iter()
            .map(|a| std::os::unix::ffi::OsStrExt::as_bytes(a.as_os_str()))
            .collect();
        assert_eq!(
            bytes,
            [&b"stockade"[..], b"--root", b"/tmp/x", b"state", b"id\xff"]
        );
        // SAFETY: a zero count never dereferences the pointer.
        assert!(unsafe { args_from_main(0, ptrs.as_ptr()) }.is_empty());
        // SAFETY: a null argv is checked before any dereference.
        assert!(unsafe { args_from_main(3, std::ptr::null()) }.is_empty());
    }
}
