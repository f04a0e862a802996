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
/// `fetch_infotype` (an enum in C): what a debug callback call carries.
pub type fetch_infotype = c_int;
/// `fetch_off_t` (int64_t).
pub type fetch_off_t = i64;

/// Defines public constants and records each name and value in `$list`,
/// which the header check compares with `fetch.h` (so neither can drift).
macro_rules! consts {
    ($list:ident; $($(#[$doc:meta])* $name:ident: $ty:ty = $value:expr;)*) => {
        $($(#[$doc])* pub const $name: $ty = $value;)*
        /// Every constant above, by name.
        #[cfg(test)]
        pub(crate) const $list: &[(&str, i128)] = &[$((stringify!($name), $name as i128)),*];
    };
}

consts! { CODE_CONSTANTS;
    /// FETCHE_OK.
    FETCHE_OK: FETCHcode = 0;
    /// FETCHE_UNSUPPORTED_PROTOCOL.
    FETCHE_UNSUPPORTED_PROTOCOL: FETCHcode = 1;
    /// FETCHE_FAILED_INIT.
    FETCHE_FAILED_INIT: FETCHcode = 2;
    /// FETCHE_NOT_BUILT_IN.
    FETCHE_NOT_BUILT_IN: FETCHcode = 4;
    /// FETCHE_OUT_OF_MEMORY.
    FETCHE_OUT_OF_MEMORY: FETCHcode = 27;
    /// FETCHE_ABORTED_BY_CALLBACK.
    FETCHE_ABORTED_BY_CALLBACK: FETCHcode = 42;
    /// FETCHE_BAD_FUNCTION_ARGUMENT.
    FETCHE_BAD_FUNCTION_ARGUMENT: FETCHcode = 43;
    /// FETCHE_UNKNOWN_OPTION.
    FETCHE_UNKNOWN_OPTION: FETCHcode = 48;
    /// FETCHE_RECURSIVE_API_CALL.
    FETCHE_RECURSIVE_API_CALL: FETCHcode = 93;
    /// FETCHE_UNRECOVERABLE_POLL.
    FETCHE_UNRECOVERABLE_POLL: FETCHcode = 99;

    /// FETCHM_OK.
    FETCHM_OK: FETCHMcode = 0;
    /// FETCHM_BAD_HANDLE.
    FETCHM_BAD_HANDLE: FETCHMcode = 1;
    /// FETCHM_BAD_EASY_HANDLE.
    FETCHM_BAD_EASY_HANDLE: FETCHMcode = 2;
    /// FETCHM_OUT_OF_MEMORY.
    FETCHM_OUT_OF_MEMORY: FETCHMcode = 3;
    /// FETCHM_INTERNAL_ERROR.
    FETCHM_INTERNAL_ERROR: FETCHMcode = 4;
    /// FETCHM_BAD_SOCKET.
    FETCHM_BAD_SOCKET: FETCHMcode = 5;
    /// FETCHM_UNKNOWN_OPTION.
    FETCHM_UNKNOWN_OPTION: FETCHMcode = 6;
    /// FETCHM_ADDED_ALREADY.
    FETCHM_ADDED_ALREADY: FETCHMcode = 7;
    /// FETCHM_RECURSIVE_API_CALL.
    FETCHM_RECURSIVE_API_CALL: FETCHMcode = 8;
    /// FETCHM_WAKEUP_FAILURE.
    FETCHM_WAKEUP_FAILURE: FETCHMcode = 9;
    /// FETCHM_BAD_FUNCTION_ARGUMENT.
    FETCHM_BAD_FUNCTION_ARGUMENT: FETCHMcode = 10;
    /// FETCHM_ABORTED_BY_CALLBACK.
    FETCHM_ABORTED_BY_CALLBACK: FETCHMcode = 11;
    /// FETCHM_UNRECOVERABLE_POLL.
    FETCHM_UNRECOVERABLE_POLL: FETCHMcode = 12;

    /// FETCHOPTTYPE_LONG.
    FETCHOPTTYPE_LONG: c_int = 0;
    /// FETCHOPTTYPE_OBJECTPOINT.
    FETCHOPTTYPE_OBJECTPOINT: c_int = 10000;
    /// FETCHOPTTYPE_FUNCTIONPOINT.
    FETCHOPTTYPE_FUNCTIONPOINT: c_int = 20000;
    /// FETCHOPTTYPE_OFF_T.
    FETCHOPTTYPE_OFF_T: c_int = 30000;
    /// FETCHOPTTYPE_BLOB.
    FETCHOPTTYPE_BLOB: c_int = 40000;
    /// FETCHOPTTYPE_STRINGPOINT: a `char *` (an OBJECTPOINT).
    FETCHOPTTYPE_STRINGPOINT: c_int = FETCHOPTTYPE_OBJECTPOINT;
    /// FETCHOPTTYPE_SLISTPOINT: a `struct fetch_slist *` (an OBJECTPOINT).
    FETCHOPTTYPE_SLISTPOINT: c_int = FETCHOPTTYPE_OBJECTPOINT;
    /// FETCHOPTTYPE_CBPOINT: callback data (an OBJECTPOINT).
    FETCHOPTTYPE_CBPOINT: c_int = FETCHOPTTYPE_OBJECTPOINT;
    /// FETCHOPTTYPE_VALUES: a `long` with named values (a LONG).
    FETCHOPTTYPE_VALUES: c_int = FETCHOPTTYPE_LONG;


    /// FETCHINFO_STRING type base.
    FETCHINFO_STRING: FETCHINFO = 0x100000;
    /// FETCHINFO_LONG type base.
    FETCHINFO_LONG: FETCHINFO = 0x200000;
    /// FETCHINFO_DOUBLE type base.
    FETCHINFO_DOUBLE: FETCHINFO = 0x300000;
    /// FETCHINFO_SLIST type base (and FETCHINFO_PTR).
    FETCHINFO_SLIST: FETCHINFO = 0x400000;
    /// FETCHINFO_SOCKET type base.
    FETCHINFO_SOCKET: FETCHINFO = 0x500000;
    /// FETCHINFO_OFF_T type base.
    FETCHINFO_OFF_T: FETCHINFO = 0x600000;
    /// FETCHINFO_TYPEMASK.
    FETCHINFO_TYPEMASK: FETCHINFO = 0xf00000;

    /// FETCHOT_LONG: an option's `fetch_easytype`.
    FETCHOT_LONG: c_int = 0;
    /// FETCHOT_VALUES: a `long` with named values.
    FETCHOT_VALUES: c_int = 1;
    /// FETCHOT_OFF_T.
    FETCHOT_OFF_T: c_int = 2;
    /// FETCHOT_OBJECT: a data pointer.
    FETCHOT_OBJECT: c_int = 3;
    /// FETCHOT_STRING.
    FETCHOT_STRING: c_int = 4;
    /// FETCHOT_SLIST.
    FETCHOT_SLIST: c_int = 5;
    /// FETCHOT_CBPTR: callback data.
    FETCHOT_CBPTR: c_int = 6;
    /// FETCHOT_BLOB.
    FETCHOT_BLOB: c_int = 7;
    /// FETCHOT_FUNCTION.
    FETCHOT_FUNCTION: c_int = 8;
    /// FETCHOT_FLAG_ALIAS: the entry is another name for an option.
    FETCHOT_FLAG_ALIAS: u32 = 1 << 0;

    /// FETCHVERSION_NOW: the layout of `fetch_version_info_data`.
    FETCHVERSION_NOW: c_int = 10;
    /// FETCH_VERSION_IPV6.
    FETCH_VERSION_IPV6: c_int = 1 << 0;
    /// FETCH_VERSION_SSL.
    FETCH_VERSION_SSL: c_int = 1 << 2;
    /// FETCH_VERSION_ASYNCHDNS.
    FETCH_VERSION_ASYNCHDNS: c_int = 1 << 7;
    /// FETCH_VERSION_LARGEFILE.
    FETCH_VERSION_LARGEFILE: c_int = 1 << 9;
    /// FETCH_VERSION_THREADSAFE.
    FETCH_VERSION_THREADSAFE: c_int = 1 << 30;
    /// FETCHSSLBACKEND_RUSTLS.
    FETCHSSLBACKEND_RUSTLS: c_int = 14;
    /// FETCHSSLSET_OK.
    FETCHSSLSET_OK: c_int = 0;
    /// FETCHSSLSET_UNKNOWN_BACKEND.
    FETCHSSLSET_UNKNOWN_BACKEND: c_int = 1;
    /// FETCHSHE_OK.
    FETCHSHE_OK: c_int = 0;
    /// FETCHSHE_BAD_OPTION.
    FETCHSHE_BAD_OPTION: c_int = 1;
    /// FETCHSHE_IN_USE: an easy handle holds the share.
    FETCHSHE_IN_USE: c_int = 2;
    /// FETCHSHE_INVALID: not a share handle.
    FETCHSHE_INVALID: c_int = 3;
    /// FETCHSHOPT_SHARE.
    FETCHSHOPT_SHARE: c_int = 1;
    /// FETCHSHOPT_UNSHARE.
    FETCHSHOPT_UNSHARE: c_int = 2;
    /// FETCHSHOPT_LOCKFUNC.
    FETCHSHOPT_LOCKFUNC: c_int = 3;
    /// FETCHSHOPT_UNLOCKFUNC.
    FETCHSHOPT_UNLOCKFUNC: c_int = 4;
    /// FETCHSHOPT_USERDATA.
    FETCHSHOPT_USERDATA: c_int = 5;
    /// FETCHSHE_NOT_BUILT_IN.
    FETCHSHE_NOT_BUILT_IN: c_int = 5;
    /// FETCHSTS_OK: an entry was given (read) or taken (write).
    FETCHSTS_OK: c_int = 0;
    /// FETCHSTS_DONE: no more entries / stop.
    FETCHSTS_DONE: c_int = 1;
    /// FETCHSTS_FAIL: fail.
    FETCHSTS_FAIL: c_int = 2;
    /// FETCHUE_BAD_HANDLE.
    FETCHUE_BAD_HANDLE: c_int = 1;
    /// FETCHHE_OK: the header was found.
    FETCHHE_OK: c_int = 0;
    /// FETCHHE_OUT_OF_MEMORY.
    FETCHHE_OUT_OF_MEMORY: c_int = 5;
    /// FETCHHE_BAD_ARGUMENT: a NULL handle, name or output, or bad bits.
    FETCHHE_BAD_ARGUMENT: c_int = 6;
    /// FETCHHE_NOT_BUILT_IN.
    FETCHHE_NOT_BUILT_IN: c_int = 7;
    /// FETCH_FORMADD_DISABLED.
    FETCH_FORMADD_DISABLED: c_int = 7;

    /// FETCH_ERROR_SIZE: the size FETCHOPT_ERRORBUFFER must have.
    FETCH_ERROR_SIZE: usize = 256;
    /// FETCHINFO_TEXT: an informational line.
    FETCHINFO_TEXT: fetch_infotype = 0;
    /// FETCHINFO_HEADER_IN: a response header line.
    FETCHINFO_HEADER_IN: fetch_infotype = 1;
    /// FETCHINFO_HEADER_OUT: the request head.
    FETCHINFO_HEADER_OUT: fetch_infotype = 2;
    /// FETCHINFO_DATA_IN: response body bytes.
    FETCHINFO_DATA_IN: fetch_infotype = 3;
    /// FETCHINFO_DATA_OUT: request body bytes.
    FETCHINFO_DATA_OUT: fetch_infotype = 4;
    /// FETCHINFO_SSL_DATA_IN: never given (see ABI.md).
    FETCHINFO_SSL_DATA_IN: fetch_infotype = 5;
    /// FETCHINFO_SSL_DATA_OUT: never given (see ABI.md).
    FETCHINFO_SSL_DATA_OUT: fetch_infotype = 6;
    /// FETCH_SEEKFUNC_OK.
    FETCH_SEEKFUNC_OK: c_int = 0;
    /// FETCH_SEEKFUNC_FAIL.
    FETCH_SEEKFUNC_FAIL: c_int = 1;
    /// FETCH_SEEKFUNC_CANTSEEK.
    FETCH_SEEKFUNC_CANTSEEK: c_int = 2;
    /// FETCH_READFUNC_ABORT.
    FETCH_READFUNC_ABORT: usize = 0x1000_0000;
    /// FETCH_READFUNC_PAUSE: the read callback pauses sending.
    FETCH_READFUNC_PAUSE: usize = 0x1000_0001;
    /// FETCH_WRITEFUNC_PAUSE: the write or header callback pauses receiving.
    FETCH_WRITEFUNC_PAUSE: usize = 0x1000_0001;
    /// FETCH_PROGRESSFUNC_CONTINUE: "carry on" from a progress callback.
    FETCH_PROGRESSFUNC_CONTINUE: c_int = 0x1000_0001;
    /// FETCHPAUSE_RECV.
    FETCHPAUSE_RECV: c_int = 1 << 0;
    /// FETCHPAUSE_RECV_CONT.
    FETCHPAUSE_RECV_CONT: c_int = 0;
    /// FETCHPAUSE_SEND.
    FETCHPAUSE_SEND: c_int = 1 << 2;
    /// FETCHPAUSE_SEND_CONT.
    FETCHPAUSE_SEND_CONT: c_int = 0;
    /// FETCHPAUSE_ALL.
    FETCHPAUSE_ALL: c_int = FETCHPAUSE_RECV | FETCHPAUSE_SEND;
    /// FETCHPAUSE_CONT.
    FETCHPAUSE_CONT: c_int = FETCHPAUSE_RECV_CONT | FETCHPAUSE_SEND_CONT;
    /// FETCH_BLOB_COPY: setopt copies the blob's data.
    FETCH_BLOB_COPY: u32 = 1;
    /// FETCH_BLOB_NOCOPY: the application keeps the data alive (libfetch
    /// copies anyway).
    FETCH_BLOB_NOCOPY: u32 = 0;
    /// FETCH_HTTP_VERSION_NONE.
    FETCH_HTTP_VERSION_NONE: i64 = 0;
    /// FETCH_HTTP_VERSION_1_0.
    FETCH_HTTP_VERSION_1_0: i64 = 1;
    /// FETCH_HTTP_VERSION_1_1.
    FETCH_HTTP_VERSION_1_1: i64 = 2;
    /// FETCH_HTTP_VERSION_2_0.
    FETCH_HTTP_VERSION_2_0: i64 = 3;
    /// FETCH_HTTP_VERSION_2TLS.
    FETCH_HTTP_VERSION_2TLS: i64 = 4;
    /// FETCH_HTTP_VERSION_2_PRIOR_KNOWLEDGE.
    FETCH_HTTP_VERSION_2_PRIOR_KNOWLEDGE: i64 = 5;
    /// FETCH_HTTP_VERSION_3 (not built in).
    FETCH_HTTP_VERSION_3: i64 = 30;
    /// FETCH_HTTP_VERSION_3ONLY (not built in).
    FETCH_HTTP_VERSION_3ONLY: i64 = 31;
    /// FETCH_SSLVERSION_DEFAULT.
    FETCH_SSLVERSION_DEFAULT: i64 = 0;
    /// FETCH_SSLVERSION_TLSv1 (TLS 1.x).
    FETCH_SSLVERSION_TLSv1: i64 = 1;
    /// FETCH_SSLVERSION_SSLv2 (refused).
    FETCH_SSLVERSION_SSLv2: i64 = 2;
    /// FETCH_SSLVERSION_SSLv3 (refused).
    FETCH_SSLVERSION_SSLv3: i64 = 3;
    /// FETCH_SSLVERSION_TLSv1_0.
    FETCH_SSLVERSION_TLSv1_0: i64 = 4;
    /// FETCH_SSLVERSION_TLSv1_1.
    FETCH_SSLVERSION_TLSv1_1: i64 = 5;
    /// FETCH_SSLVERSION_TLSv1_2.
    FETCH_SSLVERSION_TLSv1_2: i64 = 6;
    /// FETCH_SSLVERSION_TLSv1_3.
    FETCH_SSLVERSION_TLSv1_3: i64 = 7;
    /// FETCH_SSLVERSION_LAST (never a valid value).
    FETCH_SSLVERSION_LAST: i64 = 8;
    /// FETCH_SSLVERSION_MAX_NONE.
    FETCH_SSLVERSION_MAX_NONE: i64 = 0;
    /// FETCH_SSLVERSION_MAX_DEFAULT.
    FETCH_SSLVERSION_MAX_DEFAULT: i64 = FETCH_SSLVERSION_TLSv1 << 16;
    /// FETCH_SSLVERSION_MAX_TLSv1_0.
    FETCH_SSLVERSION_MAX_TLSv1_0: i64 = FETCH_SSLVERSION_TLSv1_0 << 16;
    /// FETCH_SSLVERSION_MAX_TLSv1_1.
    FETCH_SSLVERSION_MAX_TLSv1_1: i64 = FETCH_SSLVERSION_TLSv1_1 << 16;
    /// FETCH_SSLVERSION_MAX_TLSv1_2.
    FETCH_SSLVERSION_MAX_TLSv1_2: i64 = FETCH_SSLVERSION_TLSv1_2 << 16;
    /// FETCH_SSLVERSION_MAX_TLSv1_3.
    FETCH_SSLVERSION_MAX_TLSv1_3: i64 = FETCH_SSLVERSION_TLSv1_3 << 16;
    /// FETCHSSLOPT_ALLOW_BEAST (no effect: rustls offers no TLS 1.0).
    FETCHSSLOPT_ALLOW_BEAST: i64 = 1;
    /// FETCHSSLOPT_NO_REVOKE (no effect: no revocation checks are made).
    FETCHSSLOPT_NO_REVOKE: i64 = 1 << 1;
    /// FETCHSSLOPT_NO_PARTIALCHAIN: only self-signed CAs are anchors.
    FETCHSSLOPT_NO_PARTIALCHAIN: i64 = 1 << 2;
    /// FETCHSSLOPT_REVOKE_BEST_EFFORT (no effect, as NO_REVOKE).
    FETCHSSLOPT_REVOKE_BEST_EFFORT: i64 = 1 << 3;
    /// FETCHSSLOPT_NATIVE_CA (no effect, as upstream's OpenSSL builds off
    /// Windows).
    FETCHSSLOPT_NATIVE_CA: i64 = 1 << 4;
    /// FETCHSSLOPT_AUTO_CLIENT_CERT (no effect: Schannel only upstream).
    FETCHSSLOPT_AUTO_CLIENT_CERT: i64 = 1 << 5;
    /// FETCH_POLL_REMOVE.
    FETCH_POLL_REMOVE: c_int = 4;
    /// FETCH_SOCKET_TIMEOUT / FETCH_SOCKET_BAD.
    FETCH_SOCKET_TIMEOUT: fetch_socket_t = -1;
    /// FETCHMSG_DONE.
    FETCHMSG_DONE: c_int = 1;
    /// FETCH_PUSH_OK: the push callback takes the pushed stream.
    FETCH_PUSH_OK: c_int = 0;
    /// FETCH_PUSH_DENY: the push callback refuses it.
    FETCH_PUSH_DENY: c_int = 1;
    /// FETCH_PUSH_ERROROUT: refused, and the parent transfer fails.
    FETCH_PUSH_ERROROUT: c_int = 2;
    /// FETCH_WAIT_POLLIN.
    FETCH_WAIT_POLLIN: i16 = 0x0001;
    /// FETCH_WAIT_POLLPRI.
    FETCH_WAIT_POLLPRI: i16 = 0x0002;
    /// FETCH_WAIT_POLLOUT.
    FETCH_WAIT_POLLOUT: i16 = 0x0004;
}

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
        // Index = code: FETCHE_OK is no ErrorCode (success is not an
        // error), so its text comes first, then the codes from 1 up.
        easy: std::iter::once(c(fetch_core::easy_strerror(FETCHE_OK)))
            .chain(
                (1..)
                    .map_while(ErrorCode::from_code)
                    .map(|e| c(e.strerror())),
            )
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
