//! The share interface (`fetch_share_*`): data that several transfers,
//! in different multis or threads, use together — the cookie jar, the
//! DNS cache (RESOLVE pins included), the TLS session cache, the HSTS
//! cache and idle connections — with the
//! application's lock and unlock hooks called around each access, as
//! upstream calls its `CURLSHOPT_LOCKFUNC`/`UNLOCKFUNC`.
//!
//! ```
//! use fetch_core::{Easy, LockData, Share};
//!
//! let mut share = Share::new();
//! share.share(LockData::Cookie).unwrap();
//! share.share(LockData::Dns).unwrap();
//! share.share(LockData::SslSession).unwrap();
//! // Every transfer given the share reads and fills the same jar, DNS
//! // cache and TLS sessions, whichever multi runs it.
//! let mut a = Easy::with_url("http://127.0.0.1:1/");
//! a.share(Some(&share));
//! let mut b = Easy::with_url("http://127.0.0.1:1/");
//! b.share(Some(&share));
//! assert!(share.in_use(), "its settings are fixed while transfers hold it");
//! drop((a, b));
//! assert!(!share.in_use());
//! ```
//!
//! Sharing the connection pool: a keep-alive connection one multi's
//! transfer leaves idle is reused by a transfer of another multi (that
//! multi announces the socket through its own socket callback).
//!
//! ```
//! use fetch_core::{Easy, LockData, Share};
//!
//! let mut share = Share::new();
//! share.share(LockData::Connect).unwrap();
//! let mut e = Easy::with_url("http://127.0.0.1:1/");
//! e.share(Some(&share));
//! // ... run `e` in one multi, then another transfer holding `share` in
//! // a second multi: it finds the idle connection in the share.
//! assert_eq!(share.idle_connections(), 0);
//! share.close_idle_connections();
//! ```

mod conns;
mod dns;
mod tls;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::cookies::{CookieJar, SharedCookieJar};

pub(crate) use dns::DnsCache;

/// What a lock protects (`fetch_lock_data`; the numbers are upstream's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum LockData {
    /// The share object itself (attaching and detaching transfers).
    Share = 1,
    /// The cookie jar.
    Cookie = 2,
    /// The DNS cache.
    Dns = 3,
    /// The TLS session cache.
    SslSession = 4,
    /// The connection pool: idle HTTP/1.1 connections (plain or TLS).
    Connect = 5,
    /// The public suffix list (compiled in, so nothing to share).
    Psl = 6,
    /// The HSTS cache.
    Hsts = 7,
}

impl LockData {
    /// The kind with upstream's number `n`, if any.
    pub fn from_raw(n: i64) -> Option<Self> {
        Some(match n {
            1 => Self::Share,
            2 => Self::Cookie,
            3 => Self::Dns,
            4 => Self::SslSession,
            5 => Self::Connect,
            6 => Self::Psl,
            7 => Self::Hsts,
            _ => return None,
        })
    }
}

/// How a lock is taken (`fetch_lock_access`; upstream's numbers). The
/// engine asks for [`LockAccess::Single`] everywhere, as upstream does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum LockAccess {
    /// Readers only.
    Shared = 1,
    /// Exclusive.
    Single = 2,
}

/// The application's lock hooks. `handle` is the tag of the transfer
/// asking (see [`crate::Easy::share_tagged`]; 0 when no transfer is
/// known, as for TLS sessions, which rustls reaches on its own). Every
/// `lock` is followed by one `unlock` of the same data on the same thread,
/// with no other share lock taken in between.
pub trait ShareLock: Send + Sync {
    /// Takes the lock for `data`.
    fn lock(&self, handle: usize, data: LockData, access: LockAccess);
    /// Releases the lock for `data`.
    fn unlock(&self, handle: usize, data: LockData);
}

/// Why a share refused a change (`FETCHSHcode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShareError {
    /// FETCHSHE_BAD_OPTION: not a kind of data that can be shared.
    BadOption,
    /// FETCHSHE_IN_USE: a transfer holds the share.
    InUse,
    /// FETCHSHE_NOT_BUILT_IN: a kind this library cannot share.
    NotBuiltIn,
}

impl ShareError {
    /// The `FETCHSHcode` number.
    pub fn code(self) -> i32 {
        match self {
            Self::BadOption => 1,
            Self::InUse => 2,
            Self::NotBuiltIn => 5,
        }
    }
}

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self {
            Self::BadOption => "not a kind of data a share holds",
            Self::InUse => "the share is in use",
            Self::NotBuiltIn => "this kind of data cannot be shared",
        };
        write!(f, "{what} (FETCHSHcode {})", self.code())
    }
}

