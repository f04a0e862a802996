//! Request encoding: the head with the application's header lines (upstream
//! HTTPHEADER semantics) and exactly one body framing, and chunk framing.

use super::BodyFraming;

/// Everything needed to write a request head.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestParts<'a> {
    /// The request method, e.g. `GET`.
    pub(crate) method: &'a str,
    /// The origin-form target, `/path?query`.
    pub(crate) target: &'a str,
    /// The value of the `Host` header, e.g. `127.0.0.1:8080`.
    pub(crate) host: &'a str,
    /// User header lines with libcurl `HTTPHEADER` semantics.
    pub(crate) headers: &'a [String],
    /// How the body that follows the head is framed.
    pub(crate) body: BodyFraming,
    /// An HTTP/1.0 request line (FETCH_HTTP_VERSION_1_0) instead of 1.1.
    pub(crate) http10: bool,
    /// The `HTTP2-Settings` value of an `Upgrade: h2c` offer
    /// (FETCH_HTTP_VERSION_2_0 on http://): the offer's three lines go
    /// after `Accept`, where upstream writes them.
    pub(crate) h2c_settings: Option<&'a str>,
}

/// One user header line, classified the way libcurl does.
enum UserHeader<'a> {
    /// `Name: value`: sent verbatim, replaces a default of the same name.
    Line { name: &'a str, line: &'a str },
    /// `Name:` with a blank value: removes the default, sends nothing.
    Remove { name: &'a str },
    /// `Name;`: sends `Name:` with an empty value.
    Empty { name: &'a str },
}

impl<'a> UserHeader<'a> {
    /// Classifies `line`; `None` for lines that are never sent.
    fn parse(line: &'a str) -> Option<Self> {
        // Header injection guard: user input never produces a line break.
        if line.contains(['\r', '\n']) {
            return None;
        }
        if let Some(colon) = line.find(':') {
            let name = &line[..colon];
            if name.is_empty() {
                return None;
            }
            return Some(if line[colon + 1..].trim().is_empty() {
                Self::Remove { name }
            } else {
                Self::Line { name, line }
            });
        }
        let semi = line.find(';')?;
        let name = &line[..semi];
        // libcurl reserves "Name; something" for future use and ignores it.
        (!name.is_empty() && line[semi + 1..].trim().is_empty()).then_some(Self::Empty { name })
    }

    /// The header name this line is about.
    fn name(&self) -> &'a str {
        match *self {
            Self::Line { name, .. } | Self::Remove { name } | Self::Empty { name } => name,
        }
    }
}

/// Appends the request head (request line, headers, blank line) to `out`.
pub(crate) fn encode_request(parts: &RequestParts<'_>, out: &mut Vec<u8>) {
    if parts.headers.is_empty() && parts.body == BodyFraming::None && parts.h2c_settings.is_none() {
        encode_plain(parts, out);
    } else {
        encode_full(parts, out);
    }
}

