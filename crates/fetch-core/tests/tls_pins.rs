//! Public key pinning through the Rust API (`TlsOptions::pinned_pubkey`):
//! the pin is checked on full handshakes and on resumed sessions alike.
mod common;

use std::time::Duration;

use common::{App, run_one};
use fetch_core::{Easy, ErrorCode};
use fixtures::{CertKind, TestPki, TlsServer};

fn pinned(url: String, pin: &str) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e.tls_mut().pinned_pubkey = Some(pin.to_owned());
    e
}

#[test_log::test]
fn pins_are_checked_on_resumed_sessions_too() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let pki = TestPki::shared();
    let good = pki.server(CertKind::Good).public_key_sha256_pin();
    let other = pki.server(CertKind::SelfSigned).public_key_sha256_pin();
    let url = srv.url("/bytes/10");
    let (app, id) = run_one(pinned(url.clone(), &other));
    assert_eq!(app.outcome(id), Err(ErrorCode::SslPinnedpubkeynotmatch));
    let mut app = App::new();
    for _ in 0..3 {
        let mut e = pinned(url.clone(), &good);
        e.header_line("Connection: close");
        let id = app.add(e);
        app.run(Duration::from_secs(10));
        assert_eq!(app.outcome(id), Ok(()));
        app.multi.remove(id).unwrap();
    }
    assert!(srv.resumed_sessions() >= 1, "{}", srv.resumed_sessions());
}

/// `TlsOptions::partial_chain` (FETCHSSLOPT_NO_PARTIALCHAIN clears it): an
/// intermediate as the only trusted CA ends a chain only when it is on.
#[test_log::test]
fn partial_chains_can_be_refused() {
    let srv = TlsServer::start(CertKind::LongChain, fixtures::TlsOptions::default());
    let chain = TestPki::shared().server(CertKind::LongChain).chain_pem();
    let end = "-----END CERTIFICATE-----";
    let issuer = chain.split_inclusive(end).nth(1).unwrap().trim_start();
    for (partial, want) in [
        (true, Ok(())),
        (false, Err(ErrorCode::PeerFailedVerification)),
    ] {
        let mut e = Easy::with_url(srv.url_host("localhost", "/bytes/10"));
        e.tls_mut().ca_blob = Some(format!("{issuer}\n").into_bytes());
        e.tls_mut().partial_chain = partial;
        let (app, id) = run_one(e);
        assert_eq!(app.outcome(id), want, "partial_chain {partial}");
    }
}
