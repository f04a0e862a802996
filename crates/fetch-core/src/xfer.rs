//! The transfer options of upstream's easy interface that shape one
//! exchange rather than its connection: PATH_AS_IS, REFERER, AUTOREFERER,
//! FAILONERROR, RANGE, RESUME_FROM, FILETIME, PROTOCOLS(_STR),
//! REDIR_PROTOCOLS(_STR), POSTREDIR, HEADEROPT and TIMECONDITION/TIMEVALUE.
//! What they do to a request and a response is in `multi::xfer`.

use crate::easy::Easy;
use crate::error::{Error, ErrorCode};

/// A set of URL schemes a transfer may use (FETCHOPT_PROTOCOLS_STR,
/// FETCHOPT_REDIR_PROTOCOLS_STR). Only http and https are built in; other
/// upstream schemes may be named but never match a URL libfetch accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocols(u64);

/// Upstream's scheme names and their `FETCHPROTO_*` bits, for the
/// comma-separated lists (names known upstream are accepted; only http and
/// https are built here).
const SCHEMES: [(&str, u64); 30] = [
    ("http", 1),
    ("https", 1 << 1),
    ("ftp", 1 << 2),
    ("ftps", 1 << 3),
    ("scp", 1 << 4),
    ("sftp", 1 << 5),
    ("telnet", 1 << 6),
    ("ldap", 1 << 7),
    ("ldaps", 1 << 8),
    ("dict", 1 << 9),
    ("file", 1 << 10),
    ("tftp", 1 << 11),
    ("imap", 1 << 12),
    ("imaps", 1 << 13),
    ("pop3", 1 << 14),
    ("pop3s", 1 << 15),
    ("smtp", 1 << 16),
    ("smtps", 1 << 17),
    ("rtsp", 1 << 18),
    ("rtmp", 1 << 19),
    ("rtmpt", 1 << 20),
    ("rtmpe", 1 << 21),
    ("rtmpte", 1 << 22),
    ("rtmps", 1 << 23),
    ("rtmpts", 1 << 24),
    ("gopher", 1 << 25),
    ("smb", 1 << 26),
    ("smbs", 1 << 27),
    ("mqtt", 1 << 28),
    ("gophers", 1 << 29),
];

impl Protocols {
    /// Every scheme (upstream's default for FETCHOPT_PROTOCOLS).
    pub const ALL: Self = Self(u64::MAX);
    /// http and https: upstream's default for redirects (it adds ftp and
    /// ftps, which are not built here).
    pub const HTTP_HTTPS: Self = Self(0b11);

    /// From upstream's `FETCHPROTO_*` bitmask (FETCHOPT_PROTOCOLS).
    pub fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    /// From a comma-separated list of scheme names, case-insensitive, or
    /// `all` (FETCHOPT_PROTOCOLS_STR). As upstream: an unknown name is
    /// FETCHE_UNSUPPORTED_PROTOCOL, a list naming none is
    /// FETCHE_BAD_FUNCTION_ARGUMENT; names are not trimmed.
    pub fn parse(list: &str) -> Result<Self, Error> {
        if list.eq_ignore_ascii_case("all") {
            return Ok(Self::ALL);
        }
        let mut bits = 0;
        for name in list.split(',').filter(|n| !n.is_empty()) {
            match SCHEMES.iter().find(|(s, _)| s.eq_ignore_ascii_case(name)) {
                Some((_, bit)) => bits |= bit,
                None => {
                    return Err(Error::new(
                        ErrorCode::UnsupportedProtocol,
                        format!("Unknown protocol {name:?} in the protocol list"),
                    ));
                }
            }
        }
        if bits == 0 {
            return Err(Error::new(
                ErrorCode::BadFunctionArgument,
                "The protocol list names no protocol",
            ));
        }
        Ok(Self(bits))
    }

    /// Whether `scheme` (lower case) is in the set.
    pub fn allows(self, scheme: &str) -> bool {
        // The two schemes every transfer uses without a table search.
        let bit = match scheme {
            "http" => 1,
            "https" => 1 << 1,
            _ => SCHEMES
                .iter()
                .find(|(s, _)| *s == scheme)
                .map_or(0, |&(_, bit)| bit),
        };
        self.0 & bit != 0
    }
}

/// Which redirects keep a POST a POST (FETCHOPT_POSTREDIR): bit 1 for 301,
/// 2 for 302, 4 for 303 (`FETCH_REDIR_POST_*`). Without them a POST
/// becomes a GET on 301, 302 and 303, as upstream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostRedirect(pub u8);

impl PostRedirect {
    /// Whether a POST stays a POST on a redirect with this status.
    pub fn keeps(self, status: u16) -> bool {
        let bit = match status {
            301 => 1,
            302 => 2,
            303 => 4,
            _ => return false,
        };
        self.0 & bit != 0
    }
}

