//! The hardening options and checks as a C program meets them:
//! FETCHOPT_CUSTOMREQUEST refuses what is not a method, FETCHOPT_INFILESIZE
//! is enforced, FETCHOPT_SEEKFUNCTION rewinds a resent upload, and
//! FETCHOPT_UNRESTRICTED_AUTH decides whether credentials follow a
//! redirect to another origin.

use std::ffi::{CString, c_char, c_int, c_void};
use std::ptr::null_mut;

use fetch::*;
use fixtures::{Script, ScriptedServer};

const OK_EMPTY: &str = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// An upload source for the read and seek callbacks.
struct Source {
    data: &'static [u8],
    pos: usize,
    seeks: usize,
}

unsafe extern "C" fn read_cb(buf: *mut c_char, size: usize, n: usize, ud: *mut c_void) -> usize {
    // SAFETY: `ud` is the `Source` given as READDATA; `buf` has size * n bytes.
    let (src, buf) = unsafe {
        (
            &mut *ud.cast::<Source>(),
            std::slice::from_raw_parts_mut(buf.cast::<u8>(), size * n),
        )
    };
    // A careless callback: it writes what it has, up to the buffer size.
    let k = buf.len().min(src.data.len() - src.pos);
    buf[..k].copy_from_slice(&src.data[src.pos..src.pos + k]);
    src.pos += k;
    k
}

unsafe extern "C" fn seek_cb(ud: *mut c_void, offset: fetch_off_t, origin: c_int) -> c_int {
    // SAFETY: `ud` is the `Source` given as SEEKDATA.
    let src = unsafe { &mut *ud.cast::<Source>() };
    assert_eq!(origin, 0, "SEEK_SET");
    src.pos = usize::try_from(offset).unwrap();
    src.seeks += 1;
    FETCH_SEEKFUNC_OK
}

/// Sets the read (and optionally seek) callbacks on `e` for `src`.
///
/// # Safety
/// `e` is a live easy handle; `src` outlives its transfers.
unsafe fn upload_from(e: *mut c_void, src: &mut Source, seek: bool) {
    let p: *mut c_void = (src as *mut Source).cast();
    // SAFETY: per the contract; the callbacks have the documented types.
    unsafe {
        let read: unsafe extern "C" fn(*mut c_char, usize, usize, *mut c_void) -> usize = read_cb;
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_READFUNCTION, read as *const c_void),
            FETCHE_OK
        );
        assert_eq!(fetch_easy_setopt_ptr(e, FETCHOPT_READDATA, p), FETCHE_OK);
        if seek {
            let s: unsafe extern "C" fn(*mut c_void, fetch_off_t, c_int) -> c_int = seek_cb;
            assert_eq!(
                fetch_easy_setopt_ptr(e, FETCHOPT_SEEKFUNCTION, s as *const c_void),
                FETCHE_OK
            );
            assert_eq!(fetch_easy_setopt_ptr(e, FETCHOPT_SEEKDATA, p), FETCHE_OK);
        }
    }
}

#[test]
fn customrequest_with_control_characters_is_refused() {
    let srv = ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY).close());
    let url = cstr(&srv.url("/"));
    // SAFETY: a fresh handle, valid strings that outlive the calls.
    unsafe {
        let e = fetch_easy_init();
        fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
        let good = cstr("PROPFIND");
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_CUSTOMREQUEST, good.as_ptr().cast()),
            FETCHE_OK
        );
        for bad in ["GET / HTTP/1.1\r\nHost: x\r\n\r\nGET", "A\tB", "A B", ""] {
            let bad = cstr(bad);
            assert_eq!(
                fetch_easy_setopt_ptr(e, FETCHOPT_CUSTOMREQUEST, bad.as_ptr().cast()),
                FETCHE_BAD_FUNCTION_ARGUMENT
            );
        }
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        fetch_easy_cleanup(e);
    }
    // The refused values left the good one in place.
    assert!(srv.requests()[0].starts_with(b"PROPFIND / HTTP/1.1\r\n"));
}

#[test]
fn infilesize_is_sent_exactly() {
    let srv = ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY).close());
    let url = cstr(&srv.url("/up"));
    let mut long = Source {
        data: b"helloGET /smuggled HTTP/1.1\r\n\r\n",
        pos: 0,
        seeks: 0,
    };
    let mut short = Source {
        data: b"hel",
        pos: 0,
        seeks: 0,
    };
    // SAFETY: fresh handles, sources that outlive the transfers.
    unsafe {
        let e = fetch_easy_init();
        fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
        fetch_easy_setopt_long(e, FETCHOPT_UPLOAD, 1);
        fetch_easy_setopt_off_t(e, FETCHOPT_INFILESIZE_LARGE, 5);
        upload_from(e, &mut long, false);
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        let mut sent: fetch_off_t = 0;
        fetch_easy_getinfo_ptr(
            e,
            FETCHINFO_SIZE_UPLOAD_T,
            (&mut sent as *mut fetch_off_t).cast(),
        );
        assert_eq!(sent, 5);
        upload_from(e, &mut short, false);
        assert_eq!(fetch_easy_perform(e), 26, "FETCHE_READ_ERROR");
        fetch_easy_cleanup(e);
    }
    assert!(srv.requests()[0].ends_with(b"\r\n\r\nhello"));
}

