//! Pausing transfers through the C ABI: `FETCH_WRITEFUNC_PAUSE`,
//! `FETCH_READFUNC_PAUSE`, and `fetch_easy_pause` from outside and from
//! inside callbacks (CB-06). A paused transfer leaves the application loop
//! idle (its socket is REMOVEd, no timer runs) and a resumed one delivers
//! every byte exactly once.

mod common;

use std::ffi::{c_char, c_int, c_void};
use std::ptr::null_mut;
use std::time::Duration;

use common::*;
use conformance::record::scenario;
use fetch::*;
use fixtures::{HttpServer, Script, ScriptedServer};

/// How the write callback pauses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum How {
    /// Return FETCH_WRITEFUNC_PAUSE (the data is delivered again on resume).
    Return,
    /// Call `fetch_easy_pause(RECV)` and consume the data.
    Call,
    /// Never (the progress callback pauses instead).
    Never,
}

/// The write callback's state (WRITEDATA), also the progress callback's.
struct Pauser {
    easy: *mut c_void,
    body: Vec<u8>,
    how: How,
    /// Pause once the body reaches this many bytes.
    pause_at: usize,
    paused: bool,
    resumed: bool,
    /// What `fetch_easy_pause` returned inside a callback.
    inner_rc: FETCHcode,
    /// Write callbacks between the pause and the resume (must be 0).
    writes_while_paused: usize,
}

impl Pauser {
    fn new(how: How, pause_at: usize) -> Box<Self> {
        Box::new(Self {
            easy: null_mut(),
            body: Vec::new(),
            how,
            pause_at,
            paused: false,
            resumed: false,
            inner_rc: -1,
            writes_while_paused: 0,
        })
    }
}

unsafe extern "C" fn pausing_write(
    p: *mut c_char,
    size: usize,
    n: usize,
    ud: *mut c_void,
) -> usize {
    // SAFETY: WRITEDATA is the test's live `Pauser`, only touched through
    // this pointer while the library runs.
    let s = unsafe { &mut *ud.cast::<Pauser>() };
    let len = size * n;
    if s.paused && !s.resumed {
        s.writes_while_paused += 1;
    }
    if !s.paused && s.how != How::Never && s.body.len() + len >= s.pause_at {
        s.paused = true;
        if s.how == How::Return {
            return FETCH_WRITEFUNC_PAUSE;
        }
        // SAFETY: the transfer's own handle, from inside its callback (CB-06).
        s.inner_rc = unsafe { fetch_easy_pause(s.easy, FETCHPAUSE_RECV) };
    }
    // SAFETY: `p` holds `len` bytes for this call.
    s.body
        .extend_from_slice(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) });
    len
}

/// Pauses its own transfer once `pause_at` bytes arrived.
unsafe extern "C" fn pausing_progress(
    ud: *mut c_void,
    _dltotal: fetch_off_t,
    dlnow: fetch_off_t,
    _ultotal: fetch_off_t,
    _ulnow: fetch_off_t,
) -> c_int {
    // SAFETY: XFERINFODATA is the test's live `Pauser`.
    let s = unsafe { &mut *ud.cast::<Pauser>() };
    if !s.paused && usize::try_from(dlnow).unwrap_or(0) >= s.pause_at {
        s.paused = true;
        // SAFETY: the transfer's own handle, from its progress callback.
        s.inner_rc = unsafe { fetch_easy_pause(s.easy, FETCHPAUSE_RECV) };
    }
    0
}

/// A GET of `url` whose write callback is [`pausing_write`] on `s`.
fn pausing_get(url: &str, s: *mut Pauser) -> *mut c_void {
    let e = easy(url);
    let write: fetch_write_callback = pausing_write;
    set_ptr(e, FETCHOPT_WRITEFUNCTION, as_ptr(write));
    set_ptr(e, FETCHOPT_WRITEDATA, s.cast_const().cast());
    // SAFETY: `s` is live and not otherwise borrowed.
    unsafe { (*s).easy = e };
    e
}

const BIG: usize = 2 * 1024 * 1024;

