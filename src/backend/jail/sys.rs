//! Every system call of the jail backend that needs `unsafe`, each wrapped
//! in a small safe function. FreeBSD only: built by `scripts/freebsd-build`
//! and exercised on a FreeBSD host by `scripts/e2e-freebsd`.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::ptr;

use libc::{c_int, c_void};

use super::encode::{cstr, Encoded};

const ERRMSG_LEN: usize = 1024;

/// SIOCSIFVNET / SIOCSIFRVNET: _IOWR('i', 90 / 91, struct ifreq); not in libc.
const IOC_INOUT: libc::c_ulong = 0xc000_0000;
const fn iowr_i(n: libc::c_ulong) -> libc::c_ulong {
    let len = (std::mem::size_of::<libc::ifreq>() as libc::c_ulong) & 0x1fff;
    IOC_INOUT | (len << 16) | ((b'i' as libc::c_ulong) << 8) | n
}
const SIOCSIFVNET: libc::c_ulong = iowr_i(90);
const SIOCSIFRVNET: libc::c_ulong = iowr_i(91);

fn c(s: &str) -> io::Result<CString> {
    CString::new(s)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("`{s}` contains NUL")))
}

fn iov(ptr: *const u8, len: usize) -> libc::iovec {
    libc::iovec {
        iov_base: ptr as *mut c_void,
        iov_len: len,
    }
}

/// The kernel's errmsg if it wrote one, else the errno text.
fn kernel_error(call: &str, errmsg: &[u8], err: io::Error) -> io::Error {
    let msg = CStr::from_bytes_until_nul(errmsg)
        .map(|m| m.to_string_lossy().into_owned())
        .unwrap_or_default();
    if msg.is_empty() {
        io::Error::new(err.kind(), format!("{call}: {err}"))
    } else {
        io::Error::new(err.kind(), format!("{call}: {msg}"))
    }
}

/// jail_set(2) with the encoded pairs plus an `errmsg` buffer; returns the jid.
pub fn jail_set(params: &[Encoded], flags: c_int) -> io::Result<i32> {
    let mut errmsg = vec![0u8; ERRMSG_LEN];
    let errname = cstr("errmsg");
    let mut v: Vec<libc::iovec> = Vec::with_capacity(params.len() * 2 + 2);
    for p in params {
        v.push(iov(p.name.as_ptr(), p.name.len()));
        match &p.value {
            Some(val) => v.push(iov(val.as_ptr(), val.len())),
            None => v.push(iov(ptr::null(), 0)),
        }
    }
    v.push(iov(errname.as_ptr(), errname.len()));
    v.push(iov(errmsg.as_mut_ptr(), errmsg.len()));
    // SAFETY: every iovec points into a buffer (params, errname, errmsg) that outlives the call; only errmsg is written.
    let jid = unsafe { libc::jail_set(v.as_mut_ptr(), v.len() as libc::c_uint, flags) };
    if jid < 0 {
        return Err(kernel_error(
            "jail_set",
            &errmsg,
            io::Error::last_os_error(),
        ));
    }
    Ok(jid)
}

/// jail_get(2) of integer parameters of the jail called `name`; returns (jid, values).
pub fn jail_get_ints(name: &str, names: &[&str]) -> io::Result<(i32, Vec<i32>)> {
    let mut errmsg = vec![0u8; ERRMSG_LEN];
    let key = cstr("name");
    let value = cstr(name);
    let errname = cstr("errmsg");
    let pnames: Vec<Vec<u8>> = names.iter().map(|n| cstr(n)).collect();
    let mut vals = vec![0i32; names.len()];
    let mut v = vec![
        iov(key.as_ptr(), key.len()),
        iov(value.as_ptr(), value.len()),
    ];
    for (n, val) in pnames.iter().zip(vals.iter_mut()) {
        v.push(iov(n.as_ptr(), n.len()));
        v.push(iov((val as *mut i32).cast(), std::mem::size_of::<i32>()));
    }
    v.push(iov(errname.as_ptr(), errname.len()));
    v.push(iov(errmsg.as_mut_ptr(), errmsg.len()));
    // SAFETY: all iovecs point at live buffers of the stated sizes; the kernel writes only the i32 slots and errmsg.
    let jid = unsafe { libc::jail_get(v.as_mut_ptr(), v.len() as libc::c_uint, 0) };
    if jid < 0 {
        return Err(kernel_error(
            "jail_get",
            &errmsg,
            io::Error::last_os_error(),
        ));
    }
    Ok((jid, vals))
}