/// A 307 sends the upload again: rewound through SEEKFUNCTION, or the
/// transfer fails with FETCHE_SEND_FAIL_REWIND.
#[test]
fn seekfunction_rewinds_on_307() {
    for seek in [true, false] {
        let srv = ScriptedServer::start(
            Script::new()
                .expect_request()
                .write("HTTP/1.1 307 Again\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n")
                .expect_request()
                .write(OK_EMPTY)
                .close(),
        );
        let url = cstr(&srv.url("/up"));
        let mut src = Source {
            data: b"hello",
            pos: 0,
            seeks: 0,
        };
        // SAFETY: a fresh handle; `src` outlives the transfer.
        let code = unsafe {
            let e = fetch_easy_init();
            fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
            fetch_easy_setopt_long(e, FETCHOPT_POST, 1);
            fetch_easy_setopt_long(e, FETCHOPT_POSTFIELDSIZE, 5);
            fetch_easy_setopt_long(e, FETCHOPT_FOLLOWLOCATION, 1);
            upload_from(e, &mut src, seek);
            let code = fetch_easy_perform(e);
            fetch_easy_cleanup(e);
            code
        };
        if seek {
            assert_eq!(code, FETCHE_OK);
            assert_eq!(src.seeks, 1);
            let reqs = srv.requests();
            assert!(reqs[1].starts_with(b"POST /again "));
            assert!(reqs[1].ends_with(b"\r\n\r\nhello"));
        } else {
            assert_eq!(code, 65, "FETCHE_SEND_FAIL_REWIND");
            assert_eq!(srv.requests().len(), 1);
        }
    }
}

/// Whether a request head carries an Authorization line.
fn has_auth(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw).to_ascii_lowercase();
    text.split("\r\n\r\n")
        .next()
        .unwrap()
        .contains("\r\nauthorization:")
}

#[test]
fn unrestricted_auth_decides_cross_origin_credentials() {
    for unrestricted in [0, 1] {
        let target = ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY).close());
        let start = ScriptedServer::start(
            Script::new()
                .expect_request()
                .write(format!(
                    "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\n\r\n",
                    target.url("/")
                ))
                .close(),
        );
        let url = cstr(&start.url("/"));
        let auth = cstr("Authorization: Bearer secret");
        // SAFETY: a fresh handle and list; strings outlive the transfer.
        unsafe {
            let e = fetch_easy_init();
            let list = fetch_slist_append(null_mut(), auth.as_ptr());
            fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
            fetch_easy_setopt_ptr(e, FETCHOPT_HTTPHEADER, list.cast());
            fetch_easy_setopt_long(e, FETCHOPT_FOLLOWLOCATION, 1);
            assert_eq!(
                fetch_easy_setopt_long(e, FETCHOPT_UNRESTRICTED_AUTH, unrestricted),
                FETCHE_OK
            );
            assert_eq!(fetch_easy_perform(e), FETCHE_OK);
            fetch_easy_cleanup(e);
            fetch_slist_free_all(list);
        }
        assert!(has_auth(&start.requests()[0]));
        assert_eq!(has_auth(&target.requests()[0]), unrestricted == 1);
    }
}

/// HTTPAUTH: Basic and Digest are accepted, a mask of only methods not
/// built in (NTLM) answers NOT_BUILT_IN; USERPWD and
/// ACCEPT_ENCODING are accepted (isahc sets them on every request).
#[test]
fn auth_and_encoding_options() {
    let srv = ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY).close());
    let url = cstr(&srv.url("/"));
    let userpwd = cstr("joe:secret");
    let empty = cstr("");
    // SAFETY: a fresh handle and strings that outlive the calls.
    unsafe {
        let e = fetch_easy_init();
        fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
        assert_eq!(
            fetch_easy_setopt_long(e, FETCHOPT_HTTPAUTH, 1 << 3),
            4,
            "NTLM only"
        );
        assert_eq!(
            fetch_easy_setopt_long(e, FETCHOPT_HTTPAUTH, 1 << 1),
            FETCHE_OK,
            "Digest only"
        );
        assert_eq!(fetch_easy_setopt_long(e, FETCHOPT_HTTPAUTH, 1), FETCHE_OK);
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_USERPWD, userpwd.as_ptr().cast()),
            FETCHE_OK
        );
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_ACCEPT_ENCODING, empty.as_ptr().cast()),
            FETCHE_OK
        );
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        fetch_easy_cleanup(e);
    }
    let req = String::from_utf8(srv.requests()[0].clone()).unwrap();
    // base64("joe:secret")
    assert!(
        req.contains("\r\nAuthorization: Basic am9lOnNlY3JldA==\r\n"),
        "{req}"
    );
    assert!(
        req.contains("\r\nAccept-Encoding: deflate, gzip, br, zstd\r\n"),
        "{req}"
    );
}
