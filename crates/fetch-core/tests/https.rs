//! HTTPS through the same socket_action loop: trust options, verification
//! failures and their codes, misbehaving peers, reuse and resumption, and
//! pause/resume with TLS-buffered data.
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, Ev, run_one};
use fetch_core::{Easy, ErrorCode, Flow, Interest, Pause, TlsOptions};
use fixtures::{CertKind, TestPki, TlsMisbehaviour, TlsServer};

fn trusting(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e
}

fn code(easy: Easy) -> Result<(), ErrorCode> {
    let (app, id) = run_one(easy);
    app.outcome(id)
}

fn server(kind: CertKind) -> TlsServer {
    TlsServer::start(kind, fixtures::TlsOptions::default())
}

#[test_log::test]
fn get_over_https_with_sni_and_alpn() {
    let srv = server(CertKind::Good);
    let (mut app, id) = run_one(trusting(srv.url_host("localhost", "/bytes/100000")));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == fixtures::pattern(100_000).as_slice());
    assert!(e.info().appconnect_time > Duration::ZERO);
    let hs = srv.handshakes();
    assert_eq!(hs[0].sni.as_deref(), Some("localhost"));
    assert_eq!(hs[0].alpn.as_deref(), Some(&b"http/1.1"[..]));
    // The handshake needed the socket for reading while the request was
    // not yet written: interest flipped OUT -> IN -> (OUT) ...
    let socket_log: Vec<Interest> = app
        .log()
        .iter()
        .filter_map(|e| match e {
            Ev::Socket { interest, .. } => Some(*interest),
            Ev::Timer(_) => None,
        })
        .collect();
    assert_eq!(socket_log.first(), Some(&Interest::Out));
    assert!(socket_log.contains(&Interest::In));
}

#[test_log::test]
fn trust_from_file_and_directory() {
    let srv = server(CertKind::Good);
    let files = TestPki::shared().write_temp().unwrap();
    let mut e = Easy::with_url(srv.url("/bytes/10"));
    e.tls_mut().ca_file = Some(files.ca.clone());
    assert_eq!(code(e), Ok(()));
    let mut e = Easy::with_url(srv.url("/bytes/10"));
    e.tls_mut().ca_path = Some(files.ca_dir.clone());
    assert_eq!(code(e), Ok(()));
    let mut e = Easy::with_url(srv.url("/bytes/10"));
    e.tls_mut().ca_file = Some("/nonexistent/ca.pem".into());
    assert_eq!(code(e), Err(ErrorCode::SslCacertBadfile));
}

/// The built-in webpki roots do not know the test CA.
#[test_log::test]
fn default_roots_reject_unknown_ca() {
    let srv = server(CertKind::Good);
    assert_eq!(
        code(Easy::with_url(srv.url("/"))),
        Err(ErrorCode::PeerFailedVerification)
    );
}

#[test_log::test]
fn bad_certificates_fail_verification() {
    for kind in [
        CertKind::Expired,
        CertKind::WrongHost,
        CertKind::SelfSigned,
        CertKind::TooLongChain,
    ] {
        let srv = server(kind);
        assert_eq!(
            code(trusting(srv.url("/"))),
            Err(ErrorCode::PeerFailedVerification),
            "{kind:?}"
        );
    }
    let srv = server(CertKind::LongChain);
    assert_eq!(code(trusting(srv.url("/bytes/5"))), Ok(()));
}

#[test_log::test]
fn verification_can_be_turned_off_explicitly() {
    let srv = server(CertKind::SelfSigned);
    let mut e = Easy::with_url(srv.url("/bytes/5"));
    e.tls_mut().verify_peer = false;
    assert_eq!(code(e), Ok(()));
    let srv = server(CertKind::WrongHost);
    let mut e = trusting(srv.url("/bytes/5"));
    e.tls_mut().verify_host = false;
    assert_eq!(code(e), Ok(()));
}

