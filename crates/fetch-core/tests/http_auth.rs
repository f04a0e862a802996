//! HTTP authentication (issue 16 item 2) against a fixture server that
//! checks what it gets: Basic up front, Digest (MD5, SHA-256, -sess,
//! userhash, stale nonces) after a 401, FETCHAUTH_ANY picking Digest,
//! ANYSAFE refusing a Basic-only server, Bearer, a POST body sent again
//! after the 401, and credentials kept from other origins on redirect.
//! SPEC-RULES.md has no rule for authentication; the flows follow
//! upstream's documentation and the installed libcurl (docs/decisions.md).

mod common;

use std::sync::{Arc, Mutex};

use common::{App, run_one};
use fetch_core::{Easy, ErrorCode, HttpAuth, ReadResult, SeekResult};
use fixtures::{AuthConfig, AuthScheme, AuthServer, Script, ScriptedServer};

fn digest(algorithm: &'static str) -> AuthScheme {
    AuthScheme::Digest {
        algorithm,
        qop: true,
        userhash: false,
    }
}

fn server(offer: Vec<AuthScheme>) -> AuthServer {
    AuthServer::start(AuthConfig {
        offer,
        ..AuthConfig::default()
    })
}

fn easy(url: String, methods: HttpAuth) -> Easy {
    let mut e = Easy::with_url(url);
    e.credentials(Some(("user".into(), "secret".into())));
    e.http_auth(methods).expect("built in");
    e
}

/// Runs `e`; returns the result code, the response status and body, and
/// the methods offered.
fn run(e: Easy) -> (Result<(), ErrorCode>, u16, Vec<u8>, u32) {
    let (mut app, id) = run_one(e);
    let code = app.outcome(id);
    let mut e = app.multi.remove(id).unwrap();
    let info = e.info().clone();
    (
        code,
        info.response_code,
        e.take_response_body(),
        info.httpauth_avail,
    )
}

#[test_log::test]
fn basic_alone_goes_up_front() {
    let srv = server(vec![AuthScheme::Basic]);
    let (code, status, body, _) = run(easy(srv.url("/b"), HttpAuth::BASIC));
    assert_eq!((code, status, body.as_slice()), (Ok(()), 200, &b"ok"[..]));
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].authorization.as_deref(),
        Some("Basic dXNlcjpzZWNyZXQ=")
    );
}

#[test_log::test]
fn wrong_basic_password_delivers_the_401() {
    let srv = server(vec![AuthScheme::Basic]);
    let mut e = easy(srv.url("/b"), HttpAuth::BASIC);
    e.credentials(Some(("user".into(), "wrong".into())));
    let (code, status, body, avail) = run(e);
    // As upstream: no loop, the 401 and its body are the answer.
    assert_eq!(
        (code, status, body.as_slice()),
        (Ok(()), 401, &b"denied"[..])
    );
    assert_eq!(avail, HttpAuth::BASIC.bits());
    assert_eq!(srv.requests().len(), 1);
}

/// Digest alone: the first request goes without credentials (there is no
/// nonce yet), the second answers the challenge.
fn digest_round_trip(algorithm: &'static str, userhash: bool) {
    let srv = server(vec![AuthScheme::Digest {
        algorithm,
        qop: true,
        userhash,
    }]);
    let (code, status, _, avail) = run(easy(srv.url("/d/x?q=1"), HttpAuth::DIGEST));
    assert_eq!((code, status), (Ok(()), 200), "{algorithm}");
    assert_eq!(avail, HttpAuth::DIGEST.bits());
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[0].authorization.is_none());
    let auth = reqs[1].authorization.as_deref().unwrap();
    assert!(auth.starts_with("Digest username="), "{auth}");
    assert!(auth.contains("nc=00000001, qop=auth"), "{auth}");
    assert!(auth.contains(&format!("algorithm={algorithm}")), "{auth}");
    assert!(reqs[1].accepted);
}

#[test_log::test]
fn digest_md5_with_qop_auth() {
    digest_round_trip("MD5", false);
}

#[test_log::test]
fn digest_sha256_with_qop_auth() {
    digest_round_trip("SHA-256", false);
}

#[test_log::test]
fn digest_sess_variants_and_userhash() {
    digest_round_trip("MD5-sess", false);
    digest_round_trip("SHA-256-sess", true);
    digest_round_trip("SHA-512-256", false);
}

#[test_log::test]
fn digest_without_qop_is_rfc2069() {
    let srv = server(vec![AuthScheme::Digest {
        algorithm: "MD5",
        qop: false,
        userhash: false,
    }]);
    let (code, status, _, _) = run(easy(srv.url("/legacy"), HttpAuth::DIGEST));
    assert_eq!((code, status), (Ok(()), 200));
    let auth = srv.requests()[1].authorization.clone().unwrap();
    assert!(!auth.contains("qop") && !auth.contains("cnonce"), "{auth}");
}

