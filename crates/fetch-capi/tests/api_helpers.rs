//! The upstream helper functions libfetch implements for real (escape,
//! unescape, getdate, getenv, strequal, version_info, sslset, the option
//! directory), and the documented answers of those it does not build.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;

use fetch::*;

/// The C string at `p`, freed with `fetch_free`.
fn take(p: *mut c_char) -> Vec<u8> {
    assert!(!p.is_null());
    // SAFETY: a malloc'd C string from the library, freed once here.
    unsafe {
        let v = CStr::from_ptr(p).to_bytes().to_vec();
        fetch_free(p.cast());
        v
    }
}

#[test]
fn escape_and_unescape_follow_rfc_3986() {
    // SAFETY: C strings and lengths that match them.
    unsafe {
        let e = fetch_easy_escape(ptr::null_mut(), c"a b/ü~".as_ptr(), 0);
        assert_eq!(take(e), b"a%20b%2F%C3%BC~");
        assert_eq!(take(fetch_escape(c"xyz".as_ptr(), 2)), b"xy");
        assert!(fetch_escape(c"x".as_ptr(), -1).is_null());
        let mut n: c_int = -1;
        let u = fetch_easy_unescape(ptr::null_mut(), c"a%00b%zz".as_ptr(), 0, &mut n);
        assert_eq!(n, 6);
        // SAFETY: `n` bytes were written before the NUL.
        let bytes = std::slice::from_raw_parts(u.cast::<u8>(), 6).to_vec();
        fetch_free(u.cast());
        assert_eq!(bytes, b"a\0b%zz");
        assert_eq!(take(fetch_unescape(c"%41".as_ptr(), 0)), b"A");
    }
}

#[test]
fn getdate_reads_the_http_date_formats() {
    // SAFETY: C strings.
    unsafe {
        assert_eq!(
            fetch_getdate(c"Sun, 06 Nov 1994 08:49:37 GMT".as_ptr(), ptr::null()),
            784_111_777
        );
        assert_eq!(
            fetch_getdate(c"Sunday, 06-Nov-94 08:49:37 GMT".as_ptr(), ptr::null()),
            784_111_777
        );
        assert_eq!(
            fetch_getdate(c"Sun Nov  6 08:49:37 1994".as_ptr(), ptr::null()),
            784_111_777
        );
        assert_eq!(fetch_getdate(c"gibberish".as_ptr(), ptr::null()), -1);
        assert_eq!(fetch_getdate(ptr::null(), ptr::null()), -1);
    }
}

#[test]
fn strequal_ignores_ascii_case() {
    // SAFETY: C strings.
    unsafe {
        assert_eq!(
            fetch_strequal(c"Content-Type".as_ptr(), c"content-type".as_ptr()),
            1
        );
        assert_eq!(fetch_strequal(c"abc".as_ptr(), c"abcd".as_ptr()), 0);
        assert_eq!(fetch_strnequal(c"abcX".as_ptr(), c"ABCy".as_ptr(), 3), 1);
        assert_eq!(fetch_strequal(ptr::null(), c"a".as_ptr()), 0);
    }
}

#[test]
fn getenv_copies_set_variables_only() {
    // SAFETY: C strings; PATH is set in any test environment.
    unsafe {
        assert!(!take(fetch_getenv(c"PATH".as_ptr())).is_empty());
        assert!(fetch_getenv(c"FETCH_SURELY_UNSET_VARIABLE".as_ptr()).is_null());
    }
}

#[test]
fn version_info_tells_the_truth() {
    // SAFETY: static data, read only.
    unsafe {
        let v = &*fetch_version_info(FETCHVERSION_NOW);
        assert_eq!(v.age, FETCHVERSION_NOW);
        assert_eq!(CStr::from_ptr(v.version), LIBFETCH_VERSION);
        assert_ne!(v.features & FETCH_VERSION_SSL, 0);
        assert_eq!(CStr::from_ptr(*v.protocols), c"http");
        assert_eq!(CStr::from_ptr(*v.protocols.add(1)), c"https");
        assert!((*v.protocols.add(2)).is_null());
        assert!(!CStr::from_ptr(v.host).to_bytes().is_empty());
    }
}

#[test]
fn sslset_knows_one_backend() {
    let mut avail: *const *const fetch_ssl_backend = ptr::null();
    // SAFETY: a C string and a writable pointer.
    unsafe {
        assert_eq!(
            fetch_global_sslset(0, c"RusTLS".as_ptr(), &mut avail),
            FETCHSSLSET_OK
        );
        assert_eq!(CStr::from_ptr((**avail).name), c"rustls");
        assert!((*avail.add(1)).is_null());
        assert_eq!(
            fetch_global_sslset(1, ptr::null(), ptr::null_mut()),
            FETCHSSLSET_UNKNOWN_BACKEND
        );
    }
}

