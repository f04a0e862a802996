//! The C-level numbers the Rust side needs (the header has all of them) and
//! the NUL-terminated strerror tables built from `fetch_core`'s one table of
//! codes and texts (STYLE rule 5: numbers and texts live in fetch-core).

use std::ffi::{CStr, CString, c_char, c_int};
use std::sync::OnceLock;

use fetch_core::{ErrorCode, MultiError};

/// `FETCHcode` (an enum in C).
pub type FETCHcode = c_int;
/// `FETCHMcode` (an enum in C).
pub type FETCHMcode = c_int;
/// `FETCHoption` (an enum in C).
pub type FETCHoption = c_int;
/// `FETCHMoption` (an enum in C).
pub type FETCHMoption = c_int;
/// `FETCHINFO` (an enum in C).
pub type FETCHINFO = c_int;
/// `fetch_socket_t`.
pub type fetch_socket_t = c_int;
/// `fetch_off_t` (int64_t).
pub type fetch_off_t = i64;

/// FETCHE_OK.
pub const FETCHE_OK: FETCHcode = 0;
/// FETCHE_FAILED_INIT.
pub const FETCHE_FAILED_INIT: FETCHcode = 2;
/// FETCHE_OUT_OF_MEMORY.
pub const FETCHE_OUT_OF_MEMORY: FETCHcode = 27;
/// FETCHE_BAD_FUNCTION_ARGUMENT.
pub const FETCHE_BAD_FUNCTION_ARGUMENT: FETCHcode = 43;
/// FETCHE_UNKNOWN_OPTION.
pub const FETCHE_UNKNOWN_OPTION: FETCHcode = 48;
/// FETCHE_RECURSIVE_API_CALL.
pub const FETCHE_RECURSIVE_API_CALL: FETCHcode = 93;
/// FETCHE_UNRECOVERABLE_POLL.
pub const FETCHE_UNRECOVERABLE_POLL: FETCHcode = 99;

/// FETCHM_OK.
pub const FETCHM_OK: FETCHMcode = 0;
/// FETCHM_BAD_HANDLE.
pub const FETCHM_BAD_HANDLE: FETCHMcode = 1;
/// FETCHM_BAD_EASY_HANDLE.
pub const FETCHM_BAD_EASY_HANDLE: FETCHMcode = 2;
/// FETCHM_OUT_OF_MEMORY.
pub const FETCHM_OUT_OF_MEMORY: FETCHMcode = 3;
/// FETCHM_INTERNAL_ERROR.
pub const FETCHM_INTERNAL_ERROR: FETCHMcode = 4;
/// FETCHM_BAD_SOCKET.
pub const FETCHM_BAD_SOCKET: FETCHMcode = 5;
/// FETCHM_UNKNOWN_OPTION.
pub const FETCHM_UNKNOWN_OPTION: FETCHMcode = 6;
/// FETCHM_ADDED_ALREADY.
pub const FETCHM_ADDED_ALREADY: FETCHMcode = 7;
/// FETCHM_RECURSIVE_API_CALL.
pub const FETCHM_RECURSIVE_API_CALL: FETCHMcode = 8;
/// FETCHM_WAKEUP_FAILURE.
pub const FETCHM_WAKEUP_FAILURE: FETCHMcode = 9;
/// FETCHM_BAD_FUNCTION_ARGUMENT.
pub const FETCHM_BAD_FUNCTION_ARGUMENT: FETCHMcode = 10;
/// FETCHM_ABORTED_BY_CALLBACK.
pub const FETCHM_ABORTED_BY_CALLBACK: FETCHMcode = 11;
/// FETCHM_UNRECOVERABLE_POLL.
pub const FETCHM_UNRECOVERABLE_POLL: FETCHMcode = 12;

/// FETCHOPTTYPE_LONG.
pub const FETCHOPTTYPE_LONG: c_int = 0;
/// FETCHOPTTYPE_OBJECTPOINT.
pub const FETCHOPTTYPE_OBJECTPOINT: c_int = 10000;
/// FETCHOPTTYPE_FUNCTIONPOINT.
pub const FETCHOPTTYPE_FUNCTIONPOINT: c_int = 20000;
/// FETCHOPTTYPE_OFF_T.
pub const FETCHOPTTYPE_OFF_T: c_int = 30000;
/// FETCHOPTTYPE_BLOB.
pub const FETCHOPTTYPE_BLOB: c_int = 40000;

