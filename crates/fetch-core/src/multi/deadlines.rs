//! The deadline queue: one entry per transfer (its earliest deadline), in
//! an indexed binary min-heap or, for a deadline that is already due when
//! set (a kick: run this transfer now), in a first-in first-out "run now"
//! list beside it. An entry is moved when the transfer's earliest deadline
//! changes and removed when it has none, so the queue never holds more
//! entries than there are live transfers, however many transfers have come
//! and gone (a plain heap with stale entries grows with rate × timeout when
//! every transfer sets a TIMEOUT).
//!
//! Due deadlines are set in time order (the multi's clock only moves on),
//! so the run-now list stays sorted by pushing at its back, and a kick costs
//! a push and a pop instead of a walk up and down the heap.
//!
//! A TIMEOUT call runs every due deadline. A socket call runs the due
//! heap deadlines (timeouts, low-speed, expect, progress) but leaves the
//! run-now list for the TIMEOUT call when the application was told "0"
//! and has made at most one round of socket calls since (`kicks_wait`;
//! docs/decisions.md, "Kicks told with timer 0 wait for the TIMEOUT call").

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use super::{Kind, Multi, Phase, Transfer, TransferKey};
use crate::clock::Moment;
use crate::error::{Error, ErrorCode};
use crate::failure::{Detail, Step as FailedStep};
use crate::socket::Events;

/// No heap slot: the transfer is not queued.
pub(super) const NONE: u32 = u32::MAX;

/// The slot value of a transfer in the run-now list.
const NOW: u32 = u32::MAX - 1;

/// Earliest-deadline-first queue of transfer indices.
#[derive(Debug, Default)]
pub(super) struct DeadlineQueue {
    /// The heap: (deadline, transfer index), smallest deadline at 0.
    pub(super) heap: Vec<(Moment, TransferKey)>,
    /// Entries due when queued, oldest deadline first.
    now: VecDeque<(Moment, TransferKey)>,
    /// For each transfer index, its slot in `heap`, [`NOW`] or [`NONE`].
    pub(super) slot: Vec<u32>,
}

impl DeadlineQueue {
    /// Queues transfer `ti` at `at`, moves it there, or (with `None`)
    /// takes it out of the queue. `now` is the current time: a deadline
    /// not after it goes to the run-now list when that keeps it sorted.
    #[inline]
    pub(super) fn set(&mut self, ti: TransferKey, at: Option<Moment>, now: Moment) {
        let pos = self.slot.get(ti.slot()).copied().unwrap_or(NONE);
        if pos == NONE && at.is_none() {
            // Not queued and not to be: the common case after a kick ran.
            return;
        }
        self.set_queued(ti, pos, at, now);
    }

    /// Queues the kick of a transfer just added, due at `now` (the multi's
    /// last call time): [`DeadlineQueue::set`] with `Some(now)`, with the
    /// usual case (not queued, the run-now list stays sorted) pushed
    /// inline.
    #[inline]
    pub(super) fn push_kick(&mut self, ti: TransferKey, now: Moment) {
        let slot = ti.slot();
        if self.slot.get(slot) == Some(&NONE) && self.now.back().is_none_or(|last| last.0 <= now) {
            self.now.push_back((now, ti));
            self.slot[slot] = NOW;
        } else {
            self.set(ti, Some(now), now);
        }
    }

    fn set_queued(&mut self, ti: TransferKey, pos: u32, at: Option<Moment>, now: Moment) {
        let slot = ti.slot();
        if slot >= self.slot.len() {
            self.slot.resize(slot + 1, NONE);
        }
        match (pos, at) {
            (NONE, None) => {}
            (NONE, Some(at)) => self.insert(ti, at, now),
            (NOW, at) => self.move_from_now(ti, at, now),
            (pos, None) => self.remove_at(pos as usize),
            (pos, Some(at)) => {
                let i = pos as usize;
                let old = self.heap[i].0;
                self.heap[i].0 = at;
                if at < old {
                    self.up(i);
                } else {
                    self.down(i);
                }
            }
        }
    }

    /// Moves or removes `ti`, which is in the run-now list (rare: a kick
    /// normally leaves the list by [`DeadlineQueue::pop_due`]).
    #[cold]
    fn move_from_now(&mut self, ti: TransferKey, at: Option<Moment>, now: Moment) {
        if let Some(i) = self.now.iter().position(|e| e.1 == ti) {
            if Some(self.now[i].0) == at {
                return;
            }
            self.now.remove(i);
        }
        self.slot[ti.slot()] = NONE;
        if let Some(at) = at {
            self.insert(ti, at, now);
        }
    }

