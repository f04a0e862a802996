//! The Rust API of FETCHOPT_DISALLOW_USERNAME_IN_URL, FETCHOPT_REQUEST_TARGET
//! and FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS (the C tests in fetch-capi compare
//! the HTTP/1.1 behaviour with upstream libcurl; these add HTTP/2 and the
//! engine's own view).
mod common;

use common::run_one;
use fetch_core::{Easy, ErrorCode, HttpVersion};
use fixtures::{H2Server, Script, ScriptedServer, pattern};

fn h2c(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.http_version(HttpVersion::V2PriorKnowledge);
    e
}

/// Over HTTP/2 the target is the `:path`: the server answers the path it
/// names, not the URL's.
#[test_log::test]
fn request_target_is_the_h2_path() {
    let srv = H2Server::start();
    let mut e = h2c(srv.url("/status/404"));
    e.request_target(Some("/bytes/7".to_owned()));
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().response_code, 200);
    assert!(e.response_body() == pattern(7).as_slice());
    assert_eq!(e.info().http_version, 20);
    // Unset: the URL's path again.
    let mut e = h2c(srv.url("/status/404"));
    e.request_target(Some("/bytes/7".to_owned()))
        .request_target(None);
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(app.multi.remove(id).unwrap().info().response_code, 404);
}

/// LoginDenied before any connection; nothing refused when off.
#[test_log::test]
fn disallow_username_fails_with_login_denied() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("ok"));
    let url = srv.url("/a").replace("http://", "http://me@");
    let mut e = Easy::with_url(url.clone());
    e.disallow_username_in_url(true);
    let (mut app, id) = run_one(e);
    assert_eq!(
        app.result(id).as_ref().map_err(|e| e.code()),
        Err(ErrorCode::LoginDenied)
    );
    drop(app.multi.remove(id));
    assert_eq!(srv.accepted(), 0, "no connection is made");
    let mut e = Easy::with_url(url);
    e.disallow_username_in_url(false);
    let (app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(srv.requests().len(), 1);
}
