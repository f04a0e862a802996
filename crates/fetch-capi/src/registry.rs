//! The live-handle registry: the address and kind of every easy and multi
//! handle handed out and not yet cleaned up.
//!
//! Entry points look a pointer up here *before* dereferencing it, so NULL,
//! freed and foreign pointers are refused without reading the memory they
//! point to (a magic value inside the object cannot do that: reading it
//! from a freed handle is already a use after free).
//!
//! Limit: an address is only an address. Once a handle is freed, a later
//! `fetch_easy_init` / `fetch_multi_init` may get the same address, and the
//! stale pointer then names the new handle. Detection holds until the
//! library hands the address out again for a handle of the same kind.
//!
//! Cost: a thread remembers the last handle of each kind it found live,
//! with the registry's removal count at that moment; while no handle has
//! been removed since, asking again costs a thread-local read and one
//! atomic load. Otherwise one uncontended mutex and one hash probe. The
//! hash is a multiply-fold of the address, not SipHash: keys are our own
//! heap addresses, not attacker input.

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// What a registered address is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// A `FetchEasy` (`FETCH *`).
    Easy,
    /// A `FetchMulti` (`FETCHM *`).
    Multi,
    /// A `FetchShare` (`FETCHSH *`).
    Share,
}

/// Hashes one `usize` (a heap address) by a multiply-fold.
#[derive(Default)]
pub(crate) struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(self.0.rotate_left(8) ^ u64::from(b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        // Both halves of the 128-bit product, so the low bits (the bucket
        // index) depend on every bit of the address.
        let p = u128::from(n) * 0x9e37_79b9_7f4a_7c15;
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

type Table = HashMap<usize, Kind, BuildHasherDefault<AddrHasher>>;

static LIVE: Mutex<Table> = Mutex::new(HashMap::with_hasher(BuildHasherDefault::new()));

/// The table; a panic elsewhere while it was held cannot leave it
/// half-updated (each operation is one insert, remove or get).
fn table() -> MutexGuard<'static, Table> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many handles have been removed; bumped under the lock by every
/// removal, so a remembered lookup older than the last removal is stale.
static REMOVALS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Per kind (easy, multi, share): the last address found live and the removal
    /// count when it was.
    static LAST_LIVE: [Cell<(usize, u64)>; 3] =
        const { [Cell::new((0, 0)), Cell::new((0, 0)), Cell::new((0, 0))] };
}

fn slot(kind: Kind) -> usize {
    match kind {
        Kind::Easy => 0,
        Kind::Multi => 1,
        Kind::Share => 2,
    }
}

/// Records a new handle.
pub(crate) fn insert<T>(p: *const T, kind: Kind) {
    table().insert(p as usize, kind);
}

/// Forgets a handle; `true` if it was registered as `kind`. Called before
/// its memory is released (or when it is retired, see
/// `fetch_easy_cleanup`), so no later lookup can reach it.
pub(crate) fn remove<T>(p: *const T, kind: Kind) -> bool {
    let mut t = table();
    if t.get(&(p as usize)) == Some(&kind) {
        t.remove(&(p as usize));
        // Under the lock, before the memory can be released: every
        // thread's remembered lookup is stale from here on.
        REMOVALS.fetch_add(1, Ordering::AcqRel);
        if t.is_empty() {
            // Give the table's memory back once no handle is left, so a
            // program that freed every handle ends with nothing allocated
            // here (leak checkers would count the static's buffer).
            t.shrink_to_fit();
        }
        true
    } else {
        false
    }
}

/// Whether `p` is a registered handle of `kind`.
pub(crate) fn is_live<T>(p: *const T, kind: Kind) -> bool {
    if p.is_null() {
        return false;
    }
    let addr = p as usize;
    let removals = REMOVALS.load(Ordering::Acquire);
    let remembered = LAST_LIVE
        .try_with(|last| last[slot(kind)].get() == (addr, removals))
        .unwrap_or(false);
    if remembered {
        return true;
    }
    let t = table();
    let live = t.get(&addr) == Some(&kind);
    if live {
        // Read again under the lock: a removal cannot run meanwhile, so
        // the count stored is the one this answer is valid for.
        let now = REMOVALS.load(Ordering::Acquire);
        let _ = LAST_LIVE.try_with(|last| last[slot(kind)].set((addr, now)));
    }
    live
}

/// Runs `f` if `p` is a registered handle of `kind`, holding the registry
/// lock meanwhile, so that another thread cannot retire the handle while
/// `f` runs (for `fetch_multi_wakeup`, the one call allowed from any
/// thread). `f` must not call into the registry.
pub(crate) fn with_live<T, R>(p: *const T, kind: Kind, f: impl FnOnce() -> R) -> Option<R> {
    if p.is_null() {
        return None;
    }
    let t = table();
    (t.get(&(p as usize)) == Some(&kind)).then(f)
}
