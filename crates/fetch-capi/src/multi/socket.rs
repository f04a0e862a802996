// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! The application-driven loop: `fetch_multi_socket_action`, the
//! deprecated `_socket` and `_socket_all`, and `fetch_multi_timeout`.

use std::ffi::{c_char, c_int, c_long, c_void};
use std::ptr;

use fetch_core::{Events, Multi, MultiError, Target};

use super::{entry, store_running};
use crate::codes::*;
use crate::guard;
use crate::wait::ceil_ms;

/// Runs one driving call `f` on the engine and stores the number of
/// running transfers.
fn run(
    m: *mut c_void,
    running: *mut c_int,
    f: impl FnOnce(&mut Multi) -> Result<usize, MultiError>,
) -> FETCHMcode {
    entry(m, |mm| match mm.drive(|e| (f(e), e.running())) {
        Err(code) => code,
        Ok((r, now)) => {
            store_running(running, now);
            r.err().map_or(FETCHM_OK, multi_code)
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
    // Straight to the engine: the built-in loop's poller, once created,
    // follows through its observer.
    run(m, running, |e| {
        e.socket_action(Target::from_raw(s), Events::from_raw(ev_bitmask))
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
    run(m, running, |e| {
        e.socket_action(Target::from_raw(s), Events::NONE)
    })
}

/// `fetch_multi_socket_all`: checks every socket and timer (SA-10).
///
/// # Safety
/// As `fetch_multi_socket_action`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_socket_all(m: *mut c_void, running: *mut c_int) -> FETCHMcode {
    run(m, running, Multi::socket_all)
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
    entry(m, |mm| {
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

/// `fetch_multi_strerror` (ERR-03): never NULL.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_strerror(code: FETCHMcode) -> *const c_char {
    guard(ptr::null(), || cstr_ptr(multi_strerror(code)))
}
