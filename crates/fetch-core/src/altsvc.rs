//! The Alt-Svc cache (RFC 7838; FETCHOPT_ALTSVC, FETCHOPT_ALTSVC_CTRL):
//! alternatives an https origin announced in `Alt-Svc` response fields,
//! kept until they expire. A transfer to that origin (with no CONNECT_TO
//! route of its own) connects to the alternative's host and port instead,
//! as CONNECT_TO would: the URL, the Host field and the TLS name stay the
//! origin's. The file format is upstream's: one line per entry,
//! `SRCALPN SRCHOST SRCPORT DSTALPN DSTHOST DSTPORT "YYYYMMDD HH:MM:SS"
//! PERSIST PRIO`.
//!
//! ```
//! use fetch_core::{AltSvcCache, Alpn, Easy};
//!
//! let cache = AltSvcCache::shared();
//! cache
//!     .lock()
//!     .unwrap()
//!     .add_line("h1 example.com 443 h2 alt.example.com 8443 \"20991231 00:00:00\" 0 0");
//! let e = cache.lock().unwrap().lookup("example.com", 443, 0).cloned().unwrap();
//! assert_eq!((e.dst_alpn, e.dst_host.as_str(), e.dst_port), (Alpn::H2, "alt.example.com", 8443));
//! let mut t = Easy::with_url("https://example.com/");
//! t.alt_svc(Some(cache.clone())); // this transfer connects to alt.example.com:8443
//! ```

use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::hsts::{now_secs, parse_stamp, stamp};

/// An ALPN protocol of an alternative (upstream's `h1`/`h2`/`h3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alpn {
    /// HTTP/1.1.
    H1,
    /// HTTP/2.
    H2,
    /// HTTP/3 (stored and written; never used: no QUIC here).
    H3,
}

impl Alpn {
    fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "h1" | "http/1.1" => Some(Self::H1),
            "h2" => Some(Self::H2),
            "h3" => Some(Self::H3),
            _ => None,
        }
    }

    /// The name in files and traces.
    pub fn name(self) -> &'static str {
        match self {
            Self::H1 => "h1",
            Self::H2 => "h2",
            Self::H3 => "h3",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::H1 => 1,
            Self::H2 => 2,
            Self::H3 => 4,
        }
    }
}

/// One alternative of one origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AltSvcEntry {
    /// The protocol the announcement came over.
    pub src_alpn: Alpn,
    /// The origin's host (lower case).
    pub src_host: String,
    /// The origin's port.
    pub src_port: u16,
    /// The alternative's protocol.
    pub dst_alpn: Alpn,
    /// The alternative's host (lower case).
    pub dst_host: String,
    /// The alternative's port.
    pub dst_port: u16,
    /// Expiry, seconds since the epoch.
    pub expires: i64,
    /// `persist=1`.
    pub persist: bool,
    /// Priority (kept for the file; always 0 from headers, as upstream).
    pub prio: u32,
}

/// The cache, with the protocols ALTSVC_CTRL allows as alternatives.
#[derive(Clone, Debug)]
pub struct AltSvcCache {
    entries: Vec<AltSvcEntry>,
    allowed: u8,
}

impl Default for AltSvcCache {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            allowed: 7,
        }
    }
}

/// A cache several transfers use.
pub type SharedAltSvc = Arc<Mutex<AltSvcCache>>;

/// Upstream's lifetime of an alternative without `ma`: 24 hours.
const DEFAULT_MAX_AGE: i64 = 86_400;

impl AltSvcCache {
    /// An empty cache allowing h1, h2 and h3 alternatives.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache ready for [`crate::Easy::alt_svc`].
    pub fn shared() -> SharedAltSvc {
        Arc::new(Mutex::new(Self::new()))
    }

    /// Which alternatives may be used (FETCHALTSVC_H1/H2/H3).
    pub fn allow(&mut self, h1: bool, h2: bool, h3: bool) {
        self.allowed = u8::from(h1) | u8::from(h2) << 1 | u8::from(h3) << 2;
    }

    /// The entries not expired at `now`.
    pub fn entries(&self, now: i64) -> Vec<AltSvcEntry> {
        self.entries
            .iter()
            .filter(|e| e.expires > now)
            .cloned()
            .collect()
    }

    /// The alternative to use for `host:port` at `now`: one whose
    /// protocol is allowed and can be spoken here (h2 or h1), looked up
    /// by source protocol in upstream's order (h3, h2, h1).
    pub fn lookup(&mut self, host: &str, port: u16, now: i64) -> Option<&AltSvcEntry> {
        self.entries.retain(|e| e.expires > now);
        let allowed = self.allowed;
        [Alpn::H3, Alpn::H2, Alpn::H1]
            .into_iter()
            .filter(|a| allowed & a.bit() != 0)
            .find_map(|src| {
                self.entries.iter().find(|e| {
                    e.src_alpn == src
                        && e.src_port == port
                        && e.src_host.eq_ignore_ascii_case(host)
                        && e.dst_alpn != Alpn::H3
                        && allowed & e.dst_alpn.bit() != 0
                })
            })
    }

