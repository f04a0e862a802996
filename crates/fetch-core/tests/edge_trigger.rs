//! Edge-trigger safety: multi-MiB bodies through mio (edge-triggered) never
//! stall, also when the engine yields after its per-event read budget.
mod common;

use std::time::Duration;

use common::App;
use fetch_core::Easy;
use fixtures::HttpServer;

#[test_log::test]
fn large_bodies_through_edge_triggered_loop() {
    let srv = HttpServer::start();
    let mut app = App::new();
    let len = 24 * 1024 * 1024;
    let a = app.add(Easy::with_url(srv.url(&format!("/bytes/{len}"))));
    let b = app.add(Easy::with_url(
        srv.url(&format!("/chunked/{}", 6 * 1024 * 1024)),
    ));
    app.run(Duration::from_secs(60));
    assert!(app.result(a).is_ok());
    assert!(app.result(b).is_ok());
    let ea = app.multi.remove(a).unwrap();
    assert_eq!(ea.info().size_download, len as u64);
    assert!(ea.response_body() == fixtures::pattern(len).as_slice());
    let eb = app.multi.remove(b).unwrap();
    assert!(eb.response_body() == fixtures::pattern(6 * 1024 * 1024).as_slice());
}

/// SA-02: passing the real event bits and always passing 0 give the same
/// result.
#[test_log::test]
fn events_zero_means_find_out_sa02() {
    let srv = HttpServer::start();
    let mut multi = fetch_core::Multi::new();
    let id = multi.add(Easy::with_url(srv.url("/bytes/300000"))).unwrap();
    let mut rounds = 0;
    loop {
        let fds: Vec<_> = multi.sockets().map(|(fd, _)| fd).collect();
        let mut running = multi
            .socket_action(fetch_core::Target::Timeout, fetch_core::Events::NONE)
            .unwrap();
        for fd in fds {
            running = multi
                .socket_action(fetch_core::Target::Socket(fd), fetch_core::Events::NONE)
                .unwrap();
        }
        if running == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
        rounds += 1;
        assert!(rounds < 10_000, "hung");
    }
    assert!(multi.info_read().unwrap().0.result.is_ok());
    assert!(multi.remove(id).unwrap().response_body() == fixtures::pattern(300_000).as_slice());
}
