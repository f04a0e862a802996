//! FETCH_HTTP_VERSION_2_0 on http:// (issue 15 item 1): every HTTP/1.1
//! request offers `Upgrade: h2c`; a 101 turns the connection into a shared
//! HTTP/2 one (the response on stream 1, later transfers on more streams),
//! a server that ignores the offer keeps HTTP/1.1, and a 101 followed by
//! garbage or a close fails cleanly. The upgrading server is the python3-h2
//! script (fixtures::H2cUpgradeServer); the broken ones are scripted.
mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, Ev, run_one};
use fetch_core::{Easy, ErrorCode, Flow, HttpVersion, Method};
use fixtures::{H2cMode, H2cUpgradeServer, Script, ScriptedServer, pattern};

fn v2(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.http_version(HttpVersion::V2);
    e
}

/// An easy handle whose header lines are collected.
fn v2_with_lines(url: String) -> (Easy, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let mut e = v2(url);
    let sink = lines.clone();
    e.header_function(move |l| {
        sink.lock()
            .unwrap()
            .push(String::from_utf8_lossy(l).trim_end().to_owned());
        Flow::Continue
    });
    (e, lines)
}

/// The value of field `name` in the last head of `lines`.
fn field(lines: &[String], name: &str) -> Option<String> {
    let prefix = format!("{name}: ");
    lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
}

/// Every fd the socket callback was told about.
fn fds(app: &App) -> HashSet<i32> {
    app.log()
        .iter()
        .filter_map(|e| match e {
            Ev::Socket { fd, .. } => Some(*fd),
            Ev::Timer(_) => None,
        })
        .collect()
}

#[test_log::test]
fn upgrade_accepted_gives_http2_and_the_body_byte_exact() {
    let srv = H2cUpgradeServer::start(H2cMode::Upgrade);
    let (e, lines) = v2_with_lines(srv.url("/bytes/300000"));
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == pattern(300_000).as_slice());
    assert_eq!(e.info().http_version, 20);
    assert_eq!(e.info().response_code, 200);
    let lines = lines.lock().unwrap().clone();
    // The 101 head reaches the header callback first, as upstream's does.
    assert_eq!(lines[0], "HTTP/1.1 101 Switching Protocols");
    assert!(lines.iter().any(|l| l == "HTTP/2 200"), "{lines:?}");
    // The server answered the upgraded request on stream 1 in HTTP/2.
    assert_eq!(field(&lines, "x-proto").as_deref(), Some("h2"));
    assert_eq!(field(&lines, "x-stream").as_deref(), Some("1"));
    // socket_action: one socket for the whole exchange, REMOVEd at the end
    // (SF-03).
    assert_eq!(fds(&app).len(), 1);
    assert_eq!(app.watched(), 0);
}

#[test_log::test]
fn upgraded_connection_carries_later_transfers_as_streams() {
    let srv = H2cUpgradeServer::start(H2cMode::Upgrade);
    let mut app = App::new();
    let first = app.add(v2(srv.url("/bytes/10")));
    app.run(Duration::from_secs(20));
    assert!(app.result(first).is_ok(), "{:?}", app.result(first));
    let mut handles = Vec::new();
    for i in 0..6 {
        let (e, lines) = v2_with_lines(srv.url(&format!("/bytes/{}", 20_000 * i + 1)));
        handles.push((app.add(e), lines));
    }
    app.run(Duration::from_secs(20));
    let mut streams = HashSet::new();
    for (i, (id, lines)) in handles.into_iter().enumerate() {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert!(e.response_body() == pattern(20_000 * i + 1).as_slice());
        assert_eq!(e.info().http_version, 20);
        assert_eq!(e.info().num_connects, 0, "transfer {i} reused");
        let lines = lines.lock().unwrap().clone();
        // No second upgrade: straight HTTP/2 on the first connection.
        assert_eq!(lines[0], "HTTP/2 200");
        assert_eq!(field(&lines, "x-conn").as_deref(), Some("1"));
        streams.insert(field(&lines, "x-stream").unwrap());
    }
    // OPT-08: the default PIPELINING multiplexes on the upgraded connection.
    assert_eq!(streams.len(), 6);
    assert!(!streams.contains("1"));
    assert_eq!(fds(&app).len(), 1);
}

#[test_log::test]
fn pipewait_transfers_wait_for_the_upgrade_and_share_it() {
    let srv = H2cUpgradeServer::start(H2cMode::Upgrade);
    let mut app = App::new();
    let mut handles = Vec::new();
    for _ in 0..4 {
        let (mut e, lines) = v2_with_lines(srv.url("/bytes/5000"));
        e.pipewait(true);
        handles.push((app.add(e), lines));
    }
    app.run(Duration::from_secs(20));
    for (id, lines) in handles {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert!(e.response_body() == pattern(5000).as_slice());
        assert_eq!(e.info().http_version, 20);
        let lines = lines.lock().unwrap().clone();
        assert_eq!(field(&lines, "x-conn").as_deref(), Some("1"));
    }
    assert_eq!(fds(&app).len(), 1);
}

