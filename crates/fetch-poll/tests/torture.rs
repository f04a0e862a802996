//! Fault torture, in the spirit of upstream's torture mode: every
//! socket-level operation the engine performs (socket creation, connect,
//! the connect result, send, recv, the idle peek, the resolver's wakeup) is
//! made to fail in turn, once per run, with each error the kernel really
//! returns for it, over a run of representative transfers (plain and TLS,
//! bodies from memory and from a callback, chunked responses, a pooled
//! connection reused, a name through the resolver).
//!
//! Every run must end with every transfer reporting a result (a clear
//! error code where the fault hit), no panic, no descriptor left open, and
//! no spin (the loop's iterations stay bounded).
//!
//! `cargo xtask torture` runs it and prints the figures.
#![cfg(feature = "fault-injection")]
mod common;

use std::time::{Duration, Instant};

use fetch_core::faults::{self, Op};
use fetch_core::{Easy, ErrorCode, Message, ReadResult};
use fixtures::{CertKind, HttpServer, TestPki, TlsServer};

/// The errors injected into each operation: those the kernel really
/// returns for it (socket(2) never says EINTR; SO_ERROR never EAGAIN).
fn errnos(op: Op) -> &'static [(i32, &'static str)] {
    const EINTR: (i32, &str) = (libc::EINTR, "EINTR");
    const EAGAIN: (i32, &str) = (libc::EAGAIN, "EAGAIN");
    const ECONNRESET: (i32, &str) = (libc::ECONNRESET, "ECONNRESET");
    const EPIPE: (i32, &str) = (libc::EPIPE, "EPIPE");
    const EMFILE: (i32, &str) = (libc::EMFILE, "EMFILE");
    const ENOBUFS: (i32, &str) = (libc::ENOBUFS, "ENOBUFS");
    match op {
        Op::Socket => &[EMFILE, ENOBUFS],
        Op::Connect => &[EINTR, EAGAIN, ENOBUFS, ECONNRESET],
        Op::ConnectResult => &[ECONNRESET, ENOBUFS, EPIPE],
        Op::Send => &[EINTR, EAGAIN, ECONNRESET, EPIPE, ENOBUFS],
        Op::Recv | Op::Peek => &[EINTR, EAGAIN, ECONNRESET],
        _ => &[EINTR, EAGAIN],
    }
}

/// Loop iterations one run may take before it counts as a spin.
const MAX_PERFORMS: usize = 2_000;

struct Servers {
    http: HttpServer,
    tls: TlsServer,
    alias: String,
}

/// The representative transfers of one run: two waves, the second reusing
/// the first's pooled connections. Returns every DONE message and the
/// number of loop iterations.
fn workload(s: &Servers) -> (Vec<Message>, usize, usize) {
    let mut driver = common::driver();
    let mut wave = |easies: Vec<Easy>| {
        let n = easies.len();
        for e in easies {
            driver.multi_mut().add(e).expect("add");
        }
        let run = common::run(&mut driver, Duration::from_secs(30));
        assert_eq!(run.done.len(), n, "every transfer reports a result");
        (run.done, run.performs)
    };
    let mut tls_get = Easy::with_url(s.tls.url_host("localhost", "/bytes/3000"));
    tls_get.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    let mut streamed = Easy::with_url(s.http.url("/upload"));
    let mut left = 20_000usize;
    streamed.body_reader(Some(20_000), move |buf: &mut [u8]| {
        let n = buf.len().min(left).min(7_000);
        buf[..n].fill(b'x');
        left -= n;
        ReadResult::Data(n)
    });
    let mut posted = Easy::with_url(s.http.url("/post"));
    posted.post(vec![b'p'; 5_000]);
    let by_name = Easy::with_url(format!(
        "http://{}:{}/bytes/10",
        s.alias,
        s.http.addr().port()
    ));
    let (mut done, p1) = wave(vec![
        Easy::with_url(s.http.url("/bytes/1000")),
        Easy::with_url(s.http.url("/chunked/70000")),
        posted,
        streamed,
        tls_get,
        by_name,
    ]);
    let (more, p2) = wave(vec![
        Easy::with_url(s.http.url("/bytes/100")),
        Easy::with_url(s.http.url("/bytes/200000")),
    ]);
    done.extend(more);
    let sockets_left = driver.multi().socket_count();
    drop(driver);
    (done, p1 + p2, sockets_left)
}

