//! The poller's safety invariant (every registered fd is deleted before the
//! engine closes it, SF-03) holds whatever safe code does through
//! `multi_mut()`: clearing or replacing the driver's observer deletes the
//! registrations at once, and the next driver call installs it again. And a
//! driver created over a multi that already announced sockets registers
//! them (the C ABI creates its driver only when the built-in loop is used).
mod common;

use std::time::Duration;

use fetch_core::{Easy, Events, Multi, Target};
use fetch_poll::Driver;
use fixtures::HttpServer;

/// How many library sockets the driver's poller has registered.
fn registered(driver: &Driver) -> usize {
    let dbg = format!("{driver:?}");
    let tail = dbg.split("registered: ").nth(1).expect("registered field");
    let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// Drives until the transfer has a socket registered in the poller.
fn until_registered(driver: &mut Driver) {
    for _ in 0..100 {
        driver.perform().unwrap();
        if registered(driver) > 0 {
            return;
        }
        driver.poll(&mut [], Duration::from_millis(50)).unwrap();
    }
    panic!("no socket was registered");
}

fn finishes(driver: &mut Driver) {
    let run = common::run(driver, Duration::from_secs(20));
    assert_eq!(run.done.len(), 1);
    assert_eq!(run.done[0].result, Ok(()));
}

#[test_log::test]
fn clearing_the_observer_deletes_every_registration_and_it_comes_back() {
    let server = HttpServer::start();
    let mut driver = common::driver();
    driver
        .multi_mut()
        .add(Easy::with_url(server.url("/bytes/200000")))
        .unwrap();
    until_registered(&mut driver);
    driver.multi_mut().clear_socket_observer();
    assert_eq!(registered(&driver), 0);
    finishes(&mut driver);
}

#[test_log::test]
fn replacing_the_observer_deletes_every_registration_and_it_comes_back() {
    let server = HttpServer::start();
    let mut driver = common::driver();
    driver
        .multi_mut()
        .add(Easy::with_url(server.url("/bytes/200000")))
        .unwrap();
    until_registered(&mut driver);
    driver.multi_mut().set_socket_observer(|_, _| {});
    assert_eq!(registered(&driver), 0);
    finishes(&mut driver);
}

#[test_log::test]
fn a_driver_over_a_running_multi_registers_its_sockets() {
    let server = HttpServer::start();
    let mut multi = Multi::new();
    multi
        .add(Easy::with_url(server.url("/bytes/200000")))
        .unwrap();
    multi.socket_action(Target::Timeout, Events::NONE).unwrap();
    assert!(
        multi.socket_count() > 0,
        "the transfer announced its socket"
    );
    let mut driver = Driver::try_new(multi).map_err(|b| b.0).unwrap();
    assert_eq!(registered(&driver), driver.multi().socket_count());
    finishes(&mut driver);
}
