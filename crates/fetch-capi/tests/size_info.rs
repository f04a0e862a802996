//! The size, redirect-time, errno and protocol info ids through
//! `fetch_easy_getinfo`, with upstream's values: -1 for a length not
//! known, the `double` and `_T` forms agreeing, REDIRECT_TIME covering the
//! redirection steps only, OS_ERRNO the connect error.

mod common;

use std::ffi::{c_char, c_void};

use common::*;
use fetch::*;
use fixtures::HttpServer;

fn perform(e: *mut c_void) -> FETCHcode {
    // SAFETY: a live idle handle whose callbacks' data outlive the call.
    unsafe { fetch_easy_perform(e) }
}

fn info_str(e: *mut c_void, info: FETCHINFO) -> *const c_char {
    let mut p: *const c_char = std::ptr::null();
    // SAFETY: a live handle and a pointer-sized out slot.
    let rc = unsafe { fetch_easy_getinfo_ptr(e, info, (&raw mut p).cast()) };
    assert_eq!(rc, FETCHE_OK, "{info:#x}");
    p
}

#[test]
fn content_lengths_known_and_unknown() {
    let server = HttpServer::start();
    let mut body = Vec::new();
    let e = get_into(&server.url("/bytes/1234"), &raw mut body);
    assert_eq!(
        info_off(e, FETCHINFO_CONTENT_LENGTH_DOWNLOAD_T),
        -1,
        "before a transfer"
    );
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(info_off(e, FETCHINFO_CONTENT_LENGTH_DOWNLOAD_T), 1234);
    assert_eq!(info_double(e, FETCHINFO_CONTENT_LENGTH_DOWNLOAD), 1234.0);
    assert_eq!(info_off(e, FETCHINFO_CONTENT_LENGTH_UPLOAD_T), -1, "a GET");
    assert_eq!(info_long(e, FETCHINFO_PROTOCOL), 1, "FETCHPROTO_HTTP");

    // Chunked: no length known, as upstream reports it.
    set_ptr(
        e,
        FETCHOPT_URL,
        cs(&server.url("/chunked/3000")).as_ptr().cast(),
    );
    body.clear();
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(body.len(), 3000);
    assert_eq!(info_off(e, FETCHINFO_CONTENT_LENGTH_DOWNLOAD_T), -1);
    assert_eq!(info_double(e, FETCHINFO_CONTENT_LENGTH_DOWNLOAD), -1.0);
    // SAFETY: created above, not in a multi.
    unsafe { fetch_easy_cleanup(e) };
}

#[test]
fn upload_length_is_the_body_size() {
    let server = HttpServer::start();
    let mut body = Vec::new();
    let e = get_into(&server.url("/echo"), &raw mut body);
    let data = cs("name=value&x=1");
    set_ptr(e, FETCHOPT_POSTFIELDS, data.as_ptr().cast());
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(body, b"name=value&x=1");
    assert_eq!(info_off(e, FETCHINFO_CONTENT_LENGTH_UPLOAD_T), 14);
    assert_eq!(info_double(e, FETCHINFO_CONTENT_LENGTH_UPLOAD), 14.0);
    // SAFETY: created above, not in a multi.
    unsafe { fetch_easy_cleanup(e) };
}

#[test]
fn redirect_time_covers_the_redirects_only() {
    let server = HttpServer::start();
    let mut body = Vec::new();
    let e = get_into(&server.url("/redirect/3"), &raw mut body);
    set_long(e, FETCHOPT_FOLLOWLOCATION, 1);
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(info_long(e, FETCHINFO_REDIRECT_COUNT), 3);
    let redirect = info_off(e, FETCHINFO_REDIRECT_TIME_T);
    let total = info_off(e, FETCHINFO_TOTAL_TIME_T);
    assert!(redirect > 0, "three round trips took some time");
    assert!(redirect <= total, "{redirect} <= {total}");
    let secs = info_double(e, FETCHINFO_REDIRECT_TIME);
    assert!((secs * 1e6 - redirect as f64).abs() < 2.0);

    // Without redirects it is zero.
    set_ptr(
        e,
        FETCHOPT_URL,
        cs(&server.url("/bytes/10")).as_ptr().cast(),
    );
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(info_off(e, FETCHINFO_REDIRECT_TIME_T), 0);
    // SAFETY: created above, not in a multi.
    unsafe { fetch_easy_cleanup(e) };
}

#[test]
fn os_errno_names_the_refused_connect() {
    // A port with nothing listening: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut body = Vec::new();
    let e = get_into(&format!("http://127.0.0.1:{port}/"), &raw mut body);
    assert_eq!(perform(e), 7, "FETCHE_COULDNT_CONNECT");
    assert_eq!(info_long(e, FETCHINFO_OS_ERRNO), 111, "ECONNREFUSED");
    // SAFETY: created above, not in a multi.
    unsafe { fetch_easy_cleanup(e) };
}

#[test]
fn no_default_ca_paths() {
    let e = easy("http://127.0.0.1:9/");
    assert!(info_str(e, FETCHINFO_CAINFO).is_null());
    assert!(info_str(e, FETCHINFO_CAPATH).is_null());
    // SAFETY: created above, not in a multi.
    unsafe { fetch_easy_cleanup(e) };
}
