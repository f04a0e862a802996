// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! Multi handles (`FETCHM *`): the engine plus what the C API adds around
//! it: handle validation, the busy flag of CB-01/CB-02, the
//! `FETCH *` <-> [`TransferId`] map, the message storage of `info_read`,
//! and the C socket/timer callbacks.
//!
//! One file per concern; this one holds the handle object, the entry-point
//! prologue ([`entry`], [`entry_idle`]) and [`FetchMulti::drive`], the one
//! way into the engine:
//!
//! - `handle`: `fetch_multi_init` / `_cleanup`.
//! - `transfers`: add/remove, `info_read`, `get_handles`, and what the easy
//!   side asks of a multi (getinfo, pause, cleanup while added).
//! - `callbacks`: the bridge from the engine to the application's socket
//!   and timer callbacks, and `fetch_multi_assign` (AS-04).
//! - `options`: the multi option table and `fetch_multi_setopt_*`.
//! - `push`: HTTP/2 server push (PUSHFUNCTION, `fetch_pushheader_*`).
//! - `socket`: `socket_action`, `socket`, `socket_all`, `timeout`.
//! - `poll`: the built-in loop (`perform`, `fdset`, `waitfds`, `wait`,
//!   `poll`, `wakeup`).
//! - `engine`: the engine, and the built-in loop's poller only once it is
//!   used (a socket_action-only application pays for no poller).
//!
//! Aliasing discipline: a `FetchMulti` is only ever reached through shared
//! references (its mutable state is in `Cell`/`RefCell`), and the engine sits
//! in an `UnsafeCell` that only [`FetchMulti::drive`] opens, with the busy
//! flag set. Re-entrant calls from callbacks see the flag and refuse (or, for
//! `assign`, go through the engine's `SocketContext`), so no second `&mut` to
//! the engine ever exists. No `RefCell` borrow is held across a callback.
//! The `wakeup` field is `Sync` and never reaches into the engine, so
//! `fetch_multi_wakeup` uses it from any thread without the flag.

mod callbacks;
mod engine;
mod handle;
mod options;
mod poll;
mod push;
mod socket;
mod transfers;

pub use callbacks::*;
pub use handle::*;
pub use options::*;
pub use poll::*;
pub use push::*;
pub use socket::*;
pub use transfers::*;

use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::VecDeque;
use std::ffi::{c_int, c_long, c_void};
use std::os::fd::RawFd;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use fetch_core::{Message, Multi, TransferId};
use fetch_poll::Driver;

use engine::{Engine, Wakeup};

use crate::codes::*;
use crate::easy::{FetchEasy, Hooks, State, easy_mut, release};
use crate::guard;
use crate::registry::{self, Kind};

/// `fetch_socket_callback`.
pub type fetch_socket_callback =
    unsafe extern "C" fn(*mut c_void, fetch_socket_t, c_int, *mut c_void, *mut c_void) -> c_int;
/// `fetch_multi_timer_callback`.
pub type fetch_multi_timer_callback =
    unsafe extern "C" fn(*mut c_void, c_long, *mut c_void) -> c_int;

/// The `data` union of `FETCHMsg`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union FETCHMsgData {
    /// Unused by FETCHMSG_DONE.
    pub whatever: *mut c_void,
    /// The transfer's FETCHcode.
    pub result: FETCHcode,
}

/// `struct FETCHMsg`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FETCHMsg {
    /// FETCHMSG_DONE.
    pub msg: c_int,
    /// The easy handle that finished.
    pub easy_handle: *mut c_void,
    /// `data.result` holds the result code.
    pub data: FETCHMsgData,
}

