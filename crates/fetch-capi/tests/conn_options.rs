//! Connection control through the C ABI (issue 14): RESOLVE, CONNECT_TO,
//! IPRESOLVE, INTERFACE, LOCALPORT(RANGE), TCP_NODELAY/KEEPALIVE/KEEPIDLE/
//! KEEPINTVL, DNS_CACHE_TIMEOUT, MAXAGE_CONN, MAXLIFETIME_CONN,
//! MAXCONNECTS, BUFFERSIZE, UPLOAD_BUFFERSIZE, UNIX_SOCKET_PATH,
//! ABSTRACT_UNIX_SOCKET, PORT, PREREQFUNCTION, `fetch_easy_upkeep`, and
//! the info ids LOCAL_IP, LOCAL_PORT, ACTIVESOCKET and LASTSOCKET, each
//! observed on real loopback (or Unix) sockets.

mod common;

use std::ffi::{CStr, c_char, c_int, c_long, c_void};
use std::net::{IpAddr, Ipv6Addr, TcpListener};
use std::ptr::null_mut;
use std::time::Duration;

use common::*;
use fetch::*;
use fixtures::{HttpServer, Script, ScriptedServer, UnixHttpServer};

/// FETCHE_COULDNT_CONNECT, FETCHE_INTERFACE_FAILED,
/// FETCHE_SETOPT_OPTION_SYNTAX (the header check holds them to upstream's).
const COULDNT_CONNECT: FETCHcode = 7;
const INTERFACE_FAILED: FETCHcode = 45;
const SETOPT_OPTION_SYNTAX: FETCHcode = 49;

/// `fetch_easy_perform`.
fn perform(e: *mut c_void) -> FETCHcode {
    // SAFETY: the tests pass live idle handles.
    unsafe { fetch_easy_perform(e) }
}

fn setopt_long(e: *mut c_void, opt: FETCHoption, v: c_long) -> FETCHcode {
    // SAFETY: a live handle.
    unsafe { fetch_easy_setopt_long(e, opt, v) }
}

fn info_str(e: *mut c_void, info: FETCHINFO) -> String {
    let mut p: *const c_char = null_mut();
    // SAFETY: a live handle and a `char *` out-variable.
    let rc = unsafe { fetch_easy_getinfo_ptr(e, info, (&raw mut p).cast()) };
    assert_eq!(rc, FETCHE_OK);
    // SAFETY: getinfo gave a NUL-terminated string owned by the handle.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn info_socket(e: *mut c_void) -> fetch_socket_t {
    let mut s: fetch_socket_t = -2;
    // SAFETY: a live handle and a `fetch_socket_t` out-variable.
    let rc = unsafe { fetch_easy_getinfo_ptr(e, FETCHINFO_ACTIVESOCKET, (&raw mut s).cast()) };
    assert_eq!(rc, FETCHE_OK);
    s
}

/// A list of C strings, freed on drop.
struct Slist(*mut fetch_slist);

impl Slist {
    fn new(items: &[String]) -> Self {
        let mut l = null_mut();
        for i in items {
            // SAFETY: the list so far and a C string (copied).
            l = unsafe { fetch_slist_append(l, cs(i).as_ptr()) };
        }
        Self(l)
    }
}

impl Drop for Slist {
    fn drop(&mut self) {
        // SAFETY: made by fetch_slist_append, freed once.
        unsafe { fetch_slist_free_all(self.0) };
    }
}

fn cleanup(e: *mut c_void) {
    // SAFETY: a live handle, freed once.
    unsafe { fetch_easy_cleanup(e) };
}

/// RESOLVE points a name that does not resolve at 127.0.0.1; a malformed
/// entry fails the transfer with SETOPT_OPTION_SYNTAX.
#[test]
fn resolve_pins_an_unresolvable_name() {
    let srv = HttpServer::start();
    let port = srv.addr().port();
    let mut body = Vec::new();
    let e = get_into(
        &format!("http://pinned.invalid:{port}/bytes/5"),
        &raw mut body,
    );
    let list = Slist::new(&[format!("pinned.invalid:{port}:127.0.0.1")]);
    set_ptr(e, FETCHOPT_RESOLVE, list.0.cast_const().cast());
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(body, fixtures::pattern(5));
    assert_eq!(info_str(e, FETCHINFO_PRIMARY_IP), "127.0.0.1");
    let bad = Slist::new(&["pinned.invalid:notaport:127.0.0.1".to_owned()]);
    set_ptr(e, FETCHOPT_RESOLVE, bad.0.cast_const().cast());
    assert_eq!(perform(e), SETOPT_OPTION_SYNTAX);
    cleanup(e);
}

