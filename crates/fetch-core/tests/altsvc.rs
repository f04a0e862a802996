//! Alt-Svc through the Rust API (issue 16 item 7): an https origin's
//! `Alt-Svc: h2=":PORT"` is stored, and the next transfer to that origin
//! connects to the alternative (an HTTP/2 server on another port) with
//! the origin's name in the URL, Host and TLS; without the cache, or with
//! h2 not allowed, it goes to the origin.
mod common;

use std::sync::{Arc, Mutex};

use common::run_one;
use fetch_core::{AltSvcCache, Easy, SharedAltSvc};
use fixtures::{CertKind, H2Server, TestPki, TlsServer};

fn trusting(url: String, cache: Option<&SharedAltSvc>) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e.alt_svc(cache.cloned());
    e
}

fn run(e: Easy) -> (Easy, i32) {
    let (mut app, id) = run_one(e);
    let code = app.code(id);
    (app.multi.remove(id).unwrap(), code)
}

#[test_log::test]
fn an_h2_alternative_on_another_port_is_used() {
    let origin = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let alt = H2Server::start_tls();
    let alt_port = alt.addr().port();
    let cache = AltSvcCache::shared();
    let announce = format!("/altsvc?h2=%22:{alt_port}%22;%20ma=3600");
    let (_, code) = run(trusting(
        origin.url_host("localhost", &announce),
        Some(&cache),
    ));
    assert_eq!(code, 0);
    let entries = cache.lock().unwrap().entries(0);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].dst_port, alt_port);
    // Control: without the cache the origin answers.
    let (_, code) = run(trusting(origin.url_host("localhost", "/bytes/5"), None));
    assert_eq!(code, 0);
    assert_eq!(alt.accepted(), 0);
    let served = origin.requests_served();
    let text = Arc::new(Mutex::new(String::new()));
    let t = text.clone();
    let mut e = trusting(origin.url_host("localhost", "/bytes/5"), Some(&cache));
    e.debug_function(move |_, b| t.lock().unwrap().push_str(&String::from_utf8_lossy(b)));
    let (e, code) = run(e);
    assert_eq!(code, 0);
    assert_eq!(alt.accepted(), 1, "the alternative served it");
    assert_eq!(origin.requests_served(), served, "not the origin");
    assert_eq!(e.info().http_version, 20, "spoke HTTP/2");
    let url = e.info().effective_url.clone().unwrap();
    assert!(
        url.starts_with("https://localhost:"),
        "the URL stays: {url}"
    );
    let text = text.lock().unwrap();
    assert!(
        text.contains(&format!(
            "Alt-svc connecting from [h1]localhost:{} to [h2]localhost:{alt_port}",
            origin.addr().port()
        )),
        "{text}"
    );
}

#[test_log::test]
fn h2_alternatives_are_skipped_when_not_allowed() {
    let origin = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let alt = H2Server::start_tls();
    let cache = AltSvcCache::shared();
    let announce = format!("/altsvc?h2=%22:{}%22", alt.addr().port());
    run(trusting(
        origin.url_host("localhost", &announce),
        Some(&cache),
    ));
    cache.lock().unwrap().allow(true, false, false);
    let (_, code) = run(trusting(
        origin.url_host("localhost", "/bytes/5"),
        Some(&cache),
    ));
    assert_eq!(code, 0);
    assert_eq!(alt.accepted(), 0);
}

#[test_log::test]
fn alt_svc_of_an_http2_response_is_stored_as_learnt_over_h2() {
    // The origin speaks HTTP/2 (ALPN h2); its head feeds the cache the
    // way an HTTP/1.1 head does, with h2 as the source protocol.
    let origin = H2Server::start_tls();
    let alt = H2Server::start_tls();
    let alt_port = alt.addr().port();
    let cache = AltSvcCache::shared();
    let announce = format!("/with/200?alt-svc=h2%3D%22:{alt_port}%22%3B%20ma%3D3600");
    let (e, code) = run(trusting(
        origin.url_host("localhost", &announce),
        Some(&cache),
    ));
    assert_eq!(code, 0);
    assert_eq!(e.info().http_version, 20);
    let entries = cache.lock().unwrap().entries(0);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].src_alpn, fetch_core::Alpn::H2);
    assert_eq!(entries[0].src_port, origin.addr().port());
    assert_eq!(
        (entries[0].dst_alpn, entries[0].dst_port),
        (fetch_core::Alpn::H2, alt_port)
    );
    // The next transfer to the origin goes to the alternative.
    let (e, code) = run(trusting(
        origin.url_host("localhost", "/bytes/5"),
        Some(&cache),
    ));
    assert_eq!(code, 0);
    assert_eq!(e.info().http_version, 20);
    assert_eq!(alt.accepted(), 1, "the alternative served it");
}

#[test_log::test]
fn alt_svc_over_cleartext_http2_is_not_stored() {
    // Upstream reads Alt-Svc only from responses received over TLS.
    let origin = H2Server::start();
    let cache = AltSvcCache::shared();
    let mut e = trusting(
        origin.url("/with/200?alt-svc=h2%3D%22:1234%22"),
        Some(&cache),
    );
    e.http_version(fetch_core::HttpVersion::V2PriorKnowledge);
    let (e, code) = run(e);
    assert_eq!(code, 0);
    assert_eq!(e.info().http_version, 20);
    assert!(cache.lock().unwrap().entries(0).is_empty());
}