    /// Queues `ti`, which is in neither the heap nor the run-now list.
    fn insert(&mut self, ti: TransferKey, at: Moment, now: Moment) {
        if at <= now && self.now.back().is_none_or(|last| last.0 <= at) {
            self.now.push_back((at, ti));
            self.slot[ti.slot()] = NOW;
            return;
        }
        let i = self.heap.len();
        self.heap.push((at, ti));
        self.slot[ti.slot()] = i as u32;
        self.up(i);
    }

    /// The earliest deadline and its transfer.
    pub(super) fn peek(&self) -> Option<(Moment, TransferKey)> {
        match (self.now.front(), self.heap.first()) {
            (Some(n), Some(h)) => Some(if h.0 < n.0 { *h } else { *n }),
            (n, h) => n.or(h).copied(),
        }
    }

    /// Whether [`DeadlineQueue::pop_due`] with `kicks` has nothing to
    /// look at: the heap is empty, and so is the run-now list if it counts.
    #[inline]
    pub(super) fn is_empty_for(&self, kicks: bool) -> bool {
        self.heap.is_empty() && (!kicks || self.now.is_empty())
    }

    /// Whether the run-now list holds a kick.
    pub(super) fn has_run_now(&self) -> bool {
        !self.now.is_empty()
    }

    /// Takes the earliest entry due by `limit` out of the queue, or (with
    /// `kicks` false) out of the heap alone, leaving the run-now list.
    ///
    /// The earliest entry is the one [`DeadlineQueue::peek`] gives (the
    /// heap's only when strictly earlier than the run-now list's front),
    /// taken where it was found without a second look.
    #[inline]
    fn pop_due(&mut self, limit: Moment, kicks: bool) -> Option<TransferKey> {
        if kicks {
            if let Some(&(at, ti)) = self.now.front() {
                if self.heap.first().is_none_or(|h| h.0 >= at) {
                    if at > limit {
                        return None;
                    }
                    self.now.pop_front();
                    self.slot[ti.slot()] = NONE;
                    return Some(ti);
                }
            }
        }
        let &(at, ti) = self.heap.first()?;
        (at <= limit).then(|| {
            self.remove_at(0);
            ti
        })
    }

    /// Takes the entry [`DeadlineQueue::peek`] returned out of the queue
    /// (the tests' model of [`DeadlineQueue::pop_due`]).
    #[cfg(test)]
    pub(super) fn pop(&mut self) {
        let Some((_, ti)) = self.peek() else {
            return;
        };
        if self.slot[ti.slot()] == NOW {
            self.now.pop_front();
            self.slot[ti.slot()] = NONE;
        } else {
            self.remove_at(0);
        }
    }

    /// How many transfers are queued.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.heap.len() + self.now.len()
    }
    fn remove_at(&mut self, i: usize) {
        let last = self.heap.len() - 1;
        self.swap(i, last);
        let (_, ti) = self.heap.pop().expect("slot points into the heap");
        self.slot[ti.slot()] = NONE;
        if i < self.heap.len() {
            self.down(i);
            self.up(i);
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.slot[self.heap[a].1.slot()] = a as u32;
        self.slot[self.heap[b].1.slot()] = b as u32;
    }

    fn up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[parent].0 <= self.heap[i].0 {
                break;
            }
            self.swap(parent, i);
            i = parent;
        }
    }

    fn down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut least = i;
            if l < n && self.heap[l].0 < self.heap[least].0 {
                least = l;
            }
            if r < n && self.heap[r].0 < self.heap[least].0 {
                least = r;
            }
            if least == i {
                break;
            }
            self.swap(i, least);
            i = least;
        }
    }
}

/// The error for a transfer whose total or connect deadline passed, if
/// one did (a passed connect deadline outside connection setup is dropped).
///
/// The check is inline (on every deadline run, usually a kick, neither is
/// due); the error is made out of line.
#[inline]
fn timed_out(t: &mut Transfer, now: Moment, limit: Moment) -> Option<Error> {
    let total = t.deadlines.due(Kind::Total, limit);
    if !total && !t.deadlines.due(Kind::Connect, limit) {
        return None;
    }
    timeout_error(t, now, total)
}

