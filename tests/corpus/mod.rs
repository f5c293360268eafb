//! The bad-input corpus in `tests/data/bad` (its README describes the
//! columns), shared by the library-level and the binary-level tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Case {
    pub case: String,
    pub config: String,
    pub rootfs: bool,
    pub id: String,
    pub stage: String,
    pub path: String,
    pub words: Vec<String>,
}

pub fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad")
}

pub fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(data().join("cases.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}