/// Runs one paused download of `n` bytes from `url`: waits for the pause,
/// idles 300 ms, resumes from outside callbacks and checks the body.
/// Returns what the loop did while paused.
fn pause_idle_resume(how: How, progress: bool, url: &str, n: usize) -> (usize, usize, Box<Pauser>) {
    let m = app_multi();
    let mut s = Pauser::new(how, 300_000.min(n / 2));
    let sp: *mut Pauser = &raw mut *s;
    let e = pausing_get(url, sp);
    if progress {
        let cb: fetch_xferinfo_callback = pausing_progress;
        set_ptr(e, FETCHOPT_XFERINFOFUNCTION, as_ptr(cb));
        set_ptr(e, FETCHOPT_XFERINFODATA, sp.cast_const().cast());
        set_long(e, FETCHOPT_NOPROGRESS, 0);
    }
    // SAFETY: live handles.
    assert_eq!(unsafe { fetch_multi_add_handle(m, e) }, FETCHM_OK);
    // SAFETY: `sp` stays valid; read between library calls only.
    drive_until(m, || unsafe { (*sp).paused });
    assert!(
        LOOP.with_borrow(|l| l.watched.is_empty()),
        "the paused transfer's socket was REMOVEd"
    );
    let (actions, wakeups, _, _) = idle_for(m, Duration::from_millis(300));
    // SAFETY: as above.
    unsafe { (*sp).resumed = true };
    // SAFETY: a live, added handle, outside any callback.
    assert_eq!(unsafe { fetch_easy_pause(e, FETCHPAUSE_CONT) }, FETCHE_OK);
    let done = drive_done(m, 1);
    assert_eq!(done, vec![(e as usize, FETCHE_OK)]);
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), n as fetch_off_t);
    finish(m, &[e]);
    assert!(s.body == fixtures::pattern(n), "body intact after resume");
    assert_eq!(s.writes_while_paused, 0, "no write callback while paused");
    (actions, wakeups, s)
}

#[test]
fn write_callback_pause_return_idles_until_resumed_from_outside() {
    let server = HttpServer::start();
    let url = server.url(&format!("/bytes/{BIG}"));
    let (actions, wakeups, _) = pause_idle_resume(How::Return, false, &url, BIG);
    println!("while paused: socket_action calls {actions}, wake-ups {wakeups}");
    assert_eq!((actions, wakeups), (0, 0), "nothing to do while paused");
}

/// CB-06: `fetch_easy_pause(RECV)` inside the write callback.
#[test]
fn easy_pause_inside_write_callback() {
    scenario("capi_easy_pause_inside_write_callback", &["CB-06"], || {
        let server = HttpServer::start();
        let url = server.url(&format!("/bytes/{BIG}"));
        let (actions, wakeups, s) = pause_idle_resume(How::Call, false, &url, BIG);
        assert_eq!(s.inner_rc, FETCHE_OK);
        println!("while paused: socket_action calls {actions}, wake-ups {wakeups}");
        assert_eq!((actions, wakeups), (0, 0), "nothing to do while paused");
    });
}

/// CB-06: `fetch_easy_pause(RECV)` inside the progress callback takes
/// effect when the running call returns.
#[test]
fn easy_pause_inside_progress_callback() {
    scenario(
        "capi_easy_pause_inside_progress_callback",
        &["CB-06"],
        || {
            // Progress is reported once per readiness event, and loopback can
            // deliver a whole fixture body in one: send it in spaced parts.
            let n = 400_000;
            let body = fixtures::pattern(n);
            let mut script = Script::new()
                .expect_request()
                .write(format!("HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n"));
            for part in body.chunks(100_000) {
                script = script.write(part).sleep(Duration::from_millis(50));
            }
            let server = ScriptedServer::start(script.close());
            let (actions, wakeups, s) = pause_idle_resume(How::Never, true, &server.url("/"), n);
            assert_eq!(s.inner_rc, FETCHE_OK);
            assert_eq!((actions, wakeups), (0, 0), "nothing to do while paused");
        },
    );
}

/// B's state: resumes A from B's progress callback once A is paused.
struct Resumer {
    a: *mut Pauser,
    rc: FETCHcode,
}

