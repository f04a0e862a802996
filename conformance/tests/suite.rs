//! The conformance scenarios. Each names the rule IDs it checks (see
//! docs/rules.md), runs under both application loops where the rule is
//! about the socket_action contract, asserts the rule in code, checks the
//! shared hygiene invariants, and snapshots the normalised trace where the
//! exchange is deterministic.

use std::time::{Duration, Instant};

use conformance::harness::{Harness, LoopKind, for_each_loop};
use conformance::record::scenario;
use conformance::trace::{TraceEvent, bucket};
use fetch_core::{
    Clock, Easy, ErrorCode, Events, Interest, Method, Multi, MultiError, Target, multi_strerror,
};
use fixtures::{HttpServer, Script, ScriptedServer};

const LIMIT: Duration = Duration::from_secs(20);

fn snapshot(name: &str, kind: LoopKind, text: &str) {
    insta::with_settings!({ snapshot_suffix => kind.name(), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test_log::test]
fn single_get() {
    for_each_loop(
        "single_get",
        &[
            "SA-01", "SA-03", "SA-05", "SF-02", "IR-03", "TF-04", "AS-04", "CB-03", "HM-01",
        ],
        |kind| {
            let srv = HttpServer::start();
            let mut h = Harness::new(kind);
            let id = h.add(Easy::with_url(srv.url("/bytes/512")));
            let t = h.trace();
            assert_eq!(
                t[t.len() - 2],
                TraceEvent::Timer(Some(Duration::ZERO)),
                "TF-04"
            );
            h.run(LIMIT).unwrap();
            assert_eq!(h.code(id), Some(0), "IR-03");
            assert_eq!(h.multi().running(), 0, "SA-03");
            let trace = h.trace();
            for ev in &trace {
                if let TraceEvent::Socket { interest, .. } = ev {
                    assert!((1..=4).contains(&interest.as_raw()), "SF-02");
                }
            }
            let f = h.finish_clean();
            snapshot("single_get", kind, &f.text());
        },
    );
}

/// SA-02: events 0 means "find out": the same download with real bits
/// and with 0 gives the same body.
#[test_log::test]
fn events_zero() {
    scenario("events_zero", &["SA-02"], || {
        let srv = HttpServer::start();
        let mut bodies = Vec::new();
        for zero in [false, true] {
            let mut h = Harness::new(LoopKind::Mio);
            let id = h.add(Easy::with_url(srv.url("/chunked/200000")));
            let end = Instant::now() + LIMIT;
            while h.multi().running() > 0 {
                if zero {
                    let fds: Vec<_> = h.multi().sockets().map(|(fd, _)| fd).collect();
                    for fd in fds {
                        h.action(Target::Socket(fd), Events::NONE).unwrap();
                    }
                    h.action(Target::Timeout, Events::NONE).unwrap();
                    std::thread::sleep(Duration::from_millis(1));
                } else {
                    h.step(Duration::from_millis(100));
                }
                assert!(Instant::now() < end, "hang");
            }
            assert_eq!(h.code(id), Some(0));
            bodies.push(h.multi().remove(id).unwrap().take_response_body());
            h.finish_clean();
        }
        assert_eq!(bodies[0], bodies[1]);
        assert_eq!(bodies[0], fixtures::pattern(200_000));
    });
}

/// SA-03, SA-04, SA-06, IR-01, IR-03: three transfers, one refused.
#[test_log::test]
fn three_with_one_refused() {
    for_each_loop(
        "three_with_one_refused",
        &["SA-03", "SA-04", "SA-06", "IR-01", "IR-03", "ERR-01"],
        |kind| {
            let srv = HttpServer::start();
            let refused = fixtures::closed_port();
            let mut h = Harness::new(kind);
            let a = h.add(Easy::with_url(srv.url("/bytes/100")));
            let b = h.add(Easy::with_url(format!("http://{refused}/")));
            let c = h.add(Easy::with_url(srv.url("/bytes/200")));
            h.run(LIMIT).unwrap();
            for ev in h.trace() {
                if let TraceEvent::Action { result, .. } = ev {
                    assert!(
                        result.is_ok(),
                        "SA-06: transfer failures never fail the call"
                    );
                }
            }
            assert_eq!(h.done.len(), 3, "exactly 3 DONE");
            assert_eq!(h.code(a), Some(0));
            assert_eq!(h.code(b), Some(ErrorCode::CouldntConnect.code()));
            assert_eq!(h.code(c), Some(0));
            h.finish_clean();
        },
    );
}

/// SA-08, AS-02, ERR-05: an fd the library never announced.
#[test_log::test]
fn unknown_socket() {
    for_each_loop("unknown_socket", &["SA-08", "AS-02", "ERR-05"], |kind| {
        use std::os::fd::AsRawFd;
        let (r, _w) = std::os::unix::net::UnixStream::pair().unwrap();
        let srv = fixtures::silent_server();
        let mut h = Harness::new(kind);
        h.add(Easy::with_url(srv.url("/")));
        h.step(Duration::from_millis(10));
        let running = h.multi().running();
        assert_eq!(
            h.action(Target::Socket(r.as_raw_fd()), Events::IN),
            Ok(running)
        );
        assert_eq!(
            h.multi().assign(r.as_raw_fd(), Some(1)),
            Err(MultiError::BadSocket)
        );
        h.finish_clean();
    });
}

/// SA-09, TF-05, TO-05, TF-02: the total timeout fires only through the
/// timer the app was told about.
#[test_log::test]
fn timeout_through_timer() {
    for_each_loop(
        "timeout_through_timer",
        &["SA-09", "TF-05", "TO-05", "TF-02"],
        |kind| {
            let srv = fixtures::silent_server();
            let mut h = Harness::new(kind);
            let mut easy = Easy::with_url(srv.url("/"));
            easy.timeout(Duration::from_millis(300));
            let id = h.add(easy);
            let started = Instant::now();
            let end = started + LIMIT;
            while h.multi().running() > 0 {
                h.step(Duration::from_millis(50));
                // TO-05: the query never says later than the callback did.
                let announced = h.shared.lock().unwrap().timer;
                if let (Some(at), Some(q)) = (announced, h.multi().timeout()) {
                    assert!(Instant::now() + q <= at + Duration::from_millis(2), "TO-05");
                }
                assert!(Instant::now() < end, "hang");
            }
            assert!(started.elapsed() >= Duration::from_millis(290));
            assert_eq!(h.code(id), Some(ErrorCode::OperationTimedout.code()));
            h.finish_clean();
        },
    );
}

/// SA-10: the legacy "check everything" entry point alone drives a
/// transfer to the end.
#[test_log::test]
fn socket_all_alone() {
    scenario("socket_all_alone", &["SA-10", "FD-04"], || {
        let srv = HttpServer::start();
        let mut m = Multi::new();
        let id = m.add(Easy::with_url(srv.url("/bytes/1000"))).unwrap();
        let end = Instant::now() + LIMIT;
        while m.socket_all().unwrap() > 0 {
            std::thread::sleep(Duration::from_millis(1));
            assert!(Instant::now() < end);
        }
        assert!(m.info_read().unwrap().0.result.is_ok());
        assert_eq!(m.remove(id).unwrap().response_body().len(), 1000);
    });
}

/// SF-03, SF-04, SF-07, HM-05, HM-09: sequential keep-alive transfers. The
/// pooled connection is REMOVEd while idle and announced again (with a NULL
/// socketp) when reused; cleanup has nothing left to REMOVE.
#[test_log::test]
fn keepalive_and_cleanup() {
    for_each_loop(
        "keepalive_and_cleanup",
        &["SF-03", "SF-04", "SF-07", "HM-05", "HM-09"],
        |kind| {
            let srv = HttpServer::start();
            let mut h = Harness::new(kind);
            let a = h.add(Easy::with_url(srv.url("/bytes/10")));
            h.run(LIMIT).unwrap();
            assert_eq!(h.multi().remove(a).unwrap().info().num_connects, 1);
            let b = h.add(Easy::with_url(srv.url("/bytes/10")));
            h.run(LIMIT).unwrap();
            assert_eq!(h.multi().remove(b).unwrap().info().num_connects, 0, "HM-05");
            assert_eq!(srv.accepted(), 1);
            let sockets = |t: &[TraceEvent]| {
                t.iter()
                    .filter(|e| matches!(e, TraceEvent::Socket { .. }))
                    .count()
            };
            let before = sockets(&h.trace());
            let f = h.finish_clean();
            assert_eq!(
                sockets(&f.trace),
                before,
                "SF-07/HM-09: cleanup calls back for no socket it already REMOVEd"
            );
            snapshot("keepalive_and_cleanup", kind, &f.text());
        },
    );
}

/// SF-03: once every transfer is done, no socket is announced and no timer
/// is set, although the connection stays pooled: an application loop whose
/// only events were libfetch's goes idle at once.
#[test_log::test]
fn idle_connection_removed() {
    for_each_loop("idle_connection_removed", &["SF-03", "TF-02"], |kind| {
        let srv = HttpServer::start();
        let mut h = Harness::new(kind);
        let id = h.add(Easy::with_url(srv.url("/bytes/1000")));
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(id), Some(0));
        assert_eq!(h.multi().socket_count(), 0, "SF-03: no fd announced");
        assert_eq!(h.multi().timeout(), None, "no timer");
        let last_timer = h.trace().iter().rev().find_map(|e| match e {
            TraceEvent::Timer(t) => Some(*t),
            _ => None,
        });
        assert_eq!(last_timer, Some(None), "the timer was cleared (-1)");
        // The pool still has them: a new transfer reuses one.
        let again = h.add(Easy::with_url(srv.url("/bytes/10")));
        h.run(LIMIT).unwrap();
        assert_eq!(h.multi().remove(again).unwrap().info().num_connects, 0);
        assert_eq!(h.multi().socket_count(), 0, "SF-03: REMOVEd again");
        assert_eq!(srv.accepted(), 1);
        let f = h.finish_clean();
        snapshot("idle_connection_removed", kind, &f.text());
    });
}

/// SF-05, SF-06, ERR-05: the socket callback fails.
#[test_log::test]
fn socket_callback_fails() {
    for_each_loop(
        "socket_callback_fails",
        &["SF-05", "SF-06", "ERR-05"],
        |kind| {
            let srv = fixtures::silent_server();
            let mut h = Harness::new(kind);
            let a = h.add(Easy::with_url(srv.url("/a")));
            let b = h.add(Easy::with_url(srv.url("/b")));
            h.shared.lock().unwrap().fail_socket_cb = true;
            let r = h.action(Target::Timeout, Events::NONE);
            assert_eq!(r, Err(MultiError::AbortedByCallback));
            h.shared.lock().unwrap().fail_socket_cb = false;
            h.action(Target::Timeout, Events::NONE).unwrap();
            assert_eq!(h.code(a), Some(ErrorCode::AbortedByCallback.code()));
            assert_eq!(h.code(b), Some(ErrorCode::AbortedByCallback.code()));
            let e = h.multi().add(Easy::with_url(srv.url("/c"))).unwrap_err();
            assert_eq!(e.error, MultiError::AbortedByCallback, "SF-06");
            h.multi().remove(a).unwrap();
            h.multi().remove(b).unwrap();
            h.add(Easy::with_url(srv.url("/d")));
            h.finish_clean();
        },
    );
}

/// TF-06: the timer callback fails inside add: rolled back.
#[test_log::test]
fn timer_callback_fails() {
    for_each_loop("timer_callback_fails", &["TF-06"], |kind| {
        let mut h = Harness::new(kind);
        h.shared.lock().unwrap().fail_timer_cb = true;
        let e = h
            .multi()
            .add(Easy::with_url("http://127.0.0.1:9/"))
            .unwrap_err();
        assert_eq!(e.error, MultiError::AbortedByCallback);
        assert!(h.multi().transfer_ids().is_empty());
        h.finish_clean();
    });
}

/// SF-08: the resolver's wakeup socket serves no transfer; the app copes.
#[test_log::test]
fn internal_sockets() {
    for_each_loop("internal_sockets", &["SF-08"], |kind| {
        let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        let alias = hosts.lines().find_map(|l| {
            let mut p = l.split_whitespace();
            (p.next()? == "127.0.0.1")
                .then(|| p.find(|n| !n.contains("localhost")).map(str::to_owned))
                .flatten()
        });
        let Some(alias) = alias else {
            panic!("no 127.0.0.1 alias in /etc/hosts to resolve through the pool");
        };
        let srv = HttpServer::start();
        let mut h = Harness::new(kind);
        let id = h.add(Easy::with_url(format!(
            "http://{alias}:{}/bytes/5",
            srv.addr().port()
        )));
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(id), Some(0));
        assert!(h.trace().iter().any(|e| matches!(
            e,
            TraceEvent::Socket {
                transfer: None,
                interest: Interest::In,
                ..
            }
        )));
        h.finish_clean();
    });
}

