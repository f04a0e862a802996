//! Reading a complete response head: the status line and what the header
//! lines say about framing and the transfer info.
//!
//! Most heads are plain: `HTTP/1.x NNN reason`, then `Name: value` lines of
//! visible ASCII, every line ending in CRLF. [`fast`](mod@fast) reads those in one
//! pass without storing the header lines. Anything else (bare LF, obs-fold,
//! spaces before a colon, several spaces in the status line, obs-text,
//! control bytes, a malformed line) goes to httparse, which also words the
//! errors. The fast reader accepts only heads httparse accepts and reads
//! them the same way (checked by a differential test).

use super::HttpError;

mod fast;

pub(super) use fast::{fast, fast_prefix};

/// What a head says, as read by either reader.
pub(super) struct Parsed<'h> {
    /// The minor HTTP version: 0 or 1.
    pub(super) minor_version: u8,
    /// The status code (not yet checked to be at least 100).
    pub(super) status: u16,
    /// What the header lines say.
    pub(super) facts: HeadFacts<'h>,
}

/// Reads the head `raw` (status line through the final empty line).
pub(super) fn parse(raw: &[u8]) -> Result<Parsed<'_>, HttpError> {
    match fast(raw) {
        Some(parsed) => Ok(parsed),
        None => slow(raw),
    }
}

/// What a head's header lines say about framing and info, found in one pass.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct HeadFacts<'h> {
    /// `Connection: close`.
    pub(super) close: bool,
    /// `Connection: keep-alive`.
    pub(super) keep_alive: bool,
    /// The last transfer coding (RFC 9112 6.1: only it tells whether the
    /// body is chunked).
    pub(super) last_coding: Option<&'h [u8]>,
    /// A `Content-Length` line is there.
    pub(super) has_content_length: bool,
    /// The `Content-Length` every line agrees on, or the first error among
    /// them. Repeated identical values (also in a comma list) are accepted,
    /// as RFC 9110 8.6 allows.
    pub(super) content_length: Result<Option<u64>, HttpError>,
    /// The first `Location` value.
    pub(super) location: Option<&'h [u8]>,
    /// The content codings of every `Content-Encoding` line.
    pub(super) content_encoding: Vec<&'h [u8]>,
    /// The last `Content-Type`, `Retry-After` and `Last-Modified` values.
    pub(super) content_type: Option<&'h [u8]>,
    pub(super) retry_after: Option<&'h [u8]>,
    pub(super) last_modified: Option<&'h [u8]>,
}

impl<'h> HeadFacts<'h> {
    pub(super) fn new() -> Self {
        Self {
            close: false,
            keep_alive: false,
            last_coding: None,
            has_content_length: false,
            content_length: Ok(None),
            location: None,
            content_encoding: Vec::new(),
            content_type: None,
            retry_after: None,
            last_modified: None,
        }
    }

    /// Notes one header line (`value` may carry surrounding whitespace).
    fn add(&mut self, name: &[u8], value: &'h [u8]) {
        self.note(Field::of(name), value);
    }

    /// Notes the value of a header line whose name is `field`. The common
    /// cases only; the token lists and unusual values are worked out out
    /// of line, so this stays small enough to inline.
    #[inline(always)]
    pub(super) fn note(&mut self, field: Field, value: &'h [u8]) {
        match field {
            Field::Location if self.location.is_none() => self.location = Some(value),
            Field::Connection => {
                // The usual single token first, without splitting.
                if is_keep_alive(value) {
                    self.keep_alive = true;
                } else {
                    self.connection(value);
                }
            }
            Field::RetryAfter => self.retry_after = Some(value),
            Field::ContentType => self.content_type = Some(value),
            Field::LastModified => self.last_modified = Some(value),
            Field::ContentLength => {
                self.has_content_length = true;
                match self.content_length {
                    // The usual single plain number (under 20 digits, so
                    // it fits), without splitting.
                    Ok(None) => match plain_number(value) {
                        Some(n) => self.content_length = Ok(Some(n)),
                        None => self.content_length_list(value),
                    },
                    Ok(_) => self.content_length_list(value),
                    Err(_) => {}
                }
            }
            Field::ContentEncoding => self.content_encoding(value),
            Field::TransferEncoding => self.transfer_encoding(value),
            Field::Location | Field::Other => {}
        }
    }