macro_rules! consts {
    ($ty:ty; $($(#[$doc:meta])* $name:ident = $value:expr;)*) => {
        $($(#[$doc])* pub const $name: $ty = $value;)*
    };
}

consts! { FETCHoption;
    /// FETCHOPT_WRITEDATA (OBJECTPOINT + 1).
    FETCHOPT_WRITEDATA = 10001;
    /// FETCHOPT_URL (STRINGPOINT + 2).
    FETCHOPT_URL = 10002;
    /// FETCHOPT_READDATA (OBJECTPOINT + 9).
    FETCHOPT_READDATA = 10009;
    /// FETCHOPT_ERRORBUFFER (OBJECTPOINT + 10).
    FETCHOPT_ERRORBUFFER = 10010;
    /// FETCHOPT_WRITEFUNCTION (FUNCTIONPOINT + 11).
    FETCHOPT_WRITEFUNCTION = 20011;
    /// FETCHOPT_READFUNCTION (FUNCTIONPOINT + 12).
    FETCHOPT_READFUNCTION = 20012;
    /// FETCHOPT_TIMEOUT (LONG + 13).
    FETCHOPT_TIMEOUT = 13;
    /// FETCHOPT_INFILESIZE (LONG + 14).
    FETCHOPT_INFILESIZE = 14;
    /// FETCHOPT_POSTFIELDS (OBJECTPOINT + 15).
    FETCHOPT_POSTFIELDS = 10015;
    /// FETCHOPT_USERAGENT (STRINGPOINT + 18).
    FETCHOPT_USERAGENT = 10018;
    /// FETCHOPT_HTTPHEADER (SLISTPOINT + 23).
    FETCHOPT_HTTPHEADER = 10023;
    /// FETCHOPT_HEADERDATA (OBJECTPOINT + 29).
    FETCHOPT_HEADERDATA = 10029;
    /// FETCHOPT_CUSTOMREQUEST (STRINGPOINT + 36).
    FETCHOPT_CUSTOMREQUEST = 10036;
    /// FETCHOPT_VERBOSE (LONG + 41).
    FETCHOPT_VERBOSE = 41;
    /// FETCHOPT_NOPROGRESS (LONG + 43).
    FETCHOPT_NOPROGRESS = 43;
    /// FETCHOPT_NOBODY (LONG + 44).
    FETCHOPT_NOBODY = 44;
    /// FETCHOPT_UPLOAD (LONG + 46).
    FETCHOPT_UPLOAD = 46;
    /// FETCHOPT_POST (LONG + 47).
    FETCHOPT_POST = 47;
    /// FETCHOPT_FOLLOWLOCATION (LONG + 52).
    FETCHOPT_FOLLOWLOCATION = 52;
    /// FETCHOPT_PUT (LONG + 54, deprecated upstream).
    FETCHOPT_PUT = 54;
    /// FETCHOPT_POSTFIELDSIZE (LONG + 60).
    FETCHOPT_POSTFIELDSIZE = 60;
    /// FETCHOPT_MAXREDIRS (LONG + 68).
    FETCHOPT_MAXREDIRS = 68;
    /// FETCHOPT_CONNECTTIMEOUT (LONG + 78).
    FETCHOPT_CONNECTTIMEOUT = 78;
    /// FETCHOPT_HEADERFUNCTION (FUNCTIONPOINT + 79).
    FETCHOPT_HEADERFUNCTION = 20079;
    /// FETCHOPT_HTTPGET (LONG + 80).
    FETCHOPT_HTTPGET = 80;
    /// FETCHOPT_NOSIGNAL (LONG + 99).
    FETCHOPT_NOSIGNAL = 99;
    /// FETCHOPT_PRIVATE (OBJECTPOINT + 103).
    FETCHOPT_PRIVATE = 10103;
    /// FETCHOPT_INFILESIZE_LARGE (OFF_T + 115).
    FETCHOPT_INFILESIZE_LARGE = 30115;
    /// FETCHOPT_POSTFIELDSIZE_LARGE (OFF_T + 120).
    FETCHOPT_POSTFIELDSIZE_LARGE = 30120;
    /// FETCHOPT_TIMEOUT_MS (LONG + 155).
    FETCHOPT_TIMEOUT_MS = 155;
    /// FETCHOPT_CONNECTTIMEOUT_MS (LONG + 156).
    FETCHOPT_CONNECTTIMEOUT_MS = 156;
    /// FETCHOPT_COPYPOSTFIELDS (OBJECTPOINT + 165).
    FETCHOPT_COPYPOSTFIELDS = 10165;
}

consts! { FETCHMoption;
    /// FETCHMOPT_SOCKETFUNCTION.
    FETCHMOPT_SOCKETFUNCTION = 20001;
    /// FETCHMOPT_SOCKETDATA.
    FETCHMOPT_SOCKETDATA = 10002;
    /// FETCHMOPT_PIPELINING.
    FETCHMOPT_PIPELINING = 3;
    /// FETCHMOPT_TIMERFUNCTION.
    FETCHMOPT_TIMERFUNCTION = 20004;
    /// FETCHMOPT_TIMERDATA.
    FETCHMOPT_TIMERDATA = 10005;
    /// FETCHMOPT_MAXCONNECTS.
    FETCHMOPT_MAXCONNECTS = 6;
    /// FETCHMOPT_MAX_HOST_CONNECTIONS.
    FETCHMOPT_MAX_HOST_CONNECTIONS = 7;
    /// FETCHMOPT_MAX_PIPELINE_LENGTH (deprecated, ignored).
    FETCHMOPT_MAX_PIPELINE_LENGTH = 8;
    /// FETCHMOPT_CONTENT_LENGTH_PENALTY_SIZE (deprecated, ignored).
    FETCHMOPT_CONTENT_LENGTH_PENALTY_SIZE = 30009;
    /// FETCHMOPT_CHUNK_LENGTH_PENALTY_SIZE (deprecated, ignored).
    FETCHMOPT_CHUNK_LENGTH_PENALTY_SIZE = 30010;
    /// FETCHMOPT_PIPELINING_SITE_BL (deprecated, ignored).
    FETCHMOPT_PIPELINING_SITE_BL = 10011;
    /// FETCHMOPT_PIPELINING_SERVER_BL (deprecated, ignored).
    FETCHMOPT_PIPELINING_SERVER_BL = 10012;
    /// FETCHMOPT_MAX_TOTAL_CONNECTIONS.
    FETCHMOPT_MAX_TOTAL_CONNECTIONS = 13;
    /// FETCHMOPT_MAX_CONCURRENT_STREAMS.
    FETCHMOPT_MAX_CONCURRENT_STREAMS = 16;
}

consts! { FETCHINFO;
    /// FETCHINFO_STRING type base.
    FETCHINFO_STRING = 0x100000;
    /// FETCHINFO_LONG type base.
    FETCHINFO_LONG = 0x200000;
    /// FETCHINFO_DOUBLE type base.
    FETCHINFO_DOUBLE = 0x300000;
    /// FETCHINFO_SLIST type base (and FETCHINFO_PTR).
    FETCHINFO_SLIST = 0x400000;
    /// FETCHINFO_SOCKET type base.
    FETCHINFO_SOCKET = 0x500000;
    /// FETCHINFO_OFF_T type base.
    FETCHINFO_OFF_T = 0x600000;
    /// FETCHINFO_TYPEMASK.
    FETCHINFO_TYPEMASK = 0xf00000;
    /// FETCHINFO_EFFECTIVE_URL.
    FETCHINFO_EFFECTIVE_URL = 0x100000 + 1;
    /// FETCHINFO_RESPONSE_CODE.
    FETCHINFO_RESPONSE_CODE = 0x200000 + 2;
    /// FETCHINFO_TOTAL_TIME.
    FETCHINFO_TOTAL_TIME = 0x300000 + 3;
    /// FETCHINFO_SIZE_UPLOAD.
    FETCHINFO_SIZE_UPLOAD = 0x300000 + 7;
    /// FETCHINFO_SIZE_UPLOAD_T.
    FETCHINFO_SIZE_UPLOAD_T = 0x600000 + 7;
    /// FETCHINFO_SIZE_DOWNLOAD.
    FETCHINFO_SIZE_DOWNLOAD = 0x300000 + 8;
    /// FETCHINFO_SIZE_DOWNLOAD_T.
    FETCHINFO_SIZE_DOWNLOAD_T = 0x600000 + 8;
    /// FETCHINFO_HEADER_SIZE.
    FETCHINFO_HEADER_SIZE = 0x200000 + 11;
    /// FETCHINFO_REDIRECT_COUNT.
    FETCHINFO_REDIRECT_COUNT = 0x200000 + 20;
    /// FETCHINFO_PRIVATE.
    FETCHINFO_PRIVATE = 0x100000 + 21;
    /// FETCHINFO_NUM_CONNECTS.
    FETCHINFO_NUM_CONNECTS = 0x200000 + 26;
    /// FETCHINFO_REDIRECT_URL.
    FETCHINFO_REDIRECT_URL = 0x100000 + 31;
    /// FETCHINFO_PRIMARY_IP.
    FETCHINFO_PRIMARY_IP = 0x100000 + 32;
    /// FETCHINFO_PRIMARY_PORT.
    FETCHINFO_PRIMARY_PORT = 0x200000 + 40;
    /// FETCHINFO_TOTAL_TIME_T.
    FETCHINFO_TOTAL_TIME_T = 0x600000 + 50;
}

/// FETCH_ERROR_SIZE: the size FETCHOPT_ERRORBUFFER must have.
pub const FETCH_ERROR_SIZE: usize = 256;
/// FETCH_READFUNC_ABORT.
pub const FETCH_READFUNC_ABORT: usize = 0x1000_0000;
/// FETCH_READFUNC_PAUSE / FETCH_WRITEFUNC_PAUSE (not supported: an error).
pub const FETCH_FUNC_PAUSE: usize = 0x1000_0001;
/// FETCH_POLL_REMOVE.
pub const FETCH_POLL_REMOVE: c_int = 4;
/// FETCH_SOCKET_TIMEOUT / FETCH_SOCKET_BAD.
pub const FETCH_SOCKET_TIMEOUT: fetch_socket_t = -1;
/// FETCHMSG_DONE.
pub const FETCHMSG_DONE: c_int = 1;
/// FETCH_WAIT_POLLIN.
pub const FETCH_WAIT_POLLIN: i16 = 0x0001;
/// FETCH_WAIT_POLLPRI.
pub const FETCH_WAIT_POLLPRI: i16 = 0x0002;
/// FETCH_WAIT_POLLOUT.
pub const FETCH_WAIT_POLLOUT: i16 = 0x0004;

/// The option's type base (FETCHOPTTYPE_*).
pub(crate) fn option_type(option: c_int) -> c_int {
    option - option.rem_euclid(10000)
}

/// The FETCHcode for an engine error code.
pub(crate) fn easy_code(code: ErrorCode) -> FETCHcode {
    code.code()
}

/// The FETCHMcode for an engine multi error.
pub(crate) fn multi_code(e: MultiError) -> FETCHMcode {
    e.code()
}

struct Tables {
    easy: Vec<CString>,
    easy_unknown: CString,
    multi: Vec<CString>,
    multi_unknown: CString,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    let c = |s: &str| CString::new(s).unwrap_or_default();
    T.get_or_init(|| Tables {
        easy: (0..)
            .map_while(ErrorCode::from_code)
            .map(|e| c(e.strerror()))
            .collect(),
        easy_unknown: c(fetch_core::easy_strerror(-1)),
        // -1..=12 at index code + 1.
        multi: (-1..=12)
            .map(|m| c(fetch_core::multi_strerror(m)))
            .collect(),
        multi_unknown: c(fetch_core::multi_strerror(i32::MAX)),
    })
}

/// The static text for a FETCHcode (ERR-03 style: unknown values share one).
pub(crate) fn easy_strerror(code: c_int) -> &'static CStr {
    let t = tables();
    usize::try_from(code)
        .ok()
        .and_then(|i| t.easy.get(i))
        .unwrap_or(&t.easy_unknown)
}

/// The static text for a FETCHMcode (ERR-03).
pub(crate) fn multi_strerror(code: c_int) -> &'static CStr {
    let t = tables();
    code.checked_add(1)
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| t.multi.get(i))
        .unwrap_or(&t.multi_unknown)
}

/// A C string pointer for a static text.
pub(crate) fn cstr_ptr(s: &'static CStr) -> *const c_char {
    s.as_ptr()
}
