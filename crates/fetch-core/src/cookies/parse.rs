//! `Set-Cookie` values into [`Cookie`]s, with the checks a cookie must pass
//! before it is stored (RFC 6265 section 5.2 and 5.3, as upstream applies
//! them).

use std::net::IpAddr;

use super::date::parse_cookie_date;
use super::{Cookie, MAX_COOKIE_LINE, MAX_NAME_VALUE, SameSite};

/// Where a `Set-Cookie` came from: the request's host (lower case) and
/// path, and whether it was a secure context (https, or the loopback host
/// names upstream treats as secure). `None` for lines loaded from a file or
/// given to COOKIELIST, which have no request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin<'a> {
    pub(crate) host: &'a str,
    pub(crate) path: &'a str,
    pub(crate) secure: bool,
}

/// Why a cookie was not stored (for tracing).
pub(crate) type Refused = &'static str;

/// Parses one `Set-Cookie` value (without the field name). `now` is the
/// Unix time used for `Max-Age`.
pub(crate) fn parse_set_cookie(
    value: &str,
    origin: Option<Origin<'_>>,
    now: i64,
) -> Result<Cookie, Refused> {
    if value.len() > MAX_COOKIE_LINE {
        return Err("line too long");
    }
    let mut parts = value.split(';');
    let pair = parts.next().unwrap_or("");
    let (name, val) = pair
        .split_once('=')
        .ok_or("no '=' in the name-value pair")?;
    let (name, val) = (trim(name), trim(val));
    if name.is_empty() {
        return Err("empty name");
    }
    if name.len() + val.len() > MAX_NAME_VALUE {
        return Err("name and value longer than 4096 bytes");
    }
    if has_bad_octets(name) || has_bad_octets(val) || val.contains('\t') {
        return Err("control character in name or value");
    }
    let mut attrs = Attributes::default();
    for attr in parts {
        attrs.take(attr, now);
    }
    let secure_ctx = origin.is_none_or(|o| o.secure);
    if attrs.secure && !secure_ctx {
        return Err("Secure cookie over an insecure connection");
    }
    let (domain, tailmatch) = cookie_domain(attrs.domain.as_deref(), origin)?;
    let path = match attrs.path {
        Some(p) if p.starts_with('/') => p,
        _ => origin.map_or_else(|| "/".to_owned(), |o| default_path(o.path)),
    };
    let cookie = Cookie {
        name: name.to_owned(),
        value: val.to_owned(),
        domain,
        tailmatch,
        path,
        secure: attrs.secure,
        http_only: attrs.http_only,
        expires: attrs.expires.unwrap_or(0),
        same_site: attrs.same_site,
        created: 0,
    };
    check_prefix(&cookie, attrs.domain.is_some())?;
    Ok(cookie)
}

/// The attributes after the name-value pair; the last of each kind wins,
/// and `Max-Age` wins over `Expires` whatever their order.
#[derive(Default)]
struct Attributes {
    max_age: Option<i64>,
    expires_at: Option<i64>,
    expires: Option<i64>,
    domain: Option<String>,
    path: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
}

impl Attributes {
    fn take(&mut self, attr: &str, now: i64) {
        let (key, val) = match attr.split_once('=') {
            Some((k, v)) => (trim(k), trim(v)),
            None => (trim(attr), ""),
        };
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        if is("max-age") {
            if let Some(secs) = parse_max_age(val) {
                // 0 or less: expired at once (upstream stores 1, the past).
                self.max_age = Some(if secs <= 0 {
                    1
                } else {
                    now.saturating_add(secs)
                });
            }
        } else if is("expires") {
            if let Some(t) = parse_cookie_date(val) {
                self.expires_at = Some(t.max(1));
            }
        } else if is("domain") {
            let d = val.strip_prefix('.').unwrap_or(val);
            if !d.is_empty() {
                self.domain = Some(d.to_ascii_lowercase());
            }
        } else if is("path") {
            self.path = Some(val.trim_matches('"').to_owned());
        } else if is("secure") {
            self.secure = true;
        } else if is("httponly") {
            self.http_only = true;
        } else if is("samesite") {
            self.same_site = SameSite::parse(val);
        }
        self.expires = self.max_age.or(self.expires_at);
    }
}

