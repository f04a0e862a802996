// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! The bridge from the engine to the application: its socket and timer
//! callbacks, and `fetch_multi_assign`, which reaches the engine's
//! `SocketContext` from inside the socket callback (AS-04).

use std::ffi::{c_long, c_void};
use std::ptr::{self, NonNull};
use std::time::Duration;

use fetch_core::{Abort, Multi, SocketContext, SocketEvent};

use super::{FetchMulti, entry};
use crate::SendPtr;
use crate::codes::*;
use crate::wait::ceil_ms;

/// Routes the engine's socket callback to `m`'s C socket callback.
pub(super) fn install_callbacks(m: SendPtr<FetchMulti>, engine: &mut Multi) {
    engine.set_socket_function(move |ctx, ev| {
        // SAFETY: the wrapper owns the engine that owns this closure, so
        // it is alive whenever the engine calls it; only shared access.
        let m = unsafe { &*m.get() };
        m.on_socket(ctx, ev)
    });
}

/// Routes the engine's timer callback to `m`'s C timer callback while the
/// application has one (FETCHMOPT_TIMERFUNCTION), and removes it when the
/// option is set to NULL: the engine leaves transfers announced with a
/// 0 ms timer for the TIMEOUT call only when an application was told.
pub(super) fn route_timer(m: SendPtr<FetchMulti>, engine: &mut Multi, on: bool) {
    if !on {
        engine.clear_timer_function();
        return;
    }
    engine.set_timer_function(move |d| {
        // SAFETY: as for the socket callback.
        let m = unsafe { &*m.get() };
        m.on_timer(d)
    });
}

impl FetchMulti {
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
    entry(m, |mm| {
        let value = (!p.is_null()).then_some(p as usize);
        if !mm.busy.get() {
            // SAFETY: not busy: no other reference into the engine exists,
            // and `assign` calls no callback.
            return match unsafe { &mut *mm.engine.get() }.as_mut() {
                Some(e) => e
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
                mm.defer(&mm.deferred, (s, value));
                FETCHM_OK
            }
        }
    })
}
