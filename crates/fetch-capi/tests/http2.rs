//! HTTP/2 through the C ABI: FETCHOPT_HTTP_VERSION's values as upstream's
//! setopt takes them, a prior-knowledge GET with FETCHINFO_HTTP_VERSION,
//! and transfers sharing one connection whose socket callback names an
//! easy handle.

mod common;

use std::cell::RefCell;
use std::ffi::c_void;

use common::*;
use fetch::*;
use fixtures::{H2Server, pattern};

#[test]
fn http_version_values_as_upstream() {
    let e = easy("http://127.0.0.1/");
    for v in 0..=5 {
        // SAFETY: a live handle.
        assert_eq!(
            unsafe { fetch_easy_setopt_long(e, FETCHOPT_HTTP_VERSION, v) },
            FETCHE_OK
        );
    }
    let refused = [
        (-1, FETCHE_BAD_FUNCTION_ARGUMENT),
        (6, FETCHE_UNSUPPORTED_PROTOCOL),
        (FETCH_HTTP_VERSION_3 as _, FETCHE_UNSUPPORTED_PROTOCOL),
        (FETCH_HTTP_VERSION_3ONLY as _, FETCHE_UNSUPPORTED_PROTOCOL),
    ];
    for (v, code) in refused {
        // SAFETY: a live handle.
        assert_eq!(
            unsafe { fetch_easy_setopt_long(e, FETCHOPT_HTTP_VERSION, v) },
            code,
            "value {v}"
        );
    }
    // SAFETY: a live handle, not added.
    unsafe { fetch_easy_cleanup(e) };
}

thread_local! {
    /// Indices (in `Loop::socket_calls`) of socket callbacks that passed a
    /// NULL easy handle.
    static NULL_EASY: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

fn note_null_easy(_m: *mut c_void, easy: *mut c_void) {
    if easy.is_null() {
        let at = LOOP.with_borrow(|l| l.socket_calls.len() - 1);
        NULL_EASY.with_borrow_mut(|v| v.push(at));
    }
}

fn h2_get(url: &str, sink: *mut Vec<u8>) -> *mut c_void {
    let e = get_into(url, sink);
    set_long(
        e,
        FETCHOPT_HTTP_VERSION,
        FETCH_HTTP_VERSION_2_PRIOR_KNOWLEDGE as _,
    );
    e
}

#[test]
fn prior_knowledge_get_and_info_http_version() {
    let server = H2Server::start();
    let m = app_multi();
    let mut body = Vec::new();
    let e = h2_get(&server.url("/bytes/70000"), &raw mut body);
    // SAFETY: live handles.
    assert_eq!(unsafe { fetch_multi_add_handle(m, e) }, FETCHM_OK);
    let done = drive_done(m, 1);
    assert_eq!(done[0], (e as usize, FETCHE_OK));
    assert_eq!(body, pattern(70_000));
    assert_eq!(info_long(e, FETCHINFO_RESPONSE_CODE), 200);
    assert_eq!(
        info_long(e, FETCHINFO_HTTP_VERSION),
        FETCH_HTTP_VERSION_2_0 as _
    );
    assert_eq!(server.h2_requests(), 1);
    finish(m, &[e]);
}

#[test]
fn streams_share_one_connection_and_its_socket_names_an_easy() {
    let server = H2Server::start();
    let m = app_multi();
    let mut first = Vec::new();
    let e0 = h2_get(&server.url("/bytes/1"), &raw mut first);
    // SAFETY: live handles.
    assert_eq!(unsafe { fetch_multi_add_handle(m, e0) }, FETCHM_OK);
    drive_done(m, 1);
    let mut sinks: Vec<Vec<u8>> = (0..10).map(|_| Vec::new()).collect();
    let easies: Vec<*mut c_void> = sinks
        .iter_mut()
        .enumerate()
        .map(|(i, s)| h2_get(&server.url(&format!("/bytes/{}", 5000 * (i + 1))), s))
        .collect();
    let from = LOOP.with_borrow(|l| l.socket_calls.len());
    SOCKET_HOOK.set(Some(note_null_easy));
    for &e in &easies {
        // SAFETY: live handles.
        assert_eq!(unsafe { fetch_multi_add_handle(m, e) }, FETCHM_OK);
    }
    let done = drive_done(m, 11);
    assert!(done.iter().all(|(_, code)| *code == FETCHE_OK), "{done:?}");
    for (i, s) in sinks.iter().enumerate() {
        assert_eq!(*s, pattern(5000 * (i + 1)));
    }
    assert_eq!((server.accepted(), server.h2_requests()), (1, 11));
    // While streams use the shared socket its callbacks name one of their
    // easy handles; only the final REMOVE (no stream left) has none.
    let calls = LOOP.with_borrow(|l| l.socket_calls.clone());
    assert!(calls.len() > from);
    for at in NULL_EASY.with_borrow(Clone::clone) {
        assert_eq!(calls[at].1, FETCH_POLL_REMOVE, "call {at}: {:?}", calls[at]);
    }
    let mut all = easies;
    all.push(e0);
    finish(m, &all);
}