unsafe extern "C" fn resuming_progress(
    ud: *mut c_void,
    _dltotal: fetch_off_t,
    _dlnow: fetch_off_t,
    _ultotal: fetch_off_t,
    _ulnow: fetch_off_t,
) -> c_int {
    // SAFETY: XFERINFODATA is the test's live `Resumer`, whose `a` is live.
    let r = unsafe { &mut *ud.cast::<Resumer>() };
    // SAFETY: as above.
    let a = unsafe { &mut *r.a };
    if a.paused && !a.resumed {
        a.resumed = true;
        // SAFETY: A's live handle, from a callback of the same multi.
        r.rc = unsafe { fetch_easy_pause(a.easy, FETCHPAUSE_CONT) };
    }
    0
}

/// CB-06: a transfer paused by FETCH_WRITEFUNC_PAUSE is resumed from another
/// transfer's progress callback; the resume applies when that call returns.
#[test]
fn unpause_from_another_transfers_callback() {
    scenario(
        "capi_unpause_from_another_transfers_callback",
        &["CB-06"],
        || {
            let server = HttpServer::start();
            // B's data comes late and slowly, so its progress callback runs
            // while A sits paused.
            let slow = ScriptedServer::start(
                Script::new()
                    .expect_request()
                    .write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
                    .sleep(Duration::from_millis(200))
                    .write_slowly(b"0123456789", 1, Duration::from_millis(20))
                    .close(),
            );
            let m = app_multi();
            let n = 500_000;
            let mut a = Pauser::new(How::Return, 1);
            let ap: *mut Pauser = &raw mut *a;
            let ea = pausing_get(&server.url(&format!("/bytes/{n}")), ap);
            let mut r = Box::new(Resumer { a: ap, rc: -1 });
            let mut b_body: Vec<u8> = Vec::new();
            let eb = get_into(&slow.url("/"), &raw mut b_body);
            let cb: fetch_xferinfo_callback = resuming_progress;
            set_ptr(eb, FETCHOPT_XFERINFOFUNCTION, as_ptr(cb));
            set_ptr(eb, FETCHOPT_XFERINFODATA, (&raw mut *r).cast_const().cast());
            set_long(eb, FETCHOPT_NOPROGRESS, 0);
            // SAFETY: live handles.
            unsafe {
                assert_eq!(fetch_multi_add_handle(m, ea), FETCHM_OK);
                assert_eq!(fetch_multi_add_handle(m, eb), FETCHM_OK);
            }
            let mut done = drive_done(m, 2);
            done.sort();
            let mut want = vec![(ea as usize, FETCHE_OK), (eb as usize, FETCHE_OK)];
            want.sort();
            assert_eq!(done, want);
            finish(m, &[ea, eb]);
            assert!(a.resumed, "B's progress callback resumed A");
            assert_eq!(r.rc, FETCHE_OK);
            assert_eq!(a.writes_while_paused, 0);
            assert!(a.body == fixtures::pattern(n), "A's body intact");
            assert_eq!(b_body, b"0123456789");
        },
    );
}

/// The read callback's state (READDATA).
struct Uploader {
    data: Vec<u8>,
    pos: usize,
    pause_at: usize,
    paused: bool,
    /// `pos` when the callback paused.
    paused_pos: usize,
    abort: bool,
}

unsafe extern "C" fn upload_read(p: *mut c_char, size: usize, n: usize, ud: *mut c_void) -> usize {
    // SAFETY: READDATA is the test's live `Uploader`.
    let u = unsafe { &mut *ud.cast::<Uploader>() };
    if u.abort {
        return FETCH_READFUNC_ABORT;
    }
    if !u.paused && u.pos >= u.pause_at {
        u.paused = true;
        u.paused_pos = u.pos;
        return FETCH_READFUNC_PAUSE;
    }
    let k = (size * n).min(u.data.len() - u.pos);
    // SAFETY: `p` is writable for `size * n` >= `k` bytes.
    unsafe { std::ptr::copy_nonoverlapping(u.data[u.pos..].as_ptr(), p.cast::<u8>(), k) };
    u.pos += k;
    k
}

