//! https:// proxies through the socket_action loop: TLS to the proxy with
//! its own options (ProxyOptions::tls, the PROXY_SSL* options), plain http
//! forwarded inside that TLS session, https targets through a CONNECT
//! tunnel with the target's TLS inside the proxy's (TLS in TLS), HTTP/2
//! through such a tunnel, and proxies whose TLS fails, each ending in a
//! clear code while another transfer in the same multi completes (IR-01).
mod common;

use std::time::Duration;

use common::{App, run_one};
use fetch_core::{Easy, ErrorCode, ProxyOptions, ProxyType};
use fixtures::{
    CertKind, HttpServer, HttpsProxy, ProxyBehaviour, TestPki, TlsMisbehaviour, TlsServer,
};

fn ca() -> Vec<u8> {
    TestPki::shared().ca_pem().into_bytes()
}

/// Proxy options trusting the test CA for the proxy only.
fn trusting(proxy: String) -> ProxyOptions {
    let mut o = ProxyOptions::with_proxy(proxy);
    o.tls.ca_blob = Some(ca());
    o
}

/// A transfer whose target TLS trusts the test CA.
fn via(url: String, proxy: ProxyOptions) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(ca());
    e.proxy_options(proxy);
    e
}

fn tls() -> TlsServer {
    TlsServer::start(CertKind::Good, fixtures::TlsOptions::default())
}

#[test_log::test]
fn plain_http_is_forwarded_inside_tls_to_the_proxy() {
    let srv = HttpServer::start();
    let proxy = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
    let url = srv.url("/bytes/70000");
    let (mut app, id) = run_one(via(url.clone(), trusting(proxy.url_host("localhost"))));
    assert_eq!(app.outcome(id), Ok(()), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == fixtures::pattern(70000).as_slice());
    let seen = proxy.requests();
    assert!(
        seen[0].starts_with(&format!("GET {url} HTTP/1.1\r\n")),
        "{seen:?}"
    );
    let hs = proxy.handshakes();
    assert_eq!(hs[0].alpn.as_deref(), Some(&b"http/1.1"[..]), "{hs:?}");
    assert_eq!(hs[0].sni.as_deref(), Some("localhost"));
    assert_eq!(e.info().http_connectcode, 0);
    assert_eq!(e.info().proxy_ssl_verify_result, 0);
}

#[test_log::test]
fn https_target_runs_tls_inside_the_proxy_tls_tunnel() {
    let srv = tls();
    let proxy = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
    let url = srv.url_host("localhost", "/bytes/100000");
    let (mut app, id) = run_one(via(url, trusting(proxy.url())));
    assert_eq!(app.outcome(id), Ok(()), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == fixtures::pattern(100_000).as_slice());
    assert_eq!(e.info().http_connectcode, 200);
    let port = srv.addr().port();
    assert!(proxy.requests()[0].starts_with(&format!("CONNECT localhost:{port} HTTP/1.1\r\n")));
    // The target's handshake went through the tunnel, with its own SNI.
    assert_eq!(srv.sni_seen()[0].as_deref(), Some("localhost"));
    // An IP literal proxy gets no SNI.
    assert_eq!(proxy.handshakes()[0].sni, None);
}

#[test_log::test]
fn the_tunnel_is_reused_and_pooled_apart_by_proxy_tls_settings() {
    let srv = tls();
    let proxy = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
    let url = srv.url_host("localhost", "/bytes/10");
    let mut app = App::new();
    for verify in [true, true, false] {
        let mut o = trusting(proxy.url());
        o.tls.verify_peer = verify;
        let id = app.add(via(url.clone(), o));
        app.run(Duration::from_secs(20));
        assert_eq!(app.outcome(id), Ok(()), "{:?}", app.result(id));
        app.multi.remove(id).unwrap();
    }
    // The second transfer reused the first one's tunnel; the third has
    // other proxy TLS settings, so a connection of its own.
    assert_eq!(proxy.accepted(), 2);
    assert_eq!(srv.accepted(), 2);
}