/// CONNECT_TO sends the connection to another host and port.
#[test]
fn connect_to_redirects_a_port() {
    let srv = HttpServer::start();
    let port = srv.addr().port();
    let mut body = Vec::new();
    let e = get_into("http://example.test:1/bytes/3", &raw mut body);
    let list = Slist::new(&[format!("example.test:1:127.0.0.1:{port}")]);
    set_ptr(e, FETCHOPT_CONNECT_TO, list.0.cast_const().cast());
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(body, fixtures::pattern(3));
    assert_eq!(info_long(e, FETCHINFO_PRIMARY_PORT), c_long::from(port));
    cleanup(e);
}

/// IPRESOLVE V6 reaches a server on ::1 by name; V4 refuses an IPv6
/// address (COULDNT_CONNECT, as upstream 7.88 answers); other values are
/// refused by setopt.
#[test]
fn ipresolve_v6_and_v4() {
    let srv = HttpServer::start_on(IpAddr::V6(Ipv6Addr::LOCALHOST));
    let port = srv.addr().port();
    let mut body = Vec::new();
    let e = get_into(&format!("http://localhost:{port}/bytes/2"), &raw mut body);
    set_long(e, FETCHOPT_IPRESOLVE, FETCH_IPRESOLVE_V6 as c_long);
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(info_str(e, FETCHINFO_PRIMARY_IP), "::1");
    set_ptr(
        e,
        FETCHOPT_URL,
        cs(&format!("http://[::1]:{port}/bytes/2")).as_ptr().cast(),
    );
    set_long(e, FETCHOPT_IPRESOLVE, FETCH_IPRESOLVE_V4 as c_long);
    assert_eq!(perform(e), COULDNT_CONNECT, "as upstream for an address");
    assert_eq!(
        setopt_long(e, FETCHOPT_IPRESOLVE, 3),
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    cleanup(e);
}

/// LOCALPORT/LOCALPORTRANGE, seen through LOCAL_PORT and LOCAL_IP.
#[test]
fn localport_is_observed_through_local_port_info() {
    let srv = HttpServer::start();
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut body = Vec::new();
    let e = get_into(&srv.url("/bytes/1"), &raw mut body);
    assert_eq!(info_long(e, FETCHINFO_LOCAL_PORT), 0, "no connection yet");
    set_long(e, FETCHOPT_LOCALPORT, c_long::from(free));
    set_long(e, FETCHOPT_LOCALPORTRANGE, 20);
    assert_eq!(perform(e), FETCHE_OK);
    let lp = info_long(e, FETCHINFO_LOCAL_PORT);
    assert!(
        (c_long::from(free)..c_long::from(free) + 20).contains(&lp),
        "{lp}"
    );
    assert_eq!(info_str(e, FETCHINFO_LOCAL_IP), "127.0.0.1");
    assert_eq!(
        setopt_long(e, FETCHOPT_LOCALPORT, 70000),
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    assert_eq!(
        setopt_long(e, FETCHOPT_LOCALPORTRANGE, -1),
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    cleanup(e);
}

/// INTERFACE: an address, a device (binding to one needs privileges
/// before Linux 5.7, so only as root), and a missing device.
#[test]
fn interface_binds_or_fails_with_interface_failed() {
    let srv = HttpServer::start();
    let mut body = Vec::new();
    let e = get_into(&srv.url("/bytes/1"), &raw mut body);
    set_ptr(e, FETCHOPT_INTERFACE, cs("host!127.0.0.1").as_ptr().cast());
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(info_str(e, FETCHINFO_LOCAL_IP), "127.0.0.1");
    set_long(e, FETCHOPT_FRESH_CONNECT, 1);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        set_ptr(e, FETCHOPT_INTERFACE, cs("if!lo").as_ptr().cast());
        assert_eq!(perform(e), FETCHE_OK);
    }
    set_ptr(e, FETCHOPT_INTERFACE, cs("if!nosuchif0").as_ptr().cast());
    assert_eq!(perform(e), INTERFACE_FAILED);
    cleanup(e);
}

/// What the sockopt callback read from the socket.
#[derive(Default, Debug, PartialEq, Eq)]
struct Tuned {
    nodelay: c_int,
    keepalive: c_int,
    idle: c_int,
    intvl: c_int,
}

fn getsockopt(fd: c_int, level: c_int, name: c_int) -> c_int {
    let mut v: c_int = -1;
    let mut len = size_of::<c_int>() as libc::socklen_t;
    // SAFETY: an int option read into an int.
    let rc = unsafe { libc::getsockopt(fd, level, name, (&raw mut v).cast(), &raw mut len) };
    if rc == 0 { v } else { -1 }
}

unsafe extern "C" fn read_tuning(data: *mut c_void, fd: fetch_socket_t, _purpose: c_int) -> c_int {
    // SAFETY: SOCKOPTDATA is the test's live `Tuned`.
    let t = unsafe { &mut *data.cast::<Tuned>() };
    t.nodelay = getsockopt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY);
    t.keepalive = getsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE);
    t.idle = getsockopt(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE);
    t.intvl = getsockopt(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL);
    0
}

