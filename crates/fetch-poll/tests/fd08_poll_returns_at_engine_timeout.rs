//! FD-08: `poll` returns when a library fd is active or at the engine's own
//! shorter timeout: a transfer with a 200 ms timeout against a silent server
//! ends long before one 5 s `poll` would.
use std::time::{Duration, Instant};

use fetch_core::{Easy, ErrorCode, Multi};
use fetch_poll::Driver;

#[test_log::test]
fn fd08_poll_5s_returns_at_a_200ms_transfer_timeout() {
    let server = fixtures::silent_server();
    let mut driver = Driver::new(Multi::new()).unwrap();
    let mut easy = Easy::with_url(server.url("/"));
    easy.timeout(Duration::from_millis(200));
    driver.multi_mut().add(easy).unwrap();
    let start = Instant::now();
    let mut polls = 0;
    while driver.perform().unwrap() > 0 {
        driver.poll(&mut [], Duration::from_secs(5)).unwrap();
        polls += 1;
        assert!(polls < 1000, "poll keeps returning without progress");
    }
    let elapsed = start.elapsed();
    let (msg, _) = driver.multi_mut().info_read().expect("a DONE message");
    assert_eq!(msg.result.unwrap_err().code(), ErrorCode::OperationTimedout);
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    tracing::info!(?elapsed, polls, "timed out");
}