/// A condition on the document's modification time
/// (FETCHOPT_TIMECONDITION, same order as `FETCH_TIMECOND_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeCondition {
    /// No condition (FETCH_TIMECOND_NONE).
    #[default]
    None,
    /// `If-Modified-Since` (FETCH_TIMECOND_IFMODSINCE).
    IfModifiedSince,
    /// `If-Unmodified-Since` (FETCH_TIMECOND_IFUNMODSINCE).
    IfUnmodifiedSince,
    /// `Last-Modified` (FETCH_TIMECOND_LASTMOD), checked as
    /// IfModifiedSince on the response, as upstream.
    LastModified,
}

/// The options of this module, kept in [`Easy`].
#[derive(Debug, Clone)]
pub(crate) struct XferOptions {
    pub(crate) path_as_is: bool,
    pub(crate) referer: Option<String>,
    pub(crate) auto_referer: bool,
    pub(crate) fail_on_error: bool,
    pub(crate) range: Option<String>,
    pub(crate) resume_from: u64,
    pub(crate) filetime: bool,
    pub(crate) protocols: Protocols,
    pub(crate) redir_protocols: Protocols,
    pub(crate) post_redirect: PostRedirect,
    pub(crate) time_condition: TimeCondition,
    pub(crate) time_value: i64,
    /// FETCHOPT_DISALLOW_USERNAME_IN_URL.
    pub(crate) disallow_username: bool,
    /// FETCHOPT_REQUEST_TARGET.
    pub(crate) request_target: Option<String>,
}

impl Default for XferOptions {
    fn default() -> Self {
        Self {
            path_as_is: false,
            referer: None,
            auto_referer: false,
            fail_on_error: false,
            range: None,
            resume_from: 0,
            filetime: false,
            protocols: Protocols::ALL,
            redir_protocols: Protocols::HTTP_HTTPS,
            post_redirect: PostRedirect::default(),
            time_condition: TimeCondition::None,
            time_value: 0,
            disallow_username: false,
            request_target: None,
        }
    }
}

/// The setters below write a group field only when it changes, so that
/// an `Easy` given the default values keeps no block for the group
/// (`crate::rare`).
impl Easy {
    /// Send the URL's path as given, `/../` and `/./` included
    /// (FETCHOPT_PATH_AS_IS); off, they are squashed as RFC 3986 says.
    pub fn path_as_is(&mut self, on: bool) -> &mut Self {
        if self.xfer.path_as_is != on {
            self.xfer.path_as_is = on;
        }
        self
    }

    /// The `Referer:` header to send (FETCHOPT_REFERER); an application
    /// `Referer:` header line wins.
    pub fn referer(&mut self, referer: Option<String>) -> &mut Self {
        if self.xfer.referer != referer {
            self.xfer.referer = referer;
        }
        self
    }

    /// On a followed redirect, send the URL redirected from as `Referer:`,
    /// without its user, password and fragment (FETCHOPT_AUTOREFERER).
    pub fn auto_referer(&mut self, on: bool) -> &mut Self {
        if self.xfer.auto_referer != on {
            self.xfer.auto_referer = on;
        }
        self
    }

    /// A final response with a status of 400 or more fails the transfer
    /// with FETCHE_HTTP_RETURNED_ERROR once its head is delivered; its body
    /// is not (FETCHOPT_FAILONERROR).
    pub fn fail_on_error(&mut self, on: bool) -> &mut Self {
        if self.xfer.fail_on_error != on {
            self.xfer.fail_on_error = on;
        }
        self
    }

    /// Ask for a byte range, `"A-B"` as in `Range: bytes=A-B`
    /// (FETCHOPT_RANGE). A server that answers 200 with the whole document
    /// is not an error, as upstream. `Some("")` sends an empty range, as
    /// upstream does; `None` sends none.
    pub fn range(&mut self, range: Option<String>) -> &mut Self {
        if self.xfer.range != range {
            self.xfer.range = range;
        }
        self
    }

    /// Resume a download at this offset (FETCHOPT_RESUME_FROM_LARGE): asks
    /// for `Range: bytes=N-`; a response that does not start there fails
    /// with FETCHE_RANGE_ERROR, unless its whole size is N (nothing is left
    /// to fetch). 0 turns it off.
    pub fn resume_from(&mut self, offset: u64) -> &mut Self {
        if self.xfer.resume_from != offset {
            self.xfer.resume_from = offset;
        }
        self
    }

    /// Record the document's `Last-Modified` time in
    /// [`crate::TransferInfo::filetime`] (FETCHOPT_FILETIME).
    pub fn record_filetime(&mut self, on: bool) -> &mut Self {
        if self.xfer.filetime != on {
            self.xfer.filetime = on;
        }
        self
    }

