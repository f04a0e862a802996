//! Regression tests for what an adversarial server or a careless caller
//! could do: credentials following redirects to other origins, request
//! injection through the method, upload bodies longer or shorter than
//! announced, retries that lose a streamed body, conflicting request
//! framing, and durations that overflow.

mod common;

use std::io::SeekFrom;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, run_one};
use fetch_core::{Easy, ErrorCode, Method, ReadResult, SeekResult};
use fixtures::{CertKind, Script, ScriptedServer, TestPki, TlsServer};

const OK_EMPTY: &str = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

fn text(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

/// Whether the request head has a header line `name: ...`.
fn has_header(raw: &[u8], name: &str) -> bool {
    let head = text(raw);
    let head = head.split("\r\n\r\n").next().unwrap_or_default().to_owned();
    head.lines().skip(1).any(|l| {
        l.split_once(':')
            .is_some_and(|(n, _)| n.eq_ignore_ascii_case(name))
    })
}

/// A server that records one request and answers it.
fn recorder() -> ScriptedServer {
    ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY).close())
}

/// A redirect to `to`, after reading the request.
fn redirector(to: &str) -> ScriptedServer {
    ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(format!(
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n"
            ))
            .close(),
    )
}

fn with_secrets(url: String, unrestricted: bool) -> Easy {
    let mut e = Easy::with_url(url);
    e.follow_location(true)
        .unrestricted_auth(unrestricted)
        .header_line("Authorization: Bearer secret-token")
        .header_line("Cookie: session=secret")
        .header_line("X-Harmless: 1");
    e
}

/// Item 2: custom credentials do not follow a redirect to another port.
#[test_log::test]
fn credentials_dropped_on_redirect_to_another_origin() {
    let target = recorder();
    let start = redirector(&target.url("/landing"));
    let (app, id) = run_one(with_secrets(start.url("/"), false));
    assert_eq!(app.outcome(id), Ok(()));
    let first = &start.requests()[0];
    assert!(has_header(first, "authorization") && has_header(first, "cookie"));
    let second = &target.requests()[0];
    assert!(!has_header(second, "authorization"), "{}", text(second));
    assert!(!has_header(second, "cookie"), "{}", text(second));
    assert!(has_header(second, "x-harmless"));
}

/// Item 2: on the same origin they stay.
#[test_log::test]
fn credentials_kept_on_redirect_within_the_origin() {
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write("HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n")
            .expect_request()
            .write(OK_EMPTY)
            .close(),
    );
    let (app, id) = run_one(with_secrets(srv.url("/"), false));
    assert_eq!(app.outcome(id), Ok(()));
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].starts_with(b"GET /next "));
    assert!(has_header(&reqs[1], "authorization") && has_header(&reqs[1], "cookie"));
}

/// Item 2: FETCHOPT_UNRESTRICTED_AUTH lets them go to the other origin.
#[test_log::test]
fn unrestricted_auth_sends_them_on() {
    let target = recorder();
    let start = redirector(&target.url("/landing"));
    let (app, id) = run_one(with_secrets(start.url("/"), true));
    assert_eq!(app.outcome(id), Ok(()));
    let second = &target.requests()[0];
    assert!(has_header(second, "authorization") && has_header(second, "cookie"));
}

/// Item 2: user and password from the URL become Basic credentials for
/// that origin only.
#[test_log::test]
fn url_credentials_stay_with_their_origin() {
    let target = recorder();
    let start = redirector(&target.url("/landing"));
    let url = start.url("/").replace("http://", "http://us%65r:p%40ss@");
    let mut e = Easy::with_url(url);
    e.follow_location(true);
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    // base64("user:p@ss")
    assert!(text(&start.requests()[0]).contains("Authorization: Basic dXNlcjpwQHNz\r\n"));
    assert!(!has_header(&target.requests()[0], "authorization"));
}

/// Item 2: from https to http they never go, even when unrestricted.
#[test_log::test]
fn credentials_never_follow_https_to_http() {
    let target = recorder();
    let tls = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let mut e = with_secrets(
        tls.url_host("localhost", &format!("/goto?{}", target.url("/plain"))),
        true,
    );
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    let req = &target.requests()[0];
    assert!(req.starts_with(b"GET /plain "));
    assert!(!has_header(req, "authorization") && !has_header(req, "cookie"));
    assert!(has_header(req, "x-harmless"));
}

