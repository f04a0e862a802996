//! HTTP/2 frame layout (RFC 9113 section 4 and 6): the 9-byte header,
//! payload checks, and encoders that append frames to an output buffer.

use super::error::{ConnError, Reason};

/// Bytes in a frame header.
pub(crate) const HEADER_LEN: usize = 9;
/// The smallest SETTINGS_MAX_FRAME_SIZE, and the default.
pub(crate) const DEFAULT_MAX_FRAME: u32 = 16_384;
/// The largest SETTINGS_MAX_FRAME_SIZE a peer may announce.
pub(crate) const MAX_MAX_FRAME: u32 = (1 << 24) - 1;

/// Frame type numbers.
pub(crate) mod kind {
    pub(crate) const DATA: u8 = 0x0;
    pub(crate) const HEADERS: u8 = 0x1;
    pub(crate) const PRIORITY: u8 = 0x2;
    pub(crate) const RST_STREAM: u8 = 0x3;
    pub(crate) const SETTINGS: u8 = 0x4;
    pub(crate) const PUSH_PROMISE: u8 = 0x5;
    pub(crate) const PING: u8 = 0x6;
    pub(crate) const GOAWAY: u8 = 0x7;
    pub(crate) const WINDOW_UPDATE: u8 = 0x8;
    pub(crate) const CONTINUATION: u8 = 0x9;
}

/// Frame flags.
pub(crate) mod flag {
    pub(crate) const END_STREAM: u8 = 0x1;
    pub(crate) const ACK: u8 = 0x1;
    pub(crate) const END_HEADERS: u8 = 0x4;
    pub(crate) const PADDED: u8 = 0x8;
    pub(crate) const PRIORITY: u8 = 0x20;
}

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    /// Payload length.
    pub(crate) len: usize,
    /// Frame type.
    pub(crate) kind: u8,
    /// Flags.
    pub(crate) flags: u8,
    /// Stream identifier (the reserved bit cleared).
    pub(crate) stream: u32,
}

impl FrameHeader {
    /// Parses the first 9 bytes of `buf`, or `None` if there are fewer.
    pub(crate) fn parse(buf: &[u8]) -> Option<Self> {
        let h: &[u8; HEADER_LEN] = buf.get(..HEADER_LEN)?.try_into().ok()?;
        Some(Self {
            len: (usize::from(h[0]) << 16) | (usize::from(h[1]) << 8) | usize::from(h[2]),
            kind: h[3],
            flags: h[4],
            stream: u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff,
        })
    }

    pub(crate) fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
}

/// A 31-bit big-endian value (stream id or window increment) at `at`.
pub(crate) fn u31(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]) & 0x7fff_ffff
}

/// A 32-bit big-endian value at `at`.
pub(crate) fn u32_at(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

/// The payload without its padding (RFC 9113 6.1, 6.2): with PADDED, the
/// first byte is the pad length, which must leave room for the rest.
pub(crate) fn unpad(head: &FrameHeader, payload: &[u8]) -> Result<(usize, usize), ConnError> {
    if !head.has(flag::PADDED) {
        return Ok((0, payload.len()));
    }
    let Some((&pad, _)) = payload.split_first() else {
        return Err(ConnError::local(
            Reason::FRAME_SIZE_ERROR,
            "padded frame without pad length",
        ));
    };
    let end = payload.len().checked_sub(usize::from(pad) + 1);
    match end {
        Some(len) => Ok((1, 1 + len)),
        None => Err(ConnError::local(
            Reason::PROTOCOL_ERROR,
            "padding longer than the frame",
        )),
    }
}

/// Appends a frame header.
pub(crate) fn write_header(out: &mut Vec<u8>, len: usize, kind: u8, flags: u8, stream: u32) {
    debug_assert!(len <= MAX_MAX_FRAME as usize);
    let l = (len as u32).to_be_bytes();
    out.extend_from_slice(&[l[1], l[2], l[3], kind, flags]);
    out.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
}

/// Appends a SETTINGS frame with the given (identifier, value) pairs.
pub(crate) fn settings(out: &mut Vec<u8>, pairs: &[(u16, u32)]) {
    write_header(out, pairs.len() * 6, kind::SETTINGS, 0, 0);
    for (id, value) in pairs {
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&value.to_be_bytes());
    }
}

/// Appends a SETTINGS acknowledgement.
pub(crate) fn settings_ack(out: &mut Vec<u8>) {
    write_header(out, 0, kind::SETTINGS, flag::ACK, 0);
}

/// Appends a PING (or its ACK) with 8 bytes of opaque data.
pub(crate) fn ping(out: &mut Vec<u8>, ack: bool, data: [u8; 8]) {
    write_header(out, 8, kind::PING, if ack { flag::ACK } else { 0 }, 0);
    out.extend_from_slice(&data);
}

