//! Transfers in a multi: `fetch_multi_add_handle`, `_remove_handle`,
//! `_info_read`, `_get_handles`, and what the easy side asks of the multi
//! a handle is added to (getinfo, pause, cleanup while added).

use std::ffi::{c_int, c_void};
use std::ptr;
use std::sync::Arc;

use fetch_core::{MultiError, TransferId, TransferInfo};

use super::{FETCHMsg, FETCHMsgData, FetchMulti, entry, entry_idle, multi_ref, store_running};
use crate::codes::*;
use crate::easy::{Hooks, State, easy_mut, easy_ref, pin, unpin};
use crate::guard;
use crate::registry::{self, Kind};

/// `f` on the engine's information for an added transfer, or `None` while
/// the multi is busy (inside a callback, where the snapshot is used).
///
/// # Safety
/// `multi` must be a live multi handle.
pub(crate) unsafe fn with_engine_info<R>(
    multi: *const FetchMulti,
    id: TransferId,
    f: impl FnOnce(&TransferInfo) -> R,
) -> Option<R> {
    // SAFETY: the caller promises `multi` is live.
    let m = unsafe { &*multi };
    if m.busy.get() {
        return None;
    }
    // SAFETY: not busy: nothing else references the engine, and this
    // shared borrow ends before anything else can run (`f` calls no
    // application code).
    let engine = unsafe { &*m.engine.get() }.as_ref()?.multi();
    engine.transfer(id).map(|e| f(e.info()))
}

/// Asks `multi` to refresh the getinfo snapshot of transfer `id`'s handle
/// whenever one of its calls returns; `true` once recorded.
///
/// # Safety
/// `multi` must be a live multi handle.
pub(crate) unsafe fn watch_info(multi: *const FetchMulti, id: TransferId) -> bool {
    // SAFETY: the caller promises `multi` is live; only its `RefCell`s are
    // touched, and no borrow of them is held across a callback.
    let m = unsafe { &*multi };
    if m.lookup(id).is_none() {
        return false;
    }
    m.defer(&m.watched, id);
    true
}

/// `fetch_easy_pause` on an added transfer: applied at once outside
/// callbacks, recorded in `request` and applied when the running call
/// returns inside them (CB-06).
///
/// # Safety
/// `multi` must be a live multi handle.
pub(crate) unsafe fn pause_transfer(
    multi: *const FetchMulti,
    id: TransferId,
    request: &Arc<Hooks>,
    bits: c_int,
) -> FETCHcode {
    // SAFETY: the caller promises `multi` is live.
    let m = unsafe { &*multi };
    if m.busy.get() {
        request.pause.set(bits);
        m.defer(&m.deferred_pause, (id, request.clone()));
        return FETCHE_OK;
    }
    let _ = request.pause.take();
    match m.drive(|engine| engine.pause(id, fetch_core::Pause::from_bits(bits))) {
        Ok(Ok(())) => FETCHE_OK,
        // A socket or timer callback returned -1 on the way.
        Ok(Err(MultiError::AbortedByCallback)) => FETCHE_ABORTED_BY_CALLBACK,
        Ok(Err(_)) | Err(_) => FETCHE_BAD_FUNCTION_ARGUMENT,
    }
}

/// Removes `h` from `multi` (for `fetch_easy_cleanup`).
///
/// # Safety
/// `multi` must be a live multi handle; `h` an easy handle added to it,
/// pinned by the caller.
pub(crate) unsafe fn detach_easy(multi: *const FetchMulti, h: *mut c_void) -> FETCHMcode {
    // SAFETY: the caller promises both are live.
    unsafe { remove(&*multi, h) }
}

/// Whether `multi` is running a call (so callbacks may be on the stack).
///
/// # Safety
/// `multi` must be a live multi handle.
pub(crate) unsafe fn is_busy(multi: *const FetchMulti) -> bool {
    // SAFETY: the caller promises it is live.
    unsafe { &*multi }.busy.get()
}

/// docs/decisions.md 25: `fetch_easy_cleanup` of handle `h`, added to the busy `multi` as
/// transfer `id`: it disappears from the multi now (no DONE message, no
/// `get_handles` entry) and its transfer is taken out of the engine, and
/// the handle freed, when the running call is done with the engine
/// ([`FetchMulti::drop_retired`]).
///
/// # Safety
/// `multi` must be a live multi handle, being driven; `h` retired.
pub(crate) unsafe fn retire_added(multi: *const FetchMulti, id: TransferId, h: *mut c_void) {
    // SAFETY: the caller promises it is live.
    let m = unsafe { &*multi };
    m.unregister(id, h);
    m.defer(&m.retired, (id, h));
}

