//! Compact instants for the transfer slot (issue 13: RSS per connection at
//! 10,000 connections): a transfer's milestones and the start of its
//! current request as nanoseconds since the transfer started, 8 bytes each
//! where an `Option<Instant>` took 16; and its deadline set.
//!
//! Ticks are nanoseconds like the [`Moment`]s they are taken from, so a
//! milestone is one subtraction when it is taken (the timing info needs
//! the time since the start anyway).

use std::time::Duration;

use super::Transfer;
use super::transfer::{KINDS, Kind};
use crate::clock::Moment;

/// An instant as nanoseconds since a transfer's start, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Tick(u64);

impl Tick {
    /// No instant. The largest value, so that it is never "due" and never
    /// the earliest of several.
    pub(super) const NONE: Self = Self(u64::MAX);

    /// `at` as a tick counted from `start` (an instant before `start`
    /// counts as `start`). Never [`Tick::NONE`]: a moment is at least 1,
    /// so the difference is below `u64::MAX`.
    #[inline]
    pub(super) fn of(at: Moment, start: Moment) -> Self {
        Self(at.nanos_since(start))
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

    /// The moment this tick stands for (`None` for [`Tick::NONE`], or past
    /// the clock's range: then it is never reached).
    #[inline]
    pub(super) fn moment(self, start: Moment) -> Option<Moment> {
        if self.is_some() {
            start.checked_add_nanos(self.0)
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
    pub(super) fn tick(&self, at: Moment) -> Tick {
        match self.started {
            Some(start) => Tick::of(at, start),
            None => Tick::NONE,
        }
    }
}

/// A transfer's deadlines, one per [`Kind`]; the earliest is queued
/// (`deadlines.rs`). Kept as [`Moment`]s, not ticks: they are set and
/// compared with the clock's moments on every kick. Each is stored as a
/// sort key, its nanoseconds − 1 with none as `u64::MAX` (after every
/// deadline; a moment is at least 1, so no deadline has that key): the
/// earliest is then a plain minimum, without a branch per kind.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadlines([u64; KINDS]);

/// The key of no deadline.
const UNSET: u64 = u64::MAX;

impl Deadlines {
    /// No deadline of any kind.
    pub(super) const NONE: Self = Self([UNSET; KINDS]);

    /// The deadline of `kind`.
    #[inline]
    pub(super) fn get(&self, kind: Kind) -> Option<Moment> {
        Moment::new(self.0[kind as usize].wrapping_add(1))
    }

    /// Sets (or with `None` clears) the deadline of `kind`.
    #[inline]
    pub(super) fn set(&mut self, kind: Kind, at: Option<Moment>) {
        self.0[kind as usize] = at.map_or(0, Moment::nanos).wrapping_sub(1);
    }

    /// Clears the deadline of `kind`.
    #[inline]
    pub(super) fn clear(&mut self, kind: Kind) {
        self.0[kind as usize] = UNSET;
    }

    /// Whether the deadline of `kind` is set and not after `limit`.
    #[inline]
    pub(super) fn due(&self, kind: Kind, limit: Moment) -> bool {
        // key < limit is nanos ≤ limit; none (u64::MAX) is never below.
        self.0[kind as usize] < limit.nanos()
    }

    /// The earliest deadline of any kind.
    #[inline]
    pub(super) fn earliest(&self) -> Option<Moment> {
        let least = self.0.into_iter().min().unwrap_or(UNSET);
        Moment::new(least.wrapping_add(1))
    }

    /// Whether a deadline of a kind other than `kind` is set and not
    /// after `limit`.
    #[inline]
    pub(super) fn other_due(&self, kind: Kind, limit: Moment) -> bool {
        let mut keys = self.0;
        keys[kind as usize] = UNSET;
        keys.into_iter().min().unwrap_or(UNSET) < limit.nanos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_trip_exactly_and_order_as_moments() {
        let epoch = Moment::from_nanos(7_000_000_000);
        let a = epoch + Duration::new(3, 999_999_999);
        let b = a + Duration::from_nanos(1);
        let (ta, tb) = (Tick::of(a, epoch), Tick::of(b, epoch));
        assert_eq!(ta.moment(epoch), Some(a));
        assert_eq!(tb.moment(epoch), Some(b));
        assert!(ta < tb);
        assert_eq!(ta.elapsed(), Some(Duration::new(3, 999_999_999)));
        assert_eq!(Tick::NONE.moment(epoch), None);
        assert_eq!(Tick::NONE.elapsed(), None);
    }

    #[test]
    fn the_farthest_tick_is_a_tick_and_before_counts_as_the_start() {
        // The whole range of moments: still a tick (not NONE), later than
        // every nearer one.
        let (first, last) = (Moment::from_nanos(1), Moment::from_nanos(u64::MAX));
        let t = Tick::of(last, first);
        assert!(t.is_some());
        assert!(t > Tick::of(first + Duration::from_secs(31_557_600 * 500), first));
        // Before the start counts as the start.
        let epoch = Moment::from_nanos(5_000_000_000);
        let early = Moment::from_nanos(4_000_000_000);
        assert_eq!(Tick::of(early, epoch), Tick::of(epoch, epoch));
    }

    #[test]
    fn deadlines_due_and_earliest() {
        let epoch = Moment::from_nanos(1_000_000_000);
        let at = |ms| epoch + Duration::from_millis(ms);
        let mut d = Deadlines::NONE;
        assert_eq!(d.earliest(), None);
        assert_eq!(d.get(Kind::Total), None);
        assert!(!d.due(Kind::Total, at(1_000_000)));
        assert!(!d.due(Kind::Total, Moment::from_nanos(u64::MAX)));
        d.set(Kind::Total, Some(at(50)));
        d.set(Kind::Kick, Some(at(10)));
        assert_eq!(d.earliest(), Some(at(10)));
        assert!(d.due(Kind::Kick, at(10)));
        assert!(!d.due(Kind::Kick, at(9)));
        assert_eq!(d.get(Kind::Total), Some(at(50)));
        assert!(!d.due(Kind::Total, at(49)));
        assert!(d.other_due(Kind::Total, at(10)), "the kick is due");
        assert!(!d.other_due(Kind::Kick, at(49)));
        assert!(d.other_due(Kind::Kick, at(50)));
        d.clear(Kind::Kick);
        assert_eq!(d.earliest(), Some(at(50)));
        assert!(!d.other_due(Kind::Total, at(1_000_000)));
        // The farthest moment is a deadline, not none.
        let last = Moment::from_nanos(u64::MAX);
        d.set(Kind::Progress, Some(last));
        d.clear(Kind::Total);
        assert_eq!(d.earliest(), Some(last));
        assert_eq!(d.get(Kind::Progress), Some(last));
        assert!(d.other_due(Kind::Kick, last));
        assert!(d.due(Kind::Progress, last));
    }
}
