//! The timer and socket callback contract: TF-, SF-, AS- and TO- rules,
//! with a manual clock where time matters so nothing sleeps.
mod common;

use std::time::Duration;

use common::{App, timers};
use fetch_core::{Clock, Easy, ErrorCode, Events, Interest, Multi, MultiError, Target};
use fixtures::HttpServer;

/// TF-04, TO-01: add asks for a 0 ms timer and does no I/O (HM-02); an
/// empty multi has no timeout.
#[test_log::test]
fn add_requests_immediate_timer_tf04_to01_hm02() {
    let srv = HttpServer::start();
    let mut app = App::new();
    assert_eq!(app.multi.timeout(), None);
    app.add(Easy::with_url(srv.url("/bytes/1")));
    assert_eq!(timers(&app.log()), vec![Some(Duration::ZERO)]);
    assert_eq!(app.multi.timeout(), Some(Duration::ZERO));
    assert_eq!(srv.accepted_before_probe(), 0, "add does no I/O");
}

/// TF-03: idle socket_action(TIMEOUT) calls cause no extra timer callbacks.
#[test_log::test]
fn timer_called_only_on_change_tf03() {
    let clock = Clock::manual();
    let srv = fixtures::silent_server();
    let mut app = App::with_multi(Multi::with_clock(clock));
    let mut easy = Easy::with_url(srv.url("/"));
    easy.timeout(Duration::from_secs(10));
    app.add(easy);
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    let n = timers(&app.log()).len();
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    assert_eq!(timers(&app.log()).len(), n);
}

/// SA-09, TO-05 with a manual clock: the total timeout fires only when the
/// app calls socket_action(TIMEOUT) after the announced expiry.
#[test_log::test]
fn timeout_fires_on_timer_action_sa09_to05() {
    let clock = Clock::manual();
    let srv = fixtures::silent_server();
    let mut app = App::with_multi(Multi::with_clock(clock.clone()));
    let mut easy = Easy::with_url(srv.url("/"));
    easy.timeout(Duration::from_millis(300));
    let id = app.add(easy);
    // Connect and send; the server stays silent.
    for _ in 0..20 {
        app.step(Duration::from_millis(20));
    }
    assert_eq!(app.multi.running(), 1);
    let announced = timers(&app.log()).last().copied().flatten().unwrap();
    assert!(announced <= Duration::from_millis(300));
    assert!(app.multi.timeout().unwrap() <= announced, "TO-05");
    clock.advance(Duration::from_millis(290));
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    assert_eq!(app.multi.running(), 1, "not yet");
    clock.advance(Duration::from_millis(10));
    let told = timers(&app.log()).len();
    assert_eq!(
        app.multi.socket_action(Target::Timeout, Events::NONE),
        Ok(0)
    );
    let (msg, left) = app.multi.info_read().unwrap();
    assert_eq!(left, 0);
    assert_eq!(msg.transfer, id);
    assert_eq!(msg.result.unwrap_err().code(), ErrorCode::OperationTimedout);
    // TF-02: the one-shot timer fired (this is the TIMEOUT call it asked
    // for), so nothing is armed and no -1 is owed (decisions.md 67, as
    // upstream, which reports no -1 after a TIMEOUT call either); nothing
    // is pending (TO-01).
    assert_eq!(timers(&app.log()).len(), told, "no timer callback");
    assert_eq!(app.multi.timeout(), None);
}

/// SF-01, AS-01, AS-03, SF-04: assigned values arrive on later calls and the
/// REMOVE call, and are dropped by REMOVE.
#[test_log::test]
fn assign_reaches_callbacks_sf01_as01_as03_sf04() {
    let srv = HttpServer::start();
    let mut multi = Multi::new();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    multi.set_socket_function(move |ctx, ev| {
        s.lock()
            .unwrap()
            .push((ev.socket, ev.interest, ev.assigned));
        if ev.assigned.is_none() && ev.interest != Interest::Remove {
            // AS-04: assign from inside the callback.
            ctx.assign(ev.socket, Some(7)).unwrap();
            ctx.assign(ev.socket, Some(ev.socket as usize + 100))
                .unwrap();
        }
        Ok(())
    });
    let id = multi.add(Easy::with_url(srv.url("/bytes/100"))).unwrap();
    let mut app = App::with_multi(Multi::new());
    // Drive `multi` with the simplest loop: perform until done.
    let mut rounds = 0;
    while multi.socket_all().unwrap() > 0 {
        std::thread::sleep(Duration::from_millis(1));
        rounds += 1;
        assert!(rounds < 5000);
    }
    assert!(multi.info_read().unwrap().0.result.is_ok());
    multi.remove(id).unwrap();
    drop(multi);
    let seen = seen.lock().unwrap();
    let (fd, first, a0) = seen[0];
    assert_eq!(
        (first, a0),
        (Interest::Out, None),
        "SF-01: NULL on first announcement"
    );
    for &(f, _, a) in seen.iter().skip(1).filter(|e| e.0 == fd) {
        assert_eq!(
            (f, a),
            (fd, Some(fd as usize + 100)),
            "AS-03: last assign wins"
        );
    }
    assert_eq!(seen.last().unwrap().1, Interest::Remove);
    app.multi.assign(fd, Some(1)).unwrap_err();
}

