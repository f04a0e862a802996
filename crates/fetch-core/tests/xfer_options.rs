//! The transfer options through the Rust API (`Easy::fail_on_error`,
//! `range`, `resume_from`, `time_condition`, `allowed_protocols`,
//! `redirect_protocols`, `post_redirect`, `referer`, `auto_referer`,
//! `path_as_is`, `record_filetime`) and the info they fill in. The C ABI's tests
//! (crates/fetch-capi/tests/xfer_options.rs) compare the same behaviour
//! with upstream.

mod common;

use common::run_one;
use fetch_core::{Easy, ErrorCode, PostRedirect, Protocols, TimeCondition, TransferInfo};
use fixtures::{Script, ScriptedServer};

/// Serves `responses` in turn on one keep-alive connection.
fn serve(responses: &[&str]) -> ScriptedServer {
    let mut s = Script::new();
    for r in responses {
        s = s.expect_request().write(r.as_bytes());
    }
    ScriptedServer::start(s)
}

/// Runs `e`; the result code, the body, the info and the requests' heads.
fn run(
    srv: &ScriptedServer,
    e: Easy,
) -> (Result<(), ErrorCode>, Vec<u8>, TransferInfo, Vec<String>) {
    let (mut app, id) = run_one(e);
    let code = app.outcome(id);
    let e = app.multi.remove(id).unwrap();
    let heads = srv
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    (code, e.response_body().to_vec(), e.info().clone(), heads)
}

const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

#[test]
fn fail_on_error_drops_the_body() {
    let srv = serve(&["HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone"]);
    let mut e = Easy::with_url(srv.url("/x"));
    e.fail_on_error(true);
    let (code, body, info, _) = run(&srv, e);
    assert_eq!(code, Err(ErrorCode::HttpReturnedError));
    assert!(body.is_empty());
    assert_eq!(info.response_code, 404);
}

#[test]
fn range_and_resume() {
    let srv = serve(&[
        "HTTP/1.1 206 Partial\r\nContent-Range: bytes 2-3/4\r\nContent-Length: 2\r\n\r\nab",
    ]);
    let mut e = Easy::with_url(srv.url("/x"));
    e.range(Some("2-3".into()));
    let (code, body, _, heads) = run(&srv, e);
    assert_eq!((code, body.as_slice()), (Ok(()), &b"ab"[..]));
    assert!(heads[0].contains("\r\nRange: bytes=2-3\r\n"));
    // The server ignores a resume: RANGE_ERROR.
    let srv = serve(&[OK]);
    let mut e = Easy::with_url(srv.url("/x"));
    e.resume_from(1);
    let (code, body, _, heads) = run(&srv, e);
    assert_eq!(code, Err(ErrorCode::RangeError));
    assert!(body.is_empty());
    assert!(heads[0].contains("\r\nRange: bytes=1-\r\n"));
}

#[test]
fn time_condition_and_filetime() {
    let srv = serve(&[
        "HTTP/1.1 200 OK\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
         Content-Length: 2\r\n\r\nok",
    ]);
    let mut e = Easy::with_url(srv.url("/x"));
    e.time_condition(TimeCondition::IfModifiedSince, 784_111_777)
        .record_filetime(true);
    let (code, body, info, heads) = run(&srv, e);
    assert_eq!(code, Ok(()));
    assert!(body.is_empty(), "not modified since: no body");
    assert!((info.condition_unmet, info.response_code) == (true, 304));
    assert_eq!(info.filetime, Some(784_111_777));
    assert!(heads[0].contains("\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
}

#[test]
fn protocols_and_redirects() {
    let srv = serve(&[OK]);
    let mut e = Easy::with_url(srv.url("/x"));
    e.allowed_protocols(Protocols::parse("https").unwrap());
    let (code, _, _, heads) = run(&srv, e);
    assert_eq!(code, Err(ErrorCode::UnsupportedProtocol));
    assert!(heads.is_empty());

    let srv = serve(&[
        "HTTP/1.1 302 Found\r\nLocation: /next#f\r\nContent-Length: 0\r\n\r\n",
        OK,
    ]);
    let mut e = Easy::with_url(srv.url("/x#frag"));
    e.post(b"a=1".to_vec())
        .follow_location(true)
        .post_redirect(PostRedirect(2))
        .referer(Some("http://from.example/".into()))
        .auto_referer(true);
    let (code, _, info, heads) = run(&srv, e);
    assert_eq!(code, Ok(()));
    assert!(heads[1].starts_with("POST /next HTTP/1.1\r\n"), "{heads:?}");
    assert!(heads[0].contains("\r\nReferer: http://from.example/\r\n"));
    let from = srv.url("/x");
    assert!(heads[1].contains(&format!("\r\nReferer: {from}\r\n")));
    assert_eq!(info.referer.as_deref(), Some(from.as_str()));
    assert_eq!(info.effective_method.as_deref(), Some("POST"));

    let srv = serve(&["HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n"]);
    let mut e = Easy::with_url(srv.url("/x"));
    e.follow_location(true)
        .redirect_protocols(Protocols::parse("https").unwrap());
    let (code, _, info, _) = run(&srv, e);
    assert_eq!(code, Err(ErrorCode::UnsupportedProtocol));
    assert_eq!(info.redirect_count, 1);
}

#[test]
fn path_as_is_and_head_info() {
    let srv = serve(&[
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nRetry-After: 3\r\n\
         Content-Length: 2\r\n\r\nok",
    ]);
    let mut e = Easy::with_url(srv.url("/a/../b"));
    e.path_as_is(true);
    let (code, _, info, heads) = run(&srv, e);
    assert_eq!(code, Ok(()));
    assert!(heads[0].starts_with("GET /a/../b HTTP/1.1\r\n"));
    assert_eq!(info.content_type.as_deref(), Some("text/plain"));
    assert_eq!((info.retry_after, info.http_version), (3, 10));
    assert_eq!(info.scheme, Some("HTTP"));
    assert_eq!(info.request_size, heads[0].len() as u64);
}