/// TF-02, TF-03: values are a valid expiry or "none"; idle timeout calls do
/// not call the timer callback again.
#[test_log::test]
fn timer_only_on_change() {
    for_each_loop("timer_only_on_change", &["TF-02", "TF-03"], |kind| {
        let srv = fixtures::silent_server();
        let mut h = Harness::with_multi(kind, Multi::with_clock(Clock::manual()));
        let mut e = Easy::with_url(srv.url("/"));
        e.timeout(Duration::from_secs(30));
        h.add(e);
        h.action(Target::Timeout, Events::NONE).unwrap();
        let count = |h: &Harness| {
            h.trace()
                .iter()
                .filter(|e| matches!(e, TraceEvent::Timer(_)))
                .count()
        };
        let n = count(&h);
        h.action(Target::Timeout, Events::NONE).unwrap();
        h.action(Target::Timeout, Events::NONE).unwrap();
        assert_eq!(count(&h), n, "TF-03");
        for ev in h.trace() {
            if let TraceEvent::Timer(d) = ev {
                assert!(["none", "0", "short", "long"].contains(&bucket(d)));
            }
        }
        h.finish_clean();
    });
}

/// AS-01, AS-03: the assigned value arrives on every later call for the
/// socket and on its REMOVE; the last assign wins.
#[test_log::test]
fn assign_reaches_callbacks() {
    for_each_loop(
        "assign_reaches_callbacks",
        &["AS-01", "AS-03", "SF-01"],
        |kind| {
            let srv = HttpServer::start();
            let mut h = Harness::new(kind);
            let id = h.add(Easy::with_url(srv.url("/bytes/100000")));
            h.run(LIMIT).unwrap();
            assert_eq!(h.code(id), Some(0));
            let f = h.finish_clean();
            let mut seen = std::collections::HashMap::new();
            for ev in &f.trace {
                if let TraceEvent::Socket {
                    fd,
                    interest,
                    assigned,
                    ..
                } = ev
                {
                    match seen.get(fd) {
                        None => assert_eq!(*assigned, None, "SF-01: NULL on first announcement"),
                        Some(v) => assert_eq!(assigned, v, "AS-01: assigned value passed back"),
                    }
                    if *interest == Interest::Remove {
                        seen.remove(fd);
                    } else {
                        seen.insert(*fd, Some(*fd as usize + 1000));
                    }
                }
            }
        },
    );
}

