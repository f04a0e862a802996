//! Scale: 2,000 concurrent loopback connections complete through the
//! built-in loop, one transfer each, all OK.
mod common;

use std::time::{Duration, Instant};

use fetch_core::Easy;
use fixtures::HttpServer;

const TRANSFERS: usize = 2000;

#[test_log::test]
fn two_thousand_concurrent_connections_complete() {
    let server = HttpServer::start();
    let mut driver = common::driver();
    for _ in 0..TRANSFERS {
        driver
            .multi_mut()
            .add(Easy::with_url(server.url("/bytes/1000")))
            .unwrap();
    }
    let start = Instant::now();
    let run = common::run(&mut driver, Duration::from_secs(120));
    let elapsed = start.elapsed();
    let ok = run.done.iter().filter(|m| m.result.is_ok()).count();
    let failed: Vec<_> = run
        .done
        .iter()
        .filter(|m| m.result.is_err())
        .take(5)
        .collect();
    let report = format!(
        "{ok}/{TRANSFERS} OK on {} in {elapsed:?}: peak {} client sockets, \
         peak {} server connections, {} accepted, {} performs, {} polls",
        fetch_poll::backend_name(),
        run.peak_sockets,
        server.peak_connections(),
        server.accepted(),
        run.performs,
        run.polls,
    );
    tracing::info!("{report}");
    eprintln!("{report}");
    assert_eq!(run.done.len(), TRANSFERS);
    assert_eq!(ok, TRANSFERS, "failures: {failed:?}");
    // Every transfer had its own connection open at the same time.
    assert_eq!(server.accepted(), TRANSFERS);
    assert!(
        run.peak_sockets >= TRANSFERS,
        "only {} sockets at once",
        run.peak_sockets
    );
}
