//! Plain transfers against wiremock and the fixture HTTP server: the
//! documented happy path of the socket_action loop.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, Ev, run_one};
use fetch_core::{Easy, Flow, Interest, Method};
use fixtures::HttpServer;

fn wiremock_server(body: &'static str) -> (tokio::runtime::Runtime, wiremock::MockServer) {
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, ResponseTemplate};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(async {
        let s = wiremock::MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/hello"))
            .and(header("x-test", "yes"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path("/missing"))
            .respond_with(ResponseTemplate::new(404).set_body_string("nope"))
            .mount(&s)
            .await;
        s
    });
    (rt, server)
}

/// SA-01, SA-03, IR-03: kick off with the timer, the socket is announced,
/// the transfer ends OK with the body delivered.
#[test_log::test]
fn get_against_wiremock_sa01_sa03_ir03() {
    let (_rt, server) = wiremock_server("hello, world");
    let url = format!("{}/hello", server.uri());
    let mut easy = Easy::with_url(url.clone());
    easy.header_line("X-Test: yes");
    let (mut app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let log = app.log();
    assert_eq!(log.first(), Some(&Ev::Timer(Some(Duration::ZERO))), "TF-04");
    assert!(log.iter().any(|e| matches!(
        e,
        Ev::Socket {
            interest: Interest::Out,
            ..
        }
    )));
    let easy = app.multi.remove(id).unwrap();
    assert_eq!(easy.response_body(), b"hello, world");
    let info = easy.info();
    assert_eq!(info.response_code, 200);
    assert_eq!(info.size_download, 12);
    assert_eq!(info.effective_url.as_deref(), Some(url.as_str()));
    assert_eq!(info.primary_ip, Some("127.0.0.1".parse().unwrap()));
    assert_eq!(info.primary_port, server.address().port());
    assert_eq!(info.num_connects, 1);
}

/// SA-06: an HTTP error status is still a successful transfer.
#[test_log::test]
fn http_404_is_ok_with_code() {
    let (_rt, server) = wiremock_server("x");
    let (mut app, id) = run_one(Easy::with_url(format!("{}/missing", server.uri())));
    assert!(app.result(id).is_ok());
    let easy = app.multi.remove(id).unwrap();
    assert_eq!(easy.info().response_code, 404);
    assert_eq!(easy.response_body(), b"nope");
}

/// Write and header callbacks get the body and every header line.
#[test_log::test]
fn callbacks_receive_body_and_header_lines() {
    let srv = HttpServer::start();
    let body = Arc::new(Mutex::new(Vec::new()));
    let heads = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
    let mut easy = Easy::with_url(srv.url("/chunked/5000"));
    let b = body.clone();
    easy.write_function(move |d| {
        b.lock().unwrap().extend_from_slice(d);
        Flow::Continue
    });
    let h = heads.clone();
    easy.header_function(move |l| {
        h.lock().unwrap().push(l.to_vec());
        Flow::Continue
    });
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_ok());
    assert_eq!(*body.lock().unwrap(), fixtures::pattern(5000));
    let heads = heads.lock().unwrap();
    assert!(heads.first().unwrap().starts_with(b"HTTP/1.1 200"));
    assert_eq!(heads.last().unwrap(), b"\r\n");
}

/// HEAD reads no body; POST and PUT send theirs.
#[test_log::test]
fn head_post_put() {
    let srv = HttpServer::start();
    let mut head = Easy::with_url(srv.url("/bytes/100"));
    head.method(Method::Head);
    let (mut app, id) = run_one(head);
    assert!(app.result(id).is_ok());
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().response_code, 200);
    assert!(e.response_body().is_empty());

    let mut post = Easy::with_url(srv.url("/echo"));
    post.post(b"name=value".to_vec());
    let (mut app, id) = run_one(post);
    assert!(app.result(id).is_ok());
    assert_eq!(app.multi.remove(id).unwrap().response_body(), b"name=value");

    let mut put = Easy::with_url(srv.url("/echo"));
    put.put(vec![7u8; 70_000]);
    let (mut app, id) = run_one(put);
    assert!(app.result(id).is_ok());
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.response_body(), vec![7u8; 70_000]);
    assert_eq!(e.info().size_upload, 70_000);
}

