//! [`Connection`]: the client side of one HTTP/2 connection, sans-IO.
//!
//! Sending lives here (`open_stream`, `send_data`, `reset`, `release`,
//! `close`); reading frames lives in `recv.rs`, header blocks in
//! `block.rs`.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::error::{ConnError, Reason};
use super::flow::{RecvWindow, SendWindow};
use super::frame;
use super::headers::Header;
use super::hpack;
use super::settings::{Limits, PeerSettings, id};
use super::stream::Stream;

mod block;
mod push;
mod recv;

pub(crate) use recv::MAX_FRAME_BYTES;

/// The flow-control window of a new connection and stream (RFC 9113 6.9.2).
const DEFAULT_WINDOW: u32 = 65_535;
/// The highest client stream id.
const MAX_STREAM_ID: u32 = 0x7fff_ffff;

/// What we announce and enforce (docs/decisions.md: "HTTP/2 layer").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Config {
    /// SETTINGS_INITIAL_WINDOW_SIZE: the most a stream may have in flight
    /// towards us, and so the most a paused transfer holds.
    pub(crate) stream_window: u32,
    /// The connection receive window. It is given back as data arrives,
    /// not as it is consumed: stream windows already bound what paused
    /// streams hold, so one paused stream never starves the others.
    pub(crate) conn_window: u32,
    /// Limits against hostile peers.
    pub(crate) limits: Limits,
    /// SETTINGS_ENABLE_PUSH: 1 only when the application takes pushes
    /// (FETCHMOPT_PUSHFUNCTION); otherwise a PUSH_PROMISE is a
    /// connection error.
    pub(crate) enable_push: bool,
    /// With push enabled: the most pushed streams open at once, announced
    /// as SETTINGS_MAX_CONCURRENT_STREAMS; a promise beyond it is refused
    /// (RST_STREAM(REFUSED_STREAM)).
    pub(crate) max_pushed: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            stream_window: 1024 * 1024,
            conn_window: 16 * 1024 * 1024,
            limits: Limits::default(),
            enable_push: false,
            max_pushed: 100,
        }
    }
}

/// The SETTINGS we announce for `config`.
fn our_settings(config: &Config) -> Vec<(u16, u32)> {
    let mut settings = vec![
        (id::ENABLE_PUSH, u32::from(config.enable_push)),
        (id::INITIAL_WINDOW_SIZE, config.stream_window),
        (id::MAX_HEADER_LIST_SIZE, config.limits.max_header_list),
    ];
    if config.enable_push {
        settings.push((id::MAX_CONCURRENT_STREAMS, config.max_pushed));
    }
    settings
}

/// Why a new stream cannot be opened on this connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// The connection failed or was closed.
    Closed,
    /// The peer sent GOAWAY: no new streams.
    GoingAway,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached.
    TooManyStreams,
    /// All 2^30 client stream ids are used.
    IdsExhausted,
}

