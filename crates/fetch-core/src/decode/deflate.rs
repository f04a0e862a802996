//! gzip (RFC 1952) and deflate (RFC 1950 zlib, or a bare RFC 1951 stream
//! as some servers send and upstream accepts) on flate2's pure-Rust
//! backend. The gzip header and trailer are read here; the trailer's CRC-32
//! and length are checked like zlib does.

use flate2::{Crc, Decompress, FlushDecompress, Status};

use super::{Step, corrupt};
use crate::error::{Error, ErrorCode};

/// The fixed part of a gzip header.
const GZIP_FIXED: usize = 10;
/// A gzip header longer than this (file name, comment, extra field) is
/// refused rather than buffered without end.
const GZIP_HEADER_MAX: usize = 64 * 1024;
/// Bytes looked at per step while the gzip header is incomplete.
const HEADER_STEP: usize = 512;

/// Where an inflater stands.
enum State {
    /// gzip: collecting the header.
    GzipHeader(Vec<u8>),
    /// deflate: collecting the first two bytes to tell zlib from raw.
    Sniff(Vec<u8>),
    /// Inflating the deflate data.
    Body,
    /// gzip: collecting the 8-byte trailer.
    Trailer(Vec<u8>),
    /// The stream ended; nothing may follow.
    Done,
}

/// A gzip or deflate decoder.
pub(super) struct Inflater {
    state: State,
    inflate: Decompress,
    /// gzip only: the CRC-32 and length of the output so far.
    crc: Option<Crc>,
    /// deflate: the sniffed bytes, inflated before any new input.
    lead: Vec<u8>,
}

impl Inflater {
    /// A decoder for `Content-Encoding: gzip`.
    pub(super) fn gzip() -> Self {
        Self {
            state: State::GzipHeader(Vec::new()),
            inflate: Decompress::new(false),
            crc: Some(Crc::new()),
            lead: Vec::new(),
        }
    }

    /// A decoder for `Content-Encoding: deflate`.
    pub(super) fn deflate() -> Self {
        Self {
            state: State::Sniff(Vec::new()),
            inflate: Decompress::new(true),
            crc: None,
            lead: Vec::new(),
        }
    }

    /// One step; see `Stage::run`.
    pub(super) fn run(&mut self, input: &[u8], out: &mut [u8]) -> Result<Step, Error> {
        match &mut self.state {
            State::GzipHeader(seen) => {
                // A little at a time: most headers are 10 bytes.
                let before = seen.len();
                let take = input.len().min(HEADER_STEP);
                seen.extend_from_slice(&input[..take]);
                match gzip_header_len(seen)? {
                    Some(len) => {
                        self.state = State::Body;
                        Ok(Step {
                            used: len - before,
                            made: 0,
                        })
                    }
                    None if seen.len() > GZIP_HEADER_MAX => Err(corrupt("gzip header too long")),
                    None => Ok(Step {
                        used: take,
                        made: 0,
                    }),
                }
            }
            State::Sniff(_) => self.sniff(input),
            State::Body => self.inflate(input, out),
            State::Trailer(seen) => {
                let used = input.len().min(8 - seen.len());
                seen.extend_from_slice(&input[..used]);
                if seen.len() == 8 {
                    self.check_trailer()?;
                }
                Ok(Step { used, made: 0 })
            }
            State::Done if input.is_empty() => Ok(Step { used: 0, made: 0 }),
            // Upstream fails data after the end of a zlib stream as a write
            // error (checked with its 7.88 build).
            State::Done => Err(Error::new(
                ErrorCode::WriteError,
                "Failure writing output to destination: data after the end of the compressed stream",
            )),
        }
    }

    /// deflate: collects the first two bytes and picks zlib or raw by them.
    fn sniff(&mut self, input: &[u8]) -> Result<Step, Error> {
        let State::Sniff(seen) = &mut self.state else {
            unreachable!("sniffing")
        };
        let used = input.len().min(2 - seen.len());
        seen.extend_from_slice(&input[..used]);
        if seen.len() == 2 {
            let lead = std::mem::take(seen);
            if !is_zlib_header(lead[0], lead[1]) {
                self.inflate = Decompress::new(false);
            }
            self.lead = lead;
            self.state = State::Body;
        }
        Ok(Step { used, made: 0 })
    }

    /// Inflates (the sniffed bytes first); at the end of the deflate data
    /// moves on to the trailer.
    fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> Result<Step, Error> {
        if !self.lead.is_empty() {
            let lead = std::mem::take(&mut self.lead);
            let (used, made) = self.inflate_some(&lead, out)?;
            self.lead = lead[used..].to_vec();
            // With room to write, inflating uses all its input or makes
            // output: go on with `input` only when neither is left.
            if made > 0 || !self.lead.is_empty() || !matches!(self.state, State::Body) {
                return Ok(Step { used: 0, made });
            }
        }
        let (used, made) = self.inflate_some(input, out)?;
        Ok(Step { used, made })
    }

    fn inflate_some(&mut self, input: &[u8], out: &mut [u8]) -> Result<(usize, usize), Error> {
        let (in0, out0) = (self.inflate.total_in(), self.inflate.total_out());
        let status = self
            .inflate
            .decompress(input, out, FlushDecompress::None)
            .map_err(corrupt)?;
        let used = (self.inflate.total_in() - in0) as usize;
        let made = (self.inflate.total_out() - out0) as usize;
        if let Some(crc) = &mut self.crc {
            crc.update(&out[..made]);
        }
        if status == Status::StreamEnd {
            self.state = if self.crc.is_some() {
                State::Trailer(Vec::with_capacity(8))
            } else {
                State::Done
            };
        }
        Ok((used, made))
    }

    /// gzip: the trailer's CRC-32 and size against the output.
    fn check_trailer(&mut self) -> Result<(), Error> {
        let State::Trailer(t) = &self.state else {
            unreachable!("trailer")
        };
        let crc = self.crc.as_ref().expect("gzip has a CRC");
        let want_crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let want_len = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        if want_crc != crc.sum() {
            return Err(corrupt("incorrect data check"));
        }
        if want_len != crc.amount() {
            return Err(corrupt("incorrect length check"));
        }
        self.state = State::Done;
        Ok(())
    }
}

/// RFC 1950: method 8, a window of at most 32 KiB, and the check bits.
fn is_zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

/// The length of the gzip header at the start of `b`, `None` while it is
/// incomplete.
fn gzip_header_len(b: &[u8]) -> Result<Option<usize>, Error> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    if b.len() >= 2 && (b[0], b[1]) != (0x1f, 0x8b) {
        return Err(corrupt("incorrect header check"));
    }
    if b.len() >= 3 && b[2] != 8 {
        return Err(corrupt("unknown compression method"));
    }
    if b.len() < GZIP_FIXED {
        return Ok(None);
    }
    let flags = b[3];
    if flags & 0xe0 != 0 {
        return Err(corrupt("unknown header flags set"));
    }
    let mut at = GZIP_FIXED;
    if flags & FEXTRA != 0 {
        let Some(len) = b.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let Some(rest) = b.get(at..) else {
                return Ok(None);
            };
            let Some(nul) = memchr::memchr(0, rest) else {
                return Ok(None);
            };
            at += nul + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    Ok((b.len() >= at).then_some(at))
}