#[test]
fn the_option_directory_finds_names_ids_and_aliases() {
    // SAFETY: C strings; entries are static.
    unsafe {
        let o = &*fetch_easy_option_by_name(c"url".as_ptr());
        assert_eq!(
            (CStr::from_ptr(o.name), o.id, o.r#type),
            (c"URL", FETCHOPT_URL, FETCHOT_STRING)
        );
        let a = &*fetch_easy_option_by_name(c"FILE".as_ptr());
        assert_eq!((a.id, a.flags), (FETCHOPT_WRITEDATA, FETCHOT_FLAG_ALIAS));
        let b = &*fetch_easy_option_by_id(FETCHOPT_WRITEDATA);
        assert_eq!((CStr::from_ptr(b.name), b.flags), (c"WRITEDATA", 0));
        assert!(fetch_easy_option_by_name(c"NO_SUCH_OPTION".as_ptr()).is_null());
        let mut n = 0;
        let mut e = fetch_easy_option_next(ptr::null());
        while !e.is_null() {
            n += 1;
            e = fetch_easy_option_next(e);
        }
        assert!(n > 300, "{n} entries");
    }
}

#[test]
fn known_but_unbuilt_options_say_why() {
    // SAFETY: a handle this test owns.
    unsafe {
        let e = fetch_easy_init();
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_PROXY_CRLFILE, c"/x.pem".as_ptr().cast()),
            FETCHE_NOT_BUILT_IN
        );
        assert_eq!(
            fetch_easy_setopt_long(e, FETCHOPT_FTP_USE_EPSV, 1),
            FETCHE_NOT_BUILT_IN
        );
        assert_eq!(
            fetch_easy_setopt_long(e, FETCHOPT_SSL_VERIFYSTATUS, 1),
            FETCHE_UNKNOWN_OPTION
        );
        assert_eq!(fetch_easy_setopt_long(e, 99_999, 1), FETCHE_UNKNOWN_OPTION);
        let mut p: *mut c_void = ptr::null_mut();
        let out = ptr::from_mut(&mut p).cast();
        assert_eq!(
            fetch_easy_getinfo_ptr(e, FETCHINFO_FTP_ENTRY_PATH, out),
            FETCHE_NOT_BUILT_IN
        );
        assert_eq!(
            fetch_easy_getinfo_ptr(e, FETCHINFO_OFF_T + 999, out),
            FETCHE_UNKNOWN_OPTION
        );
        assert_eq!(fetch_easy_upkeep(e), FETCHE_OK);
        let mut n = 0usize;
        assert_eq!(
            fetch_easy_send(e, c"x".as_ptr().cast(), 1, &mut n),
            FETCHE_NOT_BUILT_IN
        );
        assert_eq!(
            fetch_ws_send(e, ptr::null(), 0, &mut n, 0, 0),
            FETCHE_NOT_BUILT_IN
        );
        fetch_easy_cleanup(e);
        assert_eq!(fetch_easy_upkeep(e), FETCHE_BAD_FUNCTION_ARGUMENT);
        // The share interface is built (tests/share.rs): NULL is refused.
        assert_eq!(fetch_share_cleanup(ptr::null_mut()), FETCHSHE_INVALID);
        assert!(fetch_url().is_null());
        assert_eq!(
            fetch_url_set(ptr::null_mut(), 0, ptr::null(), 0),
            FETCHUE_BAD_HANDLE
        );
        // The mime API is built (tests/mime.rs): a NULL part is refused.
        assert_eq!(
            fetch_mime_name(ptr::null_mut(), ptr::null()),
            FETCHE_BAD_FUNCTION_ARGUMENT
        );
        // The header API is built (tests/header_api.rs): bad arguments.
        assert_eq!(
            fetch_easy_header(ptr::null_mut(), ptr::null(), 0, 0, 0, ptr::null_mut()),
            FETCHHE_BAD_ARGUMENT
        );
        assert_eq!(
            CStr::from_ptr(fetch_url_strerror(1)),
            c"An invalid FETCHU pointer was passed as argument"
        );
    }
}

/// `fetch_version_info`'s feature bits and feature names say the same
/// thing (each name's bit is its `FETCH_VERSION_*` value in `fetch.h`),
/// and only what libfetch builds is claimed: no compression, HTTP/2,
/// proxy or Unix-socket feature until those exist.
#[test]
fn version_features_and_names_agree() {
    const BITS: &[(&str, c_int)] = &[
        ("IPv6", 1 << 0),
        ("SSL", 1 << 2),
        ("libz", 1 << 3),
        ("AsynchDNS", 1 << 7),
        ("Largefile", 1 << 9),
        ("HTTP2", 1 << 16),
        ("UnixSockets", 1 << 19),
        ("HTTPS-proxy", 1 << 21),
        ("brotli", 1 << 23),
        ("alt-svc", 1 << 24),
        ("zstd", 1 << 26),
        ("HSTS", 1 << 28),
        ("threadsafe", 1 << 30),
    ];
    // SAFETY: static data, read only.
    let (features, names) = unsafe {
        let v = &*fetch_version_info(FETCHVERSION_NOW);
        let mut names = Vec::new();
        let mut p = v.feature_names;
        while !(*p).is_null() {
            names.push(CStr::from_ptr(*p).to_str().unwrap().to_owned());
            p = p.add(1);
        }
        (v.features, names)
    };
    let mut from_names = 0;
    for name in &names {
        let bit = BITS.iter().find(|(n, _)| n == name);
        from_names |= bit
            .unwrap_or_else(|| panic!("unknown feature name {name}"))
            .1;
    }
    assert_eq!(features, from_names, "feature bits vs names {names:?}");
    for claimed in ["AsynchDNS", "IPv6", "Largefile", "SSL", "threadsafe"] {
        assert!(names.iter().any(|n| n == claimed), "{claimed} missing");
    }
}
