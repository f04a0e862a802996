//! Measurement probe for docs/decisions.md entry 45, not product code: the
//! `h2` crate's client driven sans-IO from a plain mio (epoll,
//! edge-triggered) loop that owns the TCP socket and a rustls session
//! (ALPN h2). No tokio runtime: h2 gets an in-memory transport
//! ([`transport`]) and its futures are polled with flag wakers ([`wake`])
//! only when woken. Same command line and JSON line as
//! `bench/rust-driver`, so the two run the same workloads:
//!
//! ```text
//! h2crate-probe URL TOTAL CONCURRENCY CAINFO
//! ```
//!
//! Environment: `PROBE_TRANSPORT=pipe|direct` (two byte buffers between
//! the engine and h2, the default; or h2 reading and writing rustls's
//! plaintext directly); `PROBE_PAUSED=K` (the first K stream slots never
//! release flow-control capacity, i.e. they are paused; the run ends when
//! nothing moves for 2 s and prints the bytes each slot got).

mod engine;
mod transport;
mod wake;

use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use engine::Engine;

fn usage() -> ! {
    eprintln!("usage: h2crate-probe https://HOST:PORT/PATH TOTAL CONCURRENCY CAINFO");
    std::process::exit(2)
}

fn tls_config(ca: &str) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).unwrap_or_else(|_| usage()) {
        roots.add(c.expect("CA file")).expect("CA certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() != 5 {
        usage();
    }
    let uri: http::Uri = argv[1].parse().unwrap_or_else(|_| usage());
    let total: usize = argv[2].parse().unwrap_or_else(|_| usage());
    let conc: usize = argv[3]
        .parse::<usize>()
        .unwrap_or_else(|_| usage())
        .min(total);
    let direct = std::env::var("PROBE_TRANSPORT").is_ok_and(|v| v == "direct");
    let paused: usize = std::env::var("PROBE_PAUSED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let host = uri.host().unwrap_or_else(|| usage()).to_owned();
    let addr = (host.as_str(), uri.port_u16().unwrap_or(443));
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&addr)
        .expect("resolve")
        .next()
        .expect("an address");
    let name = ServerName::try_from(host).expect("server name");
    let tls = rustls::ClientConnection::new(tls_config(&argv[4]), name).expect("rustls");

    let started_at = Instant::now();
    let mut poll = Poll::new().expect("epoll");
    let mut sock = mio::net::TcpStream::connect(addr).expect("connect");
    sock.set_nodelay(true).expect("nodelay");
    poll.registry()
        .register(&mut sock, Token(0), Interest::READABLE | Interest::WRITABLE)
        .expect("register");
    let mut e = Engine::new(sock, tls, direct, uri, (total, conc, paused));

    let stall = Duration::from_secs(if paused > 0 { 2 } else { 30 });
    let mut events = Events::with_capacity(16);
    let mut stalled = false;
    while !e.done() {
        e.drive();
        e.flush().expect("write");
        if e.done() {
            break;
        }
        if !e.pending_work() {
            poll.poll(&mut events, Some(stall)).expect("epoll_wait");
            if events.is_empty() {
                stalled = true;
                break;
            }
        }
        e.on_readable().expect("read");
        if e.eof {
            break;
        }
    }
    report(
        &e,
        started_at.elapsed(),
        (total, conc, direct, paused),
        stalled,
    );
}

fn report(
    e: &Engine,
    wall: Duration,
    (total, conc, direct, paused): (usize, usize, bool, usize),
    stalled: bool,
) {
    let (user, sys) = rusage();
    let o = &e.out;
    let per_slot = if paused > 0 {
        format!(",\"paused\":{paused},\"slot_bytes\":{:?}", o.slot_bytes)
    } else {
        String::new()
    };
    println!(
        concat!(
            "{{\"client\":\"h2crate-probe\",\"transport\":\"{}\",\"total\":{},",
            "\"concurrency\":{},\"ok\":{},\"failed\":{},\"first_error\":{:?},",
            "\"bytes\":{},\"wall_s\":{:.6},\"user_s\":{:.6},\"sys_s\":{:.6},",
            "\"stalled\":{}{}}}"
        ),
        if direct { "direct" } else { "pipe" },
        total,
        conc,
        o.ok,
        o.failed,
        o.first_error.as_deref().unwrap_or(""),
        o.bytes,
        wall.as_secs_f64(),
        user,
        sys,
        stalled,
        per_slot,
    );
    if o.failed > 0 || (stalled && paused == 0) {
        std::process::exit(1);
    }
}

/// User and system CPU seconds of this process.
fn rusage() -> (f64, f64) {
    // SAFETY: an all-zero rusage is a valid value to be overwritten.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage.
    unsafe {
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(ru.ru_utime), secs(ru.ru_stime))
}
