//! The allocator's region (`sys::arena`), in a process of its own: a
//! region is process-wide, and in the library's unit tests other tests'
//! bundle parses would hold it.

use stockade::sys::arena::{fill, held, holds};

// The region is process-wide: these tests run one after another.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_tree_fills_the_region_and_gives_it_back() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tree: Vec<String> = fill(1 << 16, || (0..100).map(|i| format!("v{i}")).collect());
    assert!(tree.iter().all(|s| holds(s.as_ptr())));
    assert_eq!(tree[42], "v42");
    assert!(held(), "given back under a live tree");
    drop(tree);
    assert!(!held());
    let after = String::from("after");
    assert!(!holds(after.as_ptr()));
}

#[test]
fn a_full_region_falls_back_to_malloc() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (small, big) = fill(256, || (vec![1u8; 100], vec![2u8; 1000]));
    assert!(holds(small.as_ptr()));
    assert!(!holds(big.as_ptr()));
    assert_eq!((small[99], big[999]), (1, 2));
    drop((small, big));
    assert!(!held());
}

#[test]
fn growing_blocks_keep_their_contents() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (grown, moved) = fill(1 << 12, || {
        let mut a = Vec::with_capacity(4);
        let mut b: Vec<u32> = Vec::with_capacity(4);
        for i in 0..64u32 {
            a.push(i);
            b.push(i * 2); // growths that move a block, and in place
        }
        (a, b)
    });
    assert_eq!(grown, (0..64).collect::<Vec<u32>>());
    assert_eq!(moved, (0..64).map(|i| i * 2).collect::<Vec<u32>>());
    // Grown outside the region: a block moves to malloc.
    let mut out = grown;
    out.extend(0..10_000);
    assert!(!holds(out.as_ptr()));
    assert_eq!(out[64 + 9_999], 9_999);
    drop((out, moved));
    assert!(!held());
}

#[test]
fn other_threads_and_later_allocations_use_malloc() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (mine, theirs) = fill(1 << 12, || {
        let theirs = std::thread::spawn(|| vec![7u8; 16]).join().unwrap();
        (vec![1u8; 16], theirs)
    });
    assert!(holds(mine.as_ptr()));
    assert!(!holds(theirs.as_ptr()));
    // A second region is not made while the first is held.
    let again = fill(1 << 12, || vec![3u8; 16]);
    assert!(!holds(again.as_ptr()));
    drop((mine, theirs, again));
    assert!(!held());
}

/// Threads that fill at the same time (the library's tests load bundles in
/// parallel): one of them gets the region, the others malloc, and every
/// block goes back to the allocator it came from. Before the region changed
/// hands under a lock, two threads could both make one and this aborted in
/// glibc's free about one run in three.
#[test]
fn concurrent_fills_keep_blocks_apart() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for round in 0..300 {
                    let tree: Vec<String> = fill(1 << 14, || {
                        (0..50).map(|i| format!("{t}-{round}-{i}")).collect()
                    });
                    // Blocks of other threads' trees are freed meanwhile.
                    let loose: Vec<Vec<u8>> = (0..8).map(|i| vec![i; 24]).collect();
                    assert_eq!(tree[49], format!("{t}-{round}-49"));
                    drop(tree);
                    assert!(loose.iter().enumerate().all(|(i, v)| v[23] == i as u8));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a filling thread failed");
    }
    assert!(!held(), "a region outlived every block");
}
