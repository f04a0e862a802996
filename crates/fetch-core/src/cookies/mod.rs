//! The cookie engine: a jar of cookies that transfers add to from
//! `Set-Cookie` response fields and read from for the `Cookie:` request
//! field, and its Netscape file format.
//!
//! The engine touches a transfer only when its [`crate::Easy`] has a jar
//! ([`crate::Easy::cookie_jar`]) or a fixed cookie string
//! ([`crate::Easy::cookie`]); without either nothing here runs. A jar is a
//! [`SharedCookieJar`] (`Arc<Mutex<CookieJar>>`) so that one jar can later
//! serve several handles (the share interface); today each C easy handle
//! owns one.
//!
//! ```
//! use fetch_core::{CookieJar, Easy};
//! let jar = CookieJar::shared();
//! jar.lock().unwrap().add_line("Set-Cookie: id=1; Domain=example.com; Path=/");
//! let mut easy = Easy::with_url("http://www.example.com/");
//! easy.cookie_jar(Some(jar.clone()));
//! assert_eq!(jar.lock().unwrap().len(), 1);
//! ```

mod date;
mod domain;
mod netscape;
mod parse;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::share::LockData;

pub(crate) use parse::Origin;
use parse::{domain_match, parse_set_cookie, path_match};

/// Longest `Set-Cookie` value or file line looked at (upstream's limit).
pub(crate) const MAX_COOKIE_LINE: usize = 5000;
/// Most bytes of name plus value in one cookie (RFC 6265bis, upstream).
pub(crate) const MAX_NAME_VALUE: usize = 4096;
/// Most cookies stored from one response (upstream).
pub(crate) const MAX_SET_COOKIE_AMOUNT: usize = 50;
/// Most cookies sent in one request (upstream).
pub(crate) const MAX_COOKIE_SEND_AMOUNT: usize = 150;
/// Longest `Cookie:` field sent, name included (upstream).
pub(crate) const MAX_COOKIE_HEADER_LEN: usize = 8190;
/// Most cookies kept for one domain; the oldest goes first beyond it
/// (libfetch's bound: upstream has none).
pub const MAX_COOKIES_PER_DOMAIN: usize = 180;

/// A jar several owners can hold (an easy handle and its transfers today,
/// a share object later).
pub type SharedCookieJar = Arc<Mutex<CookieJar>>;

/// The `SameSite` attribute, parsed and kept (an HTTP client has no
/// cross-site context to apply it to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

impl SameSite {
    fn parse(v: &str) -> Option<Self> {
        [
            ("strict", Self::Strict),
            ("lax", Self::Lax),
            ("none", Self::None),
        ]
        .into_iter()
        .find(|(n, _)| v.eq_ignore_ascii_case(n))
        .map(|(_, s)| s)
    }
}

/// One stored cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    name: String,
    value: String,
    /// Lower case, without a leading dot.
    domain: String,
    /// Sent to subdomains too (a `Domain` attribute was given).
    tailmatch: bool,
    path: String,
    secure: bool,
    http_only: bool,
    /// Unix time it expires; 0 for a session cookie.
    expires: i64,
    same_site: Option<SameSite>,
    /// Order of creation in its jar (kept when a cookie is replaced).
    created: u64,
}

impl Cookie {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The value.
    pub fn value(&self) -> &str {
        &self.value
    }
    /// The domain (lower case, no leading dot).
    pub fn domain(&self) -> &str {
        &self.domain
    }
    /// Whether subdomains of [`Self::domain`] get it too.
    pub fn include_subdomains(&self) -> bool {
        self.tailmatch
    }
    /// The path it is sent for.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// Sent only over https (and to loopback names).
    pub fn secure(&self) -> bool {
        self.secure
    }
    /// Marked `HttpOnly` (`#HttpOnly_` in a Netscape file).
    pub fn http_only(&self) -> bool {
        self.http_only
    }
    /// Unix time it expires; `None` for a session cookie.
    pub fn expires(&self) -> Option<i64> {
        (self.expires != 0).then_some(self.expires)
    }
    /// The `SameSite` attribute, if it had one.
    pub fn same_site(&self) -> Option<SameSite> {
        self.same_site
    }
    /// This cookie as a Netscape cookie-file line (FETCHINFO_COOKIELIST's
    /// format).
    pub fn to_netscape(&self) -> String {
        netscape::format_line(self)
    }

    fn expired(&self, now: i64) -> bool {
        self.expires != 0 && self.expires <= now
    }

    fn same_slot(&self, other: &Self) -> bool {
        self.name == other.name && self.domain == other.domain && self.path == other.path
    }
}

