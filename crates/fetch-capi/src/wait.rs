//! `struct fetch_waitfd` and its mapping to [`fetch_poll::WaitFd`]: the
//! blocking part of `fetch_multi_wait` / `fetch_multi_poll` and
//! `fetch_easy_perform` is [`fetch_poll::Driver`]'s (docs/ARCHITECTURE.md, fetch-capi).

use std::ffi::c_int;
use std::time::Duration;

use fetch_poll::{Driver, WaitFd};

use crate::codes::{FETCHMcode, multi_code};

/// `struct fetch_waitfd`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct fetch_waitfd {
    /// The file descriptor.
    pub fd: c_int,
    /// FETCH_WAIT_POLL* bits to wait for.
    pub events: i16,
    /// FETCH_WAIT_POLL* bits that happened.
    pub revents: i16,
}

/// Whole milliseconds, rounded up so applications never wake early
/// (saturating at `i64::MAX`). Seconds and the sub-second part are
/// converted apart: no 128-bit arithmetic on the timer callback's path.
pub(crate) fn ceil_ms(d: Duration) -> i64 {
    let sub = u64::from(d.subsec_nanos().div_ceil(1_000_000));
    d.as_secs()
        .checked_mul(1000)
        .and_then(|ms| ms.checked_add(sub))
        .and_then(|ms| i64::try_from(ms).ok())
        .unwrap_or(i64::MAX)
}

/// `fetch_multi_wait` (`wakeable` false) or `fetch_multi_poll` (true) on
/// `driver`: copies `extra` into [`WaitFd`]s, waits at most `timeout_ms`
/// (non-negative, checked by the caller) or until the engine's next
/// deadline, copies each `revents` back (FETCH_WAIT_POLL* bits share their
/// values with fetch_poll's `WAIT_POLL*`, `WAIT_POLLNVAL` included), and
/// returns numfds: library and extra fds with events (FD-08).
pub(crate) fn wait(
    driver: &mut Driver,
    extra: &mut [fetch_waitfd],
    timeout_ms: c_int,
    wakeable: bool,
) -> Result<usize, FETCHMcode> {
    let timeout = Duration::from_millis(u64::try_from(timeout_ms).unwrap_or(0));
    // No allocation when there are no extra fds (the common case).
    let mut fds: Vec<WaitFd> = extra.iter().map(|x| WaitFd::new(x.fd, x.events)).collect();
    let r = if wakeable {
        driver.poll(&mut fds, timeout)
    } else {
        driver.wait(&mut fds, timeout)
    };
    for (x, w) in extra.iter_mut().zip(&fds) {
        x.revents = w.revents;
    }
    r.map_err(multi_code)
}

// The bits are copied unchanged between `fetch_waitfd` and `WaitFd`.
const _: () = assert!(
    crate::codes::FETCH_WAIT_POLLIN == fetch_poll::WAIT_POLLIN
        && crate::codes::FETCH_WAIT_POLLPRI == fetch_poll::WAIT_POLLPRI
        && crate::codes::FETCH_WAIT_POLLOUT == fetch_poll::WAIT_POLLOUT
);

#[cfg(test)]
mod tests {
    use super::ceil_ms;
    use std::time::Duration;

    /// Rounded up to the next whole millisecond, exact ones kept, huge
    /// ones saturated.
    #[test]
    fn ceil_ms_rounds_up_and_saturates() {
        let cases = [
            (Duration::ZERO, 0),
            (Duration::from_nanos(1), 1),
            (Duration::from_nanos(999_999), 1),
            (Duration::from_millis(1), 1),
            (Duration::from_nanos(1_000_001), 2),
            (Duration::from_millis(1500), 1500),
            (Duration::new(2, 999_999_999), 3000),
            (
                Duration::new(i64::MAX as u64 / 1000, 0),
                i64::MAX / 1000 * 1000,
            ),
            (Duration::new(u64::MAX / 1000, 0), i64::MAX),
            (Duration::MAX, i64::MAX),
            (Duration::new(i64::MAX as u64 / 1000 + 1, 0), i64::MAX),
        ];
        for (d, ms) in cases {
            assert_eq!(ceil_ms(d), ms, "{d:?}");
        }
    }
}
