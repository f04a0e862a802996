//! Scenarios for the SHOULD rules whose effect can be observed: each rule
//! is advice to the application, and each scenario checks the library side
//! of it, what an application that follows the advice depends on:
//!
//! - SA-07, FD-07: after an error return (from `socket_action`, from
//!   `perform`), removing every handle and adding new ones gives a multi
//!   that works as a new one.
//! - TF-07, CB-07: a timer callback that only records, a 0 ms timeout acted
//!   on from the next loop round, and callbacks that fire only inside the
//!   application's own calls into the library, on its thread.
//! - TO-02: a `perform` loop that, told "no timeout", calls again after an
//!   interval of its own still finishes its transfers.
//! - TO-03: querying the timeout beside the timer callback is harmless.
//! - HM-12: a name lookup never blocks the call that starts it; `file://`
//!   and `telnet://` are not built in and fail at once.
//!
//! The C-level event-loop examples (fetch-capi's tests/event_loops.rs)
//! also follow TF-07 and CB-07.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use conformance::harness::{Harness, LoopKind, for_each_loop};
use conformance::record::scenario;
use conformance::trace::{TraceEvent, normalise};
use fetch_core::{Easy, ErrorCode, Events, Interest, Multi, MultiError, Target};
use fixtures::{HttpServer, Script, ScriptedServer};

const LIMIT: Duration = Duration::from_secs(20);

/// The trace in two parts, each normalised on its own: up to the removal
/// of the failed handles, and after it. (Separately, because a new socket
/// may or may not get the number of a closed one, depending on what other
/// tests in the process have open.)
fn two_part_text(trace: &[TraceEvent], split: usize) -> String {
    format!(
        "-- the error --\n{}\n-- new handles --\n{}",
        normalise(&trace[..split]).join("\n"),
        normalise(&trace[split..]).join("\n")
    )
}

