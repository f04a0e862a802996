//! Content decoding (`Content-Encoding`): gzip, deflate, br and zstd, alone
//! or chained, decoded as the body streams in and handed out in bounded
//! pieces. Sans-IO like the HTTP codec: [`Content::pull`] decodes from the
//! received bytes straight into the caller's buffer, never more than it
//! holds, and [`Content::keep`] copies only what a pause leaves undecoded, so a small compressed input cannot make one call do an
//! unbounded amount of work (a decompression bomb is stopped by the size
//! limit between two pieces).
//!
//! Pure Rust throughout: flate2 on miniz_oxide for gzip and deflate,
//! brotli-decompressor for br, ruzstd for zstd.

mod brotli;
mod deflate;
#[cfg(test)]
mod tests;
mod zstd;

use crate::error::{Error, ErrorCode};

/// What `Accept-Encoding` says for `ACCEPT_ENCODING ""`: every coding
/// libfetch decodes, in upstream's order.
pub(crate) const SUPPORTED: &str = "deflate, gzip, br, zstd";

/// Upstream refuses a response with more stacked codings than this.
const MAX_CODINGS: usize = 5;

/// Room a stage's input buffer grows by when it pulls from the stage before.
const STAGE_BUF: usize = 16 * 1024;

/// The error for a stream a decoder cannot make sense of.
pub(crate) fn corrupt(reason: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::BadContentEncoding,
        format!("Error while processing content unencoding: {reason}"),
    )
}

/// What one decoding step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    /// Input bytes used (kept inside the stage counts as used).
    pub(crate) used: usize,
    /// Output bytes written.
    pub(crate) made: usize,
}

/// One decoder of the chain.
enum Stage {
    Deflate(deflate::Inflater),
    Brotli(brotli::Brotli),
    Zstd(Box<zstd::Zstd>),
}

impl Stage {
    /// Decodes from `input` into `out`. With input left it always uses some
    /// of it or makes output (or fails); with no input it only makes what
    /// it still holds.
    fn run(&mut self, input: &[u8], out: &mut [u8]) -> Result<Step, Error> {
        match self {
            Self::Deflate(d) => d.run(input, out),
            Self::Brotli(b) => b.run(input, out),
            Self::Zstd(z) => z.run(input, out),
        }
    }
}

/// Bytes waiting to go into a stage.
#[derive(Default)]
struct Pending {
    buf: Vec<u8>,
    start: usize,
}

impl Pending {
    fn unread(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    fn is_empty(&self) -> bool {
        self.start == self.buf.len()
    }
}

/// How a response's `Content-Encoding` is to be handled.
pub(crate) enum Plan {
    /// Nothing to decode (no coding, or only `identity`).
    Identity,
    /// Decode with this chain.
    Decode(Content),
    /// A coding libfetch does not know: the first body byte fails the
    /// transfer (a body-less response is fine, as upstream).
    Unknown,
    /// Too many codings: the transfer fails at once.
    Refused(Error),
}

/// The error for a coding libfetch does not know (upstream's wording).
pub(crate) fn unknown_coding() -> Error {
    Error::new(
        ErrorCode::BadContentEncoding,
        format!(
            "Unrecognized content encoding type. libfetch understands {SUPPORTED} content encodings."
        ),
    )
}

/// Reads the codings of a response, in the order they were applied.
pub(crate) fn plan(codings: &[String]) -> Plan {
    if codings.len() > MAX_CODINGS {
        return Plan::Refused(Error::new(
            ErrorCode::BadContentEncoding,
            format!("Reject response due to more than {MAX_CODINGS} content encodings"),
        ));
    }
    let mut stages = Vec::new();
    // The last coding applied is the first to undo.
    for name in codings.iter().rev() {
        let stage = match name.to_ascii_lowercase().as_str() {
            "identity" | "none" => continue,
            "gzip" | "x-gzip" => Stage::Deflate(deflate::Inflater::gzip()),
            "deflate" => Stage::Deflate(deflate::Inflater::deflate()),
            "br" => Stage::Brotli(brotli::Brotli::new()),
            "zstd" => Stage::Zstd(Box::new(zstd::Zstd::new())),
            _ => return Plan::Unknown,
        };
        stages.push(stage);
    }
    if stages.is_empty() {
        return Plan::Identity;
    }
    let inputs = stages.iter().map(|_| Pending::default()).collect();
    Plan::Decode(Content {
        stages,
        inputs,
        pending: false,
    })
}

/// A chain of content decoders with the bytes waiting between them.
pub(crate) struct Content {
    /// `stages[0]` undoes the last coding applied; the last stage's output
    /// is the body.
    stages: Vec<Stage>,
    /// `inputs[i]` waits to go into `stages[i]`; `inputs[0]` holds received
    /// bytes only when a pause or a yield stopped decoding them.
    inputs: Vec<Pending>,
    /// The last pull stopped with output possibly left (set by the caller
    /// through [`Content::set_pending`]).
    pending: bool,
}

impl Content {
    /// Keeps received bytes that could not be decoded now (the caller
    /// stopped pulling); they are decoded before any new input.
    pub(crate) fn keep(&mut self, rest: &[u8]) {
        let first = &mut self.inputs[0];
        if first.start > 0 {
            first.buf.drain(..first.start);
            first.start = 0;
        }
        first.buf.extend_from_slice(rest);
    }

    /// Decodes into `out`, taking received bytes from what was kept first,
    /// then from `input` (advanced past what was used). `Ok(0)` when nothing
    /// more can be made until more input arrives.
    pub(crate) fn pull(&mut self, input: &mut &[u8], out: &mut [u8]) -> Result<usize, Error> {
        fill(&mut self.stages, &mut self.inputs, input, out)
    }

    /// Whether work may be left from before: output a pause or a yield
    /// stopped, or kept input.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending || !self.inputs[0].is_empty()
    }

    /// Notes whether the caller stopped pulling before the chain was empty.
    pub(crate) fn set_pending(&mut self, pending: bool) {
        self.pending = pending;
    }
}

/// Fills `out` from the last of `stages`, refilling its input from the
/// stages before it as needed; the first stage reads its kept bytes, then
/// `first`.
fn fill(
    stages: &mut [Stage],
    inputs: &mut [Pending],
    first: &mut &[u8],
    out: &mut [u8],
) -> Result<usize, Error> {
    let (Some((stage, before)), Some((input, before_inputs))) =
        (stages.split_last_mut(), inputs.split_last_mut())
    else {
        return Ok(0);
    };
    loop {
        let direct = before.is_empty() && input.is_empty();
        let step = if direct {
            let step = stage.run(first, out)?;
            *first = &first[step.used..];
            step
        } else {
            let step = stage.run(input.unread(), out)?;
            input.consume(step.used);
            step
        };
        if step.made > 0 {
            return Ok(step.made);
        }
        if step.used > 0 {
            continue;
        }
        // The stage has used all its input: get more from the one before.
        if before.is_empty() || !input.is_empty() {
            return Ok(0);
        }
        input.buf.resize(STAGE_BUF, 0);
        let n = fill(before, before_inputs, first, &mut input.buf)?;
        input.buf.truncate(n);
        input.start = 0;
        if n == 0 {
            return Ok(0);
        }
    }
}