/// Appends a WINDOW_UPDATE.
pub(crate) fn window_update(out: &mut Vec<u8>, stream: u32, increment: u32) {
    debug_assert!(increment > 0 && increment <= 0x7fff_ffff);
    write_header(out, 4, kind::WINDOW_UPDATE, 0, stream);
    out.extend_from_slice(&increment.to_be_bytes());
}

/// Appends a RST_STREAM.
pub(crate) fn rst_stream(out: &mut Vec<u8>, stream: u32, reason: Reason) {
    write_header(out, 4, kind::RST_STREAM, 0, stream);
    out.extend_from_slice(&reason.0.to_be_bytes());
}

/// Appends a GOAWAY.
pub(crate) fn goaway(out: &mut Vec<u8>, last_stream: u32, reason: Reason) {
    write_header(out, 8, kind::GOAWAY, 0, 0);
    out.extend_from_slice(&last_stream.to_be_bytes());
    out.extend_from_slice(&reason.0.to_be_bytes());
}

/// Appends a header block as HEADERS plus as many CONTINUATION frames as
/// `max_frame` requires.
pub(crate) fn headers(
    out: &mut Vec<u8>,
    stream: u32,
    block: &[u8],
    end_stream: bool,
    max_frame: usize,
) {
    let mut chunks = block.chunks(max_frame.max(1));
    let first = chunks.next().unwrap_or(&[]);
    let last_first = block.len() <= max_frame;
    let mut flags = if end_stream { flag::END_STREAM } else { 0 };
    if last_first {
        flags |= flag::END_HEADERS;
    }
    write_header(out, first.len(), kind::HEADERS, flags, stream);
    out.extend_from_slice(first);
    let mut rest = chunks.peekable();
    while let Some(chunk) = rest.next() {
        let f = if rest.peek().is_none() {
            flag::END_HEADERS
        } else {
            0
        };
        write_header(out, chunk.len(), kind::CONTINUATION, f, stream);
        out.extend_from_slice(chunk);
    }
}

/// Appends one DATA frame.
pub(crate) fn data(out: &mut Vec<u8>, stream: u32, bytes: &[u8], end_stream: bool) {
    let flags = if end_stream { flag::END_STREAM } else { 0 };
    write_header(out, bytes.len(), kind::DATA, flags, stream);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_clears_reserved_bit() {
        let mut out = Vec::new();
        write_header(&mut out, 0x01_02_03, kind::HEADERS, flag::END_HEADERS, 7);
        assert_eq!(out, [1, 2, 3, 1, 4, 0, 0, 0, 7]);
        out[5] |= 0x80;
        let h = FrameHeader::parse(&out).unwrap();
        assert_eq!((h.len, h.kind, h.flags, h.stream), (0x01_02_03, 1, 4, 7));
        assert!(FrameHeader::parse(&out[..8]).is_none());
    }

    #[test]
    fn headers_split_into_continuations() {
        let block = [7u8; 10];
        let mut out = Vec::new();
        headers(&mut out, 3, &block, true, 4);
        let a = FrameHeader::parse(&out).unwrap();
        assert_eq!(
            (a.len, a.kind, a.flags),
            (4, kind::HEADERS, flag::END_STREAM)
        );
        let b = FrameHeader::parse(&out[13..]).unwrap();
        assert_eq!((b.len, b.kind, b.flags), (4, kind::CONTINUATION, 0));
        let c = FrameHeader::parse(&out[26..]).unwrap();
        assert_eq!(
            (c.len, c.kind, c.flags),
            (2, kind::CONTINUATION, flag::END_HEADERS)
        );
        assert_eq!(out.len(), 3 * HEADER_LEN + 10);

        let mut one = Vec::new();
        headers(&mut one, 1, &[1, 2], false, 16_384);
        let h = FrameHeader::parse(&one).unwrap();
        assert_eq!((h.len, h.flags), (2, flag::END_HEADERS));
    }

    #[test]
    fn padding_is_checked() {
        let h = FrameHeader {
            len: 4,
            kind: kind::DATA,
            flags: flag::PADDED,
            stream: 1,
        };
        assert_eq!(unpad(&h, &[2, b'a', 0, 0]).unwrap(), (1, 2));
        assert_eq!(unpad(&h, &[3, b'a', 0, 0]).unwrap(), (1, 1));
        assert_eq!(
            unpad(&h, &[4, b'a', 0, 0]).unwrap_err().reason,
            Reason::PROTOCOL_ERROR
        );
        assert_eq!(unpad(&h, &[]).unwrap_err().reason, Reason::FRAME_SIZE_ERROR);
    }
}
