// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! Multi handles (`FETCHM *`): the engine plus what the C API adds around
//! it: handle validation, the busy flag of CB-01/CB-02, the
//! `FETCH *` <-> [`TransferId`] map, the message storage of `info_read`,
//! and the C socket/timer callbacks.
//!
//! The engine is a [`fetch_poll::Driver`] owning the [`Multi`]: it serves
//! `fetch_multi_perform`, `_wait`, `_poll` and (through a cloned [`Waker`])
//! `_wakeup`, and `fetch_easy_perform` runs one privately.
//!
//! Aliasing discipline: a `FetchMulti` is only ever reached through shared
//! references (its mutable state is in `Cell`/`RefCell`), and the engine sits
//! in an `UnsafeCell` that only [`FetchMulti::drive`] opens, with the busy
//! flag set. Re-entrant calls from callbacks see the flag and refuse (or, for
//! `assign`, go through the engine's `SocketContext`), so no second `&mut` to
//! the engine ever exists. No `RefCell` borrow is held across a callback.
//! The `waker` field is immutable after init and `Sync`, so
//! `fetch_multi_wakeup` uses it from any thread without the flag.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_long, c_void};
use std::os::fd::RawFd;
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::Duration;

use fetch_core::{
    Abort, Events, Multi, MultiError, SocketContext, SocketEvent, Target, TransferId, TransferInfo,
};
use fetch_poll::{Driver, Waker};

