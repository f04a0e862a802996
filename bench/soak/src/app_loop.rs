//! The application loop both client modes share: fetch-core's [`Multi`]
//! driven through `socket_action` from an application-owned mio (epoll,
//! edge-triggered) loop, the way a user embeds it (as `bench/rust-driver`).

use std::os::fd::RawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fetch_core::{Easy, Error, Events, Interest, Multi, Target, TransferId};
use mio::unix::SourceFd;
use mio::{Poll, Token};

/// No readiness and no timer for this long means the engine stalled.
const STALL: Duration = Duration::from_secs(120);

/// A [`Multi`] on a mio loop.
pub(crate) struct AppLoop {
    poll: Poll,
    events: mio::Events,
    multi: Multi,
    /// When the engine last asked to be woken (timer callback).
    timer: Arc<Mutex<Option<Instant>>>,
}

impl AppLoop {
    /// A loop keeping up to `max_connects` idle connections.
    pub(crate) fn new(max_connects: usize) -> Self {
        let poll = Poll::new().expect("epoll");
        let registry = poll.registry().try_clone().expect("epoll");
        let mut multi = Multi::new();
        multi.set_max_connects(Some(max_connects));
        let mut registered: Vec<bool> = Vec::new();
        multi.set_socket_function(move |_ctx, ev| {
            let fd = ev.socket;
            let slot = usize::try_from(fd).map_err(|_| fetch_core::Abort)?;
            if registered.len() <= slot {
                registered.resize(slot + 1, false);
            }
            let interest = match ev.interest {
                Interest::In => mio::Interest::READABLE,
                Interest::Out => mio::Interest::WRITABLE,
                Interest::InOut => mio::Interest::READABLE | mio::Interest::WRITABLE,
                Interest::Remove => {
                    if std::mem::take(&mut registered[slot]) {
                        registry
                            .deregister(&mut SourceFd(&fd))
                            .map_err(|_| fetch_core::Abort)?;
                    }
                    return Ok(());
                }
            };
            let token = Token(slot);
            if std::mem::replace(&mut registered[slot], true) {
                registry.reregister(&mut SourceFd(&fd), token, interest)
            } else {
                registry.register(&mut SourceFd(&fd), token, interest)
            }
            .map_err(|_| fetch_core::Abort)
        });
        let timer = Arc::new(Mutex::new(None::<Instant>));
        let t = Arc::clone(&timer);
        multi.set_timer_function(move |d| {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = d.map(|d| Instant::now() + d);
            Ok(())
        });
        Self {
            poll,
            events: mio::Events::with_capacity(256),
            multi,
            timer,
        }
    }

    pub(crate) fn add(&mut self, easy: Easy) -> TransferId {
        self.multi.add(easy).expect("add")
    }

    /// Waits once for readiness or the engine's timer, hands what happened
    /// to the engine and moves finished transfers (removed from the multi)
    /// into `done`. Err: nothing happened for [`STALL`].
    pub(crate) fn step(
        &mut self,
        done: &mut Vec<(TransferId, Easy, Result<(), Error>)>,
    ) -> Result<(), String> {
        let wait = self
            .timer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map(|at| at.saturating_duration_since(Instant::now()));
        match self.poll.poll(&mut self.events, wait.or(Some(STALL))) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(format!("epoll_wait: {e}")),
        }
        if self.events.is_empty() && wait.is_none() {
            return Err(format!(
                "stalled: nothing happened for {} s",
                STALL.as_secs()
            ));
        }
        for ev in &self.events {
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
            self.multi
                .socket_action(Target::Socket(ev.token().0 as RawFd), bits)
                .map_err(|e| format!("socket_action: {e}"))?;
        }
        let due = {
            let mut t = self.timer.lock().unwrap_or_else(|e| e.into_inner());
            let due = t.is_some_and(|at| at <= Instant::now());
            if due {
                *t = None;
            }
            due
        };
        if due {
            self.multi
                .socket_action(Target::Timeout, Events::NONE)
                .map_err(|e| format!("socket_action: {e}"))?;
        }
        while let Some((msg, _)) = self.multi.info_read() {
            let easy = self.multi.remove(msg.transfer).expect("remove");
            done.push((msg.transfer, easy, msg.result));
        }
        Ok(())
    }
}
