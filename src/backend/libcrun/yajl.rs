//! The configuration handed to libcrun as the yajl tree its own parser
//! would have built from the text, made from stockade's document tree
//! (libcrun patch 0015): libocispec turns the tree into the container
//! definition as before, but the text is not lexed a second time (for 200
//! mounts, yajl's parse and free were 2.5M of the 6.9M instructions of a
//! `create` up to the clone).
//!
//! The whole tree is one `malloc`: a first pass sizes it (nodes, then the
//! arrays of keys and values, then the strings), a second fills it. libocispec
//! only reads the tree, so it is freed in one piece, not node by node.
//! A number keeps its text in `r`, which is what libocispec reads.

use std::ffi::{c_char, c_void};
use std::fmt::Write as _;
use std::mem::size_of;
use std::ptr;

use libcrun_sys as sys;

use crate::bundle::doc::Value;

/// Room for a number's text: an i64, a u64 or an f64 as serde_json writes
/// it (at most 24 characters) and the NUL.
const NUMBER_ROOM: usize = 40;

/// A tree of C nodes in one block, freed on drop.
pub struct Tree {
    block: *mut c_void,
    root: sys::yajl_val,
}

impl Drop for Tree {
    fn drop(&mut self) {
        // SAFETY: the block came from malloc in `build` and is freed once.
        unsafe { libc::free(self.block) }
    }
}

impl Tree {
    /// `None` when the block cannot be had (libcrun then parses the text).
    pub fn build(v: &Value) -> Option<Tree> {
        let mut sizes = Sizes::default();
        sizes.add(v);
        let nodes = sizes.nodes * size_of::<sys::yajl_val_s>();
        let ptrs = sizes.ptrs * size_of::<*mut c_void>();
        // SAFETY: a plain malloc of the size just counted (at least a node).
        let block = unsafe { libc::malloc(nodes + ptrs + sizes.bytes) };
        if block.is_null() {
            return None;
        }
        let base = block as *mut u8;
        let mut fill = Fill {
            // SAFETY: the three parts lie inside the block, in this order;
            // nodes and pointer arrays are 8-byte aligned as malloc's block is.
            node: base as *mut sys::yajl_val_s,
            ptr: unsafe { base.add(nodes) } as *mut *mut c_void,
            byte: unsafe { base.add(nodes + ptrs) },
        };
        let root = fill.value(v);
        Some(Tree { block, root })
    }

    pub(super) fn as_ptr(&self) -> sys::yajl_val {
        self.root
    }
}

#[derive(Default)]
struct Sizes {
    nodes: usize,
    ptrs: usize,
    bytes: usize,
}

impl Sizes {
    fn add(&mut self, v: &Value) {
        self.nodes += 1;
        match v {
            Value::Null | Value::Bool(_) => {}
            Value::Number(_) => self.bytes += NUMBER_ROOM,
            Value::String(s) => self.bytes += s.len() + 1,
            Value::Array(items) => {
                self.ptrs += items.len();
                items.iter().for_each(|i| self.add(i));
            }
            Value::Object(members) => {
                self.ptrs += 2 * members.len();
                for (k, child) in members {
                    self.bytes += k.len() + 1;
                    self.add(child);
                }
            }
        }
    }
}

/// The next free node, pointer and byte of the block.
struct Fill {
    node: *mut sys::yajl_val_s,
    ptr: *mut *mut c_void,
    byte: *mut u8,
}

impl Fill {
    fn value(&mut self, v: &Value) -> sys::yajl_val {
        let n = self.node;
        // SAFETY: `Sizes` counted a node, pointers and bytes for every
        // value, key and string this walk takes, so every write below stays
        // inside the block; each node is written whole before its union
        // member is filled.
        unsafe {
            self.node = n.add(1);
            ptr::write(n, sys::yajl_val_s::default());
            match v {
                Value::Null => (*n).type_ = sys::yajl_type_yajl_t_null,
                Value::Bool(true) => (*n).type_ = sys::yajl_type_yajl_t_true,
                Value::Bool(false) => (*n).type_ = sys::yajl_type_yajl_t_false,
                Value::Number(num) => {
                    (*n).type_ = sys::yajl_type_yajl_t_number;
                    let number = &mut (*n).u.number;
                    number.r = self.number(num);
                    if let Some(i) = num.as_i64() {
                        number.i = i;
                        number.flags |= sys::YAJL_NUMBER_INT_VALID;
                    }
                    if let Some(d) = num.as_f64() {
                        number.d = d;
                        number.flags |= sys::YAJL_NUMBER_DOUBLE_VALID;
                    }
                }
                Value::String(s) => {
                    (*n).type_ = sys::yajl_type_yajl_t_string;
                    (*n).u.string = self.string(s);
                }
                Value::Array(items) => {
                    (*n).type_ = sys::yajl_type_yajl_t_array;
                    let values = self.pointers(items.len()) as *mut sys::yajl_val;
                    for (i, item) in items.iter().enumerate() {
                        *values.add(i) = self.value(item);
                    }
                    let array = &mut (*n).u.array;
                    array.values = if items.is_empty() {
                        ptr::null_mut()
                    } else {
                        values
                    };
                    array.len = items.len();
                }
                Value::Object(members) => {
                    (*n).type_ = sys::yajl_type_yajl_t_object;
                    let len = members.len();
                    let keys = self.pointers(len) as *mut *const c_char;
                    let values = self.pointers(len) as *mut sys::yajl_val;
                    for (i, (k, child)) in members.iter().enumerate() {
                        *keys.add(i) = self.string(k);
                        *values.add(i) = self.value(child);
                    }
                    let object = &mut (*n).u.object;
                    if len > 0 {
                        object.keys = keys;
                        object.values = values;
                    }
                    object.len = len;
                }
            }
        }
        n
    }

