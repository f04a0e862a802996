//! One stream's state as the client sees it (RFC 9113 section 5.1).

use super::flow::{RecvWindow, SendWindow};

/// A stream we opened and that is not yet closed. Closed streams are
/// removed from the connection's map; frames that still arrive for them
/// are ignored (RFC 9113 5.1, "closed").
#[derive(Debug)]
pub(crate) struct Stream {
    /// We sent END_STREAM (half-closed local).
    pub(crate) local_end: bool,
    /// The peer sent END_STREAM (half-closed remote).
    pub(crate) remote_end: bool,
    /// A final (non-1xx) response head arrived; a later HEADERS is
    /// trailers.
    pub(crate) final_head: bool,
    /// What the peer lets us send on this stream.
    pub(crate) send: SendWindow,
    /// What we let the peer send on this stream.
    pub(crate) recv: RecvWindow,
}

impl Stream {
    pub(crate) fn new(send_initial: u32, recv_initial: u32, local_end: bool) -> Self {
        Self {
            local_end,
            remote_end: false,
            final_head: false,
            send: SendWindow::new(send_initial),
            recv: RecvWindow::new(recv_initial),
        }
    }

    /// Both sides ended: the stream is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.local_end && self.remote_end
    }
}