#[test_log::test]
fn post_and_head_upgrade_too() {
    let srv = H2cUpgradeServer::start(H2cMode::Upgrade);
    let (mut e, lines) = v2_with_lines(srv.url("/post"));
    e.post(b"hello".to_vec());
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.response_body(), b"hello /post");
    assert_eq!(e.info().http_version, 20);
    assert_eq!(
        field(&lines.lock().unwrap(), "x-stream").as_deref(),
        Some("1")
    );

    let (mut e, lines) = v2_with_lines(srv.url("/bytes/100"));
    e.method(Method::Head);
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.response_body(), b"");
    assert_eq!(e.info().http_version, 20);
    assert_eq!(
        field(&lines.lock().unwrap(), "x-proto").as_deref(),
        Some("h2")
    );
}

#[test_log::test]
fn server_that_ignores_the_offer_keeps_http11() {
    let srv = H2cUpgradeServer::start(H2cMode::Ignore);
    let mut app = App::new();
    for round in 0..2 {
        let (e, lines) = v2_with_lines(srv.url("/bytes/70000"));
        let id = app.add(e);
        app.run(Duration::from_secs(20));
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert!(e.response_body() == pattern(70_000).as_slice());
        assert_eq!(e.info().http_version, 11);
        let lines = lines.lock().unwrap().clone();
        assert_eq!(lines[0], "HTTP/1.1 200 OK");
        assert_eq!(field(&lines, "x-proto").as_deref(), Some("h1"));
        // The HTTP/1.1 connection is reused like any other.
        assert_eq!(
            field(&lines, "x-conn").as_deref(),
            Some("1"),
            "round {round}"
        );
    }
}

/// The request heads `srv` read, as text.
fn heads(srv: &ScriptedServer) -> Vec<String> {
    srv.requests()
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect()
}

#[test_log::test]
fn every_http11_request_carries_the_offer_only_with_version_2() {
    let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let script = Script::new()
        .expect_request()
        .write_str(ok)
        .expect_request()
        .write_str(ok);
    let srv = ScriptedServer::start(script.clone());
    let mut app = App::new();
    for _ in 0..2 {
        let id = app.add(v2(srv.url("/x")));
        app.run(Duration::from_secs(20));
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    }
    let seen = heads(&srv);
    assert_eq!(seen.len(), 2);
    for head in &seen {
        // Upstream's lines, after Accept (checked against libcurl 7.88).
        let offer = "Accept: */*\r\nConnection: Upgrade, HTTP2-Settings\r\n\
                     Upgrade: h2c\r\nHTTP2-Settings: ";
        assert!(head.contains(offer), "{head}");
    }
    // The other versions make no offer on http://.
    for version in [
        HttpVersion::None,
        HttpVersion::V1_0,
        HttpVersion::V1_1,
        HttpVersion::V2Tls,
    ] {
        let srv = ScriptedServer::start(script.clone());
        let mut e = Easy::with_url(srv.url("/x"));
        e.http_version(version);
        let (app, id) = run_one(e);
        assert!(app.result(id).is_ok(), "{version:?}: {:?}", app.result(id));
        let head = heads(&srv).remove(0);
        assert!(!head.contains("Upgrade"), "{version:?}: {head}");
        assert!(!head.contains("HTTP2-Settings"), "{version:?}: {head}");
    }
}

const SWITCHING: &str =
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";

#[test_log::test]
fn switching_then_garbage_is_an_http2_error_and_closes() {
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write_str(SWITCHING)
            .write_str("this is not an HTTP/2 frame at all\r\n")
            .stall(),
    );
    let (app, id) = run_one(v2(srv.url("/x")));
    assert_eq!(app.outcome(id), Err(ErrorCode::Http2));
    assert_eq!(app.watched(), 0);
    // Our end closed the socket (no fd left open).
    assert!(fixtures::wait_until(Duration::from_secs(5), || srv
        .closed_by_peer()
        == 1));
}

#[test_log::test]
fn switching_then_close_fails_without_hanging() {
    let srv = ScriptedServer::start(Script::new().expect_request().write_str(SWITCHING).close());
    let (app, id) = run_one(v2(srv.url("/x")));
    assert_eq!(app.outcome(id), Err(ErrorCode::Http2));
    assert_eq!(app.watched(), 0);
    assert!(fixtures::wait_until(Duration::from_secs(5), || srv
        .open_connections()
        == 0));
}