/// One thing `recv` found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Recv {
    /// Not a whole frame yet: keep the bytes and call again with more.
    NeedMore,
    /// A frame handled inside the layer (SETTINGS, PING, PRIORITY, an
    /// ACK, a frame for a stream already closed, an unknown type).
    Control,
    /// A PUSH_PROMISE (push enabled only): the server will answer the
    /// request in `fields` on the new stream `promised`, tied to our
    /// `stream`. The promised stream is open here until the engine
    /// [`reset`](Connection::reset)s it (denied) or it ends.
    Promise {
        /// The stream the promise came on (the parent request).
        stream: u32,
        /// The server's new (even) stream id.
        promised: u32,
        /// The promised request's fields in order, pseudo-headers
        /// (`:method`, `:scheme`, `:authority`, `:path`) included.
        fields: Vec<Header>,
    },
    /// A response head: interim (1xx) or final.
    Head {
        /// Stream id.
        stream: u32,
        /// `:status`.
        status: u16,
        /// Regular fields in order.
        fields: Vec<Header>,
        /// The response ends here (no body).
        end_stream: bool,
    },
    /// Trailer fields; the stream has ended.
    Trailers {
        /// Stream id.
        stream: u32,
        /// Trailer fields in order.
        fields: Vec<Header>,
    },
    /// Body bytes: `data` indexes the input given to `recv`.
    Data {
        /// Stream id.
        stream: u32,
        /// Where the bytes are in the input.
        data: Range<usize>,
        /// The response ends with these bytes.
        end_stream: bool,
    },
    /// The stream is over before its end: reset by the peer (`remote`), or
    /// by us for a stream error we found (RST_STREAM already queued).
    Reset {
        /// Stream id.
        stream: u32,
        /// The error code.
        reason: Reason,
        /// Whether the peer sent the RST_STREAM.
        remote: bool,
        /// What we found, for local resets.
        detail: &'static str,
    },
    /// The peer is going away: streams above `last_stream` were not
    /// processed (and are forgotten here: they may be retried on a new
    /// connection); the others may still complete.
    GoAway {
        /// The highest stream id the peer may have processed.
        last_stream: u32,
        /// The peer's error code.
        reason: Reason,
    },
    /// Send windows grew: stream `stream`'s, or (0) the connection's or
    /// every stream's.
    WindowOpened {
        /// Stream id, or 0.
        stream: u32,
    },
}

/// A header block being received (HEADERS, then CONTINUATION frames).
#[derive(Debug)]
struct Block {
    stream: u32,
    /// For a PUSH_PROMISE block: the promised stream id.
    promised: Option<u32>,
    end_stream: bool,
    buf: Vec<u8>,
    continuations: u32,
}

/// The client side of an HTTP/2 connection.
#[derive(Debug)]
pub(crate) struct Connection {
    config: Config,
    out: Vec<u8>,
    out_pos: usize,
    peer: PeerSettings,
    peer_settings_seen: bool,
    decoder: hpack::Decoder,
    streams: FxHashMap<u32, Stream>,
    next_id: u32,
    /// The highest stream id the server promised (0: none yet).
    last_promised: u32,
    send_window: SendWindow,
    recv_window: RecvWindow,
    block: Option<Block>,
    goaway: Option<u32>,
    closed: Option<ConnError>,
    pending_acks: u32,
    empty_frames: u32,
    scratch: Vec<u8>,
}

impl Connection {
    /// A new connection; its preface, SETTINGS and connection
    /// WINDOW_UPDATE are already in the output buffer.
    pub(crate) fn new(config: Config) -> Self {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(super::PREFACE);
        frame::settings(&mut out, &our_settings(&config));
        if config.conn_window > DEFAULT_WINDOW {
            frame::window_update(&mut out, 0, config.conn_window - DEFAULT_WINDOW);
        }
        Self {
            config,
            out,
            out_pos: 0,
            peer: PeerSettings::default(),
            peer_settings_seen: false,
            decoder: hpack::Decoder::new(hpack::TABLE_SIZE),
            streams: FxHashMap::default(),
            next_id: 1,
            last_promised: 0,
            send_window: SendWindow::new(DEFAULT_WINDOW),
            recv_window: RecvWindow::new(config.conn_window.max(DEFAULT_WINDOW)),
            block: None,
            goaway: None,
            closed: None,
            pending_acks: 0,
            empty_frames: 0,
            scratch: Vec::new(),
        }
    }

    /// A connection upgraded from HTTP/1.1 (`Upgrade: h2c`, RFC 7540
    /// section 3.2): as [`new`](Self::new), plus stream 1, which carries
    /// the response to the request that asked for the upgrade and is
    /// half-closed (local) from the start; our next stream is 3.
    pub(crate) fn upgraded(config: Config) -> Self {
        let mut conn = Self::new(config);
        let s = Stream::new(conn.peer.initial_window_size, config.stream_window, true);
        conn.streams.insert(1, s);
        conn.next_id = 3;
        conn
    }

