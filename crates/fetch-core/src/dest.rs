//! What a transfer needs to know about its URL, worked out once per URL:
//! parsing, the pool key, the request target and the Host header. An
//! `Easy` keeps the last one, so re-adding a transfer (the common keep-alive
//! pattern, and every add through the C ABI) parses nothing again.

use std::sync::Arc;

use url::Url;

use crate::error::{Error, ErrorCode};
use crate::failure::Detail;

/// A parsed URL with everything derived from it: where a transfer goes.
#[derive(Debug)]
pub(crate) struct Dest {
    /// The URL string it was made from (the cache key).
    raw: String,
    /// The TLS pool tag it was made with (part of the cache key).
    tag: u64,
    pub(crate) url: Url,
    /// The URL carries a user name (read for every request; `url`'s own
    /// accessor parses its serialization each time).
    pub(crate) has_username: bool,
    /// The URL carries user information, maybe empty (`http://@host/`):
    /// what FETCHOPT_DISALLOW_USERNAME_IN_URL refuses.
    pub(crate) has_userinfo: bool,
    pub(crate) https: bool,
    /// Host name or address, lower case, IPv6 without brackets.
    pub(crate) host: String,
    /// `host` as an address, when it is one: what the URL parser read
    /// already, so connecting to it needs no second parse of the text.
    pub(crate) ip: Option<std::net::IpAddr>,
    pub(crate) port: u16,
    /// Pool key: scheme, host, port, and non-default TLS settings.
    pub(crate) origin: String,
    /// Origin-form request target: path and query.
    pub(crate) request_target: String,
    /// The Host header value.
    pub(crate) host_header: String,
    /// What FETCHINFO_EFFECTIVE_URL shows when it is not `url`: the URL
    /// as given, before FETCHOPT_PORT replaced its port (as upstream).
    pub(crate) shown: Option<String>,
    /// The head of a plain HTTP/1.1 GET of this target, made the first
    /// time one is sent (see [`Dest::plain_get_head`]).
    plain_get: std::sync::OnceLock<Box<[u8]>>,
}

/// Whether the authority of URL string `raw` (with or without a scheme)
/// has an `@`: user information, even an empty one, which the parsed URL
/// no longer shows.
fn userinfo_in(raw: &str) -> bool {
    let rest = raw.split_once("://").map_or(raw, |(_, r)| r);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    rest[..end].contains('@')
}

impl Dest {
    /// Parses `raw` for a transfer whose TLS settings have pool tag `tag`.
    /// A URL without `scheme://` gets `default_scheme` or, without one, a
    /// scheme guessed from the host name as upstream does (`ftp.` gives ftp,
    /// and so on; http otherwise).
    pub(crate) fn parse(
        raw: &str,
        tag: u64,
        default_scheme: Option<&str>,
    ) -> Result<Arc<Self>, Error> {
        let rejected =
            |e: url::ParseError| Error::new(ErrorCode::UrlMalformat, format!("URL rejected: {e}"));
        let url = if raw.contains("://") {
            Url::parse(raw).map_err(rejected)?
        } else {
            let scheme = default_scheme.unwrap_or_else(|| guess_scheme(raw));
            Url::parse(&format!("{scheme}://{raw}")).map_err(rejected)?
        };
        Self::from_url(raw.to_owned(), url, tag)
    }

    /// [`Self::parse`], remembering the last result on this thread: many
    /// handles given the same URL (the usual way of running many transfers)
    /// then parse it once. The result depends on nothing but the arguments.
    pub(crate) fn parse_shared(
        raw: &str,
        tag: u64,
        default_scheme: Option<&str>,
    ) -> Result<Arc<Self>, Error> {
        type Last = Option<(Option<String>, Arc<Dest>)>;
        thread_local! {
            static LAST: std::cell::RefCell<Last> = const { std::cell::RefCell::new(None) };
        }
        let hit = LAST.with_borrow(|last| match last {
            Some((scheme, dest))
                if dest.matches(raw, tag) && scheme.as_deref() == default_scheme =>
            {
                Some(dest.clone())
            }
            _ => None,
        });
        if let Some(dest) = hit {
            return Ok(dest);
        }
        let dest = Self::parse(raw, tag, default_scheme)?;
        LAST.with_borrow_mut(|last| {
            *last = Some((default_scheme.map(str::to_owned), dest.clone()));
        });
        Ok(dest)
    }