use crate::codes::*;
use crate::easy::{
    PauseRequest, State, callback, easy_mut, easy_ref, fetch_func, pin, release, unpin,
};
use crate::registry::{self, Kind};
use crate::wait::{ceil_ms, fetch_waitfd};
use crate::{SendPtr, guard};

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
    /// Wakes the driver's `poll` (`fetch_multi_wakeup`). Set at init and
    /// never changed, so other threads may use it while the multi is
    /// driven; it fails once the driver is dropped by cleanup.
    waker: Waker,
    busy: Cell<bool>,
    engine: UnsafeCell<Option<Driver>>,
    socket_fn: Cell<Option<fetch_socket_callback>>,
    socket_data: Cell<*mut c_void>,
    timer_fn: Cell<Option<fetch_multi_timer_callback>>,
    timer_data: Cell<*mut c_void>,
    /// The engine's `SocketContext` while the C socket callback runs (AS-04).
    ctx: Cell<Option<NonNull<c_void>>>,
    /// Assigns made from other callbacks, applied when the call returns.
    deferred: RefCell<Vec<(RawFd, Option<usize>)>>,
    /// Transfers whose `fetch_easy_pause` came from inside a callback,
    /// applied when the call returns (CB-06).
    deferred_pause: RefCell<Vec<(TransferId, Arc<PauseRequest>)>>,
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
        self.drive_driver(|d| f(d.multi_mut()))
    }

    /// As [`FetchMulti::drive`], on the whole driver (perform, wait, poll).
    fn drive_driver<R>(&self, f: impl FnOnce(&mut Driver) -> R) -> Result<R, FETCHMcode> {
        if self.busy.replace(true) {
            return Err(FETCHM_RECURSIVE_API_CALL);
        }
        let _busy = BusyGuard(&self.busy);
        // SAFETY: the busy flag was clear, so no other reference into the
        // engine exists, and every path that opens the cell checks it.
        // (`fetch_multi_wakeup` only touches the separate `waker` field.)
        let driver = unsafe { &mut *self.engine.get() }
            .as_mut()
            .ok_or(FETCHM_INTERNAL_ERROR)?;
        let r = f(driver);
        self.after(driver.multi_mut());
        Ok(r)
    }

    fn after(&self, multi: &mut Multi) {
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
                if let Some(p) = request.take() {
                    // The transfer may have ended meanwhile: nothing to do.
                    let _ = multi.pause(id, p);
                }
            }
        }
        // Whatever the last round's callbacks retired: each pass takes one
        // transfer out of the engine, so this ends.
        self.drop_retired(multi);
        while let Some((msg, _)) = multi.info_read() {
            let Some(h) = self.lookup(msg.transfer) else {
                continue;
            };
            let code = match &msg.result {
                Ok(()) => FETCHE_OK,
                Err(e) => easy_code(e.code()),
            };
            // SAFETY: registered handles are live (cleanup detaches first)
            // and no other reference to them is held here.
            if let Some(e) = unsafe { easy_ref(h) } {
                if let Err(err) = &msg.result {
                    e.set_error(err.detail());
                }
                e.set_result(code);
            }
            self.msgs.borrow_mut().push_back((h, code));
        }
        let watched = self.watched.borrow();
        for &id in watched.iter() {
            let (Some(h), Some(t)) = (self.lookup(id), multi.transfer(id)) else {
                continue;
            };
            // SAFETY: registered handles are live; no other reference to
            // them is held here.
            if let Some(e) = unsafe { easy_ref(h) } {
                e.set_snapshot(t.info());
            }
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

    fn register(&self, id: TransferId, h: *mut c_void) {
        let mut v = self.easies.borrow_mut();
        if v.len() <= id.index() {
            v.resize(id.index() + 1, None);
        }
        v[id.index()] = Some((id, h));
        self.added.set(self.added.get() + 1);
    }

    /// Forgets `h`'s transfer `id`; a second call for the same pair (a
    /// handle retired while being removed) changes nothing.
    fn unregister(&self, id: TransferId, h: *mut c_void) {
        let mut easies = self.easies.borrow_mut();
        if let Some(slot) = easies.get_mut(id.index()) {
            if matches!(*slot, Some((i, _)) if i == id) {
                *slot = None;
                self.added.set(self.added.get() - 1);
            }
        }
        drop(easies);
        self.msgs.borrow_mut().retain(|(e, _)| *e != h);
        let mut watched = self.watched.borrow_mut();
        if !watched.is_empty() {
            watched.retain(|w| *w != id);
        }
    }

    fn on_socket(&self, ctx: &mut SocketContext<'_>, ev: SocketEvent) -> Result<(), Abort> {
        let Some(f) = self.socket_fn.get() else {
            return Ok(());
        };
        let easy = ev
            .transfer
            .and_then(|id| self.lookup(id))
            .unwrap_or(ptr::null_mut());
        let socketp = ev.assigned.map_or(ptr::null_mut(), |v| v as *mut c_void);
        let prev = self.ctx.replace(Some(NonNull::from(ctx).cast()));
        // SAFETY: the application's socket callback, called with the
        // documented arguments.
        let rc = unsafe {
            f(
                easy,
                ev.socket,
                ev.interest.as_raw(),
                self.socket_data.get(),
                socketp,
            )
        };
        self.ctx.set(prev);
        if rc == -1 { Err(Abort) } else { Ok(()) }
    }

    fn on_timer(&self, d: Option<Duration>) -> Result<(), Abort> {
        let Some(f) = self.timer_fn.get() else {
            return Ok(());
        };
        let ms = d.map_or(-1, |d| c_long::try_from(ceil_ms(d)).unwrap_or(c_long::MAX));
        // SAFETY: the application's timer callback with the documented
        // arguments.
        let rc = unsafe { f(self.as_c(), ms, self.timer_data.get()) };
        if rc == -1 { Err(Abort) } else { Ok(()) }
    }
}

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
    m.watched.borrow_mut().push(id);
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
    request: &Arc<PauseRequest>,
    bits: c_int,
) -> FETCHcode {
    // SAFETY: the caller promises `multi` is live.
    let m = unsafe { &*multi };
    if m.busy.get() {
        request.set(bits);
        m.deferred_pause.borrow_mut().push((id, request.clone()));
        return FETCHE_OK;
    }
    let _ = request.take();
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
    m.retired.borrow_mut().push((id, h));
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

/// Takes `h` out of `m`.
///
/// # Safety
/// `h` must be a registered easy handle, or one pinned by the caller.
unsafe fn remove(m: &FetchMulti, h: *mut c_void) -> FETCHMcode {
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

/// `fetch_multi_init`: a new multi handle, or NULL.
///
/// # Safety
/// Always safe; pair with `fetch_multi_cleanup`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_init() -> *mut c_void {
    guard(ptr::null_mut(), || {
        let Ok(driver) = Driver::new(Multi::new()) else {
            return ptr::null_mut();
        };
        let waker = driver.waker();
        let m = Box::into_raw(Box::new(FetchMulti {
            waker,
            busy: Cell::new(false),
            engine: UnsafeCell::new(Some(driver)),
            socket_fn: Cell::new(None),
            socket_data: Cell::new(ptr::null_mut()),
            timer_fn: Cell::new(None),
            timer_data: Cell::new(ptr::null_mut()),
            ctx: Cell::new(None),
            deferred: RefCell::new(Vec::new()),
            deferred_pause: RefCell::new(Vec::new()),
            easies: RefCell::new(Vec::new()),
            watched: RefCell::new(Vec::new()),
            added: Cell::new(0),
            adding: Cell::new(ptr::null_mut()),
            retired: RefCell::new(Vec::new()),
            msgs: RefCell::new(VecDeque::new()),
            msg_out: UnsafeCell::new(FETCHMsg {
                msg: 0,
                easy_handle: ptr::null_mut(),
                data: FETCHMsgData {
                    whatever: ptr::null_mut(),
                },
            }),
        }));
        let me = SendPtr(m);
        // SAFETY: `m` was just created and is not shared yet; the engine
        // is `Some` (set above).
        let Some(driver) = (unsafe { &mut *(*m).engine.get() }) else {
            return ptr::null_mut();
        };
        let engine = driver.multi_mut();
        engine.set_socket_function(move |ctx, ev| {
            // SAFETY: the wrapper owns the engine that owns this closure, so
            // it is alive whenever the engine calls it; only shared access.
            let m = unsafe { &*me.get() };
            m.on_socket(ctx, ev)
        });
        engine.set_timer_function(move |d| {
            // SAFETY: as for the socket callback.
            let m = unsafe { &*me.get() };
            m.on_timer(d)
        });
        registry::insert(m, Kind::Multi);
        m.cast()
    })
}

/// `fetch_multi_cleanup`: detaches every added easy handle (they stay
/// usable, HM-10), closes connections (REMOVE reported, SF-07) and frees
/// the handle. NULL or invalid: FETCHM_BAD_HANDLE (HM-09).
///
/// # Safety
/// `m` must be NULL or a pointer from this library; not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_cleanup(m: *mut c_void) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        if mm.busy.get() {
            return FETCHM_RECURSIVE_API_CALL;
        }
        let handles: Vec<(TransferId, *mut c_void)> =
            mm.easies.borrow().iter().flatten().copied().collect();
        for (id, h) in handles {
            // A callback run by an earlier removal may have cleaned this
            // one up (and freed it): only handles still registered here.
            if mm.lookup(id) == Some(h) {
                // SAFETY: registered handles are live.
                unsafe { remove(mm, h) };
            }
        }
        mm.busy.set(true);
        // SAFETY: busy is set and nothing else references the engine; the
        // engine's Drop may call back into `mm`, which is still alive.
        let engine = unsafe { (*mm.engine.get()).take() };
        drop(engine);
        mm.busy.set(false);
        // None in practice (every removal above drained its own), but a
        // handle left here would never be freed.
        for (_, h) in mm.retired.take() {
            // SAFETY: retired handles stay allocated while queued here.
            unsafe { easy_mut(h) }.state = State::Idle;
            // SAFETY: as above.
            unsafe { release(h) };
        }
        registry::remove(m, Kind::Multi);
        // SAFETY: `m` came from Box::into_raw, is out of the registry now,
        // and no reference to it outlives this block.
        unsafe { drop(Box::from_raw(m.cast::<FetchMulti>())) };
        FETCHM_OK
    })
}