/// The object behind `FETCHM *`.
pub struct FetchMulti {
    /// What `fetch_multi_wakeup` uses, from any thread and without the
    /// busy flag (it never touches `engine`).
    wakeup: Wakeup,
    busy: Cell<bool>,
    /// The engine, bare until the built-in loop is first used.
    engine: UnsafeCell<Option<Engine>>,
    socket_fn: Cell<Option<fetch_socket_callback>>,
    socket_data: Cell<*mut c_void>,
    timer_fn: Cell<Option<fetch_multi_timer_callback>>,
    timer_data: Cell<*mut c_void>,
    /// FETCHMOPT_PUSHFUNCTION and PUSHDATA (`push.rs`).
    push_fn: Cell<Option<fetch_push_callback>>,
    push_data: Cell<*mut c_void>,
    /// The engine's `SocketContext` while the C socket callback runs (AS-04).
    ctx: Cell<Option<NonNull<c_void>>>,
    /// Assigns made from other callbacks, applied when the call returns.
    deferred: RefCell<Vec<(RawFd, Option<usize>)>>,
    /// Transfers whose `fetch_easy_pause` came from inside a callback,
    /// applied when the call returns (CB-06).
    deferred_pause: RefCell<Vec<(TransferId, Arc<Hooks>)>>,
    /// Something may be waiting in `retired`, `deferred`, `deferred_pause`
    /// or `watched` (set by [`FetchMulti::defer`], cleared by `after` once
    /// they are empty): the common call checks this one flag, not four
    /// lists (issue 13).
    pending: Cell<bool>,
    /// Indexed by `TransferId::index()`.
    easies: RefCell<Vec<Option<(TransferId, *mut c_void)>>>,
    /// Transfers whose handle asked for information from inside a callback:
    /// their `fetch_easy_getinfo` snapshot is refreshed when a call returns.
    watched: RefCell<Vec<TransferId>>,
    added: Cell<usize>,
    /// The handle inside `fetch_multi_add_handle` (listed by `get_handles`
    /// before the engine gave it an id), or NULL.
    adding: Cell<*mut c_void>,
    /// Handles cleaned up from inside a callback while added (docs/decisions.md 25):
    /// already unregistered, taken out of the engine and released when the
    /// running call is done with the engine.
    retired: RefCell<Vec<(TransferId, *mut c_void)>>,
    msgs: RefCell<VecDeque<(*mut c_void, FETCHcode)>>,
    msg_out: UnsafeCell<FETCHMsg>,
}

struct BusyGuard<'a>(&'a Cell<bool>);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// The multi behind `m`, if `m` is a live multi handle. Nothing behind `m`
/// is read otherwise.
fn multi_ref<'a>(m: *mut c_void) -> Option<&'a FetchMulti> {
    // SAFETY: a registered address is a live FetchMulti (cleanup takes it
    // out of the registry before freeing it); only shared references to
    // it are ever formed.
    registry::is_live(m, Kind::Multi).then(|| unsafe { &*m.cast::<FetchMulti>() })
}

impl FetchMulti {
    fn as_c(&self) -> *mut c_void {
        ptr::from_ref(self).cast_mut().cast()
    }

    /// Runs `f` on the engine's multi with the busy flag set, then collects
    /// finished transfers and deferred assigns. Refused from inside
    /// callbacks.
    fn drive<R>(&self, f: impl FnOnce(&mut Multi) -> R) -> Result<R, FETCHMcode> {
        self.drive_engine(|slot| {
            let engine = slot.as_mut().ok_or(FETCHM_INTERNAL_ERROR)?;
            Ok(f(engine.multi_mut()))
        })
    }

    /// As [`FetchMulti::drive`], on the built-in loop's driver (perform,
    /// wait, poll), which is created on first use.
    fn drive_driver<R>(&self, f: impl FnOnce(&mut Driver) -> R) -> Result<R, FETCHMcode> {
        self.drive_engine(|slot| engine::driver(slot, &self.wakeup).map(f))
    }

    /// (Inline: the add and the remove each ran it as a call of its own,
    /// with their results moved through memory.)
    #[inline]
    fn drive_engine<R>(
        &self,
        f: impl FnOnce(&mut Option<Engine>) -> Result<R, FETCHMcode>,
    ) -> Result<R, FETCHMcode> {
        if self.busy.replace(true) {
            return Err(FETCHM_RECURSIVE_API_CALL);
        }
        let _busy = BusyGuard(&self.busy);
        // SAFETY: the busy flag was clear, so no other reference into the
        // engine exists, and every path that opens the cell checks it.
        // (`fetch_multi_wakeup` only touches the separate `wakeup` field.)
        let slot = unsafe { &mut *self.engine.get() };
        let r = f(slot);
        if let Some(engine) = slot.as_mut() {
            let multi = engine.multi_mut();
            // (The common call leaves nothing to do: checked here, inline.)
            if self.pending.get() || multi.messages_queued() > 0 {
                self.after(multi);
            }
        }
        r
    }

