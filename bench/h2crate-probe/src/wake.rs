//! Flag wakers: waking sets one bit in a shared set, and the loop polls
//! only the futures whose bit is set. No executor, no task queue, no
//! allocation per wake (one `Arc` per slot, made once).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Wake, Waker};

/// One bit per slot.
pub(crate) struct Flags {
    words: Vec<AtomicU64>,
}

impl Flags {
    /// Room for `n` slots, all clear.
    pub(crate) fn new(n: usize) -> Arc<Self> {
        Arc::new(Self {
            words: (0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
        })
    }

    /// Sets slot `i`.
    pub(crate) fn set(&self, i: usize) {
        self.words[i / 64].fetch_or(1 << (i % 64), Ordering::Relaxed);
    }

    /// Clears slot `i` and says whether it was set.
    pub(crate) fn take(&self, i: usize) -> bool {
        let bit = 1 << (i % 64);
        self.words[i / 64].fetch_and(!bit, Ordering::Relaxed) & bit != 0
    }

    /// Clears every slot and returns the set ones, in order.
    pub(crate) fn take_all(&self, out: &mut Vec<usize>) {
        out.clear();
        for (w, word) in self.words.iter().enumerate() {
            let mut bits = word.swap(0, Ordering::Relaxed);
            while bits != 0 {
                out.push(w * 64 + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
    }

    /// Whether any slot is set.
    pub(crate) fn any(&self) -> bool {
        self.words.iter().any(|w| w.load(Ordering::Relaxed) != 0)
    }
}

struct SlotWaker {
    flags: Arc<Flags>,
    slot: usize,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.flags.set(self.slot);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.flags.set(self.slot);
    }
}

/// A waker per slot, `0..n`.
pub(crate) fn wakers(flags: &Arc<Flags>, n: usize) -> Vec<Waker> {
    (0..n)
        .map(|slot| {
            Waker::from(Arc::new(SlotWaker {
                flags: flags.clone(),
                slot,
            }))
        })
        .collect()
}