/// `fetch_multi_add_handle` (HM-02, HM-03, TF-04).
///
/// # Safety
/// `m` and `e` must be NULL or pointers from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_add_handle(m: *mut c_void, e: *mut c_void) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        // SAFETY: checked against the registry; the borrow ends before
        // driving.
        let easy = match unsafe { easy_ref(e) } {
            None => return FETCHM_BAD_EASY_HANDLE,
            Some(x) => {
                if mm.busy.get() {
                    return FETCHM_RECURSIVE_API_CALL;
                }
                if !matches!(x.state, State::Idle) {
                    return FETCHM_ADDED_ALREADY;
                }
                x.clear_error();
                // Pinned and marked: the timer callback the engine calls
                // inside `add` may clean the handle up (docs/decisions.md 25), and it is
                // used again below.
                x.state = State::Adding {
                    multi: ptr::from_ref(mm),
                };
                x.pins += 1;
                x.prepare()
            }
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
                // Registered before `drive` ends, so that what the
                // callbacks asked for during the add (cleanup, pause) is
                // acted on by the same call.
                // SAFETY: pinned, so still ours.
                let x = unsafe { easy_mut(e) };
                x.state = State::Added {
                    multi: ptr::from_ref(mm),
                    id: *id,
                };
                if x.retired {
                    mm.retired.borrow_mut().push((*id, e));
                } else {
                    mm.register(*id, e);
                    if x.pause.is_pending() {
                        mm.deferred_pause.borrow_mut().push((*id, x.pause.clone()));
                    }
                }
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

/// `fetch_multi_remove_handle` (HM-07, HM-08, CB-02).
///
/// # Safety
/// `m` and `e` must be NULL or pointers from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_remove_handle(m: *mut c_void, e: *mut c_void) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        if mm.busy.get() {
            return FETCHM_RECURSIVE_API_CALL;
        }
        if !registry::is_live(e, Kind::Easy) {
            return FETCHM_BAD_EASY_HANDLE;
        }
        // SAFETY: `e` was just validated.
        unsafe { remove(mm, e) }
    })
}