    /// The payload of the SETTINGS frame this configuration sends: the
    /// value of an upgrade request's `HTTP2-Settings` field (base64url).
    pub(crate) fn settings_payload(config: &Config) -> Vec<u8> {
        let pairs = our_settings(config);
        let mut payload = Vec::with_capacity(pairs.len() * 6);
        for (id, value) in pairs {
            payload.extend_from_slice(&id.to_be_bytes());
            payload.extend_from_slice(&value.to_be_bytes());
        }
        payload
    }

    /// Bytes waiting to be sent.
    pub(crate) fn output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// Whether anything waits to be sent (the socket needs OUT interest).
    pub(crate) fn wants_write(&self) -> bool {
        self.out_pos < self.out.len()
    }

    /// `n` bytes of [`output`](Self::output) were written to the socket.
    pub(crate) fn written(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            self.pending_acks = 0;
        } else if self.out_pos > 64 * 1024 && self.out_pos * 2 > self.out.len() {
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
    }

    /// The error that ended the connection, if one did.
    pub(crate) fn error(&self) -> Option<ConnError> {
        self.closed
    }

    /// The peer's settings as last received.
    pub(crate) fn peer_settings(&self) -> &PeerSettings {
        &self.peer
    }

    /// Streams open now (ours, not yet closed or reset).
    pub(crate) fn active_streams(&self) -> usize {
        self.streams.len()
    }

    /// Whether `stream` is still open here.
    pub(crate) fn is_open(&self, stream: u32) -> bool {
        self.streams.contains_key(&stream)
    }

    /// Whether a new stream could be opened now.
    pub(crate) fn can_open(&self) -> Result<(), OpenError> {
        if self.closed.is_some() {
            return Err(OpenError::Closed);
        }
        if self.goaway.is_some() {
            return Err(OpenError::GoingAway);
        }
        if self.next_id > MAX_STREAM_ID {
            return Err(OpenError::IdsExhausted);
        }
        let limit = usize::try_from(self.peer.max_concurrent_streams).unwrap_or(usize::MAX);
        if self.own_streams() >= limit {
            return Err(OpenError::TooManyStreams);
        }
        Ok(())
    }

    /// Opens a stream with a request head (pseudo-headers first, names in
    /// lowercase: the caller builds them). `end_stream`: no body follows.
    pub(crate) fn open_stream(
        &mut self,
        fields: &[(&[u8], &[u8])],
        end_stream: bool,
    ) -> Result<u32, OpenError> {
        self.can_open()?;
        let stream = self.next_id;
        self.next_id += 2;
        let mut block = std::mem::take(&mut self.scratch);
        block.clear();
        for (name, value) in fields {
            hpack::encode_field(name, value, &mut block);
        }
        let max_frame = self.peer.max_frame_size as usize;
        frame::headers(&mut self.out, stream, &block, end_stream, max_frame);
        self.scratch = block;
        let s = Stream::new(
            self.peer.initial_window_size,
            self.config.stream_window,
            end_stream,
        );
        self.streams.insert(stream, s);
        Ok(stream)
    }

    /// Request body bytes the windows let us send on `stream` now.
    pub(crate) fn send_capacity(&self, stream: u32) -> usize {
        match self.streams.get(&stream) {
            Some(s) if !s.local_end && self.closed.is_none() => {
                s.send.available().min(self.send_window.available())
            }
            _ => 0,
        }
    }

