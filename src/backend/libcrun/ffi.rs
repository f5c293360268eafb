//! Safe wrappers over the libcrun C API: the only `unsafe` code of the Linux
//! backend. Every wrapper copies what it needs out of C memory and releases
//! the C objects before returning, so nothing above this file sees a pointer.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::ptr;

use libcrun_sys as sys;

/// A libcrun failure: its message and the errno it carried (0 if none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrunError {
    pub status: i32,
    pub msg: String,
}

impl std::fmt::Display for CrunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.status <= 0 {
            return f.write_str(&self.msg);
        }
        let errno = std::io::Error::from_raw_os_error(self.status).to_string();
        let cause = strip_os_suffix(&errno);
        // sd-bus messages already end with the strerror text libcrun adds.
        if self.msg.ends_with(&format!(": {cause}")) {
            f.write_str(&self.msg)
        } else {
            write!(f, "{}: {cause}", self.msg)
        }
    }
}

/// `io::Error` appends " (os error N)"; libcrun's users expect plain strerror.
fn strip_os_suffix(s: &str) -> &str {
    s.rfind(" (os error ").map_or(s, |i| &s[..i])
}

pub type Result<T> = std::result::Result<T, CrunError>;

fn cstring(s: &str) -> CString {
    // Interior NULs cannot come from argv or JSON text we produced; map them
    // to an empty string rather than panicking.
    CString::new(s).unwrap_or_default()
}

/// Turn a libcrun return code + error object into a Result, releasing the object.
fn check(ret: c_int, mut err: sys::libcrun_error_t) -> Result<c_int> {
    if ret >= 0 {
        return Ok(ret);
    }
    if err.is_null() {
        return Err(CrunError {
            status: 0,
            msg: format!("libcrun failed with code {ret}"),
        });
    }
    // SAFETY: libcrun set `err` to a valid heap object on failure; we copy it and release it once.
    let out = unsafe {
        let e = &*err;
        let msg = if e.msg.is_null() {
            String::new()
        } else {
            CStr::from_ptr(e.msg).to_string_lossy().into_owned()
        };
        let status = e.status;
        sys::libcrun_error_release(&mut err);
        CrunError { status, msg }
    };
    Err(out)
}

/// The inputs of one libcrun call; owns the C strings the context points to.
#[derive(Default)]
pub struct ContextArgs {
    pub state_root: String,
    pub id: String,
    pub bundle: Option<String>,
    pub console_socket: Option<String>,
    pub pid_file: Option<String>,
    pub notify_socket: Option<String>,
    pub preserve_fds: i32,
    pub listen_fds: i32,
    pub systemd_cgroup: bool,
    pub detach: bool,
    pub no_new_keyring: bool,
    pub force_no_cgroup: bool,
    pub no_pivot: bool,
}

pub struct Context {
    raw: sys::libcrun_context_t,
    _strings: Vec<CString>,
}

impl Context {
    pub fn new(a: &ContextArgs) -> Self {
        let mut strings = Vec::new();
        let mut keep = |s: &str| {
            let c = cstring(s);
            let p = c.as_ptr();
            strings.push(c);
            p
        };
        let state_root = keep(&a.state_root);
        let id = keep(&a.id);
        let bundle = a.bundle.as_deref().map_or(ptr::null(), &mut keep);
        let console_socket = a.console_socket.as_deref().map_or(ptr::null(), &mut keep);
        let pid_file = a.pid_file.as_deref().map_or(ptr::null(), &mut keep);
        let notify_socket = a.notify_socket.as_deref().map_or(ptr::null(), &mut keep);
        let raw = sys::libcrun_context_t {
            state_root,
            id,
            bundle,
            console_socket,
            pid_file,
            notify_socket,
            preserve_fds: a.preserve_fds,
            listen_fds: a.listen_fds,
            fifo_exec_wait_fd: -1,
            systemd_cgroup: a.systemd_cgroup,
            detach: a.detach,
            no_new_keyring: a.no_new_keyring,
            force_no_cgroup: a.force_no_cgroup,
            no_pivot: a.no_pivot,
            ..Default::default()
        };
        // Moving a CString does not move its heap buffer, so the pointers stay valid.
        Context {
            raw,
            _strings: strings,
        }
    }

    fn id(&self) -> *const c_char {
        self.raw.id
    }
}

/// A parsed container configuration owned by libcrun.
pub struct Container(*mut sys::libcrun_container_t);

