//! The connection pool shared through a share, from C
//! (tests/c/share_conn.c, under valgrind): two multi handles driven by
//! socket_action, each from its own poll loop, take turns on one
//! connection (the fixture server sees one); two threads do the same
//! through `fetch_easy_perform` with pthread mutexes as the lock
//! callbacks; a connection the server closed while it sat in the share
//! is replaced. The same program, renamed, runs against the installed
//! libcurl and prints the same lines (checked at test time).

mod cbuild;

use cbuild::Twin;
use fixtures::{CertKind, HttpServer, Script, ScriptedServer, TestPki, TlsOptions, TlsServer};

static PROGRAM: Twin = Twin::new("share_conn");

/// Runs the program under valgrind (leaks and errors fail it).
fn run(args: &[&str]) -> Vec<String> {
    PROGRAM.ours(args)
}

fn run_upstream(args: &[&str]) -> Vec<String> {
    PROGRAM.theirs(args)
}

const MULTIS: [&str; 7] = [
    "share=0",
    "first=0 connects=1",
    "second=0 connects=0",
    "third=0 connects=0",
    // Both handles still hold the share.
    "cleanup in use=2",
    "hygiene a=0 b=0 left a=0 b=0",
    "locks connect=yes share=yes held=0 unpaired=0",
];

#[test]
fn two_multis_take_turns_on_one_connection() {
    let srv = HttpServer::start();
    let url = srv.url("/bytes/100");
    let mut out = run(&["multis", &url]);
    assert_eq!(out.pop().as_deref(), Some("cleanup=0"));
    assert_eq!(out, MULTIS);
    assert_eq!(srv.accepted(), 1, "one connection for three transfers");
    let mut up = run_upstream(&["multis", &url]);
    assert_eq!(up.pop().as_deref(), Some("cleanup=0"));
    assert_eq!(up, MULTIS, "libcurl answers the same");
    assert_eq!(srv.accepted(), 2, "and made one connection too");
}

#[test]
fn two_multis_take_turns_on_one_tls_connection() {
    let srv = TlsServer::start(CertKind::Good, TlsOptions::default());
    let files = TestPki::shared().write_temp().unwrap();
    let ca = files.ca.to_str().unwrap();
    let mut out = run(&["multis", &srv.url("/bytes/100"), ca]);
    assert_eq!(out.pop().as_deref(), Some("cleanup=0"));
    assert_eq!(out, MULTIS);
    assert_eq!(srv.handshakes_completed(), 1);
}

#[test]
fn two_threads_take_turns_under_the_lock_callbacks() {
    let srv = TlsServer::start(CertKind::Good, TlsOptions::default());
    let files = TestPki::shared().write_temp().unwrap();
    let ca = files.ca.to_str().unwrap();
    let out = run(&["threads", &srv.url("/bytes/100"), ca]);
    let expected = [
        "share=0",
        "thread1=0 connects=1",
        "thread2=0 connects=0",
        "locks connect=yes share=yes held=0 unpaired=0",
        "cleanup=0",
    ];
    assert_eq!(out, expected);
    assert_eq!(srv.accepted(), 1);
}

#[test]
fn a_connection_closed_in_the_share_is_replaced() {
    let keep = || {
        Script::new()
            .expect_request()
            .write_str("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .close()
    };
    let srv = ScriptedServer::start_seq(vec![keep(), keep()]);
    let out = run(&["dead", &srv.url("/")]);
    let expected = [
        "share=0",
        "first=0 connects=1",
        "second=0 connects=1",
        "cleanup in use=2",
        "hygiene a=0 b=0 left a=0 b=0",
        "locks connect=yes share=yes held=0 unpaired=0",
        "cleanup=0",
    ];
    assert_eq!(out, expected);
    assert_eq!(srv.accepted(), 2);
}
