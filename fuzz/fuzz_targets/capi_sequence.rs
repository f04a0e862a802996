//! The C ABI under random call sequences: easy setopt, multi add/remove,
//! socket_action on announced sockets and timeouts, pause, info_read,
//! reset, duphandle and cleanup in any order, against a scripted server on
//! 127.0.0.1 that answers each path with a canned reply (well-formed,
//! junk, early close, silence). Nothing may crash, leak (ASan/LSan), or
//! hang: each input runs at most MAX_OPS calls and waits for readiness at
//! most a few milliseconds per pump, a few tens in all.
//!
//! Input: one op per byte (plus argument bytes), see `run`.
#![no_main]

use std::ffi::{CString, c_char, c_int, c_long, c_void};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fetch::*;
use libfuzzer_sys::fuzz_target;

// fetch.h values the Rust side has no constants for.
const POLL_IN: c_int = 1;
const POLL_OUT: c_int = 2;
const CSELECT_IN: c_int = 1;
const CSELECT_OUT: c_int = 2;
const CSELECT_ERR: c_int = 4;

const MAX_OPS: usize = 96;
const HANDLES: usize = 4;
/// Real time one input may spend waiting for readiness.
const WAIT_BUDGET: Duration = Duration::from_millis(40);

/// What the server sends for `/r<index>`.
const REPLIES: &[&[u8]] = &[
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
    b"HTTP/1.1 302 Found\r\nLocation: /r0\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1:1/\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"\x00\xffjunk\r\n\r\n",
    b"",
    b"HTTP/1.1 307 Again\r\nLocation: /r3\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n",
];
/// `/r<SILENT>`: read the request and say nothing until the client leaves.
const SILENT: usize = 99;

/// Starts the scripted server once per process; returns its port.
///
/// The server runs in a forked child, so its per-connection threads are
/// not in the fuzzed process: a thread exiting while LeakSanitizer checks
/// the process shows up as a false leak (glibc's TLS destructor list).
fn server() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        // SAFETY: fork before this process starts threads of its own; the
        // child only serves and dies with the parent (PDEATHSIG), never
        // returning into the fuzzer.
        match unsafe { libc::fork() } {
            0 => {
                // SAFETY: plain prctl/getppid calls.
                unsafe {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    if libc::getppid() == 1 {
                        libc::_exit(0);
                    }
                }
                for conn in listener.incoming().flatten() {
                    std::thread::spawn(move || serve(conn));
                }
                // SAFETY: leave without running the fuzzer's exit hooks.
                unsafe { libc::_exit(0) }
            }
            -1 => panic!("fork failed"),
            _ => port,
        }
    })
}

/// Answers requests on one connection until it closes or a reply closes it.
fn serve(mut conn: TcpStream) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if buf.len() > 1 << 20 {
                return;
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end + 4);
        // Request bodies are not read; the replies never wait for them.
        let index: usize = head
            .split(' ')
            .nth(1)
            .and_then(|p| p.strip_prefix("/r"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if index == SILENT {
            while matches!(conn.read(&mut chunk), Ok(n) if n > 0) {}
            return;
        }
        let reply = REPLIES[index % REPLIES.len()];
        if conn.write_all(reply).is_err() {
            return;
        }
        if reply.ends_with(b"65536\r\n\r\n") {
            let _ = conn.write_all(&[b'x'; 65536]);
        }
        let keep = index % REPLIES.len() <= 1 || index % REPLIES.len() == 3;
        if !keep {
            return;
        }
    }
}

/// The application's view of the engine, filled by the callbacks.
#[derive(Default)]
struct App {
    /// fd -> last interest announced (FETCH_POLL_*).
    sockets: Vec<(fetch_socket_t, c_int)>,
    /// The last timer callback value; -1 none.
    timer_ms: c_long,
    /// What write callbacks return next: 0 take, 1 fail, 2 pause.
    write_mode: u8,
}

unsafe extern "C" fn socket_cb(
    _easy: *mut c_void,
    s: fetch_socket_t,
    what: c_int,
    userp: *mut c_void,
    _socketp: *mut c_void,
) -> c_int {
    // SAFETY: userp is the App this target registered with SOCKETDATA; it
    // outlives the multi and is only used on this thread.
    let app = unsafe { &mut *userp.cast::<App>() };
    assert!(s >= 0, "socket callback for fd {s}");
    assert!((1..=4).contains(&what), "socket callback with what={what}");
    app.sockets.retain(|&(fd, _)| fd != s);
    if what != FETCH_POLL_REMOVE {
        app.sockets.push((s, what));
    }
    0
}

unsafe extern "C" fn timer_cb(
    _multi: *mut c_void,
    timeout_ms: c_long,
    userp: *mut c_void,
) -> c_int {
    // SAFETY: as in socket_cb.
    let app = unsafe { &mut *userp.cast::<App>() };
    assert!(timeout_ms >= -1, "timer callback with {timeout_ms}");
    app.timer_ms = timeout_ms;
    0
}