/// IR-01, IR-02, IR-06, HM-06: the queue counts down, reading removes,
/// removing an unread transfer drops its message, finished ones stay added.
#[test_log::test]
fn message_queue() {
    scenario(
        "message_queue",
        &["IR-01", "IR-02", "IR-06", "HM-06", "HM-11"],
        || {
            let srv = HttpServer::start();
            let mut m = Multi::new();
            let ids: Vec<_> = (0..4)
                .map(|_| m.add(Easy::with_url(srv.url("/bytes/10"))).unwrap())
                .collect();
            let end = Instant::now() + LIMIT;
            while m.socket_all().unwrap() > 0 {
                std::thread::sleep(Duration::from_millis(1));
                assert!(Instant::now() < end);
            }
            let snapshot = m.transfer_ids();
            assert_eq!(snapshot.len(), 4, "HM-06/HM-11");
            m.remove(ids[3]).unwrap();
            assert_eq!(snapshot.len(), 4, "HM-11: the old list is a snapshot");
            assert_eq!(m.transfer_ids().len(), 3);
            let lefts: Vec<usize> = std::iter::from_fn(|| m.info_read().map(|(_, l)| l)).collect();
            assert_eq!(lefts, vec![2, 1, 0], "IR-01, IR-06");
            assert!(m.info_read().is_none(), "IR-02");
        },
    );
}

