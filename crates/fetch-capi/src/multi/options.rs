//! The multi option table and `fetch_multi_setopt_*`.

use std::ffi::{c_int, c_long, c_void};
use std::ptr;

use fetch_core::Multi;

use super::{FetchMulti, entry_idle};
use crate::codes::*;
use crate::easy::{callback, fetch_func};
use crate::{SendPtr, fetch_multi_timer_callback};

#[derive(Clone, Copy)]
enum MValue {
    Int(i64),
    Ptr(*const c_void),
    Func(*const c_void),
}

/// A multi setopt argument that passed the option's type check.
#[derive(Clone, Copy)]
struct MArg {
    int: i64,
    ptr: *const c_void,
}

impl MArg {
    fn check(ty: c_int, value: MValue) -> Result<Self, FETCHMcode> {
        let integer = ty == FETCHOPTTYPE_LONG || ty == FETCHOPTTYPE_OFF_T;
        let pointer = ty == FETCHOPTTYPE_OBJECTPOINT || ty == FETCHOPTTYPE_FUNCTIONPOINT;
        let (int, ptr) = match value {
            MValue::Int(v) if integer => (v, ptr::null()),
            MValue::Ptr(p) if pointer => (0, p),
            MValue::Func(p) if ty == FETCHOPTTYPE_FUNCTIONPOINT => (0, p),
            MValue::Int(0) if pointer => (0, ptr::null()),
            _ if integer || pointer => return Err(FETCHM_BAD_FUNCTION_ARGUMENT),
            _ => return Err(FETCHM_UNKNOWN_OPTION),
        };
        Ok(Self { int, ptr })
    }

    /// A connection limit (non-negative).
    fn limit(self) -> Result<usize, FETCHMcode> {
        usize::try_from(self.int).map_err(|_| FETCHM_BAD_FUNCTION_ARGUMENT)
    }
}

type MHandler = fn(&FetchMulti, MArg) -> FETCHMcode;

/// One multi option.
pub(crate) struct MultiOpt {
    /// The C name.
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the header check"))]
    pub(crate) name: &'static str,
    /// Its number (type base + index, as upstream).
    pub(crate) number: FETCHMoption,
    /// `None`: in the header, not supported (FETCHM_UNKNOWN_OPTION
    /// whatever the argument).
    set: Option<MHandler>,
}

