//! Micro-benchmarks of the engine's hot paths, through the public API only
//! (`cargo bench -p fetch-core`; divan prints one line per benchmark).
//!
//! What is measured (see also docs/bench/README.md):
//! - `multi_new`: creating and dropping an empty `Multi`.
//! - `add_remove`: `Multi::add` then `Multi::remove` of one transfer that
//!   never starts (no I/O: HM-02), on a manual clock.
//! - `socket_action_unknown_fd`: the fixed cost of one `socket_action` call
//!   on a socket the engine does not know (SA-08) with nothing due.
//! - `add_n` / `remove_n`: adding (removing) n transfers with a 30 s total
//!   timeout each, i.e. n deadline-queue inserts (deletes) and timer
//!   reconciliations; per-item cost should stay flat as n grows.
//! - `expire_n`: one `socket_action(Timeout)` that runs n due kick-off
//!   deadlines; each transfer ends at once (unsupported scheme, so no
//!   socket is opened) and its message is read with `info_read`.
//! - `timeout_query_n`: `Multi::timeout` with n deadlines queued.
//! - `loopback_get`: one complete GET of a 1 KiB body with 20 response
//!   headers over a warm keep-alive connection to an in-process server,
//!   driven by a mio loop: the request writer, the head parser (httparse),
//!   body delivery, the pool and the socket/timer callbacks, plus two
//!   loopback syscalls and a thread wake-up on the server side.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use divan::Bencher;
use divan::counter::ItemsCount;
use fetch_core::{Clock, Easy, Events, Flow, Interest, Multi, Target};

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [100, 1_000, 10_000];

/// A multi on a manual clock with a timer callback that does nothing, as
/// an application's would do little.
fn quiet_multi() -> Multi {
    let mut multi = Multi::with_clock(Clock::manual());
    multi.set_timer_function(|_| Ok(()));
    multi
}

fn easy_with_timeout(url: &str) -> Easy {
    let mut easy = Easy::with_url(url);
    easy.timeout(Duration::from_secs(30));
    easy
}

#[divan::bench]
fn multi_new() -> Multi {
    Multi::new()
}

#[divan::bench]
fn add_remove(bencher: Bencher<'_, '_>) {
    let mut multi = quiet_multi();
    let mut slot = Some(easy_with_timeout("http://127.0.0.1:9/"));
    bencher.bench_local(|| {
        let id = multi.add(slot.take().expect("an easy")).expect("add works");
        slot = Some(multi.remove(id).expect("remove works"));
    });
}

#[divan::bench]
fn socket_action_unknown_fd(bencher: Bencher<'_, '_>) {
    let mut multi = quiet_multi();
    bencher.bench_local(|| {
        multi
            .socket_action(Target::Socket(divan::black_box(12_345)), Events::IN)
            .expect("unknown sockets are ignored")
    });
}

#[divan::bench(args = SIZES)]
fn add_n(bencher: Bencher<'_, '_>, n: usize) {
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| {
            let easies: Vec<Easy> = (0..n)
                .map(|_| easy_with_timeout("http://127.0.0.1:9/"))
                .collect();
            (quiet_multi(), easies)
        })
        .bench_local_values(|(mut multi, easies)| {
            for easy in easies {
                multi.add(easy).expect("add works");
            }
            multi
        });
}

#[divan::bench(args = SIZES)]
fn remove_n(bencher: Bencher<'_, '_>, n: usize) {
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| {
            let mut multi = quiet_multi();
            let ids: Vec<_> = (0..n)
                .map(|_| {
                    multi
                        .add(easy_with_timeout("http://127.0.0.1:9/"))
                        .expect("add works")
                })
                .collect();
            (multi, ids)
        })
        .bench_local_values(|(mut multi, ids)| {
            let easies: Vec<Easy> = ids
                .into_iter()
                .map(|id| multi.remove(id).expect("remove works"))
                .collect();
            (multi, easies)
        });
}

#[divan::bench(args = SIZES)]
fn expire_n(bencher: Bencher<'_, '_>, n: usize) {
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| {
            let mut multi = quiet_multi();
            for _ in 0..n {
                // Fails in the kick-off, before any socket exists.
                multi
                    .add(easy_with_timeout("gopher://127.0.0.1:9/"))
                    .expect("add works");
            }
            multi
        })
        .bench_local_values(|mut multi| {
            multi
                .socket_action(Target::Timeout, Events::NONE)
                .expect("socket_action works");
            let mut done = 0;
            while multi.info_read().is_some() {
                done += 1;
            }
            assert_eq!(done, n);
            multi
        });
}

