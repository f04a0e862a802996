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
//! Cost: a thread remembers the last handles it found live (a small
//! direct-mapped table per kind, one slot per address hash), each with the
//! registry's removal count of its kind at that moment; while no handle of
//! that kind has been removed since, asking again about one of them costs
//! a multiply, a thread-local read and one atomic load. Otherwise one uncontended mutex
//! and one probe of an open-addressing table (see [`Table`]). The hashes
//! are multiplicative, not SipHash: keys are our own heap addresses, not
//! attacker input.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// What a registered address is.
/// (The discriminants index [`SEEN`] and tag [`Table`] keys.)
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// A `FetchEasy` (`FETCH *`).
    Easy = 0,
    /// A `FetchMulti` (`FETCHM *`).
    Multi = 1,
    /// A `FetchShare` (`FETCHSH *`).
    Share = 2,
}

/// Fibonacci hashing's multiplier (2^64 / the golden ratio).
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The registered handles: a set of keys `address | kind` (handles are
/// boxes of types aligned to at least 4, so the two low bits are free),
/// with linear probing. A slot is [`EMPTY`], [`GONE`] (a removed key: the
/// probe goes on past it) or a key; at most three quarters of the slots
/// are in use, so every probe meets an empty slot.
struct Table {
    slots: Vec<usize>,
    /// The shift that keeps a hash's top log2(slots) bits.
    shift: u32,
    /// Keys in the table.
    live: usize,
    /// Slots not [`EMPTY`] (keys and [`GONE`] ones).
    used: usize,
}

/// A slot never used since the table was built.
const EMPTY: usize = 0;
/// A slot whose key was removed (no key is 1: addresses are aligned).
const GONE: usize = 1;

impl Table {
    const fn new() -> Self {
        Self {
            slots: Vec::new(),
            shift: 64,
            live: 0,
            used: 0,
        }
    }

    /// Where the probe for `key` starts.
    fn home(&self, key: usize) -> usize {
        ((key as u64).wrapping_mul(GOLDEN) >> self.shift) as usize
    }

    /// The slot holding `key`, if it is in the table.
    fn find(&self, key: usize) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            match self.slots[i] {
                k if k == key => return Some(i),
                EMPTY => return None,
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Adds `key` (not in the table: a live address is registered once).
    fn insert(&mut self, key: usize) {
        if (self.used + 1) * 4 > self.slots.len() * 3 {
            self.rebuild(self.live + 1);
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i] > GONE {
            i = (i + 1) & mask;
        }
        if self.slots[i] == EMPTY {
            self.used += 1;
        }
        self.slots[i] = key;
        self.live += 1;
    }

    /// Removes `key`; `true` if it was there.
    fn remove(&mut self, key: usize) -> bool {
        let Some(i) = self.find(key) else {
            return false;
        };
        self.slots[i] = GONE;
        self.live -= 1;
        if self.live == 0 {
            // Give the memory back once no handle is left, so a program
            // that freed every handle ends with nothing allocated here
            // (leak checkers would count the static's buffer).
            *self = Self::new();
        }
        true
    }

    /// A table with room for `keys` keys at most half full, with the keys
    /// of this one and no [`GONE`] slot.
    fn rebuild(&mut self, keys: usize) {
        let size = (keys * 2).next_power_of_two().max(16);
        let old = std::mem::replace(
            self,
            Self {
                slots: vec![EMPTY; size],
                shift: 64 - size.trailing_zeros(),
                live: 0,
                used: 0,
            },
        );
        for key in old.slots.into_iter().filter(|&k| k > GONE) {
            self.insert(key);
        }
    }
}

/// The key of a handle at `addr`, or `None` for an address no handle can
/// have: NULL (its keys would read as [`EMPTY`] or [`GONE`]) or not aligned
/// (its low bits would be taken for another kind's tag).
fn key(addr: usize, kind: Kind) -> Option<usize> {
    (addr != 0 && addr & 3 == 0).then_some(addr | kind as usize)
}

static LIVE: Mutex<Table> = Mutex::new(Table::new());

/// The table; a panic elsewhere while it was held cannot leave it
/// half-updated (no table method panics between its writes).
fn table() -> MutexGuard<'static, Table> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many handles of each kind have been removed; bumped under the lock
/// by every removal, so a remembered lookup older than the last removal of
/// its kind is stale. Per kind: a key names its kind, so the removal of an
/// easy handle cannot make a remembered multi stale, and a program that
/// cleans up easy handles between its multi calls keeps finding its multi
/// without the lock (issue 13).
static REMOVALS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

/// Slots per kind in each thread's table of handles found live (a power
/// of two).
const SEEN_SLOTS: usize = 8;

thread_local! {
    /// Per kind (easy, multi, share) and slot: an address found live, and
    /// the removal count when it was. (A never-used slot holds address 0,
    /// which is never asked about.) Kinds have slots of their own, so a
    /// program alternating between its multi and an easy handle does not
    /// evict one with the other.
    static SEEN: [[Cell<(usize, u64)>; SEEN_SLOTS]; 3] =
        const { [const { [const { Cell::new((0, 0)) }; SEEN_SLOTS] }; 3] };
}

/// The slot of `addr` in its kind's row of [`SEEN`]: the top bits of a
/// multiplicative hash (heap addresses differ in their middle bits).
fn seen_slot(addr: usize) -> usize {
    let bits = SEEN_SLOTS.trailing_zeros();
    ((addr as u64).wrapping_mul(GOLDEN) >> (64 - bits)) as usize
}

/// Records a new handle.
pub(crate) fn insert<T>(p: *const T, kind: Kind) {
    const { assert!(align_of::<T>() >= 4, "a key's two low bits hold the kind") };
    if let Some(k) = key(p as usize, kind) {
        table().insert(k);
    }
}

/// Forgets a handle; `true` if it was registered as `kind`. Called before
/// its memory is released (or when it is retired, see
/// `fetch_easy_cleanup`), so no later lookup can reach it.
pub(crate) fn remove<T>(p: *const T, kind: Kind) -> bool {
    let Some(k) = key(p as usize, kind) else {
        return false;
    };
    let mut t = table();
    let removed = t.remove(k);
    if removed {
        // Under the lock, before the memory can be released: every
        // thread's remembered lookup is stale from here on.
        REMOVALS[kind as usize].fetch_add(1, Ordering::AcqRel);
    }
    removed
}

/// Whether `p` is a registered handle of `kind`.
///
/// Inlined into every entry point: the remembered answer is a few
/// instructions; the table lookup is out of line.
#[inline]
pub(crate) fn is_live<T>(p: *const T, kind: Kind) -> bool {
    if p.is_null() {
        return false;
    }
    let addr = p as usize;
    let i = seen_slot(addr);
    let removals = REMOVALS[kind as usize].load(Ordering::Acquire);
    let remembered = SEEN
        .try_with(|seen| seen[kind as usize][i].get() == (addr, removals))
        .unwrap_or(false);
    remembered || look_up(addr, kind, i)
}

/// [`is_live`] through the table; a live answer is remembered.
#[cold]
#[inline(never)]
fn look_up(addr: usize, kind: Kind, i: usize) -> bool {
    let Some(k) = key(addr, kind) else {
        return false;
    };
    let t = table();
    let live = t.find(k).is_some();
    if live {
        // Read again under the lock: a removal cannot run meanwhile, so
        // the count stored is the one this answer is valid for.
        let now = REMOVALS[kind as usize].load(Ordering::Acquire);
        let _ = SEEN.try_with(|seen| seen[kind as usize][i].set((addr, now)));
    }
    live
}

/// Remembers `p` on this thread as a handle of `kind` found live, as
/// [`is_live`] would after a lookup, for a handle the caller knows is
/// registered and the application is about to use (the handle of a DONE
/// message): its next entry point then finds it without the lock.
pub(crate) fn remember_live<T>(p: *const T, kind: Kind) {
    let addr = p as usize;
    let removals = REMOVALS[kind as usize].load(Ordering::Acquire);
    debug_assert!(key(addr, kind).is_some_and(|k| table().find(k).is_some()));
    let _ = SEEN.try_with(|seen| seen[kind as usize][seen_slot(addr)].set((addr, removals)));
}

/// Runs `f` if `p` is a registered handle of `kind`, holding the registry
/// lock meanwhile, so that another thread cannot retire the handle while
/// `f` runs (for `fetch_multi_wakeup`, the one call allowed from any
/// thread). `f` must not call into the registry.
pub(crate) fn with_live<T, R>(p: *const T, kind: Kind, f: impl FnOnce() -> R) -> Option<R> {
    let k = key(p as usize, kind)?;
    let t = table();
    t.find(k).is_some().then(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remembered answers never outlive a removal, never answer for
    /// another kind, and addresses sharing a slot evict each other without
    /// a wrong answer.
    #[test]
    fn remembered_lookups_follow_the_table() {
        let objs: Vec<Box<u64>> = (0..(SEEN_SLOTS as u64 * 4)).map(Box::new).collect();
        let ptrs: Vec<*const u64> = objs.iter().map(|b| &raw const **b).collect();
        for &p in &ptrs {
            insert(p, Kind::Easy);
        }
        for _ in 0..2 {
            for &p in &ptrs {
                assert!(is_live(p, Kind::Easy));
                assert!(!is_live(p, Kind::Multi));
                assert!(!is_live(p, Kind::Share));
                // An address inside a handle is not a handle, whichever
                // kind's tag its low bits look like.
                assert!(!is_live(p.cast::<u8>().wrapping_add(1), Kind::Easy));
                assert!(!is_live(p.cast::<u8>().wrapping_add(1), Kind::Multi));
            }
        }
        assert!(remove(ptrs[0], Kind::Easy));
        assert!(!is_live(ptrs[0], Kind::Easy));
        assert!(!remove(ptrs[0], Kind::Easy));
        assert!(!remove(ptrs[1], Kind::Multi));
        for &p in &ptrs[1..] {
            assert!(is_live(p, Kind::Easy));
        }
        for &p in &ptrs[1..] {
            assert!(remove(p, Kind::Easy));
            assert!(!is_live(p, Kind::Easy));
        }
        assert!(!is_live(std::ptr::null::<u64>(), Kind::Easy));
    }

    /// NULL is never registered, found or removed, whatever the table
    /// holds (its keys would read as an empty or a removed slot).
    #[test]
    fn null_is_no_handle() {
        let obj = Box::new(7u64);
        let p = &raw const *obj;
        insert(p, Kind::Share);
        for kind in [Kind::Easy, Kind::Multi, Kind::Share] {
            assert!(!remove(std::ptr::null::<u64>(), kind));
            assert!(!is_live(std::ptr::null::<u64>(), kind));
            assert!(with_live(std::ptr::null::<u64>(), kind, || ()).is_none());
        }
        assert!(is_live(p, Kind::Share));
        assert!(remove(p, Kind::Share));
    }

    /// A remembered handle is found without the table while nothing is
    /// removed, and is looked up again after any removal.
    #[test]
    fn remembered_on_purpose_follows_removals() {
        let objs: Vec<Box<u64>> = (0..2).map(Box::new).collect();
        let (a, b) = (&raw const *objs[0], &raw const *objs[1]);
        insert(a, Kind::Multi);
        insert(b, Kind::Multi);
        remember_live(a, Kind::Multi);
        assert!(is_live(a, Kind::Multi));
        assert!(remove(b, Kind::Multi));
        assert!(is_live(a, Kind::Multi));
        assert!(remove(a, Kind::Multi));
        assert!(!is_live(a, Kind::Multi));
    }

    /// Removal counts are per kind: an address freed as one kind and
    /// registered again as another is never taken for the old kind, and
    /// a remembered handle of another kind still answers right.
    #[test]
    fn removals_of_one_kind_leave_the_others_right() {
        let objs: Vec<Box<u64>> = (0..2).map(Box::new).collect();
        let (a, b) = (&raw const *objs[0], &raw const *objs[1]);
        insert(a, Kind::Easy);
        insert(b, Kind::Multi);
        assert!(is_live(a, Kind::Easy));
        assert!(is_live(b, Kind::Multi));
        assert!(remove(a, Kind::Easy));
        assert!(is_live(b, Kind::Multi));
        insert(a, Kind::Multi);
        assert!(!is_live(a, Kind::Easy));
        assert!(is_live(a, Kind::Multi));
        assert!(remove(b, Kind::Multi));
        assert!(!is_live(b, Kind::Multi));
        assert!(is_live(a, Kind::Multi));
        assert!(remove(a, Kind::Multi));
        assert!(!is_live(a, Kind::Multi));
    }

    /// The table against a plain set: inserts, removals (leaving GONE
    /// slots that probes pass), growth and the rebuilds that drop GONE
    /// slots, with keys that collide on purpose.
    #[test]
    fn table_agrees_with_a_set() {
        let mut t = Table::new();
        let mut set = std::collections::BTreeSet::new();
        // A linear congruential sequence: deterministic, spread over the
        // key space, aligned to 8 like heap addresses, plus a tag.
        let mut x: u64 = 12345;
        for round in 0..20_000u64 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let addr = ((x >> 20) as usize % 512) * 64 + 4096;
            let k = addr | (round % 3) as usize;
            if set.contains(&k) {
                assert!(t.remove(k));
                set.remove(&k);
            } else {
                assert!(!t.remove(k));
                t.insert(k);
                set.insert(k);
            }
            assert_eq!(t.live, set.len());
            assert!(t.used * 4 <= t.slots.len() * 3);
            if round % 97 == 0 {
                for probe in (4096..4096 + 512 * 64).step_by(16) {
                    for tag in 0..3 {
                        let k = probe | tag;
                        assert_eq!(t.find(k).is_some(), set.contains(&k), "{k:#x}");
                    }
                }
            }
        }
        for k in std::mem::take(&mut set) {
            assert!(t.remove(k));
        }
        assert!(t.slots.is_empty(), "an empty table gives its memory back");
    }
}
