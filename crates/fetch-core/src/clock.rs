//! The engine's one source of time. Real time in production; a manual clock
//! in tests so timer rules are checked without sleeping.
//!
//! Inside the engine time is a [`Moment`]: nanoseconds of the system's
//! monotonic clock as a `u64`, read with `clock_gettime` directly. Deadlines,
//! milestones and their differences are then integer arithmetic, where
//! `Instant`'s seconds-and-nanoseconds pairs cost a normalising subtraction
//! or addition each (issue 13: about 270 instructions per transfer on
//! workload A went to `Instant::now` and its subtractions). The public API
//! keeps `Instant` ([`Clock::now`]) and `Duration`.

use std::num::NonZeroU64;
use std::ops::Add;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Nanoseconds in a second.
const NANOS: u64 = 1_000_000_000;

/// A reading of the engine's clock: nanoseconds on the monotonic clock (or
/// on a manual clock's own scale). Never 0, so that an `Option<Moment>` is
/// 8 bytes. A `u64` of nanoseconds reaches 584 years past the clock's
/// origin (the boot, for the real clock); a later time saturates there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Moment(NonZeroU64);

impl Moment {
    /// The moment `nanos` nanoseconds after the clock's origin (0 counts
    /// as 1).
    #[inline]
    pub(crate) fn from_nanos(nanos: u64) -> Self {
        Self(NonZeroU64::new(nanos).unwrap_or(NonZeroU64::MIN))
    }

    /// The moment `nanos` nanoseconds after the clock's origin, `None`
    /// for 0.
    #[inline]
    pub(crate) fn new(nanos: u64) -> Option<Self> {
        NonZeroU64::new(nanos).map(Self)
    }

    /// Nanoseconds since the clock's origin.
    #[inline]
    pub(crate) fn nanos(self) -> u64 {
        self.0.get()
    }

    /// Nanoseconds from `earlier` to this moment (0 when `earlier` is later).
    #[inline]
    pub(crate) fn nanos_since(self, earlier: Self) -> u64 {
        self.nanos().saturating_sub(earlier.nanos())
    }

    /// The time from `earlier` to this moment (zero when `earlier` is later).
    #[inline]
    pub(crate) fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_nanos(self.nanos_since(earlier))
    }

    /// This moment `nanos` nanoseconds later, or `None` past the range.
    #[inline]
    pub(crate) fn checked_add_nanos(self, nanos: u64) -> Option<Self> {
        self.0.checked_add(nanos).map(Self)
    }

    /// This moment `d` later, or `None` past the range (a deadline that far
    /// out is never reached).
    #[inline]
    pub(crate) fn checked_add(self, d: Duration) -> Option<Self> {
        let nanos = d
            .as_secs()
            .checked_mul(NANOS)?
            .checked_add(u64::from(d.subsec_nanos()))?;
        self.checked_add_nanos(nanos)
    }
}

impl Add<Duration> for Moment {
    type Output = Self;

    /// This moment `d` later, saturating at the last moment (where
    /// `Instant` would panic).
    #[inline]
    fn add(self, d: Duration) -> Self {
        self.checked_add(d).unwrap_or(Self(NonZeroU64::MAX))
    }
}

/// The system's monotonic clock as a [`Moment`].
#[inline(always)]
fn monotonic() -> Moment {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    // Both fields are non-negative for the monotonic clock, and seconds
    // since boot times 10^9 stay far inside a u64.
    let nanos = (t.tv_sec as u64).wrapping_mul(NANOS);
    Moment::from_nanos(nanos.wrapping_add(t.tv_nsec as u64))
}

/// A manual clock's time, in both scales.
#[derive(Debug)]
struct Manual {
    instant: Instant,
    moment: Moment,
}

/// A manual clock's [`Moment`].
#[inline(never)]
fn manual_moment(m: &Mutex<Manual>) -> Moment {
    m.lock().unwrap_or_else(|e| e.into_inner()).moment
}

/// A clock handle. Clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<Manual>>>,
}

impl Clock {
    /// The system's monotonic clock.
    pub fn real() -> Self {
        Self { manual: None }
    }

    /// A clock that only moves when [`Clock::advance`] is called.
    pub fn manual() -> Self {
        let manual = Manual {
            instant: Instant::now(),
            moment: monotonic(),
        };
        Self {
            manual: Some(Arc::new(Mutex::new(manual))),
        }
    }

    /// The current time.
    pub fn now(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(m) => m.lock().unwrap_or_else(|e| e.into_inner()).instant,
        }
    }

    /// The current time as the engine counts it. (Inline: the real clock
    /// is one branch before the clock read, three times per transfer; the
    /// manual clock's lock is out of line.)
    #[inline(always)]
    pub(crate) fn moment(&self) -> Moment {
        match &self.manual {
            None => monotonic(),
            Some(m) => manual_moment(m),
        }
    }

    /// Moves a manual clock forward; does nothing on the real clock.
    pub fn advance(&self, by: Duration) {
        if let Some(m) = &self.manual {
            let mut m = m.lock().unwrap_or_else(|e| e.into_inner());
            m.instant += by;
            m.moment = m.moment + by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_add_and_subtract_exactly() {
        let a = Moment::from_nanos(5 * NANOS + 999_999_999);
        let b = a + Duration::from_nanos(1);
        assert_eq!(b.nanos(), 6 * NANOS);
        assert_eq!(b.saturating_duration_since(a), Duration::from_nanos(1));
        assert_eq!(a.saturating_duration_since(b), Duration::ZERO);
        assert_eq!(
            a.checked_add(Duration::new(1, 1)).map(Moment::nanos),
            Some(7 * NANOS)
        );
        assert!(a < b);
        assert_eq!(Moment::from_nanos(0), Moment::from_nanos(1));
    }

    #[test]
    fn far_additions_saturate_or_say_none() {
        let a = Moment::from_nanos(NANOS);
        assert_eq!(a.checked_add(Duration::MAX), None);
        assert_eq!(a.checked_add(Duration::from_nanos(u64::MAX)), None);
        assert_eq!(a + Duration::MAX, Moment(NonZeroU64::MAX));
        assert!(a + Duration::MAX > a + Duration::from_secs(31_557_600 * 500));
    }

    #[test]
    fn manual_clock_moves_both_scales_together() {
        let clock = Clock::manual();
        let (i0, m0) = (clock.now(), clock.moment());
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now() - i0, Duration::from_millis(1500));
        assert_eq!(
            clock.moment().saturating_duration_since(m0),
            Duration::from_millis(1500)
        );
        assert_eq!(clock.clone().moment(), clock.moment());
    }

    #[test]
    fn real_clock_moves_on() {
        let clock = Clock::real();
        let a = clock.moment();
        let b = clock.moment();
        assert!(b >= a);
    }
}
