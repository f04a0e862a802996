//! [`TransferInfo`]: what the application reads about a transfer after
//! (or, through the live copy, during) it; upstream's `getinfo` ids.

use std::net::IpAddr;
use std::time::Duration;

/// Information about a transfer, read after (or during) it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransferInfo {
    /// The last response's status code, 0 before a response was read
    /// (FETCHINFO_RESPONSE_CODE).
    pub response_code: u16,
    /// The last URL used, after redirects (FETCHINFO_EFFECTIVE_URL).
    pub effective_url: Option<String>,
    /// From the start of the transfer to its end (FETCHINFO_TOTAL_TIME).
    pub total_time: Duration,
    /// Body bytes delivered to the application (FETCHINFO_SIZE_DOWNLOAD).
    pub size_download: u64,
    /// Body bytes sent (FETCHINFO_SIZE_UPLOAD).
    pub size_upload: u64,
    /// The last response's HTTP version: 10, 11 or 20; 0 before one
    /// (FETCHINFO_HTTP_VERSION).
    pub http_version: u8,
    /// Bytes of response heads received (FETCHINFO_HEADER_SIZE).
    pub header_size: u64,
    /// The IP address of the last connection (FETCHINFO_PRIMARY_IP).
    pub primary_ip: Option<IpAddr>,
    /// The port of the last connection (FETCHINFO_PRIMARY_PORT).
    pub primary_port: u16,
    /// Redirects followed (FETCHINFO_REDIRECT_COUNT).
    pub redirect_count: u32,
    /// Start to the last redirect followed: the time spent on the
    /// redirection steps before the final request (FETCHINFO_REDIRECT_TIME_T).
    pub redirect_time: Duration,
    /// The last response's `Content-Length`, when it framed (or, for HEAD
    /// and 304, described) the body (FETCHINFO_CONTENT_LENGTH_DOWNLOAD_T;
    /// `None` is upstream's -1).
    pub content_length_download: Option<u64>,
    /// The size of the request body about to be sent, when known
    /// (FETCHINFO_CONTENT_LENGTH_UPLOAD_T; `None` is upstream's -1).
    pub content_length_upload: Option<u64>,
    /// The OS error of the last failed connect or socket operation, 0
    /// without one (FETCHINFO_OS_ERRNO).
    pub os_errno: i32,
    /// New connections this transfer had to open (FETCHINFO_NUM_CONNECTS).
    pub num_connects: u32,
    /// The target of a redirect that was not followed (FETCHINFO_REDIRECT_URL).
    pub redirect_url: Option<String>,
    /// Start to name resolved (FETCHINFO_NAMELOOKUP_TIME_T).
    pub namelookup_time: Duration,
    /// Start to TCP connected (FETCHINFO_CONNECT_TIME_T).
    pub connect_time: Duration,
    /// Start to TLS established, 0 without TLS (FETCHINFO_APPCONNECT_TIME_T).
    pub appconnect_time: Duration,
    /// Start to the request about to be sent (FETCHINFO_PRETRANSFER_TIME_T).
    pub pretransfer_time: Duration,
    /// Start to the first response byte (FETCHINFO_STARTTRANSFER_TIME_T).
    pub starttransfer_time: Duration,
    /// Average download speed, bytes/s (FETCHINFO_SPEED_DOWNLOAD_T).
    pub speed_download: u64,
    /// Average upload speed, bytes/s (FETCHINFO_SPEED_UPLOAD_T).
    pub speed_upload: u64,
    /// This end's address of the last connection (FETCHINFO_LOCAL_IP).
    pub local_ip: Option<IpAddr>,
    /// This end's port of the last connection (FETCHINFO_LOCAL_PORT).
    pub local_port: u16,
    /// The socket of the last connection while it is open: kept in the
    /// pool, or still in use (FETCHINFO_ACTIVESOCKET).
    pub active_socket: Option<std::os::fd::RawFd>,
    /// The last `Content-Type` received, trimmed (FETCHINFO_CONTENT_TYPE).
    pub content_type: Option<String>,
    /// The document's `Last-Modified` time in seconds since the epoch, with
    /// [`crate::Easy::record_filetime`] on and the date understood (FETCHINFO_FILETIME_T;
    /// `None` is upstream's -1).
    pub filetime: Option<i64>,
    /// "HTTP" or "HTTPS": the scheme of the last request, upper case as
    /// upstream (FETCHINFO_SCHEME).
    pub scheme: Option<&'static str>,
    /// Bytes of request heads sent, with bodies sent along with them
    /// (FETCHINFO_REQUEST_SIZE).
    pub request_size: u64,
    /// The time condition was not met: a 304, or a document that failed it
    /// (FETCHINFO_CONDITION_UNMET).
    pub condition_unmet: bool,
    /// The last `Retry-After`, in seconds from when it arrived; 0 without
    /// one (FETCHINFO_RETRY_AFTER).
    pub retry_after: i64,
    /// The method of the transfer as it stands after redirects, set when it
    /// is added (FETCHINFO_EFFECTIVE_METHOD).
    pub effective_method: Option<String>,
    /// The `Referer` of the last request (FETCHINFO_REFERER).
    pub referer: Option<String>,
    /// The certificate verification result, as OpenSSL's `X509_V_*`
    /// numbers: 0 unless verification failed (FETCHINFO_SSL_VERIFYRESULT).
    pub ssl_verify_result: i64,
    /// The authentication methods servers offered in 401 responses of
    /// this transfer, as [`crate::HttpAuth`] bits (FETCHINFO_HTTPAUTH_AVAIL).
    pub httpauth_avail: u32,
    /// The last status code a proxy answered CONNECT with, 0 before one
    /// (FETCHINFO_HTTP_CONNECTCODE).
    pub http_connectcode: u16,
    /// The https proxy's certificate verification result, as
    /// `ssl_verify_result` (FETCHINFO_PROXY_SSL_VERIFYRESULT).
    pub proxy_ssl_verify_result: i64,
}

