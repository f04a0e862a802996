//! Flow-control windows (RFC 9113 section 5.2 and 6.9).

use super::error::Reason;

/// The largest window a peer may open (2^31 - 1).
pub(crate) const MAX_WINDOW: i64 = 0x7fff_ffff;

/// A send window: what the peer lets us send. It may go negative when
/// the peer lowers SETTINGS_INITIAL_WINDOW_SIZE (RFC 9113 6.9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SendWindow(i64);

impl SendWindow {
    pub(crate) fn new(initial: u32) -> Self {
        Self(i64::from(initial))
    }

    /// Bytes we may send now.
    pub(crate) fn available(self) -> usize {
        usize::try_from(self.0.max(0)).unwrap_or(usize::MAX)
    }

    /// A WINDOW_UPDATE increment or a SETTINGS delta; above 2^31-1 is a
    /// FLOW_CONTROL_ERROR (RFC 9113 6.9.1).
    pub(crate) fn adjust(&mut self, delta: i64) -> Result<(), Reason> {
        let next = self.0 + delta;
        if next > MAX_WINDOW {
            return Err(Reason::FLOW_CONTROL_ERROR);
        }
        self.0 = next;
        Ok(())
    }

    /// Bytes sent.
    pub(crate) fn consume(&mut self, n: usize) {
        self.0 -= n as i64;
    }
}

/// A receive window: what we let the peer send, and the bytes we took
/// in but have not yet given back with a WINDOW_UPDATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecvWindow {
    window: i64,
    target: u32,
    unannounced: u32,
}

impl RecvWindow {
    /// A window we opened to `target`.
    pub(crate) fn new(target: u32) -> Self {
        Self {
            window: i64::from(target),
            target,
            unannounced: 0,
        }
    }

    /// The peer sent `n` flow-controlled bytes (padding included); more
    /// than the window allows is a FLOW_CONTROL_ERROR.
    pub(crate) fn receive(&mut self, n: usize) -> Result<(), Reason> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        if n > self.window {
            return Err(Reason::FLOW_CONTROL_ERROR);
        }
        self.window -= n;
        Ok(())
    }

    /// `n` received bytes were consumed; returns the WINDOW_UPDATE
    /// increment to send once half the target is unannounced, so a
    /// steady reader sends one update per half window rather than one per
    /// frame.
    pub(crate) fn release(&mut self, n: usize) -> Option<u32> {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.unannounced = self.unannounced.saturating_add(n);
        if self.unannounced < self.target / 2 {
            return None;
        }
        let inc = self.unannounced;
        self.unannounced = 0;
        self.window += i64::from(inc);
        Some(inc)
    }

    /// The window the peer sees now.
    pub(crate) fn window(&self) -> i64 {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_window_overflow_is_flow_control_error() {
        let mut w = SendWindow::new(65_535);
        assert_eq!(w.adjust(MAX_WINDOW - 65_535), Ok(()));
        assert_eq!(w.adjust(1), Err(Reason::FLOW_CONTROL_ERROR));
        w.consume(10);
        assert_eq!(w.available(), (MAX_WINDOW - 10) as usize);
        let mut neg = SendWindow::new(10);
        neg.adjust(-20).unwrap();
        assert_eq!(neg.available(), 0);
    }

    #[test]
    fn recv_window_updates_after_half_is_consumed() {
        let mut w = RecvWindow::new(100);
        w.receive(60).unwrap();
        assert_eq!(w.receive(41), Err(Reason::FLOW_CONTROL_ERROR));
        assert_eq!(w.release(30), None);
        assert_eq!(w.release(30), Some(60));
        assert_eq!(w.window(), 100);
    }
}
