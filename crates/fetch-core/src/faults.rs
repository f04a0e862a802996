//! Fault injection for torture runs: the n-th socket-level operation of a
//! kind fails with a chosen `errno`, the way the kernel could fail it.
//!
//! Built only with the `fault-injection` feature; without it every check
//! is an inlined `Ok(())`. A plan is per thread (the engine runs on the
//! thread that calls into the multi), so parallel tests do not disturb
//! each other. `close(2)` is not covered: the engine cannot do anything
//! about a failed close, and Linux frees the descriptor regardless.

use std::io;

/// A socket-level operation of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Creating a socket (`socket(2)`).
    Socket,
    /// Starting a non-blocking connect (`connect(2)`).
    Connect,
    /// Reading a connect's outcome (`SO_ERROR`).
    ConnectResult,
    /// Writing to a connection (`send(2)`, TLS records included).
    Send,
    /// Reading from a connection (`recv(2)`, TLS records included).
    Recv,
    /// Peeking at an idle pooled connection.
    Peek,
    /// Draining the resolver's wakeup socket.
    ResolverWake,
}

impl Op {
    /// Every operation, in a fixed order.
    pub const ALL: [Self; 7] = [
        Self::Socket,
        Self::Connect,
        Self::ConnectResult,
        Self::Send,
        Self::Recv,
        Self::Peek,
        Self::ResolverWake,
    ];
}

#[cfg(feature = "fault-injection")]
mod imp {
    use std::cell::Cell;
    use std::io;

    use super::Op;

    #[derive(Clone, Copy)]
    struct Plan {
        op: Op,
        /// Operations of this kind still to pass before the one that fails.
        left: u64,
        errno: i32,
        fired: bool,
    }

    thread_local! {
        static PLAN: Cell<Option<Plan>> = const { Cell::new(None) };
        static SEEN: Cell<[u64; 7]> = const { Cell::new([0; 7]) };
    }

    fn index(op: Op) -> usize {
        Op::ALL.iter().position(|&o| o == op).unwrap_or(0)
    }

    /// From now on, on this thread, the `nth` (1-based) operation `op`
    /// fails with `errno`; the counts start again from zero.
    pub fn arm(op: Op, nth: u64, errno: i32) {
        SEEN.set([0; 7]);
        PLAN.set(Some(Plan {
            op,
            left: nth.saturating_sub(1),
            errno,
            fired: false,
        }));
    }

    /// Removes the plan; whether its fault was injected.
    pub fn disarm() -> bool {
        PLAN.take().is_some_and(|p| p.fired)
    }

    /// How many operations `op` ran since the last [`arm`].
    pub fn count(op: Op) -> u64 {
        SEEN.get()[index(op)]
    }

    pub(crate) fn check(op: Op) -> io::Result<()> {
        let mut seen = SEEN.get();
        seen[index(op)] += 1;
        SEEN.set(seen);
        let Some(mut plan) = PLAN.get() else {
            return Ok(());
        };
        if plan.op != op || plan.fired {
            return Ok(());
        }
        if plan.left > 0 {
            plan.left -= 1;
            PLAN.set(Some(plan));
            return Ok(());
        }
        plan.fired = true;
        PLAN.set(Some(plan));
        tracing::debug!(?op, errno = plan.errno, "injected fault");
        Err(io::Error::from_raw_os_error(plan.errno))
    }
}

#[cfg(feature = "fault-injection")]
pub use imp::{arm, count, disarm};

/// Fails the operation if the torture plan says so.
#[cfg(feature = "fault-injection")]
pub(crate) fn check(op: Op) -> io::Result<()> {
    imp::check(op)
}

/// Fails the operation if the torture plan says so (never, in this build).
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub(crate) fn check(_op: Op) -> io::Result<()> {
    Ok(())
}
