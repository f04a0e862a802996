//! Transfer control (issue 9): pause and resume with the no-spin
//! guarantee, progress, speed limits, 100-continue and timing info. Pauses
//! are checked by counting loop wake-ups, never by timing.
mod common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, Ev};
use fetch_core::{
    Clock, Easy, ErrorCode, Events, Flow, Interest, Multi, Pause, ReadResult, Target,
};
use fixtures::HttpServer;

/// Runs `app` until `cond` holds, failing after `rounds` loop rounds.
fn run_until(app: &mut App, rounds: usize, mut cond: impl FnMut(&App) -> bool) {
    for _ in 0..rounds {
        if cond(app) {
            return;
        }
        app.step(Duration::from_millis(20));
    }
    panic!("condition not reached");
}

/// A write callback that pauses once after `after` bytes.
fn pausing_sink(after: usize) -> (Easy, Arc<Mutex<Vec<u8>>>, Arc<AtomicBool>) {
    let body = Arc::new(Mutex::new(Vec::new()));
    let paused = Arc::new(AtomicBool::new(false));
    let (b, p) = (body.clone(), paused.clone());
    let mut easy = Easy::new();
    easy.write_function(move |d| {
        let mut b = b.lock().unwrap();
        if b.len() >= after && !p.swap(true, Ordering::SeqCst) {
            return Flow::Pause;
        }
        b.extend_from_slice(d);
        Flow::Continue
    });
    (easy, body, paused)
}

/// CB-06 and the no-spin promise: while receiving is paused the socket is
/// removed, the loop gets zero wake-ups and makes zero socket_action
/// calls; on resume the held data comes first and the body is intact.
#[test_log::test]
fn pause_receive_no_spin_then_resume_cb06() {
    let srv = HttpServer::start();
    let len = 4 * 1024 * 1024;
    let (mut easy, body, paused) = pausing_sink(200_000);
    easy.url(srv.url(&format!("/bytes/{len}")));
    let mut app = App::new();
    let id = app.add(easy);
    run_until(&mut app, 500, |_| paused.load(Ordering::SeqCst));
    // The pause took effect inside the callback: the socket is gone.
    app.step(Duration::from_millis(5));
    assert_eq!(app.watched(), 0, "paused socket removed");
    let wake_before = app.shared.lock().unwrap().wakeups;
    let actions_before = app.actions;
    for _ in 0..25 {
        app.step(Duration::from_millis(20));
    }
    assert_eq!(
        app.shared.lock().unwrap().wakeups,
        wake_before,
        "no wake-ups while paused"
    );
    assert_eq!(
        app.actions, actions_before,
        "no socket_action calls while paused"
    );
    let timers_before = app.log().len();
    app.multi.pause(id, Pause::CONT).unwrap();
    assert!(
        app.log()[timers_before..].contains(&Ev::Timer(Some(Duration::ZERO))),
        "resume asks to be called at once"
    );
    app.run(Duration::from_secs(30));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(
        *body.lock().unwrap() == fixtures::pattern(len),
        "held data delivered first, in order"
    );
}

/// Pausing from outside (the app's loop) behaves the same.
#[test_log::test]
fn pause_from_outside() {
    let srv = HttpServer::start();
    let mut app = App::new();
    let id = app.add(Easy::with_url(srv.url("/bytes/3000000")));
    run_until(&mut app, 500, |a| {
        a.multi
            .transfer(id)
            .is_some_and(|e| !e.response_body().is_empty())
    });
    app.multi.pause(id, Pause::ALL).unwrap();
    app.step(Duration::from_millis(5));
    let actions = app.actions;
    for _ in 0..10 {
        app.step(Duration::from_millis(20));
    }
    assert_eq!(app.actions, actions);
    app.multi.pause(id, Pause::CONT).unwrap();
    app.run(Duration::from_secs(30));
    assert!(app.result(id).is_ok());
    assert!(
        app.multi.remove(id).unwrap().response_body() == fixtures::pattern(3_000_000).as_slice()
    );
}

/// A read callback pauses the upload; resume continues it.
#[test_log::test]
fn pause_send_and_resume() {
    let srv = HttpServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let mut left = 200_000usize;
    let mut easy = Easy::with_url(srv.url("/echo"));
    easy.expect_100_timeout(Duration::from_millis(1));
    easy.body_reader(Some(200_000), move |buf| {
        if c.fetch_add(1, Ordering::SeqCst) == 1 {
            return ReadResult::Pause;
        }
        let n = left.min(buf.len()).min(50_000);
        buf[..n].fill(b's');
        left -= n;
        ReadResult::Data(n)
    });
    let mut app = App::new();
    let id = app.add(easy);
    run_until(&mut app, 500, |_| calls.load(Ordering::SeqCst) >= 2);
    app.step(Duration::from_millis(5));
    let actions = app.actions;
    for _ in 0..10 {
        app.step(Duration::from_millis(20));
    }
    assert_eq!(
        app.actions, actions,
        "no wake-ups while the upload is paused"
    );
    app.multi.pause(id, Pause::CONT).unwrap();
    app.run(Duration::from_secs(20));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(
        app.multi.remove(id).unwrap().response_body(),
        vec![b's'; 200_000]
    );
}

