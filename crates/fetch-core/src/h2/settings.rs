//! SETTINGS (RFC 9113 section 6.5): what the peer announced, what we
//! announce, and the limits we hold a hostile peer to.

use super::error::{ConnError, Reason};
use super::flow::MAX_WINDOW;
use super::frame::{DEFAULT_MAX_FRAME, MAX_MAX_FRAME};

/// Setting identifiers.
pub(crate) mod id {
    pub(crate) const HEADER_TABLE_SIZE: u16 = 0x1;
    pub(crate) const ENABLE_PUSH: u16 = 0x2;
    pub(crate) const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub(crate) const INITIAL_WINDOW_SIZE: u16 = 0x4;
    pub(crate) const MAX_FRAME_SIZE: u16 = 0x5;
    pub(crate) const MAX_HEADER_LIST_SIZE: u16 = 0x6;
}

/// The peer's settings that matter to a client; defaults per RFC 9113
/// 6.5.2 until its SETTINGS frame arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerSettings {
    /// Streams we may have open at once (`u32::MAX`: no limit announced).
    pub(crate) max_concurrent_streams: u32,
    /// Initial send window of each stream.
    pub(crate) initial_window_size: u32,
    /// Largest frame payload we may send.
    pub(crate) max_frame_size: u32,
    /// The most header list bytes the peer accepts (advisory).
    pub(crate) max_header_list_size: u32,
}

impl Default for PeerSettings {
    fn default() -> Self {
        Self {
            max_concurrent_streams: u32::MAX,
            initial_window_size: 65_535,
            max_frame_size: DEFAULT_MAX_FRAME,
            max_header_list_size: u32::MAX,
        }
    }
}

impl PeerSettings {
    /// Applies a SETTINGS payload in order; unknown identifiers are
    /// ignored (RFC 9113 6.5.2). Returns the stream-window change, if the
    /// initial window size changed.
    pub(crate) fn apply(&mut self, payload: &[u8]) -> Result<Option<i64>, ConnError> {
        if payload.len() % 6 != 0 {
            return Err(ConnError::local(
                Reason::FRAME_SIZE_ERROR,
                "SETTINGS length not a multiple of 6",
            ));
        }
        let old_window = self.initial_window_size;
        for pair in payload.chunks_exact(6) {
            let ident = u16::from_be_bytes([pair[0], pair[1]]);
            let value = u32::from_be_bytes([pair[2], pair[3], pair[4], pair[5]]);
            match ident {
                id::ENABLE_PUSH if value != 0 => {
                    return Err(ConnError::local(
                        Reason::PROTOCOL_ERROR,
                        "server sent SETTINGS_ENABLE_PUSH != 0",
                    ));
                }
                id::MAX_CONCURRENT_STREAMS => self.max_concurrent_streams = value,
                id::INITIAL_WINDOW_SIZE => {
                    if i64::from(value) > MAX_WINDOW {
                        return Err(ConnError::local(
                            Reason::FLOW_CONTROL_ERROR,
                            "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1",
                        ));
                    }
                    self.initial_window_size = value;
                }
                id::MAX_FRAME_SIZE => {
                    if !(DEFAULT_MAX_FRAME..=MAX_MAX_FRAME).contains(&value) {
                        return Err(ConnError::local(
                            Reason::PROTOCOL_ERROR,
                            "SETTINGS_MAX_FRAME_SIZE out of range",
                        ));
                    }
                    self.max_frame_size = value;
                }
                id::MAX_HEADER_LIST_SIZE => self.max_header_list_size = value,
                // HEADER_TABLE_SIZE only bounds a dynamic table our
                // encoder never uses.
                _ => {}
            }
        }
        let delta = i64::from(self.initial_window_size) - i64::from(old_window);
        Ok((delta != 0).then_some(delta))
    }
}

/// What we tolerate from a peer before ending the connection
/// (docs/decisions.md: "HTTP/2 layer"). Defaults match the HTTP/1.1
/// head limit where one applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Decoded header list size (name + value + 32 per field, RFC 9113
    /// 6.5.2), announced as SETTINGS_MAX_HEADER_LIST_SIZE. Over it, the
    /// stream is reset; the connection goes on.
    pub(crate) max_header_list: u32,
    /// Compressed header block bytes, HEADERS and CONTINUATION together.
    /// Over it: ENHANCE_YOUR_CALM for the connection, since the block
    /// must be decoded whole to keep HPACK in step.
    pub(crate) max_header_block: usize,
    /// CONTINUATION frames in one header block (a flood of tiny or empty
    /// ones costs CPU without growing the block).
    pub(crate) max_continuations: u32,
    /// PING and SETTINGS acknowledgements waiting in the output buffer:
    /// a peer that sends them faster than it reads our replies is
    /// flooding.
    pub(crate) max_pending_acks: u32,
    /// Consecutive frames that carry nothing (empty DATA without
    /// END_STREAM, PRIORITY, unknown types, zero-length CONTINUATION).
    pub(crate) max_empty_frames: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_list: 100 * 1024,
            max_header_block: 100 * 1024,
            max_continuations: 64,
            max_pending_acks: 256,
            max_empty_frames: 256,
        }
    }
}