    /// The schemes a transfer's URLs may use (FETCHOPT_PROTOCOLS_STR);
    /// another fails with FETCHE_UNSUPPORTED_PROTOCOL.
    pub fn allowed_protocols(&mut self, p: Protocols) -> &mut Self {
        if self.xfer.protocols != p {
            self.xfer.protocols = p;
        }
        self
    }

    /// The schemes a followed redirect may lead to
    /// (FETCHOPT_REDIR_PROTOCOLS_STR); http and https by default.
    pub fn redirect_protocols(&mut self, p: Protocols) -> &mut Self {
        if self.xfer.redir_protocols != p {
            self.xfer.redir_protocols = p;
        }
        self
    }

    /// Which redirects keep a POST a POST (FETCHOPT_POSTREDIR).
    pub fn post_redirect(&mut self, p: PostRedirect) -> &mut Self {
        if self.xfer.post_redirect != p {
            self.xfer.post_redirect = p;
        }
        self
    }

    /// A condition on the document's time, in seconds since the epoch
    /// (FETCHOPT_TIMECONDITION, FETCHOPT_TIMEVALUE_LARGE). A 304, or a
    /// document whose `Last-Modified` fails the condition, ends the
    /// transfer without a body and sets
    /// [`crate::TransferInfo::condition_unmet`]; the result is success.
    pub fn time_condition(&mut self, cond: TimeCondition, value: i64) -> &mut Self {
        if self.xfer.time_condition != cond {
            self.xfer.time_condition = cond;
        }
        if self.xfer.time_value != value {
            self.xfer.time_value = value;
        }
        self
    }

    /// Refuse URLs that carry a user name, or any user information at all
    /// (`http://@host/` and `http://:secret@host/` included), with
    /// [`ErrorCode::LoginDenied`] before anything is sent
    /// (FETCHOPT_DISALLOW_USERNAME_IN_URL). As upstream, the check applies
    /// to the first URL and to every redirect's target, not to a proxy's
    /// URL.
    pub fn disallow_username_in_url(&mut self, on: bool) -> &mut Self {
        if self.xfer.disallow_username != on {
            self.xfer.disallow_username = on;
        }
        self
    }

    /// Send `target` as the request target instead of the path and query
    /// of the URL (FETCHOPT_REQUEST_TARGET): as is, unchecked (`"*"` for
    /// `OPTIONS *`), in every request of the transfer (each redirect too),
    /// as HTTP/2's `:path`, and in place of the absolute URL a forwarding
    /// proxy would get, as upstream. The URL still says where to connect
    /// and what `Host:` is; authentication digests still cover the URL's
    /// path. `None` goes back to the URL's path.
    pub fn request_target(&mut self, target: Option<String>) -> &mut Self {
        if self.xfer.request_target != target {
            self.xfer.request_target = target;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_lists_as_upstream() {
        let p = Protocols::parse("HTTPS").unwrap();
        assert!(p.allows("https") && !p.allows("http"));
        assert!(Protocols::parse("all").unwrap().allows("http"));
        let p = Protocols::parse("http,,ftp").unwrap();
        assert!(p.allows("http") && !p.allows("https"));
        assert_eq!(
            Protocols::parse("http, https").unwrap_err().code(),
            ErrorCode::UnsupportedProtocol
        );
        assert_eq!(
            Protocols::parse("").unwrap_err().code(),
            ErrorCode::BadFunctionArgument
        );
        assert!(Protocols::from_bits(2).allows("https"));
        assert!(!Protocols::from_bits(2).allows("http"));
    }

    /// The shortcut for http and https answers as the table does, for
    /// every bit set and every name (known, unknown, other case).
    #[test]
    fn allows_agrees_with_the_scheme_table() {
        let by_table = |p: Protocols, scheme: &str| {
            SCHEMES
                .iter()
                .find(|(s, _)| *s == scheme)
                .is_some_and(|(_, bit)| p.0 & bit != 0)
        };
        let sets = [0, 1, 2, 3, 4, 0b111, u64::MAX, u64::MAX - 1, u64::MAX - 2];
        let names = SCHEMES
            .iter()
            .map(|(s, _)| *s)
            .chain(["HTTP", "Https", "", "htt", "httpx"]);
        for name in names {
            for bits in sets {
                let p = Protocols::from_bits(bits);
                assert_eq!(p.allows(name), by_table(p, name), "{name} {bits:#x}");
            }
        }
    }

    #[test]
    fn post_redirect_bits() {
        let p = PostRedirect(1 | 4);
        assert!(p.keeps(301) && !p.keeps(302) && p.keeps(303) && !p.keeps(307));
    }
}
