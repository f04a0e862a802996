//! One easy handle used for many transfers: the C ABI keeps the handle's
//! engine transfer across add/remove (and perform) and applies only what
//! changed, so every option change between transfers, and the things an
//! application may change without a setopt (a POSTFIELDS buffer, an
//! HTTPHEADER list it appends to), must still show in the next transfer.
//! Information is read from where the transfer is: the engine while added,
//! the handle after remove, zeros after reset.

mod common;

use std::ffi::{CStr, c_char, c_long, c_void};
use std::ptr::null_mut;

use common::*;
use fetch::*;
use fixtures::{HttpServer, Script, ScriptedServer};

/// Adds `e` to `m`, drives it to its DONE message and removes it.
fn run(m: *mut c_void, e: *mut c_void) -> FETCHcode {
    let before = LOOP.with_borrow(|l| l.done.len());
    // SAFETY: live handles; `e` is idle.
    assert_eq!(unsafe { fetch_multi_add_handle(m, e) }, FETCHM_OK);
    let done = drive_done(m, before + 1);
    let (h, code) = done[before];
    assert_eq!(h, e as usize);
    // SAFETY: as above; `e` is added to `m`.
    assert_eq!(unsafe { fetch_multi_remove_handle(m, e) }, FETCHM_OK);
    code
}

fn effective_url(e: *mut c_void) -> String {
    let mut p: *const c_char = null_mut();
    // SAFETY: a live handle and a `char *` out-variable.
    let rc = unsafe { fetch_easy_getinfo_ptr(e, FETCHINFO_EFFECTIVE_URL, (&raw mut p).cast()) };
    assert_eq!(rc, FETCHE_OK);
    // SAFETY: getinfo returned a NUL-terminated string owned by the handle.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Counts header callback calls (HEADERDATA is a `usize`).
unsafe extern "C" fn count_headers(
    _p: *mut c_char,
    size: usize,
    n: usize,
    ud: *mut c_void,
) -> usize {
    // SAFETY: HEADERDATA is the test's live counter.
    unsafe { *ud.cast::<usize>() += 1 };
    size * n
}

#[test]
fn options_changed_between_transfers_apply_to_the_next() {
    let server = HttpServer::start();
    let m = app_multi();
    let (mut a, mut b): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
    let e = get_into(&server.url("/bytes/10"), &raw mut a);
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(a, fixtures::pattern(10));
    assert_eq!(info_long(e, FETCHINFO_RESPONSE_CODE), 200);
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), 10);

    // Same options again: the same body, fresh information.
    a.clear();
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(a, fixtures::pattern(10));
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), 10);

    // A new URL and a new WRITEDATA.
    let url = server.url("/bytes/20");
    set_ptr(e, FETCHOPT_URL, cs(&url).as_ptr().cast());
    set_ptr(e, FETCHOPT_WRITEDATA, (&raw mut b).cast_const().cast());
    a.clear();
    assert_eq!(run(m, e), FETCHE_OK);
    assert!(a.is_empty());
    assert_eq!(b, fixtures::pattern(20));
    assert_eq!(effective_url(e), url);
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), 20);

    // POST, then back to GET with HTTPGET: no body is sent any more.
    let post = cs("hello");
    set_ptr(e, FETCHOPT_COPYPOSTFIELDS, post.as_ptr().cast());
    b.clear();
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(b, b"hello", "the echo of the POST body");
    set_long(e, FETCHOPT_HTTPGET, 1);
    b.clear();
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(b, fixtures::pattern(20));

    // NOBODY: a HEAD, no body.
    set_long(e, FETCHOPT_NOBODY, 1);
    b.clear();
    assert_eq!(run(m, e), FETCHE_OK);
    assert!(b.is_empty());
    assert_eq!(info_long(e, FETCHINFO_RESPONSE_CODE), 200);

    // A header callback set for one transfer, then taken away again.
    set_long(e, FETCHOPT_NOBODY, 0);
    let mut headers = 0usize;
    let hf: fetch_write_callback = count_headers;
    set_ptr(e, FETCHOPT_HEADERFUNCTION, as_ptr(hf));
    set_ptr(
        e,
        FETCHOPT_HEADERDATA,
        (&raw mut headers).cast_const().cast(),
    );
    assert_eq!(run(m, e), FETCHE_OK);
    let seen = headers;
    assert!(seen >= 3, "status line, a header and the blank line");
    set_ptr(e, FETCHOPT_HEADERFUNCTION, null());
    set_ptr(e, FETCHOPT_HEADERDATA, null());
    b.clear();
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(headers, seen, "no header callback any more");
    assert_eq!(b, fixtures::pattern(20), "and no header lines in the body");

    // A URL taken away: upstream's error (FETCHE_URL_MALFORMAT).
    let mut errbuf = [0 as c_char; FETCH_ERROR_SIZE];
    set_ptr(
        e,
        FETCHOPT_ERRORBUFFER,
        errbuf.as_mut_ptr().cast_const().cast(),
    );
    set_ptr(e, FETCHOPT_URL, null());
    assert_eq!(run(m, e), 3);
    // SAFETY: the library NUL-terminates the error buffer.
    let msg = unsafe { CStr::from_ptr(errbuf.as_ptr()) };
    assert_eq!(msg.to_str(), Ok("No URL set"));
    finish(m, &[e]);
}

