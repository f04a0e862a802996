//! 1,000 transfers through the built-in loop (`perform` + `poll`) against a
//! local fixture server; prints how many finished OK and which backend ran.
//!
//! ```text
//! cargo run -p fetch-poll --example thousand
//! ```
use std::time::{Duration, Instant};

use fetch_core::{Easy, Multi};
use fetch_poll::Driver;
use fixtures::HttpServer;

const TRANSFERS: usize = 1000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = HttpServer::start();
    let mut driver = Driver::new(Multi::new())?;
    for i in 0..TRANSFERS {
        let url = server.url(&format!("/bytes/{}", 1000 + i));
        if let Err(e) = driver.multi_mut().add(Easy::with_url(url)) {
            return Err(e.error.into());
        }
    }
    let start = Instant::now();
    let (mut ok, mut failed) = (0, 0);
    loop {
        let running = driver.perform()?;
        while let Some((msg, _)) = driver.multi_mut().info_read() {
            match msg.result {
                Ok(()) => ok += 1,
                Err(e) => {
                    failed += 1;
                    eprintln!("transfer {}: {e}", msg.transfer.index());
                }
            }
            driver.multi_mut().remove(msg.transfer)?;
        }
        if running == 0 {
            break;
        }
        driver.poll(&mut [], Duration::from_secs(1))?;
    }
    println!(
        "{ok}/{TRANSFERS} transfers OK ({failed} failed) in {:?} on the {} backend; \
         {} connections accepted by the server",
        start.elapsed(),
        fetch_poll::backend_name(),
        server.accepted(),
    );
    if ok == TRANSFERS {
        Ok(())
    } else {
        Err(format!("{failed} transfers failed").into())
    }
}