    /// A `Connection` value other than a lone `keep-alive`.
    #[inline(never)]
    fn connection(&mut self, value: &[u8]) {
        for token in tokens(value) {
            self.close |= token.eq_ignore_ascii_case(b"close");
            self.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
        }
    }

    /// A second `Content-Length` line, or one that is not a plain number.
    #[inline(never)]
    fn content_length_list(&mut self, value: &[u8]) {
        self.content_length = add_content_length(self.content_length.clone(), value);
    }

    /// A `Content-Encoding` line: its codings are added.
    #[inline(never)]
    fn content_encoding(&mut self, value: &'h [u8]) {
        self.content_encoding.extend(tokens(value));
    }

    /// A `Transfer-Encoding` line: its last coding is the last so far.
    #[inline(never)]
    fn transfer_encoding(&mut self, value: &'h [u8]) {
        if let Some(t) = tokens(value).last() {
            self.last_coding = Some(t);
        }
    }
}

/// The header names whose values [`HeadFacts`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// Any other name: the line says nothing the facts keep.
    Other,
    Location,
    Connection,
    RetryAfter,
    ContentType,
    LastModified,
    ContentLength,
    ContentEncoding,
    TransferEncoding,
}

impl Field {
    /// Which field the header name `name` (tchar bytes) is, ignoring case.
    /// The length picks the one name worth comparing.
    pub(super) fn of(name: &[u8]) -> Self {
        match name.len() {
            8 if is_name(name, b"location") => Self::Location,
            10 if is_name(name, b"connection") => Self::Connection,
            11 if is_name(name, b"retry-after") => Self::RetryAfter,
            12 if is_name(name, b"content-type") => Self::ContentType,
            13 if is_name(name, b"last-modified") => Self::LastModified,
            14 if is_name(name, b"content-length") => Self::ContentLength,
            16 if is_name(name, b"content-encoding") => Self::ContentEncoding,
            17 if is_name(name, b"transfer-encoding") => Self::TransferEncoding,
            _ => Self::Other,
        }
    }
}

/// Whether header name `name` (tchar bytes only) is `lower` (lower-case
/// letters and `-`, at least 8 bytes), ignoring case. Setting bit 5
/// lower-cases a letter, keeps `-`, and turns no other tchar into a letter
/// or `-`; the first and last eight bytes (overlapping) cover the name.
fn is_name(name: &[u8], lower: &[u8]) -> bool {
    const CASE: u64 = 0x2020_2020_2020_2020;
    let n = lower.len();
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|w| w.try_into().ok())
            .map(|w| u64::from_le_bytes(w) | CASE)
    };
    name.len() == n && n >= 8 && word(name, 0) == word(lower, 0) && {
        word(name, n - 8) == word(lower, n - 8)
    }
}

/// Whether `value` is `keep-alive`, ignoring ASCII case, compared as a
/// word and a pair: setting bit 5 folds a letter to lower case and makes
/// nothing else one of these lower-case letters; the `-` is compared as is.
#[inline(always)]
fn is_keep_alive(value: &[u8]) -> bool {
    const FOLD: u64 = 0x2020_2020_2020_2020 & !(0xff << 32);
    const KEEP_ALI: u64 = u64::from_le_bytes(*b"keep-ali");
    match value {
        [a, b, c, d, e, f, g, h, i, j] => {
            let w = u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]);
            w | FOLD == KEEP_ALI && *i | 0x20 == b'v' && *j | 0x20 == b'e'
        }
        _ => false,
    }
}

