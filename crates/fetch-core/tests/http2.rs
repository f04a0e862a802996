//! HTTP/2 through the socket_action loop: prior-knowledge h2c, ALPN over
//! TLS, many transfers multiplexed on one connection whose socket is
//! announced once, uploads under flow control, removal of one stream,
//! pause and resume. The server is hyper's (fixtures::H2Server).
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, Ev, run_one};
use fetch_core::{Easy, Flow, HttpVersion, Interest, Pause};
use fixtures::{H2Config, H2Server, TestPki, pattern};

fn h2c(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.http_version(HttpVersion::V2PriorKnowledge);
    e
}

fn h2_tls(url: String, version: HttpVersion) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e.http_version(version);
    e
}

#[test_log::test]
fn prior_knowledge_get_reports_http2() {
    let srv = H2Server::start();
    let (mut app, id) = run_one(h2c(srv.url("/bytes/100000")));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == pattern(100_000).as_slice());
    assert_eq!(e.info().response_code, 200);
    assert_eq!(e.info().http_version, 20);
    assert_eq!((srv.h2_requests(), srv.h1_requests()), (1, 0));
    // Nothing is left announced once the stream ended (SF-03).
    assert_eq!(app.watched(), 0);
}

#[test_log::test]
fn alpn_h2_over_tls_and_http11_when_asked() {
    let srv = H2Server::start_tls();
    let (mut app, id) = run_one(h2_tls(
        srv.url_host("localhost", "/bytes/5000"),
        HttpVersion::V2Tls,
    ));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == pattern(5000).as_slice());
    assert_eq!(e.info().http_version, 20);
    let (mut app, id) = run_one(h2_tls(
        srv.url_host("localhost", "/bytes/5000"),
        HttpVersion::V1_1,
    ));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(app.multi.remove(id).unwrap().response_body() == pattern(5000).as_slice());
    assert_eq!(
        srv.alpn_seen(),
        vec![Some(b"h2".to_vec()), Some(b"http/1.1".to_vec())]
    );
    assert_eq!((srv.h2_requests(), srv.h1_requests()), (1, 1));
}

/// An app whose multi holds one idle HTTP/2 connection to `srv`, so the
/// transfers added next are streams on it (no PIPEWAIT yet: transfers
/// added together before any connection exists each open one).
fn warmed_up(srv: &H2Server) -> App {
    let mut app = App::new();
    let id = app.add(h2c(srv.url("/bytes/1")));
    app.run(Duration::from_secs(20));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    app
}

/// The socket events for one fd, in order.
fn interests(app: &App, fd: i32) -> Vec<Interest> {
    app.log()
        .iter()
        .filter_map(|e| match e {
            Ev::Socket {
                fd: f, interest, ..
            } if *f == fd => Some(*interest),
            _ => None,
        })
        .collect()
}

fn first_socket(app: &App) -> i32 {
    app.log()
        .iter()
        .find_map(|e| match e {
            Ev::Socket { fd, .. } => Some(*fd),
            Ev::Timer(_) => None,
        })
        .expect("a socket was announced")
}

#[test_log::test]
fn concurrent_transfers_share_one_connection_and_one_announced_socket() {
    let srv = H2Server::start();
    let mut app = App::new();
    let first = app.add(h2c(srv.url("/bytes/10")));
    app.run(Duration::from_secs(20));
    assert!(app.result(first).is_ok(), "{:?}", app.result(first));
    let fd = first_socket(&app);
    let before = interests(&app, fd).len();
    let ids: Vec<_> = (0..20)
        .map(|i| app.add(h2c(srv.url(&format!("/bytes/{}", 1000 * i + 1)))))
        .collect();
    let drip = app.add(h2c(srv.url("/drip/20000")));
    app.run(Duration::from_secs(20));
    for (i, id) in ids.iter().enumerate() {
        assert!(app.result(*id).is_ok(), "{:?}", app.result(*id));
        let e = app.multi.remove(*id).unwrap();
        assert!(e.response_body() == pattern(1000 * i + 1).as_slice());
        assert_eq!(
            e.info().num_connects,
            0,
            "transfer {i} reused the connection"
        );
    }
    assert!(app.result(drip).is_ok());
    assert_eq!(srv.accepted(), 1);
    assert_eq!(srv.h2_requests(), 22);
    // The batch announced the shared socket once (IN), maybe OUT while
    // frames waited, and REMOVEd it once, when the last stream ended.
    let batch = &interests(&app, fd)[before..];
    assert_eq!(batch.first(), Some(&Interest::In), "{batch:?}");
    assert_eq!(
        batch.iter().filter(|i| **i == Interest::Remove).count(),
        1,
        "{batch:?}"
    );
    assert_eq!(batch.last(), Some(&Interest::Remove));
}

