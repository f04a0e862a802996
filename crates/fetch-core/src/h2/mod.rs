//! Sans-IO HTTP/2 client protocol layer (RFC 9113, HPACK RFC 7541).
//!
//! Like the HTTP/1.1 codec in `http/`, this module never touches a socket
//! or a clock. The engine owns the socket; a [`Connection`] takes the bytes
//! that arrived and returns one event at a time, and it appends the bytes
//! it wants sent (preface, SETTINGS, HEADERS, DATA, acks, WINDOW_UPDATE,
//! RST_STREAM, GOAWAY) to an output buffer the engine drains.
//!
//! ```text
//!   open_stream(fields) / send_data(..) ──► output() ──► engine writes ──► written(n)
//!   bytes from peer ──► recv(&buf) ──► (consumed, NeedMore | Head | Data(range) | Trailers
//!                                        | Reset | GoAway | WindowOpened | Control)
//!   app consumed body bytes ──► release(stream, n) ──► WINDOW_UPDATE when due
//! ```
//!
//! Server push is refused in SETTINGS (a PUSH_PROMISE is then a
//! connection error) unless `Config::enable_push`; with it, a valid
//! promise becomes `Recv::Promise` and the engine accepts or resets the
//! promised stream (`conn/push.rs`).
//!
//! What it does not do: no I/O, no timers (PING timeouts and idle closes
//! are the engine's), no server side, no priorities (PRIORITY frames are
//! read and ignored, as RFC 9113 allows).
//!
//! Hostile peers are bounded by [`Limits`]: every violation ends the
//! connection with a GOAWAY carrying the matching HTTP/2 error code (or
//! resets only the offending stream where RFC 9113 calls it a stream
//! error), and the engine maps either to its transfer error codes.

#![allow(
    dead_code,
    unused_imports,
    reason = "the engine adopts the layer piece by piece (issue 15)"
)]

mod conn;
mod error;
mod flow;
mod frame;
mod headers;
pub(crate) mod hpack;
#[cfg(test)]
mod live_tests;
mod settings;
mod stream;
#[cfg(test)]
mod tests;

pub(crate) use conn::{Config, Connection, MAX_FRAME_BYTES, OpenError, Recv};
pub(crate) use error::{ConnError, Reason};
pub(crate) use headers::Header;
pub(crate) use settings::Limits;

/// The client connection preface (RFC 9113 section 3.4).
pub(crate) const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The ALPN protocol id for HTTP/2 over TLS.
pub(crate) const ALPN_H2: &[u8] = b"h2";
