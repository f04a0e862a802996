//! The socket_action contract over HTTPS: the same rules as the plain
//! scenarios, with the TLS handshake inside the loop (interest flips while
//! it runs), under both application loops.

use std::time::{Duration, Instant};

use conformance::harness::{Harness, for_each_loop};
use conformance::trace::TraceEvent;
use fetch_core::{Easy, ErrorCode, Events, Interest, Method, Target};
use fixtures::{CertKind, TestPki, TlsMisbehaviour, TlsServer};

const LIMIT: Duration = Duration::from_secs(20);

fn https(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e
}

fn server() -> TlsServer {
    TlsServer::start(CertKind::Good, fixtures::TlsOptions::default())
}

#[test_log::test]
fn https_single_get() {
    for_each_loop(
        "https_single_get",
        &["SA-01", "SA-03", "SA-05", "SF-02", "IR-03", "TF-04"],
        |kind| {
            let srv = server();
            let mut h = Harness::new(kind);
            let id = h.add(https(srv.url("/bytes/5000")));
            h.run(LIMIT).unwrap();
            assert_eq!(h.code(id), Some(0));
            let interests: Vec<Interest> = h
                .trace()
                .iter()
                .filter_map(|e| match e {
                    TraceEvent::Socket { interest, .. } => Some(*interest),
                    _ => None,
                })
                .collect();
            assert_eq!(interests.first(), Some(&Interest::Out), "connect");
            assert!(interests.contains(&Interest::In), "handshake reads");
            let f = h.finish_clean();
            // How many readiness events a handshake takes is the TLS stack's
            // and the scheduler's business; the callbacks (interest flips:
            // OUT to connect, IN for the handshake, then the exchange) are
            // what the snapshot keeps.
            let callbacks: Vec<&str> = f
                .lines
                .iter()
                .map(String::as_str)
                .filter(|l| !l.starts_with("socket_action") && !l.starts_with("perform"))
                .collect();
            insta::with_settings!({ snapshot_suffix => kind.name(), prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!("https_single_get", callbacks.join("\n"));
            });
        },
    );
}

#[test_log::test]
fn https_three_with_one_failing() {
    for_each_loop(
        "https_three_with_one_failing",
        &["SA-03", "SA-04", "SA-06", "IR-01", "IR-03"],
        |kind| {
            let good = server();
            let bad = TlsServer::start(CertKind::Expired, fixtures::TlsOptions::default());
            let mut h = Harness::new(kind);
            let a = h.add(https(good.url("/bytes/100")));
            let b = h.add(https(bad.url("/")));
            let c = h.add(https(good.url("/chunked/3000")));
            h.run(LIMIT).unwrap();
            for ev in h.trace() {
                if let TraceEvent::Action { result, .. } = ev {
                    assert!(result.is_ok(), "SA-06");
                }
            }
            assert_eq!(h.done.len(), 3);
            assert_eq!(h.code(a), Some(0));
            assert_eq!(h.code(b), Some(ErrorCode::PeerFailedVerification.code()));
            assert_eq!(h.code(c), Some(0));
            h.finish_clean();
        },
    );
}

#[test_log::test]
fn https_keepalive_and_cleanup() {
    for_each_loop(
        "https_keepalive_and_cleanup",
        &["SF-03", "SF-07", "HM-05", "HM-09"],
        |kind| {
            let srv = server();
            let mut h = Harness::new(kind);
            let a = h.add(https(srv.url("/bytes/10")));
            h.run(LIMIT).unwrap();
            assert_eq!(h.multi().remove(a).unwrap().info().num_connects, 1);
            let b = h.add(https(srv.url("/bytes/10")));
            h.run(LIMIT).unwrap();
            assert_eq!(h.multi().remove(b).unwrap().info().num_connects, 0);
            let f = h.finish_clean();
            let last = f.trace.iter().rev().find_map(|e| match e {
                TraceEvent::Socket { interest, .. } => Some(*interest),
                _ => None,
            });
            assert_eq!(last, Some(Interest::Remove));
        },
    );
}

/// SA-09 over TLS: a handshake that never completes ends through the
/// connect timeout the timer callback announced.
#[test_log::test]
fn https_handshake_stall_times_out() {
    for_each_loop(
        "https_handshake_stall_times_out",
        &["SA-09", "TF-05"],
        |kind| {
            let srv = TlsServer::start_misbehaving(TlsMisbehaviour::StallHandshake);
            let mut h = Harness::new(kind);
            let mut e = https(srv.url("/"));
            e.connect_timeout(Duration::from_millis(300));
            let id = h.add(e);
            let end = Instant::now() + LIMIT;
            while h.multi().running() > 0 {
                h.step(Duration::from_millis(50));
                assert!(Instant::now() < end);
            }
            assert_eq!(h.code(id), Some(ErrorCode::OperationTimedout.code()));
            h.finish_clean();
        },
    );
}

#[test_log::test]
fn https_upload_and_head() {
    for_each_loop("https_upload_and_head", &["SF-02"], |kind| {
        let srv = server();
        let mut h = Harness::new(kind);
        let mut post = https(srv.url("/echo"));
        post.post(vec![b'x'; 300_000]);
        let p = h.add(post);
        let mut head = https(srv.url("/bytes/10"));
        head.method(Method::Head);
        let hd = h.add(head);
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(p), Some(0));
        assert_eq!(h.code(hd), Some(0));
        assert_eq!(h.multi().remove(p).unwrap().response_body().len(), 300_000);
        h.finish_clean();
    });
}

/// SA-08 over TLS: unknown fds are still ignored mid-handshake.
#[test_log::test]
fn https_unknown_socket() {
    for_each_loop("https_unknown_socket", &["SA-08"], |kind| {
        use std::os::fd::AsRawFd;
        let (r, _w) = std::os::unix::net::UnixStream::pair().unwrap();
        let srv = TlsServer::start_misbehaving(TlsMisbehaviour::StallHandshake);
        let mut h = Harness::new(kind);
        h.add(https(srv.url("/")));
        h.step(Duration::from_millis(20));
        let running = h.multi().running();
        assert_eq!(
            h.action(Target::Socket(r.as_raw_fd()), Events::IN),
            Ok(running)
        );
        h.finish_clean();
    });
}