#[test_log::test]
fn upload_waits_for_the_servers_window() {
    let srv = H2Server::start_with(H2Config {
        initial_stream_window: Some(16_384),
        ..H2Config::h2c()
    });
    let body = pattern(300_000);
    let mut e = h2c(srv.url("/echo"));
    e.post(body.clone());
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().size_upload, 300_000);
    assert!(e.response_body() == body.as_slice());
}

#[test_log::test]
fn upload_from_a_read_callback() {
    let srv = H2Server::start();
    let data = pattern(200_000);
    let mut at = 0;
    let src = data.clone();
    let mut e = h2c(srv.url("/echo"));
    e.body_reader(Some(200_000), move |buf: &mut [u8]| {
        let n = buf.len().min(src.len() - at);
        buf[..n].copy_from_slice(&src[at..at + n]);
        at += n;
        fetch_core::ReadResult::Data(n)
    });
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(app.multi.remove(id).unwrap().response_body() == data.as_slice());
}

#[test_log::test]
fn removing_one_transfer_resets_only_its_stream() {
    let srv = H2Server::start();
    let mut app = warmed_up(&srv);
    let slow = app.add(h2c(srv.url("/drip/200000")));
    let others: Vec<_> = (0..5)
        .map(|_| app.add(h2c(srv.url("/bytes/50000"))))
        .collect();
    // Let things start, then remove the slow one mid-stream.
    for _ in 0..20 {
        app.step(Duration::from_millis(20));
    }
    let gone = app.multi.remove(slow).unwrap();
    assert!(gone.response_body().len() < 200_000);
    app.run(Duration::from_secs(20));
    for id in others {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        assert!(app.multi.remove(id).unwrap().response_body() == pattern(50_000).as_slice());
    }
    let more = app.add(h2c(srv.url("/bytes/10")));
    app.run(Duration::from_secs(20));
    assert!(app.result(more).is_ok());
    assert_eq!(srv.accepted(), 1, "the connection survived the reset");
}

#[test_log::test]
fn pause_and_resume_a_stream() {
    let srv = H2Server::start();
    let mut app = warmed_up(&srv);
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    let mut paused_once = false;
    let mut e = h2c(srv.url("/bytes/3000000"));
    e.write_function(move |d: &[u8]| {
        if !paused_once {
            paused_once = true;
            return Flow::Pause;
        }
        sink.lock().unwrap().extend_from_slice(d);
        Flow::Continue
    });
    let id = app.add(e);
    let other = app.add(h2c(srv.url("/bytes/100000")));
    let end = std::time::Instant::now() + Duration::from_secs(20);
    while !app.done.iter().any(|m| m.transfer == other) {
        app.step(Duration::from_millis(10));
        assert!(std::time::Instant::now() < end, "the other transfer hung");
    }
    // The other stream finished, on the same connection, while this one
    // was paused (its window closed, the connection's did not).
    assert_eq!(srv.accepted(), 1);
    assert!(app.result(other).is_ok(), "{:?}", app.result(other));
    assert!(got.lock().unwrap().is_empty());
    app.multi.pause(id, Pause::CONT).unwrap();
    app.run(Duration::from_secs(20));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(got.lock().unwrap().len(), 3_000_000);
    assert!(*got.lock().unwrap() == pattern(3_000_000));
}