/// The buffers of a finished transfer's info strings, kept for the next
/// transfer of the same handle so that its info allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct SpareStrings {
    pub(crate) effective_url: String,
    pub(crate) effective_method: String,
    pub(crate) content_type: String,
    /// The buffer of the last transfer's connection pool key (cleared).
    pub(crate) pool_key: String,
}

impl TransferInfo {
    /// Starts the info afresh for a new transfer (as upstream resets it),
    /// keeping the buffers of its strings in `spare`.
    pub(crate) fn recycle(&mut self, spare: &mut SpareStrings) {
        // (The strings first, then the rest reset in place: the info is
        // not moved out whole.)
        keep(&mut spare.effective_url, self.effective_url.take());
        keep(&mut spare.effective_method, self.effective_method.take());
        keep(&mut spare.content_type, self.content_type.take());
        *self = Self::default();
    }

    /// Records the request about to go out: EFFECTIVE_METHOD (its buffer
    /// kept when the method is unchanged) and SCHEME.
    pub(crate) fn note_request(&mut self, method: &str, https: bool) {
        self.scheme = Some(if https { "HTTPS" } else { "HTTP" });
        let held = self.effective_method.as_deref().map(str::as_bytes);
        if held.and_then(|h| short_eq(h, method.as_bytes())) != Some(true) {
            self.effective_method_other(method);
        }
    }

    /// [`TransferInfo::note_request`] past the short compare: a method
    /// the info may not hold. (Out of line and called last: the usual
    /// repeat then needs no call frame at all.)
    #[inline(never)]
    fn effective_method_other(&mut self, method: &str) {
        if self.effective_method.as_deref() != Some(method) {
            self.effective_method = Some(method.to_owned());
        }
    }
}

/// Keeps `s`'s buffer in `slot` when it is the bigger one. (The buffer
/// let go is freed out of line: usually there is none, the spare one
/// having been taken by the transfer, and the reset saves no registers
/// for the call.)
#[inline(always)]
fn keep(slot: &mut String, s: Option<String>) {
    let Some(s) = s else { return };
    let loser = if s.capacity() > slot.capacity() {
        std::mem::replace(slot, s)
    } else {
        s
    };
    if loser.capacity() != 0 {
        free(loser);
    }
}

/// Drops `s` (out of line, see [`keep`]).
#[inline(never)]
fn free(s: String) {
    drop(s);
}

/// `*field = Some(value)` in `field`'s own buffer or, when it has none,
/// in the spare one. (Inline: the usual cases, the same value again in
/// the field or in the spare buffer the last transfer left, are one
/// comparison and no copy.)
#[inline]
pub(crate) fn set_str(field: &mut Option<String>, spare: &mut String, value: &str) {
    let v = value.as_bytes();
    match field {
        Some(s) if short_eq(s.as_bytes(), v) == Some(true) => {}
        None if short_eq(spare.as_bytes(), v) == Some(true) => *field = Some(std::mem::take(spare)),
        _ => set_str_other(field, spare, value),
    }
}

