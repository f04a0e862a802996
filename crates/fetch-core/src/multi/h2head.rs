//! An HTTP/2 response head in the form the HTTP/1.1 path reads heads
//! in ([`ResponseHead`]): a status line `HTTP/2 200 ` as upstream writes
//! it, one `name: value` line per field, a blank line, and the framing
//! pass's findings (Content-Length, Location, Content-Encoding and where
//! the info fields sit). With it the HTTP/2 heads go through the same
//! steps as HTTP/1.1 ones: cookies, HSTS, the info fields, the header API,
//! authentication, redirects and the final-head checks.

use std::ops::Range;

use crate::h2::Header;
use crate::http::{InfoFields, ResponseHead};

/// `HTTP/2 {status} ` and the fields, as one head.
pub(super) fn response_head(status: u16, fields: &[Header]) -> ResponseHead {
    let size = fields
        .iter()
        .map(|h| h.name.len() + h.value.len() + 4)
        .sum::<usize>();
    let mut raw = Vec::with_capacity(size + 16);
    raw.extend_from_slice(b"HTTP/2 ");
    raw.extend_from_slice(status.to_string().as_bytes());
    raw.extend_from_slice(b" \r\n");
    let mut head = ResponseHead {
        status,
        // Read as "1.1" by the HTTP/1.1 steps; INFO_HTTP_VERSION is set to
        // 2 by the caller.
        minor_version: 1,
        raw: Vec::new(),
        content_length: None,
        chunked: false,
        close: false,
        location: None,
        content_encoding: Vec::new(),
        info_fields: InfoFields::default(),
    };
    for h in fields {
        raw.extend_from_slice(&h.name);
        raw.extend_from_slice(b": ");
        let at = raw.len();
        raw.extend_from_slice(&h.value);
        let value = trimmed(&raw, at..raw.len());
        raw.extend_from_slice(b"\r\n");
        note_field(&mut head, &h.name, &raw, value);
    }
    raw.extend_from_slice(b"\r\n");
    head.raw = raw;
    head
}

/// What the framing pass of an HTTP/1.1 head would note about one field
/// (HTTP/2 field names are lowercase on the wire).
fn note_field(head: &mut ResponseHead, name: &[u8], raw: &[u8], value: Range<usize>) {
    let text = || std::str::from_utf8(&raw[value.clone()]).ok();
    match name {
        b"content-length" => head.content_length = text().and_then(|v| v.parse().ok()),
        b"location" => head.location = text().map(str::to_owned),
        b"content-encoding" => head.content_encoding.extend(
            text()
                .unwrap_or_default()
                .split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .filter(|c| !c.is_empty()),
        ),
        b"content-type" => head.info_fields.content_type = Some(value),
        b"retry-after" => head.info_fields.retry_after = Some(value),
        b"last-modified" => head.info_fields.last_modified = Some(value),
        _ => {}
    }
}

/// `range` of `raw` without surrounding spaces and tabs.
fn trimmed(raw: &[u8], range: Range<usize>) -> Range<usize> {
    let ws = |b: &u8| matches!(b, b' ' | b'\t');
    let bytes = &raw[range.clone()];
    let start = bytes.iter().take_while(|b| ws(b)).count();
    let end = bytes.len() - bytes[start..].iter().rev().take_while(|b| ws(b)).count();
    range.start + start..range.start + end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str, value: &str) -> Header {
        Header {
            name: name.as_bytes().to_vec(),
            value: value.as_bytes().to_vec(),
        }
    }

    #[test]
    fn head_lines_and_fields_as_http11_framing_finds_them() {
        let head = response_head(
            301,
            &[
                h("content-type", " text/html "),
                h("content-length", "12"),
                h("location", "/next"),
                h("content-encoding", "gzip, br"),
                h("retry-after", "120"),
                h("last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
                h("content-type", "text/plain"),
            ],
        );
        let lines: Vec<&[u8]> = head.lines().collect();
        assert_eq!(lines[0], b"HTTP/2 301 \r\n");
        assert_eq!(lines[1], b"content-type:  text/html \r\n");
        assert_eq!(lines.last().copied(), Some(&b"\r\n"[..]));
        assert_eq!(head.status, 301);
        assert_eq!(head.content_length, Some(12));
        assert_eq!(head.location.as_deref(), Some("/next"));
        assert_eq!(head.content_encoding, ["gzip", "br"]);
        // The last Content-Type wins, as over HTTP/1.1.
        assert_eq!(
            head.info_field(&head.info_fields.content_type),
            Some("text/plain")
        );
        assert_eq!(head.info_field(&head.info_fields.retry_after), Some("120"));
        assert_eq!(
            head.info_field(&head.info_fields.last_modified),
            Some("Wed, 21 Oct 2015 07:28:00 GMT")
        );
    }
}