/// IR-05: a transfer that fails at once still gets its DONE.
#[test_log::test]
fn instant_failure_has_done() {
    for_each_loop("instant_failure_has_done", &["IR-05"], |kind| {
        let mut h = Harness::new(kind);
        let id = h.add(Easy::with_url("nosuchscheme://x/"));
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(id), Some(ErrorCode::UnsupportedProtocol.code()));
        h.finish_clean();
    });
}

/// TO-01: no timeout on an empty multi; 0 right after add.
#[test_log::test]
fn timeout_query() {
    scenario("timeout_query", &["TO-01"], || {
        let mut m = Multi::new();
        assert_eq!(m.timeout(), None);
        m.add(Easy::with_url("http://127.0.0.1:9/")).unwrap();
        assert_eq!(m.timeout(), Some(Duration::ZERO));
    });
}

/// HM-02: add does no I/O; a handle added mid-run also completes.
#[test_log::test]
fn add_does_no_io() {
    for_each_loop("add_does_no_io", &["HM-02"], |kind| {
        let srv = HttpServer::start();
        let mut h = Harness::new(kind);
        let a = h.add(Easy::with_url(srv.url("/bytes/4000000")));
        assert_eq!(srv.accepted_before_probe(), 0, "no I/O before driving");
        while h
            .multi()
            .transfer(a)
            .is_some_and(|e| e.info().size_download == 0)
        {
            h.step(Duration::from_millis(20));
        }
        let b = h.add(Easy::with_url(srv.url("/bytes/10")));
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(a), Some(0));
        assert_eq!(h.code(b), Some(0));
        h.finish_clean();
    });
}