#[test_log::test]
fn https_alpn_per_http_version_as_upstream() {
    // Over TLS every version but 1.x offers h2 in ALPN (NONE is 2TLS, as
    // upstream 8.x's default); 1.0 and 1.1 offer http/1.1 only (hyper
    // answers an HTTP/1.0 request line in HTTP/1.0).
    let srv = fixtures::H2Server::start_tls();
    let cases = [
        (HttpVersion::None, 20),
        (HttpVersion::V1_0, 10),
        (HttpVersion::V1_1, 11),
        (HttpVersion::V2, 20),
        (HttpVersion::V2Tls, 20),
        (HttpVersion::V2PriorKnowledge, 20),
    ];
    for (version, expected) in cases {
        let mut e = Easy::with_url(srv.url_host("localhost", "/bytes/10"));
        e.tls_mut().ca_blob = Some(fixtures::TestPki::shared().ca_pem().into_bytes());
        e.http_version(version);
        let (mut app, id) = run_one(e);
        assert!(app.result(id).is_ok(), "{version:?}: {:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert_eq!(e.info().http_version, expected, "{version:?}");
    }
    let h2 = Some(b"h2".to_vec());
    let h1 = Some(b"http/1.1".to_vec());
    assert_eq!(
        srv.alpn_seen(),
        vec![h2.clone(), h1.clone(), h1, h2.clone(), h2.clone(), h2]
    );
}

#[test_log::test]
fn pipewait_transfers_go_http11_when_the_offer_is_ignored() {
    // The waiters are released by the HTTP/1.1 answer and find
    // connections of their own (none hangs).
    let srv = H2cUpgradeServer::start(H2cMode::Ignore);
    let mut app = App::new();
    let ids: Vec<_> = (0..3)
        .map(|_| {
            let mut e = v2(srv.url("/bytes/5000"));
            e.pipewait(true);
            app.add(e)
        })
        .collect();
    app.run(Duration::from_secs(20));
    for id in ids {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert!(e.response_body() == pattern(5000).as_slice());
        assert_eq!(e.info().http_version, 11);
    }
    assert_eq!(app.watched(), 0);
}

#[test_log::test]
fn a_post_after_the_upgrade_goes_as_a_stream_with_its_body() {
    let srv = H2cUpgradeServer::start(H2cMode::Upgrade);
    let mut app = App::new();
    let first = app.add(v2(srv.url("/first")));
    app.run(Duration::from_secs(20));
    assert!(app.result(first).is_ok(), "{:?}", app.result(first));
    let (mut e, lines) = v2_with_lines(srv.url("/bytes/200000"));
    e.post(vec![b'x'; 100_000]);
    let id = app.add(e);
    app.run(Duration::from_secs(20));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == pattern(200_000).as_slice());
    assert_eq!(e.info().http_version, 20);
    assert_eq!(e.info().size_upload, 100_000);
    let lines = lines.lock().unwrap().clone();
    assert_eq!(field(&lines, "x-conn").as_deref(), Some("1"));
    assert_eq!(field(&lines, "x-stream").as_deref(), Some("3"));
}

#[test_log::test]
fn none_and_2tls_join_the_upgraded_connection_but_1x_do_not() {
    // Upstream 7.88 (measured): a wanted version below 2 skips HTTP/2
    // connections; NONE (its 2TLS) and 2TLS take a stream on one.
    let srv = H2cUpgradeServer::start(H2cMode::Upgrade);
    let mut app = App::new();
    let first = app.add(v2(srv.url("/first")));
    app.run(Duration::from_secs(20));
    assert!(app.result(first).is_ok(), "{:?}", app.result(first));
    let cases = [
        (HttpVersion::None, "h2", 20),
        (HttpVersion::V2Tls, "h2", 20),
        (HttpVersion::V2PriorKnowledge, "h2", 20),
        (HttpVersion::V1_1, "h1", 11),
        // (The fixture answers an HTTP/1.0 request in HTTP/1.1.)
        (HttpVersion::V1_0, "h1", 11),
    ];
    for (version, proto, expected) in cases {
        let (mut e, lines) = v2_with_lines(srv.url("/bytes/1000"));
        e.http_version(version);
        let id = app.add(e);
        app.run(Duration::from_secs(20));
        assert!(app.result(id).is_ok(), "{version:?}: {:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert!(e.response_body() == pattern(1000).as_slice());
        assert_eq!(e.info().http_version, expected, "{version:?}");
        let lines = lines.lock().unwrap().clone();
        assert_eq!(
            field(&lines, "x-proto").as_deref(),
            Some(proto),
            "{version:?}"
        );
        if proto == "h2" {
            assert_eq!(field(&lines, "x-conn").as_deref(), Some("1"), "{version:?}");
        }
    }
}
