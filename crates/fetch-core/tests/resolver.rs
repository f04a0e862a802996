//! Host names go through the resolver pool, whose completion wakes an app
//! that only waits on announced sockets (SF-08: a non-network fd).
mod common;

use std::time::Duration;

use common::{App, Ev};
use fetch_core::{Easy, Interest};
use fixtures::HttpServer;

#[test_log::test]
fn resolves_through_pool_and_wakeup_socket_sf08() {
    let name = fixtures::loopback_alias();
    let srv = HttpServer::start();
    let mut app = App::new();
    let a = app.add(Easy::with_url(format!(
        "http://{name}:{}/bytes/5",
        srv.addr().port()
    )));
    app.run(Duration::from_secs(20));
    assert!(app.result(a).is_ok(), "{:?}", app.result(a));
    let log = app.log();
    let first = log
        .iter()
        .find_map(|e| match e {
            Ev::Socket {
                fd,
                interest,
                transfer,
                ..
            } => Some((*fd, *interest, *transfer)),
            Ev::Timer(_) => None,
        })
        .unwrap();
    assert_eq!(
        first.1,
        Interest::In,
        "the resolver's wakeup socket comes first"
    );
    assert_eq!(first.2, None, "it serves no transfer");
    assert!(
        log.contains(&Ev::Socket {
            fd: first.0,
            interest: Interest::Remove,
            transfer: None,
            assigned: None
        }),
        "no resolver fd stays registered once lookups are done"
    );
    // A second lookup of the same name comes from the cache.
    let b = app.add(Easy::with_url(format!(
        "http://{name}:{}/bytes/5",
        srv.addr().port()
    )));
    let n = app.log().len();
    app.run(Duration::from_secs(20));
    assert!(app.result(b).is_ok());
    assert!(
        !app.log()[n..]
            .iter()
            .any(|e| matches!(e, Ev::Socket { fd, .. } if *fd == first.0))
    );
}