/// docs/decisions.md 25: `fetch_easy_cleanup` of `h` while `multi` is adding it: it is no
/// longer listed; the add retires it once the engine has it.
///
/// # Safety
/// `multi` must be a live multi handle.
pub(crate) unsafe fn stop_adding(multi: *const FetchMulti, h: *mut c_void) {
    // SAFETY: the caller promises it is live.
    let m = unsafe { &*multi };
    if m.adding.get() == h {
        m.adding.set(ptr::null_mut());
    }
}

/// Takes `h` out of `m`. (Always inline: `fetch_multi_remove_handle`
/// called it as a function of its own.)
///
/// # Safety
/// `h` must be a registered easy handle, or one pinned by the caller.
#[inline(always)]
pub(super) unsafe fn remove(m: &FetchMulti, h: *mut c_void) -> FETCHMcode {
    // SAFETY: the caller's promise; the borrow ends here.
    let state = unsafe { easy_mut(h) }.state;
    let id = match state {
        State::Added { multi, id } if ptr::eq(multi, m) => id,
        // HM-08: removing through the wrong multi.
        State::Added { .. } | State::Adding { .. } => return FETCHM_BAD_EASY_HANDLE,
        // HM-08: not added is fine.
        State::Idle | State::Performing => return FETCHM_OK,
    };
    // SAFETY: as above. Pinned: the callbacks run by the removal may
    // retire the handle, and it is used again below.
    unsafe { pin(h) };
    let code = match m.drive(|engine| engine.remove(id)) {
        Err(code) => code,
        Ok(removed) => {
            m.unregister(id, h);
            // SAFETY: pinned, so still ours; no other reference exists now.
            let e = unsafe { easy_mut(h) };
            e.state = State::Idle;
            e.watched = false;
            match removed {
                Ok(easy) => {
                    e.restore(easy);
                    FETCHM_OK
                }
                Err(err) => multi_code(err),
            }
        }
    };
    // SAFETY: pinned above; frees the handle if a callback retired it.
    unsafe { unpin(h) };
    code
}

/// `fetch_multi_add_handle` (HM-02, HM-03, TF-04).
///
/// # Safety
/// `m` and `e` must be NULL or pointers from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_add_handle(m: *mut c_void, e: *mut c_void) -> FETCHMcode {
    entry(m, |mm| {
        // SAFETY: `e` is NULL or a pointer from this library (the
        // caller's promise); the borrow ends before driving.
        let easy = match unsafe { claim_for_add(mm, e) } {
            Ok(easy) => easy,
            Err(code) => return code,
        };
        mm.adding.set(e);
        let mut easy = Some(easy);
        // The transfer is handed to the engine only if `drive` runs the
        // closure; otherwise it stays in `easy` and goes back to the handle.
        let added = mm.drive(|engine| {
            let r = easy.take().map(|x| engine.add(x));
            // Listed through the map from here on (callbacks run by
            // `after` must not see it twice).
            mm.adding.set(ptr::null_mut());
            if let Some(Ok(id)) = &r {
                // SAFETY: pinned by `claim_for_add`, so still ours.
                unsafe { record_added(mm, e, *id) };
            }
            r
        });
        mm.adding.set(ptr::null_mut());
        // SAFETY: pinned, so still ours; no other reference exists now.
        let x = unsafe { easy_mut(e) };
        let code = match added {
            Ok(Some(Ok(_))) => FETCHM_OK,
            // Not reached: the closure ran, so it had the transfer.
            Ok(None) => FETCHM_INTERNAL_ERROR,
            Ok(Some(Err(add))) => {
                x.state = State::Idle;
                x.restore(*add.easy);
                multi_code(add.error)
            }
            Err(code) => {
                x.state = State::Idle;
                if let Some(easy) = easy {
                    x.restore(easy);
                }
                code
            }
        };
        // SAFETY: pinned above; frees the handle if it was cleaned up
        // meanwhile (and is out of the engine by now).
        unsafe { unpin(e) };
        code
    })
}