    /// A target for an already parsed URL (a redirect).
    pub(crate) fn from_url(raw: String, url: Url, tag: u64) -> Result<Arc<Self>, Error> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => {
                return Err(Error::new(
                    ErrorCode::UnsupportedProtocol,
                    Detail::UnsupportedProtocol {
                        scheme: other.to_owned(),
                    },
                ));
            }
        };
        let Some(host_str) = url.host_str() else {
            return Err(Error::new(
                ErrorCode::UrlMalformat,
                "No host part in the URL",
            ));
        };
        // The url crate already lower-cases names and brackets IPv6.
        let host = host_str
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let ip = match url.host() {
            Some(url::Host::Ipv4(a)) => Some(a.into()),
            Some(url::Host::Ipv6(a)) => Some(a.into()),
            _ => None,
        };
        let port = url.port_or_known_default().unwrap_or(80);
        let scheme = if https { "https" } else { "http" };
        let origin = match (https, tag) {
            (true, tag) if tag != 0 => format!("{scheme}://{host_str}:{port}#{tag:x}"),
            _ => format!("{scheme}://{host_str}:{port}"),
        };
        let mut request_target = String::with_capacity(url.path().len() + 1);
        request_target.push_str(url.path());
        if let Some(q) = url.query() {
            request_target.push('?');
            request_target.push_str(q);
        }
        let host_header = match url.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_owned(),
        };
        let has_username = !url.username().is_empty();
        let has_userinfo = has_username || url.password().is_some() || userinfo_in(&raw);
        Ok(Arc::new(Self {
            raw,
            tag,
            has_username,
            has_userinfo,
            url,
            https,
            host,
            ip,
            port,
            origin,
            request_target,
            host_header,
            shown: None,
            plain_get: std::sync::OnceLock::new(),
        }))
    }

    /// The head of a plain HTTP/1.1 GET of this target: request line,
    /// `Host` and `Accept`, as `http::encode_request` writes it. Made
    /// once per target, so a handle that fetches the same URL again (its
    /// target is cached) copies it instead of writing it anew (issue 13:
    /// instructions per transfer).
    pub(crate) fn plain_get_head(&self) -> &[u8] {
        self.plain_get.get_or_init(|| {
            let mut out = Vec::new();
            crate::http::encode_request(
                &crate::http::RequestParts {
                    method: "GET",
                    target: &self.request_target,
                    host: &self.host_header,
                    headers: &[],
                    body: crate::http::BodyFraming::None,
                    http10: false,
                    h2c_settings: None,
                },
                &mut out,
            );
            out.into_boxed_slice()
        })
    }

    /// This target with its port replaced (FETCHOPT_PORT): the connection,
    /// the pool key and the Host header carry the new port; the effective
    /// URL stays as given (both as upstream).
    pub(crate) fn with_port(self: Arc<Self>, port: Option<u16>) -> Result<Arc<Self>, Error> {
        let Some(port) = port.filter(|&p| p != self.port) else {
            return Ok(self);
        };
        let mut url = self.url.clone();
        if url.set_port(Some(port)).is_err() {
            return Err(Error::new(
                ErrorCode::UrlMalformat,
                "URL rejected: bad port",
            ));
        }
        let mut moved = Self::from_url(self.raw.clone(), url, self.tag)?;
        if let Some(d) = Arc::get_mut(&mut moved) {
            d.shown = Some(self.url.as_str().to_owned());
        }
        Ok(moved)
    }

    /// A redirect's `Location` joined onto this URL (the string the
    /// transfer follows or reports); `None` when it cannot be joined, and
    /// then no redirect happens.
    pub(crate) fn join(&self, location: &str) -> Option<String> {
        self.url.join(location).ok().map(String::from)
    }

    /// The target of a redirect to `next` (from [`Dest::join`]).
    pub(crate) fn redirect(next: String, tag: u64) -> Result<Arc<Self>, Error> {
        let url = Url::parse(&next)
            .map_err(|e| Error::new(ErrorCode::UrlMalformat, format!("bad redirect: {e}")))?;
        Self::from_url(next, url, tag)
    }

    /// The request target as the URL string gives it, dot segments kept
    /// (FETCHOPT_PATH_AS_IS): what follows the authority, up to a
    /// fragment, with bytes that may not appear in a request line
    /// percent-encoded.
    pub(crate) fn raw_request_target(&self) -> String {
        let rest = self
            .raw
            .split_once("://")
            .map_or(self.raw.as_str(), |(_, r)| r);
        let start = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let rest = &rest[start..];
        let rest = rest.split('#').next().unwrap_or("");
        let mut target = String::with_capacity(rest.len() + 1);
        if !rest.starts_with('/') {
            target.push('/');
        }
        for b in rest.bytes() {
            if b <= b' ' || b >= 0x7f {
                target.push_str(&format!("%{b:02X}"));
            } else {
                target.push(char::from(b));
            }
        }
        target
    }

    /// Whether this target was made from `raw` with TLS tag `tag` (the
    /// caller drops its cached target when the default scheme changes).
    pub(crate) fn matches(&self, raw: &str, tag: u64) -> bool {
        self.tag == tag && self.raw == raw
    }

    /// Whether this target, known to be made from the handle's URL (its
    /// cached target, dropped whenever the URL is set), was made with TLS
    /// tag `tag`: [`Dest::matches`] without comparing the URL again.
    pub(crate) fn cached_for(&self, raw: &str, tag: u64) -> bool {
        debug_assert!(self.raw == raw, "a cached target outlived its URL");
        self.tag == tag
    }
}