/// Defines each multi option's constant and its [`MULTI_OPTIONS`] entry.
macro_rules! multi_options {
    ($($(#[$doc:meta])* $name:ident = $ty:ident + $n:literal, $set:expr;)*) => {
        $($(#[$doc])* pub const $name: FETCHMoption = $ty + $n;)*
        /// Every multi option the header declares.
        pub(crate) static MULTI_OPTIONS: &[MultiOpt] = &[$(MultiOpt {
            name: stringify!($name),
            number: $name,
            set: $set,
        }),*];
    };
}

/// Accepted and ignored.
const IGNORED: Option<MHandler> = Some(|_, _| FETCHM_OK);
/// Declared in the header, not supported.
const UNSUPPORTED: Option<MHandler> = None;

multi_options! {
    /// FETCHMOPT_SOCKETFUNCTION.
    FETCHMOPT_SOCKETFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 1, Some(set_socket_fn);
    /// FETCHMOPT_SOCKETDATA.
    FETCHMOPT_SOCKETDATA = FETCHOPTTYPE_CBPOINT + 2,
        Some(|m, a| { m.socket_data.set(a.ptr.cast_mut()); FETCHM_OK });
    /// FETCHMOPT_PIPELINING: the multiplex bit (2) lets transfers share
    /// HTTP/2 connections; FETCHPIPE_HTTP1 (1) has no effect (OPT-08).
    FETCHMOPT_PIPELINING = FETCHOPTTYPE_LONG + 3,
        Some(|m, a| set_engine(m, |e| e.set_multiplexing(a.int & 2 != 0)));
    /// FETCHMOPT_TIMERFUNCTION.
    FETCHMOPT_TIMERFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 4, Some(set_timer_fn);
    /// FETCHMOPT_TIMERDATA.
    FETCHMOPT_TIMERDATA = FETCHOPTTYPE_CBPOINT + 5,
        Some(|m, a| { m.timer_data.set(a.ptr.cast_mut()); FETCHM_OK });
    /// FETCHMOPT_MAXCONNECTS (0 = the default).
    FETCHMOPT_MAXCONNECTS = FETCHOPTTYPE_LONG + 6, Some(|m, a| match a.limit() {
        Ok(n) => set_engine(m, |e| e.set_max_connects((n != 0).then_some(n))),
        Err(c) => c,
    });
    /// FETCHMOPT_MAX_HOST_CONNECTIONS.
    FETCHMOPT_MAX_HOST_CONNECTIONS = FETCHOPTTYPE_LONG + 7, Some(|m, a| match a.limit() {
        Ok(n) => set_engine(m, |e| e.set_max_host_connections(n)),
        Err(c) => c,
    });
    /// FETCHMOPT_MAX_PIPELINE_LENGTH (deprecated, ignored: OPT-09).
    FETCHMOPT_MAX_PIPELINE_LENGTH = FETCHOPTTYPE_LONG + 8, IGNORED;
    /// FETCHMOPT_CONTENT_LENGTH_PENALTY_SIZE (deprecated, ignored).
    FETCHMOPT_CONTENT_LENGTH_PENALTY_SIZE = FETCHOPTTYPE_OFF_T + 9, IGNORED;
    /// FETCHMOPT_CHUNK_LENGTH_PENALTY_SIZE (deprecated, ignored).
    FETCHMOPT_CHUNK_LENGTH_PENALTY_SIZE = FETCHOPTTYPE_OFF_T + 10, IGNORED;
    /// FETCHMOPT_PIPELINING_SITE_BL (deprecated, ignored).
    FETCHMOPT_PIPELINING_SITE_BL = FETCHOPTTYPE_OBJECTPOINT + 11, IGNORED;
    /// FETCHMOPT_PIPELINING_SERVER_BL (deprecated, ignored).
    FETCHMOPT_PIPELINING_SERVER_BL = FETCHOPTTYPE_OBJECTPOINT + 12, IGNORED;
    /// FETCHMOPT_MAX_TOTAL_CONNECTIONS.
    FETCHMOPT_MAX_TOTAL_CONNECTIONS = FETCHOPTTYPE_LONG + 13, Some(|m, a| match a.limit() {
        Ok(n) => set_engine(m, |e| e.set_max_total_connections(n)),
        Err(c) => c,
    });
    /// FETCHMOPT_PUSHFUNCTION: HTTP/2 server pushes are offered to it
    /// (and refused in SETTINGS while it is NULL).
    FETCHMOPT_PUSHFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 14, Some(set_push_fn);
    /// FETCHMOPT_PUSHDATA: the push callback's last argument.
    FETCHMOPT_PUSHDATA = FETCHOPTTYPE_CBPOINT + 15,
        Some(|m, a| { m.push_data.set(a.ptr.cast_mut()); FETCHM_OK });
    /// FETCHMOPT_MAX_CONCURRENT_STREAMS: streams per HTTP/2 connection;
    /// out of 1..=2^31-1 becomes 100 (OPT-07).
    FETCHMOPT_MAX_CONCURRENT_STREAMS = FETCHOPTTYPE_LONG + 16,
        Some(|m, a| set_engine(m, |e| e.set_max_concurrent_streams(a.int)));
    /// FETCHMOPT_NETWORK_CHANGED (not supported).
    FETCHMOPT_NETWORK_CHANGED = FETCHOPTTYPE_LONG + 17, UNSUPPORTED;
    /// FETCHMOPT_NOTIFYFUNCTION (not supported).
    FETCHMOPT_NOTIFYFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 18, UNSUPPORTED;
    /// FETCHMOPT_NOTIFYDATA (not supported).
    FETCHMOPT_NOTIFYDATA = FETCHOPTTYPE_CBPOINT + 19, UNSUPPORTED;
    /// FETCHMOPT_RESOLVE_THREADS_MAX (not supported).
    FETCHMOPT_RESOLVE_THREADS_MAX = FETCHOPTTYPE_LONG + 20, UNSUPPORTED;
    /// FETCHMOPT_QUICK_EXIT (not supported).
    FETCHMOPT_QUICK_EXIT = FETCHOPTTYPE_LONG + 21, UNSUPPORTED;
}

fn set_socket_fn(m: &FetchMulti, a: MArg) -> FETCHMcode {
    // SAFETY: the table gives this handler only to SOCKETFUNCTION, whose
    // argument is a `fetch_socket_callback` (passed as a data pointer).
    m.socket_fn.set(unsafe { callback(a.ptr) });
    FETCHM_OK
}

fn set_push_fn(m: &FetchMulti, a: MArg) -> FETCHMcode {
    // SAFETY: as above, for PUSHFUNCTION and `fetch_push_callback`.
    let f = unsafe { callback(a.ptr) };
    set_engine(m, |e| super::push::set_push_fn(m, f, e))
}

fn set_timer_fn(m: &FetchMulti, a: MArg) -> FETCHMcode {
    // SAFETY: as above, for TIMERFUNCTION and `fetch_multi_timer_callback`.
    let f: Option<fetch_multi_timer_callback> = unsafe { callback(a.ptr) };
    m.timer_fn.set(f);
    let this = SendPtr(ptr::from_ref(m).cast_mut());
    set_engine(m, |e| super::callbacks::route_timer(this, e, f.is_some()))
}

/// Applies a setting to the engine.
fn set_engine(m: &FetchMulti, f: impl FnOnce(&mut Multi)) -> FETCHMcode {
    m.drive(f).err().unwrap_or(FETCHM_OK)
}

fn multi_setopt(m: *mut c_void, option: FETCHMoption, value: MValue) -> FETCHMcode {
    entry_idle(m, |mm| {
        let Some(set) = MULTI_OPTIONS
            .iter()
            .find(|o| o.number == option)
            .and_then(|o| o.set)
        else {
            return FETCHM_UNKNOWN_OPTION;
        };
        match MArg::check(option_type(option), value) {
            Ok(arg) => set(mm, arg),
            Err(code) => code,
        }
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