    /// Queues as much of `data` as the windows allow, in frames no larger
    /// than the peer accepts; returns how much was taken. With
    /// `end_stream`, the last frame ends the stream once all of `data` is
    /// taken (an empty `data` sends an empty DATA frame with END_STREAM).
    pub(crate) fn send_data(&mut self, stream: u32, data: &[u8], end_stream: bool) -> usize {
        let take = data.len().min(self.send_capacity(stream));
        let Some(s) = self.streams.get_mut(&stream) else {
            return 0;
        };
        if s.local_end || self.closed.is_some() {
            return 0;
        }
        let ends = end_stream && take == data.len();
        let max_frame = self.peer.max_frame_size as usize;
        let mut chunks = data[..take].chunks(max_frame).peekable();
        if take == 0 && ends {
            frame::data(&mut self.out, stream, &[], true);
        }
        while let Some(chunk) = chunks.next() {
            frame::data(
                &mut self.out,
                stream,
                chunk,
                ends && chunks.peek().is_none(),
            );
        }
        s.send.consume(take);
        self.send_window.consume(take);
        if ends {
            s.local_end = true;
            if s.is_closed() {
                self.streams.remove(&stream);
            }
        }
        take
    }

    /// Resets `stream` (a transfer removed or failed mid-way); the other
    /// streams are not affected.
    pub(crate) fn reset(&mut self, stream: u32, reason: Reason) {
        if self.streams.remove(&stream).is_some() && self.closed.is_none() {
            frame::rst_stream(&mut self.out, stream, reason);
        }
    }

    /// The application consumed `n` body bytes of `stream`: reopens its
    /// window with a WINDOW_UPDATE when half of it has been used. A paused
    /// transfer that does not consume keeps its window closed.
    pub(crate) fn release(&mut self, stream: u32, n: usize) {
        if self.closed.is_some() {
            return;
        }
        let Some(s) = self.streams.get_mut(&stream) else {
            return;
        };
        if s.remote_end {
            return;
        }
        if let Some(inc) = s.recv.release(n) {
            frame::window_update(&mut self.out, stream, inc);
        }
    }

    /// Queues a PING (the engine's keep-alive or liveness check).
    pub(crate) fn ping(&mut self, data: [u8; 8]) {
        if self.closed.is_none() {
            frame::ping(&mut self.out, false, data);
        }
    }

    /// Ends the connection politely: GOAWAY(NO_ERROR). No stream can be
    /// opened afterwards; the engine closes the socket once the output
    /// is written.
    pub(crate) fn close(&mut self) {
        if self.closed.is_none() {
            frame::goaway(&mut self.out, 0, Reason::NO_ERROR);
            self.closed = Some(ConnError::local(Reason::NO_ERROR, "connection closed"));
        }
    }

    /// A connection error we found: GOAWAY with its code, and the
    /// connection is unusable from now on.
    fn fail(&mut self, err: ConnError) -> ConnError {
        if self.closed.is_none() {
            frame::goaway(&mut self.out, 0, err.reason);
            self.closed = Some(err);
        }
        self.streams.clear();
        err
    }

    /// A stream error we found: RST_STREAM, and the stream is forgotten.
    fn stream_error(&mut self, stream: u32, reason: Reason, detail: &'static str) -> Recv {
        self.streams.remove(&stream);
        frame::rst_stream(&mut self.out, stream, reason);
        Recv::Reset {
            stream,
            reason,
            remote: false,
            detail,
        }
    }

    /// Whether `stream` is an id not used yet (an "idle" stream the peer
    /// must not send on): a client id we have not opened, or a server id
    /// above the last one promised.
    fn is_idle(&self, stream: u32) -> bool {
        if stream % 2 == 0 {
            stream > self.last_promised
        } else {
            stream >= self.next_id
        }
    }

    /// Streams we opened that are open now (the peer's
    /// SETTINGS_MAX_CONCURRENT_STREAMS counts only these; pushed streams
    /// count against ours).
    fn own_streams(&self) -> usize {
        if self.last_promised == 0 {
            return self.streams.len();
        }
        self.streams.keys().filter(|&&id| id % 2 == 1).count()
    }

    /// Pushed streams open now.
    fn pushed_streams(&self) -> usize {
        self.streams.len() - self.own_streams()
    }
}
