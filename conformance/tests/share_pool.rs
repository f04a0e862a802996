//! A connection pool shared through a share (FETCH_LOCK_DATA_CONNECT)
//! under the socket_action contract: an idle connection is announced to no
//! multi (SF-03), so it leaves one multi's pool (REMOVEd there first) and
//! is taken by a transfer of another multi, which announces it through its
//! own socket callback. Each multi's trace goes through the hygiene
//! checker, under both application loops.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conformance::harness::{Harness, LoopKind, for_each_loop};
use conformance::trace::TraceEvent;
use fetch_core::{Easy, Interest, LockAccess, LockData, Share, ShareLock};
use fixtures::{CertKind, HttpServer, Script, ScriptedServer, TestPki, TlsServer};

const LIMIT: Duration = Duration::from_secs(20);

fn pooled() -> Share {
    let mut s = Share::new();
    s.share(LockData::Connect).unwrap();
    s
}

fn easy(url: String, share: &Share, tls: bool) -> Easy {
    let mut e = Easy::with_url(url);
    if tls {
        e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    }
    e.share(Some(share));
    e
}

/// Runs one transfer in `h`; returns its easy handle (for its info).
fn run(h: &mut Harness, e: Easy) -> Easy {
    let id = h.add(e);
    h.run(LIMIT).unwrap();
    assert_eq!(h.code(id), Some(0));
    h.multi().remove(id).unwrap()
}

/// The sockets a trace announced (first interest that is not REMOVE).
fn announced(trace: &[TraceEvent]) -> Vec<RawFd> {
    let mut fds = Vec::new();
    for e in trace {
        if let TraceEvent::Socket { fd, interest, .. } = e {
            if *interest != Interest::Remove && !fds.contains(fd) {
                fds.push(*fd);
            }
        }
    }
    fds
}

/// Whether `fd`'s last callback in the trace is a REMOVE.
fn removed(trace: &[TraceEvent], fd: RawFd) -> bool {
    trace.iter().rev().find_map(|e| match e {
        TraceEvent::Socket {
            fd: f, interest, ..
        } if *f == fd => Some(*interest == Interest::Remove),
        _ => None,
    }) == Some(true)
}

/// Two multis, one share: the second multi's transfer reuses the first's
/// connection while the first multi is still alive, and both traces are
/// clean.
fn moves_between_multis(kind: LoopKind, tls: bool) {
    let (url, accepted): (String, Box<dyn Fn() -> usize>) = if tls {
        let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
        let url = srv.url("/bytes/100");
        (url, Box::new(move || srv.accepted()))
    } else {
        let srv = HttpServer::start();
        let url = srv.url("/bytes/100");
        (url, Box::new(move || srv.accepted()))
    };
    let share = pooled();
    let mut a = Harness::new(kind);
    let first = run(&mut a, easy(url.clone(), &share, tls));
    assert_eq!(first.info().num_connects, 1);
    assert_eq!(share.idle_connections(), 1, "parked in the share");
    let ta = a.trace();
    let fd = announced(&ta)[0];
    assert!(removed(&ta, fd), "REMOVEd by the first multi: {ta:?}");
    let mut b = Harness::new(kind);
    let second = run(&mut b, easy(url.clone(), &share, tls));
    assert_eq!(second.info().num_connects, 0, "reused");
    assert_eq!(accepted(), 1, "the server saw one connection");
    let tb = b.trace();
    assert!(
        announced(&tb).contains(&fd),
        "announced by the second multi"
    );
    assert!(removed(&tb, fd));
    assert_eq!(share.idle_connections(), 1);
    // And back to the first multi.
    let third = run(&mut a, easy(url, &share, tls));
    assert_eq!(third.info().num_connects, 0);
    assert_eq!(accepted(), 1);
    drop((first, second, third));
    a.finish_clean();
    b.finish_clean();
    assert_eq!(
        share.idle_connections(),
        1,
        "a multi cleanup leaves the share's"
    );
}

#[test_log::test]
fn shared_pool_moves_an_http_connection_between_multis() {
    for_each_loop("shared_pool_http", &["SF-03", "SF-02", "SF-07"], |kind| {
        moves_between_multis(kind, false)
    });
}

#[test_log::test]
fn shared_pool_moves_a_tls_connection_between_multis() {
    for_each_loop("shared_pool_https", &["SF-03", "SF-02", "SF-07"], |kind| {
        moves_between_multis(kind, true)
    });
}

