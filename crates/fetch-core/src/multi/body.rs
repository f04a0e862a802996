//! What a response body goes through between the HTTP codec and the write
//! callback: content decoding (ACCEPT_ENCODING, HTTP_CONTENT_DECODING), the
//! chunked framing handed over as received (HTTP_TRANSFER_DECODING off),
//! and the size limit (MAXFILESIZE).
//!
//! Decoding never blocks and never runs away: decoded bytes go to the write
//! callback in pieces of at most [`PIECE`] bytes, a pause stops between two
//! pieces with the rest kept in the decoder, and after [`DECODE_BUDGET`]
//! bytes in one call the transfer yields with a 0 ms kick like a read loop
//! that has read enough, so a decompression bomb cannot hold the loop.

use super::response::Outcome;
use super::*;
use crate::decode::{self, Content, Plan};
use crate::easy::Writer;
use crate::http::ResponseHead;

/// The largest piece of decoded body handed to the write callback at once
/// (upstream's default buffer size, FETCH_MAX_WRITE_SIZE).
pub(super) const PIECE: usize = 16 * 1024;

/// Decoded bytes handed over in one call before the transfer yields.
const DECODE_BUDGET: usize = 64 * PIECE;

/// How the body of the current response reaches the application.
pub(super) enum BodyOut {
    /// As the HTTP codec unframes it.
    Plain,
    /// Through content decoders.
    Decode(Box<Content>),
    /// In a content coding libfetch does not know: the first body byte
    /// fails the transfer.
    Unknown,
    /// The chunked framing as received. `Some(reusable)` when the message
    /// ended while its last bytes were held by a pause.
    Raw { ended: Option<bool> },
}

impl BodyOut {
    /// Work is left from before (a pause or a yield): the next receive step
    /// runs even without a readiness event.
    pub(super) fn has_pending(&self) -> bool {
        match self {
            Self::Decode(c) => c.has_pending(),
            Self::Raw { ended } => ended.is_some(),
            Self::Plain | Self::Unknown => false,
        }
    }

    /// Received body bytes are counted (SIZE_DOWNLOAD) as they arrive, not
    /// as the decoded body is handed over.
    fn counts_received(&self) -> bool {
        matches!(self, Self::Decode(_))
    }
}

/// The error for a body that passed MAXFILESIZE while being handed over.
fn too_large(limit: u64, total: u64) -> Error {
    Error::new(
        ErrorCode::FilesizeExceeded,
        format!("Exceeded the maximum allowed file size ({limit}) with {total} bytes"),
    )
}

/// Settles how the body of a final response is handed over, and checks its
/// announced size; an error fails the transfer before the body. (Inline:
/// once per final head; most take the first answer.)
#[inline(always)]
pub(super) fn choose(t: &mut Transfer, head: &ResponseHead) -> Option<Error> {
    t.delivered = 0;
    t.body_out = BodyOut::Plain;
    let bodyless = t.method == Method::Head || matches!(head.status, 204 | 304);
    if let (Some(limit), Some(len), false) = (t.easy.max_filesize, head.content_length, bodyless) {
        if len > limit {
            return Some(Error::new(
                ErrorCode::FilesizeExceeded,
                "Maximum file size exceeded",
            ));
        }
    }
    if head.chunked && !t.easy.transfer_decoding {
        t.body_out = BodyOut::Raw { ended: None };
        return None;
    }
    if t.easy.accept_encoding.is_none() || !t.easy.content_decoding {
        return None;
    }
    match decode::plan(&head.content_encoding) {
        Plan::Identity => {}
        Plan::Decode(content) => t.body_out = BodyOut::Decode(Box::new(content)),
        Plan::Unknown => t.body_out = BodyOut::Unknown,
        Plan::Refused(e) => return Some(e),
    }
    None
}

impl Transfer {
    /// Delivers body bytes to the write callback (or the in-memory sink),
    /// holding them if the callback pauses. MAXFILESIZE applies here, to
    /// what the application would get. (Inline, as `on_body` is: once per
    /// body piece, and its own frame cost about 35 instructions a call.)
    #[inline(always)]
    pub(super) fn deliver(&mut self, data: &[u8]) -> Result<(), Error> {
        let total = self.delivered + data.len() as u64;
        if let Some(limit) = self.easy.max_filesize.filter(|&l| total > l) {
            return Err(too_large(limit, total));
        }
        self.easy.publish_live();
        // (The shared object first: every transfer of the C ABI has it.)
        let flow = match self.easy.write.as_mut() {
            Some(Writer::Shared(io)) => io.write(data),
            Some(Writer::Fn(cb)) => cb(data),
            None => {
                self.easy.sink.extend_from_slice(data);
                Flow::Continue
            }
        };
        match flow {
            Flow::Continue => {
                self.delivered = total;
                if !self.body_out.counts_received() {
                    self.easy.info.size_download += data.len() as u64;
                }
                Ok(())
            }
            Flow::Pause => {
                self.held = data.into();
                self.paused_recv = true;
                Ok(())
            }
            Flow::Abort => Err(Error::new(
                ErrorCode::WriteError,
                "Failure writing output to destination",
            )),
        }
    }

