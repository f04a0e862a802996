//! Keep-alive reuse, the connection pool and the connection limits.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, Ev};
use fetch_core::{Clock, Easy, InfoType, Interest, Multi};
use fixtures::{HttpServer, Script, ScriptedServer};

/// HM-05, SF-03, SF-07, HM-09: a second transfer to the same origin reuses
/// the pooled connection. While it is idle its fd is REMOVEd (no active
/// transfer uses it), announced again on reuse, and cleanup makes no socket
/// callback for it: it was never announced again.
#[test_log::test]
fn keepalive_reuse_and_cleanup_remove_hm05_sf07_hm09() {
    let srv = HttpServer::start();
    let mut app = App::new();
    let a = app.add(Easy::with_url(srv.url("/bytes/10")));
    app.run(Duration::from_secs(10));
    let ea = app.multi.remove(a).unwrap();
    assert_eq!(ea.info().num_connects, 1);
    let b = app.add(Easy::with_url(srv.url("/bytes/20")));
    app.run(Duration::from_secs(10));
    let eb = app.multi.remove(b).unwrap();
    assert_eq!(eb.info().num_connects, 0, "HM-05: reused");
    assert_eq!(srv.accepted(), 1);
    assert_eq!(app.watched(), 0, "SF-03: the idle connection was REMOVEd");
    assert_eq!(app.multi.timeout(), None, "and no timer is left");
    // The one fd: announced, REMOVEd when idle, announced again for the
    // second transfer, REMOVEd again.
    let per_fd: Vec<Interest> = app
        .log()
        .iter()
        .filter_map(|e| match e {
            Ev::Socket { interest, .. } => Some(*interest),
            Ev::Timer(_) => None,
        })
        .collect();
    let removes = per_fd.iter().filter(|&&i| i == Interest::Remove).count();
    assert_eq!(removes, 2, "{per_fd:?}");
    assert_eq!(per_fd.last(), Some(&Interest::Remove));
    let shared = app.shared.clone();
    let logged = shared.lock().unwrap().log.len();
    drop(app);
    let st = shared.lock().unwrap();
    assert!(st.watched.is_empty());
    assert!(
        !st.log[logged..]
            .iter()
            .any(|e| matches!(e, Ev::Socket { .. })),
        "SF-07/HM-09: cleanup calls back only for announced sockets: {:?}",
        &st.log[logged..]
    );
}

/// A pooled connection the server closed while it was idle (and unwatched)
/// is found dead when a transfer would reuse it, closed, and not used: the
/// transfer opens a new connection and no retry is needed.
#[test_log::test]
fn idle_connection_closed_by_server_is_removed() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("one").close());
    let mut app = App::new();
    let a = app.add(Easy::with_url(srv.url("/")));
    app.run(Duration::from_secs(10));
    assert!(app.result(a).is_ok());
    for _ in 0..50 {
        if app.watched() == 0 {
            break;
        }
        app.step(Duration::from_millis(20));
    }
    assert_eq!(app.watched(), 0, "the closed idle socket was removed");
    // Past the moment right after the drain, when a reuse leaves out the
    // probe (decisions.md 65): this reuse probes.
    std::thread::sleep(Duration::from_millis(5));
    let b = app.add(Easy::with_url(srv.url("/")));
    app.run(Duration::from_secs(10));
    assert!(app.result(b).is_ok());
    assert_eq!(srv.accepted(), 2);
}

/// A pooled connection that dies just as it is reused is retried once on a
/// new connection, invisibly to the application.
#[test_log::test]
fn stale_pooled_connection_is_retried() {
    let srv = ScriptedServer::start_seq(vec![
        Script::new()
            .expect_request()
            .respond_ok("one")
            .expect_request()
            .close(),
        Script::new().expect_request().respond_ok("two"),
    ]);
    let mut app = App::new();
    let a = app.add(Easy::with_url(srv.url("/")));
    app.run(Duration::from_secs(10));
    assert!(app.result(a).is_ok());
    let b = app.add(Easy::with_url(srv.url("/")));
    app.run(Duration::from_secs(10));
    assert!(app.result(b).is_ok(), "{:?}", app.result(b));
    assert_eq!(app.multi.remove(b).unwrap().response_body(), b"two");
}

/// A server whose first connection answers one request and then closes
/// (keep-alive, no `Connection: close`: the close comes right after the
/// response), and whose second connection answers one.
fn closes_after_first_response() -> ScriptedServer {
    ScriptedServer::start_seq(vec![
        Script::new().expect_request().respond_ok("one").close(),
        Script::new().expect_request().respond_ok("two"),
    ])
}

