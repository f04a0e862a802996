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

struct PauseState {
    easy: *mut c_void,
    got: usize,
    paused_once: bool,
    resumed: bool,
    ticks_while_paused: usize,
}

unsafe extern "C" fn pausing_write(
    _: *mut std::ffi::c_char,
    size: usize,
    n: usize,
    ud: *mut c_void,
) -> usize {
    // SAFETY: `ud` is the `PauseState` given as WRITEDATA.
    let st = unsafe { &mut *ud.cast::<PauseState>() };
    if !st.paused_once {
        st.paused_once = true;
        return FETCH_WRITEFUNC_PAUSE;
    }
    st.got += size * n;
    size * n
}

unsafe extern "C" fn resuming_progress(
    ud: *mut c_void,
    _: fetch_off_t,
    _: fetch_off_t,
    _: fetch_off_t,
    _: fetch_off_t,
) -> std::ffi::c_int {
    // SAFETY: `ud` is the `PauseState` given as XFERINFODATA.
    let st = unsafe { &mut *ud.cast::<PauseState>() };
    if st.paused_once && !st.resumed {
        st.ticks_while_paused += 1;
        if st.ticks_while_paused == 2 {
            st.resumed = true;
            // SAFETY: a live handle; pausing from a callback is allowed.
            assert_eq!(
                unsafe { fetch_easy_pause(st.easy, FETCHPAUSE_CONT) },
                FETCHE_OK
            );
        }
    }
    0
}

/// A stream paused from its write callback keeps getting progress calls
/// (about once a second, as over HTTP/1.1) and resumes from there.
#[test]
fn stream_paused_in_write_resumes_from_progress() {
    let server = H2Server::start();
    let url = cs(&server.url("/bytes/3000000"));
    // SAFETY: a fresh handle; `st` outlives the transfer; callbacks have
    // the documented types.
    unsafe {
        let e = fetch_easy_init();
        let mut st = PauseState {
            easy: e,
            got: 0,
            paused_once: false,
            resumed: false,
            ticks_while_paused: 0,
        };
        let p: *mut c_void = (&raw mut st).cast();
        let w: fetch_write_callback = pausing_write;
        let x: fetch_xferinfo_callback = resuming_progress;
        set_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
        set_ptr(e, FETCHOPT_WRITEFUNCTION, as_ptr(w));
        set_ptr(e, FETCHOPT_WRITEDATA, p);
        set_ptr(e, FETCHOPT_XFERINFOFUNCTION, as_ptr(x));
        set_ptr(e, FETCHOPT_XFERINFODATA, p);
        set_long(e, FETCHOPT_NOPROGRESS, 0);
        set_long(e, FETCHOPT_TIMEOUT, 20);
        set_long(
            e,
            FETCHOPT_HTTP_VERSION,
            FETCH_HTTP_VERSION_2_PRIOR_KNOWLEDGE as _,
        );
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        fetch_easy_cleanup(e);
        assert!(st.paused_once && st.resumed);
        assert_eq!(st.ticks_while_paused, 2);
        // The bytes of the write call that paused come again on resume
        // (upstream's rule), so everything arrives exactly once.
        assert_eq!(st.got, 3_000_000);
    }
}

/// FETCHOPT_HTTP_VERSION left at its default (NONE, upstream 8.x's 2TLS):
/// an https transfer to a server that offers `h2` reports
/// FETCH_HTTP_VERSION_2_0; easy_perform drives it like any other.
#[test]
fn default_http_version_uses_http2_over_tls() {
    let server = H2Server::start_tls();
    let files = fixtures::TestPki::shared().write_temp().unwrap();
    let mut body = Vec::new();
    let e = get_into(&server.url_host("localhost", "/bytes/30000"), &raw mut body);
    let ca = cs(files.ca.to_str().unwrap());
    set_ptr(e, FETCHOPT_CAINFO, ca.as_ptr().cast());
    // SAFETY: a live idle handle; `body` and `ca` outlive the transfer.
    let rc = unsafe { fetch_easy_perform(e) };
    assert_eq!(rc, FETCHE_OK);
    assert_eq!(body, pattern(30_000));
    assert_eq!(
        info_long(e, FETCHINFO_HTTP_VERSION),
        FETCH_HTTP_VERSION_2_0 as _
    );
    assert_eq!(server.alpn_seen(), vec![Some(b"h2".to_vec())]);
    // SAFETY: a live idle handle, not used afterwards.
    unsafe { fetch_easy_cleanup(e) };
}