/// HM-07: removing a transfer mid-body leaves the others alone.
#[test_log::test]
fn remove_mid_body() {
    for_each_loop("remove_mid_body", &["HM-07"], |kind| {
        let slow = ScriptedServer::start(
            Script::new()
                .expect_request()
                .write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc")
                .stall(),
        );
        let srv = HttpServer::start();
        let mut h = Harness::new(kind);
        let a = h.add(Easy::with_url(slow.url("/")));
        let b = h.add(Easy::with_url(srv.url("/bytes/100000")));
        let end = Instant::now() + LIMIT;
        while h
            .multi()
            .transfer(a)
            .is_some_and(|e| e.response_body().is_empty())
        {
            h.step(Duration::from_millis(20));
            assert!(Instant::now() < end);
        }
        h.multi().remove(a).unwrap();
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(b), Some(0));
        assert_eq!(h.code(a), None, "no DONE for a removed transfer");
        h.finish_clean();
    });
}

/// OPT-03, OPT-04, OPT-05, OPT-06: connection limits queue, never fail.
#[test_log::test]
fn connection_limits() {
    for_each_loop(
        "connection_limits",
        &["OPT-03", "OPT-04", "OPT-05", "OPT-06"],
        |kind| {
            let srv = HttpServer::start();
            let mut h = Harness::new(kind);
            h.multi().set_max_host_connections(1);
            let ids: Vec<_> = (0..3)
                .map(|_| h.add(Easy::with_url(srv.url("/bytes/30000"))))
                .collect();
            h.run(LIMIT).unwrap();
            assert!(ids.iter().all(|&id| h.code(id) == Some(0)));
            assert_eq!(srv.peak_connections(), 1, "OPT-04");

            let servers: Vec<_> = (0..4).map(|_| HttpServer::start()).collect();
            h.multi().set_max_host_connections(0);
            h.multi().set_max_total_connections(2);
            let ids: Vec<_> = servers
                .iter()
                .map(|s| h.add(Easy::with_url(s.url("/bytes/30000"))))
                .collect();
            // OPT-06: lower the limit mid-run; running transfers go on.
            h.step(Duration::from_millis(10));
            h.multi().set_max_total_connections(1);
            h.run(LIMIT).unwrap();
            assert!(ids.iter().all(|&id| h.code(id) == Some(0)), "OPT-05/06");

            h.multi().set_max_connects(Some(1));
            for s in &servers {
                let id = h.add(Easy::with_url(s.url("/bytes/1")));
                h.run(LIMIT).unwrap();
                assert_eq!(h.code(id), Some(0));
            }
            let idle = h.multi().socket_count();
            assert!(idle <= 1, "OPT-03: pool capped at 1, saw {idle}");
            h.finish_clean();
        },
    );
}

