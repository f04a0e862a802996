//! FETCHOPT_HEADER: the response head is written with the body through
//! the write function, as upstream does, and a header callback still gets
//! the lines too.

mod common;

use common::*;
use fetch::*;
use fixtures::HttpServer;

fn perform(e: *mut std::ffi::c_void) -> FETCHcode {
    // SAFETY: a live idle handle whose callbacks' data outlive the call.
    unsafe { fetch_easy_perform(e) }
}

#[test]
fn head_goes_to_the_write_function() {
    let server = HttpServer::start();
    let mut out = Vec::new();
    let e = get_into(&server.url("/bytes/5"), &raw mut out);
    set_long(e, FETCHOPT_HEADER, 1);
    assert_eq!(perform(e), FETCHE_OK);
    let text = String::from_utf8_lossy(&out).into_owned();
    assert!(text.starts_with("HTTP/1.1 200"), "{text:?}");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head then a body");
    assert!(head.contains("Content-Length: 5"), "{head:?}");
    assert_eq!(body.as_bytes(), fixtures::pattern(5).as_slice());
    // The head does not count as downloaded body.
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), 5);

    // Off again: the body alone.
    set_long(e, FETCHOPT_HEADER, 0);
    out.clear();
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(out, fixtures::pattern(5));
    // SAFETY: created above, not in a multi.
    unsafe { fetch_easy_cleanup(e) };
}

#[test]
fn header_callback_and_write_function_both_get_the_head() {
    let server = HttpServer::start();
    let (mut out, mut heads) = (Vec::new(), Vec::new());
    let e = get_into(&server.url("/redirect/1"), &raw mut out);
    let header: fetch_write_callback = collect;
    set_ptr(e, FETCHOPT_HEADERFUNCTION, as_ptr(header));
    set_ptr(e, FETCHOPT_HEADERDATA, (&raw mut heads).cast_const().cast());
    set_long(e, FETCHOPT_HEADER, 1);
    set_long(e, FETCHOPT_FOLLOWLOCATION, 1);
    assert_eq!(perform(e), FETCHE_OK);
    // Both heads of the redirect chain, in both places, then the body.
    let heads = String::from_utf8_lossy(&heads).into_owned();
    assert_eq!(heads.matches("HTTP/1.1 ").count(), 2, "{heads:?}");
    let written = String::from_utf8_lossy(&out).into_owned();
    assert!(written.starts_with(&heads), "{written:?}");
    assert_eq!(&written[heads.len()..], "done");
    // SAFETY: created above, not in a multi.
    unsafe { fetch_easy_cleanup(e) };
}