#[derive(Clone, Copy)]
enum MValue {
    Int(i64),
    Ptr(*const c_void),
    Func(*const c_void),
}

fn multi_setopt(m: *mut c_void, option: FETCHMoption, value: MValue) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        if mm.busy.get() {
            return FETCHM_RECURSIVE_API_CALL;
        }
        const KNOWN: &[c_int] = &[
            FETCHMOPT_SOCKETFUNCTION,
            FETCHMOPT_SOCKETDATA,
            FETCHMOPT_PIPELINING,
            FETCHMOPT_TIMERFUNCTION,
            FETCHMOPT_TIMERDATA,
            FETCHMOPT_MAXCONNECTS,
            FETCHMOPT_MAX_HOST_CONNECTIONS,
            FETCHMOPT_MAX_PIPELINE_LENGTH,
            FETCHMOPT_CONTENT_LENGTH_PENALTY_SIZE,
            FETCHMOPT_CHUNK_LENGTH_PENALTY_SIZE,
            FETCHMOPT_PIPELINING_SITE_BL,
            FETCHMOPT_PIPELINING_SERVER_BL,
            FETCHMOPT_MAX_TOTAL_CONNECTIONS,
            FETCHMOPT_MAX_CONCURRENT_STREAMS,
        ];
        if !KNOWN.contains(&option) {
            return FETCHM_UNKNOWN_OPTION;
        }
        let ty = option_type(option);
        let (int, ptr) = match (ty, value) {
            (FETCHOPTTYPE_LONG | FETCHOPTTYPE_OFF_T, MValue::Int(v)) => (v, ptr::null()),
            (FETCHOPTTYPE_OBJECTPOINT, MValue::Ptr(p)) => (0, p),
            (FETCHOPTTYPE_FUNCTIONPOINT, MValue::Ptr(p)) => (0, p),
            (FETCHOPTTYPE_OBJECTPOINT, MValue::Func(_)) => return FETCHM_BAD_FUNCTION_ARGUMENT,
            (FETCHOPTTYPE_FUNCTIONPOINT, MValue::Func(p)) => (0, p),
            (FETCHOPTTYPE_OBJECTPOINT | FETCHOPTTYPE_FUNCTIONPOINT, MValue::Int(0)) => {
                (0, ptr::null())
            }
            (FETCHOPTTYPE_LONG..=FETCHOPTTYPE_OFF_T, _) => return FETCHM_BAD_FUNCTION_ARGUMENT,
            _ => return FETCHM_UNKNOWN_OPTION,
        };
        let limit = |v: i64| usize::try_from(v).map_err(|_| FETCHM_BAD_FUNCTION_ARGUMENT);
        let set = |f: &dyn Fn(&mut Multi)| mm.drive(|engine| f(engine)).err().unwrap_or(FETCHM_OK);
        match option {
            // SAFETY: function options carry a callback of the documented
            // type, passed as a data pointer.
            FETCHMOPT_SOCKETFUNCTION => mm.socket_fn.set(unsafe { callback(ptr) }),
            // SAFETY: as above.
            FETCHMOPT_TIMERFUNCTION => mm.timer_fn.set(unsafe { callback(ptr) }),
            FETCHMOPT_SOCKETDATA => mm.socket_data.set(ptr.cast_mut()),
            FETCHMOPT_TIMERDATA => mm.timer_data.set(ptr.cast_mut()),
            FETCHMOPT_MAXCONNECTS => match limit(int) {
                Ok(n) => return set(&|e| e.set_max_connects((n != 0).then_some(n))),
                Err(c) => return c,
            },
            FETCHMOPT_MAX_HOST_CONNECTIONS => match limit(int) {
                Ok(n) => return set(&|e| e.set_max_host_connections(n)),
                Err(c) => return c,
            },
            FETCHMOPT_MAX_TOTAL_CONNECTIONS => match limit(int) {
                Ok(n) => return set(&|e| e.set_max_total_connections(n)),
                Err(c) => return c,
            },
            // HTTP/1.1 only: multiplexing settings have nothing to act on
            // (OPT-07 out-of-range values become the default; OPT-08).
            FETCHMOPT_PIPELINING | FETCHMOPT_MAX_CONCURRENT_STREAMS => {}
            // OPT-09: deprecated, accepted and ignored.
            FETCHMOPT_MAX_PIPELINE_LENGTH
            | FETCHMOPT_CONTENT_LENGTH_PENALTY_SIZE
            | FETCHMOPT_CHUNK_LENGTH_PENALTY_SIZE
            | FETCHMOPT_PIPELINING_SITE_BL
            | FETCHMOPT_PIPELINING_SERVER_BL => {}
            _ => return FETCHM_UNKNOWN_OPTION,
        }
        FETCHM_OK
    })
}

