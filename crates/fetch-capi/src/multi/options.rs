//! The multi option table and `fetch_multi_setopt_*`.

use std::ffi::{c_int, c_long, c_void};
use std::ptr;

use fetch_core::Multi;

use super::entry_idle;
use crate::codes::*;
use crate::easy::{callback, fetch_func};

#[derive(Clone, Copy)]
enum MValue {
    Int(i64),
    Ptr(*const c_void),
    Func(*const c_void),
}

fn multi_setopt(m: *mut c_void, option: FETCHMoption, value: MValue) -> FETCHMcode {
    entry_idle(m, |mm| {
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
