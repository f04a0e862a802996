//! SF-09: with no socket or timer callback set, nothing is called and the
//! built-in loop (`perform` + `poll`) still completes a transfer.
mod common;

use std::time::Duration;

use fetch_core::Easy;
use fixtures::HttpServer;

#[test_log::test]
fn sf09_perform_and_poll_complete_a_transfer_without_callbacks() {
    let server = HttpServer::start();
    let mut driver = common::driver();
    let id = driver
        .multi_mut()
        .add(Easy::with_url(server.url("/bytes/5000")))
        .unwrap();
    let run = common::run(&mut driver, Duration::from_secs(20));
    assert_eq!(run.done.len(), 1);
    assert_eq!(run.done[0].transfer, id);
    assert_eq!(run.done[0].result, Ok(()));
    let easy = driver.multi_mut().remove(id).unwrap();
    assert_eq!(easy.info().response_code, 200);
    assert_eq!(easy.response_body(), fixtures::pattern(5000));
}
