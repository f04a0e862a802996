//! Reading frames: one complete frame per `recv` call, checked against
//! RFC 9113 section 6 and the limits, turned into at most one event.

use super::{Block, Connection, Recv};
use crate::h2::error::{ConnError, Reason};
use crate::h2::frame::{self, FrameHeader, HEADER_LEN, flag, kind};

/// Largest frame we accept (we never raise SETTINGS_MAX_FRAME_SIZE): the
/// most a caller ever buffers for an incomplete frame.
pub(crate) const MAX_FRAME_BYTES: usize = HEADER_LEN + frame::DEFAULT_MAX_FRAME as usize;

pub(super) fn err(reason: Reason, detail: &'static str) -> ConnError {
    ConnError::local(reason, detail)
}

impl Connection {
    /// Reads at most one frame from the front of `input`. Returns the
    /// bytes consumed (0 with [`Recv::NeedMore`]) and what the frame
    /// meant. An error ends the connection (a GOAWAY is queued).
    pub(crate) fn recv(&mut self, input: &[u8]) -> Result<(usize, Recv), ConnError> {
        if let Some(e) = self.closed {
            return Err(e);
        }
        let Some(head) = FrameHeader::parse(input) else {
            return Ok((0, Recv::NeedMore));
        };
        if head.len > frame::DEFAULT_MAX_FRAME as usize {
            return Err(self.fail(err(
                Reason::FRAME_SIZE_ERROR,
                "frame larger than SETTINGS_MAX_FRAME_SIZE",
            )));
        }
        let total = HEADER_LEN + head.len;
        let Some(payload) = input.get(HEADER_LEN..total) else {
            return Ok((0, Recv::NeedMore));
        };
        match self.frame(&head, payload) {
            Ok(ev) => {
                let ev = match ev {
                    Recv::Data {
                        stream,
                        data,
                        end_stream,
                    } => Recv::Data {
                        stream,
                        data: data.start + HEADER_LEN..data.end + HEADER_LEN,
                        end_stream,
                    },
                    other => other,
                };
                Ok((total, ev))
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn frame(&mut self, head: &FrameHeader, payload: &[u8]) -> Result<Recv, ConnError> {
        if !self.peer_settings_seen && (head.kind != kind::SETTINGS || head.has(flag::ACK)) {
            return Err(err(
                Reason::PROTOCOL_ERROR,
                "server preface is not SETTINGS",
            ));
        }
        if let Some(block) = &self.block {
            if head.kind != kind::CONTINUATION || head.stream != block.stream {
                return Err(err(Reason::PROTOCOL_ERROR, "frame inside a header block"));
            }
        }
        let carries_nothing = match head.kind {
            kind::DATA => payload.is_empty() && !head.has(flag::END_STREAM),
            kind::CONTINUATION => payload.is_empty() && !head.has(flag::END_HEADERS),
            kind::PRIORITY => true,
            kind::HEADERS | kind::RST_STREAM | kind::SETTINGS | kind::PUSH_PROMISE => false,
            kind::PING | kind::GOAWAY | kind::WINDOW_UPDATE => false,
            _ => true,
        };
        if carries_nothing {
            self.empty_frames += 1;
            if self.empty_frames > self.config.limits.max_empty_frames {
                return Err(err(
                    Reason::ENHANCE_YOUR_CALM,
                    "flood of frames that carry nothing",
                ));
            }
        } else {
            self.empty_frames = 0;
        }
        match head.kind {
            kind::DATA => self.on_data(head, payload),
            kind::HEADERS => self.on_headers(head, payload),
            kind::CONTINUATION => self.on_continuation(head, payload),
            kind::PRIORITY => {
                check_stream_frame(head, 5)?;
                Ok(Recv::Control)
            }
            kind::RST_STREAM => self.on_rst_stream(head, payload),
            kind::SETTINGS => self.on_settings(head, payload),
            kind::PUSH_PROMISE => self.on_push_promise(head, payload),
            kind::PING => self.on_ping(head, payload),
            kind::GOAWAY => self.on_goaway(head, payload),
            kind::WINDOW_UPDATE => self.on_window_update(head, payload),
            _ => Ok(Recv::Control),
        }
    }

    fn on_data(&mut self, head: &FrameHeader, payload: &[u8]) -> Result<Recv, ConnError> {
        if head.stream == 0 || self.is_idle(head.stream) {
            return Err(err(
                Reason::PROTOCOL_ERROR,
                "DATA on stream 0 or an idle stream",
            ));
        }
        let (start, end) = frame::unpad(head, payload)?;
        // Connection window: taken and given back at once (see Config).
        self.recv_window
            .receive(payload.len())
            .map_err(|r| err(r, "DATA beyond the connection window"))?;
        if let Some(inc) = self.recv_window.release(payload.len()) {
            frame::window_update(&mut self.out, 0, inc);
        }
        let Some(s) = self.streams.get_mut(&head.stream) else {
            return Ok(Recv::Control);
        };
        if s.remote_end {
            return Ok(self.stream_error(
                head.stream,
                Reason::STREAM_CLOSED,
                "DATA after END_STREAM",
            ));
        }
        if !s.final_head {
            return Ok(self.stream_error(
                head.stream,
                Reason::PROTOCOL_ERROR,
                "DATA before the response head",
            ));
        }
        if s.recv.receive(payload.len()).is_err() {
            return Ok(self.stream_error(
                head.stream,
                Reason::FLOW_CONTROL_ERROR,
                "DATA beyond the stream window",
            ));
        }
        // Padding is never delivered, so it is released now.
        let padding = payload.len() - (end - start);
        if padding > 0 {
            if let Some(inc) = s.recv.release(padding) {
                frame::window_update(&mut self.out, head.stream, inc);
            }
        }
        let end_stream = head.has(flag::END_STREAM);
        if end_stream {
            s.remote_end = true;
            if s.is_closed() {
                self.streams.remove(&head.stream);
            }
        }
        Ok(Recv::Data {
            stream: head.stream,
            data: start..end,
            end_stream,
        })
    }

    fn on_headers(&mut self, head: &FrameHeader, payload: &[u8]) -> Result<Recv, ConnError> {
        if head.stream == 0 || self.is_idle(head.stream) {
            return Err(err(
                Reason::PROTOCOL_ERROR,
                "HEADERS on stream 0 or an idle stream",
            ));
        }
        let (mut start, end) = frame::unpad(head, payload)?;
        if head.has(flag::PRIORITY) {
            start += 5;
            if start > end {
                return Err(err(
                    Reason::FRAME_SIZE_ERROR,
                    "HEADERS too short for its priority",
                ));
            }
        }
        let fragment = &payload[start..end];
        if fragment.len() > self.config.limits.max_header_block {
            return Err(err(Reason::ENHANCE_YOUR_CALM, "header block too large"));
        }
        let block = Block {
            stream: head.stream,
            promised: None,
            end_stream: head.has(flag::END_STREAM),
            buf: fragment.to_vec(),
            continuations: 0,
        };
        if head.has(flag::END_HEADERS) {
            return self.finish_block(block);
        }
        self.block = Some(block);
        Ok(Recv::Control)
    }

    fn on_continuation(&mut self, head: &FrameHeader, payload: &[u8]) -> Result<Recv, ConnError> {
        let limits = self.config.limits;
        let Some(block) = self.block.as_mut() else {
            return Err(err(
                Reason::PROTOCOL_ERROR,
                "CONTINUATION without a header block",
            ));
        };
        block.continuations += 1;
        if block.continuations > limits.max_continuations {
            return Err(err(
                Reason::ENHANCE_YOUR_CALM,
                "too many CONTINUATION frames",
            ));
        }
        if block.buf.len() + payload.len() > limits.max_header_block {
            return Err(err(Reason::ENHANCE_YOUR_CALM, "header block too large"));
        }
        block.buf.extend_from_slice(payload);
        if !head.has(flag::END_HEADERS) {
            return Ok(Recv::Control);
        }
        let block = self.block.take().expect("block in progress");
        self.finish_block(block)
    }

    fn on_rst_stream(&mut self, head: &FrameHeader, payload: &[u8]) -> Result<Recv, ConnError> {
        check_stream_frame(head, 4)?;
        if self.is_idle(head.stream) {
            return Err(err(Reason::PROTOCOL_ERROR, "RST_STREAM on an idle stream"));
        }
        if self.streams.remove(&head.stream).is_none() {
            return Ok(Recv::Control);
        }
        Ok(Recv::Reset {
            stream: head.stream,
            reason: Reason(frame::u32_at(payload, 0)),
            remote: true,
            detail: "stream reset by peer",
        })
    }

    fn on_settings(&mut self, head: &FrameHeader, payload: &[u8]) -> Result<Recv, ConnError> {
        if head.stream != 0 {
            return Err(err(Reason::PROTOCOL_ERROR, "SETTINGS on a stream"));
        }
        if head.has(flag::ACK) {
            if !payload.is_empty() {
                return Err(err(Reason::FRAME_SIZE_ERROR, "SETTINGS ACK with a payload"));
            }
            return Ok(Recv::Control);
        }
        self.peer_settings_seen = true;
        let delta = self.peer.apply(payload)?;
        self.queue_ack()?;
        frame::settings_ack(&mut self.out);
        let Some(delta) = delta else {
            return Ok(Recv::Control);
        };
        for s in self.streams.values_mut() {
            s.send
                .adjust(delta)
                .map_err(|r| err(r, "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window"))?;
        }
        Ok(if delta > 0 {
            Recv::WindowOpened { stream: 0 }
        } else {
            Recv::Control
        })
    }

    fn on_ping(&mut self, head: &FrameHeader, payload: &[u8]) -> Result<Recv, ConnError> {
        if head.stream != 0 {
            return Err(err(Reason::PROTOCOL_ERROR, "PING on a stream"));
        }
        let data: [u8; 8] = payload
            .try_into()
            .map_err(|_| err(Reason::FRAME_SIZE_ERROR, "PING payload not 8 bytes"))?;
        if !head.has(flag::ACK) {
            self.queue_ack()?;
            frame::ping(&mut self.out, true, data);
        }
        Ok(Recv::Control)
    }

    fn on_goaway(&mut self, head: &FrameHeader, payload: &[u8]) -> Result<Recv, ConnError> {
        if head.stream != 0 {
            return Err(err(Reason::PROTOCOL_ERROR, "GOAWAY on a stream"));
        }
        if payload.len() < 8 {
            return Err(err(Reason::FRAME_SIZE_ERROR, "GOAWAY shorter than 8 bytes"));
        }
        let last = frame::u31(payload, 0);
        let reason = Reason(frame::u32_at(payload, 4));
        let last = self.goaway.map_or(last, |prev| prev.min(last));
        self.goaway = Some(last);
        // `last` names our streams; pushed (even) ones go on.
        self.streams.retain(|&id, _| id % 2 == 0 || id <= last);
        Ok(Recv::GoAway {
            last_stream: last,
            reason,
        })
    }

    fn on_window_update(&mut self, head: &FrameHeader, payload: &[u8]) -> Result<Recv, ConnError> {
        if payload.len() != 4 {
            return Err(err(
                Reason::FRAME_SIZE_ERROR,
                "WINDOW_UPDATE payload not 4 bytes",
            ));
        }
        let inc = i64::from(frame::u31(payload, 0));
        if head.stream == 0 {
            if inc == 0 {
                return Err(err(
                    Reason::PROTOCOL_ERROR,
                    "WINDOW_UPDATE of 0 on the connection",
                ));
            }
            self.send_window
                .adjust(inc)
                .map_err(|r| err(r, "connection window above 2^31-1"))?;
            return Ok(Recv::WindowOpened { stream: 0 });
        }
        if self.is_idle(head.stream) {
            return Err(err(
                Reason::PROTOCOL_ERROR,
                "WINDOW_UPDATE on an idle stream",
            ));
        }
        let Some(s) = self.streams.get_mut(&head.stream) else {
            return Ok(Recv::Control);
        };
        if inc == 0 {
            return Ok(self.stream_error(
                head.stream,
                Reason::PROTOCOL_ERROR,
                "WINDOW_UPDATE of 0",
            ));
        }
        if s.send.adjust(inc).is_err() {
            return Ok(self.stream_error(
                head.stream,
                Reason::FLOW_CONTROL_ERROR,
                "stream window above 2^31-1",
            ));
        }
        Ok(Recv::WindowOpened {
            stream: head.stream,
        })
    }

    /// Counts an acknowledgement we are about to queue; a peer that makes
    /// us queue more than the limit without reading them is flooding.
    fn queue_ack(&mut self) -> Result<(), ConnError> {
        self.pending_acks += 1;
        if self.pending_acks > self.config.limits.max_pending_acks {
            return Err(err(
                Reason::ENHANCE_YOUR_CALM,
                "flood of PING or SETTINGS frames",
            ));
        }
        Ok(())
    }
}

/// Length and stream checks shared by PRIORITY and RST_STREAM.
fn check_stream_frame(head: &FrameHeader, len: usize) -> Result<(), ConnError> {
    if head.stream == 0 {
        return Err(err(Reason::PROTOCOL_ERROR, "stream frame on stream 0"));
    }
    if head.len != len {
        return Err(err(Reason::FRAME_SIZE_ERROR, "frame of the wrong length"));
    }
    Ok(())
}
