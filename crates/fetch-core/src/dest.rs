//! What a transfer needs to know about its URL, worked out once per URL:
//! parsing, the pool key, the request target and the Host header. An
//! `Easy` keeps the last one, so re-adding a transfer (the common keep-alive
//! pattern, and every add through the C ABI) parses nothing again.

use std::sync::Arc;

use url::Url;

use crate::error::{Error, ErrorCode};

/// A parsed URL with everything derived from it: where a transfer goes.
#[derive(Debug)]
pub(crate) struct Dest {
    /// The URL string it was made from (the cache key).
    raw: String,
    /// The TLS pool tag it was made with (part of the cache key).
    tag: u64,
    pub(crate) url: Url,
    pub(crate) https: bool,
    /// Host name or address, lower case, IPv6 without brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Pool key: scheme, host, port, and non-default TLS settings.
    pub(crate) origin: String,
    /// Origin-form request target: path and query.
    pub(crate) request_target: String,
    /// The Host header value.
    pub(crate) host_header: String,
}

impl Dest {
    /// Parses `raw` for a transfer whose TLS settings have pool tag `tag`.
    pub(crate) fn parse(raw: &str, tag: u64) -> Result<Arc<Self>, Error> {
        let url = Url::parse(raw)
            .map_err(|e| Error::new(ErrorCode::UrlMalformat, format!("URL rejected: {e}")))?;
        Self::from_url(raw.to_owned(), url, tag)
    }

    /// A target for an already parsed URL (a redirect).
    pub(crate) fn from_url(raw: String, url: Url, tag: u64) -> Result<Arc<Self>, Error> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => {
                return Err(Error::new(
                    ErrorCode::UnsupportedProtocol,
                    format!("Protocol \"{other}\" not supported"),
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
        Ok(Arc::new(Self {
            raw,
            tag,
            url,
            https,
            host,
            port,
            origin,
            request_target,
            host_header,
        }))
    }

    /// Whether this target was made from `raw` with TLS tag `tag`.
    pub(crate) fn matches(&self, raw: &str, tag: u64) -> bool {
        self.tag == tag && self.raw == raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_everything_once() {
        let t = Dest::parse("http://Example.COM:8080/a/b?x=1#frag", 0).unwrap();
        assert_eq!(t.host, "example.com");
        assert_eq!(t.port, 8080);
        assert_eq!(t.origin, "http://example.com:8080");
        assert_eq!(t.request_target, "/a/b?x=1");
        assert_eq!(t.host_header, "example.com:8080");
        let t = Dest::parse("https://[::1]/", 7).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.https), ("::1", 443, true));
        assert_eq!(t.origin, "https://[::1]:443#7");
        assert_eq!(t.host_header, "[::1]");
        assert!(t.matches("https://[::1]/", 7) && !t.matches("https://[::1]/", 0));
        assert_eq!(
            Dest::parse("ftp://x/", 0).unwrap_err().code(),
            ErrorCode::UnsupportedProtocol
        );
        assert_eq!(
            Dest::parse("nope", 0).unwrap_err().code(),
            ErrorCode::UrlMalformat
        );
    }
}
