// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! The easy option table and `fetch_easy_setopt_*`.

use std::ffi::{CStr, OsStr, c_int, c_long, c_uint, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::ptr;

use fetch_core::{Method, TlsVersion};

use super::callbacks::{callback, fetch_func};
use super::{FetchEasy, PostData, dirty, easy_ref};
use crate::codes::*;
use crate::guard;

/// `struct fetch_blob` (FETCHOPT_CAINFO_BLOB).
#[repr(C)]
#[derive(Debug)]
pub struct fetch_blob {
    /// The bytes.
    pub data: *mut c_void,
    /// How many.
    pub len: usize,
    /// FETCH_BLOB_COPY or FETCH_BLOB_NOCOPY (libfetch always copies).
    pub flags: c_uint,
}

/// Upstream's limit on a blob (and string) option's length.
const MAX_INPUT_LENGTH: usize = 8_000_000;

/// A NUL-terminated option string as a path.
fn path(s: &CStr) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(s.to_bytes()))
}

/// FETCHOPT_SSLVERSION: the minimum in the low 16 bits, the maximum above.
/// Minimums below TLS 1.2 mean "1.2 or newer" (rustls has nothing older;
/// upstream's rustls backend does the same). The engine has no maximum, so
/// only "none", "default" and TLS 1.3 are accepted as one.
fn tls_version(arg: i64) -> Result<TlsVersion, FETCHcode> {
    let (min, max) = (arg & 0xffff, arg >> 16);
    let v = match min {
        FETCH_SSLVERSION_DEFAULT => TlsVersion::Default,
        FETCH_SSLVERSION_TLSv1
        | FETCH_SSLVERSION_TLSv1_0
        | FETCH_SSLVERSION_TLSv1_1
        | FETCH_SSLVERSION_TLSv1_2 => TlsVersion::V1_2,
        FETCH_SSLVERSION_TLSv1_3 => TlsVersion::V1_3,
        // SSLv2, SSLv3, negative, LAST and above: as upstream's setopt.
        _ => return Err(FETCHE_BAD_FUNCTION_ARGUMENT),
    };
    match max << 16 {
        FETCH_SSLVERSION_MAX_NONE | FETCH_SSLVERSION_MAX_DEFAULT | FETCH_SSLVERSION_MAX_TLSv1_3 => {
            Ok(v)
        }
        // Capping at 1.2 is something rustls can do but the engine does not
        // offer yet.
        FETCH_SSLVERSION_MAX_TLSv1_2 if v != TlsVersion::V1_3 => Err(FETCHE_NOT_BUILT_IN),
        // Below the minimum, or a version rustls lacks (upstream's rustls
        // backend refuses these too).
        _ => Err(FETCHE_BAD_FUNCTION_ARGUMENT),
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Value {
    Int(i64),
    Ptr(*const c_void),
    /// From `fetch_easy_setopt_func`: only valid for function options.
    Func(*const c_void),
}

impl FetchEasy {
    fn setopt(&mut self, option: c_int, value: Value) -> FETCHcode {
        const KNOWN: &[c_int] = &[
            FETCHOPT_URL,
            FETCHOPT_USERAGENT,
            FETCHOPT_CUSTOMREQUEST,
            FETCHOPT_WRITEDATA,
            FETCHOPT_HEADERDATA,
            FETCHOPT_READDATA,
            FETCHOPT_PRIVATE,
            FETCHOPT_ERRORBUFFER,
            FETCHOPT_HTTPHEADER,
            FETCHOPT_WRITEFUNCTION,
            FETCHOPT_HEADERFUNCTION,
            FETCHOPT_READFUNCTION,
            FETCHOPT_POSTFIELDS,
            FETCHOPT_COPYPOSTFIELDS,
            FETCHOPT_POSTFIELDSIZE,
            FETCHOPT_POSTFIELDSIZE_LARGE,
            FETCHOPT_INFILESIZE,
            FETCHOPT_INFILESIZE_LARGE,
            FETCHOPT_POST,
            FETCHOPT_NOBODY,
            FETCHOPT_UPLOAD,
            FETCHOPT_PUT,
            FETCHOPT_HTTPGET,
            FETCHOPT_FOLLOWLOCATION,
            FETCHOPT_MAXREDIRS,
            FETCHOPT_TIMEOUT,
            FETCHOPT_TIMEOUT_MS,
            FETCHOPT_CONNECTTIMEOUT,
            FETCHOPT_CONNECTTIMEOUT_MS,
            FETCHOPT_VERBOSE,
            FETCHOPT_NOSIGNAL,
            FETCHOPT_NOPROGRESS,
            FETCHOPT_CAINFO,
            FETCHOPT_CAPATH,
            FETCHOPT_CAINFO_BLOB,
            FETCHOPT_SSL_VERIFYPEER,
            FETCHOPT_SSL_VERIFYHOST,
            FETCHOPT_SSLCERT,
            FETCHOPT_SSLKEY,
            FETCHOPT_SSLCERTTYPE,
            FETCHOPT_SSLKEYTYPE,
            FETCHOPT_SSLVERSION,
            FETCHOPT_XFERINFOFUNCTION,
            FETCHOPT_XFERINFODATA,
            FETCHOPT_PROGRESSFUNCTION,
            FETCHOPT_LOW_SPEED_LIMIT,
            FETCHOPT_LOW_SPEED_TIME,
            FETCHOPT_MAX_SEND_SPEED_LARGE,
            FETCHOPT_MAX_RECV_SPEED_LARGE,
            FETCHOPT_EXPECT_100_TIMEOUT_MS,
            FETCHOPT_UNRESTRICTED_AUTH,
            FETCHOPT_SEEKFUNCTION,
            FETCHOPT_SEEKDATA,
        ];
        if !KNOWN.contains(&option) {
            return FETCHE_UNKNOWN_OPTION;
        }
        let o = &mut self.opts;
        let ty = option_type(option);
        let int = match (ty, value) {
            (FETCHOPTTYPE_LONG | FETCHOPTTYPE_OFF_T, Value::Int(v)) => Some(v),
            (FETCHOPTTYPE_LONG | FETCHOPTTYPE_OFF_T, Value::Ptr(_) | Value::Func(_)) => {
                return FETCHE_BAD_FUNCTION_ARGUMENT;
            }
            _ => None,
        };
        let ptr = match (ty, value) {
            (FETCHOPTTYPE_FUNCTIONPOINT, Value::Func(p)) => p,
            (_, Value::Func(_)) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            (
                FETCHOPTTYPE_OBJECTPOINT | FETCHOPTTYPE_FUNCTIONPOINT | FETCHOPTTYPE_BLOB,
                Value::Ptr(p),
            ) => p,
            (
                FETCHOPTTYPE_OBJECTPOINT | FETCHOPTTYPE_FUNCTIONPOINT | FETCHOPTTYPE_BLOB,
                Value::Int(0),
            ) => ptr::null(),
            (
                FETCHOPTTYPE_OBJECTPOINT | FETCHOPTTYPE_FUNCTIONPOINT | FETCHOPTTYPE_BLOB,
                Value::Int(_),
            ) => {
                return FETCHE_BAD_FUNCTION_ARGUMENT;
            }
            _ => ptr::null(),
        };
        let v = int.unwrap_or(0);
        let cstring = |p: *const c_void| {
            // SAFETY: string options take NUL-terminated strings, which
            // are copied (upstream copies them too).
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p.cast()) }.to_owned())
        };
        let ms =
            |v: i64, scale: i64| u64::try_from(v.checked_mul(scale).ok_or(())?).map_err(|_| ());
        match option {
            FETCHOPT_URL => o.url = cstring(ptr),
            FETCHOPT_USERAGENT => o.user_agent = cstring(ptr),
            FETCHOPT_CUSTOMREQUEST => {
                let custom = cstring(ptr);
                // A method must be an HTTP token: CR/LF in it would let one
                // transfer send two requests. Refused here, old value kept.
                if let Some(c) = &custom {
                    let name = c.to_str().map_err(|_| ());
                    if name
                        .and_then(|n| Method::custom(n).map_err(|_| ()))
                        .is_err()
                    {
                        return FETCHE_BAD_FUNCTION_ARGUMENT;
                    }
                }
                o.custom = custom;
            }
            FETCHOPT_UNRESTRICTED_AUTH => o.unrestricted_auth = v != 0,
            FETCHOPT_SEEKDATA => o.seek_data = ptr.cast_mut(),
            // SAFETY: as for the other function options.
            FETCHOPT_SEEKFUNCTION => o.seek_fn = unsafe { callback(ptr) },
            FETCHOPT_WRITEDATA => o.write_data = ptr.cast_mut(),
            FETCHOPT_HEADERDATA => o.header_data = ptr.cast_mut(),
            FETCHOPT_READDATA => o.read_data = ptr.cast_mut(),
            FETCHOPT_PRIVATE => o.private = ptr.cast_mut(),
            FETCHOPT_ERRORBUFFER => o.errorbuffer = ptr.cast_mut().cast(),
            FETCHOPT_HTTPHEADER => o.headers = ptr.cast(),
            // SAFETY: function options carry a callback of the documented
            // type, passed as a data pointer.
            FETCHOPT_WRITEFUNCTION => o.write_fn = unsafe { callback(ptr) },
            // SAFETY: as above.
            FETCHOPT_HEADERFUNCTION => o.header_fn = unsafe { callback(ptr) },
            // SAFETY: as above.
            FETCHOPT_READFUNCTION => o.read_fn = unsafe { callback(ptr) },
            FETCHOPT_POSTFIELDS => {
                o.post_data = if ptr.is_null() {
                    PostData::None
                } else {
                    PostData::Borrowed(ptr.cast())
                }
            }
            FETCHOPT_COPYPOSTFIELDS => {
                o.post_data = if ptr.is_null() {
                    PostData::None
                } else {
                    let len = match usize::try_from(o.post_size) {
                        Ok(n) => n,
                        // SAFETY: without a size the data is a C string.
                        Err(_) => unsafe { libc::strlen(ptr.cast()) },
                    };
                    // SAFETY: the application passes `len` readable bytes.
                    PostData::Copied(
                        unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) }.to_vec(),
                    )
                }
            }
            FETCHOPT_POSTFIELDSIZE | FETCHOPT_POSTFIELDSIZE_LARGE => {
                if v < -1 {
                    return FETCHE_BAD_FUNCTION_ARGUMENT;
                }
                o.post_size = v;
            }
            FETCHOPT_INFILESIZE | FETCHOPT_INFILESIZE_LARGE => {
                if v < -1 {
                    return FETCHE_BAD_FUNCTION_ARGUMENT;
                }
                o.infilesize = v;
            }
            FETCHOPT_POST => o.post = v != 0,
            FETCHOPT_NOBODY => o.nobody = v != 0,
            FETCHOPT_UPLOAD | FETCHOPT_PUT => o.upload = v != 0,
            FETCHOPT_HTTPGET => {
                if v != 0 {
                    o.post = false;
                    o.upload = false;
                    o.nobody = false;
                    o.post_data = PostData::None;
                }
            }
            FETCHOPT_FOLLOWLOCATION => o.follow = v != 0,
            FETCHOPT_MAXREDIRS => {
                if v < -1 {
                    return FETCHE_BAD_FUNCTION_ARGUMENT;
                }
                o.max_redirs = v;
            }
            FETCHOPT_TIMEOUT | FETCHOPT_TIMEOUT_MS => {
                let scale = if option == FETCHOPT_TIMEOUT { 1000 } else { 1 };
                match ms(v, scale) {
                    Ok(t) => o.timeout_ms = t,
                    Err(()) => return FETCHE_BAD_FUNCTION_ARGUMENT,
                }
            }
            FETCHOPT_CONNECTTIMEOUT | FETCHOPT_CONNECTTIMEOUT_MS => {
                let scale = if option == FETCHOPT_CONNECTTIMEOUT {
                    1000
                } else {
                    1
                };
                match ms(v, scale) {
                    Ok(t) => o.connect_timeout_ms = t,
                    Err(()) => return FETCHE_BAD_FUNCTION_ARGUMENT,
                }
            }
            FETCHOPT_CAINFO => o.tls.ca_file = cstring(ptr).as_deref().map(path),
            FETCHOPT_CAPATH => o.tls.ca_path = cstring(ptr).as_deref().map(path),
            FETCHOPT_SSLCERT => o.tls.client_cert = cstring(ptr).as_deref().map(path),
            FETCHOPT_SSLKEY => o.tls.client_key = cstring(ptr).as_deref().map(path),
            FETCHOPT_CAINFO_BLOB => {
                let blob = ptr.cast::<fetch_blob>();
                o.tls.ca_blob = if blob.is_null() {
                    None
                } else {
                    // SAFETY: a non-NULL CAINFO_BLOB argument points to a
                    // `struct fetch_blob` (upstream contract).
                    let b = unsafe { &*blob };
                    if b.data.is_null() || b.len == 0 || b.len > MAX_INPUT_LENGTH {
                        return FETCHE_BAD_FUNCTION_ARGUMENT;
                    }
                    // Copied whatever the flags say: FETCH_BLOB_NOCOPY only
                    // allows the library to keep the pointer.
                    // SAFETY: the blob's data is readable for `len` bytes.
                    Some(unsafe { std::slice::from_raw_parts(b.data.cast::<u8>(), b.len) }.to_vec())
                };
            }
            FETCHOPT_SSLCERTTYPE | FETCHOPT_SSLKEYTYPE => {
                // Only PEM files are supported; NULL restores the default.
                // Upstream backends refuse unsupported types when the
                // transfer starts; here setopt says so at once.
                if let Some(t) = cstring(ptr) {
                    if !t.to_bytes().eq_ignore_ascii_case(b"PEM") {
                        return FETCHE_NOT_BUILT_IN;
                    }
                }
            }
            FETCHOPT_SSL_VERIFYPEER => o.tls.verify_peer = v != 0,
            // Modern upstream treats 1 as 2 (verify the name).
            FETCHOPT_SSL_VERIFYHOST => o.tls.verify_host = v != 0,
            FETCHOPT_SSLVERSION => match tls_version(v) {
                Ok(min) => o.tls.min_version = min,
                Err(code) => return code,
            },
            // SAFETY: as for the other function options.
            FETCHOPT_XFERINFOFUNCTION => o.xferinfo_fn = unsafe { callback(ptr) },
            // SAFETY: as above.
            FETCHOPT_PROGRESSFUNCTION => o.progress_fn = unsafe { callback(ptr) },
            FETCHOPT_XFERINFODATA => o.progress_data = ptr.cast_mut(),
            FETCHOPT_NOPROGRESS => o.noprogress = v != 0,
            FETCHOPT_LOW_SPEED_LIMIT => match u64::try_from(v) {
                Ok(n) => o.low_speed_limit = n,
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            // Upstream: negative is an error, above 65535 s is clamped.
            FETCHOPT_LOW_SPEED_TIME => match u64::try_from(v) {
                Ok(n) => o.low_speed_time = n.min(u64::from(u16::MAX)),
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            FETCHOPT_MAX_SEND_SPEED_LARGE => match u64::try_from(v) {
                Ok(n) => o.max_send_speed = n,
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            FETCHOPT_MAX_RECV_SPEED_LARGE => match u64::try_from(v) {
                Ok(n) => o.max_recv_speed = n,
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            // Upstream: negative is an error, above 65535 ms is clamped.
            FETCHOPT_EXPECT_100_TIMEOUT_MS => match u64::try_from(v) {
                Ok(n) => o.expect_100_timeout_ms = n.min(u64::from(u16::MAX)),
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            // Documented no-ops: there is no debug output and no signal use.
            FETCHOPT_VERBOSE | FETCHOPT_NOSIGNAL => {}
            _ => return FETCHE_UNKNOWN_OPTION,
        }
        self.dirty |= match option {
            // The engine has no "no URL": start over for upstream's error.
            FETCHOPT_URL if ptr.is_null() => dirty::REBUILD,
            FETCHOPT_URL => dirty::URL,
            FETCHOPT_CUSTOMREQUEST
            | FETCHOPT_POSTFIELDS
            | FETCHOPT_COPYPOSTFIELDS
            | FETCHOPT_POSTFIELDSIZE
            | FETCHOPT_POSTFIELDSIZE_LARGE
            | FETCHOPT_INFILESIZE
            | FETCHOPT_INFILESIZE_LARGE
            | FETCHOPT_POST
            | FETCHOPT_NOBODY
            | FETCHOPT_UPLOAD
            | FETCHOPT_PUT
            | FETCHOPT_HTTPGET => dirty::REBUILD,
            FETCHOPT_WRITEFUNCTION
            | FETCHOPT_WRITEDATA
            | FETCHOPT_HEADERFUNCTION
            | FETCHOPT_HEADERDATA
            | FETCHOPT_READFUNCTION
            | FETCHOPT_READDATA
            | FETCHOPT_XFERINFOFUNCTION
            | FETCHOPT_PROGRESSFUNCTION
            | FETCHOPT_SEEKFUNCTION
            | FETCHOPT_SEEKDATA
            | FETCHOPT_XFERINFODATA
            | FETCHOPT_NOPROGRESS => dirty::HOOKS,
            FETCHOPT_FOLLOWLOCATION
            | FETCHOPT_MAXREDIRS
            | FETCHOPT_TIMEOUT
            | FETCHOPT_TIMEOUT_MS
            | FETCHOPT_CONNECTTIMEOUT
            | FETCHOPT_CONNECTTIMEOUT_MS
            | FETCHOPT_LOW_SPEED_LIMIT
            | FETCHOPT_LOW_SPEED_TIME
            | FETCHOPT_MAX_SEND_SPEED_LARGE
            | FETCHOPT_MAX_RECV_SPEED_LARGE
            | FETCHOPT_EXPECT_100_TIMEOUT_MS
            | FETCHOPT_UNRESTRICTED_AUTH => dirty::SCALARS,
            FETCHOPT_CAINFO
            | FETCHOPT_CAPATH
            | FETCHOPT_CAINFO_BLOB
            | FETCHOPT_SSLCERT
            | FETCHOPT_SSLKEY
            | FETCHOPT_SSL_VERIFYPEER
            | FETCHOPT_SSL_VERIFYHOST
            | FETCHOPT_SSLVERSION => dirty::TLS,
            // Read at every add (USERAGENT, HTTPHEADER) or not part of the
            // engine transfer (PRIVATE, ERRORBUFFER, the no-ops).
            _ => 0,
        };
        FETCHE_OK
    }
}

fn easy_setopt(h: *mut c_void, option: FETCHoption, value: Value) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        // SAFETY: the exported wrappers require `h` to be NULL or a handle.
        match unsafe { easy_ref(h) } {
            Some(e) => e.setopt(option, value),
            None => FETCHE_BAD_FUNCTION_ARGUMENT,
        }
    })
}