    /// Room for `n` pointers.
    fn pointers(&mut self, n: usize) -> *mut *mut c_void {
        let p = self.ptr;
        // SAFETY: counted by `Sizes` (see `value`).
        self.ptr = unsafe { p.add(n) };
        p
    }

    /// `s` as a NUL-terminated string (a NUL inside ends it, as in yajl's).
    fn string(&mut self, s: &str) -> *mut c_char {
        let p = self.byte;
        // SAFETY: counted by `Sizes`: the bytes and the NUL (see `value`).
        unsafe {
            ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
            *p.add(s.len()) = 0;
            self.byte = p.add(s.len() + 1);
        }
        p as *mut c_char
    }

    /// The number's text as serde_json writes it (yajl keeps the text as
    /// given; a config's numbers are integers, written the same either way).
    fn number(&mut self, num: &serde_json::Number) -> *mut c_char {
        let mut text = Small::default();
        // An over-long text is cut short (it cannot happen: see NUMBER_ROOM).
        let _ = write!(text, "{num}");
        let p = self.byte;
        // SAFETY: counted by `Sizes`: NUMBER_ROOM bytes (see `value`).
        unsafe {
            ptr::copy_nonoverlapping(text.buf.as_ptr(), p, text.len);
            *p.add(text.len) = 0;
            self.byte = p.add(NUMBER_ROOM);
        }
        p as *mut c_char
    }
}

/// A number's text, on the stack.
struct Small {
    buf: [u8; NUMBER_ROOM - 1],
    len: usize,
}

impl Default for Small {
    fn default() -> Small {
        Small {
            buf: [0; NUMBER_ROOM - 1],
            len: 0,
        }
    }
}

impl std::fmt::Write for Small {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::libcrun::ffi;
    use crate::bundle::{load_str, Platform};
    use std::path::Path;

    /// libcrun's definition from the tree is the one it makes from the
    /// text. False for a config the front end refuses (it never reaches
    /// libcrun).
    fn same_definition(text: &str, what: &str) -> bool {
        let Ok(b) = load_str(text, Path::new("/b"), Platform::Linux) else {
            return false;
        };
        let json = serde_json::to_string(&b.doc).unwrap();
        let from_text = ffi::load_from_memory(json.clone()).map(|c| ffi::definition_json(&c));
        let tree = Tree::build(&b.doc).expect("memory");
        let from_tree = ffi::load_from_tree(&tree, json).map(|c| ffi::definition_json(&c));
        match (from_text, from_tree) {
            (Ok(a), Ok(b)) => {
                assert!(!a.is_empty(), "{what}");
                assert_eq!(a, b, "{what}");
            }
            (Err(a), Err(b)) => assert_eq!(a.msg, b.msg, "{what}"),
            (a, b) => panic!(
                "{what}: from text {:?}, from the tree {:?}",
                a.err().map(|e| e.msg),
                b.err().map(|e| e.msg)
            ),
        }
        true
    }

    #[test]
    fn upstream_fixtures_make_the_same_definition() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/runtime-spec-v1.3.0-schema/test/config/good");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).expect("the schema fixtures") {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(".json") || name.starts_with("freebsd") {
                continue;
            }
            n += usize::from(same_definition(
                &std::fs::read_to_string(&p).unwrap(),
                &name,
            ));
        }
        assert!(n >= 5, "only {n} fixtures compared");
    }

    #[test]
    fn numbers_strings_and_empty_containers_survive() {
        let mounts: Vec<String> = (0..200)
            .map(|i| {
                format!(r#"{{"destination": "/m/{i}", "type": "bind", "source": "/tmp", "options": ["rbind", "ro"]}}"#)
            })
            .collect();
        let text = format!(
            r#"{{"ociVersion": "1.3.0", "root": {{"path": "/r", "readonly": true}},
            "hostname": "h\u00e9\"q\"", "mounts": [{}],
            "annotations": {{"a": "", "b\tc": "\u2603"}},
            "process": {{"cwd": "/", "args": ["sh", "-c", "echo \"$X\""], "env": [],
                "user": {{"uid": 4294967295, "gid": 0, "additionalGids": []}},
                "oomScoreAdj": -1000, "rlimits": [{{"type": "RLIMIT_NOFILE", "hard": 18446744073709551615, "soft": 1024}}]}},
            "linux": {{"namespaces": [{{"type": "mount"}}],
                "resources": {{"memory": {{"limit": 9223372036854775807, "swap": -1}}, "cpu": {{"shares": 0, "quota": -1}}}},
                "sysctl": {{}},
                "seccomp": {{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": [],
                    "syscalls": [{{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                        "args": [{{"index": 0, "value": 4294967295, "valueTwo": 0, "op": "SCMP_CMP_EQ"}}]}}]}}}}}}"#,
            mounts.join(",")
        );
        assert!(
            same_definition(&text, "generated"),
            "the generated config loads"
        );
        // And the tree is really used: a definition came out of it.
        let b = load_str(&text, Path::new("/b"), Platform::Linux).expect("valid");
        let tree = Tree::build(&b.doc).unwrap();
        let c = ffi::load_from_tree(&tree, String::from("{}")).expect("loads");
        assert!(ffi::definition_json(&c).contains("\"/m/199\""));
    }
}
