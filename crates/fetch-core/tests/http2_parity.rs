//! What a transfer does over HTTP/1.1 also holds over HTTP/2 (issue 15
//! item 5): upload progress, the Digest body probe, no `Expect:
//! 100-continue` (as upstream, which sends it on HTTP/1.1 only), info
//! values, MAXCONNECTS counting idle shared connections; HTTP_VERSION 1_0
//! sending HTTP/1.0 requests; the 2TLS default. The HTTP/2 server is
//! hyper's (fixtures::H2Server).
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, run_one};
use fetch_core::{Easy, Flow, HttpAuth, HttpVersion, Multi, Pause};
use fixtures::{H2Config, H2Server, Script, ScriptedServer, pattern};

fn h2c(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.http_version(HttpVersion::V2PriorKnowledge);
    e
}

#[test_log::test]
fn upload_progress_is_reported_during_an_http2_upload() {
    // A small stream window makes the body go out in several pieces.
    let srv = H2Server::start_with(H2Config {
        initial_stream_window: Some(16_384),
        ..H2Config::h2c()
    });
    let body = pattern(300_000);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let mut e = h2c(srv.url("/echo"));
    e.post(body.clone());
    e.progress_function(move |p| {
        log.lock().unwrap().push((p.ulnow, p.ultotal));
        Flow::Continue
    });
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(app.multi.remove(id).unwrap().response_body() == body.as_slice());
    let seen = seen.lock().unwrap();
    assert!(seen.iter().all(|&(_, total)| total == 300_000), "{seen:?}");
    // Told while the body goes out, not only once it is all sent.
    assert!(
        seen.iter().any(|&(now, _)| now > 0 && now < 300_000),
        "{seen:?}"
    );
    assert_eq!(seen.last().map(|p| p.0), Some(300_000));
    let ul: Vec<u64> = seen.iter().map(|p| p.0).collect();
    assert!(ul.windows(2).all(|w| w[0] <= w[1]), "{ul:?}");
}

#[test_log::test]
fn digest_probe_sends_no_body_over_http2() {
    let srv = H2Server::start();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let log = lines.clone();
    let mut e = h2c(srv.url("/digest"));
    e.post(b"hello world".to_vec());
    e.credentials(Some(("user".into(), "secret".into())));
    e.http_auth(HttpAuth::DIGEST).expect("built in");
    e.header_function(move |l: &[u8]| {
        log.lock()
            .unwrap()
            .push(String::from_utf8_lossy(l).trim_end().to_owned());
        Flow::Continue
    });
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().response_code, 200);
    assert!(e.response_body() == b"hello world");
    let lines = lines.lock().unwrap();
    let sizes: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("x-body-length: "))
        .collect();
    // As over HTTP/1.1: the probe carries no body, the answer all of it.
    assert_eq!(sizes, ["0", "11"], "{lines:?}");
    assert_eq!(srv.h2_requests(), 2);
}

#[test_log::test]
fn no_expect_100_continue_over_http2() {
    let srv = H2Server::start();
    let mut e = h2c(srv.url("/inspect"));
    e.post(pattern(2 * 1024 * 1024));
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let text = String::from_utf8(app.multi.remove(id).unwrap().take_response_body()).unwrap();
    assert!(!text.contains("expect:"), "{text}");
    assert!(text.contains("body-length: 2097152"), "{text}");
}

#[test_log::test]
fn http_version_1_0_sends_an_http10_request_without_expect() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("fine"));
    let mut e = Easy::with_url(srv.url("/ten"));
    e.http_version(HttpVersion::V1_0);
    // Large enough that HTTP/1.1 would ask for 100 Continue.
    e.post(pattern(1_500_000));
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(app.multi.remove(id).unwrap().response_body() == b"fine");
    let req = srv.requests()[0].clone();
    let head = String::from_utf8_lossy(&req[..req.len() - 1_500_000]).into_owned();
    assert!(head.starts_with("POST /ten HTTP/1.0\r\n"), "{head}");
    assert!(!head.to_ascii_lowercase().contains("expect:"), "{head}");
}