/// Checks that handle `e` may be added to `mm` and takes out its
/// transfer, the handle pinned and marked as being added.
///
/// # Safety
/// `e` must be NULL or a pointer from this library.
unsafe fn claim_for_add(mm: &FetchMulti, e: *mut c_void) -> Result<fetch_core::Easy, FETCHMcode> {
    // SAFETY: checked against the registry (the caller's promise).
    let Some(x) = (unsafe { easy_ref(e) }) else {
        return Err(FETCHM_BAD_EASY_HANDLE);
    };
    if mm.busy.get() {
        return Err(FETCHM_RECURSIVE_API_CALL);
    }
    if !matches!(x.state, State::Idle) {
        return Err(FETCHM_ADDED_ALREADY);
    }
    x.clear_error();
    // Pinned and marked: the timer callback the engine calls inside `add`
    // may clean the handle up (docs/decisions.md 25), and it is used again
    // after.
    x.state = State::Adding {
        multi: ptr::from_ref(mm),
    };
    x.pins += 1;
    Ok(x.prepare())
}

/// Registers handle `e` as transfer `id` of `mm` while the add's `drive`
/// still runs, so that what the callbacks asked for during the add
/// (cleanup, pause) is acted on by the same call.
///
/// # Safety
/// `e` must be a pinned handle being added to `mm`.
#[inline]
unsafe fn record_added(mm: &FetchMulti, e: *mut c_void, id: TransferId) {
    // SAFETY: pinned (the caller's promise), so still ours.
    let x = unsafe { easy_mut(e) };
    x.state = State::Added {
        multi: ptr::from_ref(mm),
        id,
    };
    if x.retired {
        mm.defer(&mm.retired, (id, e));
    } else {
        mm.register(id, e);
        if x.hooks.pause.is_pending() {
            mm.defer(&mm.deferred_pause, (id, x.hooks.clone()));
        }
    }
}

/// `fetch_multi_remove_handle` (HM-07, HM-08, CB-02).
///
/// # Safety
/// `m` and `e` must be NULL or pointers from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_remove_handle(m: *mut c_void, e: *mut c_void) -> FETCHMcode {
    entry_idle(m, |mm| {
        if !registry::is_live(e, Kind::Easy) {
            return FETCHM_BAD_EASY_HANDLE;
        }
        // SAFETY: `e` was just validated.
        unsafe { remove(mm, e) }
    })
}

/// `fetch_multi_info_read` (IR-01..IR-06): the next DONE message or NULL.
/// The message lives in the multi until the next `info_read`, remove or
/// cleanup. Allowed inside callbacks (it reads the wrapper's queue).
///
/// # Safety
/// `m` must be NULL or a pointer from this library; `msgs_in_queue` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_info_read(
    m: *mut c_void,
    msgs_in_queue: *mut c_int,
) -> *mut FETCHMsg {
    guard(ptr::null_mut(), || {
        store_running(msgs_in_queue, 0);
        let Some(mm) = multi_ref(m) else {
            return ptr::null_mut();
        };
        let mut q = mm.msgs.borrow_mut();
        let Some((h, code)) = q.pop_front() else {
            return ptr::null_mut();
        };
        store_running(msgs_in_queue, q.len());
        let out = mm.msg_out.get();
        // SAFETY: the message slot belongs to this multi; the application
        // may only read it until the next info_read (documented lifetime).
        unsafe {
            out.write(FETCHMsg {
                msg: FETCHMSG_DONE,
                easy_handle: h,
                data: FETCHMsgData { result: code },
            })
        };
        out
    })
}

/// `fetch_multi_get_handles` (HM-11): a NULL-terminated, malloc'd array of
/// the added handles (free with `fetch_free`), or NULL.
///
/// # Safety
/// `m` must be NULL or a pointer from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_get_handles(m: *mut c_void) -> *mut *mut c_void {
    guard(ptr::null_mut(), || {
        let Some(mm) = multi_ref(m) else {
            return ptr::null_mut();
        };
        let v = mm.easies.borrow();
        let adding = mm.adding.get();
        let n = mm.added.get() + usize::from(!adding.is_null());
        // SAFETY: malloc for n + 1 pointers; checked below.
        let arr = unsafe { libc::malloc((n + 1) * size_of::<*mut c_void>()) }.cast::<*mut c_void>();
        if arr.is_null() {
            return arr;
        }
        let mut i = 0;
        let adding = (!adding.is_null()).then_some(adding);
        for h in v.iter().flatten().map(|(_, h)| h).chain(adding.as_ref()) {
            if i < n {
                // SAFETY: i < n + 1 slots.
                unsafe { arr.add(i).write(*h) };
                i += 1;
            }
        }
        // SAFETY: i <= n.
        unsafe { arr.add(i).write(ptr::null_mut()) };
        arr
    })
}