impl std::error::Error for ShareError {}

type Hooks = Arc<Mutex<Option<Arc<dyn ShareLock>>>>;

/// What the share holds, behind one `Arc`.
struct Inner {
    cookies: Option<SharedCookieJar>,
    dns: Option<Arc<Mutex<DnsCache>>>,
    tls: Option<Arc<tls::SharedSessions>>,
    hsts: Option<crate::hsts::SharedHsts>,
    conns: Option<conns::SharedConns>,
    psl: bool,
    hooks: Hooks,
}

/// A set of data shared by the transfers that hold it
/// (`fetch_share_init`). Change what it shares while no transfer holds it
/// ([`Share::in_use`]); hand it to transfers with [`crate::Easy::share`].
/// A clone is another hold on the same data (as a transfer's is), so
/// changes wait until only one is left. Dropping the last frees the data.
#[derive(Clone)]
pub struct Share {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Share")
            .field("cookies", &self.inner.cookies.is_some())
            .field("dns", &self.inner.dns.is_some())
            .field("ssl_session", &self.inner.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Share {
    fn default() -> Self {
        Self::new()
    }
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Share {
    /// A share that shares nothing yet.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                cookies: None,
                dns: None,
                tls: None,
                hsts: None,
                conns: None,
                psl: false,
                hooks: Arc::new(Mutex::new(None)),
            }),
        }
    }

    /// Whether a transfer (an [`crate::Easy`], added or not) or another
    /// clone holds it.
    pub fn in_use(&self) -> bool {
        Arc::strong_count(&self.inner) > 1
    }

    fn inner_mut(&mut self) -> Result<&mut Inner, ShareError> {
        Arc::get_mut(&mut self.inner).ok_or(ShareError::InUse)
    }

    /// Starts sharing `data` (FETCHSHOPT_SHARE); sharing it again keeps
    /// what is there. Cookies, DNS, TLS sessions, HSTS and idle
    /// connections are shared; the public suffix list is accepted (it is
    /// compiled in, the same for everyone). With [`LockData::Connect`] an
    /// idle HTTP/1.1 connection (plain or TLS) of any holder's transfer is
    /// parked in the share, announced to no multi, and a transfer of any
    /// multi (or thread) may take it; HTTP/2 connections stay with the
    /// multi that made them.
    pub fn share(&mut self, data: LockData) -> Result<(), ShareError> {
        let inner = self.inner_mut()?;
        match data {
            LockData::Cookie => {
                inner.cookies.get_or_insert_with(CookieJar::shared);
            }
            LockData::Dns => {
                inner.dns.get_or_insert_with(Default::default);
            }
            LockData::SslSession => {
                let hooks = inner.hooks.clone();
                inner
                    .tls
                    .get_or_insert_with(|| Arc::new(tls::SharedSessions::new(hooks)));
            }
            LockData::Hsts => {
                inner.hsts.get_or_insert_with(crate::HstsCache::shared);
            }
            LockData::Psl => inner.psl = true,
            LockData::Connect => {
                inner.conns.get_or_insert_with(Default::default);
            }
            LockData::Share => return Err(ShareError::BadOption),
        }
        Ok(())
    }

    /// Stops sharing `data` (FETCHSHOPT_UNSHARE): what was shared is
    /// dropped (transfers keep their own from then on).
    pub fn unshare(&mut self, data: LockData) -> Result<(), ShareError> {
        let inner = self.inner_mut()?;
        match data {
            LockData::Cookie => inner.cookies = None,
            LockData::Dns => inner.dns = None,
            LockData::SslSession => inner.tls = None,
            LockData::Hsts => inner.hsts = None,
            LockData::Psl => inner.psl = false,
            // The parked connections close here.
            LockData::Connect => inner.conns = None,
            LockData::Share => return Err(ShareError::BadOption),
        }
        Ok(())
    }

    /// Sets the lock hooks (FETCHSHOPT_LOCKFUNC/UNLOCKFUNC); `None`
    /// removes them. Refused while in use, like every change.
    pub fn lock_hooks(&mut self, hooks: Option<Arc<dyn ShareLock>>) -> Result<(), ShareError> {
        let inner = self.inner_mut()?;
        *guard(&inner.hooks) = hooks;
        Ok(())
    }

    /// The shared cookie jar, when cookies are shared.
    pub fn cookie_jar(&self) -> Option<&SharedCookieJar> {
        self.inner.cookies.as_ref()
    }

    /// The shared HSTS cache, when HSTS is shared.
    pub fn hsts_cache(&self) -> Option<&crate::hsts::SharedHsts> {
        self.inner.hsts.as_ref()
    }

    /// How many idle connections the share holds (with
    /// [`LockData::Connect`]; 0 otherwise).
    pub fn idle_connections(&self) -> usize {
        self.inner.conns.as_ref().map_or(0, conns::SharedConns::len)
    }

    /// Closes the idle connections the share holds (they are closed anyway
    /// when the last holder drops the share, as `fetch_share_cleanup`
    /// does). Connections in use by a transfer are not touched.
    pub fn close_idle_connections(&self) {
        if let Some(c) = &self.inner.conns {
            let parked = self.locked(0, LockData::Connect, || c.drain());
            drop(parked);
        }
    }

    /// Whether `data` is shared.
    pub fn shares(&self, data: LockData) -> bool {
        let i = &self.inner;
        match data {
            LockData::Cookie => i.cookies.is_some(),
            LockData::Dns => i.dns.is_some(),
            LockData::SslSession => i.tls.is_some(),
            LockData::Hsts => i.hsts.is_some(),
            LockData::Psl => i.psl,
            LockData::Connect => i.conns.is_some(),
            LockData::Share => false,
        }
    }

    /// Runs `f` between the hooks' lock and unlock of `data` for the
    /// transfer tagged `handle` (FETCH_LOCK_ACCESS_SINGLE). As upstream,
    /// the hooks are called only for data this share shares, and always
    /// for [`LockData::Share`].
    pub fn locked<R>(&self, handle: usize, data: LockData, f: impl FnOnce() -> R) -> R {
        if data == LockData::Share || self.shares(data) {
            with_hooks(&self.inner.hooks, handle, data, f)
        } else {
            f()
        }
    }

    /// A holder's reference, tagged for the lock hooks.
    fn attach(&self, tag: usize) -> Attached {
        Attached {
            share: self.clone(),
            tag,
        }
    }
}

