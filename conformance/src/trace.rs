//! Traces of everything a scenario saw, normalised for snapshots, and the
//! shared invariant checker run on every trace.

use std::collections::HashMap;
use std::os::fd::RawFd;
use std::time::Duration;

use fetch_core::{Events, Interest, MultiError, Target, TransferId};

pub use fetch_core::checked::Checker;

/// One observed interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceEvent {
    /// The socket callback ran.
    Socket {
        /// Its socket.
        fd: RawFd,
        /// The interest reported.
        interest: Interest,
        /// The transfer it belongs to.
        transfer: Option<TransferId>,
        /// The assigned value passed in.
        assigned: Option<usize>,
    },
    /// The timer callback ran.
    Timer(Option<Duration>),
    /// The app called socket_action.
    Action {
        /// On what.
        target: Target,
        /// With which events.
        events: Events,
        /// What it returned.
        result: Result<usize, MultiError>,
    },
    /// The built-in loop's perform ran.
    Perform(Result<usize, MultiError>),
    /// A transfer was added.
    Add(TransferId),
    /// info_read returned a DONE message.
    Done {
        /// The transfer.
        transfer: TransferId,
        /// Its FETCHcode.
        code: i32,
    },
}

/// Buckets a timer value: exact values vary run to run.
pub fn bucket(d: Option<Duration>) -> &'static str {
    match d {
        None => "none",
        Some(d) if d.is_zero() => "0",
        Some(d) if d <= Duration::from_secs(1) => "short",
        Some(_) => "long",
    }
}

fn interest_name(i: Interest) -> &'static str {
    match i {
        Interest::In => "IN",
        Interest::Out => "OUT",
        Interest::InOut => "INOUT",
        Interest::Remove => "REMOVE",
    }
}

fn events_name(e: Events) -> String {
    if e.is_empty() {
        return "0".into();
    }
    let mut parts = Vec::new();
    for (bit, name) in [
        (Events::IN, "IN"),
        (Events::OUT, "OUT"),
        (Events::ERR, "ERR"),
    ] {
        if e.contains(bit) {
            parts.push(name);
        }
    }
    parts.join("|")
}

/// Turns a trace into stable lines: fds become s1, s2… and transfers t1,
/// t2… in order of appearance; times become buckets; runs of identical
/// lines (partial reads vary with scheduling) collapse into one.
pub fn normalise(events: &[TraceEvent]) -> Vec<String> {
    let mut fds: HashMap<RawFd, usize> = HashMap::new();
    let mut ts: HashMap<TransferId, usize> = HashMap::new();
    let mut s = |fd: RawFd| {
        let n = fds.len() + 1;
        format!("s{}", *fds.entry(fd).or_insert(n))
    };
    let mut lines: Vec<String> = Vec::new();
    for ev in events {
        let mut t = |id: TransferId| {
            let n = ts.len() + 1;
            format!("t{}", *ts.entry(id).or_insert(n))
        };
        let line = match ev {
            TraceEvent::Socket {
                fd,
                interest,
                transfer,
                assigned,
            } => format!(
                "socket_cb {} {} {} assigned={}",
                s(*fd),
                interest_name(*interest),
                transfer.map_or_else(|| "-".to_owned(), &mut t),
                if assigned.is_some() { "set" } else { "null" }
            ),
            TraceEvent::Timer(d) => format!("timer_cb {}", bucket(*d)),
            TraceEvent::Action {
                target,
                events,
                result,
            } => {
                let target = match target {
                    Target::Timeout => "TIMEOUT".to_owned(),
                    Target::Socket(fd) => s(*fd),
                };
                format!(
                    "socket_action {target} {} -> {result:?}",
                    events_name(*events)
                )
            }
            TraceEvent::Perform(r) => format!("perform -> {r:?}"),
            TraceEvent::Add(id) => format!("add {}", t(*id)),
            TraceEvent::Done { transfer, code } => format!("done {} code={code}", t(*transfer)),
        };
        if lines.last() != Some(&line) {
            lines.push(line);
        }
    }
    lines
}