#[test_log::test]
fn info_over_http2_is_as_over_http11() {
    let srv = H2Server::start();
    let mut app = App::new();
    let first = app.add(h2c(srv.url("/bytes/10")));
    app.run(Duration::from_secs(20));
    assert!(app.result(first).is_ok(), "{:?}", app.result(first));
    let mut e = h2c(srv.url("/bytes/20"));
    e.post(b"abc".to_vec());
    let second = app.add(e);
    app.run(Duration::from_secs(20));
    assert!(app.result(second).is_ok(), "{:?}", app.result(second));
    let a = app.multi.remove(first).unwrap().info().clone();
    let b = app.multi.remove(second).unwrap().info().clone();
    for (info, method, connects) in [(&a, "GET", 1), (&b, "POST", 0)] {
        assert_eq!(info.http_version, 20);
        assert_eq!(info.num_connects, connects);
        assert_eq!(info.effective_method.as_deref(), Some(method));
        assert_eq!(info.scheme, Some("HTTP"));
        assert_eq!(info.primary_port, srv.addr().port());
        assert!(info.primary_ip.is_some());
        assert!(info.local_ip.is_some());
        assert!(info.request_size > 0);
    }
    // The second stream is on the first transfer's connection.
    assert_ne!(a.local_port, 0);
    assert_eq!(a.local_port, b.local_port);
    assert_eq!(b.size_upload, 3);
    // As upstream: the head counted as `GET /path HTTP/2` and its lines.
    let head = format!(
        "GET /bytes/10 HTTP/2\r\nHost: 127.0.0.1:{}\r\naccept: */*\r\n\r\n",
        srv.addr().port()
    );
    assert_eq!(a.request_size, head.len() as u64);
    assert_eq!(srv.accepted(), 1);
}

#[test_log::test]
fn maxconnects_counts_idle_http2_connections() {
    let one = H2Server::start();
    let two = H2Server::start();
    let mut multi = Multi::new();
    multi.set_max_connects(Some(1));
    let mut app = App::with_multi(multi);
    for url in [
        one.url("/bytes/1"),
        two.url("/bytes/1"),
        one.url("/bytes/1"),
    ] {
        let id = app.add(h2c(url));
        app.run(Duration::from_secs(20));
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        app.multi.remove(id).unwrap();
    }
    // The idle connection to `one` was closed when the one to `two`
    // became idle too (MAXCONNECTS 1), so the third transfer connects
    // again; the connection to `two` is the one kept.
    assert_eq!((one.accepted(), two.accepted()), (2, 1));
    assert_eq!(app.watched(), 0);
}

/// The default (HTTP_VERSION NONE) is upstream 8.x's 2TLS: HTTP/2 over
/// TLS when the server agrees, HTTP/1.1 with a server that offers only
/// http/1.1 in ALPN, and HTTP/1.1 on cleartext.
#[test_log::test]
fn default_is_http2_over_tls_when_the_server_agrees() {
    let ca = fixtures::TestPki::shared().ca_pem().into_bytes();
    let https = |url: String| {
        let mut e = Easy::with_url(url);
        e.tls_mut().ca_blob = Some(ca.clone());
        e
    };
    let h2 = H2Server::start_tls();
    let (mut app, id) = run_one(https(h2.url_host("localhost", "/bytes/5000")));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().http_version, 20);
    assert!(e.response_body() == pattern(5000).as_slice());
    assert_eq!(h2.alpn_seen(), vec![Some(b"h2".to_vec())]);

    let h1 = fixtures::TlsServer::start(fixtures::CertKind::Good, fixtures::TlsOptions::default());
    let (mut app, id) = run_one(https(h1.url("/bytes/100")));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(app.multi.remove(id).unwrap().info().http_version, 11);
    assert_eq!(h1.alpn_seen(), vec![Some(b"http/1.1".to_vec())]);

    let clear = ScriptedServer::start(Script::new().expect_request().respond_ok("ok"));
    let (mut app, id) = run_one(Easy::with_url(clear.url("/")));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(app.multi.remove(id).unwrap().info().http_version, 11);
    assert!(clear.requests()[0].starts_with(b"GET / HTTP/1.1\r\n"));
}

/// Graceful shutdown by hyper mid-stream (GOAWAY with the highest id,
/// PING, GOAWAY with the last stream taken): the stream in flight ends
/// intact, and a transfer added afterwards goes on a new connection.
#[test_log::test]
fn graceful_goaway_mid_stream_finishes_the_open_stream() {
    let srv = H2Server::start();
    let mut app = App::new();
    let got = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let g = got.clone();
    let sink = Arc::new(Mutex::new(Vec::new()));
    let s = sink.clone();
    let mut e = h2c(srv.url("/goaway/100000"));
    e.write_function(move |d: &[u8]| {
        g.fetch_add(d.len(), std::sync::atomic::Ordering::SeqCst);
        s.lock().unwrap().extend_from_slice(d);
        Flow::Continue
    });
    let first = app.add(e);
    let end = std::time::Instant::now() + Duration::from_secs(20);
    // The GOAWAY went out as the request arrived, before any body byte.
    while got.load(std::sync::atomic::Ordering::SeqCst) < 20_000 {
        app.step(Duration::from_millis(10));
        assert!(std::time::Instant::now() < end, "no body");
    }
    let second = app.add(h2c(srv.url("/bytes/5000")));
    app.run(Duration::from_secs(20));
    assert!(app.result(first).is_ok(), "{:?}", app.result(first));
    assert!(app.result(second).is_ok(), "{:?}", app.result(second));
    assert!(*sink.lock().unwrap() == pattern(100_000));
    assert!(app.multi.remove(second).unwrap().response_body() == pattern(5000).as_slice());
    assert_eq!(
        srv.accepted(),
        2,
        "no new stream on a connection going away"
    );
    assert_eq!(app.watched(), 0);
}