/// `fetch_multi_setopt` for integer arguments.
///
/// # Safety
/// `m` must be NULL or a pointer from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_setopt_long(
    m: *mut c_void,
    option: FETCHMoption,
    value: c_long,
) -> FETCHMcode {
    multi_setopt(m, option, MValue::Int(i64::from(value)))
}

/// `fetch_multi_setopt` for `fetch_off_t` arguments.
///
/// # Safety
/// `m` must be NULL or a pointer from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_setopt_off_t(
    m: *mut c_void,
    option: FETCHMoption,
    value: fetch_off_t,
) -> FETCHMcode {
    multi_setopt(m, option, MValue::Int(value))
}

/// `fetch_multi_setopt` for pointers (function pointers included).
///
/// # Safety
/// `m` must be NULL or a pointer from this library; `value` what the
/// option documents. Data pointers are never dereferenced (OPT-02).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_setopt_ptr(
    m: *mut c_void,
    option: FETCHMoption,
    value: *const c_void,
) -> FETCHMcode {
    multi_setopt(m, option, MValue::Ptr(value))
}

/// `fetch_multi_setopt` for function pointers cast to `fetch_func`.
///
/// # Safety
/// `m` must be NULL or a pointer from this library; `value` a callback of
/// the documented type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_setopt_func(
    m: *mut c_void,
    option: FETCHMoption,
    value: fetch_func,
) -> FETCHMcode {
    let p = value.map_or(ptr::null(), |f| f as *const c_void);
    multi_setopt(m, option, MValue::Func(p))
}