#[test]
fn post_body_is_sent_again_after_a_redirect_dropped_it() {
    let server = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write("HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n")
            .expect_request()
            .respond_ok("done")
            .expect_request()
            .respond_ok("ok"),
    );
    let m = app_multi();
    let mut body: Vec<u8> = Vec::new();
    let e = get_into(&server.url("/first"), &raw mut body);
    let post = cs("xyz");
    set_ptr(e, FETCHOPT_COPYPOSTFIELDS, post.as_ptr().cast());
    set_long(e, FETCHOPT_FOLLOWLOCATION, 1);
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(body, b"done");
    assert_eq!(info_long(e, FETCHINFO_REDIRECT_COUNT), 1);
    body.clear();
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(body, b"ok");
    let reqs: Vec<String> = server
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    assert_eq!(reqs.len(), 3);
    // 302 after a POST: the redirect is followed with a GET.
    assert!(reqs[1].starts_with("GET /next "), "{}", reqs[1]);
    // The next transfer POSTs the body again.
    assert!(reqs[2].starts_with("POST /first "), "{}", reqs[2]);
    assert!(reqs[2].ends_with("\r\n\r\nxyz"), "{}", reqs[2]);
    finish(m, &[e]);
}

#[test]
fn borrowed_postfields_and_header_list_are_read_at_each_transfer() {
    let server = ScriptedServer::start(
        Script::new()
            .expect_request()
            .respond_ok("1")
            .expect_request()
            .respond_ok("2"),
    );
    let m = app_multi();
    let mut body: Vec<u8> = Vec::new();
    let e = get_into(&server.url("/"), &raw mut body);
    // POSTFIELDS is not copied: the application may change the buffer.
    let mut data = *b"aaaa";
    set_ptr(e, FETCHOPT_POSTFIELDS, data.as_ptr().cast());
    set_long(e, FETCHOPT_POSTFIELDSIZE, 4);
    let h1 = cs("X-One: 1");
    let h2 = cs("X-Two: 2");
    // SAFETY: appending C strings to a new list (freed below).
    let list = unsafe { fetch_slist_append(null_mut(), h1.as_ptr()) };
    set_ptr(e, FETCHOPT_HTTPHEADER, list.cast_const().cast());
    assert_eq!(run(m, e), FETCHE_OK);
    data.copy_from_slice(b"bbbb");
    // The same list head, one more node.
    // SAFETY: `list` is a list from fetch_slist_append.
    assert_eq!(unsafe { fetch_slist_append(list, h2.as_ptr()) }, list);
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(body, b"12");
    let reqs: Vec<String> = server
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[0].starts_with("POST "), "{}", reqs[0]);
    assert!(reqs[0].ends_with("\r\n\r\naaaa"), "{}", reqs[0]);
    assert!(reqs[0].contains("X-One: 1\r\n") && !reqs[0].contains("X-Two"));
    assert!(reqs[1].ends_with("\r\n\r\nbbbb"), "{}", reqs[1]);
    assert!(reqs[1].contains("X-One: 1\r\n") && reqs[1].contains("X-Two: 2\r\n"));
    finish(m, &[e]);
    // SAFETY: the handle using the list is freed.
    unsafe { fetch_slist_free_all(list) };
}