impl Drop for Container {
    fn drop(&mut self) {
        // SAFETY: the pointer came from libcrun_container_load_from_memory and is freed once.
        unsafe { sys::libcrun_container_free(self.0) }
    }
}

/// Takes the text by value: its buffer becomes the C string (a config.json
/// read by `bundle::load` has room for the NUL), with no copy of the text.
pub fn load_from_memory(json: String) -> Result<Container> {
    // JSON text holds no raw NUL (a syntax error in any parser); map one to
    // an empty string, which libcrun then rejects, rather than panicking.
    let text = CString::new(json).unwrap_or_default();
    let mut err: sys::libcrun_error_t = ptr::null_mut();
    // SAFETY: `text` is a valid NUL-terminated string that libcrun copies.
    let c = unsafe { sys::libcrun_container_load_from_memory(text.as_ptr(), &mut err) };
    if c.is_null() {
        check(-1, err)?;
    }
    Ok(Container(c))
}

/// The container from yajl's tree of a configuration (libcrun patch 0015)
/// instead of its text, which libcrun keeps as `load_from_memory` does.
pub fn load_from_tree(tree: &super::yajl::Tree, json: String) -> Result<Container> {
    let text = CString::new(json).unwrap_or_default();
    let mut err: sys::libcrun_error_t = ptr::null_mut();
    // SAFETY: the tree and the NUL-terminated text outlive the call; libcrun copies what it keeps.
    let c = unsafe {
        sys::libcrun_stockade_container_load_from_tree(tree.as_ptr(), text.as_ptr(), &mut err)
    };
    if c.is_null() {
        check(-1, err)?;
    }
    Ok(Container(c))
}

/// The container definition libcrun made, as libocispec writes it out
/// (the tests compare a definition made from text with one from a tree).
#[cfg(test)]
pub fn definition_json(c: &Container) -> String {
    // SAFETY: zeroed parser context = default options.
    let pctx: sys::parser_context = unsafe { std::mem::zeroed() };
    let mut perr: sys::parser_error = ptr::null_mut();
    // SAFETY: `c.0` is a live container from libcrun; its definition is read only.
    let text = unsafe {
        sys::runtime_spec_schema_config_schema_generate_json((*c.0).container_def, &pctx, &mut perr)
    };
    let out = opt_str(text);
    // SAFETY: both are malloc'd strings (or NULL) owned by the caller.
    unsafe {
        libc::free(text as *mut c_void);
        libc::free(perr as *mut c_void);
    }
    out
}

pub fn create(ctx: &mut Context, c: &Container) -> Result<()> {
    let mut err = ptr::null_mut();
    // SAFETY: ctx and c are valid for the call; libcrun does not keep them after returning.
    check(
        unsafe { sys::libcrun_container_create(&mut ctx.raw, c.0, 0, &mut err) },
        err,
    )
    .map(drop)
}

/// Runs in the foreground (or detached); returns the container's exit status.
pub fn run(ctx: &mut Context, c: &Container, keep: bool) -> Result<i32> {
    let mut err = ptr::null_mut();
    let opts = if keep {
        sys::LIBCRUN_RUN_OPTIONS_KEEP
    } else {
        0
    };
    // SAFETY: as for create.
    check(
        unsafe { sys::libcrun_container_run(&mut ctx.raw, c.0, opts as _, &mut err) },
        err,
    )
}

pub fn start(ctx: &mut Context) -> Result<()> {
    let mut err = ptr::null_mut();
    // SAFETY: the context and its id string outlive the call.
    check(
        unsafe { sys::libcrun_container_start(&mut ctx.raw, ctx.id(), &mut err) },
        err,
    )
    .map(drop)
}

pub fn kill(ctx: &mut Context, signal: &str, all: bool) -> Result<()> {
    let sig = cstring(signal);
    let mut err = ptr::null_mut();
    // SAFETY: all pointers are valid NUL-terminated strings for the duration of the call.
    let ret = unsafe {
        if all {
            sys::libcrun_container_killall(&mut ctx.raw, ctx.id(), sig.as_ptr(), &mut err)
        } else {
            sys::libcrun_container_kill(&mut ctx.raw, ctx.id(), sig.as_ptr(), &mut err)
        }
    };
    check(ret, err).map(drop)
}