    /// Body bytes from the HTTP codec: handed over, decoded (in the
    /// multi's `piece` buffer), or refused. `Some` stops the decoding loop.
    /// (Inline: once per body piece; the plain body is a few tests. Always:
    /// with `deliver` inline it would otherwise be left out of line.)
    #[inline(always)]
    pub(super) fn on_body(&mut self, piece: &mut Vec<u8>, data: &[u8]) -> Option<Outcome> {
        match &mut self.body_out {
            BodyOut::Plain => {}
            BodyOut::Raw { .. } => return None,
            BodyOut::Unknown if data.is_empty() => return None,
            BodyOut::Unknown => return Some(Outcome::Failed(decode::unknown_coding())),
            BodyOut::Decode(_) => {
                self.easy.info.size_download += data.len() as u64;
                return self.drain_decoded(piece, data);
            }
        }
        if let Err(e) = self.deliver(data) {
            return Some(Outcome::Failed(e));
        }
        self.paused_recv.then_some(Outcome::Paused)
    }

    /// Decodes `input` (after what was kept from before) and hands the
    /// pieces to the application until the decoder needs more input
    /// (`None`), or the transfer pauses, fails or has had its budget for
    /// this call; then what is left of `input` is kept.
    fn drain_decoded(&mut self, piece: &mut Vec<u8>, mut input: &[u8]) -> Option<Outcome> {
        piece.resize(PIECE, 0);
        let outcome = self.drain_into(&mut input, piece);
        let BodyOut::Decode(content) = &mut self.body_out else {
            return outcome;
        };
        content.set_pending(outcome.is_some());
        if outcome.is_some() && !input.is_empty() {
            content.keep(input);
        }
        outcome
    }

    /// The loop of [`Self::drain_decoded`], making pieces in `piece`.
    fn drain_into(&mut self, input: &mut &[u8], piece: &mut [u8]) -> Option<Outcome> {
        let mut budget = DECODE_BUDGET;
        loop {
            let BodyOut::Decode(content) = &mut self.body_out else {
                return None;
            };
            let n = match content.pull(input, piece) {
                Ok(0) => return None,
                Ok(n) => n,
                Err(e) => return Some(Outcome::Failed(e)),
            };
            if let Err(e) = self.deliver(&piece[..n]) {
                return Some(Outcome::Failed(e));
            }
            budget = budget.saturating_sub(n);
            if self.paused_recv {
                return Some(Outcome::Paused);
            }
            if budget == 0 {
                return Some(Outcome::Yield);
            }
        }
    }

    /// With HTTP_TRANSFER_DECODING off, the bytes the codec used for a
    /// chunked body (framing included) go to the application as received.
    /// `Some` stops the decoding loop.
    pub(super) fn on_raw(&mut self, raw: &[u8], end: Option<bool>) -> Option<Outcome> {
        if raw.is_empty() {
            return None;
        }
        if let Err(e) = self.deliver(raw) {
            return Some(Outcome::Failed(e));
        }
        if !self.paused_recv {
            return None;
        }
        // The message may have ended with these bytes: finish on resume.
        self.body_out = BodyOut::Raw { ended: end };
        Some(Outcome::Paused)
    }

    /// Before more bytes are decoded: what a pause or a yield left. `Some`
    /// stops the decoding loop again.
    pub(super) fn resume_body(&mut self, piece: &mut Vec<u8>) -> Option<Outcome> {
        match &mut self.body_out {
            BodyOut::Decode(c) if c.has_pending() => self.drain_decoded(piece, &[]),
            BodyOut::Raw { ended } => ended.take().map(|reusable| Outcome::Finished { reusable }),
            _ => None,
        }
    }
}

/// The body steps for callers that name the transfer by its key (a
/// resumed pause, HTTP/2 streams): the row is looked up once per step.
impl Multi {
    /// [`Transfer::deliver`] for transfer `ti`.
    pub(super) fn deliver(&mut self, ti: TransferKey, data: &[u8]) -> Result<(), Error> {
        self.transfers[ti].deliver(data)
    }

    /// [`Transfer::on_body`] for transfer `ti`.
    pub(super) fn on_body(&mut self, ti: TransferKey, data: &[u8]) -> Option<Outcome> {
        self.transfers[ti].on_body(&mut self.piece, data)
    }

    /// [`Transfer::resume_body`] for transfer `ti`.
    pub(super) fn resume_body(&mut self, ti: TransferKey) -> Option<Outcome> {
        self.transfers[ti].resume_body(&mut self.piece)
    }
}
