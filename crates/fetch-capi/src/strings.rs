//! Upstream's small string helpers: `fetch_strequal`/`strnequal`,
//! percent-encoding (`fetch_easy_escape`, `fetch_easy_unescape` and their
//! older handle-less forms), `fetch_getenv` and `fetch_getdate`. Strings
//! handed out are malloc'd, for `fetch_free`.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;

use crate::guard;

/// A malloc'd, NUL-terminated copy of `bytes` (NULL when out of memory).
fn malloc_str(bytes: &[u8]) -> *mut c_char {
    // SAFETY: a fresh allocation of len + 1 bytes, checked below.
    let p = unsafe { libc::malloc(bytes.len() + 1) }.cast::<u8>();
    if p.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: `p` has room for the bytes and the NUL; the regions are
    // distinct.
    unsafe {
        ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        *p.add(bytes.len()) = 0;
    }
    p.cast()
}

/// The input of escape/unescape: `length` bytes, or up to the NUL when it
/// is 0; None for a negative length.
///
/// # Safety
/// `s` must be non-NULL and readable for `length` bytes (or a C string).
unsafe fn input<'a>(s: *const c_char, length: c_int) -> Option<&'a [u8]> {
    match usize::try_from(length) {
        // SAFETY: the caller's promise (a C string).
        Ok(0) => Some(unsafe { CStr::from_ptr(s) }.to_bytes()),
        // SAFETY: the caller's promise (`length` readable bytes).
        Ok(n) => Some(unsafe { std::slice::from_raw_parts(s.cast::<u8>(), n) }),
        Err(_) => None,
    }
}

/// RFC 3986 percent-encoding: everything but the unreserved characters.
pub(crate) fn escape(bytes: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else {
            out.extend([b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    }
    out
}

/// Percent-decoding; a `%` not followed by two hex digits stays as it is.
pub(crate) fn unescape(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = bytes
            .get(i + 1..i + 3)
            .and_then(|p| Some((hex(p[0])?, hex(p[1])?)));
        match (bytes[i], pair) {
            (b'%', Some((hi, lo))) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(0));
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// `fetch_easy_escape`: `string` percent-encoded (every byte but
/// `A-Za-z0-9-._~`), malloc'd. `length` 0 means "up to the NUL"; a
/// negative length or NULL string gives NULL. The handle is not used.
///
/// # Safety
/// `string` must be NULL or readable for `length` bytes (a C string when
/// `length` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_escape(
    handle: *mut c_void,
    string: *const c_char,
    length: c_int,
) -> *mut c_char {
    let _ = handle;
    guard(ptr::null_mut(), || {
        if string.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: as documented above.
        match unsafe { input(string, length) } {
            Some(b) => malloc_str(&escape(b)),
            None => ptr::null_mut(),
        }
    })
}

/// `fetch_escape`: [`fetch_easy_escape`] without a handle (deprecated
/// upstream).
///
/// # Safety
/// As [`fetch_easy_escape`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_escape(string: *const c_char, length: c_int) -> *mut c_char {
    // SAFETY: the same contract.
    unsafe { fetch_easy_escape(ptr::null_mut(), string, length) }
}

/// `fetch_easy_unescape`: `string` percent-decoded, malloc'd and
/// NUL-terminated (it may contain NULs: `outlength`, when not NULL, gets
/// the decoded length). `length` 0 means "up to the NUL"; a negative
/// length or NULL string gives NULL.
///
/// # Safety
/// `string` as for [`fetch_easy_escape`]; `outlength` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_unescape(
    handle: *mut c_void,
    string: *const c_char,
    length: c_int,
    outlength: *mut c_int,
) -> *mut c_char {
    let _ = handle;
    guard(ptr::null_mut(), || {
        if string.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: as documented above.
        let Some(b) = (unsafe { input(string, length) }) else {
            return ptr::null_mut();
        };
        let out = unescape(b);
        let Ok(n) = c_int::try_from(out.len()) else {
            return ptr::null_mut();
        };
        let p = malloc_str(&out);
        if !p.is_null() && !outlength.is_null() {
            // SAFETY: the caller passes a writable int (checked non-NULL).
            unsafe { *outlength = n };
        }
        p
    })
}

/// `fetch_unescape`: [`fetch_easy_unescape`] without a handle or length
/// output (deprecated upstream).
///
/// # Safety
/// As [`fetch_easy_escape`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_unescape(string: *const c_char, length: c_int) -> *mut c_char {
    // SAFETY: the same contract; no length output.
    unsafe { fetch_easy_unescape(ptr::null_mut(), string, length, ptr::null_mut()) }
}

/// `fetch_strequal`: 1 when the strings are equal ignoring ASCII case, else
/// 0 (also when either is NULL).
///
/// # Safety
/// Each pointer must be NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_strequal(s1: *const c_char, s2: *const c_char) -> c_int {
    // SAFETY: the caller's promise.
    unsafe { fetch_strnequal(s1, s2, usize::MAX) }
}

/// `fetch_strnequal`: [`fetch_strequal`] on at most `n` bytes.
///
/// # Safety
/// Each pointer must be NULL or a C string (or readable for `n` bytes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_strnequal(s1: *const c_char, s2: *const c_char, n: usize) -> c_int {
    if s1.is_null() || s2.is_null() {
        return 0;
    }
    for i in 0..n {
        // SAFETY: both are C strings and the loop stops at the first NUL
        // of either, so index `i` is within both.
        let (a, b) = unsafe { (*s1.add(i) as u8, *s2.add(i) as u8) };
        if !a.eq_ignore_ascii_case(&b) {
            return 0;
        }
        if a == 0 {
            break;
        }
    }
    1
}

/// `fetch_getenv`: a malloc'd copy of the variable's value, or NULL when it
/// is unset or empty (as upstream).
///
/// # Safety
/// `variable` must be NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_getenv(variable: *const c_char) -> *mut c_char {
    if variable.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: `variable` is a C string; getenv's result is read at once.
    let value = unsafe { libc::getenv(variable) };
    // SAFETY: getenv returns NULL or a C string.
    if value.is_null() || unsafe { *value } == 0 {
        return ptr::null_mut();
    }
    // SAFETY: `value` is a C string.
    unsafe { libc::strdup(value) }
}

/// `fetch_getdate`: seconds since the epoch for a date in any format
/// upstream's getdate reads (RFC 1123, RFC 850, asctime and looser forms;
/// see [`fetch_core::getdate`]), or -1 when it cannot be read.
///
/// # Safety
/// `p` must be NULL or a C string; `unused` is not read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_getdate(
    p: *const c_char,
    unused: *const libc::time_t,
) -> libc::time_t {
    let _ = unused;
    guard(-1, || {
        if p.is_null() {
            return -1;
        }
        // SAFETY: `p` is a C string.
        let text = unsafe { CStr::from_ptr(p) }.to_bytes();
        fetch_core::getdate(text).map_or(-1, |t| libc::time_t::try_from(t).unwrap_or(-1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_and_unescape_round_trip() {
        assert_eq!(escape(b"a b/c~d\xff"), b"a%20b%2Fc~d%FF");
        assert_eq!(unescape(b"a%20b%2fc~d%FF"), b"a b/c~d\xff");
        assert_eq!(unescape(b"100%"), b"100%");
        assert_eq!(unescape(b"%zz%4"), b"%zz%4");
    }
}
