//! Where a transfer stands, published for its own callbacks: the engine
//! cannot be reached from inside a callback (the C ABI's `getinfo` there
//! would otherwise see only what the last multi call left), so right
//! before each application callback of a transfer the engine copies the
//! info scalars that change during it into a shared [`LiveInfo`].

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, Ordering};

use crate::easy::TransferInfo;

/// The info scalars of a running transfer, as of its latest callback.
/// Set it on an `Easy` with [`crate::Easy::live_info`]; read it with
/// [`LiveInfo::overlay`].
#[derive(Debug, Default)]
pub struct LiveInfo {
    /// Something was published since the last [`LiveInfo::reset`].
    set: AtomicBool,
    response_code: AtomicU16,
    primary_port: AtomicU16,
    size_download: AtomicU64,
    size_upload: AtomicU64,
    header_size: AtomicU64,
    redirect_count: AtomicU32,
    num_connects: AtomicU32,
    /// What the transfer options' info ids read (content type, method,
    /// referer, file time, ...), copied only when it changed.
    xfer: Mutex<XferLive>,
}

/// The info fields of the transfer options, as published.
#[derive(Debug, Default)]
struct XferLive {
    /// (Here, under the one lock a publication takes, rather than
    /// behind a lock of its own.)
    primary_ip: Option<IpAddr>,
    content_type: Option<String>,
    filetime: Option<i64>,
    scheme: Option<&'static str>,
    request_size: u64,
    condition_unmet: bool,
    retry_after: i64,
    /// A usual method's name is the static text (no copy on the heap for
    /// each new record: issue 13, workload L8 makes one per transfer).
    effective_method: Option<Cow<'static, str>>,
    http_version: u8,
    referer: Option<String>,
    ssl_verify_result: i64,
}

/// `dst = src` without allocating when they are already equal. (Inline:
/// the usual case, the same text again, is a length check and one short
/// compare, with no call frame.)
#[inline(always)]
fn copy_str(dst: &mut Option<String>, src: &Option<String>) {
    let same = match (&*dst, src) {
        (Some(d), Some(s)) => crate::transfer_info::same_bytes(d.as_bytes(), s.as_bytes()),
        (None, None) => true,
        _ => false,
    };
    if !same {
        copy_str_anew(dst, src);
    }
}

/// [`copy_str`] with a text that changed. (Out of line: the usual repeat
/// then needs no registers saved for the copy.)
#[inline(never)]
fn copy_str_anew(dst: &mut Option<String>, src: &Option<String>) {
    dst.clone_from(src);
}

/// [`copy_str`] for the published method: the same text again is one
/// inline compare; a usual method's name is its static text.
#[inline(always)]
fn copy_method(dst: &mut Option<Cow<'static, str>>, src: &Option<String>) {
    let same = match (&*dst, src) {
        (Some(d), Some(s)) => crate::transfer_info::same_bytes(d.as_bytes(), s.as_bytes()),
        (None, None) => true,
        _ => false,
    };
    if !same {
        copy_method_anew(dst, src);
    }
}

/// [`copy_method`] with a method that changed (out of line, as
/// [`copy_str_anew`]).
#[inline(never)]
fn copy_method_anew(dst: &mut Option<Cow<'static, str>>, src: &Option<String>) {
    *dst = src.as_deref().map(|m| {
        ["GET", "HEAD", "POST", "PUT"]
            .into_iter()
            .find(|&known| known == m)
            .map_or_else(|| Cow::Owned(m.to_owned()), Cow::Borrowed)
    });
}

impl XferLive {
    fn publish(&mut self, i: &TransferInfo) {
        self.primary_ip = i.primary_ip;
        copy_str(&mut self.content_type, &i.content_type);
        copy_method(&mut self.effective_method, &i.effective_method);
        copy_str(&mut self.referer, &i.referer);
        self.filetime = i.filetime;
        self.scheme = i.scheme;
        self.request_size = i.request_size;
        self.condition_unmet = i.condition_unmet;
        self.retry_after = i.retry_after;
        self.http_version = i.http_version;
        self.ssl_verify_result = i.ssl_verify_result;
    }