fn store_running(running: *mut c_int, n: usize) {
    if !running.is_null() {
        // SAFETY: the caller's out-pointer (checked non-NULL).
        unsafe { *running = c_int::try_from(n).unwrap_or(c_int::MAX) };
    }
}

fn run(
    m: *mut c_void,
    running: *mut c_int,
    f: impl FnOnce(&mut Driver) -> Result<usize, MultiError>,
) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        match mm.drive_driver(|d| (f(d), d.multi().running())) {
            Err(code) => code,
            Ok((r, now)) => {
                store_running(running, now);
                match r {
                    Ok(_) => FETCHM_OK,
                    Err(e) => multi_code(e),
                }
            }
        }
    })
}

/// `fetch_multi_socket_action` (SA-01..SA-08). `running` may be NULL.
///
/// # Safety
/// `m` must be NULL or a pointer from this library; `running` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_socket_action(
    m: *mut c_void,
    s: fetch_socket_t,
    ev_bitmask: c_int,
    running: *mut c_int,
) -> FETCHMcode {
    // Through the driver's multi: its observer keeps the poller in step,
    // and the application's socket/timer callbacks fire as before.
    run(m, running, |d| {
        d.multi_mut()
            .socket_action(Target::from_raw(s), Events::from_raw(ev_bitmask))
    })
}

/// `fetch_multi_socket`: deprecated, `socket_action(m, s, 0, running)`
/// (SA-10).
///
/// # Safety
/// As `fetch_multi_socket_action`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_socket(
    m: *mut c_void,
    s: fetch_socket_t,
    running: *mut c_int,
) -> FETCHMcode {
    run(m, running, |d| {
        d.multi_mut()
            .socket_action(Target::from_raw(s), Events::NONE)
    })
}

/// `fetch_multi_socket_all`: checks every socket and timer (SA-10).
///
/// # Safety
/// As `fetch_multi_socket_action`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_socket_all(m: *mut c_void, running: *mut c_int) -> FETCHMcode {
    run(m, running, |d| d.multi_mut().perform())
}

/// `fetch_multi_perform`: never blocks (FD-05, FD-06); the driver acts on
/// the sockets its poller finds ready and runs due timers.
///
/// # Safety
/// As `fetch_multi_socket_action`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_perform(m: *mut c_void, running: *mut c_int) -> FETCHMcode {
    run(m, running, Driver::perform)
}

/// `fetch_multi_assign` (AS-01..AS-05): allowed inside callbacks (CB-03).
/// From the socket callback it acts at once; from the timer or an easy
/// callback it is applied when the running call returns.
///
/// # Safety
/// `m` must be NULL or a pointer from this library. `p` is never
/// dereferenced.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_assign(
    m: *mut c_void,
    s: fetch_socket_t,
    p: *mut c_void,
) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        let value = (!p.is_null()).then_some(p as usize);
        if !mm.busy.get() {
            // SAFETY: not busy: no other reference into the engine exists,
            // and `assign` calls no callback.
            return match unsafe { &mut *mm.engine.get() }.as_mut() {
                Some(d) => d
                    .multi_mut()
                    .assign(s, value)
                    .err()
                    .map_or(FETCHM_OK, multi_code),
                None => FETCHM_INTERNAL_ERROR,
            };
        }
        match mm.ctx.get() {
            Some(ctx) => {
                // SAFETY: set by `on_socket` to the engine's live context for
                // the duration of the C socket callback we are inside of; the
                // engine holds no other borrow of the socket table meanwhile.
                let ctx = unsafe { ctx.cast::<SocketContext<'static>>().as_mut() };
                ctx.assign(s, value).err().map_or(FETCHM_OK, multi_code)
            }
            None => {
                mm.deferred.borrow_mut().push((s, value));
                FETCHM_OK
            }
        }
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

/// `fetch_multi_timeout` (TO-01, TO-04): ms until the next deadline,
/// rounded up; -1 for none.
///
/// # Safety
/// `m` must be NULL or a pointer from this library; `timeout_ms` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_timeout(
    m: *mut c_void,
    timeout_ms: *mut c_long,
) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        if timeout_ms.is_null() {
            return FETCHM_BAD_FUNCTION_ARGUMENT;
        }
        match mm.drive(|e| e.timeout()) {
            Err(code) => code,
            Ok(t) => {
                let v = t.map_or(-1, |d| c_long::try_from(ceil_ms(d)).unwrap_or(c_long::MAX));
                // SAFETY: checked non-NULL.
                unsafe { *timeout_ms = v };
                FETCHM_OK
            }
        }
    })
}

