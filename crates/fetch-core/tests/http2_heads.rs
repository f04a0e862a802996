//! An HTTP/2 response head feeds the transfer the same way an HTTP/1.1
//! head does (issue 15 item 5): Content-Type, Retry-After, the file time,
//! the expected size, the header API (heads and trailers), cookies, HSTS
//! FAILONERROR, the time condition and content decoding. The server is hyper's (fixtures::H2Server); its
//! `/with/STATUS?name=value` route answers with the fields asked for.
mod common;

use std::sync::{Arc, Mutex};

use common::{App, run_one};
use fetch_core::headers::origin::{HEADER, TRAILER};
use fetch_core::{CookieJar, Easy, ErrorCode, HeaderLog, HstsCache, HttpVersion};
use fixtures::{H2Server, TestPki};

fn h2c(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.http_version(HttpVersion::V2PriorKnowledge);
    e
}

/// Runs one transfer to completion and returns it with its result.
fn run(e: Easy) -> (Easy, Result<(), ErrorCode>) {
    let (mut app, id) = run_one(e);
    let r = app.result(id).clone().map_err(|e| e.code());
    (app.multi.remove(id).unwrap(), r)
}

#[test_log::test]
fn content_type_over_http2() {
    let srv = H2Server::start();
    let (e, r) = run(h2c(
        srv.url("/with/200?content-type=text/html%3B%20charset%3Dutf-8")
    ));
    assert_eq!(r, Ok(()));
    assert_eq!(e.info().http_version, 20);
    assert_eq!(
        e.info().content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    // Control: without the field there is none.
    let (e, r) = run(h2c(srv.url("/with/200")));
    assert_eq!(r, Ok(()));
    assert_eq!(e.info().content_type, None);
}

#[test_log::test]
fn retry_after_over_http2() {
    let srv = H2Server::start();
    let (e, r) = run(h2c(srv.url("/with/503?retry-after=120")));
    assert_eq!(r, Ok(()));
    assert_eq!(e.info().response_code, 503);
    assert_eq!(e.info().retry_after, 120);
}

#[test_log::test]
fn filetime_over_http2() {
    let srv = H2Server::start();
    let url = srv.url("/with/200?last-modified=Wed,%2021%20Oct%202015%2007:28:00%20GMT");
    let mut e = h2c(url.clone());
    e.record_filetime(true);
    let (e, r) = run(e);
    assert_eq!(r, Ok(()));
    assert_eq!(e.info().filetime, Some(1_445_412_480));
    // Only asked for with FILETIME, as over HTTP/1.1.
    let (e, r) = run(h2c(url));
    assert_eq!(r, Ok(()));
    assert_eq!(e.info().filetime, None);
}

#[test_log::test]
fn content_length_download_over_http2() {
    let srv = H2Server::start();
    let (e, r) = run(h2c(srv.url("/bytes/1234")));
    assert_eq!(r, Ok(()));
    assert_eq!(e.info().content_length_download, Some(1234));
    assert_eq!(e.info().size_download, 1234);
    // A streamed body without Content-Length: unknown (upstream's -1).
    let (e, r) = run(h2c(srv.url("/drip/100")));
    assert_eq!(r, Ok(()));
    assert_eq!(e.info().content_length_download, None);
}

/// FETCHOPT_IGNORE_CONTENT_LENGTH over HTTP/2: the stream's end ends the
/// body, so only the length is not read (upstream 7.88 reads h2 fields
/// through its HTTP/1 header code, which skips the line then).
#[test_log::test]
fn ignored_content_length_over_http2_is_only_not_read() {
    let srv = H2Server::start();
    let mut e = h2c(srv.url("/bytes/1234"));
    e.ignore_content_length(true);
    let (e, r) = run(e);
    assert_eq!(r, Ok(()));
    assert_eq!(e.info().http_version, 20);
    assert_eq!(e.info().content_length_download, None);
    assert_eq!(e.info().size_download, 1234);
}

#[test_log::test]
fn header_api_sees_http2_heads_and_trailers() {
    let srv = H2Server::start();
    let log = Arc::new(Mutex::new(HeaderLog::new()));
    let mut e = h2c(srv.url("/with/200?x-a=first&x-a=second&content-type=text/plain"));
    e.header_log(Some(log.clone()));
    let (_, r) = run(e);
    assert_eq!(r, Ok(()));
    {
        let log = log.lock().unwrap();
        let value = |name: &str, i| {
            log.header(name.as_bytes(), i, HEADER, -1)
                .map(|f| (String::from_utf8(f.value).unwrap(), f.amount))
        };
        assert_eq!(value("X-A", 0), Ok(("first".into(), 2)));
        assert_eq!(value("x-a", 1), Ok(("second".into(), 2)));
        assert_eq!(value("Content-Type", 0), Ok(("text/plain".into(), 1)));
        assert!(value("x-missing", 0).is_err());
    }
    let mut e = h2c(srv.url("/trailers/10"));
    e.header_log(Some(log.clone()));
    let (_, r) = run(e);
    assert_eq!(r, Ok(()));
    let log = log.lock().unwrap();
    let found = log.header(b"x-checksum", 0, TRAILER, -1).unwrap();
    assert_eq!(found.value, b"10");
    // A trailer, not a head field.
    assert!(log.header(b"x-checksum", 0, HEADER, -1).is_err());
}

#[test_log::test]
fn cookies_from_http2_heads_are_stored_and_sent() {
    let srv = H2Server::start();
    let jar = CookieJar::shared();
    let mut app = App::new();
    let mut e = h2c(srv.url("/with/200?set-cookie=flavour%3Doat%3B%20Path%3D/"));
    e.cookie_jar(Some(jar.clone()));
    let first = app.add(e);
    app.run(std::time::Duration::from_secs(20));
    assert!(app.result(first).is_ok(), "{:?}", app.result(first));
    assert_eq!(jar.lock().unwrap().len(), 1);
    let mut e = h2c(srv.url("/headers"));
    e.cookie_jar(Some(jar));
    let second = app.add(e);
    app.run(std::time::Duration::from_secs(20));
    assert!(app.result(second).is_ok(), "{:?}", app.result(second));
    let body = app.multi.remove(second).unwrap().response_body().to_vec();
    let body = String::from_utf8_lossy(&body).to_ascii_lowercase();
    assert!(body.contains("cookie: flavour=oat"), "{body}");
}

#[test_log::test]
fn hsts_from_an_http2_head_is_stored() {
    let srv = H2Server::start_tls();
    let hsts = HstsCache::shared();
    let mut e = Easy::with_url(srv.url_host(
        "localhost",
        "/with/200?strict-transport-security=max-age%3D3600%3B%20includeSubDomains",
    ));
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e.hsts(Some(hsts.clone()));
    let (e, r) = run(e);
    assert_eq!(r, Ok(()));
    assert_eq!(e.info().http_version, 20);
    let entries = hsts.lock().unwrap().entries(0);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].host, "localhost");
    assert!(entries[0].include_subdomains);
}

