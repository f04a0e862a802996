//! Process-wide functions: init/cleanup (nothing to do), the TLS backend
//! choice (one), `fetch_free`, `fetch_version`, `fetch_version_info`.

use std::ffi::{CStr, CString, c_char, c_int, c_long, c_uint, c_void};
use std::ptr;
use std::sync::OnceLock;

use crate::codes::*;
use crate::guard;

/// LIBFETCH_VERSION.
pub const LIBFETCH_VERSION: &CStr = c"0.1.0";
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

/// `struct fetch_version_info_data`, the FETCHVERSION_ELEVENTH layout.
#[repr(C)]
#[derive(Debug)]
pub struct fetch_version_info_data {
    /// FETCHVERSION_NOW.
    pub age: c_int,
    /// LIBFETCH_VERSION.
    pub version: *const c_char,
    /// LIBFETCH_VERSION_NUM.
    pub version_num: c_uint,
    /// The target triple the library was built for.
    pub host: *const c_char,
    /// FETCH_VERSION_* bits.
    pub features: c_int,
    /// The TLS library, "rustls/0.23".
    pub ssl_version: *const c_char,
    /// Unused (0).
    pub ssl_version_num: c_long,
    /// No compression library: NULL.
    pub libz_version: *const c_char,
    /// The URL schemes, NULL-terminated.
    pub protocols: *const *const c_char,
    /// No c-ares: NULL.
    pub ares: *const c_char,
    /// 0.
    pub ares_num: c_int,
    /// No IDN library: NULL.
    pub libidn: *const c_char,
    /// 0.
    pub iconv_ver_num: c_int,
    /// No SSH: NULL.
    pub libssh_version: *const c_char,
    /// 0.
    pub brotli_ver_num: c_uint,
    /// NULL.
    pub brotli_version: *const c_char,
    /// 0.
    pub nghttp2_ver_num: c_uint,
    /// NULL.
    pub nghttp2_version: *const c_char,
    /// NULL.
    pub quic_version: *const c_char,
    /// No default CA file (the built-in webpki roots are used): NULL.
    pub cainfo: *const c_char,
    /// NULL.
    pub capath: *const c_char,
    /// 0.
    pub zstd_ver_num: c_uint,
    /// NULL.
    pub zstd_version: *const c_char,
    /// NULL.
    pub hyper_version: *const c_char,
    /// NULL.
    pub gsasl_version: *const c_char,
    /// The feature names, NULL-terminated.
    pub feature_names: *const *const c_char,
}

/// A NULL-terminated array of static C strings.
struct StrList<const N: usize>([*const c_char; N]);

// SAFETY: the pointers are to static, immutable C strings.
unsafe impl<const N: usize> Sync for StrList<N> {}

static PROTOCOLS: StrList<3> = StrList([c"http".as_ptr(), c"https".as_ptr(), ptr::null()]);
static FEATURE_NAMES: StrList<6> = StrList([
    c"AsynchDNS".as_ptr(),
    c"IPv6".as_ptr(),
    c"Largefile".as_ptr(),
    c"SSL".as_ptr(),
    c"threadsafe".as_ptr(),
    ptr::null(),
]);

/// The features behind [`FEATURE_NAMES`]: names resolve on worker threads
/// (AsynchDNS), IPv6, 64-bit offsets, TLS, and a global init with nothing
/// to do (thread-safe).
const FEATURES: c_int = FETCH_VERSION_ASYNCHDNS
    | FETCH_VERSION_IPV6
    | FETCH_VERSION_LARGEFILE
    | FETCH_VERSION_SSL
    | FETCH_VERSION_THREADSAFE;

struct VersionInfo(fetch_version_info_data);

// SAFETY: every pointer in it is to static, immutable data.
unsafe impl Sync for VersionInfo {}
// SAFETY: as above.
unsafe impl Send for VersionInfo {}

