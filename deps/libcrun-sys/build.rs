//! Builds the static libcrun from the patched tree that `deps/crun/fetch.sh`
//! produced, generates bindings for its public API and links it.
//!
//! The C build lives in `<target>/crun-build` (shared by every profile, so a
//! debug test build and a release bench build compile crun once) and is redone
//! only when the fetched tree's stamp (tarball sha256 + patch series digest)
//! or the configure flags change. The `crun` binary is built next to the
//! library from the very same objects, for side-by-side benchmarks.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const CONFIGURE_FLAGS: &[&str] = &[
    "--enable-embedded-yajl",
    "--disable-criu",
    "--with-pic",
    "--disable-shared",
    "--enable-static",
];

/// Each function in a section of its own, so that stockade's link can
/// place the functions every verb runs next to each other (see
/// `linker/cc`); the code itself is unchanged.
const CFLAGS: &str = "-O2 -g -ffunction-sections";

const PKG_CONFIG_LIBS: &[(&str, &str)] = &[
    ("libseccomp", "libseccomp-dev"),
    ("libcap", "libcap-dev"),
    ("libsystemd", "libsystemd-dev"),
];

fn fail(msg: &str) -> ! {
    // cargo shows build-script panics with their message; keep it one line.
    panic!("{msg}");
}

fn run(cmd: &mut Command, what: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| fail(&format!("libcrun-sys: cannot run {what}: {e}")));
    if !status.success() {
        fail(&format!(
            "libcrun-sys: {what} failed ({status}); see the output above"
        ));
    }
}

/// The digest `fetch.sh` records: sha256 of the series file followed by each
/// listed patch, in order.
fn patch_digest(dir: &Path) -> String {
    let series = fs::read_to_string(dir.join("series")).unwrap_or_default();
    let mut data = series.clone().into_bytes();
    for name in series
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        data.extend(fs::read(dir.join(name.trim())).unwrap_or_default());
    }
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("libcrun-sys: cannot run sha256sum: {e}")));
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&data)
        .expect("write to sha256sum");
    let out = child.wait_with_output().expect("sha256sum output");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn target_dir(out_dir: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // OUT_DIR is <target>[/<triple>]/<profile>/build/<pkg>-<hash>/out
    out_dir
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|b| b.parent())
        .and_then(|profile| profile.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| out_dir.to_path_buf())
}

fn check_dev_packages() {
    for (lib, pkg) in PKG_CONFIG_LIBS {
        let ok = Command::new("pkg-config")
            .args(["--exists", lib])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            fail(&format!(
                "libcrun-sys: {lib} not found by pkg-config; run `scripts/install-deps` (installs {pkg})"
            ));
        }
    }
}

fn build_libcrun(src: &Path, build: &Path, stamp: &str) {
    let stamp_file = build.join(".stockade-build-stamp");
    if fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp) {
        return;
    }
    if build.exists() {
        fs::remove_dir_all(build).expect("remove stale crun build dir");
    }
    fs::create_dir_all(build.parent().unwrap()).expect("create target dir");
    run(
        Command::new("cp").arg("-a").arg(src).arg(build),
        "copying the crun source tree",
    );
    let jobs = env::var("NUM_JOBS").unwrap_or_else(|_| "2".into());
    run(
        Command::new("./configure")
            .args(CONFIGURE_FLAGS)
            .env("CFLAGS", CFLAGS)
            .current_dir(build),
        "crun ./configure",
    );
    // `make libcrun.la` alone fails in a fresh tree: the version header and
    // the embedded libocispec/yajl must be built first.
    run(
        Command::new("make").arg("git-version.h").current_dir(build),
        "make git-version.h",
    );
    run(
        Command::new("make")
            .args(["-j", &jobs, "-C", "libocispec"])
            .current_dir(build),
        "make -C libocispec",
    );
    run(
        Command::new("make")
            .args(["-j", &jobs, "libcrun.la", "crun"])
            .current_dir(build),
        "make libcrun.la crun",
    );
    fs::write(&stamp_file, stamp).expect("write build stamp");
}