unsafe extern "C" fn write_cb(_p: *mut c_char, size: usize, n: usize, userp: *mut c_void) -> usize {
    if userp.is_null() {
        return size * n;
    }
    // SAFETY: WRITEDATA/HEADERDATA is the App or NULL.
    let app = unsafe { &mut *userp.cast::<App>() };
    match app.write_mode % 3 {
        0 => size * n,
        1 => 0,
        _ => FETCH_WRITEFUNC_PAUSE,
    }
}

struct In<'a>(&'a [u8]);

impl In<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
}

/// Waits up to `ms` (bounded by what is left of the budget) for readiness
/// of the announced sockets and reports every ready one.
unsafe fn pump(m: *mut c_void, app: *mut App, ms: u8, deadline: Instant) {
    let left = deadline.saturating_duration_since(Instant::now());
    let wait = Duration::from_millis(u64::from(ms % 8)).min(left);
    // SAFETY: app is the live App; copied out before any callback runs.
    let sockets = unsafe { (*app).sockets.clone() };
    let mut fds: Vec<libc::pollfd> = sockets
        .iter()
        .map(|&(fd, what)| libc::pollfd {
            fd,
            events: match what {
                POLL_IN => libc::POLLIN,
                POLL_OUT => libc::POLLOUT,
                _ => libc::POLLIN | libc::POLLOUT,
            },
            revents: 0,
        })
        .collect();
    // SAFETY: fds is a valid array of fds.len() pollfd.
    let n = unsafe {
        libc::poll(
            fds.as_mut_ptr(),
            fds.len() as libc::nfds_t,
            wait.as_millis() as c_int,
        )
    };
    let mut running = 0;
    if n <= 0 {
        // SAFETY: m is our live multi.
        unsafe { fetch_multi_socket_action(m, FETCH_SOCKET_TIMEOUT, 0, &mut running) };
        return;
    }
    for p in fds.iter().filter(|p| p.revents != 0) {
        let mut ev = 0;
        if p.revents & (libc::POLLIN | libc::POLLHUP) != 0 {
            ev |= CSELECT_IN;
        }
        if p.revents & libc::POLLOUT != 0 {
            ev |= CSELECT_OUT;
        }
        if p.revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
            ev |= CSELECT_ERR;
        }
        // SAFETY: m is our live multi.
        unsafe { fetch_multi_socket_action(m, p.fd, ev, &mut running) };
    }
}

const BODY: &std::ffi::CStr = c"field=value";