    /// What every driving call does when the engine returns: applies what
    /// callbacks asked for meanwhile, then turns finished transfers into
    /// DONE messages and refreshes the getinfo snapshots being watched.
    #[inline(never)]
    fn after(&self, multi: &mut Multi) {
        let pending = self.pending.get();
        if pending && self.anything_deferred() {
            self.settle(multi);
        }
        self.collect_done(multi);
        if pending {
            let watching = !self.watched.borrow().is_empty();
            if watching {
                self.refresh_watched(multi);
            }
            // What the last round of `settle` left stays for the next call.
            self.pending.set(watching || self.anything_deferred());
        }
    }

    /// Queues `item` in `list` (one of the lists `pending` stands for) for
    /// the end of the running call, or of the next one.
    fn defer<T>(&self, list: &RefCell<Vec<T>>, item: T) {
        list.borrow_mut().push(item);
        self.pending.set(true);
    }

    /// Whether a callback retired a handle, assigned or paused meanwhile.
    #[inline]
    fn anything_deferred(&self) -> bool {
        !(self.retired.borrow().is_empty()
            && self.deferred.borrow().is_empty()
            && self.deferred_pause.borrow().is_empty())
    }

    /// Applies what callbacks deferred: retired handles, assigns, pauses.
    #[cold]
    fn settle(&self, multi: &mut Multi) {
        // A resume may call back into the application, which may assign or
        // pause again; a few rounds settle that, and anything left over is
        // applied after the next call.
        for _ in 0..8 {
            self.drop_retired(multi);
            // (Checked first: the common case has nothing deferred, and an
            // empty check is cheaper than swapping the vectors out.)
            if !self.deferred.borrow().is_empty() {
                for (fd, v) in self.deferred.take() {
                    let _ = multi.assign(fd, v);
                }
            }
            if self.deferred_pause.borrow().is_empty() {
                break;
            }
            let pauses = self.deferred_pause.take();
            for (id, request) in pauses {
                if let Some(p) = request.pause.take() {
                    // The transfer may have ended meanwhile: nothing to do.
                    let _ = multi.pause(id, p);
                }
            }
        }
        // Whatever the last round's callbacks retired: each pass takes one
        // transfer out of the engine, so this ends.
        self.drop_retired(multi);
    }

    /// The engine's finished transfers as DONE messages, with the result
    /// (and error text) stored in their handles.
    fn collect_done(&self, multi: &mut Multi) {
        while let Some((msg, left)) = multi.info_read() {
            self.collect_one(msg);
            if left == 0 {
                // (Saves asking the engine once more for nothing.)
                break;
            }
        }
    }

    /// One finished transfer's DONE message, unless its handle was retired.
    /// (A failure's error goes its own way, out of line: the common `Ok`
    /// then carries no error payload through the lookup; issue 13.)
    #[inline(always)]
    fn collect_one(&self, msg: Message) {
        let Message { transfer, result } = msg;
        match result {
            Ok(()) => self.collect_code(transfer, |_| FETCHE_OK),
            Err(err) => self.collect_failed(transfer, err),
        }
    }

    /// [`FetchMulti::collect_one`] for a transfer that failed: its error
    /// text goes to the handle with the code.
    #[cold]
    #[inline(never)]
    fn collect_failed(&self, transfer: TransferId, err: fetch_core::Error) {
        self.collect_code(transfer, |e| {
            e.set_error(err.detail());
            easy_code(err.code())
        });
    }

    /// Stores the code `code` gives for transfer `transfer`'s handle and
    /// queues its DONE message, unless the handle was retired.
    #[inline(always)]
    fn collect_code(&self, transfer: TransferId, code: impl FnOnce(&mut FetchEasy) -> FETCHcode) {
        let Some(h) = self.lookup(transfer) else {
            return;
        };
        // SAFETY: a handle listed in `easies` is allocated: it is in state
        // `Added` from before it is listed until after it is unlisted
        // (`remove`, `retire_added`), and `release` frees only `Idle`
        // handles. (It may have been retired by a cleanup whose removal is
        // running: its result is then written to a handle nobody reads,
        // and the message goes with `unregister`.) No other reference to
        // it is held here.
        let e = unsafe { easy_mut(h) };
        let code = code(e);
        e.set_result(code);
        if !e.retired {
            // Registered (only cleanup unregisters, and it retires): the
            // application reads this message and then asks about the
            // handle, which its thread now finds without the lock.
            registry::remember_live(h, Kind::Easy);
        }
        self.msgs.borrow_mut().push_back((h, code));
    }

