//! The HSTS cache (RFC 6797; FETCHOPT_HSTS, FETCHOPT_HSTS_CTRL): hosts
//! that told us, over https, to be reached only over https. A transfer
//! with a cache goes to `https://` instead of `http://` for such a host
//! (redirects included), and stores the `Strict-Transport-Security`
//! fields of its https responses. The file format is upstream's: one
//! `host "YYYYMMDD HH:MM:SS"` line per entry (UTC; `"unlimited"` for no
//! expiry), the host with a leading `.` when subdomains are included.
//!
//! ```
//! use fetch_core::{Easy, HstsCache};
//!
//! let hsts = HstsCache::shared();
//! hsts.lock().unwrap().add_line("example.com \"unlimited\"");
//! let mut e = Easy::with_url("http://example.com/");
//! e.hsts(Some(hsts.clone())); // this transfer goes to https://example.com/
//! assert!(hsts.lock().unwrap().is_secure("example.com", 0));
//! ```

use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::http::date::{civil_from_days, days_from_civil};

/// "No expiry" (`"unlimited"` in files).
const UNLIMITED: i64 = i64::MAX;

/// One host's entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HstsEntry {
    /// The host name without a trailing dot (lower case when learnt from
    /// a header or a file; as given when from a read callback).
    pub host: String,
    /// `includeSubDomains`.
    pub include_subdomains: bool,
    /// Expiry, seconds since the epoch (`i64::MAX`: never).
    pub expires: i64,
}

/// The cache.
#[derive(Clone, Debug, Default)]
pub struct HstsCache {
    entries: Vec<HstsEntry>,
}

/// A cache several transfers use.
pub type SharedHsts = Arc<Mutex<HstsCache>>;