/// `value` as a number when it is 1 to 19 digits and nothing else (so it
/// fits), in one pass.
#[inline(always)]
fn plain_number(value: &[u8]) -> Option<u64> {
    if !(1..20).contains(&value.len()) {
        return None;
    }
    let mut n = 0u64;
    for &b in value {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    Some(n)
}

/// `found` updated with one `Content-Length` line's value (a comma list).
fn add_content_length(
    mut found: Result<Option<u64>, HttpError>,
    value: &[u8],
) -> Result<Option<u64>, HttpError> {
    for part in value.split(|&b| b == b',') {
        let part = trim_ows(part);
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(HttpError::BadContentLength);
        }
        let n = part.iter().try_fold(0u64, |acc, &d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        let n = n.ok_or(HttpError::BadContentLength)?;
        match found {
            Ok(Some(prev)) if prev != n => return Err(HttpError::ConflictingContentLength),
            _ => found = Ok(Some(n)),
        }
    }
    found
}

/// Byte classes for the fast reader: bit 1 a header name byte (RFC 9110
/// tchar), bit 2 a value or reason byte it takes (HTAB, SP and visible
/// ASCII; no obs-text, no controls).
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let tchar = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        let text = c == b'\t' || (c >= b' ' && c <= b'~');
        t[b] = (tchar as u8) | ((text as u8) << 1);
        b += 1;
    }
    t
};

const TCHAR: u8 = 1;
const TEXT: u8 = 2;

/// The length of the run of header name bytes at the start of `s`.
fn name_run(s: &[u8]) -> usize {
    s.iter()
        .position(|&b| CLASS[usize::from(b)] & TCHAR == 0)
        .unwrap_or(s.len())
}

/// Reads any head httparse takes (with the lenient options upstream's
/// reader matches) and words its refusals.
pub(super) fn slow(raw: &[u8]) -> Result<Parsed<'_>, HttpError> {
    let mut config = httparse::ParserConfig::default();
    config
        .allow_spaces_after_header_name_in_responses(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .allow_obsolete_multiline_headers_in_responses(true);
    // One slot per line: httparse never runs out of them.
    let mut slots = vec![httparse::EMPTY_HEADER; memchr::memchr_iter(b'\n', raw).count()];
    let mut response = httparse::Response::new(&mut slots);
    match config.parse_response(&mut response, raw) {
        Ok(httparse::Status::Complete(n)) if n == raw.len() => {}
        Ok(_) => {
            return Err(HttpError::MalformedHead(
                "Weird server reply: head does not end where expected",
            ));
        }
        Err(err) => return Err(HttpError::MalformedHead(httparse_reason(err, raw))),
    }
    let (Some(minor_version), Some(status)) = (response.version, response.code) else {
        return Err(HttpError::MalformedHead(
            "Weird server reply: missing status line",
        ));
    };
    let mut facts = HeadFacts::new();
    for h in response.headers.iter() {
        facts.add(h.name.as_bytes(), h.value);
    }
    Ok(Parsed {
        minor_version,
        status,
        facts,
    })
}

/// The non-empty elements of a comma-separated header value, trimmed.
fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|t| !t.is_empty())
}

