//! HTTP/2 error codes (RFC 9113 section 7) and the connection error value.

use std::fmt;

/// An HTTP/2 error code as carried by RST_STREAM and GOAWAY. Unknown codes
/// from a peer are kept as they came (RFC 9113 section 7: they must not
/// trigger special behaviour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Reason(pub(crate) u32);

impl Reason {
    /// Graceful shutdown or no error.
    pub(crate) const NO_ERROR: Self = Self(0x0);
    /// Generic protocol violation.
    pub(crate) const PROTOCOL_ERROR: Self = Self(0x1);
    /// Unexpected internal error.
    pub(crate) const INTERNAL_ERROR: Self = Self(0x2);
    /// Flow-control limits violated.
    pub(crate) const FLOW_CONTROL_ERROR: Self = Self(0x3);
    /// SETTINGS not acknowledged in time.
    pub(crate) const SETTINGS_TIMEOUT: Self = Self(0x4);
    /// Frame received on a half-closed or closed stream.
    pub(crate) const STREAM_CLOSED: Self = Self(0x5);
    /// Frame with an invalid size.
    pub(crate) const FRAME_SIZE_ERROR: Self = Self(0x6);
    /// Stream refused before any processing.
    pub(crate) const REFUSED_STREAM: Self = Self(0x7);
    /// Stream no longer needed.
    pub(crate) const CANCEL: Self = Self(0x8);
    /// HPACK state could not be kept.
    pub(crate) const COMPRESSION_ERROR: Self = Self(0x9);
    /// CONNECT tunnel failed.
    pub(crate) const CONNECT_ERROR: Self = Self(0xa);
    /// The peer behaves in a way that may be abusive.
    pub(crate) const ENHANCE_YOUR_CALM: Self = Self(0xb);
    /// Transport security too weak.
    pub(crate) const INADEQUATE_SECURITY: Self = Self(0xc);
    /// HTTP/1.1 required.
    pub(crate) const HTTP_1_1_REQUIRED: Self = Self(0xd);

    /// The code's name as RFC 9113 spells it (`"UNKNOWN"` for others).
    pub(crate) fn name(self) -> &'static str {
        const NAMES: [&str; 14] = [
            "NO_ERROR",
            "PROTOCOL_ERROR",
            "INTERNAL_ERROR",
            "FLOW_CONTROL_ERROR",
            "SETTINGS_TIMEOUT",
            "STREAM_CLOSED",
            "FRAME_SIZE_ERROR",
            "REFUSED_STREAM",
            "CANCEL",
            "COMPRESSION_ERROR",
            "CONNECT_ERROR",
            "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY",
            "HTTP_1_1_REQUIRED",
        ];
        usize::try_from(self.0)
            .ok()
            .and_then(|i| NAMES.get(i))
            .copied()
            .unwrap_or("UNKNOWN")
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (err {})", self.name(), self.0)
    }
}

/// The connection is over. `remote: false`: we detected `reason` and have
/// queued a GOAWAY carrying it; `remote: true`: the peer sent a GOAWAY
/// with an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConnError {
    /// The HTTP/2 error code.
    pub(crate) reason: Reason,
    /// What went wrong, for the error buffer and traces.
    pub(crate) detail: &'static str,
    /// Whether the peer declared the error (GOAWAY) rather than us.
    pub(crate) remote: bool,
}

impl ConnError {
    pub(crate) const fn local(reason: Reason, detail: &'static str) -> Self {
        Self {
            reason,
            detail,
            remote: false,
        }
    }
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = if self.remote { "peer sent" } else { "sent" };
        write!(
            f,
            "HTTP/2 connection error: {} ({side} {})",
            self.detail, self.reason
        )
    }
}
