//! Behaviour that differed from upstream and that real programs rely on:
//! a redirect whose response closes the connection, the default type of a
//! POST body, URLs given without a scheme.

mod common;

use common::run_one;
use fetch_core::{Easy, ErrorCode};
use fixtures::{Script, ScriptedServer};

/// A 302 with `Connection: close`: the redirect is followed on a new
/// connection to the same address (it failed with COULDNT_CONNECT: the
/// first connection had used up the address list).
#[test_log::test]
fn redirect_after_connection_close_reconnects() {
    let srv = ScriptedServer::start_seq(vec![
        Script::new()
            .expect_request()
            .write(
                "HTTP/1.1 302 Found\r\nLocation: /next\r\nConnection: close\r\n\
                 Content-Length: 0\r\n\r\n",
            )
            .close(),
        Script::new().expect_request().respond_ok("landed").close(),
    ]);
    let mut e = Easy::with_url(srv.url("/"));
    e.follow_location(true);
    let (mut app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.response_body(), b"landed");
    assert_eq!(e.info().redirect_count, 1);
    assert_eq!(e.info().num_connects, 2);
    assert_eq!(srv.accepted(), 2);
}

/// A POST body gets upstream's default `Content-Type`; the application's
/// own replaces it.
#[test_log::test]
fn post_has_default_content_type() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("").close());
    let mut e = Easy::with_url(srv.url("/form"));
    e.post(b"a=1&b=2".to_vec());
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    let req = String::from_utf8(srv.requests()[0].clone()).unwrap();
    assert!(
        req.contains("\r\nContent-Type: application/x-www-form-urlencoded\r\n"),
        "{req}"
    );

    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("").close());
    let mut e = Easy::with_url(srv.url("/json"));
    e.post(b"{}".to_vec())
        .header_line("Content-Type: application/json");
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    let req = String::from_utf8(srv.requests()[0].clone()).unwrap();
    assert_eq!(req.matches("Content-Type").count(), 1, "{req}");
    assert!(req.contains("Content-Type: application/json\r\n"), "{req}");
}

/// `host:port/path` without a scheme is http, as upstream guesses; a
/// DEFAULT_PROTOCOL overrides the guess.
#[test_log::test]
fn url_without_scheme_is_guessed() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("ok").close());
    let bare = srv.url("/x").replacen("http://", "", 1);
    let (mut app, id) = run_one(Easy::with_url(bare.clone()));
    assert_eq!(app.outcome(id), Ok(()), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(
        e.info().effective_url.as_deref(),
        Some(srv.url("/x").as_str())
    );
    assert!(srv.requests()[0].starts_with(b"GET /x HTTP/1.1\r\n"));

    let mut e = Easy::with_url(bare);
    e.default_protocol(Some("ftp"));
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Err(ErrorCode::UnsupportedProtocol));
}

/// The trailer fields of a chunked response reach the header callback,
/// each line whole, after the body (they were dropped).
#[test_log::test]
fn chunked_trailers_reach_the_header_callback() {
    use std::sync::{Arc, Mutex};
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n\
                 5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n",
            )
            .close(),
    );
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l = lines.clone();
    let mut e = Easy::with_url(srv.url("/"));
    e.header_function(move |line| {
        l.lock()
            .unwrap()
            .push(String::from_utf8_lossy(line).into_owned());
        fetch_core::Flow::Continue
    });
    let (mut app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    assert_eq!(app.multi.remove(id).unwrap().response_body(), b"hello");
    let lines = lines.lock().unwrap();
    let tail: Vec<&str> = lines
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(tail, ["\r\n", "X-Checksum: abc\r\n", "X-Other: 1\r\n"]);
}

/// USERPWD-style credentials go out as Basic (winning over the URL's), and
/// stay with the first URL's origin.
#[test_log::test]
fn basic_auth_credentials() {
    let target = ScriptedServer::start(Script::new().expect_request().respond_ok("").close());
    let start = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(format!(
                "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\n\r\n",
                target.url("/")
            ))
            .close(),
    );
    let url = start.url("/").replace("http://", "http://urluser:urlpw@");
    let mut e = Easy::with_url(url);
    e.follow_location(true)
        .basic_auth(Some(("user".into(), "pw".into())));
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    let first = String::from_utf8(start.requests()[0].clone()).unwrap();
    // base64("user:pw")
    assert!(
        first.contains("\r\nAuthorization: Basic dXNlcjpwdw==\r\n"),
        "{first}"
    );
    let second = String::from_utf8(target.requests()[0].clone()).unwrap();
    assert!(
        !second.to_ascii_lowercase().contains("authorization"),
        "{second}"
    );
}

/// ACCEPT_ENCODING "" asks for every coding libfetch decodes; with it
/// set, a body that does not decode fails with BAD_CONTENT_ENCODING
/// instead of arriving encoded.
#[test_log::test]
fn accept_encoding_all_supported() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("plain").close());
    let mut e = Easy::with_url(srv.url("/"));
    e.accept_encoding(Some(String::new()));
    let (mut app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    assert_eq!(app.multi.remove(id).unwrap().response_body(), b"plain");
    let req = String::from_utf8(srv.requests()[0].clone()).unwrap();
    assert!(
        req.contains("\r\nAccept-Encoding: deflate, gzip, br, zstd\r\n"),
        "{req}"
    );

    let gz = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nxyz";
    let srv = ScriptedServer::start(Script::new().expect_request().write(gz).close());
    let mut e = Easy::with_url(srv.url("/"));
    e.accept_encoding(Some("gzip".into()));
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Err(ErrorCode::BadContentEncoding));
    // Without ACCEPT_ENCODING the body is passed on as it came (upstream).
    let srv = ScriptedServer::start(Script::new().expect_request().write(gz).close());
    let (mut app, id) = run_one(Easy::with_url(srv.url("/")));
    assert_eq!(app.outcome(id), Ok(()));
    assert_eq!(app.multi.remove(id).unwrap().response_body(), b"xyz");
}
