//! Upstream functions for features libfetch does not build: the URL API,
//! WebSocket, CONNECT_ONLY send/recv (and the share
//! error texts, kept here with the URL ones). They exist so that programs
//! link, check nothing they need not, and answer their family's "not built in"
//! (ABI.md lists them).

use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
use std::ptr;

use crate::codes::*;
use crate::registry::{self, Kind};

/// FETCHE_NOT_BUILT_IN for a live easy handle, else
/// FETCHE_BAD_FUNCTION_ARGUMENT.
fn easy_not_built(h: *mut c_void) -> FETCHcode {
    if registry::is_live(h, Kind::Easy) {
        FETCHE_NOT_BUILT_IN
    } else {
        FETCHE_BAD_FUNCTION_ARGUMENT
    }
}

/// `fetch_easy_recv`: FETCHE_NOT_BUILT_IN (no FETCHOPT_CONNECT_ONLY).
///
/// # Safety
/// `handle` may be anything: it is only looked up; nothing else is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_recv(
    handle: *mut c_void,
    buffer: *mut c_void,
    buflen: usize,
    n: *mut usize,
) -> FETCHcode {
    let _ = (buffer, buflen, n);
    easy_not_built(handle)
}

/// `fetch_easy_send`: FETCHE_NOT_BUILT_IN (no FETCHOPT_CONNECT_ONLY).
///
/// # Safety
/// `handle` may be anything: it is only looked up; nothing else is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_send(
    handle: *mut c_void,
    buffer: *const c_void,
    buflen: usize,
    n: *mut usize,
) -> FETCHcode {
    let _ = (buffer, buflen, n);
    easy_not_built(handle)
}

/// `fetch_ws_recv`: FETCHE_NOT_BUILT_IN (no WebSocket).
///
/// # Safety
/// `handle` may be anything: it is only looked up; nothing else is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_ws_recv(
    handle: *mut c_void,
    buffer: *mut c_void,
    buflen: usize,
    recv: *mut usize,
    meta: *mut *const c_void,
) -> FETCHcode {
    let _ = (buffer, buflen, recv, meta);
    easy_not_built(handle)
}

/// `fetch_ws_send`: FETCHE_NOT_BUILT_IN (no WebSocket).
///
/// # Safety
/// `handle` may be anything: it is only looked up; nothing else is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_ws_send(
    handle: *mut c_void,
    buffer: *const c_void,
    buflen: usize,
    sent: *mut usize,
    fragsize: fetch_off_t,
    flags: c_uint,
) -> FETCHcode {
    let _ = (buffer, buflen, sent, fragsize, flags);
    easy_not_built(handle)
}

/// `fetch_ws_meta`: NULL (no WebSocket).
///
/// # Safety
/// Nothing is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_ws_meta(handle: *mut c_void) -> *const c_void {
    let _ = handle;
    ptr::null()
}

/// `fetch_share_strerror`: a static text for a FETCHSHcode.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_share_strerror(code: c_int) -> *const c_char {
    let text: &'static CStr = match code {
        0 => c"No error",
        1 => c"Unknown share option",
        2 => c"Share currently in use",
        3 => c"Invalid share handle",
        4 => c"Out of memory",
        5 => c"Feature not enabled in this library",
        _ => c"FETCHSHcode unknown",
    };
    text.as_ptr()
}

/// `fetch_url`: NULL (no URL API); upstream returns NULL only when out of
/// memory, so programs already treat it as a failure.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_url() -> *mut c_void {
    ptr::null_mut()
}

/// `fetch_url_cleanup`: nothing to free (no URL handle is ever made).
///
/// # Safety
/// Nothing is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_url_cleanup(handle: *mut c_void) {
    let _ = handle;
}

/// `fetch_url_dup`: NULL (no URL API).
///
/// # Safety
/// Nothing is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_url_dup(handle: *const c_void) -> *mut c_void {
    let _ = handle;
    ptr::null_mut()
}

/// `fetch_url_get`: FETCHUE_BAD_HANDLE (no URL handle can exist).
///
/// # Safety
/// Nothing is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_url_get(
    handle: *const c_void,
    what: c_int,
    part: *mut *mut c_char,
    flags: c_uint,
) -> c_int {
    let _ = (handle, what, part, flags);
    FETCHUE_BAD_HANDLE
}

/// `fetch_url_set`: FETCHUE_BAD_HANDLE (no URL handle can exist).
///
/// # Safety
/// Nothing is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_url_set(
    handle: *mut c_void,
    what: c_int,
    part: *const c_char,
    flags: c_uint,
) -> c_int {
    let _ = (handle, what, part, flags);
    FETCHUE_BAD_HANDLE
}

/// `fetch_url_strerror`: a static text for a FETCHUcode.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_url_strerror(code: c_int) -> *const c_char {
    const TEXTS: [&CStr; 31] = [
        c"No error",
        c"An invalid FETCHU pointer was passed as argument",
        c"An invalid 'part' argument was passed as argument",
        c"Malformed input to a URL function",
        c"Port number was not a decimal number between 0 and 65535",
        c"Unsupported URL scheme",
        c"URL decode error, most likely because of rubbish in the input",
        c"A memory function failed",
        c"Credentials was passed in the URL when prohibited",
        c"An unknown part ID was passed to a URL API function",
        c"No scheme part in the URL",
        c"No user part in the URL",
        c"No password part in the URL",
        c"No options part in the URL",
        c"No host part in the URL",
        c"No port part in the URL",
        c"No query part in the URL",
        c"No fragment part in the URL",
        c"No zoneid part in the URL",
        c"Bad file:// URL",
        c"Bad fragment",
        c"Bad hostname",
        c"Bad IPv6 address",
        c"Bad login part",
        c"Bad password",
        c"Bad path",
        c"Bad query",
        c"Bad scheme",
        c"Unsupported number of slashes following scheme",
        c"Bad user",
        c"libfetch lacks IDN support",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| TEXTS.get(i))
        .map_or(c"FETCHUcode unknown", |t| t)
        .as_ptr()
}
