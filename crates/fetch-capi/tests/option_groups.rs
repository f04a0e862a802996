//! The option groups an easy handle keeps out of line until one of their
//! options is set (issue 13: a handle with default options stays small):
//! a set option still reaches the transfer, `fetch_easy_duphandle` copies
//! it and `fetch_easy_reset` drops it, for the transfer options (RANGE),
//! the connection options (CONNECT_TO) and the cookie options (COOKIE).

mod common;

use std::ffi::c_void;

use common::*;
use fetch::*;
use fixtures::{Script, ScriptedServer};

/// The request heads the server got, as text.
fn heads(server: &ScriptedServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect()
}

/// Whether `head` has a line starting with `prefix` (ASCII case ignored).
fn has_line(head: &str, prefix: &str) -> bool {
    head.split("\r\n")
        .any(|l| l.len() >= prefix.len() && l[..prefix.len()].eq_ignore_ascii_case(prefix))
}

#[test]
fn grouped_options_reach_the_transfer_survive_duphandle_and_go_with_reset() {
    let server = ScriptedServer::start_seq(vec![
        Script::new().expect_request().respond_ok("dup"),
        Script::new().expect_request().respond_ok("reset"),
    ]);
    let port = server.addr().port();
    let mut body: Vec<u8> = Vec::new();
    // A name only CONNECT_TO makes reachable.
    let e = get_into(&format!("http://group.invalid:{port}/a"), &raw mut body);
    let range = cs("0-4");
    set_ptr(e, FETCHOPT_RANGE, range.as_ptr().cast());
    let cookie = cs("k=v");
    set_ptr(e, FETCHOPT_COOKIE, cookie.as_ptr().cast());
    let to = cs(&format!("group.invalid:{port}:127.0.0.1:{port}"));
    // SAFETY: a NULL list and a NUL-terminated string; freed below.
    let list = unsafe { fetch_slist_append(std::ptr::null_mut(), to.as_ptr()) };
    assert!(!list.is_null());
    set_ptr(e, FETCHOPT_CONNECT_TO, list.cast_const().cast::<c_void>());

    // SAFETY: a live idle handle.
    let d = unsafe { fetch_easy_duphandle(e) };
    assert!(!d.is_null());
    // SAFETY: a live idle handle; `body` outlives the transfer.
    assert_eq!(unsafe { fetch_easy_perform(d) }, FETCHE_OK);
    assert_eq!(body, b"dup");

    // SAFETY: a live idle handle.
    unsafe { fetch_easy_reset(e) };
    set_ptr(e, FETCHOPT_URL, cs(&server.url("/b")).as_ptr().cast());
    let write: fetch_write_callback = collect;
    set_ptr(e, FETCHOPT_WRITEFUNCTION, as_ptr(write));
    set_ptr(e, FETCHOPT_WRITEDATA, (&raw mut body).cast_const().cast());
    body.clear();
    // SAFETY: as above.
    assert_eq!(unsafe { fetch_easy_perform(e) }, FETCHE_OK);
    assert_eq!(body, b"reset");

    let reqs = heads(&server);
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    // The copy: through CONNECT_TO, with the range and the cookie.
    assert!(reqs[0].starts_with("GET /a "), "{}", reqs[0]);
    assert!(
        has_line(&reqs[0], &format!("Host: group.invalid:{port}")),
        "{}",
        reqs[0]
    );
    assert!(has_line(&reqs[0], "Range: bytes=0-4"), "{}", reqs[0]);
    assert!(has_line(&reqs[0], "Cookie: k=v"), "{}", reqs[0]);
    // After reset: none of them.
    assert!(reqs[1].starts_with("GET /b "), "{}", reqs[1]);
    assert!(!has_line(&reqs[1], "Range:"), "{}", reqs[1]);
    assert!(!has_line(&reqs[1], "Cookie:"), "{}", reqs[1]);

    // SAFETY: handles and the list are ours and no longer used.
    unsafe {
        fetch_easy_cleanup(d);
        fetch_easy_cleanup(e);
        fetch_slist_free_all(list);
    }
}
