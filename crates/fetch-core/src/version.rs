//! FETCHOPT_HTTP_VERSION: which HTTP version a transfer asks for.

/// The HTTP version a transfer asks for (FETCHOPT_HTTP_VERSION), with
/// upstream's numbers.
///
/// HTTP/2 is used over TLS when ALPN agrees on `h2` ([`V2`](Self::V2),
/// [`V2Tls`](Self::V2Tls), [`V2PriorKnowledge`](Self::V2PriorKnowledge));
/// over cleartext with [`V2PriorKnowledge`](Self::V2PriorKnowledge) at
/// once, and with [`V2`](Self::V2) when the server takes the HTTP/1.1
/// `Upgrade: h2c` offer (docs/decisions.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum HttpVersion {
    /// FETCH_HTTP_VERSION_NONE (0): the library's default, as upstream
    /// 8.x: [`V2Tls`](Self::V2Tls) (HTTP/2 over TLS when ALPN agrees,
    /// HTTP/1.1 otherwise and on cleartext).
    #[default]
    None = 0,
    /// FETCH_HTTP_VERSION_1_0 (1).
    V1_0 = 1,
    /// FETCH_HTTP_VERSION_1_1 (2).
    V1_1 = 2,
    /// FETCH_HTTP_VERSION_2_0 (3): HTTP/2 where ALPN agrees (https), or
    /// where the server answers the `Upgrade: h2c` offer every HTTP/1.1
    /// request carries with 101 (http), as upstream.
    V2 = 3,
    /// FETCH_HTTP_VERSION_2TLS (4): HTTP/2 over TLS only.
    V2Tls = 4,
    /// FETCH_HTTP_VERSION_2_PRIOR_KNOWLEDGE (5): HTTP/2 without
    /// negotiation on cleartext connections.
    V2PriorKnowledge = 5,
}

impl HttpVersion {
    /// The value for an upstream number; `None` for unknown numbers
    /// (FETCHE_UNSUPPORTED_PROTOCOL for setopt, as upstream).
    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => Self::None,
            1 => Self::V1_0,
            2 => Self::V1_1,
            3 => Self::V2,
            4 => Self::V2Tls,
            5 => Self::V2PriorKnowledge,
            _ => return None,
        })
    }

    /// The upstream number.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// Whether a TLS connection offers `h2` in ALPN (the default too).
    pub(crate) fn offers_h2(self) -> bool {
        matches!(
            self,
            Self::None | Self::V2 | Self::V2Tls | Self::V2PriorKnowledge
        )
    }

    /// Whether a cleartext connection starts HTTP/2 at once.
    pub(crate) fn h2_prior_knowledge(self) -> bool {
        self == Self::V2PriorKnowledge
    }

    /// Whether a cleartext HTTP/1.1 request offers the upgrade to HTTP/2
    /// (`Upgrade: h2c`).
    pub(crate) fn upgrades_h2c(self) -> bool {
        self == Self::V2
    }

    /// Whether a transfer of this kind takes a stream on a live HTTP/2
    /// connection to its origin. Over cleartext that is every version
    /// but 1.0 and 1.1, as upstream (whose reuse rule is "a wanted
    /// version below 2 skips HTTP/2 connections"): NONE and 2TLS cannot
    /// start HTTP/2 on http://, but join a connection that speaks it.
    pub(crate) fn joins_h2(self, https: bool) -> bool {
        https && self.offers_h2() || !https && !matches!(self, Self::V1_0 | Self::V1_1)
    }

    /// Whether a transfer of this kind may use an HTTP/2 connection.
    pub(crate) fn allows_h2(self, https: bool) -> bool {
        if https {
            self.offers_h2()
        } else {
            self.h2_prior_knowledge() || self.upgrades_h2c()
        }
    }
}
