//! Fetches 1,000 URLs from a local server with 100 in flight, driven by an
//! application loop written with mio, the way the seed's "typical usage"
//! describes: the socket callback registers, reregisters and deregisters
//! with mio; the timer callback sets the poll timeout.
//!
//! Run: `cargo run -p fetch-core --example mio_loop [URL_BASE]`
//! (without an argument a local fixture server is started).

use std::collections::HashMap;
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fetch_core::{Easy, Events, Flow, Interest, Multi, Target};
use mio::unix::SourceFd;
use mio::{Poll, Token};

const TOTAL: usize = 1_000;
const IN_FLIGHT: usize = 100;

fn main() -> std::io::Result<()> {
    let server = fixtures::HttpServer::start();
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| server.url("/bytes/1024"));

    let mut poll = Poll::new()?;
    let registry = poll.registry().try_clone()?;
    let timer: Arc<Mutex<Option<Instant>>> = Arc::default();
    let mut multi = Multi::new();

    let mut watched: HashMap<RawFd, ()> = HashMap::new();
    multi.set_socket_function(move |_ctx, ev| {
        let fd = ev.socket;
        let interest = match ev.interest {
            Interest::In => mio::Interest::READABLE,
            Interest::Out => mio::Interest::WRITABLE,
            Interest::InOut => mio::Interest::READABLE | mio::Interest::WRITABLE,
            Interest::Remove => {
                watched.remove(&fd);
                return registry
                    .deregister(&mut SourceFd(&fd))
                    .map_err(|_| fetch_core::Abort);
            }
        };
        let token = Token(fd as usize);
        let result = if watched.insert(fd, ()).is_some() {
            registry.reregister(&mut SourceFd(&fd), token, interest)
        } else {
            registry.register(&mut SourceFd(&fd), token, interest)
        };
        result.map_err(|_| fetch_core::Abort)
    });
    let t = timer.clone();
    multi.set_timer_function(move |d| {
        *t.lock().unwrap() = d.map(|d| Instant::now() + d);
        Ok(())
    });

    let started = Instant::now();
    let mut added = 0;
    let mut ok = 0;
    let mut failed = 0;
    let mut bytes = 0u64;
    let add_one = |multi: &mut Multi, added: &mut usize| {
        let mut easy = Easy::with_url(base.clone());
        easy.write_function(|_| Flow::Continue);
        multi.add(easy).expect("add");
        *added += 1;
    };
    while added < IN_FLIGHT.min(TOTAL) {
        add_one(&mut multi, &mut added);
    }

    let mut events = mio::Events::with_capacity(1024);
    while ok + failed < TOTAL {
        let wait = timer
            .lock()
            .unwrap()
            .map(|at| at.saturating_duration_since(Instant::now()));
        poll.poll(&mut events, wait.or(Some(Duration::from_secs(5))))?;
        for ev in events.iter() {
            let mut bits = Events::NONE;
            if ev.is_readable() || ev.is_read_closed() {
                bits = bits | Events::IN;
            }
            if ev.is_writable() {
                bits = bits | Events::OUT;
            }
            if ev.is_error() {
                bits = bits | Events::ERR;
            }
            multi
                .socket_action(Target::Socket(ev.token().0 as RawFd), bits)
                .expect("socket_action");
        }
        let due = {
            let mut t = timer.lock().unwrap();
            let due = t.is_some_and(|at| at <= Instant::now());
            if due {
                *t = None;
            }
            due
        };
        if due {
            multi
                .socket_action(Target::Timeout, Events::NONE)
                .expect("socket_action");
        }
        while let Some((msg, _)) = multi.info_read() {
            let easy = multi.remove(msg.transfer).expect("remove");
            match msg.result {
                Ok(()) => {
                    ok += 1;
                    bytes += easy.info().size_download;
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("transfer failed: {e}");
                }
            }
            if added < TOTAL {
                add_one(&mut multi, &mut added);
            }
        }
    }
    let took = started.elapsed();
    println!(
        "{ok} of {TOTAL} finished OK ({failed} failed), {bytes} body bytes, {:.0} transfers/s",
        TOTAL as f64 / took.as_secs_f64()
    );
    if ok == TOTAL {
        Ok(())
    } else {
        Err(std::io::Error::other("some transfers failed"))
    }
}