/// The current Unix time in seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Whether a request to `host` over `https` is a secure context: https, or
/// the loopback names upstream also trusts.
pub(crate) fn secure_context(host: &str, https: bool) -> bool {
    https || host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "::1"
}

/// The cookies of one owner (an easy handle), in creation order.
#[derive(Debug, Default, Clone)]
pub struct CookieJar {
    cookies: Vec<Cookie>,
    next_created: u64,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty jar ready to be given to [`crate::Easy::cookie_jar`].
    pub fn shared() -> SharedCookieJar {
        Arc::new(Mutex::new(Self::new()))
    }

    /// How many cookies it holds (expired ones included until next used).
    pub fn len(&self) -> usize {
        self.cookies.len()
    }

    /// Whether it holds no cookie.
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// The cookies, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Cookie> {
        self.cookies.iter()
    }

    /// Forgets every cookie (COOKIELIST "ALL").
    pub fn clear(&mut self) {
        self.cookies.clear();
    }

    /// Forgets the session cookies (COOKIELIST "SESS").
    pub fn clear_session(&mut self) {
        self.cookies.retain(|c| c.expires != 0);
    }

    /// Drops the cookies whose time has passed.
    pub fn remove_expired(&mut self) {
        let now = unix_now();
        self.cookies.retain(|c| !c.expired(now));
    }

    /// Adds one line as COOKIELIST and cookie files take it: a Netscape
    /// cookie-file line, or a `Set-Cookie:` header line. Returns whether a
    /// cookie was stored.
    pub fn add_line(&mut self, line: &str) -> bool {
        self.add_file_line(line, false)
    }

    /// [`Self::add_line`] with COOKIESESSION's rule: session cookies are
    /// skipped when `ignore_session` is set.
    pub(crate) fn add_file_line(&mut self, line: &str, ignore_session: bool) -> bool {
        let line = line.trim_end_matches(['\r', '\n']);
        let parsed = match strip_set_cookie(line) {
            Some(value) => parse_set_cookie(value, None, unix_now()).ok(),
            None => netscape::parse_line(line),
        };
        match parsed {
            Some(c) if !(ignore_session && c.expires == 0) => self.insert(c, true),
            _ => false,
        }
    }

    /// Stores the cookie of one `Set-Cookie` value received from `origin`.
    /// Returns why it was refused, for tracing.
    pub(crate) fn store(&mut self, value: &str, origin: Origin<'_>) -> Result<(), &'static str> {
        let cookie = parse_set_cookie(value, Some(origin), unix_now())?;
        if self.insert(cookie, origin.secure) {
            Ok(())
        } else {
            Err("a Secure cookie of that name exists")
        }
    }

    /// Puts `c` in the jar, replacing the cookie of the same name, domain
    /// and path (keeping its creation order); an expired `c` only removes.
    /// A cookie from an insecure context may not shadow a Secure one
    /// (RFC 6265bis "leave Secure cookies alone").
    fn insert(&mut self, mut c: Cookie, secure_ctx: bool) -> bool {
        let now = unix_now();
        if !c.secure && !secure_ctx && self.shadows_secure(&c) {
            return false;
        }
        let old = self.cookies.iter().position(|o| o.same_slot(&c));
        if c.expired(now) {
            if let Some(i) = old {
                self.cookies.remove(i);
            }
            return true;
        }
        if let Some(i) = old {
            c.created = self.cookies[i].created;
            self.cookies[i] = c;
            return true;
        }
        c.created = self.next_created;
        self.next_created += 1;
        let domain = c.domain.clone();
        self.cookies.push(c);
        self.enforce_domain_limit(&domain, now);
        true
    }

    fn shadows_secure(&self, c: &Cookie) -> bool {
        self.cookies.iter().any(|o| {
            o.secure
                && o.name == c.name
                && (domain_match(&o.domain, &c.domain) || domain_match(&c.domain, &o.domain))
                && path_match(&c.path, &o.path)
        })
    }

    /// Keeps at most [`MAX_COOKIES_PER_DOMAIN`] cookies for `domain`:
    /// expired ones go first, then the oldest.
    fn enforce_domain_limit(&mut self, domain: &str, now: i64) {
        let count = self.cookies.iter().filter(|c| c.domain == domain).count();
        if count <= MAX_COOKIES_PER_DOMAIN {
            return;
        }
        self.cookies
            .retain(|c| c.domain != domain || !c.expired(now));
        while self.cookies.iter().filter(|c| c.domain == domain).count() > MAX_COOKIES_PER_DOMAIN {
            match self.cookies.iter().position(|c| c.domain == domain) {
                Some(i) => drop(self.cookies.remove(i)),
                None => break,
            }
        }
    }

    /// The `name=value; …` list for a request to `host` (lower case) and
    /// `path`, or `None` when no cookie matches. In libcurl's order: longer
    /// paths first, then longer domains, longer names, newer cookies; at
    /// most `MAX_COOKIE_SEND_AMOUNT` cookies and
    /// `MAX_COOKIE_HEADER_LEN` bytes with the field name.
    pub fn cookie_header(&mut self, host: &str, path: &str, https: bool) -> Option<String> {
        self.remove_expired();
        let secure = secure_context(host, https);
        let mut matched: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| {
                let host_ok = if c.tailmatch {
                    domain_match(host, &c.domain)
                } else {
                    host.eq_ignore_ascii_case(&c.domain)
                };
                host_ok && path_match(path, &c.path) && (secure || !c.secure)
            })
            .collect();
        if matched.is_empty() {
            return None;
        }
        matched.sort_by(|a, b| {
            let key = |c: &Cookie| (c.path.len(), c.domain.len(), c.name.len(), c.created);
            key(b).cmp(&key(a))
        });
        let mut out = String::new();
        let mut len = "Cookie: ".len();
        for c in matched.into_iter().take(MAX_COOKIE_SEND_AMOUNT) {
            let add = c.name.len() + 1 + c.value.len() + if out.is_empty() { 0 } else { 2 };
            if len + add >= MAX_COOKIE_HEADER_LEN {
                break;
            }
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(&c.name);
            out.push('=');
            out.push_str(&c.value);
            len += add;
        }
        (!out.is_empty()).then_some(out)
    }

    /// Every cookie as a Netscape cookie-file line, oldest first, expired
    /// ones left out (FETCHINFO_COOKIELIST).
    pub fn netscape_lines(&self) -> Vec<String> {
        let now = unix_now();
        self.cookies
            .iter()
            .filter(|c| !c.expired(now))
            .map(Cookie::to_netscape)
            .collect()
    }
}