#[test_log::test]
fn transfers_added_together_each_connect_and_all_finish() {
    let srv = H2Server::start();
    let mut app = App::new();
    let a = app.add(h2c(srv.url("/bytes/3000000")));
    let b = app.add(h2c(srv.url("/bytes/100000")));
    app.run(Duration::from_secs(20));
    assert!(app.result(a).is_ok(), "{:?}", app.result(a));
    assert!(app.result(b).is_ok(), "{:?}", app.result(b));
    assert_eq!(srv.accepted(), 2);
}

/// PIPEWAIT: a hundred transfers added at once wait for the first one's
/// connection and all run on it.
#[test_log::test]
fn pipewait_puts_a_hundred_transfers_on_one_connection() {
    let srv = H2Server::start();
    let mut app = App::new();
    let ids: Vec<_> = (0..100)
        .map(|i| {
            let mut e = h2c(srv.url(&format!("/bytes/{}", 100 * i)));
            e.pipewait(true);
            app.add(e)
        })
        .collect();
    app.run(Duration::from_secs(30));
    for (i, id) in ids.into_iter().enumerate() {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        assert!(app.multi.remove(id).unwrap().response_body() == pattern(100 * i).as_slice());
    }
    assert_eq!((srv.accepted(), srv.h2_requests()), (1, 100));
}

/// OPT-07: MAX_CONCURRENT_STREAMS caps the streams of one connection;
/// more transfers open more connections.
#[test_log::test]
fn max_concurrent_streams_caps_streams_per_connection() {
    let srv = H2Server::start();
    let mut app = warmed_up(&srv);
    app.multi.set_max_concurrent_streams(2);
    let ids: Vec<_> = (0..6)
        .map(|_| app.add(h2c(srv.url("/drip/20000"))))
        .collect();
    app.run(Duration::from_secs(20));
    for id in ids {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    }
    assert!(srv.peak_streams() <= 2, "peak {}", srv.peak_streams());
    assert!(srv.accepted() >= 3, "accepted {}", srv.accepted());
}

/// OPT-08: without the multiplex bit every transfer has its own
/// connection, still HTTP/2.
#[test_log::test]
fn pipelining_without_multiplex_gives_each_transfer_a_connection() {
    let srv = H2Server::start();
    let mut app = warmed_up(&srv);
    app.multi.set_multiplexing(false);
    let ids: Vec<_> = (0..3)
        .map(|_| app.add(h2c(srv.url("/drip/5000"))))
        .collect();
    app.run(Duration::from_secs(20));
    for id in ids {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        assert_eq!(app.multi.remove(id).unwrap().info().http_version, 20);
    }
    assert_eq!(srv.accepted(), 4);
    assert_eq!(srv.peak_streams(), 1);
}

/// A stream the server resets fails with FETCHE_HTTP2_STREAM; the other
/// streams on the connection finish.
#[test_log::test]
fn server_reset_fails_only_that_stream() {
    let srv = H2Server::start();
    let mut app = warmed_up(&srv);
    let bad = app.add(h2c(srv.url("/reset/1000")));
    let good: Vec<_> = (0..3)
        .map(|_| app.add(h2c(srv.url("/drip/30000"))))
        .collect();
    app.run(Duration::from_secs(20));
    let err = app.result(bad).as_ref().expect_err("reset stream fails");
    assert_eq!(err.code(), fetch_core::ErrorCode::Http2Stream);
    assert!(
        err.detail().contains("was not closed cleanly"),
        "{}",
        err.detail()
    );
    for id in good {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    }
    assert_eq!(srv.accepted(), 1);
}

/// Redirects are followed over HTTP/2 as over HTTP/1.1 (the next request
/// is a new stream on the same connection).
#[test_log::test]
fn redirect_followed_on_the_same_connection() {
    let srv = H2Server::start();
    let mut e = h2c(srv.url("/redirect/bytes/777"));
    e.follow_location(true);
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == pattern(777).as_slice());
    assert_eq!((e.info().redirect_count, e.info().response_code), (1, 200));
    assert_eq!((srv.accepted(), srv.h2_requests()), (1, 2));
}