#[test_log::test]
fn fail_on_error_over_http2() {
    let srv = H2Server::start();
    let mut e = h2c(srv.url("/with/404"));
    e.fail_on_error(true);
    let (e, r) = run(e);
    assert_eq!(r, Err(ErrorCode::HttpReturnedError));
    assert_eq!(e.info().response_code, 404);
    // Control: without FAILONERROR the 404 is a successful transfer.
    let (_, r) = run(h2c(srv.url("/with/404")));
    assert_eq!(r, Ok(()));
}

#[test_log::test]
fn content_encoding_is_undone_over_http2() {
    let srv = H2Server::start();
    let mut e = h2c(srv.url("/gzip/100000"));
    e.accept_encoding(Some(String::new()));
    let (e, r) = run(e);
    assert_eq!(r, Ok(()));
    assert!(e.response_body() == fixtures::pattern(100_000).as_slice());
    // SIZE_DOWNLOAD counts the bytes received, as over HTTP/1.1.
    let compressed = e.info().content_length_download.unwrap();
    assert!(compressed < 100_000);
    assert_eq!(e.info().size_download, compressed);
    // Control: without ACCEPT_ENCODING the body is handed over as sent.
    let (e, r) = run(h2c(srv.url("/gzip/100000")));
    assert_eq!(r, Ok(()));
    assert_eq!(e.response_body().len() as u64, compressed);
}