/// Seconds since the epoch, now (the clock HSTS expiries are read by).
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn normalize(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

impl HstsCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache ready for [`crate::Easy::hsts`].
    pub fn shared() -> SharedHsts {
        Arc::new(Mutex::new(Self::new()))
    }

    /// The entries not expired at `now`.
    pub fn entries(&self, now: i64) -> Vec<HstsEntry> {
        self.entries
            .iter()
            .filter(|e| e.expires > now)
            .cloned()
            .collect()
    }

    fn put(&mut self, entry: HstsEntry) {
        self.entries
            .retain(|e| !e.host.eq_ignore_ascii_case(&entry.host));
        self.entries.push(entry);
    }

    /// Whether `host` must be reached over https at `now` (seconds since
    /// the epoch): an entry for it, or for a parent domain with
    /// subdomains included. Expired entries are dropped.
    pub fn is_secure(&mut self, host: &str, now: i64) -> bool {
        self.entries.retain(|e| e.expires > now);
        let host = normalize(host);
        // Entries from a read callback keep the case they were given in
        // (as upstream's do), so the comparison ignores case.
        self.entries.iter().any(|e| {
            let (h, n) = (host.as_bytes(), e.host.as_bytes());
            h.eq_ignore_ascii_case(n)
                || (e.include_subdomains
                    && h.len() > n.len()
                    && h[h.len() - n.len()..].eq_ignore_ascii_case(n)
                    && h[h.len() - n.len() - 1] == b'.')
        })
    }

    /// Stores a `Strict-Transport-Security` field value received from
    /// `host` over https at `now`: `max-age` (required, digits, may be
    /// quoted) and `includeSubDomains`, each at most once, others ignored;
    /// `max-age=0` removes the entry. IP addresses get no entry (RFC 6797
    /// 8.1). Returns whether the value was understood.
    pub fn store_header(&mut self, host: &str, value: &str, now: i64) -> bool {
        if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            return false;
        }
        let (mut max_age, mut subs) = (None, false);
        for directive in value.split(';') {
            let d = directive.trim_matches([' ', '\t']);
            let (name, val) = match d.split_once('=') {
                Some((n, v)) => (
                    n.trim_matches([' ', '\t']),
                    Some(v.trim_matches([' ', '\t'])),
                ),
                None => (d, None),
            };
            if name.eq_ignore_ascii_case("max-age") {
                let v = val.map(|v| {
                    v.strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .unwrap_or(v)
                });
                let secs = v.filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
                match (max_age, secs) {
                    (None, Some(s)) => max_age = Some(s.parse::<i64>().unwrap_or(i64::MAX)),
                    _ => return false,
                }
            } else if name.eq_ignore_ascii_case("includesubdomains") {
                if subs || val.is_some() {
                    return false;
                }
                subs = true;
            }
        }
        let Some(max_age) = max_age else { return false };
        let host = normalize(host);
        if max_age == 0 {
            self.entries.retain(|e| e.host != host);
        } else {
            self.put(HstsEntry {
                host,
                include_subdomains: subs,
                expires: now.saturating_add(max_age),
            });
        }
        true
    }

    /// Adds one line of the file format; comments, blank and malformed
    /// lines are ignored (returns whether an entry was added).
    pub fn add_line(&mut self, line: &str) -> bool {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return false;
        }
        let Some((host, rest)) = line.split_once([' ', '\t']) else {
            return false;
        };
        let Some(date) = rest
            .trim()
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
        else {
            return false;
        };
        let expires = if date == "unlimited" {
            UNLIMITED
        } else {
            match parse_stamp(date) {
                Some(t) => t,
                None => return false,
            }
        };
        let (host, subs) = match host.strip_prefix('.') {
            Some(h) => (h, true),
            None => (host, false),
        };
        if host.is_empty() {
            return false;
        }
        self.put(HstsEntry {
            host: normalize(host),
            include_subdomains: subs,
            expires,
        });
        true
    }

    /// Reads a cache file (entries already expired are skipped).
    pub fn load_file(&mut self, path: &Path) -> io::Result<()> {
        let text = fs::read_to_string(path)?;
        let now = now_secs();
        for line in text.lines() {
            self.add_line(line);
        }
        self.entries.retain(|e| e.expires > now);
        Ok(())
    }

    /// The file text: a comment, then one line per live entry.
    pub fn file_text(&self, now: i64) -> String {
        let mut text = String::from(
            "# HSTS cache written by libfetch; one host a line with its expiry (UTC).\n",
        );
        for e in self.entries.iter().filter(|e| e.expires > now) {
            let dot = if e.include_subdomains { "." } else { "" };
            text.push_str(&format!("{dot}{} \"{}\"\n", e.host, stamp(e.expires)));
        }
        text
    }

    /// Writes the cache file (through a temporary file, renamed).
    pub fn write_file(&self, path: &Path) -> io::Result<()> {
        crate::cachefile::replace(path, self.file_text(now_secs()).as_bytes())
    }
}

/// `YYYYMMDD HH:MM:SS` (UTC) as seconds since the epoch.
pub(crate) fn parse_stamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 17 || b[8] != b' ' || b[11] != b':' || b[14] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(12..14)?, num(15..17)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// The file form of an expiry.
pub(crate) fn stamp(t: i64) -> String {
    if t == UNLIMITED {
        return "unlimited".into();
    }
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The https form of `d` when the transfer's HSTS cache holds its host
/// (`None`: go as is).
pub(crate) fn upgrade(
    easy: &crate::Easy,
    d: &crate::dest::Dest,
    tag: u64,
) -> Option<Result<Arc<crate::dest::Dest>, crate::Error>> {
    let cache = easy.hsts_cache()?;
    if d.url.scheme() != "http" {
        return None;
    }
    let secure = easy.share_locked(crate::share::LockData::Hsts, || {
        cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_secure(&d.host, now_secs())
    });
    if !secure {
        return None;
    }
    let mut url = d.url.clone();
    url.set_scheme("https").ok()?;
    Some(crate::dest::Dest::from_url(url.to_string(), url, tag))
}

/// Stores the `Strict-Transport-Security` fields of a response head
/// received over https from `host` (the first understood one counts, as
/// RFC 6797 8.1 asks).
pub(crate) fn store_response<'l>(
    cache: &SharedHsts,
    host: &str,
    lines: impl Iterator<Item = &'l [u8]>,
) {
    let now = now_secs();
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for value in crate::headers::field_values(lines, "strict-transport-security:") {
        if cache.store_header(host, value, now) {
            break;
        }
    }
}