fn snapshot(name: &str, kind: LoopKind, text: &str) {
    insta::with_settings!({ snapshot_suffix => kind.name(), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Makes `/a` and `/b` on a silent server fail through a failing socket
/// callback inside `fail`, checks the error return, then removes both.
fn fail_then_remove_all(h: &mut Harness, fail: impl FnOnce(&mut Harness)) {
    let silent = fixtures::silent_server();
    let a = h.add(Easy::with_url(silent.url("/a")));
    let b = h.add(Easy::with_url(silent.url("/b")));
    h.shared.lock().unwrap().fail_socket_cb = true;
    fail(h);
    h.shared.lock().unwrap().fail_socket_cb = false;
    h.multi().remove(a).unwrap();
    h.multi().remove(b).unwrap();
    assert!(h.multi().transfer_ids().is_empty());
    assert_eq!(
        h.multi().socket_count(),
        0,
        "no fd of the old transfers left"
    );
    assert_eq!(
        h.shared.lock().unwrap().checker.still_announced(),
        0,
        "every fd the app was told about was REMOVEd"
    );
}

/// After the error, new handles: one transfer, then a second on the same
/// kept-alive connection, both complete.
fn fresh_handles_work(h: &mut Harness) {
    let srv = HttpServer::start();
    let c = h.add(Easy::with_url(srv.url("/bytes/700")));
    h.run(LIMIT).unwrap();
    assert_eq!(
        h.code(c),
        Some(0),
        "a new transfer after the error completes"
    );
    assert_eq!(
        h.multi().remove(c).unwrap().response_body(),
        fixtures::pattern(700)
    );
    let d = h.add(Easy::with_url(srv.url("/chunked/2500")));
    h.run(LIMIT).unwrap();
    assert_eq!(h.code(d), Some(0));
    let d = h.multi().remove(d).unwrap();
    assert_eq!(d.response_body(), fixtures::pattern(2500));
    assert_eq!(d.info().num_connects, 0, "the pool works as before");
    assert_eq!(srv.accepted(), 1);
}

/// SA-07: socket_action returned an error (a socket callback failed). An
/// app that then removes every handle and adds new ones gets a multi that
/// behaves as a new one: the new transfers complete, and the trace after
/// the error looks like a fresh multi's.
#[test_log::test]
fn socket_action_error_then_new_handles() {
    for_each_loop("socket_action_error_then_new_handles", &["SA-07"], |kind| {
        let mut h = Harness::new(kind);
        fail_then_remove_all(&mut h, |h| {
            let r = h.action(Target::Timeout, Events::NONE);
            assert_eq!(r, Err(MultiError::AbortedByCallback));
        });
        let split = h.trace().len();
        fresh_handles_work(&mut h);
        let f = h.finish_clean();
        snapshot(
            "socket_action_error_then_new_handles",
            kind,
            &two_part_text(&f.trace, split),
        );
    });
}

/// FD-07: the same after an error from `perform` (the built-in loop's
/// driving call).
#[test_log::test]
fn perform_error_then_new_handles() {
    scenario("perform_error_then_new_handles", &["FD-07"], || {
        let kind = LoopKind::Builtin;
        let mut h = Harness::new(kind);
        fail_then_remove_all(&mut h, |h| {
            h.step(Duration::from_millis(10));
            let last = h
                .trace()
                .into_iter()
                .rev()
                .find_map(|e| match e {
                    TraceEvent::Perform(r) => Some(r),
                    _ => None,
                })
                .expect("perform was called");
            assert_eq!(last, Err(MultiError::AbortedByCallback));
        });
        let split = h.trace().len();
        fresh_handles_work(&mut h);
        let f = h.finish_clean();
        snapshot(
            "perform_error_then_new_handles",
            kind,
            &two_part_text(&f.trace, split),
        );
    });
}

/// The timer values announced inside each call, in order, as (call, the
/// values announced during it). Callbacks are recorded before the call
/// that made them.
fn timers_per_call(trace: &[TraceEvent]) -> Vec<(TraceEvent, Vec<Option<Duration>>)> {
    let mut out = Vec::new();
    let mut pending = Vec::new();
    for ev in trace {
        match ev {
            TraceEvent::Timer(d) => pending.push(*d),
            TraceEvent::Action { .. } | TraceEvent::Perform(_) | TraceEvent::Add(_) => {
                out.push((ev.clone(), std::mem::take(&mut pending)));
            }
            _ => {}
        }
    }
    out
}

/// TF-07: the harness's timer callback only records the value and the loop
/// acts on it in its next round (a 0 ms timeout included), never from the
/// callback. Such an app gets every transfer done: several at once, queued
/// ones (a connection limit of 1), a redirect to another server, a refused
/// connect, a lookup through the resolver. And the library never answers a
/// TIMEOUT action with yet another 0 ms timeout, which is the endless loop
/// the rule warns about, here as a spin instead of a recursion.
#[test_log::test]
fn timer_callback_records_only() {
    for_each_loop("timer_callback_records_only", &["TF-07"], |kind| {
        let srv = HttpServer::start();
        let other = HttpServer::start();
        let refused = fixtures::closed_port();
        let alias = fixtures::loopback_alias();
        let mut h = Harness::new(kind);
        h.multi().set_max_total_connections(1);
        let mut redirect = Easy::with_url(srv.url(&format!("/goto?{}", other.url("/bytes/30"))));
        redirect.follow_location(true);
        let ids = [
            h.add(Easy::with_url(srv.url("/bytes/1000"))),
            h.add(redirect),
            h.add(Easy::with_url(format!("http://{refused}/"))),
            h.add(Easy::with_url(format!(
                "http://{alias}:{}/chunked/3000",
                srv.addr().port()
            ))),
        ];
        h.run(LIMIT).unwrap();
        let codes: Vec<_> = ids.iter().map(|&id| h.code(id)).collect();
        let refused_code = Some(ErrorCode::CouldntConnect.code());
        assert_eq!(codes, vec![Some(0), Some(0), refused_code, Some(0)]);
        for (call, timers) in timers_per_call(&h.trace()) {
            if let TraceEvent::Action {
                target: Target::Timeout,
                ..
            } = call
            {
                assert_ne!(
                    timers.last(),
                    Some(&Some(Duration::ZERO)),
                    "a TIMEOUT action re-armed a 0 ms timeout: {call:?}"
                );
            }
            assert!(
                timers.len() <= 1,
                "one timer callback per call: {call:?} {timers:?}"
            );
        }
        h.finish_clean();
    });
}

/// What the CB-07 callbacks saw.
#[derive(Default)]
struct Seen {
    callbacks: usize,
    outside: Vec<String>,
}

/// CB-07: the app's callbacks only record (the socket table, the timer),
/// and every driving call is made from its loop. The library side of that
/// contract: callbacks fire only inside the app's own calls into the
/// library and on the calling thread, never from the resolver's thread or
/// in between calls, so recording without locks around the loop is safe.
#[test_log::test]
fn callbacks_only_inside_calls() {
    scenario("callbacks_only_inside_calls", &["CB-07"], || {
        let srv = HttpServer::start();
        let silent = fixtures::silent_server();
        let refused = fixtures::closed_port();
        let alias = fixtures::loopback_alias();
        let in_call = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let timer: Arc<Mutex<Option<Instant>>> = Arc::default();
        let me: ThreadId = std::thread::current().id();
        let check = {
            let (in_call, seen) = (in_call.clone(), seen.clone());
            move |what: String| {
                let mut s = seen.lock().unwrap();
                s.callbacks += 1;
                if !in_call.load(Ordering::SeqCst) || std::thread::current().id() != me {
                    s.outside.push(what);
                }
            }
        };
        let mut m = Multi::new();
        let c = check.clone();
        m.set_socket_function(move |_, ev| {
            c(format!("socket {} {:?}", ev.socket, ev.interest));
            Ok(())
        });
        let t = timer.clone();
        m.set_timer_function(move |d| {
            check(format!("timer {d:?}"));
            *t.lock().unwrap() = d.map(|d| Instant::now() + d);
            Ok(())
        });
        // Every call into the library goes through here.
        let call = |m: &mut Multi, f: &mut dyn FnMut(&mut Multi)| {
            in_call.store(true, Ordering::SeqCst);
            f(m);
            in_call.store(false, Ordering::SeqCst);
        };
        let mut timed_out = Easy::with_url(silent.url("/"));
        timed_out.timeout(Duration::from_millis(200));
        let mut redirect = Easy::with_url(srv.url("/redirect/2"));
        redirect.follow_location(true);
        let easies = vec![
            Easy::with_url(srv.url("/bytes/20000")),
            redirect,
            Easy::with_url(format!("http://{refused}/")),
            Easy::with_url(format!("http://{alias}:{}/bytes/10", srv.addr().port())),
            timed_out,
        ];
        for e in easies {
            let mut e = Some(e);
            call(&mut m, &mut |m| {
                m.add(e.take().expect("added once")).unwrap();
            });
        }
        let mut done = Vec::new();
        let end = Instant::now() + LIMIT;
        let mut running = 5;
        while running > 0 {
            assert!(Instant::now() < end, "hang");
            // A poll-free loop: every announced socket with "find out"
            // events, then the timer when due.
            let fds: Vec<_> = m.sockets().map(|(fd, _)| fd).collect();
            for fd in fds {
                call(&mut m, &mut |m| {
                    running = m.socket_action(Target::Socket(fd), Events::NONE).unwrap();
                });
            }
            let due = timer.lock().unwrap().is_some_and(|at| at <= Instant::now());
            if due {
                *timer.lock().unwrap() = None;
                call(&mut m, &mut |m| {
                    running = m.socket_action(Target::Timeout, Events::NONE).unwrap();
                });
            }
            call(&mut m, &mut |m| {
                while let Some((msg, _)) = m.info_read() {
                    done.push(msg.result.map_or_else(|e| e.code().code(), |()| 0));
                }
            });
            std::thread::sleep(Duration::from_millis(1));
        }
        call(&mut m, &mut |m| {
            while let Some((msg, _)) = m.info_read() {
                done.push(msg.result.map_or_else(|e| e.code().code(), |()| 0));
            }
        });
        done.sort_unstable();
        assert_eq!(
            done,
            vec![
                0,
                0,
                0,
                ErrorCode::CouldntConnect.code(),
                ErrorCode::OperationTimedout.code()
            ]
        );
        call(&mut m, &mut |m| {
            for id in m.transfer_ids() {
                m.remove(id).unwrap();
            }
        });
        in_call.store(true, Ordering::SeqCst);
        drop(m);
        in_call.store(false, Ordering::SeqCst);
        let s = seen.lock().unwrap();
        assert!(s.callbacks > 10, "the callbacks were exercised");
        assert!(
            s.outside.is_empty(),
            "callbacks outside the app's calls or off its thread: {:?}",
            s.outside
        );
    });
}

/// TO-02: a `perform` app (`Multi::socket_all`, what `fetch_multi_perform`
/// runs) whose timeout query says "none" while a transfer waits on a slow
/// server calls it again after an interval of its own (here 20 ms; the
/// rule says within a few seconds) and gets the transfer done. The wait
/// really has no timeout: the query returns None for a stretch while the
/// transfer runs.
#[test_log::test]
fn perform_loop_after_no_timeout() {
    scenario("perform_loop_after_no_timeout", &["TO-02"], || {
        let slow = ScriptedServer::start(
            Script::new()
                .expect_request()
                .sleep(Duration::from_millis(300))
                .respond_ok("late"),
        );
        let mut m = Multi::new();
        let id = m.add(Easy::with_url(slow.url("/"))).unwrap();
        let none_rounds = AtomicUsize::new(0);
        let end = Instant::now() + LIMIT;
        while m.socket_all().unwrap() > 0 {
            assert!(Instant::now() < end, "hang");
            let wait = match m.timeout() {
                None => {
                    none_rounds.fetch_add(1, Ordering::Relaxed);
                    Duration::from_millis(20)
                }
                Some(t) => t.min(Duration::from_millis(20)),
            };
            std::thread::sleep(wait);
        }
        let (msg, _) = m.info_read().expect("DONE");
        assert!(msg.result.is_ok(), "{:?}", msg.result);
        assert_eq!(m.remove(id).unwrap().response_body(), b"late");
        assert!(
            none_rounds.load(Ordering::Relaxed) > 0,
            "the transfer never ran without a timeout"
        );
    });
}

/// TO-03: a socket_action app driven by the timer callback may still query
/// the timeout: the query calls no callback, changes nothing in the trace,
/// and agrees with what the callback said last.
#[test_log::test]
fn timeout_query_beside_callback() {
    for_each_loop("timeout_query_beside_callback", &["TO-03"], |kind| {
        let srv = HttpServer::start();
        let silent = fixtures::silent_server();
        let mut h = Harness::new(kind);
        let a = h.add(Easy::with_url(srv.url("/chunked/100000")));
        let mut slow = Easy::with_url(silent.url("/"));
        slow.timeout(Duration::from_millis(150));
        let b = h.add(slow);
        let end = Instant::now() + LIMIT;
        let mut queries = 0;
        loop {
            let before = h.trace().len();
            let announced = h.shared.lock().unwrap().timer;
            let q = h.multi().timeout();
            queries += 1;
            assert_eq!(h.trace().len(), before, "the query made a callback");
            assert_eq!(
                q.is_some(),
                announced.is_some() || h.multi().running() == 0,
                "query and callback disagree on whether a timer is set"
            );
            if h.step(Duration::from_millis(20)) == 0 {
                break;
            }
            assert!(Instant::now() < end, "hang");
        }
        assert!(queries > 1);
        assert_eq!(h.code(a), Some(0));
        assert_eq!(h.code(b), Some(ErrorCode::OperationTimedout.code()));
        h.finish_clean();
    });
}

/// HM-12: libfetch resolves names on its resolver threads, so the call
/// that starts a lookup returns without having connected (the result
/// arrives later through the resolver's wake-up socket, SF-08), and the
/// schemes that would block (`file://`, `telnet://`) are not built in:
/// they end at once with UNSUPPORTED_PROTOCOL.
#[test_log::test]
fn lookups_never_block() {
    for_each_loop("lookups_never_block", &["HM-12"], |kind| {
        let srv = HttpServer::start();
        let alias = fixtures::loopback_alias();
        let mut h = Harness::new(kind);
        let id = h.add(Easy::with_url(format!(
            "http://{alias}:{}/bytes/10",
            srv.addr().port()
        )));
        assert_eq!(h.action(Target::Timeout, Events::NONE), Ok(1));
        assert_eq!(
            srv.accepted_before_probe(),
            0,
            "the first call did the lookup inline and connected"
        );
        assert!(
            h.trace().iter().any(|e| matches!(
                e,
                TraceEvent::Socket {
                    transfer: None,
                    interest: Interest::In,
                    ..
                }
            )),
            "the resolver's wake-up socket is announced"
        );
        let file = h.add(Easy::with_url("file:///etc/hosts"));
        let telnet = h.add(Easy::with_url(format!("telnet://{}/", srv.addr())));
        h.run(LIMIT).unwrap();
        assert_eq!(h.code(id), Some(0));
        let unsupported = Some(ErrorCode::UnsupportedProtocol.code());
        assert_eq!(h.code(file), unsupported);
        assert_eq!(h.code(telnet), unsupported);
        assert_eq!(srv.accepted(), 2, "one connection, plus the probe");
        h.finish_clean();
    });
}