#[divan::bench(args = SIZES)]
fn timeout_query_n(bencher: Bencher<'_, '_>, n: usize) {
    let mut multi = quiet_multi();
    for _ in 0..n {
        multi
            .add(easy_with_timeout("http://127.0.0.1:9/"))
            .expect("add works");
    }
    bencher.bench_local(|| multi.timeout());
}

/// A keep-alive server answering every request with the same response:
/// status line, 20 headers, a 1 KiB body.
fn serve() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut response = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..19 {
        response
            .extend_from_slice(format!("X-Header-{i}: value-{i}-abcdefghijklmnop\r\n").as_bytes());
    }
    response.extend_from_slice(b"Content-Length: 1024\r\n\r\n");
    response.extend_from_slice(&[b'x'; 1024]);
    let response = Arc::new(response);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let response = response.clone();
            std::thread::spawn(move || answer(stream, &response));
        }
    });
    port
}

fn answer(mut stream: TcpStream, response: &[u8]) {
    let _ = stream.set_nodelay(true);
    let mut buf = [0u8; 4096];
    let mut have = Vec::new();
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        have.extend_from_slice(&buf[..n]);
        while let Some(end) = have.windows(4).position(|w| w == b"\r\n\r\n") {
            have.drain(..end + 4);
            if stream.write_all(response).is_err() {
                return;
            }
        }
    }
}

/// An application loop on mio that runs one transfer at a time.
struct AppLoop {
    multi: Multi,
    poll: mio::Poll,
    events: mio::Events,
    timer: Arc<Mutex<Option<Instant>>>,
}

impl AppLoop {
    fn new() -> Self {
        let poll = mio::Poll::new().expect("poll");
        let registry = poll.registry().try_clone().expect("registry");
        let mut multi = Multi::new();
        let mut known: HashSet<RawFd> = HashSet::new();
        multi.set_socket_function(move |_ctx, ev| {
            let fd = ev.socket;
            let mut source = mio::unix::SourceFd(&fd);
            let interest = match ev.interest {
                Interest::In => mio::Interest::READABLE,
                Interest::Out => mio::Interest::WRITABLE,
                Interest::InOut => mio::Interest::READABLE | mio::Interest::WRITABLE,
                Interest::Remove => {
                    known.remove(&fd);
                    return registry
                        .deregister(&mut source)
                        .map_err(|_| fetch_core::Abort);
                }
            };
            let token = mio::Token(fd as usize);
            if known.insert(fd) {
                registry.register(&mut source, token, interest)
            } else {
                registry.reregister(&mut source, token, interest)
            }
            .map_err(|_| fetch_core::Abort)
        });
        let timer: Arc<Mutex<Option<Instant>>> = Arc::default();
        let t = timer.clone();
        multi.set_timer_function(move |d| {
            *t.lock().expect("timer lock") = d.map(|d| Instant::now() + d);
            Ok(())
        });
        Self {
            multi,
            poll,
            events: mio::Events::with_capacity(64),
            timer,
        }
    }

    fn run(&mut self, easy: Easy) -> Easy {
        self.multi.add(easy).expect("add");
        loop {
            let wait = self
                .timer
                .lock()
                .expect("timer lock")
                .map(|at| at.saturating_duration_since(Instant::now()));
            self.poll
                .poll(&mut self.events, wait.or(Some(Duration::from_secs(5))))
                .expect("poll");
            for ev in self.events.iter() {
                let mut bits = Events::NONE;
                if ev.is_readable() || ev.is_read_closed() {
                    bits = bits | Events::IN;
                }
                if ev.is_writable() {
                    bits = bits | Events::OUT;
                }
                self.multi
                    .socket_action(Target::Socket(ev.token().0 as RawFd), bits)
                    .expect("socket_action");
            }
            let due = {
                let mut t = self.timer.lock().expect("timer lock");
                let due = t.is_some_and(|at| at <= Instant::now());
                if due {
                    *t = None;
                }
                due
            };
            if due {
                self.multi
                    .socket_action(Target::Timeout, Events::NONE)
                    .expect("socket_action");
            }
            if let Some((msg, _)) = self.multi.info_read() {
                msg.result.expect("the transfer works");
                return self.multi.remove(msg.transfer).expect("remove");
            }
        }
    }
}

#[divan::bench]
fn loopback_get(bencher: Bencher<'_, '_>) {
    let port = serve();
    let mut app = AppLoop::new();
    let mut easy = Easy::with_url(format!("http://127.0.0.1:{port}/"));
    easy.write_function(|_| Flow::Continue);
    // Warm up: the connection is open and pooled before timing starts.
    let mut slot = Some(app.run(easy));
    bencher.bench_local(|| {
        let easy = slot.take().expect("an easy");
        slot = Some(app.run(easy));
    });
}