/// A pause in the middle of a decoded HTTP/2 body keeps the rest in the
/// decoder; resuming hands it over in order and the stream completes. The
/// body is large and compresses well, so one DATA frame decodes to more
/// than the decoder hands over per call (it yields and is kicked).
#[test_log::test]
fn paused_decoded_http2_body_resumes_intact() {
    use fetch_core::{Flow, Pause};
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    const N: usize = 4_000_000;
    let srv = H2Server::start();
    let mut app = App::new();
    let taken = Arc::new(Mutex::new(Vec::new()));
    let paused = Arc::new(AtomicBool::new(false));
    let mut e = h2c(srv.url(&format!("/gzip/{N}")));
    e.accept_encoding(Some("gzip".into()));
    let (t, p) = (taken.clone(), paused.clone());
    e.write_function(move |d: &[u8]| {
        let mut t = t.lock().unwrap();
        if t.len() >= 100_000 && !p.swap(true, SeqCst) {
            return Flow::Pause;
        }
        t.extend_from_slice(d);
        Flow::Continue
    });
    let id = app.add(e);
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !paused.load(SeqCst) {
        app.step(std::time::Duration::from_millis(10));
        assert!(std::time::Instant::now() < end, "never paused");
    }
    // Paused: nothing more is handed over, however long the loop runs.
    let before = taken.lock().unwrap().len();
    app.step(std::time::Duration::from_millis(50));
    assert_eq!(taken.lock().unwrap().len(), before);
    assert!(!app.done.iter().any(|m| m.transfer == id));
    app.multi.pause(id, Pause::CONT).unwrap();
    app.run(std::time::Duration::from_secs(30));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(*taken.lock().unwrap() == fixtures::pattern(N));
}

/// A document that fails the time condition ends the transfer as a 304
/// without its body, as over HTTP/1.1; the stream is reset and the
/// connection serves the next transfer.
#[test_log::test]
fn time_condition_unmet_over_http2() {
    use fetch_core::TimeCondition;
    let srv = H2Server::start();
    let url = srv.url("/with/200?last-modified=Sun,%2006%20Nov%201994%2008:49:37%20GMT");
    let mut app = App::new();
    let mut e = h2c(url.clone());
    e.time_condition(TimeCondition::IfModifiedSince, 784_111_777);
    let first = app.add(e);
    app.run(std::time::Duration::from_secs(20));
    assert!(app.result(first).is_ok(), "{:?}", app.result(first));
    let e = app.multi.remove(first).unwrap();
    assert!(e.response_body().is_empty(), "not modified since: no body");
    assert!((e.info().condition_unmet, e.info().response_code) == (true, 304));
    // Control: a condition the document meets gets the body, on the same
    // connection.
    let mut e = h2c(url);
    e.time_condition(TimeCondition::IfModifiedSince, 784_111_000);
    let second = app.add(e);
    app.run(std::time::Duration::from_secs(20));
    assert!(app.result(second).is_ok(), "{:?}", app.result(second));
    let e = app.multi.remove(second).unwrap();
    assert!(e.response_body() == b"hello");
    assert!(!e.info().condition_unmet);
    assert_eq!(srv.accepted(), 1);
}