/// `Max-Age`: an optional `-` then digits; anything else is ignored.
/// Values too large saturate.
fn parse_max_age(val: &str) -> Option<i64> {
    let digits = val.strip_prefix('-').unwrap_or(val);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(val.parse::<i64>().unwrap_or(if val.starts_with('-') {
        i64::MIN
    } else {
        i64::MAX
    }))
}

fn trim(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Control characters other than tab, and DEL, are refused (upstream).
fn has_bad_octets(s: &str) -> bool {
    s.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
}

/// The cookie's domain and whether it tail-matches (a `Domain` attribute
/// was given) or is host-only.
fn cookie_domain(
    attr: Option<&str>,
    origin: Option<Origin<'_>>,
) -> Result<(String, bool), Refused> {
    let Some(origin) = origin else {
        // From a file or COOKIELIST: taken as given; without a domain it
        // could not be matched to any host and is dropped (upstream).
        return attr
            .map(|d| (d.to_owned(), true))
            .ok_or("no domain for a cookie that came with no request");
    };
    let host = origin.host;
    let Some(domain) = attr else {
        return Ok((host.to_owned(), false));
    };
    if host.parse::<IpAddr>().is_ok() {
        // An address only ever matches itself: the cookie is host-only.
        return if domain == host {
            Ok((host.to_owned(), false))
        } else {
            Err("domain does not match the address")
        };
    }
    if bad_domain(domain) {
        return Err("domain without an inner dot");
    }
    if !domain_match(host, domain) {
        return Err("domain does not match the host");
    }
    if !super::domain::acceptable(host, domain) {
        return Err("domain is a public suffix");
    }
    Ok((domain.to_owned(), true))
}

/// A `Domain` must contain a dot that is not its last byte, or be
/// `localhost` (upstream's rule, applied before the public-suffix check).
fn bad_domain(domain: &str) -> bool {
    if domain.eq_ignore_ascii_case("localhost") {
        return false;
    }
    match domain.find('.') {
        Some(i) => i + 1 >= domain.len(),
        None => true,
    }
}

/// RFC 6265 5.1.3: `host` is `domain` or ends with `.domain`.
pub(crate) fn domain_match(host: &str, domain: &str) -> bool {
    if host.len() == domain.len() {
        return host.eq_ignore_ascii_case(domain);
    }
    host.len() > domain.len()
        && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
        && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
}

/// RFC 6265 5.1.4's default path: the request path up to, not including,
/// its last `/`; `/` when that leaves nothing.
pub(crate) fn default_path(request_path: &str) -> String {
    if !request_path.starts_with('/') {
        return "/".to_owned();
    }
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => request_path[..i].to_owned(),
    }
}

/// RFC 6265 5.1.4: whether `request_path` is within `cookie_path`.
pub(crate) fn path_match(request_path: &str, cookie_path: &str) -> bool {
    let request_path = if request_path.starts_with('/') {
        request_path
    } else {
        "/"
    };
    if !request_path.starts_with(cookie_path) {
        return false;
    }
    request_path.len() == cookie_path.len()
        || cookie_path.ends_with('/')
        || request_path.as_bytes()[cookie_path.len()] == b'/'
}

/// The `__Secure-` and `__Host-` name prefixes (case-sensitive, as
/// upstream): both need `Secure`; `__Host-` also needs no `Domain` and the
/// path `/`.
pub(crate) fn check_prefix(c: &Cookie, had_domain: bool) -> Result<(), Refused> {
    if c.name.starts_with("__Secure-") && !c.secure {
        return Err("__Secure- cookie without Secure");
    }
    if c.name.starts_with("__Host-") && (!c.secure || had_domain || c.tailmatch || c.path != "/") {
        return Err("__Host- cookie with a domain, another path or without Secure");
    }
    Ok(())
}