impl crate::Easy {
    /// Turns HSTS on with `cache` (FETCHOPT_HSTS_CTRL with
    /// FETCHHSTS_ENABLE), or off with `None`.
    pub fn hsts(&mut self, cache: Option<SharedHsts>) -> &mut Self {
        self.hsts = cache;
        self
    }

    /// Sets the HSTS read callback (FETCHOPT_HSTSREADFUNCTION), or removes
    /// it with `None`. When a transfer starts (each time it is added, not
    /// at each redirect) and HSTS is on, it is called until it answers
    /// [`HstsRead::Done`] or [`HstsRead::Fail`], each
    /// [`HstsRead::Entry`] going into the cache before the transfer's URL
    /// is looked up in it. A failure fails the transfer with
    /// `AbortedByCallback`, an entry without a name with
    /// `BadFunctionArgument`, as upstream.
    ///
    /// ```
    /// use fetch_core::{Easy, HstsCache, HstsEntry, HstsRead};
    ///
    /// let mut preload = vec![HstsEntry::from_parts("example.com", true, "")];
    /// let mut e = Easy::with_url("http://www.example.com/");
    /// e.hsts(Some(HstsCache::shared()))
    ///     .hsts_read_function(Some(Box::new(move || match preload.pop() {
    ///         Some(entry) => HstsRead::Entry(entry),
    ///         None => HstsRead::Done,
    ///     })));
    /// ```
    pub fn hsts_read_function(&mut self, f: Option<HstsReadFn>) -> &mut Self {
        self.hooks.set(|h| &mut h.hsts_read, f);
        self
    }

    /// The read callback's entries into the cache, when a transfer starts.
    pub(crate) fn pull_hsts(&mut self) -> Result<(), crate::Error> {
        let Some(cache) = self.hsts_cache().cloned() else {
            return Ok(());
        };
        let Some(mut read) = self.hooks.get_mut().and_then(|h| h.hsts_read.take()) else {
            return Ok(());
        };
        let result = loop {
            match read() {
                HstsRead::Entry(e) if e.host.is_empty() => {
                    break Err(callback_error(crate::ErrorCode::BadFunctionArgument));
                }
                HstsRead::Entry(e) => self.share_locked(crate::share::LockData::Hsts, || {
                    cache
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(e);
                }),
                HstsRead::Done => break Ok(()),
                HstsRead::Fail => {
                    break Err(callback_error(crate::ErrorCode::AbortedByCallback));
                }
            }
        };
        self.hooks.set(|h| &mut h.hsts_read, Some(read));
        result
    }
}

/// A failure a callback caused, worded as upstream's error buffer has it
/// then (no detail: the code's text).
fn callback_error(code: crate::ErrorCode) -> crate::Error {
    crate::Error::new(code, code.strerror())
}

/// What an HSTS read callback answers (`FETCHSTScode` with an entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HstsRead {
    /// FETCHSTS_OK with an entry: stored, and the callback is called again.
    Entry(HstsEntry),
    /// FETCHSTS_DONE: no more entries.
    Done,
    /// FETCHSTS_FAIL: the transfer fails (`AbortedByCallback`).
    Fail,
}

/// The HSTS read callback ([`crate::Easy::hsts_read_function`]).
pub type HstsReadFn = Box<dyn FnMut() -> HstsRead + Send>;

