//! The process's allocator: the C library's, plus one region that a thread
//! can fill by bumping a pointer while it builds a short-lived tree.
//!
//! `create` and `run` parse config.json into a document tree of thousands of
//! small blocks (a 200-mount config: about 3,700), each one a `malloc` that
//! glibc serves from its slow path (nothing has been freed yet for its
//! caches to hand back) and later a `free`. Filled into a region, a block
//! costs a few instructions and its `free` only a count; once every block
//! is gone the region goes back to `malloc` in one piece, where libcrun's
//! parse of the same text reuses its pages.
//!
//! Blocks are counted, not tracked: the region goes back when the last of
//! them is freed and no thread is filling it, wherever that happens (for
//! `create`, when the backend drops the tree), and while one is alive it
//! stays, to the process's exit if need be. No block is ever freed twice or
//! reused while in use.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{
    fence, AtomicBool, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};

/// `System`, with the region in front of it.
pub struct Allocator;

/// The region's bounds (both 0 when there is none) and its live blocks.
static START: AtomicUsize = AtomicUsize::new(0);
static END: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// A thread is filling the region (it is not given back meanwhile, even
/// when no block of it is alive yet).
static FILLING: AtomicBool = AtomicBool::new(false);
/// Held while the region changes hands (made, given back, its filling
/// ended), so two threads never both make one, or both give one back, or
/// give back one that another has just made. Held for a few instructions,
/// a few times per process.
static CHANGING: AtomicBool = AtomicBool::new(false);

/// Odd while the bounds change: `in_region` reads them between two equal
/// even values (a sequence lock), so it never sees one region's start with
/// another's end.
static GENERATION: AtomicUsize = AtomicUsize::new(0);

fn changing<T>(f: impl FnOnce() -> T) -> T {
    while CHANGING
        .compare_exchange_weak(false, true, Acquire, Relaxed)
        .is_err()
    {
        std::hint::spin_loop();
    }
    GENERATION.fetch_add(1, Relaxed);
    fence(Release);
    let out = f();
    GENERATION.fetch_add(1, Release);
    CHANGING.store(false, Release);
    out
}

thread_local! {
    /// The next free byte and the region's end while this thread fills it
    /// (0 otherwise): other threads keep allocating from `System`.
    static NEXT: Cell<usize> = const { Cell::new(0) };
    static LIMIT: Cell<usize> = const { Cell::new(0) };
}

/// Whether `p` points into the region (for the tests: `tests/arena.rs`).
pub fn holds<T: ?Sized>(p: *const T) -> bool {
    in_region(p as *const u8)
}

/// Whether there is a region (for the tests).
pub fn held() -> bool {
    START.load(Acquire) != 0
}

/// Both bounds of one region, or none (see `GENERATION`).
fn in_region(p: *const u8) -> bool {
    let a = p as usize;
    loop {
        let before = GENERATION.load(Acquire);
        if before & 1 == 0 {
            let (start, end) = (START.load(Relaxed), END.load(Relaxed));
            fence(Acquire);
            if GENERATION.load(Relaxed) == before {
                return start != 0 && a >= start && a < end;
            }
        }
        std::hint::spin_loop();
    }
}

/// A block of the region, if this thread is filling it and it has room.
fn bump(layout: Layout) -> Option<*mut u8> {
    let next = NEXT.with(Cell::get);
    if next == 0 {
        return None;
    }
    let start = next.checked_add(layout.align() - 1)? & !(layout.align() - 1);
    // A zero-sized request still takes a byte, so that every block has an
    // address of its own inside the region.
    let end = start.checked_add(layout.size().max(1))?;
    if end > LIMIT.with(Cell::get) {
        return None;
    }
    NEXT.with(|n| n.set(end));
    LIVE.fetch_add(1, Relaxed);
    Some(start as *mut u8)
}

