//! FD-05: `perform` never blocks. Against a server that never answers it
//! returns at once, every time, with the transfer still running.
mod common;

use std::time::{Duration, Instant};

use fetch_core::Easy;

#[test_log::test]
fn fd05_perform_returns_at_once_against_a_silent_server() {
    let server = fixtures::silent_server();
    let mut driver = common::driver();
    let mut easy = Easy::with_url(server.url("/"));
    easy.timeout(Duration::from_secs(60));
    driver.multi_mut().add(easy).unwrap();
    let mut performs = 0;
    while performs < 20 {
        let start = Instant::now();
        let running = driver.perform().unwrap();
        // Blocking would mean waiting for the 60 s transfer timeout.
        assert!(start.elapsed() < Duration::from_secs(5), "perform blocked");
        assert_eq!(running, 1);
        performs += 1;
        driver.poll(&mut [], Duration::from_millis(20)).unwrap();
    }
    assert!(driver.multi_mut().info_read().is_none());
    assert!(fixtures::wait_until(Duration::from_secs(5), || server
        .accepted()
        == 1));
    assert_eq!(driver.multi().running(), 1);
}