impl HstsEntry {
    /// An entry from the fields upstream's callbacks use: the host name,
    /// `includeSubDomains`, and the expiry as text (`YYYYMMDD HH:MM:SS`
    /// UTC, or any date upstream's date reader takes; `""` or
    /// `"unlimited"`: never). A date that does not read gives an entry
    /// already expired, as upstream's reader gives -1.
    pub fn from_parts(host: &str, include_subdomains: bool, expire: &str) -> Self {
        let expires = match expire {
            "" | "unlimited" => UNLIMITED,
            text => parse_stamp(text)
                .or_else(|| crate::getdate(text.as_bytes()))
                .unwrap_or(-1),
        };
        // Upstream keeps the name as given, minus one trailing dot.
        Self {
            host: host.strip_suffix('.').unwrap_or(host).to_owned(),
            include_subdomains,
            expires,
        }
    }

    /// The expiry as upstream's write callback gets it:
    /// `YYYYMMDD HH:MM:SS` (UTC) or `unlimited`.
    pub fn expire_text(&self) -> String {
        stamp(self.expires)
    }
}

impl HstsCache {
    /// Adds (or replaces) an entry, last in the order entries are listed.
    pub fn insert(&mut self, entry: HstsEntry) {
        self.put(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rules() {
        let mut c = HstsCache::new();
        assert!(c.store_header("Example.COM.", "max-age=100; includeSubDomains", 1000));
        assert!(c.is_secure("example.com", 1000));
        assert!(c.is_secure("a.b.example.com", 1099));
        assert!(!c.is_secure("notexample.com", 1000));
        assert!(!c.is_secure("example.com", 1100), "expired");
        assert!(c.store_header("h.test", "max-age=\"50\"", 0));
        assert!(c.is_secure("h.test", 0));
        assert!(!c.is_secure("x.h.test", 0), "no subdomains");
        assert!(c.store_header("h.test", "max-age=0", 0));
        assert!(!c.is_secure("h.test", 0), "max-age=0 removes");
        for bad in [
            "",
            "includeSubDomains",
            "max-age=1; max-age=2",
            "max-age=x",
            "max-age=",
        ] {
            assert!(!c.store_header("bad.test", bad, 0), "{bad}");
        }
        assert!(!c.store_header("127.0.0.1", "max-age=10", 0), "no IPs");
        assert!(!c.is_secure("bad.test", 0));
    }

    #[test]
    fn callback_entries() {
        let e = HstsEntry::from_parts("Example.COM.", true, "20301231 10:00:00");
        assert_eq!(e.host, "Example.COM", "kept as given, as upstream");
        let mut c = HstsCache::new();
        c.insert(e.clone());
        assert!(c.is_secure("www.example.com", 0), "matched ignoring case");
        assert_eq!(e.expire_text(), "20301231 10:00:00");
        assert_eq!(
            HstsEntry::from_parts("a", false, "").expire_text(),
            "unlimited"
        );
        assert_eq!(HstsEntry::from_parts("a", false, "garbage").expires, -1);
    }

    #[test]
    fn file_round_trip() {
        let mut c = HstsCache::new();
        assert!(c.add_line(".sub.test \"20991231 23:59:59\""));
        assert!(c.add_line("forever.test \"unlimited\""));
        assert!(!c.add_line("# comment"));
        assert!(!c.add_line("broken.test 20991231"));
        assert!(!c.add_line("bad.test \"20991331 00:00:00\""));
        let text = c.file_text(0);
        assert!(text.contains(".sub.test \"20991231 23:59:59\"\n"), "{text}");
        assert!(text.contains("forever.test \"unlimited\"\n"), "{text}");
        let mut d = HstsCache::new();
        for l in text.lines() {
            d.add_line(l);
        }
        assert_eq!(d.entries(0), c.entries(0));
        assert!(d.is_secure("a.sub.test", 0));
    }
}