// SAFETY: blocks come from `System` or from the region; a region block is
// handed out once (the bump only moves forward) and the region is freed
// only when every block handed out has been deallocated (`forget_block`, `give_back`).
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match bump(layout) {
            Some(p) => p,
            // SAFETY: the caller's layout contract is passed on unchanged.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match bump(layout) {
            Some(p) => {
                // SAFETY: `p` starts `layout.size()` bytes of the region that
                // no other block uses.
                unsafe { p.write_bytes(0, layout.size()) };
                p
            }
            // SAFETY: as in `alloc`.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if in_region(p) {
            forget_block();
        } else {
            // SAFETY: not a region block, so `System` allocated it.
            unsafe { System.dealloc(p, layout) }
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !in_region(p) {
            // SAFETY: not a region block, so `System` allocated it.
            return unsafe { System.realloc(p, layout, new_size) };
        }
        if new_size <= layout.size() {
            return p;
        }
        // The last block handed out grows where it is (a vector being
        // pushed to, a string being read).
        let end = p as usize + layout.size().max(1);
        if NEXT.with(Cell::get) == end && p as usize + new_size <= LIMIT.with(Cell::get) {
            NEXT.with(|n| n.set(p as usize + new_size));
            return p;
        }
        // SAFETY: `new_size` with the old alignment is a valid layout (the
        // caller guarantees it does not overflow when rounded).
        let new =
            unsafe { self.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) };
        if !new.is_null() {
            // SAFETY: both blocks hold at least `layout.size()` bytes and
            // are distinct (the new one was just handed out).
            unsafe { std::ptr::copy_nonoverlapping(p, new, layout.size()) };
            forget_block();
        }
        new
    }
}

/// Run `f` with this thread's allocations served from a new region of
/// `capacity` bytes (from `System` once it is full). Without the region
/// (one is still held, or `malloc` failed), `f` just runs.
pub fn fill<T>(capacity: usize, f: impl FnOnce() -> T) -> T {
    if capacity == 0 {
        return f();
    }
    // One region at a time, process-wide: another thread's, or one whose
    // blocks are still alive, leaves this thread on malloc.
    let claimed = changing(|| {
        let free = !FILLING.load(Acquire) && START.load(Acquire) == 0;
        if free {
            FILLING.store(true, Release);
        }
        free
    });
    if !claimed {
        return f();
    }
    keep_freed_memory_in_the_heap();
    // SAFETY: a plain malloc; the block is only ever used through the bump.
    let base = unsafe { libc::malloc(capacity) } as usize;
    if base != 0 {
        changing(|| {
            START.store(base, Release);
            END.store(base + capacity, Release);
        });
        NEXT.with(|n| n.set(base));
        LIMIT.with(|l| l.set(base + capacity));
    }
    // Reset even if `f` unwinds, so no later allocation lands in the region.
    struct Stop;
    impl Drop for Stop {
        fn drop(&mut self) {
            NEXT.with(|n| n.set(0));
            LIMIT.with(|l| l.set(0));
            changing(|| {
                FILLING.store(false, Release);
                if LIVE.load(Acquire) == 0 {
                    give_back();
                }
            });
        }
    }
    let _stop = Stop;
    f()
}

/// A region block was freed (or moved out): the last one, once the
/// filling is over, takes the region with it.
fn forget_block() {
    if LIVE.fetch_sub(1, AcqRel) == 1 {
        changing(|| {
            // Only the filling thread adds blocks: with none alive and no
            // filling, none can appear before the region is gone.
            if LIVE.load(Acquire) == 0 && !FILLING.load(Acquire) {
                give_back();
            }
        });
    }
}

/// The region back to `malloc`: no block of it is alive and no thread
/// fills it. Called with `CHANGING` held.
fn give_back() {
    // The end first: from then on no address is taken for a region block.
    END.store(0, Release);
    let base = START.swap(0, AcqRel);
    if base != 0 {
        // SAFETY: `base` came from `libc::malloc` in `fill`, and nothing
        // refers to the region any more (see above); the swap lets only
        // one caller free it.
        unsafe { libc::free(base as *mut libc::c_void) };
    }
}

/// A large block, such as the region, would come from its own `mmap` and
/// go back to the kernel when freed, and the heap's top is trimmed back too:
/// either way libcrun's parse, which needs about as much, would fault in
/// fresh pages again. A runtime verb is a short-lived process; it keeps
/// what it freed for its own later allocations.
fn keep_freed_memory_in_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes glibc's thresholds.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}