/// `def`: the definition libcrun uses instead of reading the stored config
/// (`stored::Stored::delete_definition`); None makes it read the stored
/// config itself.
pub fn delete(ctx: &mut Context, def: Option<&Container>, force: bool) -> Result<()> {
    let mut err = ptr::null_mut();
    let def = match def {
        // SAFETY: a loaded container points to its parsed definition, which
        // lives as long as the container (borrowed for this call).
        Some(c) => unsafe { (*c.0).container_def },
        None => ptr::null_mut(),
    };
    // SAFETY: ctx is valid; `def` is NULL or the definition borrowed above.
    check(
        unsafe { sys::libcrun_container_delete(&mut ctx.raw, def, ctx.id(), force, &mut err) },
        err,
    )
    .map(drop)
}

pub fn pause(ctx: &mut Context) -> Result<()> {
    let mut err = ptr::null_mut();
    // SAFETY: valid context for the call.
    check(
        unsafe { sys::libcrun_container_pause(&mut ctx.raw, ctx.id(), &mut err) },
        err,
    )
    .map(drop)
}

pub fn resume(ctx: &mut Context) -> Result<()> {
    let mut err = ptr::null_mut();
    // SAFETY: valid context for the call.
    check(
        unsafe { sys::libcrun_container_unpause(&mut ctx.raw, ctx.id(), &mut err) },
        err,
    )
    .map(drop)
}

pub fn update(ctx: &mut Context, resources_json: &str) -> Result<()> {
    // libcrun ignores the length and parses up to a NUL: pass a C string
    // (a bare &str made it read past the buffer, "trailing garbage").
    let text = cstring(resources_json);
    let mut err = ptr::null_mut();
    // SAFETY: `text` is NUL-terminated and outlives the call.
    let ret = unsafe {
        sys::libcrun_container_update(
            &mut ctx.raw,
            ctx.id(),
            text.as_ptr(),
            resources_json.len(),
            &mut err,
        )
    };
    check(ret, err).map(drop)
}

/// Captures what a libcrun function writes to a `FILE *`.
fn with_memstream(
    f: impl FnOnce(*mut sys::FILE, &mut sys::libcrun_error_t) -> c_int,
) -> Result<String> {
    let mut buf: *mut c_char = ptr::null_mut();
    let mut len: usize = 0;
    // SAFETY: open_memstream stores its buffer pointer/size into our locals.
    let stream = unsafe { libc::open_memstream(&mut buf, &mut len) };
    if stream.is_null() {
        return Err(CrunError {
            status: std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
            msg: "open_memstream".into(),
        });
    }
    let mut err = ptr::null_mut();
    let ret = f(stream as *mut sys::FILE, &mut err);
    // SAFETY: fclose flushes into `buf`, which we copy and then free exactly once.
    let text = unsafe {
        libc::fclose(stream);
        let s = if buf.is_null() {
            String::new()
        } else {
            String::from_utf8_lossy(std::slice::from_raw_parts(buf as *const u8, len)).into_owned()
        };
        libc::free(buf as *mut c_void);
        s
    };
    check(ret, err)?;
    Ok(text)
}

pub fn state(ctx: &mut Context) -> Result<String> {
    let id = ctx.id();
    // SAFETY: the stream is valid until with_memstream closes it.
    with_memstream(|out, err| unsafe { sys::libcrun_container_state(&mut ctx.raw, id, out, err) })
}

pub fn spec(rootful: bool) -> Result<String> {
    // SAFETY: the stream is valid until with_memstream closes it.
    with_memstream(|out, err| unsafe { sys::libcrun_container_spec(rootful, out, err) })
}

pub fn read_pids(ctx: &mut Context, recurse: bool) -> Result<Vec<i32>> {
    let mut pids: *mut libc::pid_t = ptr::null_mut();
    let mut err = ptr::null_mut();
    // SAFETY: libcrun allocates a 0-terminated pid array that we copy and free.
    let ret = unsafe {
        sys::libcrun_container_read_pids(&mut ctx.raw, ctx.id(), recurse, &mut pids, &mut err)
    };
    check(ret, err)?;
    let mut out = Vec::new();
    if !pids.is_null() {
        // SAFETY: the array is terminated by a 0 entry (libcrun's convention).
        unsafe {
            let mut p = pids;
            while *p != 0 {
                out.push(*p);
                p = p.add(1);
            }
            libc::free(pids as *mut c_void);
        }
    }
    Ok(out)
}