#[test_log::test]
fn stale_nonce_is_answered_once_more() {
    let srv = AuthServer::start(AuthConfig {
        offer: vec![digest("MD5")],
        stale_once: true,
        ..AuthConfig::default()
    });
    let (code, status, _, _) = run(easy(srv.url("/s"), HttpAuth::DIGEST));
    assert_eq!((code, status), (Ok(()), 200));
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs[1]
            .authorization
            .as_ref()
            .unwrap()
            .contains("nonce=\"nonce-1\"")
    );
    let last = reqs[2].authorization.as_ref().unwrap();
    assert!(
        last.contains("nonce=\"nonce-2\"") && last.contains("nc=00000001"),
        "{last}"
    );
}

#[test_log::test]
fn wrong_digest_password_ends_with_the_second_401() {
    let srv = server(vec![digest("SHA-256")]);
    let mut e = easy(srv.url("/d"), HttpAuth::DIGEST);
    e.credentials(Some(("user".into(), "wrong".into())));
    let (code, status, body, _) = run(e);
    assert_eq!(
        (code, status, body.as_slice()),
        (Ok(()), 401, &b"denied"[..])
    );
    assert_eq!(srv.requests().len(), 2);
}

#[test_log::test]
fn any_sends_nothing_first_then_picks_digest_over_basic() {
    let srv = server(vec![AuthScheme::Basic, digest("MD5")]);
    let (code, status, _, avail) = run(easy(srv.url("/any"), HttpAuth::ANY));
    assert_eq!((code, status), (Ok(()), 200));
    assert_eq!(avail, (HttpAuth::BASIC | HttpAuth::DIGEST).bits());
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[0].authorization.is_none());
    assert!(
        reqs[1]
            .authorization
            .as_ref()
            .unwrap()
            .starts_with("Digest ")
    );
}

#[test_log::test]
fn any_uses_basic_when_that_is_all_offered() {
    let srv = server(vec![AuthScheme::Basic]);
    let (code, status, _, _) = run(easy(srv.url("/any"), HttpAuth::ANY));
    assert_eq!((code, status), (Ok(()), 200));
    let reqs = srv.requests();
    assert!(reqs[0].authorization.is_none());
    assert!(
        reqs[1]
            .authorization
            .as_ref()
            .unwrap()
            .starts_with("Basic ")
    );
}

#[test_log::test]
fn anysafe_refuses_a_basic_only_server() {
    let srv = server(vec![AuthScheme::Basic]);
    let (code, status, body, avail) = run(easy(srv.url("/safe"), HttpAuth::ANYSAFE));
    // Upstream: no method left to try, the 401 is delivered with CURLE_OK.
    assert_eq!(
        (code, status, body.as_slice()),
        (Ok(()), 401, &b"denied"[..])
    );
    assert_eq!(avail, HttpAuth::BASIC.bits());
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].authorization.is_none());
}

#[test_log::test]
fn bearer_token_goes_up_front() {
    let srv = server(vec![AuthScheme::Bearer]);
    let mut e = Easy::with_url(srv.url("/api"));
    e.http_auth(HttpAuth::BEARER).unwrap();
    e.bearer_token(Some("tok3n".into()));
    let (code, status, _, _) = run(e);
    assert_eq!((code, status), (Ok(()), 200));
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].authorization.as_deref(), Some("Bearer tok3n"));
}

#[test_log::test]
fn bearer_is_not_sent_without_the_bearer_bit() {
    let srv = server(vec![AuthScheme::Bearer]);
    let mut e = Easy::with_url(srv.url("/api"));
    e.bearer_token(Some("tok3n".into()));
    let (_, status, _, _) = run(e);
    assert_eq!(status, 401);
    assert!(srv.requests()[0].authorization.is_none());
}

#[test_log::test]
fn post_with_digest_probes_then_sends_the_body() {
    let srv = server(vec![digest("MD5")]);
    let mut e = easy(srv.url("/post"), HttpAuth::DIGEST);
    e.post(b"hello world".to_vec());
    let (code, status, body, _) = run(e);
    assert_eq!(
        (code, status, body.as_slice()),
        (Ok(()), 200, &b"hello world"[..])
    );
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    // As upstream with Digest alone: a Content-Length: 0 probe first.
    assert_eq!(reqs[0].content_length.as_deref(), Some("0"));
    assert!(reqs[0].body.is_empty());
    assert_eq!(reqs[1].body, b"hello world");
}