/// The header callback sees the head as upstream shows an HTTP/2 one.
#[test_log::test]
fn header_callback_gets_http2_status_line_and_fields() {
    let srv = H2Server::start();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let mut e = h2c(srv.url("/bytes/5"));
    e.header_function(move |l: &[u8]| {
        sink.lock()
            .unwrap()
            .push(String::from_utf8_lossy(l).into_owned());
        Flow::Continue
    });
    let (app, id) = run_one(e);
    assert!(app.result(id).is_ok());
    let lines = lines.lock().unwrap();
    assert_eq!(lines[0], "HTTP/2 200 \r\n");
    assert!(
        lines.contains(&"content-length: 5\r\n".to_owned()),
        "{lines:?}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("\r\n"));
}

/// A total timeout on one stream resets it; the connection stays.
#[test_log::test]
fn timeout_on_a_stream_resets_it() {
    let srv = H2Server::start();
    let mut app = warmed_up(&srv);
    let mut slow = h2c(srv.url("/drip/1000000"));
    slow.timeout(Duration::from_millis(100));
    let slow = app.add(slow);
    let ok = app.add(h2c(srv.url("/bytes/1000")));
    app.run(Duration::from_secs(20));
    let err = app.result(slow).as_ref().expect_err("timed out");
    assert_eq!(err.code(), fetch_core::ErrorCode::OperationTimedout);
    assert!(app.result(ok).is_ok());
    let again = app.add(h2c(srv.url("/bytes/10")));
    app.run(Duration::from_secs(20));
    assert!(app.result(again).is_ok());
    assert_eq!(srv.accepted(), 1);
}

/// The no-spin promise over HTTP/2: with its only stream paused, the
/// shared socket is not watched, so the loop gets zero wake-ups and makes
/// zero socket_action calls; on resume the body completes intact.
#[test_log::test]
fn paused_stream_wakes_nothing() {
    let srv = H2Server::start();
    let mut app = App::new();
    let body = Arc::new(Mutex::new(Vec::new()));
    let paused = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (b, p) = (body.clone(), paused.clone());
    let mut e = h2c(srv.url("/bytes/4000000"));
    e.write_function(move |d: &[u8]| {
        let mut b = b.lock().unwrap();
        if b.len() >= 200_000 && !p.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Flow::Pause;
        }
        b.extend_from_slice(d);
        Flow::Continue
    });
    let id = app.add(e);
    let end = std::time::Instant::now() + Duration::from_secs(20);
    while !paused.load(std::sync::atomic::Ordering::SeqCst) {
        app.step(Duration::from_millis(10));
        assert!(std::time::Instant::now() < end, "never paused");
    }
    app.step(Duration::from_millis(5));
    assert_eq!(
        app.watched(),
        0,
        "the paused stream's socket is not watched"
    );
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
    app.multi.pause(id, Pause::CONT).unwrap();
    app.run(Duration::from_secs(30));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(
        *body.lock().unwrap() == pattern(4_000_000),
        "held data first, in order"
    );
}

/// Trailers reach the header callback after the body, as over HTTP/1.1
/// chunked responses.
#[test_log::test]
fn trailers_reach_the_header_callback() {
    let srv = H2Server::start();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let mut e = h2c(srv.url("/trailers/3000"));
    e.header_function(move |l: &[u8]| {
        sink.lock()
            .unwrap()
            .push(String::from_utf8_lossy(l).into_owned());
        Flow::Continue
    });
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(app.multi.remove(id).unwrap().response_body() == pattern(3000).as_slice());
    let lines = lines.lock().unwrap();
    let at = lines.iter().position(|l| l == "x-checksum: 3000\r\n");
    assert!(at.is_some(), "{lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some("\r\n"));
}

/// MAX_RECV_SPEED over HTTP/2, on a manual clock: bytes ahead of the
/// limit wait in the stream's slot (its window stays closed) until a
/// timer, never a sleep.
#[test_log::test]
fn max_recv_speed_throttles_a_stream() {
    let srv = H2Server::start();
    let clock = fetch_core::Clock::manual();
    let mut app = App::with_multi(fetch_core::Multi::with_clock(clock.clone()));
    let mut e = h2c(srv.url("/bytes/100000"));
    e.max_recv_speed(10_000);
    let id = app.add(e);
    let mut throttled = 0;
    for _ in 0..2000 {
        if app.multi.running() == 0 {
            break;
        }
        app.step(Duration::from_millis(2));
        // Only the throttle's timers are this short (the connect timeout
        // is minutes away).
        if let Some(wait) = app
            .multi
            .timeout()
            .filter(|w| !w.is_zero() && *w < Duration::from_secs(60))
        {
            throttled += 1;
            clock.advance(wait);
            app.multi
                .socket_action(fetch_core::Target::Timeout, fetch_core::Events::NONE)
                .unwrap();
        }
    }
    while let Some((m, _)) = app.multi.info_read() {
        app.done.push(m);
    }
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(throttled >= 3, "throttled {throttled} times");
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == pattern(100_000).as_slice());
    assert!(
        e.info().speed_download <= 12_000,
        "{}",
        e.info().speed_download
    );
}