#[test_log::test]
fn client_certificates() {
    let opts = fixtures::TlsOptions {
        require_client_cert: true,
        ..fixtures::TlsOptions::default()
    };
    let srv = TlsServer::start(CertKind::Good, opts);
    let without = code(trusting(srv.url("/bytes/5")));
    assert!(
        matches!(
            without,
            Err(ErrorCode::SslConnectError) | Err(ErrorCode::RecvError)
        ),
        "{without:?}"
    );
    let files = TestPki::shared().write_temp().unwrap();
    let mut e = trusting(srv.url("/bytes/5"));
    e.tls_mut().client_cert = Some(files.client_cert.clone());
    e.tls_mut().client_key = Some(files.client_key.clone());
    assert_eq!(code(e), Ok(()));
    let mut e = trusting(srv.url("/bytes/5"));
    e.tls_mut().client_cert = Some("/nonexistent.pem".into());
    assert_eq!(code(e), Err(ErrorCode::SslCertproblem));
}

#[test_log::test]
fn client_certificates_from_memory_and_the_issuer_check() {
    let opts = fixtures::TlsOptions {
        require_client_cert: true,
        ..fixtures::TlsOptions::default()
    };
    let srv = TlsServer::start(CertKind::Good, opts);
    let pki = TestPki::shared();
    let client = pki.client();
    let with = |cert: &str, key: Option<&str>| {
        let mut e = trusting(srv.url("/bytes/5"));
        e.tls_mut().client_cert_blob = Some(cert.as_bytes().to_vec());
        e.tls_mut().client_key_blob = key.map(|k| k.as_bytes().to_vec());
        e
    };
    assert_eq!(
        code(with(client.chain_pem(), Some(client.key_pem()))),
        Ok(())
    );
    // The key from the certificate's blob.
    let both = format!("{}{}", client.chain_pem(), client.key_pem());
    assert_eq!(code(with(&both, None)), Ok(()));
    // Another key than the certificate's.
    let other = pki.server(CertKind::Good).key_pem();
    let wrong = code(with(client.chain_pem(), Some(other)));
    assert_eq!(wrong, Err(ErrorCode::SslCertproblem));
    // The server certificate's issuer: the CA, not the leaf itself.
    let mut e = with(&both, None);
    e.tls_mut().issuer_cert_blob = Some(pki.ca_pem().into_bytes());
    assert_eq!(code(e), Ok(()));
    let mut e = with(&both, None);
    let leaf = pki.server(CertKind::Good).chain_pem();
    e.tls_mut().issuer_cert_blob = Some(leaf.as_bytes().to_vec());
    assert_eq!(code(e), Err(ErrorCode::SslIssuerError));
    let mut e = with(&both, None);
    e.tls_mut().issuer_cert = Some("/nonexistent/issuer.pem".into());
    assert_eq!(code(e), Err(ErrorCode::SslIssuerError));
}

#[test_log::test]
fn misbehaving_peers() {
    let cases = [
        (
            TlsMisbehaviour::CloseMidHandshake,
            Err(ErrorCode::SslConnectError),
        ),
        (
            TlsMisbehaviour::GarbageInsteadOfServerHello,
            Err(ErrorCode::SslConnectError),
        ),
        (
            TlsMisbehaviour::PlaintextHttp,
            Err(ErrorCode::SslConnectError),
        ),
        (TlsMisbehaviour::NoCloseNotify, Err(ErrorCode::RecvError)),
        (TlsMisbehaviour::CloseNotifyCloseDelimited, Ok(())),
    ];
    for (m, want) in cases {
        let srv = TlsServer::start_misbehaving(m);
        assert_eq!(code(trusting(srv.url("/bytes/1000"))), want, "{m:?}");
    }
    let srv = TlsServer::start_misbehaving(TlsMisbehaviour::StallHandshake);
    let mut e = trusting(srv.url("/"));
    e.connect_timeout(Duration::from_millis(200));
    assert_eq!(
        code(e),
        Err(ErrorCode::OperationTimedout),
        "handshake stall"
    );
}