/// What libcrun stores about a container besides its config.
#[derive(Debug, Clone, Default)]
pub struct Status {
    pub pid: i32,
    pub bundle: String,
    pub rootfs: String,
    pub created: String,
    pub owner: String,
    /// created | running | paused | stopped, as libcrun computes it.
    pub state: String,
}

fn opt_str(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: non-null C strings from libcrun's status object are NUL-terminated.
        unsafe { CStr::from_ptr(p).to_string_lossy().into_owned() }
    }
}

pub fn read_status(state_root: &str, id: &str) -> Result<Status> {
    let root = cstring(state_root);
    let cid = cstring(id);
    // SAFETY: zero is a valid initial value for this plain C struct.
    let mut st: sys::libcrun_container_status_t = unsafe { std::mem::zeroed() };
    let mut err = ptr::null_mut();
    // SAFETY: the status struct is filled by libcrun and released with its own free function.
    let ret = unsafe {
        sys::libcrun_read_container_status(&mut st, root.as_ptr(), cid.as_ptr(), &mut err)
    };
    check(ret, err)?;
    let mut state_ptr: *const c_char = ptr::null();
    let mut running: c_int = 0;
    let mut err = ptr::null_mut();
    // SAFETY: `st` was filled above; the returned state string is static in libcrun.
    let ret = unsafe {
        sys::libcrun_get_container_state_string(
            cid.as_ptr(),
            &mut st,
            root.as_ptr(),
            &mut state_ptr,
            &mut running,
            &mut err,
        )
    };
    let out = Status {
        pid: st.pid,
        bundle: opt_str(st.bundle),
        rootfs: opt_str(st.rootfs),
        created: opt_str(st.created),
        owner: opt_str(st.owner),
        state: opt_str(state_ptr),
    };
    // SAFETY: frees the strings libcrun allocated into `st`, once.
    unsafe { sys::libcrun_free_container_status(&mut st) };
    check(ret, err)?;
    Ok(out)
}

