//! Multi handle lifecycle: `fetch_multi_init` and `fetch_multi_cleanup`.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::VecDeque;
use std::ffi::c_void;
use std::ptr;

use super::engine::{Engine, Wakeup};
use fetch_core::{Multi, TransferId};

use super::callbacks::install_callbacks;
use super::transfers::remove;
use super::{FETCHMsg, FETCHMsgData, FetchMulti, entry_idle};
use crate::codes::*;
use crate::easy::{State, easy_mut, release};
use crate::registry::{self, Kind};
use crate::{SendPtr, guard};

/// `fetch_multi_init`: a new multi handle, or NULL.
///
/// # Safety
/// Always safe; pair with `fetch_multi_cleanup`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_init() -> *mut c_void {
    guard(ptr::null_mut(), || {
        let m = Box::into_raw(Box::new(FetchMulti {
            wakeup: Wakeup::default(),
            busy: Cell::new(false),
            // No poller until the built-in loop is used (engine.rs).
            engine: UnsafeCell::new(Some(Engine::Bare(Multi::new()))),
            socket_fn: Cell::new(None),
            socket_data: Cell::new(ptr::null_mut()),
            timer_fn: Cell::new(None),
            timer_data: Cell::new(ptr::null_mut()),
            push_fn: Cell::new(None),
            push_data: Cell::new(ptr::null_mut()),
            ctx: Cell::new(None),
            deferred: RefCell::new(Vec::new()),
            deferred_pause: RefCell::new(Vec::new()),
            pending: Cell::new(false),
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
        // SAFETY: `m` was just created and is not shared yet; the engine
        // is `Some` (set above).
        let Some(engine) = (unsafe { &mut *(*m).engine.get() }) else {
            return ptr::null_mut();
        };
        install_callbacks(SendPtr(m), engine.multi_mut());
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
    entry_idle(m, |mm| {
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