/// The C compiler for the files built here (crun's own build uses configure's).
fn c_compiler() -> String {
    println!("cargo:rerun-if-env-changed=CC");
    env::var("CC").unwrap_or_else(|_| "cc".into())
}

/// Compiles the `csrc/` files into a static library in OUT_DIR: libcrun then
/// reaches libsystemd and libseccomp through dlopen() at first use instead of
/// having the loader map them into every process. Returns the objects by
/// file stem.
fn build_lazy_libs(manifest: &Path, out_dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let header = manifest.join("csrc/lazy_lib.h");
    println!("cargo:rerun-if-changed={}", header.display());
    let mut objects = Vec::new();
    for stem in ["lazy_lib", "systemd_lazy", "seccomp_lazy"] {
        let source = manifest.join(format!("csrc/{stem}.c"));
        println!("cargo:rerun-if-changed={}", source.display());
        let object = out_dir.join(format!("{stem}.o"));
        run(
            Command::new(c_compiler())
                .args(["-c", "-O2", "-g", "-fPIC", "-Wall"])
                .arg(&source)
                .arg("-o")
                .arg(&object),
            &format!("compiling csrc/{stem}.c"),
        );
        objects.push((stem, object));
    }
    let archive = out_dir.join("libstockade_lazy.a");
    let _ = fs::remove_file(&archive);
    run(
        Command::new("ar")
            .arg("rcs")
            .arg(&archive)
            .args(objects.iter().map(|(_, o)| o)),
        "archiving the csrc objects",
    );
    println!("cargo:rustc-link-search=native={}", out_dir.display());
    println!("cargo:rustc-link-lib=static=stockade_lazy");
    objects
}

/// Links `lib` from its static archive when the C toolchain has one: one
/// object fewer for the loader to map and relocate in every process (each
/// verb starts the binary once, `create`/`run`/`exec` twice).
fn link_static_if_found(lib: &str) {
    let out = Command::new(c_compiler())
        .arg(format!("-print-file-name=lib{lib}.a"))
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    match out.as_deref().and_then(Path::parent) {
        Some(dir) if dir.is_absolute() => {
            println!("cargo:rustc-link-search=native={}", dir.display());
            println!("cargo:rustc-link-lib=static={lib}");
        }
        _ => println!("cargo:rustc-link-lib=dylib={lib}"),
    }
}