/// SF-05, SF-06: a socket callback failure aborts every running transfer;
/// the call returns ABORTED_BY_CALLBACK and new adds are refused until the
/// old transfers are removed.
#[test_log::test]
fn socket_callback_failure_aborts_sf05_sf06() {
    let srv = fixtures::silent_server();
    let mut app = App::new();
    let a = app.add(Easy::with_url(srv.url("/a")));
    let b = app.add(Easy::with_url(srv.url("/b")));
    app.shared.lock().unwrap().fail_socket_cb = true;
    let r = app.multi.socket_action(Target::Timeout, Events::NONE);
    assert_eq!(r, Err(MultiError::AbortedByCallback));
    app.shared.lock().unwrap().fail_socket_cb = false;
    let mut codes = Vec::new();
    while let Some((m, _)) = app.multi.info_read() {
        codes.push(m.result.unwrap_err().code());
    }
    assert_eq!(codes, vec![ErrorCode::AbortedByCallback; 2]);
    let e = app.multi.add(Easy::with_url(srv.url("/c"))).unwrap_err();
    assert_eq!(e.error, MultiError::AbortedByCallback);
    app.multi.remove(a).unwrap();
    app.multi.remove(b).unwrap();
    app.multi
        .add(Easy::with_url(srv.url("/d")))
        .expect("usable again");
}

/// TF-06: a timer callback failure inside add rolls the add back.
#[test_log::test]
fn timer_callback_failure_in_add_tf06() {
    let mut app = App::new();
    app.shared.lock().unwrap().fail_timer_cb = true;
    let e = app
        .multi
        .add(Easy::with_url("http://127.0.0.1:9/"))
        .unwrap_err();
    assert_eq!(e.error, MultiError::AbortedByCallback);
    assert_eq!(e.easy.configured_url(), Some("http://127.0.0.1:9/"));
    assert!(app.multi.transfer_ids().is_empty());
    assert_eq!(app.multi.running(), 0);
}

/// IR-01, IR-02, IR-06: the queue counts down; reading removes; removing an
/// unread transfer drops its message.
#[test_log::test]
fn message_queue_ir01_ir02_ir06() {
    let srv = HttpServer::start();
    let mut multi = Multi::new();
    let ids: Vec<_> = (0..4)
        .map(|_| multi.add(Easy::with_url(srv.url("/bytes/10"))).unwrap())
        .collect();
    let mut rounds = 0;
    while multi.socket_all().unwrap() > 0 {
        std::thread::sleep(Duration::from_millis(1));
        rounds += 1;
        assert!(rounds < 5000);
    }
    multi.remove(ids[3]).unwrap();
    let lefts: Vec<usize> = std::iter::from_fn(|| multi.info_read().map(|(_, l)| l)).collect();
    assert_eq!(lefts, vec![2, 1, 0]);
    assert!(multi.info_read().is_none());
    // HM-06: finished transfers stay added until removed.
    assert_eq!(multi.transfer_ids().len(), 3);
}

/// TF-04 with a clock that moved since the multi's last call: the add
/// reads no clock, yet the timer is told 0 as with a fresh reading, and
/// the transfer's times count from its start (the kick's call), not from
/// the last call before the add. Removing the ended transfer later tells
/// the timer nothing and leaves its TOTAL_TIME as it was.
#[test_log::test]
fn add_and_remove_after_the_clock_moved_tf04() {
    let clock = Clock::manual();
    let srv = HttpServer::start();
    let mut app = App::with_multi(Multi::with_clock(clock.clone()));
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    clock.advance(Duration::from_secs(5));
    let mut easy = Easy::with_url(srv.url("/redirect/0"));
    let ticking = clock.clone();
    easy.write_function(move |_| {
        // The body arrives a millisecond after the start, every time.
        ticking.advance(Duration::from_millis(1));
        fetch_core::Flow::Continue
    });
    let id = app.add(easy);
    assert_eq!(timers(&app.log()).last(), Some(&Some(Duration::ZERO)));
    app.run(Duration::from_secs(10));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let told = timers(&app.log()).len();
    clock.advance(Duration::from_secs(5));
    let easy = app.multi.remove(id).unwrap();
    assert_eq!(
        timers(&app.log()).len(),
        told,
        "removing it changes no timer"
    );
    let total = easy.info().total_time;
    assert!(total > Duration::ZERO, "{total:?}");
    assert!(
        total < Duration::from_secs(1),
        "{total:?} counts from before the start"
    );
}

/// TF-03, SF-03: removing ended transfers calls neither callback: they
/// hold no connection (an idle one stays in the pool, already reported)
/// and no deadline, so nothing they leave changes what was reported.
#[test_log::test]
fn removing_ended_transfers_calls_no_callback_tf03() {
    let srv = HttpServer::start();
    let mut app = App::new();
    let ids: Vec<_> = (0..3)
        .map(|_| app.add(Easy::with_url(srv.url("/bytes/10"))))
        .collect();
    app.run(Duration::from_secs(10));
    for &id in &ids {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    }
    let told = app.log().len();
    for id in ids {
        app.multi.remove(id).unwrap();
    }
    assert_eq!(app.log().len(), told, "{:?}", &app.log()[told..]);
    assert_eq!(app.multi.timeout(), None);
}
