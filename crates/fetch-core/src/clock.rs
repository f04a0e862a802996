//! The engine's one source of time. Real time in production; a manual clock
//! in tests so timer rules are checked without sleeping.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A clock handle. Clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<Instant>>>,
}

impl Clock {
    /// The system's monotonic clock.
    pub fn real() -> Self {
        Self { manual: None }
    }

    /// A clock that only moves when [`Clock::advance`] is called.
    pub fn manual() -> Self {
        Self {
            manual: Some(Arc::new(Mutex::new(Instant::now()))),
        }
    }

    /// The current time. (Inline: the real clock is one branch before
    /// `Instant::now`, read three times per transfer.)
    #[inline]
    pub fn now(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a manual clock forward; does nothing on the real clock.
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.manual {
            *t.lock().unwrap_or_else(|e| e.into_inner()) += by;
        }
    }
}
