//! Compact instants for the transfer slot (issue 13: RSS per connection at
//! 10,000 connections): a transfer's deadlines and milestones as
//! nanoseconds since the multi's epoch, 8 bytes each where an
//! `Option<Instant>` takes 16.
//!
//! Nanoseconds keep every comparison as exact as the `Instant`s they stand
//! for (decision 2's 1 ms early-fire rule compares deadlines with "now plus
//! 1 ms"). A `u64` of them covers 584 years after the epoch; an instant
//! later than that (a TIMEOUT of `LONG_MAX` ms) is stored as the last
//! representable tick, which is never reached either.

use std::time::{Duration, Instant};

use super::transfer::{KINDS, Kind};

/// An instant as nanoseconds since the multi's epoch, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Tick(u64);

impl Tick {
    /// No instant. The largest value, so that it is never "due" and never
    /// the earliest of several.
    pub(super) const NONE: Self = Self(u64::MAX);

    /// The last instant a tick can stand for.
    const LAST: u64 = u64::MAX - 1;

    /// `at` as a tick of the clock started at `epoch` (an instant before
    /// the epoch counts as the epoch; one past the range as the last tick).
    #[inline]
    pub(super) fn of(at: Instant, epoch: Instant) -> Self {
        let d = at.saturating_duration_since(epoch);
        let nanos = d
            .as_secs()
            .checked_mul(1_000_000_000)
            .and_then(|n| n.checked_add(u64::from(d.subsec_nanos())))
            .map_or(Self::LAST, |n| n.min(Self::LAST));
        Self(nanos)
    }

    /// [`Tick::of`] an optional instant; `None` is [`Tick::NONE`].
    #[inline]
    pub(super) fn from(at: Option<Instant>, epoch: Instant) -> Self {
        at.map_or(Self::NONE, |at| Self::of(at, epoch))
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
    pub(super) fn instant(self, epoch: Instant) -> Option<Instant> {
        if self.is_some() {
            epoch.checked_add(Duration::from_nanos(self.0))
        } else {
            None
        }
    }

    /// The time from `earlier` to this tick (zero if `earlier` is later;
    /// `None` if either is [`Tick::NONE`]).
    #[inline]
    pub(super) fn since(self, earlier: Self) -> Option<Duration> {
        (self.is_some() && earlier.is_some())
            .then(|| Duration::from_nanos(self.0.saturating_sub(earlier.0)))
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

/// A transfer's deadlines, one [`Tick`] per [`Kind`]; the earliest is
/// queued (`deadlines.rs`).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Deadlines([Tick; KINDS]);

impl Deadlines {
    /// No deadline of any kind.
    pub(super) const NONE: Self = Self([Tick::NONE; KINDS]);

    /// The deadline of `kind`.
    #[inline]
    pub(super) fn get(&self, kind: Kind) -> Tick {
        self.0[kind as usize]
    }

    /// Sets (or with [`Tick::NONE`] clears) the deadline of `kind`.
    #[inline]
    pub(super) fn set(&mut self, kind: Kind, at: Tick) {
        self.0[kind as usize] = at;
    }

    /// Clears the deadline of `kind`.
    #[inline]
    pub(super) fn clear(&mut self, kind: Kind) {
        self.set(kind, Tick::NONE);
    }

    /// Whether the deadline of `kind` is set and not after `limit`.
    #[inline]
    pub(super) fn due(&self, kind: Kind, limit: Tick) -> bool {
        let at = self.get(kind);
        at.is_some() && at <= limit
    }

    /// The earliest deadline of any kind ([`Tick::NONE`] if there is none).
    #[inline]
    pub(super) fn earliest(&self) -> Tick {
        self.0.iter().copied().min().unwrap_or(Tick::NONE)
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
        assert_eq!(tb.since(ta), Some(Duration::from_nanos(1)));
        assert_eq!(ta.since(tb), Some(Duration::ZERO));
        assert_eq!(Tick::from(None, epoch), Tick::NONE);
        assert_eq!(Tick::NONE.instant(epoch), None);
        assert_eq!(ta.since(Tick::NONE), None);
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
        let at = |ms| Tick::of(epoch + Duration::from_millis(ms), epoch);
        let mut d = Deadlines::NONE;
        assert_eq!(d.earliest(), Tick::NONE);
        assert!(!d.due(Kind::Total, at(1_000_000)));
        d.set(Kind::Total, at(50));
        d.set(Kind::Kick, at(10));
        assert_eq!(d.earliest(), at(10));
        assert!(d.due(Kind::Kick, at(10)));
        assert!(!d.due(Kind::Total, at(49)));
        d.clear(Kind::Kick);
        assert_eq!(d.earliest(), at(50));
        // The last tick is still "not none" and never due before it.
        d.set(Kind::Connect, Tick(Tick::LAST));
        assert!(!d.due(Kind::Connect, at(u64::from(u32::MAX))));
    }
}