/// Calls the hooks (if any) around `f`.
fn with_hooks<R>(hooks: &Hooks, handle: usize, data: LockData, f: impl FnOnce() -> R) -> R {
    let h = guard(hooks).clone();
    let Some(h) = h else { return f() };
    h.lock(handle, data, LockAccess::Single);
    // Unlock even if `f` panics, so a caught panic leaves no lock held.
    struct Unlock<'a>(&'a dyn ShareLock, usize, LockData);
    impl Drop for Unlock<'_> {
        fn drop(&mut self) {
            self.0.unlock(self.1, self.2);
        }
    }
    let _u = Unlock(&*h, handle, data);
    f()
}

/// A transfer's hold on a share, with the tag its lock calls carry.
pub(crate) struct Attached {
    share: Share,
    tag: usize,
}

impl Clone for Attached {
    fn clone(&self) -> Self {
        self.share.attach(self.tag)
    }
}

impl Attached {
    /// The shared jar, if cookies are shared.
    pub(crate) fn cookie_jar(&self) -> Option<&SharedCookieJar> {
        self.share.inner.cookies.as_ref()
    }

    /// Runs `f` on the shared DNS cache (locked), if DNS is shared.
    pub(crate) fn dns<R>(&self, f: impl FnOnce(&mut DnsCache) -> R) -> Option<R> {
        let dns = self.share.inner.dns.as_ref()?;
        Some(self.locked(LockData::Dns, || f(&mut guard(dns))))
    }

    /// Runs `f` between the hooks' lock and unlock of `data`.
    pub(crate) fn locked<R>(&self, data: LockData, f: impl FnOnce() -> R) -> R {
        self.share.locked(self.tag, data, f)
    }

    /// Whether idle connections go to the share.
    pub(crate) fn pools_connections(&self) -> bool {
        self.share.inner.conns.is_some()
    }

    /// Parks an idle connection in the share (locked); returns the oldest
    /// ones beyond `cap`, for the caller to close after the lock.
    pub(crate) fn park(
        &self,
        conn: crate::multi::ParkedConn,
        cap: usize,
    ) -> Vec<crate::multi::ParkedConn> {
        match &self.share.inner.conns {
            Some(c) => self.locked(LockData::Connect, || c.put(conn, cap)),
            None => vec![conn],
        }
    }