    /// Stores an `Alt-Svc` field value received from `host:port` over
    /// `src` at `now`. `clear` drops the origin's alternatives; a value
    /// with at least one understood alternative replaces them (as
    /// upstream). Returns how many were stored.
    pub fn store_header(
        &mut self,
        src: Alpn,
        host: &str,
        port: u16,
        value: &str,
        now: i64,
    ) -> usize {
        let origin = |e: &AltSvcEntry| {
            e.src_alpn == src && e.src_port == port && e.src_host.eq_ignore_ascii_case(host)
        };
        if value.trim().eq_ignore_ascii_case("clear") {
            self.entries.retain(|e| !origin(e));
            return 0;
        }
        let mut stored = 0;
        for alt in value.split(',') {
            let Some(entry) = parse_alternative(src, host, port, alt, now) else {
                continue;
            };
            if stored == 0 {
                self.entries.retain(|e| !origin(e));
            }
            self.entries.push(entry);
            stored += 1;
        }
        stored
    }

    /// Adds one line of the file format; comments, blank and malformed
    /// lines are ignored (returns whether an entry was added).
    pub fn add_line(&mut self, line: &str) -> bool {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return false;
        }
        let Some((head, rest)) = line.split_once('"') else {
            return false;
        };
        let Some((date, tail)) = rest.split_once('"') else {
            return false;
        };
        let f: Vec<&str> = head.split_whitespace().collect();
        let t: Vec<&str> = tail.split_whitespace().collect();
        if f.len() != 6 || t.len() != 2 {
            return false;
        }
        let (Some(src_alpn), Some(dst_alpn)) = (Alpn::parse(f[0]), Alpn::parse(f[3])) else {
            return false;
        };
        let (Ok(src_port), Ok(dst_port)) = (f[2].parse(), f[5].parse()) else {
            return false;
        };
        let Some(expires) = parse_stamp(date) else {
            return false;
        };
        let unbracket = |h: &str| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase()
        };
        self.entries.push(AltSvcEntry {
            src_alpn,
            src_host: unbracket(f[1]),
            src_port,
            dst_alpn,
            dst_host: unbracket(f[4]),
            dst_port,
            expires,
            persist: t[0] == "1",
            prio: t[1].parse().unwrap_or(0),
        });
        true
    }

    /// Reads a cache file (entries already expired are skipped).
    pub fn load_file(&mut self, path: &Path) -> io::Result<()> {
        let text = fs::read_to_string(path)?;
        for line in text.lines() {
            self.add_line(line);
        }
        let now = now_secs();
        self.entries.retain(|e| e.expires > now);
        Ok(())
    }

    /// The file text: a comment, then one line per live entry.
    pub fn file_text(&self, now: i64) -> String {
        let mut text = String::from(
            "# Alt-Svc cache written by libfetch: source ALPN, host, port, \
             alternative ALPN, host, port, expiry (UTC), persist, priority.\n",
        );
        let host = |h: &str| {
            if h.contains(':') {
                format!("[{h}]")
            } else {
                h.to_owned()
            }
        };
        for e in self.entries.iter().filter(|e| e.expires > now) {
            text.push_str(&format!(
                "{} {} {} {} {} {} \"{}\" {} {}\n",
                e.src_alpn.name(),
                host(&e.src_host),
                e.src_port,
                e.dst_alpn.name(),
                host(&e.dst_host),
                e.dst_port,
                stamp(e.expires),
                u8::from(e.persist),
                e.prio
            ));
        }
        text
    }

    /// Writes the cache file (through a temporary file, renamed).
    pub fn write_file(&self, path: &Path) -> io::Result<()> {
        crate::cachefile::replace(path, self.file_text(now_secs()).as_bytes())
    }
}

/// One `proto="host:port"; ma=N; persist=1` alternative.
fn parse_alternative(src: Alpn, host: &str, port: u16, alt: &str, now: i64) -> Option<AltSvcEntry> {
    let mut params = alt.split(';');
    let (proto, authority) = params.next()?.trim().split_once('=')?;
    let dst_alpn = Alpn::parse(proto.trim())?;
    let authority = authority.trim().strip_prefix('"')?.strip_suffix('"')?;
    let (dst_host, dst_port) = authority.rsplit_once(':')?;
    let dst_port: u16 = dst_port.parse().ok().filter(|&p| p != 0)?;
    let dst_host = dst_host.trim_start_matches('[').trim_end_matches(']');
    let dst_host = if dst_host.is_empty() { host } else { dst_host };
    let (mut max_age, mut persist) = (DEFAULT_MAX_AGE, false);
    for p in params {
        let Some((name, value)) = p.trim().split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        match name.trim().to_ascii_lowercase().as_str() {
            "ma" => max_age = value.parse().ok()?,
            "persist" => persist = value == "1",
            _ => {}
        }
    }
    Some(AltSvcEntry {
        src_alpn: src,
        src_host: host.to_ascii_lowercase(),
        src_port: port,
        dst_alpn,
        dst_host: dst_host.to_ascii_lowercase(),
        dst_port,
        expires: now.saturating_add(max_age),
        persist,
        prio: 0,
    })
}

