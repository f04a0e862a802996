//! FD-06: when `running` from `perform` drops below the number added,
//! transfers ended and `info_read` has them: 5 GETs give 5 DONE messages.
mod common;

use std::collections::HashSet;
use std::time::Duration;

use fetch_core::Easy;
use fixtures::HttpServer;

#[test_log::test]
fn fd06_five_gets_give_five_done_messages() {
    let server = HttpServer::start();
    let mut driver = common::driver();
    let ids: HashSet<_> = (0..5)
        .map(|i| {
            driver
                .multi_mut()
                .add(Easy::with_url(
                    server.url(&format!("/bytes/{}", 1000 * (i + 1))),
                ))
                .unwrap()
        })
        .collect();
    let run = common::run(&mut driver, Duration::from_secs(20));
    assert_eq!(run.done.len(), 5);
    assert!(run.done.iter().all(|m| m.result.is_ok()), "{:?}", run.done);
    let done: HashSet<_> = run.done.iter().map(|m| m.transfer).collect();
    assert_eq!(done, ids);
    assert!(
        run.running.windows(2).all(|w| w[1] <= w[0]),
        "{:?}",
        run.running
    );
    assert_eq!(run.running.last(), Some(&0));
    // The server counts a request just after flushing its response, so
    // the client may be done first.
    assert!(fixtures::wait_until(Duration::from_secs(5), || {
        server.requests_served() == 5
    }));
}