/// PX-style hostile peers: the proxy's certificate is checked with the
/// proxy's options, not the target's (the target's trust the test CA).
#[test_log::test]
fn untrusted_or_misnamed_proxy_certificates_fail_verification() {
    let srv = HttpServer::start();
    let good = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
    let wrong = HttpsProxy::start(CertKind::WrongHost, ProxyBehaviour::Honest);
    let mut app = App::new();
    let untrusted = app.add(via(
        srv.url("/bytes/10"),
        ProxyOptions::with_proxy(good.url()),
    ));
    let misnamed = app.add(via(srv.url("/bytes/10"), trusting(wrong.url())));
    let mut o = trusting(wrong.url());
    o.tls.verify_host = false;
    let unchecked_name = app.add(via(srv.url("/bytes/10"), o));
    let mut o = ProxyOptions::with_proxy(good.url());
    o.tls.verify_peer = false;
    let unverified = app.add(via(srv.url("/bytes/10"), o));
    let direct = app.add(via(srv.url("/bytes/20"), ProxyOptions::with_proxy("")));
    app.run(Duration::from_secs(20));
    assert_eq!(
        app.outcome(untrusted),
        Err(ErrorCode::PeerFailedVerification)
    );
    let e = app.multi.remove(untrusted).unwrap();
    // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, for the proxy only.
    assert_eq!(e.info().proxy_ssl_verify_result, 20);
    assert_eq!(e.info().ssl_verify_result, 0);
    let err = app.result(misnamed).clone().unwrap_err();
    assert_eq!(err.code(), ErrorCode::PeerFailedVerification);
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    assert_eq!(app.outcome(unchecked_name), Ok(()));
    assert_eq!(app.outcome(unverified), Ok(()));
    assert_eq!(app.outcome(direct), Ok(()));
}

#[test_log::test]
fn proxytype_https_applies_to_a_string_without_scheme() {
    let srv = HttpServer::start();
    let proxy = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
    let mut o = trusting(proxy.addr().to_string());
    o.kind = ProxyType::Https;
    let (app, id) = run_one(via(srv.url("/bytes/10"), o));
    assert_eq!(app.outcome(id), Ok(()), "{:?}", app.result(id));
    assert_eq!(proxy.handshakes().len(), 1);
}

#[test_log::test]
fn a_proxy_closing_during_its_tls_handshake_fails_alone() {
    let srv = HttpServer::start();
    let bad = TlsServer::start_misbehaving(TlsMisbehaviour::CloseMidHandshake);
    let refused = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Refuse(403));
    let mut app = App::new();
    let closing = app.add(via(
        srv.url("/bytes/10"),
        trusting(format!("https://{}", bad.addr())),
    ));
    let tunnel_refused = app.add(via(
        tls().url_host("localhost", "/"),
        trusting(refused.url()),
    ));
    let ok = app.add(via(srv.url("/bytes/30"), ProxyOptions::with_proxy("")));
    app.run(Duration::from_secs(20));
    assert_eq!(app.outcome(closing), Err(ErrorCode::SslConnectError));
    // A refused CONNECT through TLS is as through a plain proxy.
    assert_eq!(app.outcome(tunnel_refused), Err(ErrorCode::RecvError));
    let e = app.multi.remove(tunnel_refused).unwrap();
    assert_eq!(e.info().http_connectcode, 403);
    assert_eq!(app.outcome(ok), Ok(()));
}

