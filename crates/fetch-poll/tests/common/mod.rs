//! The built-in loop as an application writes it: `perform`, read the
//! messages, `poll`, until nothing runs.
// Shared by several test binaries; each uses only part of it.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::time::{Duration, Instant};

use fetch_core::{Message, Multi};
use fetch_poll::Driver;

/// What one run of the loop saw.
#[derive(Debug, Default)]
pub struct Run {
    pub done: Vec<Message>,
    pub performs: usize,
    pub polls: usize,
    /// `running` as returned by each `perform`.
    pub running: Vec<usize>,
    /// The most sockets the multi had announced at once.
    pub peak_sockets: usize,
}

/// A driver over a multi with no callbacks set.
pub fn driver() -> Driver {
    Driver::new(Multi::new()).expect("create the poller")
}

/// Runs `perform` + `poll(1 s)` until no transfer runs.
///
/// # Panics
/// If the transfers are still running after `budget`.
pub fn run(driver: &mut Driver, budget: Duration) -> Run {
    let start = Instant::now();
    let mut run = Run::default();
    loop {
        let running = driver.perform().expect("perform");
        run.performs += 1;
        run.running.push(running);
        run.peak_sockets = run.peak_sockets.max(driver.multi().socket_count());
        while let Some((msg, _)) = driver.multi_mut().info_read() {
            run.done.push(msg);
        }
        if running == 0 {
            return run;
        }
        assert!(
            start.elapsed() < budget,
            "still {running} running after {budget:?}"
        );
        driver.poll(&mut [], Duration::from_secs(1)).expect("poll");
        run.polls += 1;
    }
}

/// Descriptors open in this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}