pub fn jail_remove(jid: i32) -> io::Result<()> {
    // SAFETY: plain syscall with an integer argument.
    if unsafe { libc::jail_remove(jid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// nmount(2): `fstype`, `fspath`, the source under `from_key`, string options.
pub fn nmount(
    fstype: &str,
    fspath: &Path,
    from: Option<(&str, &str)>,
    opts: &[(String, String)],
    flags: c_int,
) -> io::Result<()> {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (cstr("fstype"), cstr(fstype)),
        (cstr("fspath"), cstr(&fspath.to_string_lossy())),
    ];
    if let Some((k, v)) = from {
        pairs.push((cstr(k), cstr(v)));
    }
    for (k, v) in opts {
        pairs.push((cstr(k), cstr(v)));
    }
    let mut errmsg = vec![0u8; ERRMSG_LEN];
    let errname = cstr("errmsg");
    let mut v: Vec<libc::iovec> = Vec::new();
    for (k, val) in &pairs {
        v.push(iov(k.as_ptr(), k.len()));
        v.push(iov(val.as_ptr(), val.len()));
    }
    v.push(iov(errname.as_ptr(), errname.len()));
    v.push(iov(errmsg.as_mut_ptr(), errmsg.len()));
    // SAFETY: all iovecs point at live NUL-terminated buffers; only errmsg is written by the kernel.
    if unsafe { libc::nmount(v.as_mut_ptr(), v.len() as libc::c_uint, flags) } != 0 {
        return Err(kernel_error(
            &format!("nmount {fstype} on {}", fspath.display()),
            &errmsg,
            io::Error::last_os_error(),
        ));
    }
    Ok(())
}

pub fn unmount(path: &Path, force: bool) -> io::Result<()> {
    let p = c(&path.to_string_lossy())?;
    let flags = if force { libc::MNT_FORCE } else { 0 };
    // SAFETY: p is a valid NUL-terminated path for the duration of the call.
    if unsafe { libc::unmount(p.as_ptr(), flags) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Move interface `ifname` into jail `jid` (or back out of it with `back`).
pub fn move_interface(ifname: &str, jid: i32, back: bool) -> io::Result<()> {
    // SAFETY: socket(2) with constant arguments; the fd is owned right away.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: raw is a fresh descriptor nobody else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: ifreq is a plain C struct for which all-zero bytes are valid.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    let name = ifname.as_bytes();
    if name.len() >= req.ifr_name.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("interface name `{ifname}` too long"),
        ));
    }
    for (dst, src) in req.ifr_name.iter_mut().zip(name) {
        *dst = *src as libc::c_char;
    }
    req.ifr_ifru.ifru_jid = jid;
    let cmd = if back { SIOCSIFRVNET } else { SIOCSIFVNET };
    // SAFETY: the ioctl reads and writes one struct ifreq, which `req` is.
    if unsafe { libc::ioctl(sock.as_raw_fd(), cmd, &mut req as *mut libc::ifreq) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

pub fn mkfifo(path: &Path, mode: libc::mode_t) -> io::Result<()> {
    let p = c(&path.to_string_lossy())?;
    // SAFETY: p is a valid NUL-terminated path.
    if unsafe { libc::mkfifo(p.as_ptr(), mode) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Open a FIFO without blocking: read-write for the waiting side, or
/// write-only non-blocking for `start` (ENXIO: no reader any more).
pub fn open_fifo(path: &Path, for_start: bool) -> io::Result<OwnedFd> {
    let p = c(&path.to_string_lossy())?;
    let flags = if for_start {
        libc::O_WRONLY | libc::O_NONBLOCK
    } else {
        libc::O_RDWR
    } | libc::O_CLOEXEC;
    // SAFETY: p is a valid path; the returned descriptor is owned right away.
    let fd = unsafe { libc::open(p.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub fn kill(pid: i32, sig: i32) -> io::Result<()> {
    // SAFETY: plain syscall with integer arguments.
    if unsafe { libc::kill(pid, sig) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether `pid` exists (signal 0).
pub fn alive(pid: i32) -> bool {
    match kill(pid, 0) {
        Ok(()) => true,
        Err(e) => e.raw_os_error() == Some(libc::EPERM),
    }
}

/// Wait for `pid`; its exit code (128 + signal when killed).
pub fn wait(pid: i32) -> io::Result<i32> {
    let mut status = 0;
    loop {
        // SAFETY: status is a valid out pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    })
}

/// Everything the child needs, prepared before fork (no allocation after).
pub struct ChildSpec {
    pub jid: i32,
    /// Read one byte from this FIFO before attaching (`create`); `None` for exec.
    pub wait_fd: Option<RawFd>,
    pub cwd: CString,
    pub candidates: Vec<CString>,
    pub argv: Vec<CString>,
    pub envp: Vec<CString>,
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<libc::gid_t>,
    pub umask: u32,
    /// (resource, soft, hard)
    pub rlimits: Vec<(c_int, i64, i64)>,
    pub no_new_privileges: bool,
    /// First descriptor closed before exec (3 + preserve_fds).
    pub close_from: c_int,
    /// The pty's terminal side: made the controlling terminal and stdio.
    pub tty: Option<RawFd>,
}

/// fork(2); the child sets itself up per `spec` and execs, never returning.
pub fn spawn(spec: &ChildSpec) -> io::Result<i32> {
    let argv: Vec<*const libc::c_char> = spec
        .argv
        .iter()
        .map(|a| a.as_ptr())
        .chain([ptr::null()])
        .collect();
    let envp: Vec<*const libc::c_char> = spec
        .envp
        .iter()
        .map(|a| a.as_ptr())
        .chain([ptr::null()])
        .collect();
    // SAFETY: the runtime is single-threaded here; the child only makes async-signal-safe calls on prepared data.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => child(spec, &argv, &envp),
        pid => Ok(pid),
    }
}

/// In the forked child: report `what` on stderr and exit 127.
fn die(what: &[u8]) -> ! {
    // SAFETY: write(2) of a static buffer to stderr, then _exit; both async-signal-safe.
    unsafe {
        libc::write(2, what.as_ptr().cast(), what.len());
        libc::_exit(127)
    }
}

fn child(spec: &ChildSpec, argv: &[*const libc::c_char], envp: &[*const libc::c_char]) -> ! {
    // SAFETY: setsid has no memory arguments; the SIGPIPE disposition stockade
    // set to "ignore" would otherwise survive execve into the workload.
    unsafe {
        libc::setsid();
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Some(t) = spec.tty {
        // SAFETY: integer-only ioctl and dup2 calls on a descriptor the parent opened for us.
        let ok = unsafe {
            libc::ioctl(t, libc::TIOCSCTTY, 0) == 0
                && libc::dup2(t, 0) == 0
                && libc::dup2(t, 1) == 1
                && libc::dup2(t, 2) == 2
        };
        if !ok {
            die(b"stockade: cannot set up the terminal\n");
        }
        if t > 2 {
            // SAFETY: closes our extra copy of the terminal descriptor.
            unsafe { libc::close(t) };
        }
    }
    if let Some(fd) = spec.wait_fd {
        let mut b = 0u8;
        // SAFETY: reads one byte into a local.
        if unsafe { libc::read(fd, (&mut b as *mut u8).cast(), 1) } != 1 {
            die(b"stockade: container start FIFO closed\n");
        }
    }
    // SAFETY: plain syscall.
    if unsafe { libc::jail_attach(spec.jid) } != 0 {
        die(b"stockade: jail_attach failed\n");
    }
    for (res, soft, hard) in &spec.rlimits {
        let lim = libc::rlimit {
            rlim_cur: *soft,
            rlim_max: *hard,
        };
        // SAFETY: lim is a valid rlimit struct.
        if unsafe { libc::setrlimit(*res, &lim) } != 0 {
            die(b"stockade: setrlimit failed\n");
        }
    }
    // SAFETY: groups points at spec.groups.len() gids; setgid/setuid/umask take integers.
    let ids_ok = unsafe {
        libc::setgroups(spec.groups.len() as c_int, spec.groups.as_ptr()) == 0
            && libc::setgid(spec.gid) == 0
            && libc::setuid(spec.uid) == 0
    };
    if !ids_ok {
        die(b"stockade: cannot switch to the container user\n");
    }
    // SAFETY: umask takes an integer.
    unsafe { libc::umask(spec.umask as libc::mode_t) };
    if spec.no_new_privileges {
        let mut arg: c_int = libc::PROC_NO_NEW_PRIVS_ENABLE;
        // SAFETY: PROC_NO_NEW_PRIVS_CTL reads one int from the pointer.
        let r = unsafe {
            libc::procctl(
                libc::P_PID,
                0,
                libc::PROC_NO_NEW_PRIVS_CTL,
                (&mut arg as *mut c_int).cast(),
            )
        };
        if r != 0 {
            die(b"stockade: cannot set no_new_privs\n");
        }
    }
    // SAFETY: cwd is a valid C string.
    if unsafe { libc::chdir(spec.cwd.as_ptr()) } != 0 {
        die(b"stockade: cannot chdir to process.cwd\n");
    }
    // SAFETY: closes descriptors from close_from upwards; no memory arguments.
    unsafe { libc::closefrom(spec.close_from) };
    for path in &spec.candidates {
        // SAFETY: path, argv and envp are NUL-terminated arrays of valid C strings.
        unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    }
    die(b"stockade: executable not found in the container\n")
}

/// Make `cmd` attach to jail `jid` in the child before it execs.
pub fn attach_before_exec(cmd: &mut std::process::Command, jid: i32) {
    // SAFETY: the closure only calls jail_attach (async-signal-safe) in the forked child.
    unsafe {
        cmd.pre_exec(move || {
            if libc::jail_attach(jid) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Signal every process of jail `jid`: a child attaches and calls kill(-1).
pub fn kill_all_in_jail(jid: i32, sig: i32) -> io::Result<()> {
    // SAFETY: single-threaded runtime; the child only calls async-signal-safe functions.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            // SAFETY: jail_attach, kill and _exit take integers only.
            unsafe {
                let ok = libc::jail_attach(jid) == 0
                    && (libc::kill(-1, sig) == 0 || *libc::__error() == libc::ESRCH);
                libc::_exit(if ok { 0 } else { 1 })
            }
        }
        pid => match wait(pid)? {
            0 => Ok(()),
            _ => Err(io::Error::other(format!(
                "could not signal the processes of jail {jid}"
            ))),
        },
    }
}

pub use crate::sys::{open_pty, send_fd, set_winsize};

/// The pids of every process in jail `jid` (sysctl kern.proc.proc).
pub fn jail_pids(jid: i32) -> io::Result<Vec<i32>> {
    let mib = [libc::CTL_KERN, libc::KERN_PROC, libc::KERN_PROC_PROC];
    let size = std::mem::size_of::<libc::kinfo_proc>();
    for _ in 0..8 {
        let mut len: libc::size_t = 0;
        // SAFETY: a NULL buffer asks only for the needed length, written to `len`.
        if unsafe { libc::sysctl(mib.as_ptr(), 3, ptr::null_mut(), &mut len, ptr::null(), 0) } != 0
        {
            return Err(io::Error::last_os_error());
        }
        let cap = len / size + 16;
        let mut buf: Vec<libc::kinfo_proc> = Vec::with_capacity(cap);
        let mut got = cap * size;
        // SAFETY: buf has room for `got` bytes; the kernel writes at most that and reports the length.
        let r = unsafe {
            libc::sysctl(
                mib.as_ptr(),
                3,
                buf.as_mut_ptr().cast(),
                &mut got,
                ptr::null(),
                0,
            )
        };
        if r != 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::ENOMEM) {
                continue;
            }
            return Err(e);
        }
        let n = got / size;
        // SAFETY: the kernel filled `n` whole records.
        unsafe { buf.set_len(n) };
        if let Some(k) = buf.first() {
            if k.ki_structsize as usize != size {
                return Err(io::Error::other(format!(
                    "kern.proc records are {} bytes, expected {size}",
                    k.ki_structsize
                )));
            }
        }
        return Ok(buf
            .iter()
            .filter(|k| k.ki_jid == jid)
            .map(|k| k.ki_pid)
            .collect());
    }
    Err(io::Error::other("the process table kept growing"))
}