/// `fetch_easy_setopt` for `long` (and other integer) arguments. Also
/// accepts OFF_T options, and 0 as NULL for pointer options.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_setopt_long(
    h: *mut c_void,
    option: FETCHoption,
    value: c_long,
) -> FETCHcode {
    easy_setopt(h, option, Value::Int(i64::from(value)))
}

/// `fetch_easy_setopt` for `fetch_off_t` arguments (LONG options too).
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_setopt_off_t(
    h: *mut c_void,
    option: FETCHoption,
    value: fetch_off_t,
) -> FETCHcode {
    easy_setopt(h, option, Value::Int(value))
}

/// `fetch_easy_setopt` for object pointers (and function pointers passed
/// as data pointers, which is what the `_Generic` macro does).
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library; `value` must
/// be what the option documents (a C string, a callback, user data...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_setopt_ptr(
    h: *mut c_void,
    option: FETCHoption,
    value: *const c_void,
) -> FETCHcode {
    easy_setopt(h, option, Value::Ptr(value))
}

/// `fetch_easy_setopt` for function pointers cast to `fetch_func`.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library; `value` must
/// be a callback of the type the option documents.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_setopt_func(
    h: *mut c_void,
    option: FETCHoption,
    value: fetch_func,
) -> FETCHcode {
    let p = value.map_or(ptr::null(), |f| f as *const c_void);
    easy_setopt(h, option, Value::Func(p))
}