/// Stores the `Alt-Svc` fields of a response head received over TLS
/// from `host:port` (upstream reads them only over TLS).
pub(crate) fn store_response<'l>(
    cache: &SharedAltSvc,
    src: Alpn,
    host: &str,
    port: u16,
    lines: impl Iterator<Item = &'l [u8]>,
) {
    let now = now_secs();
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for value in crate::headers::field_values(lines, "alt-svc:") {
        cache.store_header(src, host, port, value, now);
    }
}

/// The route an https transfer to `host:port` takes from the cache, if
/// any, traced as upstream traces it.
pub(crate) fn route(easy: &mut crate::Easy, host: &str, port: u16) -> Option<(String, u16)> {
    let cache = easy.altsvc.clone()?;
    let mut c = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let e = c.lookup(host, port, now_secs())?;
    easy.trace_text(|| {
        format!(
            "Alt-svc connecting from [{}]{host}:{port} to [{}]{}:{}",
            e.src_alpn.name(),
            e.dst_alpn.name(),
            e.dst_host,
            e.dst_port
        )
    });
    Some((e.dst_host.clone(), e.dst_port))
}

impl crate::Easy {
    /// Turns Alt-Svc on with `cache` (FETCHOPT_ALTSVC_CTRL), or off with
    /// `None`: https responses' `Alt-Svc` fields are stored, and https
    /// transfers to an origin with an alternative connect there.
    pub fn alt_svc(&mut self, cache: Option<SharedAltSvc>) -> &mut Self {
        self.altsvc = cache;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rules() {
        let mut c = AltSvcCache::new();
        let v = "h2=\"alt.example:8443\"; ma=100; persist=1, h3=\":443\", foo=\":1\"";
        assert_eq!(c.store_header(Alpn::H1, "Example.com", 443, v, 1000), 2);
        let e = c.lookup("example.com", 443, 1000).unwrap().clone();
        assert_eq!(
            (e.dst_alpn, e.dst_host.as_str(), e.dst_port),
            (Alpn::H2, "alt.example", 8443)
        );
        assert!(e.persist);
        assert_eq!(e.expires, 1100);
        assert!(c.lookup("example.com", 443, 1100).is_none(), "expired");
        c.store_header(Alpn::H1, "example.com", 443, "h2=\":8443\"", 0);
        assert_eq!(
            c.lookup("example.com", 443, 0).unwrap().dst_host,
            "example.com"
        );
        assert_eq!(
            c.lookup("example.com", 443, 0).unwrap().expires,
            DEFAULT_MAX_AGE
        );
        c.allow(true, false, true);
        assert!(c.lookup("example.com", 443, 0).is_none(), "h2 not allowed");
        c.allow(true, true, true);
        c.store_header(Alpn::H1, "example.com", 443, "clear", 0);
        assert!(c.entries(0).is_empty());
        for bad in [
            "h2=8443",
            "h2=\"host\"",
            "h2=\":0\"",
            "h2=\":1\"; ma=x",
            "nope",
        ] {
            assert_eq!(c.store_header(Alpn::H1, "b.test", 443, bad, 0), 0, "{bad}");
        }
    }

    #[test]
    fn file_round_trip() {
        let mut c = AltSvcCache::new();
        assert!(c.add_line("h1 a.test 443 h2 b.test 8443 \"20991231 23:59:59\" 1 0"));
        assert!(c.add_line("h2 [::1] 443 h1 [::1] 444 \"20991231 23:59:59\" 0 0"));
        assert!(!c.add_line("# comment"));
        assert!(!c.add_line("h9 a.test 443 h2 b.test 8443 \"20991231 23:59:59\" 0 0"));
        assert!(!c.add_line("h1 a.test 443 h2 b.test 8443 20991231 0 0"));
        let text = c.file_text(0);
        assert!(
            text.contains("h1 a.test 443 h2 b.test 8443 \"20991231 23:59:59\" 1 0\n"),
            "{text}"
        );
        assert!(text.contains("h2 [::1] 443 h1 [::1] 444 "), "{text}");
        let mut d = AltSvcCache::new();
        for l in text.lines() {
            d.add_line(l);
        }
        assert_eq!(d.entries(0), c.entries(0));
    }
}
