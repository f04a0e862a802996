//! FETCHOPT_OPENSOCKETFUNCTION, SOCKOPTFUNCTION and CLOSESOCKETFUNCTION:
//! the application creates, tunes and closes the sockets (the `curl` crate
//! sets them on every handle), and libfetch uses exactly those.

use std::ffi::{CString, c_int, c_void};

use fetch::*;
use fixtures::HttpServer;

#[derive(Default)]
struct Counts {
    opened: Vec<c_int>,
    tuned: Vec<c_int>,
    closed: Vec<c_int>,
    /// Connect in the open callback and say so from the sockopt one.
    connect_myself: bool,
}

unsafe extern "C" fn open_cb(ud: *mut c_void, purpose: c_int, addr: *mut fetch_sockaddr) -> c_int {
    // SAFETY: `ud` is the `Counts` given as OPENSOCKETDATA; `addr` is valid
    // for the call.
    let (c, a) = unsafe { (&mut *ud.cast::<Counts>(), &*addr) };
    assert_eq!(purpose, 0, "FETCHSOCKTYPE_IPCXN");
    assert_eq!(a.socktype, libc::SOCK_STREAM);
    // SAFETY: plain socket creation (and connect) with the given address.
    let fd = unsafe { libc::socket(a.family, a.socktype, a.protocol) };
    assert!(fd >= 0);
    if c.connect_myself {
        // SAFETY: `addr` holds `addrlen` bytes of a socket address.
        let rc = unsafe {
            libc::connect(
                fd,
                std::ptr::from_ref(&a.addr).cast(),
                a.addrlen as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0);
    }
    c.opened.push(fd);
    fd
}

unsafe extern "C" fn sockopt_cb(ud: *mut c_void, fd: c_int, purpose: c_int) -> c_int {
    // SAFETY: `ud` is the `Counts` given as SOCKOPTDATA.
    let c = unsafe { &mut *ud.cast::<Counts>() };
    assert_eq!(purpose, 0);
    c.tuned.push(fd);
    if c.connect_myself { 2 } else { 0 }
}

unsafe extern "C" fn close_cb(ud: *mut c_void, fd: c_int) -> c_int {
    // SAFETY: `ud` is the `Counts` given as CLOSESOCKETDATA.
    let c = unsafe { &mut *ud.cast::<Counts>() };
    c.closed.push(fd);
    // SAFETY: the descriptor is ours to close now.
    unsafe { libc::close(fd) }
}

fn run(connect_myself: bool) -> Counts {
    let srv = HttpServer::start();
    let url = CString::new(srv.url("/bytes/1000")).unwrap();
    let mut counts = Counts {
        connect_myself,
        ..Counts::default()
    };
    let p: *mut c_void = (&mut counts as *mut Counts).cast();
    let open: unsafe extern "C" fn(*mut c_void, c_int, *mut fetch_sockaddr) -> c_int = open_cb;
    let tune: unsafe extern "C" fn(*mut c_void, c_int, c_int) -> c_int = sockopt_cb;
    let close: unsafe extern "C" fn(*mut c_void, c_int) -> c_int = close_cb;
    let sink = CString::new("/dev/null").unwrap();
    // SAFETY: a fresh handle; `counts` outlives it; callbacks have the
    // documented types; the FILE is closed after the handle.
    unsafe {
        let out = libc::fopen(sink.as_ptr(), c"w".as_ptr());
        let e = fetch_easy_init();
        fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
        fetch_easy_setopt_ptr(e, FETCHOPT_WRITEDATA, out.cast());
        for (opt, f) in [
            (FETCHOPT_OPENSOCKETFUNCTION, open as *const c_void),
            (FETCHOPT_SOCKOPTFUNCTION, tune as *const c_void),
            (FETCHOPT_CLOSESOCKETFUNCTION, close as *const c_void),
        ] {
            assert_eq!(fetch_easy_setopt_ptr(e, opt, f), FETCHE_OK);
        }
        for opt in [
            FETCHOPT_OPENSOCKETDATA,
            FETCHOPT_SOCKOPTDATA,
            FETCHOPT_CLOSESOCKETDATA,
        ] {
            assert_eq!(fetch_easy_setopt_ptr(e, opt, p), FETCHE_OK);
        }
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        fetch_easy_cleanup(e);
        libc::fclose(out);
    }
    counts
}

#[test]
fn the_application_opens_tunes_and_closes_the_socket() {
    let c = run(false);
    assert_eq!(c.opened.len(), 1, "one connection, one socket");
    assert_eq!(c.tuned, c.opened, "the sockopt callback saw that socket");
    assert_eq!(c.closed, c.opened, "and the close callback got it back");
}

#[test]
fn sockopt_already_connected_skips_the_connect() {
    let c = run(true);
    assert_eq!(c.opened.len(), 1);
    assert_eq!(c.closed, c.opened);
}