fn code(m: &Message) -> Result<(), ErrorCode> {
    match &m.result {
        Ok(()) => Ok(()),
        Err(e) => Err(e.code()),
    }
}

#[test_log::test]
fn every_socket_operation_fails_in_turn() {
    let servers = Servers {
        http: HttpServer::start(),
        tls: TlsServer::start(CertKind::Good, fixtures::TlsOptions::default()),
        alias: fixtures::loopback_alias(),
    };
    // A clean run: everything succeeds, and it tells how often each
    // operation happens.
    let fds_before = common::open_fds();
    faults::arm(Op::Socket, u64::MAX, 0);
    let (done, _, _) = workload(&servers);
    assert!(done.iter().all(|m| m.result.is_ok()), "{done:?}");
    let counts: Vec<(Op, u64)> = Op::ALL.iter().map(|&op| (op, faults::count(op))).collect();
    assert!(!faults::disarm());
    eprintln!("operations per clean run: {counts:?}");
    assert!(
        counts.iter().all(|&(op, n)| n > 0 || op == Op::Peek),
        "{counts:?}"
    );

    let started = Instant::now();
    let (mut runs, mut fired, mut failed_transfers, mut max_performs) = (0, 0, 0, 0);
    let mut codes = std::collections::BTreeMap::new();
    for &(op, n) in &counts {
        for nth in 1..=n {
            for &(errno, name) in errnos(op) {
                faults::arm(op, nth, errno);
                let (done, performs, sockets_left) = workload(&servers);
                let hit = faults::disarm();
                runs += 1;
                fired += usize::from(hit);
                max_performs = max_performs.max(performs);
                assert!(
                    performs < MAX_PERFORMS,
                    "{op:?} #{nth} {name}: {performs} loop turns"
                );
                // Idle pooled connections stay announced (docs/decisions.md
                // 1); they are at most the connections the run opened.
                assert!(
                    sockets_left <= 8,
                    "{op:?} #{nth} {name}: {sockets_left} sockets"
                );
                for m in &done {
                    if let Err(c) = code(m) {
                        failed_transfers += 1;
                        *codes.entry(format!("{op:?}/{name} -> {c:?}")).or_insert(0) += 1;
                        let e = m.result.as_ref().unwrap_err();
                        assert!(!e.detail().is_empty(), "{op:?} #{nth} {name}: {e:?}");
                    }
                }
                // An interrupted call is retried: nothing may fail.
                if errno == libc::EINTR {
                    assert!(
                        done.iter().all(|m| m.result.is_ok()),
                        "{op:?} #{nth} EINTR: {done:?}"
                    );
                }
                // At most the transfers sharing the faulty operation fail.
                let failed = done.iter().filter(|m| m.result.is_err()).count();
                assert!(failed <= 2, "{op:?} #{nth} {name}: {done:?}");
                // Our descriptors are all closed; the servers close their
                // ends once they see ours go.
                assert!(
                    fixtures::wait_until(Duration::from_secs(5), || common::open_fds()
                        <= fds_before),
                    "{op:?} #{nth} {name}: {} descriptors open, {fds_before} before",
                    common::open_fds()
                );
            }
        }
    }
    eprintln!(
        "torture: {runs} runs ({fired} with the fault injected), {failed_transfers} transfers \
         failed with a code, at most {max_performs} loop turns per run, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for (what, n) in &codes {
        eprintln!("  {what}: {n}");
    }
    assert!(fired > 0);
}