/// `crun-lazy`: the `crun` binary relinked with the same first-use libsystemd
/// as stockade. `scripts/bench` shows it next to `crun` so that stockade's own
/// overhead is visible apart from what the lazy loading saves. Only the
/// benchmark needs it: a failed link is a warning, not a failed build.
fn link_crun_lazy(build: &Path, lazy: &[(&str, PathBuf)]) {
    let mut objects: Vec<PathBuf> = fs::read_dir(build.join("src"))
        .expect("list crun objects")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("crun-") && n.ends_with(".o"))
        })
        .collect();
    objects.sort();
    let linked = Command::new(c_compiler())
        .args(["-O2", "-g", "-o"])
        .arg(build.join("crun-lazy"))
        .args(&objects)
        .arg(build.join(".libs/libcrun.a"))
        // Only libsystemd at first use: libseccomp is linked as upstream does.
        .args(
            lazy.iter()
                .filter(|(stem, _)| *stem != "seccomp_lazy")
                .map(|(_, o)| o),
        )
        .args(["-lseccomp", "-lcap"])
        .arg(build.join("libocispec/yajl/.libs/libyajl.a"))
        .status();
    if !matches!(linked, Ok(s) if s.success()) {
        println!("cargo:warning=libcrun-sys: linking crun-lazy failed ({linked:?}); scripts/bench needs it");
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let src = env::var_os("STOCKADE_CRUN_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../crun/src"));
    let src_stamp_file = src.join(".stockade-stamp");
    println!("cargo:rerun-if-env-changed=STOCKADE_CRUN_SRC");
    println!("cargo:rerun-if-changed={}", src_stamp_file.display());
    println!("cargo:rerun-if-changed=wrapper.h");

    let src_stamp = fs::read_to_string(&src_stamp_file).unwrap_or_else(|_| {
        fail(&format!(
            "libcrun-sys: crun source not found at {}; run `deps/crun/fetch.sh`",
            src.display()
        ))
    });
    if env::var_os("STOCKADE_CRUN_SRC").is_none() {
        let patches = manifest.join("../crun/patches");
        println!("cargo:rerun-if-changed={}", patches.display());
        let want = patch_digest(&patches);
        if !src_stamp.split_whitespace().any(|w| w == want) {
            fail("libcrun-sys: the fetched crun tree predates the current patch series; run `deps/crun/fetch.sh`");
        }
    }
    check_dev_packages();

    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let build = target_dir(&out_dir).join("crun-build");
    let stamp = format!(
        "{} {} CFLAGS={CFLAGS}",
        src_stamp.trim(),
        CONFIGURE_FLAGS.join(" ")
    );

    // Two cargo builds (e.g. `cargo test` and `cargo build --release`) share
    // the C build directory; serialise them.
    fs::create_dir_all(build.parent().unwrap()).expect("create target dir");
    let lock = fs::File::create(build.with_extension("lock")).expect("create crun build lock");
    lock.lock().expect("lock crun build dir");
    build_libcrun(&src, &build, &stamp);

    let libs = build.join(".libs");
    println!("cargo:rustc-link-search=native={}", libs.display());
    println!("cargo:rustc-link-lib=static=crun");
    // After libcrun on the link line: it resolves libcrun's sd_* references.
    let lazy = build_lazy_libs(&manifest, &out_dir);
    link_crun_lazy(&build, &lazy);
    // libseccomp stays a shared library, opened at first use
    // (csrc/seccomp_lazy.c): its syscall-name tables must be the host's (a
    // package built on Debian 12 and run on 13 must resolve the names the
    // newer kernels added, or they are left out of a filter).
    link_static_if_found("cap");
    // Exposed to dependents as DEP_CRUN_BUILD_DIR (bench finds the crun binary there).
    println!("cargo:build_dir={}", build.display());

    let version = fs::read_to_string(manifest.join("../crun/VERSION"))
        .ok()
        .and_then(|v| {
            v.lines()
                .find_map(|l| l.strip_prefix("CRUN_VERSION=").map(str::to_owned))
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=LIBCRUN_VERSION={version}");
    println!("cargo:rerun-if-changed=../crun/VERSION");

    let bindings = bindgen::Builder::default()
        .header(manifest.join("wrapper.h").to_string_lossy())
        .clang_arg(format!("-I{}", build.display()))
        .clang_arg(format!("-I{}", build.join("src/libcrun").display()))
        .clang_arg(format!("-I{}", build.join("src").display()))
        .clang_arg(format!("-I{}", build.join("libocispec/src").display()))
        .clang_arg(format!(
            "-I{}",
            build.join("libocispec/yajl/src/headers").display()
        ))
        .allowlist_function("libcrun_.*")
        .allowlist_function("crun_set_output_handler")
        .allowlist_function("ensure_cloned_binary")
        .allowlist_function("yajl_tree_parse")
        .allowlist_function("yajl_tree_free")
        .allowlist_function("make_runtime_spec_schema_config_schema_process")
        .allowlist_function("free_runtime_spec_schema_config_schema_process")
        .allowlist_function("runtime_spec_schema_config_schema_generate_json")
        .allowlist_type("libcrun_.*")
        .allowlist_type("features_info_s")
        .allowlist_type("runtime_spec_schema_config_schema")
        .allowlist_var("LIBCRUN_.*")
        .allowlist_var("YAJL_NUMBER_.*")
        .opaque_type("runtime_spec_schema_config_schema")
        .opaque_type("string_map")
        .opaque_type("custom_handler_manager_s")
        .opaque_type("_IO_FILE")
        .derive_default(true)
        .layout_tests(false)
        .generate()
        .unwrap_or_else(|e| {
            fail(&format!(
                "libcrun-sys: bindgen failed ({e}); run `scripts/install-deps` (installs libclang-dev)"
            ))
        });
    bindings
        .write_to_file(out_dir.join("bindings.rs"))
        .expect("write bindings.rs");
}
