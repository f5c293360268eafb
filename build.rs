//! Records the commit the binary was built from for `stockade --version`.
use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=STOCKADE_COMMIT={commit}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    // Every invocation is a fresh short-lived process that the dynamic loader
    // relocates twice (libcrun's start-up re-exec); packed relative
    // relocations (DT_RELR, glibc >= 2.36) make that cheaper.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
        link_unwinder_statically();
        // Release links of the binary put the hot functions first (the
        // linker driver linker/cc reads this; see .cargo/config.toml).
        if std::env::var("PROFILE").as_deref() == Ok("release") {
            println!("cargo:rustc-env=STOCKADE_HOT_FUNCTIONS=1");
            println!("cargo:rerun-if-changed=linker/hot-functions.txt");
        }
    }
}

/// Rust's std asks for `-lgcc_s`, the shared unwinder, which the binary
/// hardly uses (panics abort) but which every start-up pays for: one more
/// library to map and relocate, and its constructor probes the CPU with
/// `cpuid`, a trap to the hypervisor on a VM. Link GCC's static unwinder
/// (`libgcc_eh.a`) instead: a directory searched before the compiler's own
/// holds it under the name `libgcc_s.a`, and `-static-libgcc` stops the
/// compiler driver from adding the shared one.
fn link_unwinder_statically() {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let found = Command::new(&cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()
        .map(|o| std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|p| p.is_absolute() && p.is_file());
    let Some(eh) = found else {
        println!("cargo:warning=libgcc_eh.a not found; linking the shared libgcc_s");
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("static-unwinder");
    std::fs::create_dir_all(&dir).expect("create OUT_DIR/static-unwinder");
    let link = dir.join("libgcc_s.a");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&eh, &link).expect("symlink libgcc_s.a");
    println!("cargo:rustc-link-arg-bins=-static-libgcc");
    println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
}