/// Item 3: a method with CR/LF (or anything that is not a token) is
/// refused before any connection is made.
#[test_log::test]
fn method_injection_is_refused() {
    for bad in [
        "GET / HTTP/1.1\r\nHost: x\r\n\r\nDELETE",
        "GET\n",
        "PO ST",
        "",
        "X\u{7f}",
        "GÉT",
    ] {
        assert_eq!(
            Method::custom(bad).unwrap_err().code(),
            ErrorCode::BadFunctionArgument
        );
        let srv = recorder();
        let mut e = Easy::with_url(srv.url("/"));
        e.method(Method::Custom(bad.to_owned()));
        let (mut app, id) = run_one(e);
        assert_eq!(
            app.outcome(id),
            Err(ErrorCode::BadFunctionArgument),
            "{bad:?}"
        );
        assert_eq!(app.multi.remove(id).unwrap().info().num_connects, 0);
    }
    assert_eq!(
        Method::custom("PROPFIND").unwrap(),
        Method::Custom("PROPFIND".into())
    );
}

/// A read callback that hands out `data` in pieces of at most `piece`.
fn reader(data: Vec<u8>, piece: usize) -> impl FnMut(&mut [u8]) -> ReadResult + Send + 'static {
    let mut pos = 0;
    move |buf: &mut [u8]| {
        let n = buf.len().min(piece).min(data.len() - pos);
        buf[..n].copy_from_slice(&data[pos..pos + n]);
        pos += n;
        ReadResult::Data(n)
    }
}

/// Item 4: a read callback cannot send more than the announced size: the
/// next request on the connection is the next transfer's, not a smuggled
/// one.
#[test_log::test]
fn upload_longer_than_announced_is_cut() {
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(OK_EMPTY)
            .expect_request()
            .write(OK_EMPTY)
            .close(),
    );
    let smuggle = b"helloGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    let mut app = App::new();
    let mut e = Easy::with_url(srv.url("/up"));
    e.body_reader(Some(5), reader(smuggle, 3));
    let a = app.add(e);
    app.run(Duration::from_secs(10));
    assert_eq!(app.outcome(a), Ok(()));
    assert_eq!(app.multi.remove(a).unwrap().info().size_upload, 5);
    let b = app.add(Easy::with_url(srv.url("/second")));
    app.run(Duration::from_secs(10));
    assert_eq!(app.outcome(b), Ok(()));
    let reqs = srv.requests();
    assert_eq!(srv.accepted(), 1, "the connection was reused");
    assert!(reqs[0].ends_with(b"\r\n\r\nhello"), "{}", text(&reqs[0]));
    assert!(reqs[1].starts_with(b"GET /second "), "{}", text(&reqs[1]));
}

/// Item 4: a body shorter than announced fails the transfer with
/// FETCHE_READ_ERROR, and its connection is not reused.
#[test_log::test]
fn upload_shorter_than_announced_fails() {
    let srv = ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY));
    let mut app = App::new();
    let mut e = Easy::with_url(srv.url("/up"));
    e.body_reader(Some(10), reader(b"hello".to_vec(), 64));
    let a = app.add(e);
    app.run(Duration::from_secs(10));
    assert_eq!(app.outcome(a), Err(ErrorCode::ReadError));
    let b = app.add(Easy::with_url(srv.url("/second")));
    app.run(Duration::from_secs(10));
    assert_eq!(app.outcome(b), Ok(()));
    assert_eq!(
        srv.accepted(),
        2,
        "the short upload's connection was closed"
    );
}

/// A server whose first connection serves one request and then dies under
/// the second (after reading it); later connections answer normally.
fn dies_on_reuse() -> ScriptedServer {
    ScriptedServer::start_seq(vec![
        Script::new()
            .expect_request()
            .write(OK_EMPTY)
            .expect_request()
            .close(),
        Script::new().expect_request().write(OK_EMPTY).close(),
    ])
}

/// Runs a warm-up GET, then an upload of "hello" (from a read callback)
/// on the reused connection that dies; returns the result and the server.
fn retried_upload(seek: Option<SeekResult>) -> (Result<(), ErrorCode>, u64, ScriptedServer) {
    let srv = dies_on_reuse();
    let mut app = App::new();
    let warm = app.add(Easy::with_url(srv.url("/warm")));
    app.run(Duration::from_secs(10));
    assert_eq!(app.outcome(warm), Ok(()));
    let data = b"hello".to_vec();
    let pos = Arc::new(Mutex::new(0usize));
    let mut e = Easy::with_url(srv.url("/up"));
    let p = pos.clone();
    e.body_reader(Some(5), move |buf: &mut [u8]| {
        let mut pos = p.lock().unwrap();
        let n = buf.len().min(data.len() - *pos);
        buf[..n].copy_from_slice(&data[*pos..*pos + n]);
        *pos += n;
        ReadResult::Data(n)
    });
    if let Some(answer) = seek {
        e.seek_function(move |to| {
            assert_eq!(to, SeekFrom::Start(0));
            if answer == SeekResult::Ok {
                *pos.lock().unwrap() = 0;
            }
            answer
        });
    }
    let id = app.add(e);
    app.run(Duration::from_secs(10));
    let code = app.outcome(id);
    let sent = app.multi.remove(id).unwrap().info().size_upload;
    (code, sent, srv)
}

