//! Sockets are watched level-triggered: a ready socket that has not been
//! serviced is reported again by the next `wait`, so nothing is lost when
//! the application waits twice or `perform` serves only part of a batch.
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use fetch_core::{Easy, Interest, Multi};
use fetch_poll::{Driver, WAIT_POLLIN, WaitFd};
use fixtures::{Script, ScriptedServer};

#[test_log::test]
fn unread_extra_fd_is_reported_by_every_wait() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let (mut tx, rx) = UnixStream::pair().unwrap();
    tx.write_all(b"ping").unwrap();
    let mut extra = [WaitFd::new(rx.as_raw_fd(), WAIT_POLLIN)];
    for _ in 0..3 {
        assert_eq!(driver.wait(&mut extra, Duration::from_secs(10)), Ok(1));
        assert_eq!(extra[0].revents, WAIT_POLLIN);
    }
}

#[test_log::test]
fn unserviced_library_socket_is_reported_by_every_wait() {
    let server = ScriptedServer::start(Script::new().expect_request().respond_ok(b"hello"));
    let mut driver = Driver::new(Multi::new()).unwrap();
    let id = driver
        .multi_mut()
        .add(Easy::with_url(server.url("/")))
        .unwrap();
    // Drive until the request is sent and the engine waits for the reply.
    let mut rounds = 0;
    loop {
        driver.perform().unwrap();
        let reading = driver
            .multi()
            .sockets()
            .all(|(_, interest)| interest == Interest::In);
        if reading && driver.multi().socket_count() == 1 {
            break;
        }
        driver.wait(&mut [], Duration::from_secs(1)).unwrap();
        rounds += 1;
        assert!(rounds < 1000, "the request was never sent");
    }
    // The reply makes the socket readable; without perform it stays so.
    assert_eq!(driver.wait(&mut [], Duration::from_secs(10)), Ok(1));
    for _ in 0..3 {
        assert_eq!(driver.wait(&mut [], Duration::from_secs(10)), Ok(1));
    }
    while driver.perform().unwrap() > 0 {
        driver.poll(&mut [], Duration::from_secs(1)).unwrap();
    }
    let (msg, _) = driver.multi_mut().info_read().unwrap();
    assert_eq!(msg.result, Ok(()));
    assert_eq!(
        driver.multi_mut().remove(id).unwrap().response_body(),
        b"hello"
    );
}