/// A body from a read callback of unknown length goes out chunked; one of
/// known length with Content-Length.
#[test_log::test]
fn read_callback_uploads() {
    let srv = HttpServer::start();
    for len in [None, Some(300_000u64)] {
        let mut left = 300_000usize;
        let mut easy = Easy::with_url(srv.url("/echo"));
        easy.body_reader(len, move |buf| {
            let n = left.min(buf.len()).min(10_000);
            buf[..n].fill(b'u');
            left -= n;
            fetch_core::ReadResult::Data(n)
        });
        let (mut app, id) = run_one(easy);
        assert!(app.result(id).is_ok(), "{len:?}: {:?}", app.result(id));
        assert_eq!(
            app.multi.remove(id).unwrap().response_body(),
            vec![b'u'; 300_000]
        );
    }
}

/// Redirects are followed up to the maximum; the final URL is effective.
#[test_log::test]
fn follows_redirects() {
    let srv = HttpServer::start();
    let mut easy = Easy::with_url(srv.url("/redirect/3"));
    easy.follow_location(true);
    let (mut app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().redirect_count, 3);
    assert_eq!(e.response_body(), b"done");
    assert_eq!(
        e.info().effective_url.as_deref(),
        Some(srv.url("/redirect/0").as_str())
    );
    assert_eq!(e.info().num_connects, 1, "keep-alive across redirects");

    let (mut app, id) = run_one(Easy::with_url(srv.url("/redirect/1")));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().response_code, 302);
    assert_eq!(
        e.info().redirect_url.as_deref(),
        Some(srv.url("/redirect/0").as_str())
    );
}

/// `localhost` resolves (to the IPv4 then IPv6 loopback).
#[test_log::test]
fn localhost_works() {
    let srv = HttpServer::start();
    let url = format!("http://localhost:{}/bytes/10", srv.addr().port());
    let (app, id) = run_one(Easy::with_url(url));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
}

/// Many transfers at once, all through one loop.
#[test_log::test]
fn hundred_concurrent() {
    let srv = HttpServer::start();
    let mut app = App::new();
    let ids: Vec<_> = (0..100)
        .map(|i| app.add(Easy::with_url(srv.url(&format!("/bytes/{}", 1000 + i)))))
        .collect();
    app.run(Duration::from_secs(30));
    for (i, id) in ids.into_iter().enumerate() {
        assert!(app.result(id).is_ok());
        assert_eq!(
            app.multi.remove(id).unwrap().response_body().len(),
            1000 + i
        );
    }
}

/// IPv6 literals connect over the IPv6 loopback.
#[test_log::test]
fn ipv6_loopback() {
    let srv = HttpServer::start_on("::1".parse().unwrap());
    let url = format!("http://[::1]:{}/bytes/64", srv.addr().port());
    let (mut app, id) = run_one(Easy::with_url(url));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.response_body().len(), 64);
    assert_eq!(e.info().primary_ip, Some("::1".parse().unwrap()));
}

/// A redirect that turns a POST into a GET changes only that run: the
/// transfer's own body is untouched, so re-adding it POSTs the body again.
#[test_log::test]
fn redirect_to_get_keeps_the_transfers_body() {
    let srv = fixtures::ScriptedServer::start_seq(vec![
        fixtures::Script::new()
            .expect_request()
            .write("HTTP/1.1 303 See Other\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n")
            .expect_request()
            .respond_ok("got")
            .expect_request()
            .respond_ok("again"),
    ]);
    let mut easy = Easy::with_url(srv.url("/form"));
    easy.post(b"a=1".to_vec()).follow_location(true);
    let (mut app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let mut easy = app.multi.remove(id).unwrap();
    assert_eq!(easy.response_body(), b"got");
    easy.follow_location(false);
    let id = app.add(easy);
    app.run(Duration::from_secs(10));
    assert!(app.result(id).is_ok());
    let reqs = srv.requests();
    assert!(
        reqs[1].starts_with(b"GET /next"),
        "303 turns the POST into a GET"
    );
    assert!(!String::from_utf8_lossy(&reqs[1]).contains("Content-Length"));
    assert!(reqs[2].starts_with(b"POST /form"));
    assert!(reqs[2].ends_with(b"a=1"), "the body is sent again");
}