/// Item 5: the retry rewinds through the seek callback and sends the same
/// body again.
#[test_log::test]
fn retry_rewinds_a_streamed_body() {
    let (code, sent, srv) = retried_upload(Some(SeekResult::Ok));
    assert_eq!(code, Ok(()));
    assert_eq!(sent, 5);
    let reqs = srv.requests();
    assert_eq!(srv.accepted(), 2);
    let last = reqs.last().unwrap();
    assert!(last.ends_with(b"\r\n\r\nhello"), "{}", text(last));
}

/// Item 5: without a way to rewind, the transfer fails with
/// FETCHE_SEND_FAIL_REWIND instead of succeeding with an empty body.
#[test_log::test]
fn retry_without_rewind_fails() {
    for seek in [None, Some(SeekResult::Fail), Some(SeekResult::CantSeek)] {
        let (code, _, srv) = retried_upload(seek);
        assert_eq!(code, Err(ErrorCode::SendFailRewind), "{seek:?}");
        assert_eq!(srv.requests().len(), 2, "nothing was sent again");
    }
}

/// Item 5: a 307 resends a streamed body after rewinding it.
#[test_log::test]
fn redirect_307_resends_a_rewound_body() {
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n",
            )
            .expect_request()
            .write(OK_EMPTY)
            .close(),
    );
    let pos = Arc::new(Mutex::new(0usize));
    let p = pos.clone();
    let mut e = Easy::with_url(srv.url("/up"));
    e.follow_location(true)
        .body_reader(Some(5), move |buf: &mut [u8]| {
            let mut pos = p.lock().unwrap();
            let data = b"hello";
            let n = buf.len().min(data.len() - *pos);
            buf[..n].copy_from_slice(&data[*pos..*pos + n]);
            *pos += n;
            ReadResult::Data(n)
        })
        .seek_function(move |_| {
            *pos.lock().unwrap() = 0;
            SeekResult::Ok
        });
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    let reqs = srv.requests();
    assert!(reqs[1].starts_with(b"POST /again "));
    assert!(reqs[1].ends_with(b"\r\n\r\nhello"), "{}", text(&reqs[1]));
}

/// Item 6: a user `Transfer-Encoding: chunked` line makes the body chunked,
/// with no Content-Length beside it.
#[test_log::test]
fn user_chunked_header_gives_one_framing() {
    let srv = recorder();
    let mut e = Easy::with_url(srv.url("/up"));
    e.post(b"hello".to_vec())
        .header_line("Transfer-Encoding: chunked");
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    let req = &srv.requests()[0];
    assert!(!has_header(req, "content-length"), "{}", text(req));
    assert_eq!(text(req).matches("Transfer-Encoding: chunked").count(), 1);
    assert!(
        req.ends_with(b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        "{}",
        text(req)
    );
}

/// Item 6: a user Content-Length never contradicts the real size.
#[test_log::test]
fn user_content_length_cannot_contradict_the_body() {
    let srv = recorder();
    let mut e = Easy::with_url(srv.url("/up"));
    e.post(b"hello".to_vec()).header_line("Content-Length: 100");
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    let req = text(&srv.requests()[0]);
    assert!(req.contains("Content-Length: 5\r\n"), "{req}");
    assert!(!req.contains("Content-Length: 100"), "{req}");
}

/// Item 7: durations at their maximum mean "no limit", never a panic.
#[test_log::test]
fn maximal_durations_saturate() {
    let srv = fixtures::HttpServer::start();
    let mut e = Easy::with_url(srv.url("/bytes/1000"));
    e.timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .expect_100_timeout(Duration::MAX)
        .low_speed(1, Duration::MAX)
        .max_recv_speed(1 << 40)
        .max_send_speed(1);
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
    // An upload of unknown size asks for 100-continue and may wait for it
    // "forever": the server sends the 100 and the body goes out.
    let mut e = Easy::with_url(srv.url("/up"));
    e.expect_100_timeout(Duration::MAX)
        .timeout(Duration::MAX)
        .body_reader(None, reader(b"abc".to_vec(), 1));
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
}

/// A header line whose name has a multi-byte character where "Expect:"
/// would end is an ordinary line (the Expect check sliced inside the
/// character and panicked).
#[test_log::test]
fn non_ascii_header_name_near_expect() {
    let srv = recorder();
    let mut e = Easy::with_url(srv.url("/up"));
    e.post(b"hello".to_vec()).header_line("Expect\u{e9}: 1");
    let (app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()));
}