/// The proxy's TLS handshake is part of the connect phase: a proxy that
/// never answers the ClientHello runs into CONNECTTIMEOUT.
#[test_log::test]
fn connect_timeout_covers_the_proxy_handshake() {
    let srv = HttpServer::start();
    let stall = TlsServer::start_misbehaving(TlsMisbehaviour::StallHandshake);
    let mut app = App::new();
    let mut e = via(
        srv.url("/bytes/10"),
        trusting(format!("https://{}", stall.addr())),
    );
    e.connect_timeout(Duration::from_millis(300));
    let stalled = app.add(e);
    let ok = app.add(via(srv.url("/bytes/30"), ProxyOptions::with_proxy("")));
    app.run(Duration::from_secs(20));
    assert_eq!(app.outcome(stalled), Err(ErrorCode::OperationTimedout));
    assert_eq!(app.outcome(ok), Ok(()));
}

/// HTTP/2 with the target, negotiated by ALPN inside the tunnel through
/// the https proxy (which itself is spoken to with http/1.1).
#[test_log::test]
fn http2_target_through_the_https_proxy_tunnel() {
    let srv = fixtures::H2Server::start_tls();
    let proxy = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
    let mut e = via(
        srv.url_host("localhost", "/bytes/50000"),
        trusting(proxy.url()),
    );
    e.http_version(fetch_core::HttpVersion::V2Tls);
    let (mut app, id) = run_one(e);
    assert_eq!(app.outcome(id), Ok(()), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().http_version, 20);
    assert!(e.response_body() == fixtures::pattern(50000).as_slice());
    assert_eq!(
        proxy.handshakes()[0].alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
    assert_eq!(srv.h2_requests(), 1);
}

/// PROXY_SSLCERT/PROXY_SSLKEY: a proxy that requires a client certificate
/// gets the proxy's one; without it no request reaches the proxy.
#[test_log::test]
fn a_client_certificate_is_presented_to_the_proxy() {
    let srv = HttpServer::start();
    let opts = fixtures::TlsOptions {
        require_client_cert: true,
        resumption: false,
        ..fixtures::TlsOptions::default()
    };
    let proxy = HttpsProxy::start_with(CertKind::Good, ProxyBehaviour::Honest, &opts);
    let files = TestPki::shared().write_temp().unwrap();
    let mut app = App::new();
    let mut o = trusting(proxy.url());
    o.tls.client_cert = Some(files.client_cert.clone());
    o.tls.client_key = Some(files.client_key.clone());
    let with = app.add(via(srv.url("/bytes/10"), o));
    app.run(Duration::from_secs(20));
    assert_eq!(app.outcome(with), Ok(()), "{:?}", app.result(with));
    let without = app.add(via(srv.url("/bytes/10"), trusting(proxy.url())));
    app.run(Duration::from_secs(20));
    assert_ne!(app.outcome(without), Ok(()));
    assert_eq!(proxy.requests().len(), 1);
    assert!(proxy.handshakes()[0].client_cert);
}

/// Large bodies both ways and several transfers at once through one https
/// proxy: uploads and downloads with records waiting in both sessions, the
/// socket's interest following whichever has something to write.
#[test_log::test]
fn large_bodies_both_ways_through_tls_in_tls_and_forwarding() {
    let srv = HttpServer::start();
    let tsrv = tls();
    let proxy = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
    let upload: Vec<u8> = fixtures::pattern(2_000_000);
    let mut app = App::new();
    let mut ids = Vec::new();
    for url in [tsrv.url_host("localhost", "/echo"), srv.url("/echo")] {
        let mut e = via(url, trusting(proxy.url()));
        e.post(upload.clone());
        ids.push((app.add(e), upload.len()));
    }
    for i in 0..3 {
        let n = 1_000_000 + i;
        let url = tsrv.url_host("localhost", &format!("/bytes/{n}"));
        ids.push((app.add(via(url, trusting(proxy.url()))), n));
    }
    app.run(Duration::from_secs(60));
    for (i, (id, len)) in ids.into_iter().enumerate() {
        assert_eq!(app.outcome(id), Ok(()), "{i}: {:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert_eq!(e.response_body().len(), len);
        assert!(e.response_body() == fixtures::pattern(len).as_slice());
    }
}
