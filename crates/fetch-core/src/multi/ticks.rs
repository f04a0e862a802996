//! Compact instants for the transfer slot (issue 13: RSS per connection at
//! 10,000 connections): a transfer's milestones and the start of its
//! current request as nanoseconds since the transfer started, 8 bytes each
//! where an `Option<Instant>` takes 16; and its deadline set.
//!
//! Nanoseconds keep every duration as exact as the `Instant`s they stand
//! for, and a milestone is converted once, when it is taken (the timing
//! info needs the time since the start anyway). A `u64` of them covers
//! 584 years; an instant later than that is kept as the last tick.

use std::time::{Duration, Instant};

use super::Transfer;
use super::transfer::{KINDS, Kind};

/// An instant as nanoseconds since a transfer's start, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Tick(u64);

impl Tick {
    /// No instant. The largest value, so that it is never "due" and never
    /// the earliest of several.
    pub(super) const NONE: Self = Self(u64::MAX);

    /// The last instant a tick can stand for.
    const LAST: u64 = u64::MAX - 1;

    /// `at` as a tick counted from `start` (an instant before `start`
    /// counts as `start`; one past the range as the last tick).
    #[inline]
    pub(super) fn of(at: Instant, start: Instant) -> Self {
        let d = at.saturating_duration_since(start);
        let nanos = d
            .as_secs()
            .checked_mul(1_000_000_000)
            .and_then(|n| n.checked_add(u64::from(d.subsec_nanos())))
            .map_or(Self::LAST, |n| n.min(Self::LAST));
        Self(nanos)
    }

    /// Whether this is an instant (not [`Tick::NONE`]).
    #[inline]
    pub(super) fn is_some(self) -> bool {
        self != Self::NONE
    }

    /// Whether this is [`Tick::NONE`].
    #[inline]
    pub(super) fn is_none(self) -> bool {
        self == Self::NONE
    }

    /// The instant this tick stands for (`None` for [`Tick::NONE`], or if
    /// the platform's `Instant` cannot reach it: then it is never reached).
    #[inline]
    pub(super) fn instant(self, start: Instant) -> Option<Instant> {
        if self.is_some() {
            start.checked_add(Duration::from_nanos(self.0))
        } else {
            None
        }
    }

    /// The time since the start this tick counts from (`None` for
    /// [`Tick::NONE`]).
    #[inline]
    pub(super) fn elapsed(self) -> Option<Duration> {
        self.is_some().then(|| Duration::from_nanos(self.0))
    }

    /// Sets this tick to `at` if it is none (a milestone's first time).
    #[inline]
    pub(super) fn get_or_set(&mut self, at: Self) -> Self {
        if self.is_none() {
            *self = at;
        }
        *self
    }
}

impl Default for Tick {
    fn default() -> Self {
        Self::NONE
    }
}

impl Transfer {
    /// `at` as a tick since the transfer started ([`Tick::NONE`] before it
    /// has).
    #[inline]
    pub(super) fn tick(&self, at: Instant) -> Tick {
        match self.started {
            // The request often goes out in the call that started the
            // transfer: no subtraction then.
            Some(start) if start == at => Tick(0),
            Some(start) => Tick::of(at, start),
            None => Tick::NONE,
        }
    }
}

/// A transfer's deadlines, one per [`Kind`]; the earliest is queued
/// (`deadlines.rs`). Kept as `Instant`s, not ticks: they are set and
/// compared with the clock's instants on every kick, and a conversion costs
/// more there than the 56 bytes it would save.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadlines([Option<Instant>; KINDS]);

impl Deadlines {
    /// No deadline of any kind.
    pub(super) const NONE: Self = Self([None; KINDS]);

    /// The deadline of `kind`.
    #[inline]
    pub(super) fn get(&self, kind: Kind) -> Option<Instant> {
        self.0[kind as usize]
    }

    /// Sets (or with `None` clears) the deadline of `kind`.
    #[inline]
    pub(super) fn set(&mut self, kind: Kind, at: Option<Instant>) {
        self.0[kind as usize] = at;
    }

    /// Clears the deadline of `kind`.
    #[inline]
    pub(super) fn clear(&mut self, kind: Kind) {
        self.set(kind, None);
    }

    /// Whether the deadline of `kind` is set and not after `limit`.
    #[inline]
    pub(super) fn due(&self, kind: Kind, limit: Instant) -> bool {
        self.get(kind).is_some_and(|at| at <= limit)
    }

    /// The earliest deadline of any kind.
    #[inline]
    pub(super) fn earliest(&self) -> Option<Instant> {
        self.0.iter().flatten().min().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_trip_exactly_and_order_as_instants() {
        let epoch = Instant::now();
        let a = epoch + Duration::new(3, 999_999_999);
        let b = a + Duration::from_nanos(1);
        let (ta, tb) = (Tick::of(a, epoch), Tick::of(b, epoch));
        assert_eq!(ta.instant(epoch), Some(a));
        assert_eq!(tb.instant(epoch), Some(b));
        assert!(ta < tb);
        assert_eq!(ta.elapsed(), Some(Duration::new(3, 999_999_999)));
        assert_eq!(Tick::NONE.instant(epoch), None);
        assert_eq!(Tick::NONE.elapsed(), None);
    }

    #[test]
    fn a_far_deadline_is_clamped_not_wrapped() {
        // 10^9 years: past the range of u64 nanoseconds; it must stay later
        // than every reachable tick rather than wrap to an early one.
        let epoch = Instant::now();
        let far = Duration::from_secs(31_557_600 * 1_000_000_000);
        if let Some(at) = epoch.checked_add(far) {
            let t = Tick::of(at, epoch);
            assert!(t.is_some());
            assert!(t > Tick::of(epoch + Duration::from_secs(31_557_600 * 500), epoch));
        }
        // Before the epoch counts as the epoch.
        let early = epoch.checked_sub(Duration::from_secs(1));
        if let Some(early) = early {
            assert_eq!(Tick::of(early, epoch), Tick::of(epoch, epoch));
        }
    }

    #[test]
    fn deadlines_due_and_earliest() {
        let epoch = Instant::now();
        let at = |ms| epoch + Duration::from_millis(ms);
        let mut d = Deadlines::NONE;
        assert_eq!(d.earliest(), None);
        assert!(!d.due(Kind::Total, at(1_000_000)));
        d.set(Kind::Total, Some(at(50)));
        d.set(Kind::Kick, Some(at(10)));
        assert_eq!(d.earliest(), Some(at(10)));
        assert!(d.due(Kind::Kick, at(10)));
        assert!(!d.due(Kind::Total, at(49)));
        d.clear(Kind::Kick);
        assert_eq!(d.earliest(), Some(at(50)));
    }
}