    fn overlay(&self, i: &mut TransferInfo) {
        i.primary_ip = self.primary_ip;
        copy_str(&mut i.content_type, &self.content_type);
        match &self.effective_method {
            Some(m) => {
                crate::transfer_info::set_str(&mut i.effective_method, &mut String::new(), m)
            }
            None => i.effective_method = None,
        }
        copy_str(&mut i.referer, &self.referer);
        i.filetime = self.filetime;
        i.scheme = self.scheme;
        i.request_size = self.request_size;
        i.condition_unmet = self.condition_unmet;
        i.retry_after = self.retry_after;
        i.http_version = self.http_version;
        i.ssl_verify_result = self.ssl_verify_result;
    }
}

impl LiveInfo {
    /// A new, empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets what was published (a new transfer starts). (Inline: one
    /// store, at every add.)
    #[inline]
    pub fn reset(&self) {
        self.set.store(false, Ordering::Relaxed);
    }

    /// Copies the published fields onto `info` (nothing if none were).
    pub fn overlay(&self, info: &mut TransferInfo) {
        if !self.set.load(Ordering::Relaxed) {
            return;
        }
        let r = Ordering::Relaxed;
        info.response_code = self.response_code.load(r);
        info.primary_port = self.primary_port.load(r);
        info.size_download = self.size_download.load(r);
        info.size_upload = self.size_upload.load(r);
        info.header_size = self.header_size.load(r);
        info.redirect_count = self.redirect_count.load(r);
        info.num_connects = self.num_connects.load(r);
        self.xfer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .overlay(info);
    }

    pub(crate) fn publish(&self, info: &TransferInfo) {
        let r = Ordering::Relaxed;
        self.response_code.store(info.response_code, r);
        self.primary_port.store(info.primary_port, r);
        self.size_download.store(info.size_download, r);
        self.size_upload.store(info.size_upload, r);
        self.header_size.store(info.header_size, r);
        self.redirect_count.store(info.redirect_count, r);
        self.num_connects.store(info.num_connects, r);
        self.xfer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .publish(info);
        self.set.store(true, r);
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    #[test]
    fn overlays_only_what_was_published() {
        let live = LiveInfo::new();
        let mut info = TransferInfo {
            response_code: 7,
            ..TransferInfo::default()
        };
        live.overlay(&mut info);
        assert_eq!(info.response_code, 7, "nothing published yet");
        let now = TransferInfo {
            response_code: 200,
            primary_ip: Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            primary_port: 8080,
            size_download: 10,
            ..TransferInfo::default()
        };
        live.publish(&now);
        live.overlay(&mut info);
        assert_eq!(
            (info.response_code, info.primary_port, info.size_download),
            (200, 8080, 10)
        );
        assert_eq!(info.primary_ip, now.primary_ip);
        live.reset();
        let mut fresh = TransferInfo::default();
        live.overlay(&mut fresh);
        assert_eq!(fresh.response_code, 0);
    }

    /// A published string that changed is published again, whether its
    /// length changed or not, and one that went away goes away: the
    /// inline compare (lengths first) misses no change.
    #[test]
    fn publish_follows_every_string_change() {
        let live = LiveInfo::new();
        let mut now = TransferInfo {
            content_type: Some("text/html".to_owned()),
            effective_method: Some("GET".to_owned()),
            ..TransferInfo::default()
        };
        let read = |live: &LiveInfo| {
            let mut info = TransferInfo::default();
            live.overlay(&mut info);
            (info.content_type, info.effective_method, info.referer)
        };
        live.publish(&now);
        assert_eq!(
            read(&live),
            (Some("text/html".into()), Some("GET".into()), None)
        );
        // Same lengths, other bytes (the last byte only).
        now.content_type = Some("text/htmm".to_owned());
        now.effective_method = Some("PUT".to_owned());
        now.referer = Some("http://a/".to_owned());
        live.publish(&now);
        assert_eq!(
            read(&live),
            (
                Some("text/htmm".into()),
                Some("PUT".into()),
                Some("http://a/".into())
            )
        );
        // Other lengths, an empty text, and gone.
        now.content_type = Some(String::new());
        now.effective_method = Some("POST".to_owned());
        now.referer = None;
        live.publish(&now);
        assert_eq!(
            read(&live),
            (Some(String::new()), Some("POST".into()), None)
        );
        now.content_type = None;
        live.publish(&now);
        assert_eq!(read(&live).0, None);
    }

    #[test]
    fn reset_forgets_the_publication() {
        let live = LiveInfo::new();
        live.publish(&TransferInfo {
            response_code: 200,
            ..TransferInfo::default()
        });
        live.reset();
        let mut fresh = TransferInfo::default();
        live.overlay(&mut fresh);
        assert_eq!(fresh.response_code, 0);
    }
}