/// MAX_SEND_SPEED over HTTP/2, on a manual clock: the upload goes out in
/// steps separated by timers and the body arrives intact.
#[test_log::test]
fn max_send_speed_throttles_an_upload() {
    let srv = H2Server::start();
    let clock = fetch_core::Clock::manual();
    let mut app = App::with_multi(fetch_core::Multi::with_clock(clock.clone()));
    let body = pattern(100_000);
    let mut e = h2c(srv.url("/echo"));
    e.post(body.clone());
    e.max_send_speed(20_000);
    let id = app.add(e);
    let mut throttled = 0;
    for _ in 0..5000 {
        if app.multi.running() == 0 {
            break;
        }
        app.step(Duration::from_millis(2));
        if let Some(wait) = app
            .multi
            .timeout()
            .filter(|w| !w.is_zero() && *w < Duration::from_secs(60))
        {
            throttled += 1;
            clock.advance(wait);
            app.multi
                .socket_action(fetch_core::Target::Timeout, fetch_core::Events::NONE)
                .unwrap();
        }
    }
    while let Some((m, _)) = app.multi.info_read() {
        app.done.push(m);
    }
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(throttled >= 2, "throttled {throttled} times");
    assert!(app.multi.remove(id).unwrap().response_body() == body.as_slice());
}

/// Bulk streams over TLS: records are read in large pieces (one `recv`
/// for many records, see `multi/conn.rs`), each read brings frames of
/// several streams and the WINDOW_UPDATEs they earn go out before the
/// next read; four multi-MiB streams, several times the stream window
/// each, share one connection and arrive intact, one of them paused and
/// resumed half-way.
#[test_log::test]
fn bulk_streams_over_tls_arrive_intact() {
    let srv = H2Server::start_tls();
    let mut app = App::new();
    let len = 5 * 1024 * 1024 + 7;
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    let ids: Vec<_> = (0..4)
        .map(|i| {
            let mut e = h2_tls(
                srv.url_host("localhost", &format!("/bytes/{len}")),
                HttpVersion::V2Tls,
            );
            e.pipewait(true);
            if i == 0 {
                let sink = sink.clone();
                let mut paused = false;
                e.write_function(move |d: &[u8]| {
                    let mut all = sink.lock().unwrap();
                    if !paused && all.len() > len / 2 {
                        paused = true;
                        return Flow::Pause;
                    }
                    all.extend_from_slice(d);
                    Flow::Continue
                });
            }
            app.add(e)
        })
        .collect();
    let end = std::time::Instant::now() + Duration::from_secs(60);
    while app.done.len() < 3 {
        app.step(Duration::from_millis(10));
        assert!(std::time::Instant::now() < end, "bulk streams hung");
    }
    app.multi.pause(ids[0], Pause::CONT).unwrap();
    app.run(Duration::from_secs(60));
    for &id in &ids {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    }
    assert!(*got.lock().unwrap() == pattern(len));
    for &id in &ids[1..] {
        assert!(app.multi.remove(id).unwrap().response_body() == pattern(len).as_slice());
    }
    assert_eq!((srv.accepted(), srv.h2_requests()), (1, 4));
}
