//! Handle lifecycle: `fetch_easy_init`, `_cleanup`, `_reset`,
//! `_duphandle` (the registry entries of easy handles), `_strerror`.

use std::ffi::{c_char, c_void};
use std::ptr;

use super::{FetchEasy, Options, State, dirty, easy_ref, release, unpin};
use crate::codes::*;
use crate::guard;
use crate::multi::{detach_easy, is_busy, retire_added, stop_adding};
use crate::registry::{self, Kind};

/// `fetch_easy_init`: a new easy handle with default options, or NULL.
///
/// # Safety
/// Always safe to call; the handle must be freed with `fetch_easy_cleanup`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_init() -> *mut c_void {
    guard(ptr::null_mut(), || new_handle(Options::default))
}

/// A new registered handle with the options `opts` makes (built in
/// place, see `FetchEasy::new`).
#[inline]
fn new_handle(opts: impl FnOnce() -> Options) -> *mut c_void {
    let h = Box::into_raw(FetchEasy::new(opts));
    registry::insert(h, Kind::Easy);
    // The application's next calls (its setopts) are about this handle:
    // remembered, the first of them finds it without the registry's lock
    // (issue 13: a fresh handle per transfer).
    registry::remember_live(h, Kind::Easy);
    h.cast()
}

/// `fetch_easy_cleanup`: frees an easy handle, removing it from its multi
/// first. NULL, freed and foreign pointers are ignored.
///
/// docs/decisions.md 25: from inside a callback the handle may still be in use by the
/// running library call (its multi is being driven, it is being added or
/// removed, or it is inside its own `fetch_easy_perform`). It is then
/// retired at once (every entry point refuses it from now on, its transfer
/// calls no more application callbacks, no DONE message and no
/// `fetch_multi_get_handles` entry appear for it) and freed as soon as the
/// library is done with it: when the running multi call or
/// `fetch_easy_perform` returns (the latter then returns
/// FETCHE_ABORTED_BY_CALLBACK).
///
/// # Safety
/// `h` must be NULL or a pointer (freed or not; see `ABI.md` on address
/// reuse); after this call it must not be used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_cleanup(h: *mut c_void) {
    guard((), || {
        // SAFETY: the registry is checked before anything behind `h` is read.
        let Some(e) = (unsafe { easy_ref(h) }) else {
            return;
        };
        registry::remove(h, Kind::Easy);
        e.retired = true;
        e.hooks.detach();
        match e.state {
            // SAFETY: an added handle's multi is live (its cleanup detaches
            // every handle first).
            State::Added { multi, .. } if e.pins == 0 && !unsafe { is_busy(multi) } => {
                e.pins += 1;
                // SAFETY: as above; `e` is not used across this call, which
                // may run callbacks (they see the handle as freed).
                unsafe { detach_easy(multi, h) };
                // SAFETY: pinned above, so still ours; this frees it.
                unsafe { unpin(h) };
            }
            // The multi is being driven: it takes the transfer out of the
            // engine and frees the handle when the running call is done.
            // SAFETY: as above; `e` is not used after this.
            State::Added { multi, id } => unsafe { retire_added(multi, id, h) },
            // SAFETY: `multi` is inside `fetch_multi_add_handle` with this
            // handle; only its add-in-progress slot is cleared.
            State::Adding { multi } => unsafe { stop_adding(multi, h) },
            // SAFETY: registered until just now; `e` is not used after this.
            State::Idle => drop(unsafe { release(h) }),
            // Freed when the perform returns.
            State::Performing => {}
        }
    })
}

/// `fetch_easy_reset`: restores every option to its default. Information
/// from the last transfer is cleared too.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_reset(h: *mut c_void) {
    guard((), || {
        // SAFETY: as documented above.
        if let Some(e) = unsafe { easy_ref(h) } {
            // The cookies stay (upstream); the cookie options do not.
            // So does the share (upstream's reset keeps shares).
            e.opts = Options {
                cookies: e.opts.cookies.map(|c| c.after_reset()),
                share: e.opts.share.take(),
                hsts: e.opts.hsts.map(|c| c.after_reset()),
                altsvc: e.opts.altsvc.map(|c| c.after_reset()),
                ..Options::default()
            };
            // Rebuilt at the next add; with no engine transfer held, the
            // information reads as zeros. (An added handle's transfer goes
            // on with the options it started with, as before.)
            e.core = None;
            e.dirty = dirty::ALL;
            e.snapshot = None;
            e.live.reset();
            e.last_result = FETCHE_OK;
        }
    })
}

/// `fetch_easy_duphandle`: a new handle with the same options (not added
/// anywhere), or NULL for an invalid handle.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_duphandle(h: *mut c_void) -> *mut c_void {
    guard(ptr::null_mut(), || {
        // SAFETY: as documented above.
        match unsafe { easy_ref(h) } {
            // The copy holds no share (upstream: it is not duplicated).
            Some(e) => new_handle(|| Options {
                share: None,
                ..e.opts.clone()
            }),
            None => ptr::null_mut(),
        }
    })
}

/// A duplicate of `h` (as `fetch_easy_duphandle`) for a pushed stream,
/// its URL the pushed one; `None` for an invalid handle.
pub(crate) fn dup_for_push(h: *mut c_void, url: &str) -> Option<*mut c_void> {
    // SAFETY: `h` is checked against the registry before it is read.
    let e = unsafe { easy_ref(h) }?;
    let url = std::ffi::CString::new(url).ok()?;
    Some(new_handle(|| Options {
        share: None,
        url: Some(url),
        ..e.opts.clone()
    }))
}

/// `fetch_easy_strerror`: a static text for any code (never NULL).
///
/// # Safety
/// Always safe to call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_strerror(code: FETCHcode) -> *const c_char {
    guard(ptr::null(), || cstr_ptr(easy_strerror(code)))
}