#[test_log::test]
fn streamed_post_with_any_is_rewound_and_sent_again() {
    let srv = server(vec![digest("SHA-256")]);
    let mut e = easy(srv.url("/up"), HttpAuth::ANY);
    let data = b"streamed body".to_vec();
    let pos = Arc::new(Mutex::new(0usize));
    let seeks = Arc::new(Mutex::new(0usize));
    let p = pos.clone();
    e.post(Vec::new());
    e.body_reader(Some(data.len() as u64), move |buf: &mut [u8]| {
        let mut pos = p.lock().unwrap();
        let n = buf.len().min(data.len() - *pos);
        buf[..n].copy_from_slice(&data[*pos..*pos + n]);
        *pos += n;
        ReadResult::Data(n)
    });
    let s = seeks.clone();
    e.seek_function(move |_| {
        *s.lock().unwrap() += 1;
        *pos.lock().unwrap() = 0;
        SeekResult::Ok
    });
    let (code, status, body, _) = run(e);
    assert_eq!(
        (code, status, body.as_slice()),
        (Ok(()), 200, &b"streamed body"[..])
    );
    let reqs = srv.requests();
    // ANY sends the whole body first, as upstream; the resend rewinds it.
    assert_eq!(reqs[0].body, b"streamed body");
    assert_eq!(reqs[1].body, b"streamed body");
    assert_eq!(*seeks.lock().unwrap(), 1);
}

#[test_log::test]
fn credentials_stay_at_the_first_origin_on_redirect() {
    let target = server(vec![AuthScheme::Basic]);
    let start = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(format!(
                "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\n\r\n",
                target.url("/elsewhere")
            ))
            .close(),
    );
    let mut e = easy(start.url("/"), HttpAuth::BASIC);
    e.follow_location(true);
    let (code, status, _, _) = run(e);
    assert_eq!((code, status), (Ok(()), 401));
    let first = String::from_utf8_lossy(&start.requests()[0]).into_owned();
    assert!(first.contains("Authorization: Basic "), "{first}");
    // Nothing sent to the other origin, not even after its 401.
    let reqs = target.requests();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].authorization.is_none());
}

#[test_log::test]
fn an_application_authorization_header_wins() {
    let srv = server(vec![AuthScheme::Bearer, AuthScheme::Basic]);
    let mut e = easy(srv.url("/own"), HttpAuth::ANY);
    e.header_line("Authorization: Bearer tok3n");
    let (_, status, _, _) = run(e);
    assert_eq!(status, 200);
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].authorization.as_deref(), Some("Bearer tok3n"));
}

#[test]
fn masks_without_built_in_methods_are_refused() {
    let mut e = Easy::new();
    let err = e.http_auth(HttpAuth::NTLM).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotBuiltIn);
    assert!(e.http_auth(HttpAuth::NTLM | HttpAuth::DIGEST).is_ok());
}

/// A hostile server answering every Digest with `stale=true` cannot make
/// the transfer loop: after a bounded number of resends the 401 is the
/// answer, and a transfer beside it in the same multi is not disturbed.
#[test_log::test]
fn endless_stale_nonces_end_with_the_401() {
    let hostile = AuthServer::start(AuthConfig {
        offer: vec![digest("MD5")],
        stale_forever: true,
        ..AuthConfig::default()
    });
    let fine = server(vec![AuthScheme::Basic]);
    let mut app = App::new();
    let bad = app.add(easy(hostile.url("/loop"), HttpAuth::DIGEST));
    let good = app.add(easy(fine.url("/fine"), HttpAuth::BASIC));
    app.run(std::time::Duration::from_secs(20));
    assert_eq!(app.outcome(bad), Ok(()));
    assert_eq!(app.outcome(good), Ok(()));
    let bad = app.multi.remove(bad).unwrap();
    let good = app.multi.remove(good).unwrap();
    assert_eq!(bad.info().response_code, 401);
    assert_eq!(bad.response_body(), b"denied");
    assert_eq!(good.info().response_code, 200);
    // The first request, then at most 4 resends.
    assert_eq!(hostile.requests().len(), 5);
}

/// Credentials in the URL work with every method, Digest included.
#[test_log::test]
fn url_credentials_answer_digest() {
    let srv = server(vec![digest("SHA-256")]);
    let url = srv.url("/u").replace("http://", "http://user:secret@");
    let mut e = Easy::with_url(url);
    e.http_auth(HttpAuth::ANY).unwrap();
    let (code, status, _, _) = run(e);
    assert_eq!((code, status), (Ok(()), 200));
    assert!(srv.requests()[1].accepted);
}

/// With UNRESTRICTED_AUTH the credentials follow a redirect to another
/// origin, and Digest is negotiated there afresh.
#[test_log::test]
fn unrestricted_auth_negotiates_at_the_next_origin() {
    let target = server(vec![digest("MD5")]);
    let start = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(format!(
                "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\n\r\n",
                target.url("/there")
            ))
            .close(),
    );
    let mut e = easy(start.url("/"), HttpAuth::DIGEST);
    e.follow_location(true).unrestricted_auth(true);
    let (code, status, _, _) = run(e);
    assert_eq!((code, status), (Ok(()), 200));
    let reqs = target.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].accepted);
}
