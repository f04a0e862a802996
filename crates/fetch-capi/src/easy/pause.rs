//! `fetch_easy_pause` and [`PauseRequest`], which carries a pause made
//! from inside a callback to the point where the engine can act on it
//! (CB-06).

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicI32, Ordering};

use fetch_core::Pause;

use super::{State, easy_ref};
use crate::codes::*;
use crate::guard;
use crate::multi::pause_transfer;

/// A `fetch_easy_pause` made while the transfer's engine is borrowed
/// (inside a callback of its multi, or inside its own `fetch_easy_perform`),
/// shared with the engine closures of the transfer (CB-06).
///
/// The engine cannot be told at that moment, so the request is recorded
/// here and applied with [`Multi::pause`] right after the running call
/// returns. Until then the closures honour it: a write callback is not
/// called for data that arrives after a receive pause was requested (the
/// closure returns [`Flow::Pause`], so the engine keeps the data and
/// delivers it on resume), a header callback turns it into a pause before
/// the body, and a read callback is not called after a send pause. The data
/// of the callback that asked for the pause was consumed by it (upstream:
/// the callback returned its length), so it is not delivered again.
#[derive(Debug)]
pub(crate) struct PauseRequest(AtomicI32);

/// No request.
impl Default for PauseRequest {
    fn default() -> Self {
        Self(AtomicI32::new(Self::NONE))
    }
}

impl PauseRequest {
    const NONE: i32 = -1;

    /// Records `bits` (FETCHPAUSE_*), replacing any earlier request.
    pub(crate) fn set(&self, bits: c_int) {
        self.0.store(bits & FETCHPAUSE_ALL, Ordering::Relaxed);
    }

    /// The pending request, cleared.
    pub(crate) fn take(&self) -> Option<Pause> {
        let bits = self.0.swap(Self::NONE, Ordering::Relaxed);
        (bits != Self::NONE).then(|| Pause::from_bits(bits))
    }

    /// Whether a request is waiting.
    pub(crate) fn is_pending(&self) -> bool {
        self.0.load(Ordering::Relaxed) != Self::NONE
    }

    /// Whether a pending request pauses the direction `bit`.
    pub(super) fn blocks(&self, bit: c_int) -> bool {
        let bits = self.0.load(Ordering::Relaxed);
        bits != Self::NONE && bits & bit != 0
    }
}

/// `fetch_easy_pause`: pauses or resumes a transfer's directions
/// (FETCHPAUSE_RECV 1, FETCHPAUSE_SEND 4, FETCHPAUSE_ALL, FETCHPAUSE_CONT;
/// other bits are ignored). Data held back while receiving was paused is
/// delivered first on resume.
///
/// CB-06: callable from every callback but the socket callback. Inside a
/// callback of the transfer's multi (or of its own `fetch_easy_perform`) the
/// request is recorded and applied right after the running call returns
/// (see `PauseRequest`); outside callbacks it acts at once, and the socket and
/// timer callbacks may fire from inside this call (a paused transfer's
/// socket is REMOVEd when nothing is left to watch). A handle that is not in
/// a transfer gives FETCHE_BAD_FUNCTION_ARGUMENT (upstream: no connection).
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_pause(h: *mut c_void, bitmask: c_int) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        // SAFETY: as documented above; the reference is not used after the
        // state and request are copied out, so callbacks run below may
        // reach the handle again.
        let (state, hooks) = match unsafe { easy_ref(h) } {
            Some(e) => (e.state, e.hooks.clone()),
            None => return FETCHE_BAD_FUNCTION_ARGUMENT,
        };
        match state {
            State::Idle => FETCHE_BAD_FUNCTION_ARGUMENT,
            // Applied by the add once the transfer has an id.
            State::Adding { .. } | State::Performing => {
                hooks.pause.set(bitmask);
                FETCHE_OK
            }
            // SAFETY: an added handle's multi is live (see refresh_info).
            State::Added { multi, id } => unsafe { pause_transfer(multi, id, &hooks, bitmask) },
        }
    })
}