/// Waits (bounded) until `f` holds.
fn wait_until(what: &str, f: impl Fn() -> bool) {
    let end = Instant::now() + LIMIT;
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test_log::test]
fn shared_pool_dead_connection_is_replaced() {
    for_each_loop("shared_pool_dead", &["SF-03"], |kind| {
        // Keep-alive answer, then the server closes the connection while it
        // sits in the share.
        let keep = Script::new()
            .expect_request()
            .write_str("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .close();
        let again = Script::new()
            .expect_request()
            .write_str("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .close();
        let srv = ScriptedServer::start_seq(vec![keep, again]);
        let share = pooled();
        let mut a = Harness::new(kind);
        run(&mut a, easy(srv.url("/"), &share, false));
        assert_eq!(share.idle_connections(), 1);
        wait_until("the server's close", || srv.open_connections() == 0);
        let mut b = Harness::new(kind);
        let text = Arc::new(Mutex::new(String::new()));
        let t = text.clone();
        let mut e = easy(srv.url("/"), &share, false);
        e.debug_function(move |_, b| t.lock().unwrap().push_str(&String::from_utf8_lossy(b)));
        let e = run(&mut b, e);
        assert_eq!(e.info().num_connects, 1, "a new connection");
        assert_eq!(srv.accepted(), 2);
        let text = text.lock().unwrap().clone();
        assert!(!text.contains("Re-using"), "{text}");
        assert_eq!(share.idle_connections(), 0);
        a.finish_clean();
        b.finish_clean();
    });
}

#[test_log::test]
fn shared_pool_keeps_at_most_maxconnects() {
    let s1 = HttpServer::start();
    let s2 = HttpServer::start();
    let share = pooled();
    let mut h = Harness::new(LoopKind::Mio);
    h.multi().set_max_connects(Some(1));
    run(&mut h, easy(s1.url("/bytes/1"), &share, false));
    run(&mut h, easy(s2.url("/bytes/1"), &share, false));
    assert_eq!(share.idle_connections(), 1, "the oldest closed");
    wait_until("the first server's connection closed", || {
        s1.open_connections() == 0
    });
    assert_eq!(s2.open_connections(), 1);
    h.finish_clean();
}

#[test_log::test]
fn shared_pool_connections_close_with_the_share_not_with_a_multi() {
    let srv = HttpServer::start();
    let share = pooled();
    let mut h = Harness::new(LoopKind::Mio);
    run(&mut h, easy(srv.url("/bytes/1"), &share, false));
    h.finish_clean();
    assert_eq!(srv.open_connections(), 1, "kept by the share");
    drop(share);
    wait_until("the share's connection closed", || {
        srv.open_connections() == 0
    });
}

#[test_log::test]
fn shared_pool_multi_cleanup_gives_back_nothing_in_use() {
    let srv = ScriptedServer::start(Script::new().expect_request().stall());
    let share = pooled();
    let mut h = Harness::new(LoopKind::Mio);
    h.add(easy(srv.url("/"), &share, false));
    let end = Instant::now() + LIMIT;
    while srv.requests().is_empty() {
        assert!(Instant::now() < end, "the request never arrived");
        h.step(Duration::from_millis(20));
    }
    h.finish_clean();
    assert_eq!(share.idle_connections(), 0, "a busy connection is closed");
}

/// Lock hooks with real mutual exclusion, counting calls for CONNECT.
#[derive(Default)]
struct Locks {
    held: Mutex<Vec<LockData>>,
    freed: std::sync::Condvar,
    connect: AtomicUsize,
}

impl ShareLock for Locks {
    fn lock(&self, _: usize, data: LockData, access: LockAccess) {
        assert_eq!(access, LockAccess::Single);
        let mut held = self.held.lock().unwrap();
        while held.contains(&data) {
            held = self.freed.wait(held).unwrap();
        }
        held.push(data);
        if data == LockData::Connect {
            self.connect.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn unlock(&self, _: usize, data: LockData) {
        let mut held = self.held.lock().unwrap();
        let at = held
            .iter()
            .position(|&d| d == data)
            .expect("unlock of a held lock");
        held.remove(at);
        self.freed.notify_all();
    }
}

#[test_log::test]
fn shared_pool_across_threads_under_the_locks() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let mut share = pooled();
    let locks = Arc::new(Locks::default());
    share.lock_hooks(Some(locks.clone())).unwrap();
    // One thread after the other, each with its own multi: the second
    // thread's transfer takes the connection the first one parked.
    for (i, kind) in [LoopKind::Mio, LoopKind::Builtin].into_iter().enumerate() {
        let (share, url) = (share.clone(), srv.url("/bytes/100"));
        let connects = std::thread::spawn(move || {
            let mut h = Harness::new(kind);
            let e = run(&mut h, easy(url, &share, true));
            h.finish_clean();
            e.info().num_connects
        })
        .join()
        .unwrap();
        assert_eq!(connects, if i == 0 { 1 } else { 0 });
    }
    assert_eq!(srv.accepted(), 1);
    assert!(locks.held.lock().unwrap().is_empty(), "every lock released");
    // Park, take, park: each under the CONNECT lock.
    assert!(locks.connect.load(Ordering::Relaxed) >= 3);
    assert!(!share.in_use());
}