/// [`encode_request`] for any request.
pub(super) fn encode_full(parts: &RequestParts<'_>, out: &mut Vec<u8>) {
    let user: Vec<UserHeader<'_>> = parts
        .headers
        .iter()
        .filter_map(|line| UserHeader::parse(line))
        .collect();

    // One growth at most: the fixed parts and the lines are known. The
    // buffer stays with the connection, so it is sized to what is sent:
    // 40 bytes cover a body-less request's fixed parts (" HTTP/1.1",
    // Host, Accept, the blank line), 96 more a body's two default lines
    // (issue 13: RSS per connection).
    let lines: usize = parts.headers.iter().map(|h| h.len() + 2).sum();
    let fixed = if parts.body == BodyFraming::None {
        40
    } else {
        136
    };
    out.reserve(parts.method.len() + parts.target.len() + parts.host.len() + lines + fixed);
    out.extend_from_slice(parts.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(parts.target.as_bytes());
    out.extend_from_slice(if parts.http10 {
        b" HTTP/1.0\r\n"
    } else {
        b" HTTP/1.1\r\n"
    });

    let length;
    let mut defaults: [Option<(&str, &str)>; 4] = [
        Some(("Host", parts.host)),
        Some(("Accept", "*/*")),
        None,
        None,
    ];
    // Upstream's default type of a POST body (a user line replaces or,
    // with "Content-Type:", removes it).
    if parts.method == "POST" && parts.body != BodyFraming::None {
        defaults[3] = Some(("Content-Type", "application/x-www-form-urlencoded"));
    }
    match parts.body {
        BodyFraming::None => {}
        BodyFraming::Length(n) => {
            length = n.to_string();
            defaults[2] = Some(("Content-Length", &length));
        }
        BodyFraming::Chunked => defaults[2] = Some(("Transfer-Encoding", "chunked")),
    }
    for (i, default) in defaults.into_iter().enumerate() {
        if i == 2 {
            if let Some(settings) = parts.h2c_settings {
                push_line(out, &["Connection: Upgrade, HTTP2-Settings"]);
                push_line(out, &["Upgrade: h2c"]);
                push_line(out, &["HTTP2-Settings: ", settings]);
            }
        }
        let Some((name, value)) = default else {
            continue;
        };
        if !is_framing(name) && user.iter().any(|h| h.name().eq_ignore_ascii_case(name)) {
            continue;
        }
        push_line(out, &[name, ": ", value]);
    }
    for header in &user {
        // The engine owns the framing: a user's Content-Length or
        // Transfer-Encoding line only chose it (see `user_framing`), so the
        // head never carries two framings.
        if is_framing(header.name()) {
            continue;
        }
        match *header {
            UserHeader::Line { line, .. } => push_line(out, &[line]),
            UserHeader::Remove { .. } => {}
            UserHeader::Empty { name } => push_line(out, &[name, ":"]),
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// [`encode_request`] for a request without header lines of the
/// application's, without a body and without an h2c offer (most of them):
/// the request line, `Host` and `Accept`, written straight out.
pub(super) fn encode_plain(parts: &RequestParts<'_>, out: &mut Vec<u8>) {
    let version: &[u8] = if parts.http10 {
        b" HTTP/1.0\r\nHost: "
    } else {
        b" HTTP/1.1\r\nHost: "
    };
    let tail = b"\r\nAccept: */*\r\n\r\n";
    out.reserve(
        parts.method.len() + 1 + parts.target.len() + version.len() + parts.host.len() + tail.len(),
    );
    out.extend_from_slice(parts.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(parts.target.as_bytes());
    out.extend_from_slice(version);
    out.extend_from_slice(parts.host.as_bytes());
    out.extend_from_slice(tail);
}

/// Whether `name` is a header that frames the request body.
fn is_framing(name: &str) -> bool {
    name.eq_ignore_ascii_case("Content-Length") || name.eq_ignore_ascii_case("Transfer-Encoding")
}

/// What the application's header lines say about the body's framing:
/// whether a `Transfer-Encoding` asks for chunked, and the value of a
/// well-formed `Content-Length`.
pub(crate) fn user_framing(headers: &[String]) -> (bool, Option<u64>) {
    let (mut chunked, mut length) = (false, None);
    for h in headers.iter().filter_map(|l| UserHeader::parse(l)) {
        let UserHeader::Line { name, line } = h else {
            continue;
        };
        let value = line[name.len() + 1..].trim();
        if name.eq_ignore_ascii_case("Transfer-Encoding") {
            chunked |= value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("chunked"));
        } else if name.eq_ignore_ascii_case("Content-Length") {
            length = value.parse().ok();
        }
    }
    (chunked, length)
}

/// Appends the concatenation of `parts` and a CRLF.
fn push_line(out: &mut Vec<u8>, parts: &[&str]) {
    for part in parts {
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends one chunk in chunked transfer-coding (nothing for empty data).
pub(crate) fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    // An empty chunk would be the last-chunk marker, so it must not be sent.
    if data.is_empty() {
        return;
    }
    out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends the terminating `0\r\n\r\n`.
pub(crate) fn encode_last_chunk(out: &mut Vec<u8>) {
    out.extend_from_slice(b"0\r\n\r\n");
}