/// `fetch_multi_fdset` (FD-01..FD-03): adds the library's sockets below
/// FD_SETSIZE to the sets (never clears a bit); `max_fd` is -1 for none.
/// NULL sets are skipped.
///
/// # Safety
/// `m` must be NULL or a pointer from this library; the sets NULL or valid
/// `fd_set`s; `max_fd` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_fdset(
    m: *mut c_void,
    read_fd_set: *mut libc::fd_set,
    write_fd_set: *mut libc::fd_set,
    exc_fd_set: *mut libc::fd_set,
    max_fd: *mut c_int,
) -> FETCHMcode {
    let _ = exc_fd_set;
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        let r = mm.drive(|e| {
            let mut max = -1;
            for (fd, interest) in e.sockets() {
                if fd < 0 || fd >= libc::FD_SETSIZE as c_int {
                    continue; // FD-03
                }
                let mut set = false;
                if interest.is_readable() && !read_fd_set.is_null() {
                    // SAFETY: a valid fd_set and an fd below FD_SETSIZE.
                    unsafe { libc::FD_SET(fd, read_fd_set) };
                    set = true;
                }
                if interest.is_writable() && !write_fd_set.is_null() {
                    // SAFETY: as above.
                    unsafe { libc::FD_SET(fd, write_fd_set) };
                    set = true;
                }
                if set {
                    max = max.max(fd);
                }
            }
            max
        });
        match r {
            Err(code) => code,
            Ok(max) => {
                if !max_fd.is_null() {
                    // SAFETY: checked non-NULL.
                    unsafe { *max_fd = max };
                }
                FETCHM_OK
            }
        }
    })
}

/// `fetch_multi_waitfds` (FD-13).
///
/// # Safety
/// `m` must be NULL or a pointer from this library; `ufds` NULL or an array
/// of `size` entries; `fd_count` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_waitfds(
    m: *mut c_void,
    ufds: *mut fetch_waitfd,
    size: libc::c_uint,
    fd_count: *mut libc::c_uint,
) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        if ufds.is_null() && (size > 0 || fd_count.is_null()) {
            return FETCHM_BAD_FUNCTION_ARGUMENT;
        }
        let r = mm.drive(|e| {
            let n = e.socket_count();
            if ufds.is_null() {
                return (n, FETCHM_OK);
            }
            if n > size as usize {
                return (n, FETCHM_OUT_OF_MEMORY);
            }
            for (i, (fd, interest)) in e.sockets().enumerate() {
                let mut events = 0;
                if interest.is_readable() {
                    events |= FETCH_WAIT_POLLIN;
                }
                if interest.is_writable() {
                    events |= FETCH_WAIT_POLLOUT;
                }
                // SAFETY: i < n <= size, within the caller's array.
                unsafe {
                    ufds.add(i).write(fetch_waitfd {
                        fd,
                        events,
                        revents: 0,
                    })
                };
            }
            (n, FETCHM_OK)
        });
        match r {
            Err(code) => code,
            Ok((n, code)) => {
                if !fd_count.is_null() {
                    // SAFETY: checked non-NULL.
                    unsafe { *fd_count = libc::c_uint::try_from(n).unwrap_or(libc::c_uint::MAX) };
                }
                code
            }
        }
    })
}

