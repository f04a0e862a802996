//! Speed options through the C ABI: LOW_SPEED_LIMIT/LOW_SPEED_TIME fail a
//! stalled transfer with FETCHE_OPERATION_TIMEDOUT (28), and
//! MAX_RECV_SPEED_LARGE throttles a download; the speed options check
//! their arguments as upstream does.

mod common;

use std::ffi::{c_long, c_void};
use std::time::{Duration, Instant};

use common::*;
use fetch::*;
use fixtures::{HttpServer, Script, ScriptedServer};

const FETCHE_OPERATION_TIMEDOUT: FETCHcode = 28;

fn perform(e: *mut c_void) -> (FETCHcode, Duration) {
    let start = Instant::now();
    // SAFETY: a live idle handle whose WRITEDATA outlives the transfer.
    let rc = unsafe { fetch_easy_perform(e) };
    (rc, start.elapsed())
}

#[test]
fn a_stalled_transfer_below_low_speed_limit_fails_with_28() {
    let server = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            .write([b'x'; 100])
            .stall(),
    );
    let mut body: Vec<u8> = Vec::new();
    let e = get_into(&server.url("/"), &raw mut body);
    set_long(e, FETCHOPT_LOW_SPEED_LIMIT, 1000);
    set_long(e, FETCHOPT_LOW_SPEED_TIME, 1);
    let (rc, took) = perform(e);
    assert_eq!(rc, FETCHE_OPERATION_TIMEDOUT);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(body.len(), 100);
    // SAFETY: freed once.
    unsafe { fetch_easy_cleanup(e) };
}

#[test]
fn max_recv_speed_throttles_the_download() {
    let server = HttpServer::start();
    let n = 400_000;
    let mut body: Vec<u8> = Vec::new();
    let e = get_into(&server.url(&format!("/bytes/{n}")), &raw mut body);
    // SAFETY: a live handle.
    let rc = unsafe { fetch_easy_setopt_off_t(e, FETCHOPT_MAX_RECV_SPEED_LARGE, 400_000) };
    assert_eq!(rc, FETCHE_OK);
    let (rc, took) = perform(e);
    assert_eq!(rc, FETCHE_OK);
    assert_eq!(body, fixtures::pattern(n));
    // 400 kB at 400 kB/s: a second, less the last read (the engine reads a
    // quarter of the per-second limit at a time).
    assert!(took >= Duration::from_millis(600), "{took:?}");
    // SAFETY: freed once.
    unsafe { fetch_easy_cleanup(e) };
}

#[test]
fn speed_option_argument_checks() {
    let e = easy("http://127.0.0.1:1/");
    let long = |opt, v: c_long| {
        // SAFETY: a live handle.
        unsafe { fetch_easy_setopt_long(e, opt, v) }
    };
    let off = |opt, v: fetch_off_t| {
        // SAFETY: a live handle.
        unsafe { fetch_easy_setopt_off_t(e, opt, v) }
    };
    for opt in [
        FETCHOPT_LOW_SPEED_LIMIT,
        FETCHOPT_LOW_SPEED_TIME,
        FETCHOPT_EXPECT_100_TIMEOUT_MS,
    ] {
        assert_eq!(long(opt, 0), FETCHE_OK);
        assert_eq!(long(opt, 100_000), FETCHE_OK, "large values are clamped");
        assert_eq!(long(opt, -1), FETCHE_BAD_FUNCTION_ARGUMENT);
    }
    for opt in [FETCHOPT_MAX_SEND_SPEED_LARGE, FETCHOPT_MAX_RECV_SPEED_LARGE] {
        assert_eq!(off(opt, 0), FETCHE_OK);
        assert_eq!(off(opt, 1 << 40), FETCHE_OK);
        assert_eq!(off(opt, -1), FETCHE_BAD_FUNCTION_ARGUMENT);
    }
    assert_eq!(
        (
            FETCHOPT_LOW_SPEED_LIMIT,
            FETCHOPT_LOW_SPEED_TIME,
            FETCHOPT_MAX_SEND_SPEED_LARGE,
            FETCHOPT_MAX_RECV_SPEED_LARGE,
            FETCHOPT_EXPECT_100_TIMEOUT_MS
        ),
        (19, 20, 30145, 30146, 227)
    );
    // SAFETY: freed once.
    unsafe { fetch_easy_cleanup(e) };
}