/// `value` without surrounding whitespace (obs-fold line breaks included).
pub(super) fn trim_ows(value: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    // Most values have nothing to trim: two byte tests say so.
    if let [first, .., last] = value {
        if !is_ows(first) && !is_ows(last) {
            return value;
        }
    }
    let start = value.iter().position(|b| !is_ows(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |e| e + 1);
    &value[start..end]
}

/// Why httparse refused `raw`, in upstream's words where upstream refuses
/// the same thing.
fn httparse_reason(err: httparse::Error, raw: &[u8]) -> &'static str {
    let mut fields = raw.split(|&b| b == b'\n').skip(1);
    match err {
        httparse::Error::Version if !raw.starts_with(b"HTTP/") => {
            "Received HTTP/0.9 when not allowed"
        }
        httparse::Error::Version => "Unsupported HTTP version in response",
        httparse::Error::Status => "Unsupported response code in HTTP response",
        httparse::Error::HeaderName | httparse::Error::HeaderValue if raw.contains(&0) => {
            "Nul byte in header"
        }
        httparse::Error::HeaderName
            if fields.any(|l| !l.trim_ascii().is_empty() && !l.contains(&b':')) =>
        {
            "Header without colon"
        }
        httparse::Error::HeaderName => "Weird server reply: invalid header name",
        httparse::Error::HeaderValue => "Weird server reply: invalid header value",
        httparse::Error::NewLine => "Weird server reply: invalid line ending",
        httparse::Error::Token => "Weird server reply: invalid token",
        httparse::Error::TooManyHeaders => "Weird server reply: too many headers",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a reader made of a head, with values trimmed (the consumers
    /// trim, so where a reader cut a value's whitespace does not matter).
    fn seen(p: &Parsed<'_>) -> String {
        let t = |v: Option<&[u8]>| v.map(|v| String::from_utf8_lossy(trim_ows(v)).into_owned());
        let f = &p.facts;
        format!(
            "{} {} close={} ka={} te={:?} cl={}/{:?} loc={:?} ce={:?} ct={:?} ra={:?} lm={:?}",
            p.minor_version,
            p.status,
            f.close,
            f.keep_alive,
            t(f.last_coding),
            f.has_content_length,
            f.content_length,
            t(f.location),
            f.content_encoding,
            t(f.content_type),
            t(f.retry_after),
            t(f.last_modified),
        )
    }

    /// Calls `check` on every head of [`PLAIN`] and on each of its
    /// mutations: one byte removed, replaced or preceded by an awkward one.
    fn each_mutation(check: &mut impl FnMut(&[u8])) {
        let awkward = b"\0\t\n\r :;,\x7f\x80\xffAz0\"(";
        for raw in PLAIN {
            check(raw);
            for at in 0..raw.len() {
                let mut cut = raw.to_vec();
                cut.remove(at);
                check(&cut);
                for &b in awkward {
                    let mut m = raw.to_vec();
                    m[at] = b;
                    check(&m);
                    m.insert(at, b);
                    check(&m);
                }
            }
        }
    }

    /// Heads the fast reader must take, and their mutations.
    const PLAIN: &[&[u8]] = &[
        b"HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Mon, 30 Nov 2026 02:00:00 GMT\r\nContent-Type: application/octet-stream\r\nContent-Length: 1024\r\nLast-Modified: Sun, 29 Nov 2026 10:00:00 GMT\r\nConnection: keep-alive\r\nETag: \"1-2\"\r\nAccept-Ranges: bytes\r\n\r\n",
        b"HTTP/1.0 302 Found\r\nLocation:  /next \r\nContent-Length: 2, 2\r\ncontent-length: 2\r\nRetry-After: 5\r\n\r\n",
        b"HTTP/1.1 204\r\nTransfer-Encoding: gzip, chunked\r\nContent-Encoding: br,\tgzip\r\nConnection: close\r\nX-Empty:\r\nX:\t \r\n\r\n",
        b"HTTP/1.1 100 \r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    ];

    /// Where the table of common names finds a name, the byte scan finds
    /// the same one, the value starts where the scan's reader starts it
    /// (after the colon and one space) and the field it says is the one
    /// the name comparison finds: for each table name as is, cut short,
    /// with a byte changed and with other cases, before a value or a
    /// line's end.
    #[test]
    fn known_names_end_where_the_scan_ends() {
        const NAMES: &[&str] = &[
            "Content-Type",
            "Content-Length",
            "Content-Encoding",
            "Connection",
            "Last-Modified",
            "Accept-Ranges",
            "Cache-Control",
            "Transfer-Encoding",
            "Location",
            "Keep-Alive",
            "Set-Cookie",
            "Expires",
            "Date",
            "Server",
            "ETag",
            "Vary",
        ];
        let mut found = 0;
        for name in NAMES {
            let mut variants = vec![name.to_string(), name.to_lowercase(), name.to_uppercase()];
            for at in 0..name.len() {
                for b in [b'x', b' ', b':', b'\t', 0x80] {
                    let mut v = name.as_bytes().to_vec();
                    v[at] = b;
                    variants.push(String::from_utf8_lossy(&v).into_owned());
                }
                variants.push(name[..at].to_string());
            }
            for v in variants {
                for after in [
                    ": v\r\n", ":\r\n", ":v\r\n", ":  v\r\n", ":\tv\r\n", ": ", ":", "x: v\r\n",
                    " : v\r\n", "", ";",
                ] {
                    let line = format!("{v}{after}");
                    if let Some(known) = fast::known_name(line.as_bytes()) {
                        let n = name_run(line.as_bytes());
                        assert_eq!(known.0, n + 2, "{line:?}");
                        assert_eq!(&line.as_bytes()[n..n + 2], b": ", "{line:?}");
                        assert_eq!(known.1, Field::of(&line.as_bytes()[..n]), "{line:?}");
                        assert_eq!(Some(known), fast::other_name(line.as_bytes()));
                        found += 1;
                    }
                }
            }
            let line = format!("{name}: value\r\n");
            let known = fast::known_name(line.as_bytes()).map(|(n, _)| n);
            assert_eq!(known, Some(name.len() + 2), "{line:?}");
        }
        assert!(found > NAMES.len(), "{found}");
    }

    /// The word compare says what a byte-wise case-insensitive compare
    /// says: for `keep-alive` in every case pattern, and with each byte
    /// replaced by every byte value, cut short or made longer.
    #[test]
    fn keep_alive_compares_as_eq_ignore_ascii_case() {
        let word = b"keep-alive";
        let mut checked = 0;
        let mut check = |v: &[u8]| {
            assert_eq!(is_keep_alive(v), v.eq_ignore_ascii_case(word), "{v:?}");
            checked += 1;
        };
        for pattern in 0..1u32 << word.len() {
            let v: Vec<u8> = (0..word.len())
                .map(|i| match pattern >> i & 1 {
                    1 => word[i].to_ascii_uppercase(),
                    _ => word[i],
                })
                .collect();
            check(&v);
        }
        for at in 0..word.len() {
            for b in 0..=255u8 {
                let mut v = word.to_vec();
                v[at] = b;
                check(&v);
            }
            check(&word[..at]);
        }
        check(b"keep-alive ");
        check(b"keep-alivee");
        assert!(checked > 2560, "{checked}");
    }

    #[test]
    fn the_fast_reader_takes_plain_heads() {
        for raw in PLAIN {
            assert!(fast(raw).is_some(), "{}", String::from_utf8_lossy(raw));
        }
    }

    /// Every head the fast reader takes, httparse takes and reads the
    /// same way: the plain heads with each byte replaced by each of a set
    /// of awkward bytes, and with each byte removed.
    #[test]
    fn the_fast_reader_agrees_with_httparse() {
        let mut checked = 0;
        let mut check = |raw: &[u8]| {
            if let Some(quick) = fast(raw) {
                let full = slow(raw).unwrap_or_else(|e| {
                    panic!("httparse refused {:?}: {e}", String::from_utf8_lossy(raw))
                });
                assert_eq!(
                    seen(&quick),
                    seen(&full),
                    "{:?}",
                    String::from_utf8_lossy(raw)
                );
                checked += 1;
            }
        };
        each_mutation(&mut check);
        assert!(checked > 1000, "{checked}");
    }

    /// The fast reader on a head with more bytes after it ends where the
    /// decoder's search for the first empty line does, and reads that
    /// head as `fast` reads it alone; on a cut-short head it says `None`.
    #[test]
    fn the_fast_reader_finds_the_end_of_a_head_in_a_longer_buffer() {
        let mut checked = 0;
        let mut check = |head: &[u8]| {
            for tail in [
                &b""[..],
                b"\r\n",
                b"\n",
                b"body\r\n\r\nmore",
                b"HTTP/1.1 200 OK\r\n\r\n",
            ] {
                let buf = [head, tail].concat();
                let mut facts = HeadFacts::new();
                let Some((end, minor_version, status)) = fast_prefix(&buf, &mut facts) else {
                    continue;
                };
                let quick = Parsed {
                    minor_version,
                    status,
                    facts,
                };
                let mut scan = 0;
                assert_eq!(
                    crate::http::response::find_empty_line(&buf, &mut scan),
                    Some(end),
                    "{:?}",
                    String::from_utf8_lossy(&buf)
                );
                let alone = fast(&buf[..end]).expect("the same head alone");
                assert_eq!(seen(&quick), seen(&alone));
                for cut in 0..end {
                    assert!(fast_prefix(&buf[..cut], &mut HeadFacts::new()).is_none());
                }
                checked += 1;
            }
        };
        each_mutation(&mut check);
        assert!(checked > 1000, "{checked}");
    }
}