/// Runs `/` on `srv` to its end, then a second GET after `idle` on the
/// multi's manual clock (real time runs on meanwhile, so the server's
/// close has arrived); returns how many times the second request went
/// out (its HEADER_OUT traces) and its body.
fn reuse_after(srv: &ScriptedServer, idle: Duration) -> (usize, Vec<u8>) {
    let clock = Clock::manual();
    let mut app = App::with_multi(Multi::with_clock(clock.clone()));
    let a = app.add(Easy::with_url(srv.url("/")));
    app.run(Duration::from_secs(10));
    assert!(app.result(a).is_ok());
    for _ in 0..50 {
        if srv.open_connections() == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    clock.advance(idle);
    let mut easy = Easy::with_url(srv.url("/"));
    let sent: Arc<Mutex<usize>> = Arc::default();
    let s = sent.clone();
    easy.debug_function(move |kind, _| {
        if kind == InfoType::HeaderOut {
            *s.lock().unwrap() += 1;
        }
    });
    let b = app.add(easy);
    app.run(Duration::from_secs(10));
    assert!(app.result(b).is_ok(), "{:?}", app.result(b));
    let body = app.multi.remove(b).unwrap().response_body().to_vec();
    assert_eq!(srv.accepted(), 2);
    let sent = *sent.lock().unwrap();
    (sent, body)
}

/// HM-05 and the retry of a reused connection: a connection drained by
/// a short read and reused at once (no time passes on the multi's clock)
/// is taken without the liveness probe (decisions.md 65). The server had
/// closed it right after the response, so the request goes out on the
/// dead connection, fails before any response byte, and goes again on a
/// new connection, invisibly to the application.
#[test_log::test]
fn drained_connection_reused_at_once_is_retried_when_dead() {
    let srv = closes_after_first_response();
    let (sent, body) = reuse_after(&srv, Duration::ZERO);
    assert_eq!(sent, 2, "no probe: the request went out twice");
    assert_eq!(body, b"two");
}

/// The probe is left out only right after the drain: a connection idle
/// longer than that is probed on reuse, found closed and never used, so
/// the request goes out once, on a new connection.
#[test_log::test]
fn idle_connection_is_probed_after_the_window() {
    let srv = closes_after_first_response();
    let (sent, body) = reuse_after(&srv, Duration::from_millis(5));
    assert_eq!(sent, 1, "the probe found the close");
    assert_eq!(body, b"two");
}

/// OPT-04: one connection per host; the others queue and all complete.
#[test_log::test]
fn max_host_connections_opt04() {
    let srv = HttpServer::start();
    let mut app = App::new();
    app.multi.set_max_host_connections(1);
    let ids: Vec<_> = (0..3)
        .map(|_| app.add(Easy::with_url(srv.url("/bytes/50000"))))
        .collect();
    app.run(Duration::from_secs(10));
    for id in ids {
        assert!(app.result(id).is_ok());
    }
    assert_eq!(srv.peak_connections(), 1);
}

/// OPT-05: total limit across hosts.
#[test_log::test]
fn max_total_connections_opt05() {
    let servers: Vec<_> = (0..5).map(|_| HttpServer::start()).collect();
    let mut app = App::new();
    app.multi.set_max_total_connections(2);
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ids: Vec<_> = servers
        .iter()
        .map(|s| app.add(Easy::with_url(s.url("/bytes/20000"))))
        .collect();
    let mut open_max = 0;
    while app.multi.running() > 0 {
        app.step(Duration::from_millis(50));
        open_max = open_max.max(app.watched());
    }
    peak.store(open_max, std::sync::atomic::Ordering::Relaxed);
    for id in ids {
        assert!(app.result(id).is_ok());
    }
    assert!(open_max <= 2, "peak {open_max}");
}

/// OPT-03: with MAXCONNECTS 1, an earlier idle connection is closed when a
/// newer one joins the pool.
#[test_log::test]
fn max_connects_closes_oldest_opt03() {
    let servers: Vec<_> = (0..3).map(|_| HttpServer::start()).collect();
    let mut app = App::new();
    app.multi.set_max_connects(Some(1));
    for s in &servers {
        let id = app.add(Easy::with_url(s.url("/bytes/10")));
        app.run(Duration::from_secs(10));
        assert!(app.result(id).is_ok());
        app.multi.remove(id).unwrap();
    }
    assert!(fixtures::wait_until(Duration::from_secs(5), || {
        servers[0].open_connections() == 0 && servers[1].open_connections() == 0
    }));
    assert_eq!(servers[2].open_connections(), 1);
    assert_eq!(app.watched(), 0, "the pooled connection is not watched");
}

/// Re-adding a finished transfer runs it afresh: its info and collected
/// body start from zero, and its URL is not parsed again.
#[test_log::test]
fn re_added_transfer_starts_afresh() {
    let srv = HttpServer::start();
    let mut app = App::new();
    let mut easy = Easy::with_url(srv.url("/bytes/1000"));
    for round in 0..3 {
        let id = app.add(easy);
        app.run(Duration::from_secs(10));
        assert!(app.result(id).is_ok());
        easy = app.multi.remove(id).unwrap();
        assert_eq!(easy.info().size_download, 1000, "round {round}");
        assert_eq!(easy.response_body().len(), 1000, "round {round}");
        assert_eq!(easy.info().num_connects, u32::from(round == 0));
    }
}

/// OPT-04 and OPT-05 together: waiters of several origins share the total
/// limit while each origin has its own; a waiter whose origin is full never
/// holds back the others, and waiters removed while queued leave no trace.
#[test_log::test]
fn host_and_total_limits_with_many_waiters() {
    let servers: Vec<_> = (0..4).map(|_| HttpServer::start()).collect();
    let mut app = App::new();
    app.multi.set_max_host_connections(1);
    app.multi.set_max_total_connections(3);
    let mut ids = Vec::new();
    for round in 0..10 {
        for s in &servers {
            ids.push(app.add(Easy::with_url(s.url(&format!("/bytes/{}", 1000 + round)))));
        }
    }
    // Two queued transfers go away before they ever get a slot.
    let gone = [ids.pop().unwrap(), ids.pop().unwrap()];
    app.step(Duration::from_millis(10));
    for id in gone {
        app.multi.remove(id).unwrap();
    }
    let mut open_max = 0;
    while app.multi.running() > 0 {
        app.step(Duration::from_millis(50));
        open_max = open_max.max(app.watched());
    }
    for id in &ids {
        assert!(app.result(*id).is_ok(), "{:?}", app.result(*id));
    }
    assert_eq!(ids.len(), 38);
    assert!(open_max <= 3, "peak {open_max}");
    for s in &servers {
        assert_eq!(s.peak_connections(), 1);
    }
}

/// FETCHOPT_FORBID_REUSE closes the connection after the transfer;
/// FETCHOPT_FRESH_CONNECT opens a new one although one is pooled.
#[test_log::test]
fn forbid_reuse_and_fresh_connect() {
    let srv = HttpServer::start();
    let mut app = App::new();
    let mut e = Easy::with_url(srv.url("/bytes/10"));
    e.forbid_reuse(true);
    let a = app.add(e);
    app.run(Duration::from_secs(10));
    assert!(app.result(a).is_ok());
    let b = app.add(Easy::with_url(srv.url("/bytes/10")));
    app.run(Duration::from_secs(10));
    assert_eq!(
        app.multi.remove(b).unwrap().info().num_connects,
        1,
        "not reused"
    );
    let mut e = Easy::with_url(srv.url("/bytes/10"));
    e.fresh_connect(true);
    let c = app.add(e);
    app.run(Duration::from_secs(10));
    assert_eq!(app.multi.remove(c).unwrap().info().num_connects, 1, "fresh");
    let d = app.add(Easy::with_url(srv.url("/bytes/10")));
    app.run(Duration::from_secs(10));
    assert_eq!(
        app.multi.remove(d).unwrap().info().num_connects,
        0,
        "pooled one reused"
    );
    assert_eq!(srv.accepted(), 3);
}

/// OPT-04 with nothing to reuse: a transfer waiting for a slot to an IP
/// address keeps no address while it waits, and once the slot frees with
/// no idle connection left (FORBID_REUSE closed it) it connects afresh.
#[test_log::test]
fn host_limit_waiters_connect_afresh_when_nothing_is_pooled() {
    let srv = HttpServer::start();
    let mut app = App::new();
    app.multi.set_max_host_connections(1);
    let ids: Vec<_> = (0..3)
        .map(|_| {
            let mut e = Easy::with_url(srv.url("/bytes/1000"));
            e.forbid_reuse(true);
            app.add(e)
        })
        .collect();
    app.run(Duration::from_secs(10));
    for id in ids {
        let easy = app.multi.remove(id).unwrap();
        assert_eq!(easy.info().response_code, 200);
        assert_eq!(easy.info().num_connects, 1, "a connection of its own");
    }
    // (Not the server's peak: it may see a closed connection's end after
    // the next one's start.)
    assert_eq!(srv.accepted(), 3);
}