/// Flow control without stalls: one of two streams on a connection is
/// paused; its stream window closes (it receives at most the 1 MiB window
/// we announce beyond what it consumed) while the other stream gets all
/// of its 4 MB; resumed, the paused one completes intact.
#[test_log::test]
fn paused_stream_window_closes_while_the_other_flows() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    const WINDOW: usize = 1024 * 1024;
    let srv = H2Server::start();
    let mut app = App::new();
    let warm = app.add(h2c(srv.url("/bytes/1")));
    app.run(Duration::from_secs(20));
    assert!(app.result(warm).is_ok());
    // Bytes that arrived on the paused stream (the debug callback sees
    // them as they come in) and bytes its write callback took.
    let arrived = Arc::new(AtomicUsize::new(0));
    let taken = Arc::new(Mutex::new(Vec::new()));
    let paused = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut e = h2c(srv.url("/bytes/4000000"));
    let a = arrived.clone();
    e.debug_function(move |kind, d| {
        if kind == fetch_core::InfoType::DataIn {
            a.fetch_add(d.len(), SeqCst);
        }
    });
    let (t, p) = (taken.clone(), paused.clone());
    e.write_function(move |d: &[u8]| {
        let mut t = t.lock().unwrap();
        if t.len() >= 100_000 && !p.swap(true, SeqCst) {
            return Flow::Pause;
        }
        t.extend_from_slice(d);
        Flow::Continue
    });
    let slow = app.add(e);
    let end = std::time::Instant::now() + Duration::from_secs(20);
    while !paused.load(SeqCst) {
        app.step(Duration::from_millis(10));
        assert!(std::time::Instant::now() < end, "never paused");
    }
    let other = app.add(h2c(srv.url("/bytes/4000000")));
    while !app.done.iter().any(|m| m.transfer == other) {
        app.step(Duration::from_millis(10));
        assert!(std::time::Instant::now() < end, "the other stream stalled");
    }
    assert!(app.result(other).is_ok(), "{:?}", app.result(other));
    assert!(app.multi.remove(other).unwrap().response_body() == pattern(4_000_000).as_slice());
    let consumed = taken.lock().unwrap().len();
    let received = arrived.load(SeqCst);
    assert!(
        received <= consumed + WINDOW + 16_384,
        "the paused stream's window stayed open: {received} arrived, {consumed} consumed"
    );
    assert!(received < 4_000_000);
    app.multi.pause(slow, Pause::CONT).unwrap();
    app.run(Duration::from_secs(30));
    assert!(app.result(slow).is_ok(), "{:?}", app.result(slow));
    assert!(*taken.lock().unwrap() == pattern(4_000_000));
    assert_eq!(srv.accepted(), 1);
}

/// Redirects across protocol versions with the default HTTP_VERSION: an
/// HTTP/1.1-only TLS server sends the transfer to an HTTP/2 one and back.
#[test_log::test]
fn redirects_between_http11_and_http2_origins() {
    let ca = fixtures::TestPki::shared().ca_pem().into_bytes();
    let h2 = H2Server::start_tls();
    let h1 = fixtures::TlsServer::start(fixtures::CertKind::Good, fixtures::TlsOptions::default());
    let to_h2 = h2.url_host("localhost", "/bytes/3000");
    let to_h1 = h1.url_host("localhost", "/bytes/2000");
    let first = h1.url_host("localhost", &format!("/goto?{to_h2}"));
    let back = h2.url_host("localhost", &format!("/goto?{to_h1}"));
    for (url, version, len) in [(first, 20, 3000), (back, 11, 2000)] {
        let mut e = Easy::with_url(url);
        e.tls_mut().ca_blob = Some(ca.clone());
        e.follow_location(true);
        let (mut app, id) = run_one(e);
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert_eq!(e.info().http_version, version);
        assert_eq!(e.info().redirect_count, 1);
        assert!(e.response_body() == pattern(len).as_slice());
    }
    assert_eq!((h2.h2_requests(), h2.h1_requests()), (2, 0));
}