/// Upstream's guess for a URL without a scheme: by the host name's first
/// label, http when nothing matches.
fn guess_scheme(raw: &str) -> &'static str {
    let authority = raw.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    const BY_PREFIX: [(&str, &str); 6] = [
        ("ftp.", "ftp"),
        ("dict.", "dict"),
        ("ldap.", "ldap"),
        ("imap.", "imap"),
        ("smtp.", "smtp"),
        ("pop3.", "pop3"),
    ];
    BY_PREFIX
        .iter()
        .find(|(prefix, _)| host.starts_with(prefix))
        .map_or("http", |&(_, scheme)| scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_everything_once() {
        let t = Dest::parse("http://Example.COM:8080/a/b?x=1#frag", 0, None).unwrap();
        assert_eq!(t.host, "example.com");
        assert_eq!(t.port, 8080);
        assert_eq!(t.origin, "http://example.com:8080");
        assert_eq!(t.request_target, "/a/b?x=1");
        assert_eq!(t.host_header, "example.com:8080");
        let t = Dest::parse("https://[::1]/", 7, None).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.https), ("::1", 443, true));
        assert_eq!(t.origin, "https://[::1]:443#7");
        assert_eq!(t.host_header, "[::1]");
        assert!(t.matches("https://[::1]/", 7) && !t.matches("https://[::1]/", 0));
        assert_eq!(
            Dest::parse("ftp://x/", 0, None).unwrap_err().code(),
            ErrorCode::UnsupportedProtocol
        );
        assert_eq!(
            Dest::parse("http://[::1", 0, None).unwrap_err().code(),
            ErrorCode::UrlMalformat
        );
    }

    #[test]
    fn raw_request_target_keeps_dot_segments() {
        let raw = |u: &str| Dest::parse(u, 0, None).unwrap().raw_request_target();
        assert_eq!(raw("http://h/a/../b/./c?x=/../#f"), "/a/../b/./c?x=/../");
        assert_eq!(raw("http://h"), "/");
        assert_eq!(raw("http://h?q"), "/?q");
        assert_eq!(raw("h:80/a b/../"), "/a%20b/../");
    }

    /// What DISALLOW_USERNAME_IN_URL refuses: any user information, even
    /// an empty one the parsed URL no longer shows; an `@` past the
    /// authority is not one.
    #[test]
    fn user_information_is_seen_even_empty() {
        let info = |u: &str| Dest::parse(u, 0, None).unwrap().has_userinfo;
        for u in [
            "http://u@h/",
            "http://u:p@h/",
            "http://:p@h/",
            "http://@h/",
            "u@h/x",
        ] {
            assert!(info(u), "{u}");
        }
        for u in [
            "http://h/a@b",
            "http://h/?x=@",
            "http://h/#@",
            "h/@",
            "http://h\\@x",
        ] {
            assert!(!info(u), "{u}");
        }
    }

    #[test]
    fn scheme_is_guessed_as_upstream() {
        let t = Dest::parse("Example.com:8080/path?q", 0, None).unwrap();
        assert_eq!(t.url.as_str(), "http://example.com:8080/path?q");
        let t = Dest::parse("user:pw@localhost/x", 0, None).unwrap();
        assert_eq!((t.url.scheme(), t.host.as_str()), ("http", "localhost"));
        assert_eq!(
            Dest::parse("ftp.example.com/file", 0, None)
                .unwrap_err()
                .code(),
            ErrorCode::UnsupportedProtocol
        );
        let t = Dest::parse("example.com/", 0, Some("https")).unwrap();
        assert_eq!((t.https, t.port), (true, 443));
        assert_eq!(
            Dest::parse("nope", 0, Some("gopher")).unwrap_err().code(),
            ErrorCode::UnsupportedProtocol
        );
    }
}