/// TLS settings are part of the pool key; equal settings reuse the
/// connection, and a new connection resumes the session.
#[test_log::test]
fn reuse_and_resumption() {
    let srv = server(CertKind::Good);
    let mut app = App::new();
    let a = app.add(trusting(srv.url("/bytes/10")));
    app.run(Duration::from_secs(10));
    assert_eq!(app.multi.remove(a).unwrap().info().num_connects, 1);
    let b = app.add(trusting(srv.url("/bytes/10")));
    app.run(Duration::from_secs(10));
    assert_eq!(
        app.multi.remove(b).unwrap().info().num_connects,
        0,
        "reused"
    );
    // Different TLS settings never share the connection.
    let mut other = trusting(srv.url("/bytes/10"));
    other.tls_mut().verify_host = false;
    let c = app.add(other);
    app.run(Duration::from_secs(10));
    assert_eq!(app.multi.remove(c).unwrap().info().num_connects, 1);
    // Force a new connection with the first settings: it resumes.
    let mut again = trusting(srv.url("/bytes/10"));
    again.header_line("Connection: close");
    let d = app.add(again);
    app.run(Duration::from_secs(10));
    app.multi.remove(d).unwrap();
    let e = app.add(trusting(srv.url("/bytes/10")));
    app.run(Duration::from_secs(10));
    assert!(app.result(e).is_ok());
    assert!(
        srv.resumed_sessions() >= 1,
        "resumed {}",
        srv.resumed_sessions()
    );
}

/// The no-stall promise with TLS: a paused HTTPS download of several MiB
/// resumes (plaintext buffered inside TLS is drained without a readiness
/// event), and nothing wakes the loop while paused.
#[test_log::test]
fn pause_resume_https_no_spin_no_stall() {
    let srv = server(CertKind::Good);
    let len = 6 * 1024 * 1024;
    let body = Arc::new(Mutex::new(Vec::new()));
    let paused = Arc::new(AtomicBool::new(false));
    let (b, p) = (body.clone(), paused.clone());
    let mut e = trusting(srv.url(&format!("/bytes/{len}")));
    e.write_function(move |d| {
        let mut b = b.lock().unwrap();
        if b.len() > 1_000_000 && !p.swap(true, Ordering::SeqCst) {
            return Flow::Pause;
        }
        b.extend_from_slice(d);
        Flow::Continue
    });
    let mut app = App::new();
    let id = app.add(e);
    for _ in 0..1000 {
        if paused.load(Ordering::SeqCst) {
            break;
        }
        app.step(Duration::from_millis(20));
    }
    assert!(paused.load(Ordering::SeqCst));
    app.step(Duration::from_millis(5));
    let actions = app.actions;
    for _ in 0..20 {
        app.step(Duration::from_millis(20));
    }
    assert_eq!(app.actions, actions, "no wake-ups while paused");
    app.multi.pause(id, Pause::CONT).unwrap();
    app.run(Duration::from_secs(30));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(*body.lock().unwrap() == fixtures::pattern(len));
}

/// The default options verify.
#[test_log::test]
fn defaults_verify() {
    let d = TlsOptions::default();
    assert!(d.verify_peer && d.verify_host);
}

/// Records are read from the socket in large pieces and fed to TLS from
/// the read buffer (one `recv` per many records); a multi-MiB body comes
/// through intact that way and through the record-at-a-time path a small
/// BUFFERSIZE takes, and the end of a close-delimited body is told apart
/// as before: close_notify ends it, a bare TCP close is a truncation.
#[test_log::test]
fn large_bodies_over_tls_on_both_read_paths() {
    let len = 6 * 1024 * 1024 + 123;
    let srv = server(CertKind::Good);
    for buffer_size in [None, Some(1024), Some(40_000)] {
        let mut e = trusting(srv.url(&format!("/bytes/{len}")));
        let mut o = fetch_core::ConnOptions::default();
        o.buffer_size = buffer_size;
        e.conn_options(o);
        let (mut app, id) = run_one(e);
        assert_eq!(app.outcome(id), Ok(()), "{buffer_size:?}");
        let e = app.multi.remove(id).unwrap();
        assert!(
            e.response_body() == fixtures::pattern(len).as_slice(),
            "{buffer_size:?}"
        );
    }
    let big = 3_000_000;
    let srv = TlsServer::start_misbehaving(TlsMisbehaviour::CloseNotifyCloseDelimited);
    let (mut app, id) = run_one(trusting(srv.url(&format!("/bytes/{big}"))));
    assert_eq!(app.outcome(id), Ok(()));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == fixtures::pattern(big).as_slice());
    let srv = TlsServer::start_misbehaving(TlsMisbehaviour::NoCloseNotify);
    let url = srv.url(&format!("/bytes/{big}"));
    assert_eq!(code(trusting(url)), Err(ErrorCode::RecvError));
}
