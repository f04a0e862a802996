//! Sans-IO HTTP/1.1 client codec: request heads out, response events in.
//!
//! This module never touches a socket or a clock. [`encode_request`] and the
//! chunk encoders append bytes to a buffer the caller sends;
//! [`ResponseDecoder::decode`] takes whatever bytes arrived and returns one
//! event at a time: a head, a zero-copy body range, or the end of the message.
//!
//! ```text
//!   bytes from peer ──► decode(&buf) ──► (consumed, NeedMore | Head | Body(range) | Done)
//!   peer closed     ──► eof()        ──► Done { reusable: false } | error
//! ```
//!
//! Body framing follows RFC 9112 section 6.3; user header lines follow
//! libcurl's `CURLOPT_HTTPHEADER` rules.

use std::fmt;
use std::ops::Range;

use crate::error::ErrorCode;

pub(crate) mod date;
mod head;
mod quirks;
mod request;
mod response;
#[cfg(test)]
mod tests;

pub(crate) use quirks::HeadOptions;
pub(crate) use request::{
    RequestParts, encode_chunk, encode_last_chunk, encode_request, user_framing,
};
pub(crate) use response::ResponseDecoder;

/// Total response head bytes allowed, interim (1xx) heads included.
pub(crate) const MAX_HEAD_SIZE: usize = 100 * 1024;

/// How the request body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// No request body; no framing header is sent.
    None,
    /// A body of exactly this many bytes, announced with `Content-Length`.
    Length(u64),
    /// A body of unknown length, sent with `Transfer-Encoding: chunked`.
    Chunked,
}

/// A complete response head, parsed. (The default, an empty head with
/// status 0, is only a place to fill in.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ResponseHead {
    /// The status code, 100..=999.
    pub(crate) status: u16,
    /// The minor HTTP version: 0 or 1.
    pub(crate) minor_version: u8,
    /// The head bytes, status line through the final empty line.
    pub(crate) raw: Vec<u8>,
    /// The `Content-Length` value, if present, valid and not overridden by
    /// `Transfer-Encoding`.
    pub(crate) content_length: Option<u64>,
    /// The last transfer coding is `chunked` (the body, if any, is chunked).
    pub(crate) chunked: bool,
    /// `Connection: close`, or HTTP/1.0 without `Connection: keep-alive`.
    pub(crate) close: bool,
    /// The `Location` header value, trimmed.
    pub(crate) location: Option<String>,
    /// The content codings of every `Content-Encoding` line, in the order
    /// they were applied.
    pub(crate) content_encoding: Vec<String>,
    /// Where the last `Content-Type`, `Retry-After` and `Last-Modified`
    /// values sit in `raw` (trimmed), found in the framing pass so the info
    /// never parses the head again.
    pub(crate) info_fields: InfoFields,
}

/// Byte ranges into a head's `raw` of the fields the transfer info reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct InfoFields {
    /// The last `Content-Type` value.
    pub(crate) content_type: Option<Range<usize>>,
    /// The last `Retry-After` value.
    pub(crate) retry_after: Option<Range<usize>>,
    /// The last `Last-Modified` value.
    pub(crate) last_modified: Option<Range<usize>>,
}

impl ResponseHead {
    /// The text of one of [`InfoFields`]' ranges (`None` when absent or not
    /// UTF-8).
    pub(crate) fn info_field(&self, range: &Option<Range<usize>>) -> Option<&str> {
        std::str::from_utf8(self.info_bytes(range)?).ok()
    }

    /// The bytes of one of [`InfoFields`]' ranges (`None` when absent).
    pub(crate) fn info_bytes(&self, range: &Option<Range<usize>>) -> Option<&[u8]> {
        self.raw.get(range.clone()?)
    }

    /// Each header line as delivered to a header callback: the status line
    /// first, each header line including its line ending, and the final empty
    /// line last.
    pub(crate) fn lines(&self) -> impl Iterator<Item = &[u8]> + Clone {
        self.raw.split_inclusive(|&b| b == b'\n')
    }
}

/// One event from [`ResponseDecoder::decode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// More input is needed before anything else can be decoded.
    NeedMore,
    /// A complete head. Interim 1xx heads (except 101) come out too, and the
    /// decoder then expects the next head. Boxed: every `decode` result
    /// is moved a few times, and most are not heads.
    Head(Box<ResponseHead>),
    /// Body bytes: `input[range]` of the slice given to this `decode` call.
    Body(Range<usize>),
    /// The trailer fields of a chunked body, `input[range]`: whole lines,
    /// each with its line ending, without the final empty line. Only when
    /// there is at least one.
    Trailers(Range<usize>),
    /// The message is complete.
    Done {
        /// The connection may carry another request.
        reusable: bool,
    },
}

/// Why a response could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HttpError {
    /// The status line or a header line is not valid HTTP/1.x.
    MalformedHead(&'static str),
    /// The head grew past [`MAX_HEAD_SIZE`] without ending.
    HeadTooLarge,
    /// A `Content-Length` value is not a decimal number that fits in u64.
    BadContentLength,
    /// Several `Content-Length` values disagree.
    ConflictingContentLength,
    /// A chunk-size line does not start with a valid hex size, or it overflows.
    BadChunkSize,
    /// A chunk-size line is longer than we are willing to buffer.
    ChunkLineTooLong,
    /// Chunk data is not followed by a line ending.
    MissingChunkCrlf,
    /// The trailer section grew past [`MAX_HEAD_SIZE`] without ending.
    TrailersTooLarge,
    /// The peer closed the connection before sending a single byte.
    GotNothing,
    /// The peer closed the connection in the middle of a head.
    PartialHead,
    /// The peer closed the connection before the body was complete.
    PartialBody {
        /// Bytes still expected, when a `Content-Length` says so.
        remaining: Option<u64>,
    },
}

impl HttpError {
    /// The transfer result code this error maps to.
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            Self::MalformedHead(_) | Self::BadContentLength | Self::ConflictingContentLength => {
                ErrorCode::WeirdServerReply
            }
            Self::HeadTooLarge | Self::TrailersTooLarge => ErrorCode::TooLarge,
            Self::BadChunkSize
            | Self::ChunkLineTooLong
            | Self::MissingChunkCrlf
            | Self::PartialHead => ErrorCode::RecvError,
            Self::GotNothing => ErrorCode::GotNothing,
            Self::PartialBody { .. } => ErrorCode::PartialFile,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedHead(what) => f.write_str(what),
            Self::HeadTooLarge => write!(f, "response head larger than {MAX_HEAD_SIZE} bytes"),
            Self::BadContentLength => f.write_str("Invalid Content-Length: value"),
            Self::ConflictingContentLength => f.write_str("conflicting Content-Length values"),
            Self::BadChunkSize => {
                f.write_str("Illegal or missing hexadecimal sequence in chunked-encoding")
            }
            Self::ChunkLineTooLong => f.write_str("chunk-size line too long"),
            Self::MissingChunkCrlf => f.write_str("missing CRLF after chunk data"),
            Self::TrailersTooLarge => write!(f, "trailers larger than {MAX_HEAD_SIZE} bytes"),
            Self::GotNothing => f.write_str("Empty reply from server"),
            Self::PartialHead => {
                f.write_str("connection closed in the middle of the response head")
            }
            Self::PartialBody { remaining: Some(n) } => {
                write!(f, "transfer closed with {n} bytes remaining to read")
            }
            Self::PartialBody { remaining: None } => {
                f.write_str("transfer closed with outstanding read data remaining")
            }
        }
    }
}

impl std::error::Error for HttpError {}
