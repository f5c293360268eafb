//! Replays the fuzzing corpus (fuzz/corpus/frontend: seeds; fuzz/regressions:
//! every input the fuzzer ever found a problem with) through the same code
//! the libFuzzer target runs (fuzz/fuzz_targets/exercise.rs). CI runs this;
//! the fuzzer itself needs nightly features (see README, "Fuzzing").

#[path = "../fuzz/fuzz_targets/exercise.rs"]
mod exercise;

use std::path::Path;

fn replay(dir: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let data = std::fs::read(e.path()).unwrap();
        let path = e.path();
        let r = std::panic::catch_unwind(|| exercise::exercise(&data));
        assert!(r.is_ok(), "fuzz input {} fails again", path.display());
        n += 1;
    }
    n
}

#[test]
fn seed_corpus_and_regressions_replay_cleanly() {
    let seeds = replay("fuzz/corpus/frontend");
    assert!(seeds >= 10, "seed corpus missing ({seeds} files)");
    replay("fuzz/regressions");
}
