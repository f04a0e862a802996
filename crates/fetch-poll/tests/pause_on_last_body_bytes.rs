//! A transfer paused on its last body bytes and resumed finishes at once:
//! only the end of the message was left, and no more bytes would ever
//! arrive to trigger it (it used to sit until its timeout).
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use fetch_core::{Easy, Flow, Pause};
use fixtures::HttpServer;

#[test_log::test]
fn resume_after_pausing_on_the_last_bytes_completes() {
    let srv = HttpServer::start();
    let mut driver = common::driver();
    let paused = Arc::new(AtomicBool::new(false));
    let got = Arc::new(AtomicUsize::new(0));
    let (p, g) = (paused.clone(), got.clone());
    // Pause on the piece that completes the Content-Length body.
    let mut e = Easy::with_url(srv.url("/bytes/300000"));
    e.write_function(move |d| {
        if !p.load(Ordering::SeqCst) && g.load(Ordering::SeqCst) + d.len() == 300_000 {
            p.store(true, Ordering::SeqCst);
            return Flow::Pause;
        }
        g.fetch_add(d.len(), Ordering::SeqCst);
        Flow::Continue
    });
    e.timeout(Duration::from_secs(20));
    let id = driver.multi_mut().add(e).unwrap();
    let mut resumed = false;
    let mut done = None;
    for _ in 0..100 {
        driver.perform().unwrap();
        if paused.load(Ordering::SeqCst) && !resumed {
            resumed = true;
            driver.multi_mut().pause(id, Pause::CONT).unwrap();
        }
        if let Some((m, _)) = driver.multi_mut().info_read() {
            done = Some(m.result);
            break;
        }
        driver.poll(&mut [], Duration::from_secs(1)).unwrap();
    }
    assert!(resumed, "the write callback paused");
    assert_eq!(done, Some(Ok(())));
    assert_eq!(got.load(Ordering::SeqCst), 300_000);
}