/// The progress callback sees growing counts and can abort (42).
#[test_log::test]
fn progress_reports_and_aborts() {
    let srv = HttpServer::start();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let mut easy = Easy::with_url(srv.url("/bytes/1000000"));
    easy.write_function(|_| Flow::Continue);
    easy.progress_function(move |p| {
        s.lock().unwrap().push((p.dlnow, p.dltotal));
        Flow::Continue
    });
    let mut app = App::new();
    let id = app.add(easy);
    app.run(Duration::from_secs(20));
    assert!(app.result(id).is_ok());
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "dlnow never goes back"
    );
    assert_eq!(seen.last().unwrap(), &(1_000_000, 1_000_000));
    assert!(seen.len() <= app.actions, "at most one call per event");

    let mut easy = Easy::with_url(srv.url("/bytes/1000000"));
    easy.progress_function(|_| Flow::Abort);
    let mut app = App::new();
    let id = app.add(easy);
    app.run(Duration::from_secs(20));
    assert_eq!(app.code(id), ErrorCode::AbortedByCallback.code());
}

/// Low-speed limit on a manual clock: a stalled body fails with 28 when the
/// window ends, through the timer only.
#[test_log::test]
fn low_speed_limit() {
    let srv = fixtures::ScriptedServer::start(
        fixtures::Script::new()
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nsome")
            .stall(),
    );
    let clock = Clock::manual();
    let mut app = App::with_multi(Multi::with_clock(clock.clone()));
    let mut easy = Easy::with_url(srv.url("/"));
    easy.low_speed(1000, Duration::from_secs(2));
    let id = app.add(easy);
    run_until(&mut app, 500, |a| {
        a.multi
            .transfer(id)
            .is_some_and(|e| e.info().size_download > 0)
    });
    clock.advance(Duration::from_millis(1900));
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    assert_eq!(app.multi.running(), 1);
    clock.advance(Duration::from_millis(200));
    assert_eq!(
        app.multi.socket_action(Target::Timeout, Events::NONE),
        Ok(0)
    );
    let (m, _) = app.multi.info_read().unwrap();
    assert_eq!(m.result.unwrap_err().code(), ErrorCode::OperationTimedout);
}

/// Max receive speed on a manual clock: the engine stops reading (drops
/// interest) and sets a timer instead of sleeping; advancing time lets it
/// finish.
#[test_log::test]
fn max_recv_speed_throttles_by_interest_and_timer() {
    let srv = HttpServer::start();
    let clock = Clock::manual();
    let mut app = App::with_multi(Multi::with_clock(clock.clone()));
    let mut easy = Easy::with_url(srv.url("/bytes/100000"));
    easy.max_recv_speed(10_000);
    let id = app.add(easy);
    let mut throttled = 0;
    for _ in 0..2000 {
        if app.multi.running() == 0 {
            break;
        }
        app.step(Duration::from_millis(2));
        if app.watched() == 0 && app.multi.running() == 1 {
            throttled += 1;
            let wait = app
                .multi
                .timeout()
                .expect("a throttled transfer has a timer");
            assert!(!wait.is_zero());
            clock.advance(wait);
            app.multi
                .socket_action(Target::Timeout, Events::NONE)
                .unwrap();
        }
    }
    while let Some((m, _)) = app.multi.info_read() {
        app.done.push(m);
    }
    assert!(app.result(id).is_ok());
    assert!(throttled >= 5, "throttled {throttled} times");
    let e = app.multi.remove(id).unwrap();
    assert!(
        e.info().speed_download <= 12_000,
        "{}",
        e.info().speed_download
    );
}

/// A large body asks for 100-continue; the fixture answers it.
#[test_log::test]
fn expect_100_continue_answered() {
    let srv = HttpServer::start();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let l = lines.clone();
    let mut easy = Easy::with_url(srv.url("/echo"));
    easy.post(vec![b'e'; 2 * 1024 * 1024]);
    easy.header_function(move |line| {
        l.lock()
            .unwrap()
            .push(String::from_utf8_lossy(line).into_owned());
        Flow::Continue
    });
    let mut app = App::new();
    let id = app.add(easy);
    app.run(Duration::from_secs(20));
    assert!(app.result(id).is_ok());
    assert!(
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("HTTP/1.1 100"))
    );
    assert_eq!(
        app.multi.remove(id).unwrap().response_body().len(),
        2 * 1024 * 1024
    );
}

