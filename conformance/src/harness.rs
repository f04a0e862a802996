//! The application loops that drive scenarios: one written with mio
//! (app-owned, edge-triggered, as a user of the seed's "typical usage"
//! writes it) and the built-in fetch-poll loop (perform + poll). Both record
//! the same kind of trace and run the same checker.

use std::os::fd::RawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fetch_core::{Abort, Easy, Events, Interest, Message, Multi, Target, TransferId};
use mio::unix::SourceFd;
use mio::{Poll, Token};

use crate::trace::{Checker, TraceEvent, normalise};

/// Which application loop drives a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// The app owns the loop: mio + socket_action.
    Mio,
    /// The built-in loop: fetch-poll's Driver, perform + poll.
    Builtin,
}

impl LoopKind {
    /// Both loops.
    pub const ALL: [Self; 2] = [Self::Mio, Self::Builtin];

    /// A short name for snapshot files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mio => "mio",
            Self::Builtin => "builtin",
        }
    }
}

/// What the callbacks share with the loop.
#[derive(Default)]
pub struct Shared {
    /// Every event, in order.
    pub trace: Vec<TraceEvent>,
    /// The invariant checker.
    pub checker: Checker,
    /// When the app's one timer fires.
    pub timer: Option<Instant>,
    /// Make the socket callback fail (SF-05).
    pub fail_socket_cb: bool,
    /// Make the timer callback fail (TF-06).
    pub fail_timer_cb: bool,
    /// Assign this value to each newly announced socket (AS-04).
    pub assign_on_announce: Option<usize>,
}

enum Engine {
    Mio { multi: Multi, poll: Poll },
    Builtin { driver: fetch_poll::Driver },
}

/// One scenario's app: a multi, a loop, and a trace.
pub struct Harness {
    kind: LoopKind,
    engine: Option<Engine>,
    /// What callbacks recorded.
    pub shared: Arc<Mutex<Shared>>,
    /// DONE messages read so far.
    pub done: Vec<Message>,
}

fn lock(s: &Arc<Mutex<Shared>>) -> std::sync::MutexGuard<'_, Shared> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

impl Harness {
    /// A harness over a new multi.
    pub fn new(kind: LoopKind) -> Self {
        Self::with_multi(kind, Multi::new())
    }

    /// A harness over `multi` (for instance one on a manual clock).
    pub fn with_multi(kind: LoopKind, mut multi: Multi) -> Self {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let poll = Poll::new().expect("mio poll");
        let registry = match kind {
            LoopKind::Mio => Some(poll.registry().try_clone().expect("registry")),
            LoopKind::Builtin => None,
        };
        let s = shared.clone();
        multi.set_socket_function(move |ctx, ev| {
            let mut st = lock(&s);
            st.checker.socket(ev.socket, ev.interest, ev.assigned);
            st.trace.push(TraceEvent::Socket {
                fd: ev.socket,
                interest: ev.interest,
                transfer: ev.transfer,
                assigned: ev.assigned,
            });
            if let Some(reg) = &registry {
                let fd = ev.socket;
                let interest = match ev.interest {
                    Interest::In => Some(mio::Interest::READABLE),
                    Interest::Out => Some(mio::Interest::WRITABLE),
                    Interest::InOut => Some(mio::Interest::READABLE | mio::Interest::WRITABLE),
                    Interest::Remove => None,
                };
                let r = match interest {
                    None => reg.deregister(&mut SourceFd(&fd)),
                    Some(i) if ev.assigned.is_some() => {
                        reg.reregister(&mut SourceFd(&fd), Token(fd as usize), i)
                    }
                    Some(i) => reg
                        .register(&mut SourceFd(&fd), Token(fd as usize), i)
                        .or_else(|_| reg.reregister(&mut SourceFd(&fd), Token(fd as usize), i)),
                };
                if let Err(e) = r {
                    st.checker
                        .violations
                        .push(format!("mio registration of fd {fd} failed: {e}"));
                }
            }
            // hiperfifo style: allocate state on first sight and assign it.
            if ev.interest != Interest::Remove && ev.assigned.is_none() {
                let value = st.assign_on_announce.unwrap_or(ev.socket as usize + 1000);
                if ctx.assign(ev.socket, Some(value)).is_err() {
                    st.checker
                        .violations
                        .push("AS-04: assign from the socket callback failed".into());
                }
            }
            if st.fail_socket_cb {
                return Err(Abort);
            }
            Ok(())
        });
        let s = shared.clone();
        multi.set_timer_function(move |d| {
            let mut st = lock(&s);
            st.trace.push(TraceEvent::Timer(d));
            st.timer = d.map(|d| Instant::now() + d);
            if st.fail_timer_cb {
                return Err(Abort);
            }
            Ok(())
        });
        let engine = match kind {
            LoopKind::Mio => Engine::Mio { multi, poll },
            LoopKind::Builtin => Engine::Builtin {
                driver: fetch_poll::Driver::new(multi).expect("driver"),
            },
        };
        Self {
            kind,
            engine: Some(engine),
            shared,
            done: Vec::new(),
        }
    }

