//! A small application loop written the way a mio user would write it:
//! the socket callback registers, reregisters and deregisters with mio;
//! the timer callback sets the poll timeout. mio is edge-triggered, so
//! every test run through it also checks edge-trigger safety.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::HashMap;
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fetch_core::{Easy, Events, Interest, Message, Multi, Target, TransferId};
use mio::unix::SourceFd;
use mio::{Poll, Token};

/// One observed callback or call, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Socket {
        fd: RawFd,
        interest: Interest,
        transfer: Option<TransferId>,
        assigned: Option<usize>,
    },
    Timer(Option<Duration>),
}

/// The timer values in `log`, in order (socket events left out).
pub fn timers(log: &[Ev]) -> Vec<Option<Duration>> {
    log.iter()
        .filter_map(|e| match e {
            Ev::Timer(t) => Some(*t),
            Ev::Socket { .. } => None,
        })
        .collect()
}

#[derive(Default)]
pub struct Shared {
    pub timer: Option<Instant>,
    pub log: Vec<Ev>,
    pub watched: HashMap<RawFd, Interest>,
    pub fail_socket_cb: bool,
    pub fail_timer_cb: bool,
    pub wakeups: usize,
}

pub struct App {
    pub multi: Multi,
    pub poll: Poll,
    pub shared: Arc<Mutex<Shared>>,
    pub done: Vec<Message>,
    pub actions: usize,
}

fn mio_interest(i: Interest) -> mio::Interest {
    match i {
        Interest::In => mio::Interest::READABLE,
        Interest::Out => mio::Interest::WRITABLE,
        _ => mio::Interest::READABLE | mio::Interest::WRITABLE,
    }
}

impl App {
    pub fn new() -> Self {
        Self::with_multi(Multi::new())
    }

    pub fn with_multi(mut multi: Multi) -> Self {
        let poll = Poll::new().expect("mio poll");
        let registry = poll.registry().try_clone().expect("registry");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let s = shared.clone();
        multi.set_socket_function(move |_ctx, ev| {
            let mut st = s.lock().unwrap();
            st.log.push(Ev::Socket {
                fd: ev.socket,
                interest: ev.interest,
                transfer: ev.transfer,
                assigned: ev.assigned,
            });
            let fd = ev.socket;
            let token = Token(fd as usize);
            if ev.interest == Interest::Remove {
                assert!(
                    st.watched.remove(&fd).is_some(),
                    "REMOVE for a socket never announced: {fd}"
                );
                // SF-03: the fd must still be open when REMOVE arrives.
                registry
                    .deregister(&mut SourceFd(&fd))
                    .expect("fd still open at REMOVE");
            } else if st.watched.insert(fd, ev.interest).is_some() {
                registry
                    .reregister(&mut SourceFd(&fd), token, mio_interest(ev.interest))
                    .expect("reregister");
            } else {
                registry
                    .register(&mut SourceFd(&fd), token, mio_interest(ev.interest))
                    .expect("register");
            }
            if st.fail_socket_cb {
                return Err(fetch_core::Abort);
            }
            Ok(())
        });
        let s = shared.clone();
        multi.set_timer_function(move |d| {
            let mut st = s.lock().unwrap();
            st.log.push(Ev::Timer(d));
            st.timer = d.map(|d| Instant::now() + d);
            if st.fail_timer_cb {
                return Err(fetch_core::Abort);
            }
            Ok(())
        });
        Self {
            multi,
            poll,
            shared,
            done: Vec::new(),
            actions: 0,
        }
    }

    pub fn add(&mut self, easy: Easy) -> TransferId {
        self.multi.add(easy).expect("add")
    }

    fn drain(&mut self) {
        while let Some((m, _)) = self.multi.info_read() {
            self.done.push(m);
        }
    }

    /// One round of the loop: wait for readiness or the timer, act.
    /// Returns the running count.
    pub fn step(&mut self, max_wait: Duration) -> usize {
        let timer = self.shared.lock().unwrap().timer;
        let wait = match timer {
            Some(at) => at.saturating_duration_since(Instant::now()).min(max_wait),
            None => max_wait,
        };
        let mut events = mio::Events::with_capacity(1024);
        self.poll.poll(&mut events, Some(wait)).expect("poll");
        let mut running = self.multi.running();
        for ev in events.iter() {
            let mut bits = Events::NONE;
            if ev.is_readable() || ev.is_read_closed() {
                bits = bits | Events::IN;
            }
            if ev.is_writable() || ev.is_write_closed() {
                bits = bits | Events::OUT;
            }
            if ev.is_error() {
                bits = bits | Events::ERR;
            }
            self.shared.lock().unwrap().wakeups += 1;
            self.actions += 1;
            running = self
                .multi
                .socket_action(Target::Socket(ev.token().0 as RawFd), bits)
                .expect("socket_action");
        }
        let due = {
            let mut st = self.shared.lock().unwrap();
            match st.timer {
                Some(at) if at <= Instant::now() => {
                    st.timer = None;
                    true
                }
                _ => false,
            }
        };
        if due {
            self.actions += 1;
            running = self
                .multi
                .socket_action(Target::Timeout, Events::NONE)
                .expect("socket_action(timeout)");
        }
        self.drain();
        running
    }

    /// Runs until no transfer is running; panics after `limit` (a hang).
    pub fn run(&mut self, limit: Duration) {
        let end = Instant::now() + limit;
        loop {
            let running = self.step(Duration::from_millis(200));
            if running == 0 {
                self.drain();
                return;
            }
            assert!(
                Instant::now() < end,
                "transfers hung: {running} still running"
            );
        }
    }

    pub fn result(&self, id: TransferId) -> &Result<(), fetch_core::Error> {
        &self
            .done
            .iter()
            .find(|m| m.transfer == id)
            .expect("a DONE message for the transfer")
            .result
    }

    /// The transfer's result as its error code (`Ok(())` for success).
    pub fn outcome(&self, id: TransferId) -> Result<(), fetch_core::ErrorCode> {
        self.result(id).as_ref().map(|_| ()).map_err(|e| e.code())
    }

    pub fn code(&self, id: TransferId) -> i32 {
        match self.result(id) {
            Ok(()) => 0,
            Err(e) => e.code().code(),
        }
    }

    pub fn log(&self) -> Vec<Ev> {
        self.shared.lock().unwrap().log.clone()
    }

    pub fn watched(&self) -> usize {
        self.shared.lock().unwrap().watched.len()
    }
}

/// Runs one transfer to its end and returns the app and its id.
pub fn run_one(easy: Easy) -> (App, TransferId) {
    let mut app = App::new();
    let id = app.add(easy);
    app.run(Duration::from_secs(20));
    (app, id)
}

/// Fills the accept queue of a listener nobody accepts on, so later SYNs
/// are dropped. Done once a connect goes unanswered, which shows the queue
/// is full (rather than sleeping and hoping it is). Keep the sockets.
pub fn fill_accept_queue(addr: std::net::SocketAddr) -> Vec<socket2::Socket> {
    use socket2::{Domain, Socket, Type};
    let mut fillers = Vec::new();
    for _ in 0..64 {
        let s = Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
        let answered = s
            .connect_timeout(&addr.into(), Duration::from_millis(200))
            .is_ok();
        fillers.push(s);
        if !answered {
            return fillers;
        }
    }
    panic!("64 connects to {addr} were all answered: its accept queue never filled");
}