/// Exec a process described by `process_json` (an OCI `process` object).
/// `sub_cgroup`: a path below the container's cgroup the process joins;
/// `ignore_paused`: exec into a paused container (patch 0008).
pub fn exec(
    ctx: &mut Context,
    process_json: &str,
    sub_cgroup: Option<&str>,
    ignore_paused: bool,
) -> Result<i32> {
    let text = cstring(process_json);
    let cgroup = sub_cgroup.map(cstring);
    let mut errbuf = [0 as c_char; 256];
    // SAFETY: yajl parses a NUL-terminated buffer into a tree we free below.
    let tree = unsafe { sys::yajl_tree_parse(text.as_ptr(), errbuf.as_mut_ptr(), errbuf.len()) };
    if tree.is_null() {
        // SAFETY: yajl wrote a NUL-terminated message into errbuf.
        let msg = unsafe { CStr::from_ptr(errbuf.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        return Err(CrunError {
            status: 0,
            msg: format!("invalid process JSON: {msg}"),
        });
    }
    // SAFETY: zeroed parser context = default options, no error file.
    let pctx: sys::parser_context = unsafe { std::mem::zeroed() };
    let mut perr: sys::parser_error = ptr::null_mut();
    // SAFETY: `tree` is a valid yajl tree; the result is owned by us.
    let process =
        unsafe { sys::make_runtime_spec_schema_config_schema_process(tree, &pctx, &mut perr) };
    // SAFETY: the tree is no longer needed once converted.
    unsafe { sys::yajl_tree_free(tree) };
    if process.is_null() {
        let msg = opt_str(perr);
        // SAFETY: parser errors are malloc'd strings owned by the caller.
        unsafe { libc::free(perr as *mut c_void) };
        return Err(CrunError {
            status: 0,
            msg: format!("invalid process: {msg}"),
        });
    }
    let mut opts = sys::libcrun_container_exec_options_s {
        struct_size: std::mem::size_of::<sys::libcrun_container_exec_options_s>(),
        process,
        path: ptr::null(),
        cgroup: cgroup.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
        ignore_paused,
        // One fork instead of two (patch 0014); libcrun falls back to two itself.
        single_fork: true,
    };
    let mut err = ptr::null_mut();
    // SAFETY: opts points at a valid process for the duration of the call.
    let ret = unsafe {
        sys::libcrun_container_exec_with_options(&mut ctx.raw, ctx.id(), &mut opts, &mut err)
    };
    // SAFETY: libcrun does not take ownership of the process object.
    unsafe { sys::free_runtime_spec_schema_config_schema_process(process) };
    check(ret, err)
}

/// Receives every message libcrun logs (errno, text, verbosity 0=error 1=warning 2=debug).
pub type OutputSink = fn(i32, &str, i32);

static mut SINK: Option<OutputSink> = None;

unsafe extern "C" fn output_trampoline(
    errno_: c_int,
    msg: *const c_char,
    verbosity: c_int,
    _arg: *mut c_void,
) {
    let text = opt_str(msg);
    // SAFETY: SINK is written once, before any libcrun call, in a single-threaded process.
    if let Some(sink) = unsafe { SINK } {
        sink(errno_, &text, verbosity);
    }
}

/// Route libcrun's log output to `sink` and set its verbosity.
pub fn set_output(sink: OutputSink, verbosity: i32) {
    // SAFETY: called once at start-up, before any libcrun call and before any thread exists.
    unsafe {
        SINK = Some(sink);
        sys::crun_set_output_handler(Some(output_trampoline), ptr::null_mut());
        sys::libcrun_set_verbosity(verbosity);
    }
}

pub const VERBOSITY_ERROR: i32 = sys::LIBCRUN_VERBOSITY_ERROR as i32;
pub const VERBOSITY_WARNING: i32 = sys::LIBCRUN_VERBOSITY_WARNING as i32;
pub const VERBOSITY_DEBUG: i32 = sys::LIBCRUN_VERBOSITY_DEBUG as i32;
pub const LIBCRUN_VERSION: &str = sys::LIBCRUN_VERSION;

/// What the created-callback reports on failure: an errno (0 for none) and a message.
pub type CallbackError = (i32, String);

/// The Rust side of libcrun's created-callback (patch 0004): runs once the
/// init exists in its namespaces and cgroup, before any hook.
pub type CreatedCallback<'a> = &'a mut dyn FnMut(i32) -> std::result::Result<(), CallbackError>;

unsafe extern "C" fn created_trampoline(
    arg: *mut c_void,
    pid: libc::pid_t,
    msg: *mut c_char,
    msg_len: usize,
) -> c_int {
    // SAFETY: `arg` is the `&mut CreatedCallback` registered by `with_created_callback`,
    // which stays borrowed (and alive) until the callback is unregistered.
    let cb = unsafe { &mut *(arg as *mut CreatedCallback) };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(pid)))
        .unwrap_or_else(|_| Err((0, "internal error: set-up callback panicked".into())));
    let Err((errno, text)) = outcome else {
        return 0;
    };
    if !msg.is_null() && msg_len > 0 {
        let bytes = text.as_bytes();
        let n = bytes.len().min(msg_len - 1);
        // SAFETY: libcrun passes a writable buffer of `msg_len` bytes; we write n + 1 <= msg_len.
        unsafe {
            ptr::copy_nonoverlapping(bytes.as_ptr(), msg as *mut u8, n);
            *msg.add(n) = 0;
        }
    }
    if errno > 0 {
        errno
    } else {
        -1
    }
}

/// Run `f` (a create or run call) with `cb` registered as libcrun's
/// created-callback; it is unregistered before returning.
pub fn with_created_callback<T>(mut cb: CreatedCallback, f: impl FnOnce() -> T) -> T {
    let arg = &mut cb as *mut CreatedCallback as *mut c_void;
    // SAFETY: `cb` outlives the registration, which is cleared below before `cb` goes out of scope.
    unsafe { sys::libcrun_stockade_set_created_callback(Some(created_trampoline), arg) };
    let out = f();
    // SAFETY: clearing the registration takes no pointers.
    unsafe { sys::libcrun_stockade_set_created_callback(None, ptr::null_mut()) };
    out
}

/// The Rust side of libcrun's status-callback (patch 0006): runs in a
/// foreground `run` once the container's status is on disk.
pub type StatusCallback<'a> = &'a mut dyn FnMut();

unsafe extern "C" fn status_trampoline(arg: *mut c_void) {
    // SAFETY: `arg` is the `&mut StatusCallback` registered by `with_status_callback`,
    // which stays borrowed (and alive) until the callback is unregistered.
    let cb = unsafe { &mut *(arg as *mut StatusCallback) };
    cb();
}