/// The error of [`timed_out`] once the total (`total`) or the connect
/// deadline is due.
#[inline(never)]
fn timeout_error(t: &mut Transfer, now: Moment, total: bool) -> Option<Error> {
    let elapsed_ms = t
        .started
        .map_or(0, |s| now.saturating_duration_since(s).as_millis());
    if total {
        let step = match t.phase {
            Phase::Resolving => FailedStep::Resolving,
            Phase::Init
            | Phase::Pending
            | Phase::Connecting { .. }
            | Phase::Handshaking
            | Phase::ProxyHandshake => FailedStep::Connecting,
            _ => FailedStep::Transfer,
        };
        let expected = (t.rates.dltotal > 0).then_some(t.rates.dltotal);
        let detail = Detail::Timeout {
            step,
            elapsed_ms,
            received: t.easy.info.size_download,
            expected,
        };
        return Some(Error::new(ErrorCode::OperationTimedout, detail));
    }
    // Not the total deadline, so the connect one is due.
    t.deadlines.clear(Kind::Connect);
    let detail = match t.phase {
        Phase::Resolving => Detail::Timeout {
            step: FailedStep::Resolving,
            elapsed_ms,
            received: 0,
            expected: None,
        },
        Phase::Connecting { .. } => Detail::Connect {
            host: t.target().host.clone(),
            port: t.target().port,
            elapsed_ms,
            reason: ErrorCode::OperationTimedout,
            local: None,
        },
        Phase::Handshaking => Detail::TlsTimeout,
        Phase::ProxyHandshake => Detail::Timeout {
            step: FailedStep::Connecting,
            elapsed_ms,
            received: 0,
            expected: None,
        },
        _ => return None,
    };
    Some(Error::new(ErrorCode::OperationTimedout, detail))
}

impl Multi {
    pub(super) fn set_deadline(&mut self, ti: TransferKey, kind: Kind, at: Option<Moment>) {
        let Some(t) = self.transfers.get_mut(ti) else {
            return;
        };
        t.deadlines.set(kind, at);
        self.schedule(ti);
    }

    /// Queues the transfer at its earliest deadline (none once done).
    pub(super) fn schedule(&mut self, ti: TransferKey) {
        let next = self.transfers.get(ti).and_then(|t| {
            (!t.phase.is_done())
                .then(|| t.deadlines.earliest())
                .flatten()
        });
        self.deadlines.set(ti, next, self.now);
    }

    /// The earliest deadline of any transfer.
    pub(super) fn earliest(&self) -> Option<Moment> {
        self.deadlines.peek().map(|(at, _)| at)
    }

    /// Runs every due deadline (a TIMEOUT call, `socket_all`): the call the
    /// application owed for a timer of 0 has been made.
    pub(super) fn run_timers(&mut self) {
        self.timeout_owed = None;
        self.run_due(true);
    }

    /// Runs the due deadlines after a socket call: all of them, or only the
    /// heap's while the run-now kicks wait for the TIMEOUT call.
    pub(super) fn run_timers_after_socket(&mut self) {
        if self.kicks_wait() {
            self.run_due(false);
        } else {
            self.run_timers();
        }
    }

    /// Whether this socket call leaves the run-now kicks for the TIMEOUT
    /// call: the timer callback was told 0 and the application has made no
    /// more socket calls since than one round of its loop, as many as there
    /// are sockets announced (at least 1). Counted in calls, not time, so
    /// it holds however slowly the program runs. An application past that
    /// does not honour timer 0 promptly: the kicks run now, as upstream
    /// runs them on any socket call.
    fn kicks_wait(&mut self) -> bool {
        let Some(calls) = self.timeout_owed.as_mut() else {
            return false;
        };
        *calls += 1;
        *calls <= self.sockets.announced_count().max(1)
    }

    /// Runs the deadlines due now (with `kicks`, the run-now list too).
    #[inline(always)]
    fn run_due(&mut self, kicks: bool) {
        if self.deadlines.is_empty_for(kicks) {
            // Nothing queued (a socket call while no transfer has a
            // deadline, or one leaving the kicks): no limit to work out.
            return;
        }
        // A timer that fires a hair early still counts: apps round
        // milliseconds, and a missed expiry would leave no timer armed.
        let limit = self.now + Duration::from_millis(1);
        while let Some(ti) = self.deadlines.pop_due(limit, kicks) {
            self.on_deadline(ti, limit);
            self.schedule(ti);
        }
    }