fn upload(server: &HttpServer, u: *mut Uploader, echo: *mut Vec<u8>) -> *mut c_void {
    let e = get_into(&server.url("/echo"), echo);
    let read: fetch_read_callback = upload_read;
    set_long(e, FETCHOPT_POST, 1);
    set_ptr(e, FETCHOPT_READFUNCTION, as_ptr(read));
    set_ptr(e, FETCHOPT_READDATA, u.cast_const().cast());
    // SAFETY: `u` is live.
    let len = unsafe { (*u).data.len() };
    // SAFETY: a live handle.
    let rc = unsafe { fetch_easy_setopt_off_t(e, FETCHOPT_POSTFIELDSIZE_LARGE, len as i64) };
    assert_eq!(rc, FETCHE_OK);
    e
}

#[test]
fn read_callback_pause_then_resume_from_outside() {
    let server = HttpServer::start();
    let m = app_multi();
    let n = 200_000;
    let mut u = Box::new(Uploader {
        data: fixtures::pattern(n),
        pos: 0,
        pause_at: 50_000,
        paused: false,
        paused_pos: 0,
        abort: false,
    });
    let up: *mut Uploader = &raw mut *u;
    let mut echo: Vec<u8> = Vec::new();
    let e = upload(&server, up, &raw mut echo);
    // SAFETY: live handles.
    assert_eq!(unsafe { fetch_multi_add_handle(m, e) }, FETCHM_OK);
    // SAFETY: `up` stays valid; read between library calls only.
    drive_until(m, || unsafe { (*up).paused });
    let (actions, wakeups, _, _) = idle_for(m, Duration::from_millis(200));
    // SAFETY: as above.
    let (pos, paused_pos) = unsafe { ((*up).pos, (*up).paused_pos) };
    assert_eq!(pos, paused_pos, "nothing read while paused");
    println!("upload paused: socket_action calls {actions}, wake-ups {wakeups}");
    assert_eq!((actions, wakeups), (0, 0), "nothing to do while paused");
    // SAFETY: a live, added handle, outside any callback.
    assert_eq!(unsafe { fetch_easy_pause(e, FETCHPAUSE_CONT) }, FETCHE_OK);
    assert_eq!(drive_done(m, 1), vec![(e as usize, FETCHE_OK)]);
    assert_eq!(info_off(e, FETCHINFO_SIZE_UPLOAD_T), n as fetch_off_t);
    finish(m, &[e]);
    assert!(echo == u.data, "the server got the whole body once");
}

#[test]
fn read_callback_abort_fails_with_42() {
    let server = HttpServer::start();
    let m = app_multi();
    let mut u = Box::new(Uploader {
        data: fixtures::pattern(1000),
        pos: 0,
        pause_at: usize::MAX,
        paused: false,
        paused_pos: 0,
        abort: true,
    });
    let mut echo: Vec<u8> = Vec::new();
    let e = upload(&server, &raw mut *u, &raw mut echo);
    // SAFETY: live handles.
    assert_eq!(unsafe { fetch_multi_add_handle(m, e) }, FETCHM_OK);
    assert_eq!(
        drive_done(m, 1),
        vec![(e as usize, FETCHE_ABORTED_BY_CALLBACK)]
    );
    finish(m, &[e]);
}

#[test]
fn easy_pause_argument_checks() {
    // SAFETY: NULL and a fresh idle handle.
    unsafe {
        assert_eq!(
            fetch_easy_pause(null_mut(), FETCHPAUSE_ALL),
            FETCHE_BAD_FUNCTION_ARGUMENT
        );
        let e = fetch_easy_init();
        // Upstream: a handle without a connection.
        assert_eq!(
            fetch_easy_pause(e, FETCHPAUSE_CONT),
            FETCHE_BAD_FUNCTION_ARGUMENT
        );
        fetch_easy_cleanup(e);
    }
    assert_eq!(
        (
            FETCHPAUSE_RECV,
            FETCHPAUSE_SEND,
            FETCHPAUSE_ALL,
            FETCHPAUSE_CONT
        ),
        (1, 4, 5, 0)
    );
    assert_eq!((FETCHPAUSE_RECV_CONT, FETCHPAUSE_SEND_CONT), (0, 0));
    assert_eq!(FETCH_WRITEFUNC_PAUSE, 0x1000_0001);
    assert_eq!(FETCH_READFUNC_PAUSE, 0x1000_0001);
    assert_eq!(FETCH_READFUNC_ABORT, 0x1000_0000);
}
