//! Server push (RFC 9113 section 8.4): PUSH_PROMISE frames, read only
//! when SETTINGS_ENABLE_PUSH=1 was sent (`Config::enable_push`).
//!
//! A valid promise opens the promised stream here in "reserved (remote)"
//! state (our side already ended) and becomes [`Recv::Promise`]; the
//! engine accepts it (the stream then carries a response like any other)
//! or resets it. Promises the layer itself refuses are reset without an
//! event: for a stream we no longer track (CANCEL), malformed or unsafe
//! requests (PROTOCOL_ERROR), too large (CANCEL), or beyond `max_pushed`
//! (REFUSED_STREAM).

use super::recv::err;
use super::{Block, Connection, Recv};
use crate::h2::error::{ConnError, Reason};
use crate::h2::frame::{self, FrameHeader, flag};
use crate::h2::headers::Collector;
use crate::h2::stream::Stream;

impl Connection {
    pub(super) fn on_push_promise(
        &mut self,
        head: &FrameHeader,
        payload: &[u8],
    ) -> Result<Recv, ConnError> {
        if !self.config.enable_push {
            return Err(err(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE after SETTINGS_ENABLE_PUSH=0",
            ));
        }
        if head.stream == 0 || head.stream % 2 == 0 || self.is_idle(head.stream) {
            return Err(err(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE on stream 0, a server stream or an idle stream",
            ));
        }
        let (start, end) = frame::unpad(head, payload)?;
        if end - start < 4 {
            return Err(err(Reason::FRAME_SIZE_ERROR, "PUSH_PROMISE too short"));
        }
        let promised = frame::u31(payload, start);
        if promised == 0 || promised % 2 != 0 || promised <= self.last_promised {
            return Err(err(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE with an invalid promised stream id",
            ));
        }
        self.last_promised = promised;
        let fragment = &payload[start + 4..end];
        if fragment.len() > self.config.limits.max_header_block {
            return Err(err(Reason::ENHANCE_YOUR_CALM, "header block too large"));
        }
        let block = Block {
            stream: head.stream,
            promised: Some(promised),
            end_stream: false,
            buf: fragment.to_vec(),
            continuations: 0,
        };
        if head.has(flag::END_HEADERS) {
            return self.finish_block(block);
        }
        self.block = Some(block);
        Ok(Recv::Control)
    }

    /// A complete PUSH_PROMISE header block.
    pub(super) fn finish_promise(
        &mut self,
        block: &Block,
        promised: u32,
    ) -> Result<Recv, ConnError> {
        let mut c = Collector::request(self.config.limits.max_header_list as usize);
        // Decoded whatever happens next: HPACK state is per connection.
        self.decoder
            .decode(&block.buf, |n, v| c.field(n, v))
            .map_err(|e| ConnError::local(Reason::COMPRESSION_ERROR, e.detail()))?;
        c.finish();
        let refuse = if !self.streams.contains_key(&block.stream) {
            // The parent is gone (we reset it, or it ended).
            Some(Reason::CANCEL)
        } else if c.oversize {
            Some(Reason::CANCEL)
        } else if c.malformed.is_some() || !safe_method(&c) {
            Some(Reason::PROTOCOL_ERROR)
        } else if self.pushed_streams() >= self.config.max_pushed as usize {
            Some(Reason::REFUSED_STREAM)
        } else {
            None
        };
        if let Some(reason) = refuse {
            if self.closed.is_none() {
                frame::rst_stream(&mut self.out, promised, reason);
            }
            return Ok(Recv::Control);
        }
        let s = Stream::new(
            self.peer.initial_window_size,
            self.config.stream_window,
            true,
        );
        self.streams.insert(promised, s);
        Ok(Recv::Promise {
            stream: block.stream,
            promised,
            fields: c.fields,
        })
    }
}

/// RFC 9113 8.4: only safe, cacheable requests may be pushed (GET, HEAD).
fn safe_method(c: &Collector) -> bool {
    c.fields
        .iter()
        .find(|h| h.name == b":method")
        .is_some_and(|h| h.value == b"GET" || h.value == b"HEAD")
}