/// [`set_str`] past the short compare: a value longer than it compares,
/// or one that differs. (Out of line and called last: the usual repeat
/// then needs no call frame at all.)
#[inline(never)]
fn set_str_other(field: &mut Option<String>, spare: &mut String, value: &str) {
    match field {
        Some(s) if s.as_str() == value => {}
        None if spare.as_str() == value => *field = Some(std::mem::take(spare)),
        _ => set_str_anew(field, spare, value),
    }
}

/// [`set_str`] with a value the field does not hold.
fn set_str_anew(field: &mut Option<String>, spare: &mut String, value: &str) {
    match field {
        Some(s) => assign_str(s, value),
        None => {
            let mut s = std::mem::take(spare);
            assign_str(&mut s, value);
            *field = Some(s);
        }
    }
}

/// `*dst = src` in `dst`'s buffer, or, when it has none (a new handle's
/// first value), in a new one of `src`'s size: one allocation without
/// the growth path an empty buffer's `push_str` takes (issue 13,
/// workload L8: about 75 instructions a string). (Inline, with the new
/// buffer out of line: the usual refill costs one test more.)
#[inline(always)]
pub(crate) fn assign_str(dst: &mut String, src: &str) {
    if dst.capacity() == 0 {
        new_str(dst, src);
    } else {
        dst.clear();
        dst.push_str(src);
    }
}

/// [`assign_str`] into a buffer-less string.
#[cold]
#[inline(never)]
fn new_str(dst: &mut String, src: &str) {
    *dst = src.to_owned();
}

/// [`set_str`] for a value still in bytes (a response header's): bytes
/// equal to the field's text or to the spare buffer's need no UTF-8 check
/// (they are a `String`'s already), so the usual repeat of the last
/// transfer's value costs one comparison; other bytes are set when they
/// are UTF-8 and otherwise leave the field as it is.
pub(crate) fn set_str_bytes(field: &mut Option<String>, spare: &mut String, value: &[u8]) {
    match field {
        Some(s) if short_eq(s.as_bytes(), value) == Some(true) => {}
        None if short_eq(spare.as_bytes(), value) == Some(true) => {
            *field = Some(std::mem::take(spare));
        }
        _ => set_str_bytes_other(field, spare, value),
    }
}

/// [`set_str_bytes`] past the short compare: bytes longer than it
/// compares, or ones that differ from both buffers, set when they are
/// UTF-8. (Out of line and called last: the usual repeat then needs no
/// call frame at all.)
#[inline(never)]
fn set_str_bytes_other(field: &mut Option<String>, spare: &mut String, value: &[u8]) {
    match field {
        Some(s) if s.as_bytes() == value => {}
        None if spare.as_bytes() == value => *field = Some(std::mem::take(spare)),
        _ => {
            if let Ok(value) = std::str::from_utf8(value) {
                set_str(field, spare, value);
            }
        }
    }
}

/// `a == b`, inline for the short texts the info holds (a method, a
/// content type, a URL up to 32 bytes): two overlapping word compares
/// instead of a `memcmp` call (issue 13); longer ones still call it.
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    short_eq(a, b).unwrap_or_else(|| a == b)
}

/// `Some(a == b)` when that is told inline ([`same_bytes`]'s words, for
/// texts of up to 32 bytes, or different lengths); `None` for longer
/// texts of one length, whose `memcmp` call is left to the caller's out
/// of line path (so that the usual short compare needs no call frame).
#[inline(always)]
fn short_eq(a: &[u8], b: &[u8]) -> Option<bool> {
    let n = a.len();
    if n != b.len() {
        return Some(false);
    }
    Some(match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => ends::<4>(a, b),
        8..=16 => ends::<8>(a, b),
        17..=32 => ends::<16>(a, b),
        _ => return None,
    })
}

