//! FD- rules and SF-09: the built-in loop (perform / wait / poll / wakeup).
//! Time bounds here are coarse (an order of magnitude): they tell
//! "blocked" from "did not block", not speed.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use conformance::record::scenario;
use fetch_core::{Easy, ErrorCode, Multi};
use fetch_poll::{Driver, WAIT_POLLIN, WaitFd};
use fixtures::{HttpServer, Script, ScriptedServer};

fn run_to_end(d: &mut Driver) {
    let end = Instant::now() + Duration::from_secs(20);
    while d.perform().unwrap() > 0 {
        d.poll(&mut [], Duration::from_millis(500)).unwrap();
        assert!(Instant::now() < end, "hang");
    }
}

/// SF-09: no callbacks set; perform + poll complete a transfer.
#[test_log::test]
fn no_callbacks_sf09() {
    scenario("no_callbacks", &["SF-09", "FD-06"], || {
        let srv = HttpServer::start();
        let mut d = Driver::new(Multi::new()).unwrap();
        let ids: Vec<_> = (0..5)
            .map(|_| {
                d.multi_mut()
                    .add(Easy::with_url(srv.url("/bytes/1000")))
                    .unwrap()
            })
            .collect();
        run_to_end(&mut d);
        let mut done = 0;
        while let Some((m, _)) = d.multi_mut().info_read() {
            assert!(m.result.is_ok());
            done += 1;
        }
        assert_eq!(done, 5, "FD-06: 5 DONE");
        for id in ids {
            assert_eq!(
                d.multi_mut().remove(id).unwrap().response_body().len(),
                1000
            );
        }
    });
}

/// FD-05: perform never blocks, even with a server that answers late.
#[test_log::test]
fn perform_never_blocks_fd05() {
    scenario("perform_never_blocks", &["FD-05"], || {
        let srv = ScriptedServer::start(
            Script::new()
                .expect_request()
                .sleep(Duration::from_secs(10))
                .respond_ok("late"),
        );
        let mut d = Driver::new(Multi::new()).unwrap();
        d.multi_mut().add(Easy::with_url(srv.url("/"))).unwrap();
        for _ in 0..20 {
            let t = Instant::now();
            assert_eq!(d.perform().unwrap(), 1);
            // Blocking would mean waiting for the 10 s answer.
            assert!(t.elapsed() < Duration::from_secs(5), "perform blocked");
            std::thread::sleep(Duration::from_millis(5));
        }
    });
}

/// FD-08: poll returns at the transfer's own timeout, not the caller's.
#[test_log::test]
fn poll_honours_internal_timeout_fd08() {
    scenario("poll_honours_internal_timeout", &["FD-08"], || {
        let srv = fixtures::silent_server();
        let mut d = Driver::new(Multi::new()).unwrap();
        let mut e = Easy::with_url(srv.url("/"));
        e.timeout(Duration::from_millis(200));
        d.multi_mut().add(e).unwrap();
        let t = Instant::now();
        while d.perform().unwrap() > 0 {
            d.poll(&mut [], Duration::from_secs(5)).unwrap();
            assert!(
                t.elapsed() < Duration::from_secs(3),
                "poll slept past the timeout"
            );
        }
        let (m, _) = d.multi_mut().info_read().unwrap();
        assert_eq!(m.result.unwrap_err().code(), ErrorCode::OperationTimedout);
    });
}

/// FD-09: on an empty multi, wait returns at once and poll sleeps.
#[test_log::test]
fn wait_vs_poll_empty_fd09() {
    scenario("wait_vs_poll_empty", &["FD-09"], || {
        let mut d = Driver::new(Multi::new()).unwrap();
        let t = Instant::now();
        assert_eq!(d.wait(&mut [], Duration::from_secs(10)).unwrap(), 0);
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "wait did not return at once"
        );
        let t = Instant::now();
        assert_eq!(d.poll(&mut [], Duration::from_millis(300)).unwrap(), 0);
        assert!(
            t.elapsed() >= Duration::from_millis(250),
            "poll did not sleep"
        );
    });
}

/// FD-10, FD-08: an extra fd wakes poll and gets revents; numfds counts it.
#[test_log::test]
fn extra_fd_fd10() {
    scenario("extra_fd", &["FD-10", "FD-08"], || {
        let (r, mut w) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut d = Driver::new(Multi::new()).unwrap();
        w.write_all(b"x").unwrap();
        let mut extra = [WaitFd::new(r.as_raw_fd(), WAIT_POLLIN)];
        let t = Instant::now();
        let n = d.poll(&mut extra, Duration::from_secs(10)).unwrap();
        assert!(t.elapsed() < Duration::from_secs(2));
        assert!(n >= 1);
        assert_ne!(extra[0].revents & WAIT_POLLIN, 0);
    });
}

/// FD-11: wakeup from another thread ends a long poll; one made before
/// poll makes it return at once.
#[test_log::test]
fn wakeup_fd11() {
    scenario("wakeup", &["FD-11"], || {
        let mut d = Driver::new(Multi::new()).unwrap();
        let waker = d.waker();
        let th = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            waker.wake().unwrap();
        });
        let t = Instant::now();
        d.poll(&mut [], Duration::from_secs(10)).unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "wakeup did not end poll"
        );
        th.join().unwrap();
        d.waker().wake().unwrap();
        d.waker().wake().unwrap();
        let t = Instant::now();
        d.poll(&mut [], Duration::from_secs(10)).unwrap();
        assert!(t.elapsed() < Duration::from_secs(2));
    });
}