#[test]
fn info_follows_the_transfer_through_remove_reset_and_duphandle() {
    let server = HttpServer::start();
    let m = app_multi();
    let mut body: Vec<u8> = Vec::new();
    let url = server.url("/bytes/30");
    let e = get_into(&url, &raw mut body);
    set_ptr(e, FETCHOPT_PRIVATE, 0x55 as *const c_void);
    // Before any transfer: zeros, and the URL as set.
    assert_eq!(info_long(e, FETCHINFO_RESPONSE_CODE), 0);
    assert_eq!(effective_url(e), url);
    // SAFETY: live handles.
    assert_eq!(unsafe { fetch_multi_add_handle(m, e) }, FETCHM_OK);
    drive_done(m, 1);
    // Done but still added: read from the engine.
    assert_eq!(info_long(e, FETCHINFO_RESPONSE_CODE), 200);
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), 30);
    // SAFETY: as above.
    assert_eq!(unsafe { fetch_multi_remove_handle(m, e) }, FETCHM_OK);
    // Removed: the same answers from the handle.
    assert_eq!(info_long(e, FETCHINFO_RESPONSE_CODE), 200);
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), 30);
    assert_eq!(info_long(e, FETCHINFO_NUM_CONNECTS), 1);
    assert_eq!(effective_url(e), url);
    // A copy has the options, not the information.
    // SAFETY: a live handle.
    let d = unsafe { fetch_easy_duphandle(e) };
    assert!(!d.is_null());
    assert_eq!(info_long(d, FETCHINFO_RESPONSE_CODE), 0);
    let mut p: *mut c_void = null_mut();
    // SAFETY: a live handle and a pointer out-variable.
    unsafe { fetch_easy_getinfo_ptr(d, FETCHINFO_PRIVATE, (&raw mut p).cast()) };
    assert_eq!(p as usize, 0x55);
    body.clear();
    assert_eq!(run(m, d), FETCHE_OK);
    assert_eq!(body, fixtures::pattern(30));
    assert_eq!(info_long(d, FETCHINFO_RESPONSE_CODE), 200);
    // Reset: options and information gone.
    // SAFETY: a live idle handle.
    unsafe { fetch_easy_reset(e) };
    assert_eq!(info_long(e, FETCHINFO_RESPONSE_CODE), 0);
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), 0);
    assert_eq!(effective_url(e), "");
    // And usable again, through perform this time.
    set_ptr(e, FETCHOPT_URL, cs(&server.url("/bytes/7")).as_ptr().cast());
    let write: fetch_write_callback = collect;
    set_ptr(e, FETCHOPT_WRITEFUNCTION, as_ptr(write));
    set_ptr(e, FETCHOPT_WRITEDATA, (&raw mut body).cast_const().cast());
    body.clear();
    // SAFETY: a live idle handle; `body` outlives the transfer.
    assert_eq!(unsafe { fetch_easy_perform(e) }, FETCHE_OK);
    assert_eq!(body, fixtures::pattern(7));
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), 7);
    // Then through the multi again.
    body.clear();
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(body, fixtures::pattern(7));
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), 7);
    finish(m, &[e, d]);
}

/// WRITEDATA of [`code_in_write`]: response codes seen from inside the
/// write callback, and the getinfo return codes.
struct Inside {
    easy: *mut c_void,
    codes: Vec<(FETCHcode, c_long)>,
}

unsafe extern "C" fn code_in_write(
    _p: *mut c_char,
    size: usize,
    n: usize,
    ud: *mut c_void,
) -> usize {
    // SAFETY: WRITEDATA is the test's live `Inside`.
    let s = unsafe { &mut *ud.cast::<Inside>() };
    let mut code: c_long = -1;
    // SAFETY: a live handle (being transferred) and a `long` out-variable.
    let rc =
        unsafe { fetch_easy_getinfo_ptr(s.easy, FETCHINFO_RESPONSE_CODE, (&raw mut code).cast()) };
    s.codes.push((rc, code));
    size * n
}

