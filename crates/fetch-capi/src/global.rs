//! Process-wide functions: init/cleanup (nothing to do), `fetch_free`,
//! `fetch_version`.

use std::ffi::{c_char, c_long, c_void};

use crate::codes::{FETCHE_OK, FETCHcode};
use crate::guard;

/// LIBFETCH_VERSION.
pub const LIBFETCH_VERSION: &std::ffi::CStr = c"0.1.0";
/// LIBFETCH_VERSION_NUM (0xXXYYZZ).
pub const LIBFETCH_VERSION_NUM: u32 = 0x00_01_00;

/// `fetch_global_init`: nothing needs global set-up; always FETCHE_OK.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_global_init(flags: c_long) -> FETCHcode {
    let _ = flags;
    FETCHE_OK
}

/// `fetch_global_cleanup`: nothing to release.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_global_cleanup() {}

/// `fetch_free`: frees memory the library handed out (the array of
/// `fetch_multi_get_handles`). NULL is ignored.
///
/// # Safety
/// `p` must be NULL or memory returned by this library for `fetch_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_free(p: *mut c_void) {
    guard((), || {
        // SAFETY: the caller passes memory the library malloc'd (or NULL).
        unsafe { libc::free(p) }
    })
}

/// `fetch_version`: a static version string, "libfetch/0.1.0".
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_version() -> *const c_char {
    c"libfetch/0.1.0".as_ptr()
}