fn version_info() -> &'static VersionInfo {
    static INFO: OnceLock<VersionInfo> = OnceLock::new();
    static HOST: OnceLock<CString> = OnceLock::new();
    INFO.get_or_init(|| {
        let host = HOST.get_or_init(|| CString::new(env!("FETCH_TARGET")).unwrap_or_default());
        VersionInfo(fetch_version_info_data {
            age: FETCHVERSION_NOW,
            version: LIBFETCH_VERSION.as_ptr(),
            version_num: LIBFETCH_VERSION_NUM,
            host: host.as_ptr(),
            features: FEATURES,
            ssl_version: c"rustls/0.23".as_ptr(),
            ssl_version_num: 0,
            libz_version: ptr::null(),
            protocols: PROTOCOLS.0.as_ptr(),
            ares: ptr::null(),
            ares_num: 0,
            libidn: ptr::null(),
            iconv_ver_num: 0,
            libssh_version: ptr::null(),
            brotli_ver_num: 0,
            brotli_version: ptr::null(),
            nghttp2_ver_num: 0,
            nghttp2_version: ptr::null(),
            quic_version: ptr::null(),
            cainfo: ptr::null(),
            capath: ptr::null(),
            zstd_ver_num: 0,
            zstd_version: ptr::null(),
            hyper_version: ptr::null(),
            gsasl_version: ptr::null(),
            feature_names: FEATURE_NAMES.0.as_ptr(),
        })
    })
}

/// `fetch_version_info`: what this build is and can do (static data; the
/// same answer whatever `stamp` asks for).
///
/// # Safety
/// Always safe. The caller must not write through the returned pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_version_info(stamp: c_int) -> *mut fetch_version_info_data {
    let _ = stamp;
    guard(ptr::null_mut(), || {
        ptr::from_ref(&version_info().0).cast_mut()
    })
}

/// `fetch_global_init_mem`: as [`fetch_global_init`]; the allocator hooks
/// are checked (all five are required, as upstream) but not used: libfetch
/// allocates with malloc and [`fetch_free`] frees with free.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_global_init_mem(
    flags: c_long,
    m: Option<unsafe extern "C" fn(usize) -> *mut c_void>,
    f: Option<unsafe extern "C" fn(*mut c_void)>,
    r: Option<unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void>,
    s: Option<unsafe extern "C" fn(*const c_char) -> *mut c_char>,
    c: Option<unsafe extern "C" fn(usize, usize) -> *mut c_void>,
) -> FETCHcode {
    if m.is_none() || f.is_none() || r.is_none() || s.is_none() || c.is_none() {
        return FETCHE_FAILED_INIT;
    }
    // SAFETY: always safe.
    unsafe { fetch_global_init(flags) }
}

/// `struct fetch_ssl_backend`.
#[repr(C)]
#[derive(Debug)]
pub struct fetch_ssl_backend {
    /// FETCHSSLBACKEND_*.
    pub id: c_int,
    /// Its name.
    pub name: *const c_char,
}

struct Backends([*const fetch_ssl_backend; 2]);

// SAFETY: pointers to static, immutable data.
unsafe impl Sync for Backends {}

struct Backend(fetch_ssl_backend);

// SAFETY: a pointer to a static C string.
unsafe impl Sync for Backend {}

static RUSTLS: Backend = Backend(fetch_ssl_backend {
    id: FETCHSSLBACKEND_RUSTLS,
    name: c"rustls".as_ptr(),
});
static BACKENDS: Backends = Backends([&RUSTLS.0, ptr::null()]);

/// `fetch_global_sslset`: libfetch has one TLS backend, rustls.
/// FETCHSSLSET_OK when `id` or `name` (any case) selects it, else
/// FETCHSSLSET_UNKNOWN_BACKEND; `avail`, when not NULL, gets the
/// NULL-terminated list of backends either way.
///
/// # Safety
/// `name` must be NULL or a C string; `avail` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_global_sslset(
    id: c_int,
    name: *const c_char,
    avail: *mut *const *const fetch_ssl_backend,
) -> c_int {
    guard(FETCHSSLSET_UNKNOWN_BACKEND, || {
        if !avail.is_null() {
            // SAFETY: the caller passes a writable pointer (checked non-NULL).
            unsafe { *avail = BACKENDS.0.as_ptr() };
        }
        // SAFETY: `name` is a C string (checked non-NULL).
        let by_name = !name.is_null()
            && unsafe { CStr::from_ptr(name) }
                .to_bytes()
                .eq_ignore_ascii_case(b"rustls");
        if id == FETCHSSLBACKEND_RUSTLS || by_name {
            FETCHSSLSET_OK
        } else {
            FETCHSSLSET_UNKNOWN_BACKEND
        }
    })
}
