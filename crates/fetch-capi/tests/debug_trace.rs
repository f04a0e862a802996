//! FETCHOPT_VERBOSE, FETCHOPT_DEBUGFUNCTION/DEBUGDATA and FETCHOPT_STDERR
//! as a C program meets them: the debug callback is called only with
//! VERBOSE on, and VERBOSE without one writes upstream's `* `/`> `/`< `
//! lines to the STDERR stream.

use std::ffi::{CString, c_char, c_int, c_void};

use fetch::*;
use fixtures::HttpServer;

/// What the debug callback saw.
#[derive(Default)]
struct Seen {
    calls: Vec<(c_int, Vec<u8>)>,
    handles: Vec<*mut c_void>,
}

unsafe extern "C" fn debug_cb(
    handle: *mut c_void,
    kind: fetch_infotype,
    data: *mut c_char,
    size: usize,
    clientp: *mut c_void,
) -> c_int {
    // SAFETY: `clientp` is the `Seen` given as DEBUGDATA; `data` has `size`
    // bytes for the call.
    let (seen, bytes) = unsafe {
        (
            &mut *clientp.cast::<Seen>(),
            std::slice::from_raw_parts(data.cast::<u8>(), size),
        )
    };
    seen.calls.push((kind, bytes.to_vec()));
    seen.handles.push(handle);
    0
}

unsafe extern "C" fn discard(_: *mut c_char, size: usize, n: usize, _: *mut c_void) -> usize {
    size * n
}

/// A handle for `url` whose body goes nowhere.
///
/// # Safety
/// Returns a live easy handle the caller cleans up.
unsafe fn handle(url: &str) -> *mut c_void {
    let url = CString::new(url).unwrap();
    // SAFETY: a fresh handle; the URL is copied by setopt; `discard` has
    // the write callback's type.
    unsafe {
        let e = fetch_easy_init();
        assert!(!e.is_null());
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast()),
            FETCHE_OK
        );
        let write: unsafe extern "C" fn(*mut c_char, usize, usize, *mut c_void) -> usize = discard;
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_WRITEFUNCTION, write as *const c_void),
            FETCHE_OK
        );
        e
    }
}

/// Sets the debug callback and its data on `e`.
///
/// # Safety
/// `e` is live; `seen` outlives its transfers.
unsafe fn set_debug(e: *mut c_void, seen: &mut Seen) {
    let f: unsafe extern "C" fn(
        *mut c_void,
        fetch_infotype,
        *mut c_char,
        usize,
        *mut c_void,
    ) -> c_int = debug_cb;
    // SAFETY: per the contract; the callback has the documented type.
    unsafe {
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_DEBUGFUNCTION, f as *const c_void),
            FETCHE_OK
        );
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_DEBUGDATA, (seen as *mut Seen).cast()),
            FETCHE_OK
        );
    }
}

#[test]
fn verbose_with_a_debug_function_gets_text_headers_and_data() {
    let srv = HttpServer::start();
    let mut seen = Seen::default();
    // SAFETY: a live handle; `seen` outlives the transfer.
    unsafe {
        let e = handle(&srv.url("/bytes/5"));
        set_debug(e, &mut seen);
        assert_eq!(fetch_easy_setopt_long(e, FETCHOPT_VERBOSE, 1), FETCHE_OK);
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        assert!(seen.handles.iter().all(|&h| h == e), "the handle is passed");
        fetch_easy_cleanup(e);
    }
    let first = |kind| seen.calls.iter().position(|(k, _)| *k == kind);
    let (text, out, hin, din) = (
        first(FETCHINFO_TEXT),
        first(FETCHINFO_HEADER_OUT),
        first(FETCHINFO_HEADER_IN),
        first(FETCHINFO_DATA_IN),
    );
    assert!(text.is_some() && out.is_some() && hin.is_some() && din.is_some());
    assert!(
        text < out && out < hin && hin < din,
        "in the order they happen"
    );
    let head = &seen.calls[out.unwrap()].1;
    assert!(head.starts_with(b"GET /bytes/5 HTTP/1.1\r\n"));
    let body: Vec<u8> = seen
        .calls
        .iter()
        .filter(|(k, _)| *k == FETCHINFO_DATA_IN)
        .flat_map(|(_, d)| d.clone())
        .collect();
    assert_eq!(body, fixtures::pattern(5));
}

#[test]
fn verbose_without_a_debug_function_writes_to_the_stderr_stream() {
    let srv = HttpServer::start();
    // SAFETY: tmpfile gives a FILE* we own and close; the handle is live.
    let text = unsafe {
        let file = libc::tmpfile();
        assert!(!file.is_null());
        let e = handle(&srv.url("/bytes/5"));
        assert_eq!(fetch_easy_setopt_long(e, FETCHOPT_VERBOSE, 1), FETCHE_OK);
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_STDERR, file.cast()),
            FETCHE_OK
        );
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        fetch_easy_cleanup(e);
        libc::fflush(file);
        libc::rewind(file);
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = libc::fread(buf.as_mut_ptr().cast(), 1, buf.len(), file);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        libc::fclose(file);
        String::from_utf8(out).unwrap()
    };
    let port = srv.addr().port();
    assert!(
        text.starts_with(&format!("*   Trying 127.0.0.1:{port}...\n")),
        "{text}"
    );
    assert!(
        text.contains("\n> GET /bytes/5 HTTP/1.1\r\n> Host: "),
        "{text}"
    );
    assert!(text.contains("\n< HTTP/1.1 200"), "{text}");
    assert!(text.ends_with("< \r\n"), "no body bytes: {text:?}");
    assert!(
        text.lines()
            .all(|l| l.starts_with("* ") || l.starts_with("> ") || l.starts_with("< "))
    );
}

#[test]
fn debug_function_without_verbose_gets_nothing() {
    let srv = HttpServer::start();
    let mut seen = Seen::default();
    // SAFETY: a live handle; `seen` outlives the transfers.
    unsafe {
        let e = handle(&srv.url("/bytes/5"));
        set_debug(e, &mut seen);
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        assert!(seen.calls.is_empty());
        // On, then off again: the next transfer is silent too.
        assert_eq!(fetch_easy_setopt_long(e, FETCHOPT_VERBOSE, 1), FETCHE_OK);
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        assert!(!seen.calls.is_empty());
        seen.calls.clear();
        assert_eq!(fetch_easy_setopt_long(e, FETCHOPT_VERBOSE, 0), FETCHE_OK);
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        assert!(seen.calls.is_empty());
        fetch_easy_cleanup(e);
    }
}