/// Run `f` (a foreground run call) with `cb` registered as libcrun's
/// status-callback; it is unregistered before returning.
pub fn with_status_callback<T>(mut cb: StatusCallback, f: impl FnOnce() -> T) -> T {
    let arg = &mut cb as *mut StatusCallback as *mut c_void;
    // SAFETY: `cb` outlives the registration, which is cleared below before `cb` goes out of scope.
    unsafe { sys::libcrun_stockade_set_status_callback(Some(status_trampoline), arg) };
    let out = f();
    // SAFETY: clearing the registration takes no pointers.
    unsafe { sys::libcrun_stockade_set_status_callback(None, ptr::null_mut()) };
    out
}

/// What `libcrun_container_get_features` reports, copied out of C memory.
/// Most of it is compile-time data of the linked libcrun; `capabilities`
/// comes from the linked libcap's name table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrunFeatures {
    pub hooks: Vec<String>,
    pub mount_options: Vec<String>,
    pub namespaces: Vec<String>,
    pub capabilities: Vec<String>,
    pub cgroup_v1: bool,
    pub cgroup_v2: bool,
    /// Built with libsystemd (libcrun sets both systemd flags together).
    pub cgroup_systemd: bool,
    pub cgroup_systemd_user: bool,
    pub seccomp_enabled: bool,
    pub seccomp_actions: Vec<String>,
    pub seccomp_operators: Vec<String>,
    pub seccomp_archs: Vec<String>,
    pub apparmor: bool,
    pub selinux: bool,
    pub idmap: bool,
    pub intel_rdt: bool,
    /// `major.minor.micro` of the linked libseccomp, if built with it.
    pub libseccomp_version: Option<String>,
    pub checkpoint: bool,
    pub commit: Option<String>,
    pub version: Option<String>,
    pub unsafe_annotations: Vec<String>,
}

/// Copies a NULL-terminated array of C strings.
///
/// # Safety
/// `list` is NULL or points to a NULL-terminated array of valid C strings.
unsafe fn copy_list(list: *mut *mut c_char) -> Vec<String> {
    let mut out = Vec::new();
    if list.is_null() {
        return out;
    }
    let mut p = list;
    // SAFETY: the caller guarantees the array ends with a NULL entry.
    unsafe {
        while !(*p).is_null() {
            out.push(CStr::from_ptr(*p).to_string_lossy().into_owned());
            p = p.add(1);
        }
    }
    out
}

/// Frees a NULL-terminated array of malloc'd C strings and the array itself.
///
/// # Safety
/// `list` is NULL or a malloc'd, NULL-terminated array of malloc'd strings
/// that nothing else will use or free.
unsafe fn free_list(list: *mut *mut c_char) {
    if list.is_null() {
        return;
    }
    // SAFETY: guaranteed by the caller; each element and the array are freed once.
    unsafe {
        let mut p = list;
        while !(*p).is_null() {
            libc::free(*p as *mut c_void);
            p = p.add(1);
        }
        libc::free(list as *mut c_void);
    }
}

/// Re-execute this program from a read-only clone of its binary, unless it
/// already runs from one (CVE-2019-5736; libcrun patch 0010 leaves the call
/// to us). Returns only when no re-exec was needed, or with the reason it
/// failed.
pub fn ensure_cloned_binary() -> std::io::Result<()> {
    // SAFETY: takes no arguments; it reads /proc/self and either returns or
    // replaces the process image (fexecve). Called from `main` before any
    // thread exists.
    let ret = unsafe { sys::ensure_cloned_binary() };
    if ret < 0 {
        return Err(std::io::Error::from_raw_os_error(-ret));
    }
    Ok(())
}

/// Whether libsystemd.so.0 loads and has every function libcrun calls
/// (libcrun-sys opens it at first use).
pub fn libsystemd_available() -> bool {
    // SAFETY: takes no arguments; at most dlopens libsystemd.so.0.
    unsafe { sys::stockade_libsystemd_available() != 0 }
}

/// Whether libseccomp.so.2 loads and has every function libcrun calls
/// (libcrun-sys opens it at first use).
pub fn libseccomp_available() -> bool {
    // SAFETY: takes no arguments; at most dlopens libseccomp.so.2.
    unsafe { sys::stockade_libseccomp_available() != 0 }
}

