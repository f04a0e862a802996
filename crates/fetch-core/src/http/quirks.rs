//! The options that change how an HTTP/1.x response head is read, for
//! the few transfers that set them: FETCHOPT_IGNORE_CONTENT_LENGTH and
//! FETCHOPT_HTTP200ALIASES (decision 93).

use super::{InfoFields, ResponseHead};

#[cfg(test)]
mod tests;

/// How a transfer's options change the reading of its HTTP/1.x response
/// heads. Held by a transfer only when something differs from the
/// default, so the plain path pays one "is it set" test per request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HeadOptions {
    /// FETCHOPT_IGNORE_CONTENT_LENGTH: a `Content-Length` line is not read
    /// at all, so a body without chunked coding ends when the peer closes
    /// (and the connection is not reused).
    pub(crate) ignore_content_length: bool,
    /// FETCHOPT_HTTP200ALIASES: a first line that is not an HTTP status
    /// line and starts with one of these (ignoring ASCII case) is read as
    /// `HTTP/1.0 200`.
    pub(crate) http200_aliases: Vec<Vec<u8>>,
}

/// The status line an aliased first line is read as.
pub(super) const ALIASED_STATUS_LINE: &[u8] = b"HTTP/1.0 200 \r\n";

impl HeadOptions {
    /// Whether the head `raw`'s first line is read as `HTTP/1.0 200`: it
    /// is not an HTTP status line (upstream's test: `HTTP/d.d dd` or
    /// `HTTP/2 d` / `HTTP/3 d`; such a line keeps its own status, or
    /// its error) and one of the aliases is a prefix of it, its line
    /// ending included, ignoring ASCII case (upstream compares as many
    /// bytes as the shorter of the two has).
    pub(super) fn aliases_first_line(&self, raw: &[u8]) -> bool {
        if self.http200_aliases.is_empty() || looks_like_status_line(raw) {
            return false;
        }
        let line = first_line(raw);
        self.http200_aliases.iter().any(|alias| {
            let n = alias.len().min(line.len());
            alias[..n].eq_ignore_ascii_case(&line[..n])
        })
    }
}

/// The first line of `raw`, its line ending included.
pub(super) fn first_line(raw: &[u8]) -> &[u8] {
    match memchr::memchr(b'\n', raw) {
        Some(at) => &raw[..=at],
        None => raw,
    }
}

/// Whether `raw` starts the way upstream's status line scan accepts:
/// `HTTP/` digit `.` digit, one space and a digit, or `HTTP/2 ` or
/// `HTTP/3 ` and a digit.
fn looks_like_status_line(raw: &[u8]) -> bool {
    let d = |i: usize| raw.get(i).is_some_and(u8::is_ascii_digit);
    raw.starts_with(b"HTTP/")
        && ((d(5) && raw.get(6) == Some(&b'.') && d(7) && raw.get(8) == Some(&b' ') && d(9))
            || (matches!(raw.get(5), Some(b'2' | b'3')) && raw.get(6) == Some(&b' ') && d(7)))
}

/// `head` (read from `ALIASED_STATUS_LINE` and the original lines) with
/// its first line put back to `line`, the one the server sent, and its
/// info ranges moved with it.
pub(super) fn restore_first_line(head: &mut ResponseHead, line: &[u8]) {
    let old = ALIASED_STATUS_LINE.len();
    head.raw.splice(..old, line.iter().copied());
    let shift = |r: &mut Option<std::ops::Range<usize>>| {
        if let Some(r) = r {
            *r = r.start - old + line.len()..r.end - old + line.len();
        }
    };
    let InfoFields {
        content_type,
        retry_after,
        last_modified,
    } = &mut head.info_fields;
    shift(content_type);
    shift(retry_after);
    shift(last_modified);
}
