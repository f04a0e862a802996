//! Through the C ABI: a transfer added while others run, announced with a
//! 0 ms timer, is left by `fetch_multi_socket_action` on another socket
//! for the TIMEOUT call the application was asked for (docs/decisions.md,
//! "Kicks told with timer 0 wait for the TIMEOUT call"); a multi without
//! FETCHMOPT_TIMERFUNCTION told nobody, so the socket call starts it at
//! once, as upstream does.

mod common;

use std::ffi::{c_int, c_long, c_void};

use common::{LOOP, app_multi, easy, finish, mc, null};
use fetch::*;
use fixtures::{HttpServer, ScriptedServer};

/// Two transfers to a server that never answers, started by a TIMEOUT
/// call, and a third added to `srv`. Returns the three handles and the
/// first active socket.
fn two_active_and_one_added(
    m: *mut c_void,
    silent: &ScriptedServer,
    srv: &HttpServer,
) -> ([*mut c_void; 3], c_int) {
    let active = [easy(&silent.url("/")), easy(&silent.url("/"))];
    let mut running = 0;
    // SAFETY: live handles from this library.
    unsafe {
        for e in active {
            assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
        }
        let rc = fetch_multi_socket_action(m, FETCH_SOCKET_TIMEOUT, 0, &mut running);
        assert_eq!(mc(rc), FETCHM_OK);
    }
    let fd = LOOP.with_borrow(|l| {
        assert_eq!(l.watched.len(), 2, "one socket per active transfer");
        *l.watched.keys().next().unwrap()
    });
    let third = easy(&srv.url("/bytes/10"));
    // SAFETY: as above.
    assert_eq!(mc(unsafe { fetch_multi_add_handle(m, third) }), FETCHM_OK);
    ([active[0], active[1], third], fd)
}

fn timeout_ms(m: *mut c_void) -> c_long {
    let mut ms: c_long = -2;
    // SAFETY: a live multi and an out-variable.
    assert_eq!(mc(unsafe { fetch_multi_timeout(m, &mut ms) }), FETCHM_OK);
    ms
}

fn act(m: *mut c_void, fd: c_int) {
    let mut running = 0;
    // SAFETY: a live multi.
    let rc = unsafe { fetch_multi_socket_action(m, fd, 0, &mut running) };
    assert_eq!(mc(rc), FETCHM_OK);
}

/// SA-01, TF-03, TF-04, TO-05: the add asks for 0 ms; a socket call on an
/// active socket neither starts the third transfer nor calls the timer
/// callback, and `fetch_multi_timeout` still says 0; the TIMEOUT call
/// starts it.
#[test]
fn socket_call_leaves_the_added_transfer_to_the_timeout_call() {
    let silent = fixtures::silent_server();
    let srv = HttpServer::start();
    let m = app_multi();
    let (handles, fd) = two_active_and_one_added(m, &silent, &srv);
    let timers = LOOP.with_borrow(|l| l.timer_calls.clone());
    assert_eq!(timers.last().map(|t| t.1), Some(0), "TF-04");

    act(m, fd);
    LOOP.with_borrow(|l| {
        assert_eq!(l.timer_calls, timers, "TF-03: the same expiry");
        assert_eq!(l.watched.len(), 2, "the third has no socket yet");
    });
    assert_eq!(timeout_ms(m), 0, "TO-05");
    assert_eq!(
        srv.accepted_before_probe(),
        0,
        "the third has not connected"
    );

    act(m, FETCH_SOCKET_TIMEOUT);
    LOOP.with_borrow(|l| assert_eq!(l.watched.len(), 3, "SA-01: started"));
    finish(m, &handles);
}

/// SA-01: with FETCHMOPT_TIMERFUNCTION set back to NULL, nobody was told
/// "0": the socket call starts the added transfer at once.
#[test]
fn without_a_timer_callback_a_socket_call_starts_it() {
    let silent = fixtures::silent_server();
    let srv = HttpServer::start();
    let m = app_multi();
    // SAFETY: a live multi; NULL removes the callback.
    let rc = unsafe { fetch_multi_setopt_ptr(m, FETCHMOPT_TIMERFUNCTION, null()) };
    assert_eq!(mc(rc), FETCHM_OK);
    let (handles, fd) = two_active_and_one_added(m, &silent, &srv);
    act(m, fd);
    LOOP.with_borrow(|l| {
        assert!(l.timer_calls.is_empty(), "no timer callback set");
        assert_eq!(l.watched.len(), 3, "started on the socket call");
    });
    finish(m, &handles);
}