    /// Brings the getinfo snapshots of the watched transfers up to date.
    #[cold]
    fn refresh_watched(&self, multi: &Multi) {
        let watched = self.watched.borrow();
        for &id in watched.iter() {
            let (Some(h), Some(t)) = (self.lookup(id), multi.transfer(id)) else {
                continue;
            };
            // SAFETY: as in `collect_done`: listed handles are allocated;
            // no other reference to them is held here.
            unsafe { easy_mut(h) }.set_snapshot(t.info());
        }
    }

    /// Takes the transfers of handles retired inside callbacks out of the
    /// engine and frees the handles no running call still holds (docs/decisions.md 25).
    fn drop_retired(&self, multi: &mut Multi) {
        loop {
            let next = self.retired.borrow_mut().pop();
            let Some((id, h)) = next else {
                return;
            };
            // May call the socket and timer callbacks (the handle is
            // already unregistered, so they get NULL for it); the transfer
            // is dropped here, or was already taken out by a `remove`
            // running further up.
            drop(multi.remove(id));
            // SAFETY: retired handles stay allocated while queued here.
            unsafe { easy_mut(h) }.state = State::Idle;
            // SAFETY: as above; frees it unless a running call pins it.
            unsafe { release(h) };
        }
    }

    fn lookup(&self, id: TransferId) -> Option<*mut c_void> {
        match self.easies.borrow().get(id.index()) {
            Some(Some((i, h))) if *i == id => Some(*h),
            _ => None,
        }
    }

    /// Lists `h` as transfer `id`. (Inline: once per add.) The table
    /// grows by a push when the index is the next one (the engine's slots
    /// fill in order): `resize` by one was an out-of-line call of about 65
    /// instructions per add while transfers pile up (issue 13, L8).
    #[inline]
    fn register(&self, id: TransferId, h: *mut c_void) {
        let mut v = self.easies.borrow_mut();
        let i = id.index();
        if i < v.len() {
            // A slot freed earlier (the steady state of reused handles).
            v[i] = Some((id, h));
        } else if i == v.len() {
            v.push(Some((id, h)));
        } else {
            v.resize(i, None);
            v.push(Some((id, h)));
        }
        self.added.set(self.added.get() + 1);
    }

    /// Forgets `h`'s transfer `id`; a second call for the same pair (a
    /// handle retired while being removed) changes nothing. (Always
    /// inline: the remove ran it as a call of its own.)
    #[inline(always)]
    fn unregister(&self, id: TransferId, h: *mut c_void) {
        let mut easies = self.easies.borrow_mut();
        if let Some(slot) = easies.get_mut(id.index()) {
            if matches!(*slot, Some((i, _)) if i == id) {
                *slot = None;
                self.added.set(self.added.get() - 1);
            }
        }
        drop(easies);
        let mut msgs = self.msgs.borrow_mut();
        if !msgs.is_empty() {
            msgs.retain(|(e, _)| *e != h);
        }
        drop(msgs);
        // (Only `defer` fills `watched`, and it sets `pending`.)
        if self.pending.get() {
            let mut watched = self.watched.borrow_mut();
            if !watched.is_empty() {
                watched.retain(|w| *w != id);
            }
        }
    }
}

/// The prologue of every multi entry point returning a `FETCHMcode`: the
/// panic guard (STYLE rule 4) and the registry lookup, so an invalid
/// pointer gives `FETCHM_BAD_HANDLE` (ERR-04) without being read.
fn entry(m: *mut c_void, f: impl FnOnce(&FetchMulti) -> FETCHMcode) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || match multi_ref(m) {
        Some(mm) => f(mm),
        None => FETCHM_BAD_HANDLE,
    })
}

/// As [`entry`], and refused with `FETCHM_RECURSIVE_API_CALL` from inside
/// a callback of this multi (CB-01, CB-02) before anything else is looked
/// at.
fn entry_idle(m: *mut c_void, f: impl FnOnce(&FetchMulti) -> FETCHMcode) -> FETCHMcode {
    entry(m, |mm| {
        if mm.busy.get() {
            FETCHM_RECURSIVE_API_CALL
        } else {
            f(mm)
        }
    })
}

/// Stores a count in an optional `int` out-pointer.
fn store_running(running: *mut c_int, n: usize) {
    if !running.is_null() {
        // SAFETY: the caller's out-pointer (checked non-NULL).
        unsafe { *running = c_int::try_from(n).unwrap_or(c_int::MAX) };
    }
}
