//! Internals for the fuzz targets in `fuzz/` (feature `fuzzing`).
//!
//! **Not API.** This module exists only so the out-of-workspace fuzz crate
//! can reach the sans-IO codec and the URL handling, which are `pub(crate)`
//! everywhere else. Each item is a thin wrapper with private fields that
//! forwards to the crate-internal one unchanged; nothing here has behaviour
//! of its own except [`Dest::redirect`], which repeats the two steps the
//! engine takes on a 3xx (see its doc). It may change in any release, and
//! the feature is off unless a fuzz build asks for it.

use std::ops::Range;
use std::sync::Arc;

use crate::dest;
use crate::error::Error;
use crate::http::{self, BodyFraming, RequestParts};

/// The HTTP/1.1 response decoder (`http::ResponseDecoder`).
#[derive(Debug)]
pub struct ResponseDecoder(http::ResponseDecoder);

/// A parsed response head (`http::ResponseHead`); compares by value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head(http::ResponseHead);

/// A decoding error (`http::HttpError`); compares by value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(http::HttpError);

/// One decoder event (`http::Decoded`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// More input is needed.
    NeedMore,
    /// A complete (possibly interim) head.
    Head(Head),
    /// Body bytes: this range of the input given to `decode`.
    Body(Range<usize>),
    /// Trailer fields of a chunked body: this range of the input.
    Trailers(Range<usize>),
    /// The message is complete.
    Done {
        /// The connection may carry another request.
        reusable: bool,
    },
}

impl From<http::Decoded> for Event {
    fn from(d: http::Decoded) -> Self {
        match d {
            http::Decoded::NeedMore => Self::NeedMore,
            http::Decoded::Head(h) => Self::Head(Head(*h)),
            http::Decoded::Body(r) => Self::Body(r),
            http::Decoded::Trailers(r) => Self::Trailers(r),
            http::Decoded::Done { reusable } => Self::Done { reusable },
        }
    }
}

impl ResponseDecoder {
    /// A decoder for the response to a HEAD (`true`) or other request.
    pub fn new(head_request: bool) -> Self {
        Self(http::ResponseDecoder::new(head_request))
    }

    /// See `http::ResponseDecoder::decode` for the caller contract.
    pub fn decode(&mut self, input: &[u8]) -> Result<(usize, Event), DecodeError> {
        self.0
            .decode(input)
            .map(|(n, d)| (n, d.into()))
            .map_err(DecodeError)
    }

    /// The peer closed the connection.
    pub fn eof(&mut self) -> Result<Event, DecodeError> {
        self.0.eof().map(Event::from).map_err(DecodeError)
    }

    /// Some byte has been given to `decode`.
    pub fn started(&self) -> bool {
        self.0.started()
    }
}

impl Head {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// The head bytes, status line through the empty line.
    pub fn raw(&self) -> &[u8] {
        &self.0.raw
    }

    /// The lines a header callback gets.
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> {
        self.0.lines()
    }

    /// The framing Content-Length, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.0.content_length
    }

    /// The body is chunked.
    pub fn chunked(&self) -> bool {
        self.0.chunked
    }

    /// The trimmed `Location` value.
    pub fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
}

impl DecodeError {
    /// The transfer result code this error maps to.
    pub fn code(&self) -> crate::ErrorCode {
        self.0.code()
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The longest response head the decoder accepts.
pub const MAX_HEAD_SIZE: usize = http::MAX_HEAD_SIZE;

/// `http::encode_request`. `body`: `None` no body, `Some(Some(n))` a
/// Content-Length body, `Some(None)` chunked.
pub fn encode_request(
    method: &str,
    target: &str,
    host: &str,
    headers: &[String],
    body: Option<Option<u64>>,
) -> Vec<u8> {
    let body = match body {
        None => BodyFraming::None,
        Some(Some(n)) => BodyFraming::Length(n),
        Some(None) => BodyFraming::Chunked,
    };
    let mut out = Vec::new();
    http::encode_request(
        &RequestParts {
            method,
            target,
            host,
            headers,
            body,
            http10: false,
            h2c_settings: None,
        },
        &mut out,
    );
    out
}

/// `http::encode_chunk`.
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    http::encode_chunk(data, out);
}

/// `http::encode_last_chunk`.
pub fn encode_last_chunk(out: &mut Vec<u8>) {
    http::encode_last_chunk(out);
}

/// Where a transfer goes (`dest::Dest`).
#[derive(Debug, Clone)]
pub struct Dest(Arc<dest::Dest>);

impl Dest {
    /// `dest::Dest::parse`: an application-given URL.
    pub fn parse(raw: &str, tag: u64) -> Result<Self, Error> {
        dest::Dest::parse(raw, tag, None).map(Self)
    }

    /// The target of a redirect to `location`, by the engine's own two
    /// steps (`dest::Dest::join`, then `dest::Dest::redirect`). `None` when
    /// the join fails (no redirect is followed).
    pub fn redirect(&self, location: &str, tag: u64) -> Option<Result<Self, Error>> {
        let next = self.0.join(location)?;
        Some(dest::Dest::redirect(next, tag).map(Self))
    }

    /// The URL, serialised.
    pub fn url(&self) -> &str {
        self.0.url.as_str()
    }

    /// Lower-case host, IPv6 without brackets.
    pub fn host(&self) -> &str {
        &self.0.host
    }

    /// The port connected to.
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// The connection pool key.
    pub fn origin(&self) -> &str {
        &self.0.origin
    }

    /// The origin-form request target.
    pub fn request_target(&self) -> &str {
        &self.0.request_target
    }

    /// The Host header value.
    pub fn host_header(&self) -> &str {
        &self.0.host_header
    }

    /// Whether the URL is https.
    pub fn https(&self) -> bool {
        self.0.https
    }
}