unsafe fn run(data: &[u8]) {
    let port = server();
    let mut input = In(data);
    let deadline = Instant::now() + WAIT_BUDGET;
    let mut app = Box::new(App {
        timer_ms: -1,
        ..App::default()
    });
    let appp: *mut App = &mut *app;
    let mut slists: Vec<*mut fetch_slist> = Vec::new();
    let urls: Vec<CString> = (0..16)
        .map(|i| {
            let path = if i == 15 { SILENT } else { i };
            CString::new(format!("http://127.0.0.1:{port}/r{path}")).unwrap()
        })
        .chain([
            CString::new("http://127.0.0.1:1/").unwrap(),
            CString::new("nope://x").unwrap(),
            CString::new("http://[::1").unwrap(),
        ])
        .collect();

    // SAFETY (whole body): every handle passed is NULL or one this function
    // created and has not freed; strings and lists outlive their use.
    unsafe {
        let m = fetch_multi_init();
        assert!(!m.is_null());
        let f: fetch_socket_callback = socket_cb;
        fetch_multi_setopt_ptr(m, FETCHMOPT_SOCKETFUNCTION, f as *const c_void);
        fetch_multi_setopt_ptr(m, FETCHMOPT_SOCKETDATA, appp.cast());
        let f: fetch_multi_timer_callback = timer_cb;
        fetch_multi_setopt_ptr(m, FETCHMOPT_TIMERFUNCTION, f as *const c_void);
        fetch_multi_setopt_ptr(m, FETCHMOPT_TIMERDATA, appp.cast());
        let mut easies: [*mut c_void; HANDLES] = [ptr::null_mut(); HANDLES];
        for e in &mut easies {
            *e = fetch_easy_init();
        }

        for _ in 0..MAX_OPS {
            let Some(op) = input.byte() else { break };
            let arg = input.byte().unwrap_or(0);
            let e = easies[usize::from(op >> 4) % HANDLES];
            let mut running = 0;
            match op % 16 {
                0 => {
                    let url = &urls[usize::from(arg) % urls.len()];
                    fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
                }
                1 => {
                    let wf: fetch_write_callback = write_cb;
                    let data = if arg & 1 == 1 {
                        appp.cast()
                    } else {
                        ptr::null_mut()
                    };
                    let opt = if arg & 2 == 2 {
                        FETCHOPT_HEADERFUNCTION
                    } else {
                        FETCHOPT_WRITEFUNCTION
                    };
                    fetch_easy_setopt_ptr(e, opt, wf as *const c_void);
                    let dopt = if arg & 2 == 2 {
                        FETCHOPT_HEADERDATA
                    } else {
                        FETCHOPT_WRITEDATA
                    };
                    fetch_easy_setopt_ptr(e, dopt, data);
                    (*appp).write_mode = arg >> 2;
                }
                2 => {
                    let (opt, v) = match arg % 8 {
                        0 => (FETCHOPT_TIMEOUT_MS, c_long::from(arg >> 3)),
                        1 => (FETCHOPT_CONNECTTIMEOUT_MS, c_long::from(arg >> 3)),
                        2 => (FETCHOPT_FOLLOWLOCATION, c_long::from(arg >> 3 & 1)),
                        3 => (FETCHOPT_NOBODY, c_long::from(arg >> 3 & 1)),
                        4 => (FETCHOPT_MAXREDIRS, c_long::from(arg >> 3) - 1),
                        5 => (FETCHOPT_POST, c_long::from(arg >> 3 & 1)),
                        6 => (FETCHOPT_UPLOAD, c_long::from(arg >> 3 & 1)),
                        _ => (FETCHOPT_EXPECT_100_TIMEOUT_MS, c_long::from(arg >> 3)),
                    };
                    fetch_easy_setopt_long(e, opt, v);
                }
                3 => {
                    let (opt, v): (c_int, *const c_void) = match arg % 4 {
                        0 => (FETCHOPT_POSTFIELDS, BODY.as_ptr().cast()),
                        1 => (FETCHOPT_COPYPOSTFIELDS, BODY.as_ptr().cast()),
                        2 => (FETCHOPT_CUSTOMREQUEST, c"PATCH".as_ptr().cast()),
                        _ => (FETCHOPT_POSTFIELDS, ptr::null()),
                    };
                    fetch_easy_setopt_ptr(e, opt, v);
                }
                4 => {
                    let mut list = fetch_slist_append(ptr::null_mut(), c"X-Fuzz: 1".as_ptr());
                    if arg & 1 == 1 {
                        list = fetch_slist_append(list, c"Expect:".as_ptr());
                    }
                    if arg & 2 == 2 {
                        list = fetch_slist_append(list, c"Host;".as_ptr());
                    }
                    slists.push(list);
                    fetch_easy_setopt_ptr(e, FETCHOPT_HTTPHEADER, list.cast());
                }
                5 | 6 => {
                    fetch_multi_add_handle(m, e);
                }
                7 => {
                    fetch_multi_remove_handle(m, e);
                }
                8..=10 => pump(m, appp, arg, deadline),
                11 => {
                    fetch_multi_socket_action(m, FETCH_SOCKET_TIMEOUT, 0, &mut running);
                }
                12 => {
                    let bits = [
                        FETCHPAUSE_CONT,
                        FETCHPAUSE_RECV,
                        FETCHPAUSE_SEND,
                        FETCHPAUSE_ALL,
                    ];
                    fetch_easy_pause(e, bits[usize::from(arg) % 4]);
                }
                13 => {
                    let mut left = 0;
                    while !fetch_multi_info_read(m, &mut left).is_null() {}
                }
                14 => {
                    // Announced or made-up sockets with arbitrary events.
                    let s = match (&(*appp).sockets).get(usize::from(arg >> 4)) {
                        Some(&(fd, _)) => fd,
                        None => c_int::from(arg),
                    };
                    fetch_multi_socket_action(m, s, c_int::from(arg & 7), &mut running);
                }
                _ => {
                    let slot = usize::from(op >> 4) % HANDLES;
                    match arg % 3 {
                        0 => {
                            fetch_easy_cleanup(e);
                            easies[slot] = fetch_easy_init();
                        }
                        1 => fetch_easy_reset(e),
                        _ => {
                            let dup = fetch_easy_duphandle(e);
                            fetch_easy_cleanup(easies[slot]);
                            easies[slot] = dup;
                        }
                    }
                }
            }
        }

        for e in easies {
            fetch_multi_remove_handle(m, e);
            fetch_easy_cleanup(e);
        }
        assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
        for list in slists {
            fetch_slist_free_all(list);
        }
    }
    drop(app);
}

fuzz_target!(|data: &[u8]| {
    // SAFETY: run only passes handles it owns.
    unsafe { run(data) };
    // Sockets must not pile up across inputs.
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let runs = RUNS.fetch_add(1, Ordering::Relaxed) + 1;
    if runs % 256 == 0 {
        let open = std::fs::read_dir("/proc/self/fd")
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(open < 512, "{open} fds open after {runs} inputs");
    }
});