#[test]
fn getinfo_inside_a_callback_answers_from_the_last_multi_call() {
    // The body comes in spaced parts, so the write callback runs in
    // several multi calls.
    let body = fixtures::pattern(3000);
    let mut script = Script::new()
        .expect_request()
        .write("HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n");
    for part in body.chunks(1000) {
        script = script
            .write(part)
            .sleep(std::time::Duration::from_millis(50));
    }
    let server = ScriptedServer::start(script.close());
    let m = app_multi();
    let e = easy(&server.url("/"));
    let mut inside = Inside {
        easy: e,
        codes: Vec::new(),
    };
    let write: fetch_write_callback = code_in_write;
    set_ptr(e, FETCHOPT_WRITEFUNCTION, as_ptr(write));
    set_ptr(e, FETCHOPT_WRITEDATA, (&raw mut inside).cast_const().cast());
    assert_eq!(run(m, e), FETCHE_OK);
    assert!(inside.codes.len() >= 2, "{:?}", inside.codes);
    assert!(inside.codes.iter().all(|&(rc, _)| rc == FETCHE_OK));
    // The first call sees the information as of the add (nothing yet);
    // later ones see the response code read in an earlier call.
    assert!(inside.codes.iter().all(|&(_, c)| c == 0 || c == 200));
    assert_eq!(inside.codes.last().map(|c| c.1), Some(200));
    assert_eq!(info_long(e, FETCHINFO_RESPONSE_CODE), 200);
    finish(m, &[e]);
}

/// A handle added again with no option changed is handed to the engine as
/// it is (issue 13), so the options read at every add must still decide
/// that: a header list or user agent dropped with a setopt to NULL (which
/// marks nothing to re-apply) is gone from the next request, and a new
/// PRIVATE shows at once.
#[test]
fn unchanged_readd_still_drops_a_cleared_header_list() {
    let server = ScriptedServer::start(
        Script::new()
            .expect_request()
            .respond_ok("1")
            .expect_request()
            .respond_ok("2")
            .expect_request()
            .respond_ok("3"),
    );
    let m = app_multi();
    let mut body: Vec<u8> = Vec::new();
    let e = get_into(&server.url("/"), &raw mut body);
    let h1 = cs("X-One: 1");
    // SAFETY: appending a C string to a new list (freed below).
    let list = unsafe { fetch_slist_append(null_mut(), h1.as_ptr()) };
    set_ptr(e, FETCHOPT_HTTPHEADER, list.cast_const().cast());
    set_ptr(e, FETCHOPT_USERAGENT, cs("agent/1").as_ptr().cast());
    assert_eq!(run(m, e), FETCHE_OK);
    set_ptr(e, FETCHOPT_HTTPHEADER, null_mut::<c_void>());
    set_ptr(e, FETCHOPT_USERAGENT, null_mut::<c_void>());
    assert_eq!(run(m, e), FETCHE_OK);
    set_ptr(e, FETCHOPT_PRIVATE, 0x77 as *const c_void);
    assert_eq!(run(m, e), FETCHE_OK);
    let mut p: *mut c_void = null_mut();
    // SAFETY: a live handle and a pointer-sized out slot.
    let rc = unsafe { fetch_easy_getinfo_ptr(e, FETCHINFO_PRIVATE, (&raw mut p).cast()) };
    assert_eq!((rc, p as usize), (FETCHE_OK, 0x77));
    assert_eq!(body, b"123");
    let reqs: Vec<String> = server
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].contains("X-One: 1\r\n") && reqs[0].contains("User-Agent: agent/1\r\n"));
    for r in &reqs[1..] {
        assert!(!r.contains("X-One") && !r.contains("agent/1"), "{r}");
    }
    finish(m, &[e]);
    // SAFETY: the handle using the list is freed.
    unsafe { fetch_slist_free_all(list) };
}