/// What the linked libcrun says it supports (see libcrun-ffi notes, §9).
pub fn features() -> Result<CrunFeatures> {
    // A context with no handler manager: only `handler_manager` is read.
    let mut ctx = sys::libcrun_context_t {
        fifo_exec_wait_fd: -1,
        ..Default::default()
    };
    let mut info: *mut sys::features_info_s = ptr::null_mut();
    let mut err = ptr::null_mut();
    // SAFETY: ctx is a valid zeroed context; libcrun stores a heap object into `info`.
    let ret = unsafe { sys::libcrun_container_get_features(&mut ctx, &mut info, &mut err) };
    check(ret, err)?;
    if info.is_null() {
        return Err(CrunError {
            status: 0,
            msg: "libcrun_container_get_features returned no data".into(),
        });
    }
    // libcrun was built with the systemd managers, but reaches libsystemd
    // only at first use: claim them only where it can be loaded.
    let libsystemd = libsystemd_available();
    // Likewise libseccomp: without it no profile can be compiled.
    let libseccomp = libseccomp_available();
    // SAFETY: `info` and everything it points to stay valid until freed below.
    let out = unsafe {
        let i = &*info;
        let l = &i.linux;
        let a = &i.annotations;
        CrunFeatures {
            hooks: copy_list(i.hooks),
            mount_options: copy_list(i.mount_options),
            namespaces: copy_list(l.namespaces),
            capabilities: copy_list(l.capabilities),
            cgroup_v1: l.cgroup.v1,
            cgroup_v2: l.cgroup.v2,
            cgroup_systemd: l.cgroup.systemd && libsystemd,
            cgroup_systemd_user: l.cgroup.systemd_user && libsystemd,
            seccomp_enabled: l.seccomp.enabled && libseccomp,
            seccomp_actions: copy_list(l.seccomp.actions),
            seccomp_operators: copy_list(l.seccomp.operators),
            seccomp_archs: copy_list(l.seccomp.archs),
            apparmor: l.apparmor.enabled,
            selinux: l.selinux.enabled,
            idmap: l.mount_ext.idmap.enabled,
            intel_rdt: l.intel_rdt.enabled,
            libseccomp_version: (libseccomp && !a.io_github_seccomp_libseccomp_version.is_null())
                .then(|| opt_str(a.io_github_seccomp_libseccomp_version)),
            checkpoint: a.run_oci_crun_checkpoint_enabled,
            commit: (!a.run_oci_crun_commit.is_null()).then(|| opt_str(a.run_oci_crun_commit)),
            version: (!a.run_oci_crun_version.is_null()).then(|| opt_str(a.run_oci_crun_version)),
            unsafe_annotations: copy_list(i.potentially_unsafe_annotations),
        }
    };
    // SAFETY: every member below was malloc'd by libcrun for this call and is
    // freed once; `run_oci_crun_commit`/`_version` point to static strings and
    // are left alone.
    unsafe {
        let i = &mut *info;
        libc::free(i.oci_version_min as *mut c_void);
        libc::free(i.oci_version_max as *mut c_void);
        free_list(i.hooks);
        free_list(i.mount_options);
        free_list(i.linux.namespaces);
        free_list(i.linux.capabilities);
        free_list(i.linux.seccomp.actions);
        free_list(i.linux.seccomp.operators);
        free_list(i.linux.seccomp.archs);
        libc::free(i.annotations.io_github_seccomp_libseccomp_version as *mut c_void);
        free_list(i.potentially_unsafe_annotations);
        libc::free(info as *mut c_void);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::CrunError;

    #[test]
    fn libsystemd_is_found_where_it_is_installed() {
        let installed = [
            "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib64",
        ]
        .iter()
        .any(|d| std::path::Path::new(d).join("libsystemd.so.0").exists());
        assert_eq!(super::libsystemd_available(), installed);
    }

    #[test]
    fn libseccomp_is_found_and_reports_its_version() {
        assert!(
            super::libseccomp_available(),
            "libseccomp.so.2 did not load"
        );
        let f = super::features().unwrap();
        assert!(f.seccomp_enabled);
        let v = f.libseccomp_version.expect("no libseccomp version");
        assert!(!v.starts_with("0.0."), "version {v} is the stand-in");
    }

    #[test]
    fn the_cause_is_named_once() {
        let e = |status, msg: &str| {
            CrunError {
                status,
                msg: msg.into(),
            }
            .to_string()
        };
        assert_eq!(e(2, "open `x`"), "open `x`: No such file or directory");
        assert_eq!(e(0, "plain"), "plain");
        assert_eq!(
            e(107, "sd-bus call: Transport endpoint is not connected"),
            "sd-bus call: Transport endpoint is not connected"
        );
    }
}