    /// Which loop this is.
    pub fn kind(&self) -> LoopKind {
        self.kind
    }

    /// The multi handle.
    pub fn multi(&mut self) -> &mut Multi {
        match self.engine.as_mut().expect("not finished") {
            Engine::Mio { multi, .. } => multi,
            Engine::Builtin { driver } => driver.multi_mut(),
        }
    }

    /// Adds a transfer, recording it.
    pub fn add(&mut self, easy: Easy) -> TransferId {
        let id = self.multi().add(easy).expect("add");
        lock(&self.shared).trace.push(TraceEvent::Add(id));
        id
    }

    /// Calls socket_action, recording call and result.
    pub fn action(
        &mut self,
        target: Target,
        events: Events,
    ) -> Result<usize, fetch_core::MultiError> {
        let result = self.multi().socket_action(target, events);
        lock(&self.shared).trace.push(TraceEvent::Action {
            target,
            events,
            result,
        });
        self.drain();
        result
    }

    fn drain(&mut self) {
        while let Some((m, _)) = self.multi().info_read() {
            let code = m.result.as_ref().map_or_else(|e| e.code().code(), |()| 0);
            lock(&self.shared).trace.push(TraceEvent::Done {
                transfer: m.transfer,
                code,
            });
            self.done.push(m);
        }
    }

    /// One round of the loop. Returns the running count.
    pub fn step(&mut self, max_wait: Duration) -> usize {
        let timer = lock(&self.shared).timer;
        let wait = timer
            .map_or(max_wait, |at| at.saturating_duration_since(Instant::now()))
            .min(max_wait);
        match self.engine.as_mut().expect("not finished") {
            Engine::Mio { poll, .. } => {
                let mut events = mio::Events::with_capacity(256);
                poll.poll(&mut events, Some(wait)).expect("mio poll");
                let ready: Vec<(RawFd, Events)> = events
                    .iter()
                    .map(|ev| {
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
                        (ev.token().0 as RawFd, bits)
                    })
                    .collect();
                for (fd, bits) in ready {
                    let _ = self.action(Target::Socket(fd), bits);
                }
                let due = {
                    let mut st = lock(&self.shared);
                    let due = st.timer.is_some_and(|at| at <= Instant::now());
                    if due {
                        st.timer = None;
                    }
                    due
                };
                if due {
                    let _ = self.action(Target::Timeout, Events::NONE);
                }
            }
            Engine::Builtin { driver } => {
                driver.poll(&mut [], wait).expect("poll");
                let r = driver.perform();
                lock(&self.shared).trace.push(TraceEvent::Perform(r));
                self.drain();
            }
        }
        self.multi().running()
    }

    /// Runs until nothing is running; fails after `limit` (a hang).
    pub fn run(&mut self, limit: Duration) -> Result<(), String> {
        let end = Instant::now() + limit;
        while self.step(Duration::from_millis(100)) > 0 {
            if Instant::now() > end {
                return Err(format!("hang: {} still running", self.multi().running()));
            }
        }
        Ok(())
    }

    /// The result code of a finished transfer.
    pub fn code(&self, id: TransferId) -> Option<i32> {
        self.done
            .iter()
            .find(|m| m.transfer == id)
            .map(|m| m.result.as_ref().map_or_else(|e| e.code().code(), |()| 0))
    }

    /// The raw trace so far.
    pub fn trace(&self) -> Vec<TraceEvent> {
        lock(&self.shared).trace.clone()
    }

    /// Like [`Harness::finish`], and fails the scenario on any invariant
    /// violation.
    pub fn finish_clean(self) -> Finished {
        let f = self.finish();
        assert!(f.violations.is_empty(), "invariants: {:?}", f.violations);
        f
    }

    /// Cleans up (drops the multi) and returns the normalised trace and
    /// every invariant violation seen, cleanup included.
    pub fn finish(mut self) -> Finished {
        drop(self.engine.take());
        let mut st = lock(&self.shared);
        st.checker.at_cleanup();
        Finished {
            lines: normalise(&st.trace),
            violations: std::mem::take(&mut st.checker.violations),
            trace: std::mem::take(&mut st.trace),
        }
    }
}

/// A finished scenario run.
#[derive(Debug)]
pub struct Finished {
    /// The normalised trace.
    pub lines: Vec<String>,
    /// Invariant violations (must be empty).
    pub violations: Vec<String>,
    /// The raw trace.
    pub trace: Vec<TraceEvent>,
}

impl Finished {
    /// The normalised trace as one snapshot-friendly string.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// Runs `body` under each application loop, recorded as one scenario per
/// loop (`name[mio]`, `name[builtin]`) checking `rules`.
pub fn for_each_loop(name: &str, rules: &[&str], body: impl Fn(LoopKind)) {
    for kind in LoopKind::ALL {
        crate::record::scenario(&format!("{name}[{}]", kind.name()), rules, || body(kind));
    }
}
