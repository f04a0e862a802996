//! SF-01..SF-03, SF-07 under the built-in loop: the driver follows the
//! engine through its internal observer, so the application's own socket
//! callback still sees every change, and REMOVE for every socket it was
//! told about (at the latest when the multi is dropped).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fetch_core::{Easy, Interest, Multi};
use fetch_poll::Driver;
use fixtures::HttpServer;

#[test_log::test]
fn sf03_user_socket_callback_fires_alongside_the_driver() {
    let server = HttpServer::start();
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut multi = Multi::new();
    let l = Arc::clone(&log);
    multi.set_socket_function(move |_ctx, ev| {
        l.lock().unwrap().push((ev.socket, ev.interest));
        Ok(())
    });
    let mut driver = Driver::new(multi).unwrap();
    for _ in 0..3 {
        driver
            .multi_mut()
            .add(Easy::with_url(server.url("/bytes/100")))
            .unwrap();
    }
    while driver.perform().unwrap() > 0 {
        driver.poll(&mut [], Duration::from_secs(1)).unwrap();
    }
    let mut ok = 0;
    while let Some((msg, _)) = driver.multi_mut().info_read() {
        assert_eq!(msg.result, Ok(()));
        ok += 1;
    }
    assert_eq!(ok, 3);
    drop(driver);

    let log = log.lock().unwrap();
    assert!(log.iter().any(|&(_, i)| i == Interest::Out), "{log:?}");
    assert!(log.iter().any(|&(_, i)| i == Interest::In), "{log:?}");
    // Every announced socket ends with REMOVE.
    let mut last = HashMap::new();
    for &(fd, interest) in log.iter() {
        last.insert(fd, interest);
    }
    assert!(!last.is_empty());
    assert!(last.values().all(|&i| i == Interest::Remove), "{last:?}");
}