/// Whether the first and the last `N` bytes of `a` and `b` (of one length,
/// at least `N` and at most `2 * N`, so together they cover it) agree.
#[inline(always)]
fn ends<const N: usize>(a: &[u8], b: &[u8]) -> bool {
    a.first_chunk::<N>() == b.first_chunk::<N>() && a.last_chunk::<N>() == b.last_chunk::<N>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field ends up holding the value's text whichever buffer it
    /// came from, and bytes that are not UTF-8 leave it alone.
    #[test]
    fn set_str_bytes_sets_the_text_or_nothing() {
        let mut spare = String::from("text/html");
        let mut field = None;
        set_str_bytes(&mut field, &mut spare, b"text/html");
        assert_eq!(field.as_deref(), Some("text/html"));
        assert!(spare.is_empty(), "the spare buffer was taken");
        set_str_bytes(&mut field, &mut spare, b"text/html");
        assert_eq!(field.as_deref(), Some("text/html"));
        set_str_bytes(&mut field, &mut spare, b"image/png");
        assert_eq!(field.as_deref(), Some("image/png"));
        set_str_bytes(&mut field, &mut spare, b"bad \xff");
        assert_eq!(field.as_deref(), Some("image/png"));
        let (mut none, mut spare) = (None, String::from("old"));
        set_str_bytes(&mut none, &mut spare, "caf\u{e9}".as_bytes());
        assert_eq!(none.as_deref(), Some("caf\u{e9}"));
        let (mut none, mut spare) = (None, String::from("old"));
        set_str_bytes(&mut none, &mut spare, b"\xc3");
        assert_eq!(none, None);
    }

    /// `set_str` and `set_str_bytes` end with the value's text whether it
    /// is short (compared inline) or long (compared out of line), in the
    /// field's buffer, the spare one (taken as it is when it holds the
    /// text already) or a new one; `note_request` likewise.
    #[test]
    fn setters_take_the_buffer_holding_the_text() {
        let long = "http://example.com/a/path/longer/than/32/bytes";
        for text in ["GET", "http://127.0.0.1:18080/1k.bin", long] {
            let mut spare = text.to_owned();
            let at = spare.as_ptr();
            let mut field = None;
            set_str(&mut field, &mut spare, text);
            assert_eq!(field.as_deref(), Some(text));
            assert_eq!(field.as_ref().map(|s| s.as_ptr()), Some(at), "{text}");
            set_str(&mut field, &mut spare, text);
            assert_eq!(field.as_ref().map(|s| s.as_ptr()), Some(at), "{text}");
            let mut spare = text.to_owned();
            let mut bytes_field = None;
            set_str_bytes(&mut bytes_field, &mut spare, text.as_bytes());
            assert_eq!(bytes_field, field);
            assert!(spare.is_empty());
            for other in ["PUT", "http://127.0.0.1:18080/2k.bin", &long[1..], ""] {
                let mut f = field.clone();
                set_str(&mut f, &mut String::from(text), other);
                assert_eq!(f.as_deref(), Some(other));
                let mut f = None;
                set_str(&mut f, &mut String::from(text), other);
                assert_eq!(f.as_deref(), Some(other));
                let mut f = None;
                set_str_bytes(&mut f, &mut String::from(text), other.as_bytes());
                assert_eq!(f.as_deref(), Some(other));
                let mut info = TransferInfo {
                    effective_method: field.clone(),
                    ..TransferInfo::default()
                };
                info.note_request(other, true);
                assert_eq!(info.effective_method.as_deref(), Some(other));
                assert_eq!(info.scheme, Some("HTTPS"));
                info.note_request(other, false);
                assert_eq!(info.effective_method.as_deref(), Some(other));
                assert_eq!(info.scheme, Some("HTTP"));
            }
        }
    }

    /// The inline compare agrees with `==` at every length up to 40,
    /// for equal bytes and for one byte changed at each position.
    #[test]
    fn same_bytes_is_slice_equality() {
        let base: Vec<u8> = (0u8..40).map(|i| b'a' + i % 26).collect();
        for n in 0..=40 {
            let a = &base[..n];
            assert!(same_bytes(a, &base[..n]), "equal at {n}");
            if n > 0 {
                assert!(!same_bytes(a, &base[..n - 1]), "shorter at {n}");
            }
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 0x20;
                assert!(!same_bytes(a, &b), "byte {i} of {n}");
            }
        }
    }

    /// Recycling keeps the bigger string buffers and resets everything.
    #[test]
    fn recycle_resets_the_info_and_keeps_buffers() {
        let mut spare = SpareStrings::default();
        let mut info = TransferInfo {
            effective_url: Some("http://example.com/a/long/path".to_owned()),
            content_type: Some("text/plain".to_owned()),
            response_code: 200,
            ..TransferInfo::default()
        };
        info.recycle(&mut spare);
        assert_eq!(info, TransferInfo::default());
        assert!(spare.effective_url.capacity() >= 30);
        assert!(spare.content_type.capacity() >= 10);
    }
}