/// ERR-03: strerror texts.
#[test_log::test]
fn strerror_texts() {
    scenario("strerror_texts", &["ERR-03"], || {
        let mut seen = std::collections::HashSet::new();
        for c in 0..=12 {
            assert!(seen.insert(multi_strerror(c)), "distinct text for {c}");
        }
        for c in 13..=20 {
            assert_eq!(multi_strerror(c), multi_strerror(13));
        }
        assert!(!multi_strerror(-1).is_empty());
    });
}

/// A HEAD and a POST pass through the same contract (SF-02 over uploads).
#[test_log::test]
fn upload_and_head() {
    for_each_loop("upload_and_head", &["SF-02"], |kind| {
        let srv = HttpServer::start();
        let mut h = Harness::new(kind);
        let mut post = Easy::with_url(srv.url("/echo"));
        post.post(vec![b'x'; 500_000]);
        let p = h.add(post);
        let mut head = Easy::with_url(srv.url("/bytes/10"));
        head.method(Method::Head);
        let hd = h.add(head);
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(p), Some(0));
        assert_eq!(h.code(hd), Some(0));
        assert_eq!(h.multi().remove(p).unwrap().response_body().len(), 500_000);
        h.finish_clean();
    });
}

/// Hygiene: a pooled connection the server closes is removed, not left
/// readable forever (no spin), and never reused.
#[test_log::test]
fn idle_peer_close_is_removed() {
    for_each_loop("idle_peer_close_is_removed", &["SF-03"], |kind| {
        let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("x").close());
        let mut h = Harness::new(kind);
        let a = h.add(Easy::with_url(srv.url("/")));
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(a), Some(0));
        let mut rounds = 0;
        while h.shared.lock().unwrap().checker.still_announced() > 0 {
            h.step(Duration::from_millis(20));
            rounds += 1;
            assert!(rounds < 250, "closed idle socket never removed");
        }
        let actions_before = h.trace().len();
        for _ in 0..5 {
            h.step(Duration::from_millis(10));
        }
        let busy = h.trace()[actions_before..]
            .iter()
            .filter(|e| matches!(e, TraceEvent::Action { .. }))
            .count();
        assert_eq!(busy, 0, "no wake-ups for a removed idle socket");
        h.finish_clean();
    });
}

/// CB-06: pausing from the write callback, resuming from the loop; no
/// socket stays announced for a paused transfer (no spin) and the body
/// arrives whole.
#[test_log::test]
fn pause_from_callback_resume_from_loop() {
    for_each_loop("pause_from_callback_resume_from_loop", &["CB-06"], |kind| {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let srv = HttpServer::start();
        let len = 2_000_000;
        let body = Arc::new(Mutex::new(Vec::new()));
        let paused = Arc::new(AtomicBool::new(false));
        let (b, p) = (body.clone(), paused.clone());
        let mut e = Easy::with_url(srv.url(&format!("/bytes/{len}")));
        e.write_function(move |d| {
            let mut b = b.lock().unwrap();
            if b.len() > 300_000 && !p.swap(true, Ordering::SeqCst) {
                return fetch_core::Flow::Pause;
            }
            b.extend_from_slice(d);
            fetch_core::Flow::Continue
        });
        let mut h = Harness::new(kind);
        let id = h.add(e);
        let end = Instant::now() + LIMIT;
        while !paused.load(Ordering::SeqCst) {
            h.step(Duration::from_millis(20));
            assert!(Instant::now() < end);
        }
        assert_eq!(
            h.shared.lock().unwrap().checker.still_announced(),
            0,
            "a paused transfer's socket is removed"
        );
        h.multi().pause(id, fetch_core::Pause::CONT).unwrap();
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(id), Some(0));
        assert!(*body.lock().unwrap() == fixtures::pattern(len));
        h.finish_clean();
    });
}
