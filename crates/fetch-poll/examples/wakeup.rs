//! `fetch_multi_wakeup` from a second thread: the main thread sleeps in
//! `poll` with a long timeout; a worker finishes some job and wakes it.
//!
//! ```text
//! cargo run -p fetch-poll --example wakeup
//! ```
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use fetch_core::Multi;
use fetch_poll::Driver;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut driver = Driver::new(Multi::new())?;
    let waker = driver.waker();
    let (jobs_done, results) = mpsc::channel();
    let worker = thread::spawn(move || {
        for job in 1..=3 {
            thread::sleep(Duration::from_millis(200));
            jobs_done.send(job).expect("main thread is listening");
            // Tell the loop there is something to look at.
            waker.wake().expect("the driver is alive");
        }
    });

    let start = Instant::now();
    let mut seen = 0;
    while seen < 3 {
        // Without the wakeups this would sleep for 30 s each time.
        driver.poll(&mut [], Duration::from_secs(30))?;
        for job in results.try_iter() {
            seen += 1;
            println!("woken at {:?}: job {job} done", start.elapsed());
        }
    }
    worker.join().expect("worker thread");
    println!(
        "3 wakeups handled in {:?} on the {} backend",
        start.elapsed(),
        fetch_poll::backend_name()
    );
    Ok(())
}