/// A server that never answers 100: the body goes out after the timeout.
/// One that answers 417 first: the body is never sent.
#[test_log::test]
fn expect_100_timeout_and_refusal() {
    fn server(
        reply_first: Option<&'static str>,
    ) -> (std::net::SocketAddr, std::thread::JoinHandle<usize>) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                s.read_exact(&mut b).unwrap();
                head.push(b[0]);
            }
            assert!(String::from_utf8_lossy(&head).contains("Expect: 100-continue"));
            if let Some(r) = reply_first {
                s.write_all(r.as_bytes()).unwrap();
                return 0;
            }
            let mut body = vec![0u8; 1_500_000];
            s.read_exact(&mut body).unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .unwrap();
            body.len()
        });
        (addr, h)
    }
    let (addr, h) = server(None);
    let mut easy = Easy::with_url(format!("http://{addr}/"));
    easy.post(vec![1u8; 1_500_000])
        .expect_100_timeout(Duration::from_millis(50));
    let mut app = App::new();
    let id = app.add(easy);
    app.run(Duration::from_secs(20));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(h.join().unwrap(), 1_500_000);

    let (addr, h) = server(Some(
        "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n",
    ));
    let mut easy = Easy::with_url(format!("http://{addr}/"));
    easy.post(vec![1u8; 1_500_000]);
    let mut app = App::new();
    let id = app.add(easy);
    app.run(Duration::from_secs(20));
    assert!(app.result(id).is_ok());
    h.join().unwrap();
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().response_code, 417);
    assert_eq!(e.info().size_upload, 0);
    assert_eq!(app.watched(), 0, "the connection is not pooled");
}

/// Timing info is ordered and speeds are filled in.
#[test_log::test]
fn timing_info() {
    let srv = HttpServer::start();
    let (mut app, id) = common::run_one(Easy::with_url(srv.url("/bytes/200000")));
    assert!(app.result(id).is_ok());
    let e = app.multi.remove(id).unwrap();
    let i = e.info();
    assert!(i.namelookup_time <= i.connect_time);
    assert!(i.connect_time <= i.pretransfer_time);
    assert!(i.pretransfer_time <= i.starttransfer_time);
    assert!(i.starttransfer_time <= i.total_time);
    assert!(i.speed_download > 0);
    assert_eq!(i.appconnect_time, Duration::ZERO, "no TLS");
    drop(app);
    let _ = Interest::Remove;
}

/// Timing info stays ordered on a reused connection, where the first
/// response byte may take the socket call's time (decisions.md): each of
/// several transfers in turn over one keep-alive connection reports
/// PRETRANSFER <= STARTTRANSFER <= TOTAL, the first byte counted.
#[test_log::test]
fn timing_info_ordered_on_reuse() {
    let srv = HttpServer::start();
    let mut app = App::new();
    for _ in 0..4 {
        let id = app.add(Easy::with_url(srv.url("/bytes/1024")));
        app.run(Duration::from_secs(20));
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        let i = e.info();
        assert_eq!(i.size_download, 1024);
        assert!(i.pretransfer_time <= i.starttransfer_time, "{i:?}");
        assert!(i.starttransfer_time <= i.total_time, "{i:?}");
        assert!(!i.starttransfer_time.is_zero(), "{i:?}");
    }
}

/// While a transfer is paused, its progress callback is still called about
/// once a second (upstream does; applications resume from it), exactly
/// one wake-up per tick; without a progress callback a paused transfer
/// sets no timer at all. Driven by the manual clock: no sleeping.
#[test_log::test]
fn paused_transfer_ticks_its_progress_callback() {
    for with_progress in [true, false] {
        let srv = HttpServer::start();
        let clock = Clock::manual();
        let mut app = App::with_multi(Multi::with_clock(clock.clone()));
        let (mut easy, body, paused) = pausing_sink(100_000);
        easy.url(srv.url("/bytes/1000000"));
        let calls = Arc::new(AtomicUsize::new(0));
        if with_progress {
            let c = calls.clone();
            easy.progress_function(move |_| {
                c.fetch_add(1, Ordering::SeqCst);
                Flow::Continue
            });
        }
        let id = app.add(easy);
        run_until(&mut app, 500, |_| paused.load(Ordering::SeqCst));
        app.step(Duration::from_millis(5));
        assert_eq!(app.watched(), 0, "paused socket removed");
        if !with_progress {
            assert_eq!(app.multi.timeout(), None, "no timer while paused");
        } else {
            for tick in 1..=3 {
                assert_eq!(app.multi.timeout(), Some(Duration::from_secs(1)));
                let before = calls.load(Ordering::SeqCst);
                clock.advance(Duration::from_secs(1));
                app.multi
                    .socket_action(Target::Timeout, Events::NONE)
                    .unwrap();
                assert_eq!(calls.load(Ordering::SeqCst), before + 1, "tick {tick}");
            }
        }
        app.multi.pause(id, Pause::CONT).unwrap();
        app.run(Duration::from_secs(30));
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        assert_eq!(body.lock().unwrap().len(), 1_000_000);
    }
}