    /// Takes the idle connection for `key` parked last (locked).
    pub(crate) fn take_conn(&self, key: &str) -> Option<crate::multi::ParkedConn> {
        let c = self.share.inner.conns.as_ref()?;
        self.locked(LockData::Connect, || c.take(key))
    }

    /// The share's TLS configuration for `opts` and an id of the share's
    /// session store (for configuration caches), if sessions are shared.
    pub(crate) fn tls_config(
        &self,
        opts: &crate::TlsOptions,
    ) -> Option<(usize, Result<Arc<rustls::ClientConfig>, crate::Error>)> {
        let s = self.share.inner.tls.as_ref()?;
        Some((Arc::as_ptr(s) as usize, s.config(opts)))
    }
}

impl crate::Easy {
    /// The jar the cookie engine uses: the share's when cookies are
    /// shared, else the transfer's own.
    pub(crate) fn jar(&self) -> Option<&SharedCookieJar> {
        self.share
            .as_ref()
            .and_then(Attached::cookie_jar)
            .or(self.cookie_jar.as_ref())
    }

    /// The HSTS cache the transfer uses: the share's when HSTS is shared,
    /// else its own.
    pub(crate) fn hsts_cache(&self) -> Option<&crate::hsts::SharedHsts> {
        self.share
            .as_ref()
            .and_then(|a| a.share.hsts_cache())
            .or(self.hsts.as_ref())
    }

    /// Runs `f` inside the share's lock hooks for `data` (directly
    /// without a share).
    pub(crate) fn share_locked<R>(&self, data: LockData, f: impl FnOnce() -> R) -> R {
        match &self.share {
            Some(a) => a.locked(data, f),
            None => f(),
        }
    }

    /// Makes this transfer use `share` (FETCHOPT_SHARE), or stop using
    /// one with `None`: with cookies shared, the share's jar replaces the
    /// transfer's own (and the cookie engine runs); with DNS shared,
    /// lookups and RESOLVE pins go to the share's cache; with TLS sessions
    /// shared, connections resume sessions made by any holder.
    pub fn share(&mut self, share: Option<&Share>) -> &mut Self {
        self.share_tagged(share, 0)
    }

    /// [`crate::Easy::share`] with the `handle` value passed to the lock
    /// hooks for this transfer's accesses (the C API passes its `FETCH *`).
    pub fn share_tagged(&mut self, share: Option<&Share>, handle: usize) -> &mut Self {
        self.share = share.map(|s| s.attach(handle));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Log(Mutex<Vec<(usize, LockData, bool)>>);

    impl ShareLock for Log {
        fn lock(&self, handle: usize, data: LockData, access: LockAccess) {
            assert_eq!(access, LockAccess::Single);
            self.0.lock().unwrap().push((handle, data, true));
        }
        fn unlock(&self, handle: usize, data: LockData) {
            self.0.lock().unwrap().push((handle, data, false));
        }
    }

    #[test]
    fn changes_refused_in_use_and_kinds_answered_as_upstream() {
        let mut s = Share::new();
        assert_eq!(s.share(LockData::Share), Err(ShareError::BadOption));
        assert_eq!(s.share(LockData::Connect), Ok(()));
        assert!(s.shares(LockData::Connect));
        assert_eq!(s.share(LockData::Hsts), Ok(()));
        assert_eq!(s.share(LockData::Psl), Ok(()));
        assert_eq!(s.share(LockData::Cookie), Ok(()));
        let mut e = crate::Easy::new();
        e.share(Some(&s));
        assert!(s.in_use());
        assert_eq!(s.share(LockData::Dns), Err(ShareError::InUse));
        assert_eq!(s.unshare(LockData::Cookie), Err(ShareError::InUse));
        assert_eq!(s.lock_hooks(None), Err(ShareError::InUse));
        e.share(None);
        assert!(!s.in_use());
        assert_eq!(s.unshare(LockData::Cookie), Ok(()));
        assert!(!s.shares(LockData::Cookie));
    }

    #[test]
    fn hooks_pair_around_each_access() {
        let mut s = Share::new();
        s.share(LockData::Dns).unwrap();
        let log = Arc::new(Log::default());
        s.lock_hooks(Some(log.clone())).unwrap();
        let a = s.attach(7);
        let n = a.dns(|c| c.answers_len()).unwrap();
        assert_eq!(n, 0);
        assert_eq!(
            *log.0.lock().unwrap(),
            vec![(7, LockData::Dns, true), (7, LockData::Dns, false)]
        );
    }
}