    #[inline(always)]
    pub(super) fn on_deadline(&mut self, ti: TransferKey, limit: Moment) {
        let t = &mut self.transfers[ti];
        if !t.deadlines.other_due(Kind::Kick, limit) {
            // The usual run, a kick alone: every check below but the last
            // would find nothing due and change nothing.
            if t.deadlines.due(Kind::Kick, limit) {
                t.deadlines.clear(Kind::Kick);
                self.drive(ti, Events::NONE);
            }
            return;
        }
        self.on_deadlines(ti, limit);
    }

    /// [`Multi::on_deadline`] with a deadline other than the kick due.
    fn on_deadlines(&mut self, ti: TransferKey, limit: Moment) {
        let t = &mut self.transfers[ti];
        if let Some(err) = timed_out(t, self.now, limit) {
            self.fail(ti, err);
            return;
        }
        if t.deadlines.due(Kind::Attempt, limit) {
            t.deadlines.clear(Kind::Attempt);
            if !self.races.is_empty() && self.eyeballs_due(ti, limit) {
                // The other family's attempt started; this one goes on.
                return;
            }
            let t = &mut self.transfers[ti];
            if let Phase::Connecting { next_addr } = t.phase {
                // This address is not answering; more remain, so move on
                // rather than spend the whole connect timeout on it.
                tracing::debug!(transfer = %ti, "connect attempt timed out; next address");
                let cause = io::Error::new(io::ErrorKind::TimedOut, "connect attempt timed out");
                if let Some(cid) = t.conn.take() {
                    self.close_conn(cid);
                }
                // The next attempt waits for its socket to become writable;
                // checking it now would only cost two syscalls.
                self.connect_next(ti, next_addr, Some(cause));
                return;
            }
        }
        let t = &mut self.transfers[ti];
        if t.deadlines.due(Kind::LowSpeed, limit) {
            self.low_speed_due(ti);
            if self.transfers[ti].phase.is_done() {
                return;
            }
        }
        let t = &mut self.transfers[ti];
        if t.deadlines.due(Kind::Expect, limit) {
            tracing::debug!(transfer = %ti, "no 100 Continue in time: sending the body");
            self.send_body_now(ti);
            self.drive(ti, Events::NONE);
        }
        let t = &mut self.transfers[ti];
        if t.deadlines.due(Kind::Progress, limit) {
            t.deadlines.clear(Kind::Progress);
            if let Err(e) = self.progress(ti) {
                self.fail(ti, e);
                return;
            }
            // Still paused: the next tick in a second.
            self.refresh_interest(ti);
        }
        let t = &mut self.transfers[ti];
        if t.deadlines.due(Kind::Kick, limit) {
            t.deadlines.clear(Kind::Kick);
            self.drive(ti, Events::NONE);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn key(slot: usize) -> TransferKey {
        TransferKey::from_slot(slot)
    }

    /// Pops everything in order, checking the slot map on the way.
    fn drain(q: &mut DeadlineQueue) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some((_, ti)) = q.peek() {
            out.push(ti.slot());
            q.pop();
        }
        out
    }

    #[test]
    fn orders_moves_and_removes() {
        let t0 = Moment::from_nanos(1_000_000_000);
        let at = |ms| Some(t0 + Duration::from_millis(ms));
        let mut q = DeadlineQueue::default();
        for (ti, ms) in [(0, 50), (1, 10), (2, 30), (3, 40), (4, 20)] {
            q.set(key(ti), at(ms), t0);
        }
        assert_eq!(q.peek().map(|p| p.1), Some(key(1)));
        q.set(key(1), at(60), t0); // moved later
        q.set(key(3), at(5), t0); // moved earlier
        q.set(key(2), None, t0); // removed
        q.set(key(7), None, t0); // never queued: nothing happens
        assert_eq!(q.len(), 4);
        assert_eq!(drain(&mut q), vec![3, 4, 0, 1]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn size_is_bounded_by_live_entries() {
        // Many transfers come and go, each with a far deadline: the queue
        // holds only the live ones.
        let t0 = Moment::from_nanos(1_000_000_000);
        let mut q = DeadlineQueue::default();
        // Fewer rounds under Miri, which runs them a thousand times slower.
        let rounds = if cfg!(miri) { 1_000 } else { 10_000u64 };
        for round in 0..rounds {
            let ti = key((round % 100) as usize);
            q.set(ti, Some(t0 + Duration::from_secs(60 + round)), t0);
            if round % 3 == 0 {
                q.set(ti, None, t0);
            }
        }
        assert!(q.len() <= 100);
        assert!(q.heap.capacity() <= 256);
    }

    #[test]
    fn matches_a_sorted_model() {
        // A deterministic pseudo-random walk against a simple model.
        let t0 = Moment::from_nanos(1_000_000_000);
        let mut q = DeadlineQueue::default();
        let mut model: Vec<Option<u64>> = vec![None; 64];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..if cfg!(miri) { 2_000 } else { 20_000 } {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ti = (x % 64) as usize;
            let at = (x >> 8) % 1000;
            let v = (x >> 20) % 4 != 0;
            model[ti] = v.then_some(at);
            // Deadlines up to "now" may go to the run-now list.
            let now = t0 + Duration::from_millis(500);
            q.set(key(ti), v.then(|| t0 + Duration::from_millis(at)), now);
            let want = model.iter().flatten().min().copied();
            let got = q
                .peek()
                .map(|(i, _)| i.saturating_duration_since(t0).as_millis() as u64);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn run_now_entries_keep_their_order_among_the_heap() {
        // Kicks at "now" are served first in first out, interleaved with
        // heap deadlines by time; moving or removing one takes it out.
        let t0 = Moment::from_nanos(1_000_000_000);
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut q = DeadlineQueue::default();
        q.set(key(0), Some(at(15)), at(10)); // future: heap
        q.set(key(1), Some(at(10)), at(10)); // due: run now
        q.set(key(2), Some(at(10)), at(10));
        q.set(key(3), Some(at(5)), at(10)); // older than the list's last: heap
        q.set(key(4), Some(at(12)), at(12));
        q.set(key(5), Some(at(12)), at(12));
        q.set(key(5), None, at(12)); // removed from the middle
        q.set(key(2), Some(at(20)), at(12)); // moved to the future
        assert_eq!(q.len(), 5);
        assert_eq!(drain(&mut q), vec![3, 1, 4, 0, 2]);
        assert!(q.slot.iter().all(|&s| s == NONE));
    }

    #[test]
    fn pop_due_takes_what_peek_and_pop_take() {
        // Ties between the heap and the run-now list (the list's front
        // wins), the limit, and the heap alone without kicks: pop_due
        // must give the order and the slots the peek/pop model gives,
        // and push_kick must queue as set does.
        let t0 = Moment::from_nanos(1_000_000_000);
        let at = |ms| t0 + Duration::from_millis(ms);
        let fill = |kick: bool| {
            let mut q = DeadlineQueue::default();
            q.set(key(0), Some(at(10)), at(5)); // future: heap
            q.set(key(1), Some(at(5)), at(5)); // due: run now
            q.set(key(2), Some(at(3)), at(5)); // older than the list: heap
            q.set(key(3), Some(at(10)), at(10)); // run now, ties key 0
            if kick {
                q.push_kick(key(4), at(10));
                q.push_kick(key(5), at(9)); // older than the list's back: heap
            } else {
                q.set(key(4), Some(at(10)), at(10));
                q.set(key(5), Some(at(9)), at(10));
            }
            q.set(key(6), Some(at(30)), at(10)); // beyond the limit
            q
        };
        for kick in [false, true] {
            let mut model = fill(false);
            let mut q = fill(kick);
            let limit = at(11);
            let mut expected = Vec::new();
            while let Some((when, ti)) = model.peek() {
                if when > limit {
                    break;
                }
                model.pop();
                expected.push(ti.slot());
            }
            let mut got = Vec::new();
            while let Some(ti) = q.pop_due(limit, true) {
                got.push(ti.slot());
            }
            assert_eq!(got, expected);
            assert_eq!(got, vec![2, 1, 5, 3, 4, 0]);
            assert_eq!(q.slot, model.slot);
            assert_eq!(q.pop_due(at(40), false).map(TransferKey::slot), Some(6));
        }
        // Without kicks only the heap is looked at.
        let mut q = fill(false);
        let mut got = Vec::new();
        while let Some(ti) = q.pop_due(at(11), false) {
            got.push(ti.slot());
        }
        assert_eq!(got, vec![2, 5, 0]);
        assert!(!q.is_empty_for(false));
        assert_eq!(q.pop_due(at(40), false).map(TransferKey::slot), Some(6));
        assert!(q.is_empty_for(false) && !q.is_empty_for(true));
    }
}