/// TCP_NODELAY is on by default; TCP_NODELAY 0 turns it off; TCP_KEEPALIVE
/// with KEEPIDLE/KEEPINTVL reach the socket before SOCKOPTFUNCTION runs.
#[test]
fn tcp_options_reach_the_socket() {
    let srv = HttpServer::start();
    let mut body = Vec::new();
    let mut tuned = Tuned::default();
    let e = get_into(&srv.url("/bytes/1"), &raw mut body);
    let cb: fetch_sockopt_callback = read_tuning;
    set_ptr(e, FETCHOPT_SOCKOPTFUNCTION, as_ptr(cb));
    set_ptr(
        e,
        FETCHOPT_SOCKOPTDATA,
        (&raw mut tuned).cast_const().cast(),
    );
    set_long(e, FETCHOPT_FRESH_CONNECT, 1);
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!((tuned.nodelay, tuned.keepalive), (1, 0));
    set_long(e, FETCHOPT_TCP_NODELAY, 0);
    set_long(e, FETCHOPT_TCP_KEEPALIVE, 1);
    set_long(e, FETCHOPT_TCP_KEEPIDLE, 45);
    set_long(e, FETCHOPT_TCP_KEEPINTVL, 9);
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(
        tuned,
        Tuned {
            nodelay: 0,
            keepalive: 1,
            idle: 45,
            intvl: 9
        }
    );
    assert_eq!(
        setopt_long(e, FETCHOPT_TCP_KEEPIDLE, -1),
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    cleanup(e);
}

/// The options whose effect needs time to pass (covered with a manual
/// clock in fetch-core's conn_options tests) take upstream's values here:
/// negative is refused, -1 is "forever" for DNS_CACHE_TIMEOUT; with the
/// defaults a connection is reused.
#[test]
fn ages_and_cache_timeouts_take_upstream_values() {
    let srv = HttpServer::start();
    let mut body = Vec::new();
    let e = get_into(&srv.url("/bytes/1"), &raw mut body);
    for opt in [
        FETCHOPT_MAXAGE_CONN,
        FETCHOPT_MAXLIFETIME_CONN,
        FETCHOPT_MAXCONNECTS,
    ] {
        assert_eq!(
            setopt_long(e, opt, -1),
            FETCHE_BAD_FUNCTION_ARGUMENT,
            "{opt}"
        );
        assert_eq!(setopt_long(e, opt, 0), FETCHE_OK, "{opt}");
    }
    assert_eq!(
        setopt_long(e, FETCHOPT_DNS_CACHE_TIMEOUT, -2),
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    set_long(e, FETCHOPT_DNS_CACHE_TIMEOUT, -1);
    set_long(e, FETCHOPT_MAXAGE_CONN, 118);
    set_long(e, FETCHOPT_MAXLIFETIME_CONN, 0);
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(info_long(e, FETCHINFO_NUM_CONNECTS), 0, "reused");
    assert_eq!(srv.accepted(), 1);
    cleanup(e);
}

/// MAXCONNECTS caps `fetch_easy_perform`'s pool: with 1, a connection to
/// a second server pushes out the first one's.
#[test]
fn maxconnects_caps_the_perform_pool() {
    let (a, b) = (HttpServer::start(), HttpServer::start());
    let mut body = Vec::new();
    for (max, expect_connects) in [(1, 1), (5, 0)] {
        let e = get_into(&a.url("/bytes/1"), &raw mut body);
        set_long(e, FETCHOPT_MAXCONNECTS, max);
        assert_eq!(perform(e), FETCHE_OK);
        set_ptr(e, FETCHOPT_URL, cs(&b.url("/bytes/1")).as_ptr().cast());
        assert_eq!(perform(e), FETCHE_OK);
        set_ptr(e, FETCHOPT_URL, cs(&a.url("/bytes/1")).as_ptr().cast());
        assert_eq!(perform(e), FETCHE_OK);
        assert_eq!(
            info_long(e, FETCHINFO_NUM_CONNECTS),
            expect_connects,
            "max {max}"
        );
        cleanup(e);
    }
    assert_eq!(a.accepted(), 3);
}

/// The biggest piece a write callback got (WRITEDATA is a `usize`).
unsafe extern "C" fn biggest(_p: *mut c_char, size: usize, n: usize, ud: *mut c_void) -> usize {
    // SAFETY: WRITEDATA is the test's live `usize`.
    let m = unsafe { &mut *ud.cast::<usize>() };
    *m = (*m).max(size * n);
    size * n
}

/// Offers `size * n` bytes of upload (READDATA: [room seen, bytes left]).
unsafe extern "C" fn upload(p: *mut c_char, size: usize, n: usize, ud: *mut c_void) -> usize {
    // SAFETY: READDATA is the test's live pair; `p` has `size * n` bytes.
    let st = unsafe { &mut *ud.cast::<[usize; 2]>() };
    st[0] = st[0].max(size * n);
    let k = (size * n).min(st[1]);
    // SAFETY: as above.
    unsafe { std::ptr::write_bytes(p, b'u', k) };
    st[1] -= k;
    k
}

/// BUFFERSIZE 100 is clamped up to 1024 and caps each write-callback
/// piece; UPLOAD_BUFFERSIZE 100 is clamped up to 16 KiB, the room each
/// read-callback call gets.
#[test]
fn buffer_sizes_are_clamped_and_cap_the_callbacks() {
    let srv = HttpServer::start();
    let e = easy(&srv.url("/bytes/100000"));
    let mut big = 0usize;
    let cb: fetch_write_callback = biggest;
    set_ptr(e, FETCHOPT_WRITEFUNCTION, as_ptr(cb));
    set_ptr(e, FETCHOPT_WRITEDATA, (&raw mut big).cast_const().cast());
    set_long(e, FETCHOPT_BUFFERSIZE, 100);
    assert_eq!(perform(e), FETCHE_OK);
    assert!(big > 0 && big <= 1024, "{big}");

    let mut st = [0usize, 100_000];
    let rd: fetch_read_callback = upload;
    set_ptr(e, FETCHOPT_URL, cs(&srv.url("/put")).as_ptr().cast());
    set_long(e, FETCHOPT_UPLOAD, 1);
    set_long(e, FETCHOPT_INFILESIZE, 100_000);
    set_ptr(e, FETCHOPT_READFUNCTION, as_ptr(rd));
    set_ptr(e, FETCHOPT_READDATA, (&raw mut st).cast_const().cast());
    set_long(e, FETCHOPT_UPLOAD_BUFFERSIZE, 100);
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(st, [16384, 0]);
    cleanup(e);
}

/// Adds `e` to `m`, drives it (socket_action) to its DONE and removes it.
fn run(m: *mut c_void, e: *mut c_void) -> FETCHcode {
    let before = LOOP.with_borrow(|l| l.done.len());
    // SAFETY: live handles; `e` is idle.
    assert_eq!(unsafe { fetch_multi_add_handle(m, e) }, FETCHM_OK);
    let (_, code) = drive_done(m, before + 1)[before];
    // SAFETY: as above; `e` is added to `m`.
    assert_eq!(unsafe { fetch_multi_remove_handle(m, e) }, FETCHM_OK);
    code
}

/// HTTP over a Unix socket in a temporary directory, driven through
/// socket_action like TCP; the pooled connection is kept per path.
#[test]
fn unix_socket_get_through_socket_action() {
    let (a, b) = (UnixHttpServer::start(), UnixHttpServer::start());
    let m = app_multi();
    let mut body = Vec::new();
    let e = get_into("http://localhost/one", &raw mut body);
    let path_a = cs(a.path().to_str().unwrap());
    set_ptr(e, FETCHOPT_UNIX_SOCKET_PATH, path_a.as_ptr().cast());
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(body, b"/one");
    assert_eq!(info_str(e, FETCHINFO_PRIMARY_IP), "");
    body.clear();
    set_ptr(e, FETCHOPT_URL, cs("http://localhost/two").as_ptr().cast());
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(
        (&body[..], info_long(e, FETCHINFO_NUM_CONNECTS)),
        (&b"/two"[..], 0)
    );
    body.clear();
    let path_b = cs(b.path().to_str().unwrap());
    set_ptr(e, FETCHOPT_UNIX_SOCKET_PATH, path_b.as_ptr().cast());
    assert_eq!(run(m, e), FETCHE_OK);
    assert_eq!(
        (&body[..], info_long(e, FETCHINFO_NUM_CONNECTS)),
        (&b"/two"[..], 1)
    );
    assert_eq!((a.accepted(), b.accepted()), (1, 1));
    // Nothing listening there: COULDNT_CONNECT, as upstream.
    let gone = cs("/nonexistent-fetch-dir/server.sock");
    set_ptr(e, FETCHOPT_UNIX_SOCKET_PATH, gone.as_ptr().cast());
    assert_eq!(run(m, e), COULDNT_CONNECT);
    finish(m, &[e]);
}

/// ABSTRACT_UNIX_SOCKET: the same on a Linux abstract socket.
#[cfg(target_os = "linux")]
#[test]
fn abstract_unix_socket_get() {
    let name = format!("fetch-capi-test-{}", std::process::id());
    let srv = UnixHttpServer::start_abstract(name.as_bytes());
    let mut body = Vec::new();
    let e = get_into("http://localhost/abs", &raw mut body);
    set_ptr(e, FETCHOPT_ABSTRACT_UNIX_SOCKET, cs(&name).as_ptr().cast());
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(body, b"/abs");
    assert_eq!(srv.accepted(), 1);
    cleanup(e);
}

/// PORT replaces the URL's port; out of range is refused.
#[test]
fn port_overrides_the_url_port() {
    let srv = HttpServer::start();
    let port = srv.addr().port();
    let mut body = Vec::new();
    let e = get_into("http://127.0.0.1:1/bytes/4", &raw mut body);
    set_long(e, FETCHOPT_PORT, c_long::from(port));
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(body, fixtures::pattern(4));
    assert_eq!(info_long(e, FETCHINFO_PRIMARY_PORT), c_long::from(port));
    assert_eq!(
        setopt_long(e, FETCHOPT_PORT, 65536),
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    cleanup(e);
}

/// What the prereq callback saw, and what it answers.
#[derive(Default)]
struct PrereqLog {
    calls: usize,
    primary: String,
    local: String,
    ports: (c_int, c_int),
    answer: c_int,
}

unsafe extern "C" fn prereq(
    data: *mut c_void,
    primary: *mut c_char,
    local: *mut c_char,
    primary_port: c_int,
    local_port: c_int,
) -> c_int {
    // SAFETY: PREREQDATA is the test's live log; the strings are valid C
    // strings for the call.
    unsafe {
        let log = &mut *data.cast::<PrereqLog>();
        log.calls += 1;
        log.primary = CStr::from_ptr(primary).to_string_lossy().into_owned();
        log.local = CStr::from_ptr(local).to_string_lossy().into_owned();
        log.ports = (primary_port, local_port);
        log.answer
    }
}

/// PREREQFUNCTION is called once connected, before the request, with the
/// connection's addresses; FETCH_PREREQFUNC_ABORT fails the transfer with
/// ABORTED_BY_CALLBACK and nothing is sent.
#[test]
fn prereq_sees_the_connection_and_can_abort() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("ok"));
    let mut body = Vec::new();
    let e = get_into(&srv.url("/"), &raw mut body);
    let mut log = PrereqLog {
        answer: FETCH_PREREQFUNC_ABORT,
        ..PrereqLog::default()
    };
    let cb: fetch_prereq_callback = prereq;
    set_ptr(e, FETCHOPT_PREREQFUNCTION, as_ptr(cb));
    set_ptr(e, FETCHOPT_PREREQDATA, (&raw mut log).cast_const().cast());
    assert_eq!(perform(e), FETCHE_ABORTED_BY_CALLBACK);
    assert_eq!(log.calls, 1);
    assert_eq!(
        (log.primary.as_str(), log.local.as_str()),
        ("127.0.0.1", "127.0.0.1")
    );
    assert_eq!(log.ports.0, c_int::from(srv.addr().port()));
    assert_ne!(log.ports.1, 0);
    assert!(srv.requests().iter().all(Vec::is_empty), "nothing sent");
    cleanup(e);

    let srv = HttpServer::start();
    let e = get_into(&srv.url("/bytes/2"), &raw mut body);
    log.answer = FETCH_PREREQFUNC_OK;
    set_ptr(e, FETCHOPT_PREREQFUNCTION, as_ptr(cb));
    set_ptr(e, FETCHOPT_PREREQDATA, (&raw mut log).cast_const().cast());
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(log.calls, 2);
    assert_eq!(
        c_long::from(log.ports.1),
        info_long(e, FETCHINFO_LOCAL_PORT)
    );
    cleanup(e);
}

unsafe extern "C" fn count_close(data: *mut c_void, fd: fetch_socket_t) -> c_int {
    // SAFETY: CLOSESOCKETDATA is the test's live counter; the fd is ours
    // to close now.
    unsafe {
        *data.cast::<usize>() += 1;
        libc::close(fd)
    }
}

/// ACTIVESOCKET/LASTSOCKET name the pooled connection's socket, -1 once
/// it is closed; `fetch_easy_upkeep` closes a pooled connection the server
/// closed, and refuses what is not a handle.
#[test]
fn activesocket_and_upkeep() {
    // SAFETY: NULL is not a handle.
    assert_eq!(
        unsafe { fetch_easy_upkeep(null_mut()) },
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("one").close());
    let mut body = Vec::new();
    let mut closed = 0usize;
    let e = get_into(&srv.url("/"), &raw mut body);
    assert_eq!(info_socket(e), -1, "no connection yet");
    let cb: fetch_closesocket_callback = count_close;
    set_ptr(e, FETCHOPT_CLOSESOCKETFUNCTION, as_ptr(cb));
    set_ptr(
        e,
        FETCHOPT_CLOSESOCKETDATA,
        (&raw mut closed).cast_const().cast(),
    );
    assert_eq!(perform(e), FETCHE_OK);
    let s = info_socket(e);
    assert!(s >= 0);
    assert_eq!(info_long(e, FETCHINFO_LASTSOCKET), c_long::from(s));
    assert_eq!(closed, 0, "pooled");
    let gone = fixtures::wait_until(Duration::from_secs(10), || {
        // SAFETY: a live idle handle.
        assert_eq!(unsafe { fetch_easy_upkeep(e) }, FETCHE_OK);
        // SAFETY: the counter the close callback writes through a pointer.
        let n = unsafe { (&raw const closed).read_volatile() };
        n == 1
    });
    assert!(gone, "upkeep closed the connection the server closed");

    let srv = HttpServer::start();
    set_ptr(e, FETCHOPT_URL, cs(&srv.url("/bytes/1")).as_ptr().cast());
    set_long(e, FETCHOPT_FORBID_REUSE, 1);
    assert_eq!(perform(e), FETCHE_OK);
    assert_eq!(info_socket(e), -1, "closed at the end of the transfer");
    assert_eq!(info_long(e, FETCHINFO_LASTSOCKET), -1);
    cleanup(e);
}