fn wait_common(
    m: *mut c_void,
    extra: *mut fetch_waitfd,
    extra_nfds: libc::c_uint,
    timeout_ms: c_int,
    numfds: *mut c_int,
    poll: bool,
) -> FETCHMcode {
    guard(FETCHM_INTERNAL_ERROR, || {
        let Some(mm) = multi_ref(m) else {
            return FETCHM_BAD_HANDLE;
        };
        if timeout_ms < 0 || (extra.is_null() && extra_nfds > 0) {
            return FETCHM_BAD_FUNCTION_ARGUMENT; // FD-12
        }
        let extra: &mut [fetch_waitfd] = if extra.is_null() {
            &mut []
        } else {
            // SAFETY: the caller passes an array of `extra_nfds` entries.
            unsafe { std::slice::from_raw_parts_mut(extra, extra_nfds as usize) }
        };
        match mm.drive_driver(|d| crate::wait::wait(d, extra, timeout_ms, poll)) {
            Err(code) | Ok(Err(code)) => code,
            Ok(Ok(n)) => {
                store_running(numfds, n);
                FETCHM_OK
            }
        }
    })
}

/// `fetch_multi_wait` (FD-08..FD-10, FD-12): returns at once when there is
/// nothing to wait on; not woken by `fetch_multi_wakeup`.
///
/// # Safety
/// `m` must be NULL or a pointer from this library; `extra_fds` NULL or an
/// array of `extra_nfds` entries; `numfds` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_wait(
    m: *mut c_void,
    extra_fds: *mut fetch_waitfd,
    extra_nfds: libc::c_uint,
    timeout_ms: c_int,
    numfds: *mut c_int,
) -> FETCHMcode {
    wait_common(m, extra_fds, extra_nfds, timeout_ms, numfds, false)
}

/// `fetch_multi_poll` (FD-08..FD-12): sleeps even with nothing to wait on,
/// and returns early on `fetch_multi_wakeup`.
///
/// # Safety
/// As `fetch_multi_wait`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_poll(
    m: *mut c_void,
    extra_fds: *mut fetch_waitfd,
    extra_nfds: libc::c_uint,
    timeout_ms: c_int,
    numfds: *mut c_int,
) -> FETCHMcode {
    wait_common(m, extra_fds, extra_nfds, timeout_ms, numfds, true)
}

/// `fetch_multi_wakeup` (FD-11): callable from any thread.
///
/// # Safety
/// `m` must be NULL or a live multi pointer from this library (not one
/// being cleaned up concurrently).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_wakeup(m: *mut c_void) -> FETCHMcode {
    guard(FETCHM_WAKEUP_FAILURE, || {
        let p = m.cast::<FetchMulti>().cast_const();
        // Under the registry lock, so a concurrent `fetch_multi_cleanup`
        // (which takes the handle out of the registry before freeing it)
        // cannot free the waker while it is used.
        let woken = registry::with_live(p, Kind::Multi, || {
            // SAFETY: registered, so live until the lock is released. Only
            // the `waker` field is touched, through the raw pointer: another
            // thread may be driving the multi (the busy flag and the
            // `UnsafeCell` engine are other fields, so this shared reference
            // aliases no `&mut`). It is written only by `fetch_multi_init`,
            // before the pointer is handed out, and `Waker` is `Sync`.
            let waker: &Waker = unsafe { &*ptr::addr_of!((*p).waker) };
            waker.wake()
        });
        match woken {
            None => FETCHM_BAD_HANDLE,
            Some(Ok(())) => FETCHM_OK,
            Some(Err(e)) => multi_code(e),
        }
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

/// `fetch_multi_strerror` (ERR-03): never NULL.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_strerror(code: FETCHMcode) -> *const c_char {
    guard(ptr::null(), || cstr_ptr(multi_strerror(code)))
}