/// The value of a `Set-Cookie:` line (field name matched without case),
/// or `None` when the line is something else.
pub(crate) fn strip_set_cookie(line: &str) -> Option<&str> {
    const NAME: &str = "set-cookie:";
    let head = line.get(..NAME.len())?;
    head.eq_ignore_ascii_case(NAME)
        .then(|| line[NAME.len()..].trim_start_matches([' ', '\t']))
}

/// The `Cookie:` line for a request of `easy` to `dest`: the jar's
/// matching cookies, then FETCHOPT_COOKIE's string unless the application
/// set its own `Cookie:` line (upstream's order). Nothing is locked or
/// built when the transfer has neither.
pub(crate) fn request_field(easy: &crate::Easy, dest: &crate::dest::Dest) -> Option<String> {
    let jar = easy.jar();
    if jar.is_none() && easy.seldom.cookie.is_none() {
        return None;
    }
    let from_jar = jar.and_then(|jar| {
        easy.share_locked(LockData::Cookie, || {
            let mut jar = jar
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            jar.cookie_header(&dest.host, dest.url.path(), dest.https)
        })
    });
    let own_line = easy
        .headers
        .iter()
        .any(|h| h.len() > 7 && h.as_bytes()[6] == b':' && h[..6].eq_ignore_ascii_case("cookie"));
    let fixed = easy.seldom.cookie.as_deref().filter(|_| !own_line);
    match (from_jar, fixed) {
        (None, None) => None,
        (Some(j), None) => Some(format!("Cookie: {j}")),
        (None, Some(f)) => Some(format!("Cookie: {f}")),
        (Some(j), Some(f)) => Some(format!("Cookie: {j}; {f}")),
    }
}

/// Stores the `Set-Cookie` fields of one response head received for
/// `dest`, at most [`MAX_SET_COOKIE_AMOUNT`] cookies (refused fields do
/// not count, as upstream); `refused` hears of each one dropped, for
/// tracing.
pub(crate) fn store_response<'l>(
    jar: &SharedCookieJar,
    dest: &crate::dest::Dest,
    lines: impl Iterator<Item = &'l [u8]>,
    mut refused: impl FnMut(&str, &str),
) {
    let origin = Origin {
        host: &dest.host,
        path: dest.url.path(),
        secure: secure_context(&dest.host, dest.https),
    };
    let mut jar = jar
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let values = lines
        .filter_map(|l| std::str::from_utf8(l).ok())
        .filter_map(strip_set_cookie);
    let mut stored = 0;
    for value in values {
        let value = value.trim_end_matches(['\r', '\n']);
        if stored == MAX_SET_COOKIE_AMOUNT {
            refused(value, "too many cookies in one response");
            continue;
        }
        match jar.store(value, origin) {
            Ok(()) => stored += 1,
            Err(why) => refused(value, why),
        }
    }
}
