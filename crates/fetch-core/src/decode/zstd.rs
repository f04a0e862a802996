//! zstd (RFC 8878) on ruzstd, a pure-Rust decoder. ruzstd decodes whole
//! blocks, so this stage reads the frame and block headers itself and
//! hands ruzstd one complete block at a time (at most 128 KiB plus its
//! header), then drains the decoded bytes into the caller's buffer before
//! decoding the next block: memory stays at one window plus one block.
//! Frames may follow one another, as libzstd allows.

use std::io::Read;

use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use super::{Step, corrupt};
use crate::error::Error;

/// A frame's magic number.
const MAGIC: u32 = 0xFD2F_B528;
/// Skippable frames: magic numbers 0x184D2A50 to 0x184D2A5F.
const SKIPPABLE: u32 = 0x184D_2A50;
/// The largest block (RFC 8878 3.1.1.2.4).
const MAX_BLOCK: usize = 128 * 1024;
/// The largest window accepted: libzstd's default limit is 128 MiB and
/// ruzstd's own is 100 MiB; the lower one applies.
const MAX_WINDOW: u64 = 100 * 1024 * 1024;

/// What the stage is reading.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// A frame header (its length once known).
    Header,
    /// A skippable frame's content: this many bytes are left.
    Skip(u64),
    /// The next block of the frame.
    Block,
    /// The last block was decoded: drain, check, then a new frame may come.
    Drain,
}

/// A zstd decoder.
pub(super) struct Zstd {
    decoder: FrameDecoder,
    part: Part,
    /// The bytes of the header or block being collected.
    buf: Vec<u8>,
    checksum: bool,
}

impl Zstd {
    pub(super) fn new() -> Self {
        Self {
            decoder: FrameDecoder::new(),
            part: Part::Header,
            buf: Vec::new(),
            checksum: false,
        }
    }

    /// One step; see `Stage::run`.
    pub(super) fn run(&mut self, input: &[u8], out: &mut [u8]) -> Result<Step, Error> {
        if matches!(self.part, Part::Block | Part::Drain) {
            let made = self
                .decoder
                .read(out)
                .map_err(|e| corrupt(format_args!("zstd: {e}")))?;
            if made > 0 {
                return Ok(Step { used: 0, made });
            }
            if self.part == Part::Drain {
                self.end_frame()?;
            }
        }
        if input.is_empty() {
            return Ok(Step { used: 0, made: 0 });
        }
        if let Part::Skip(left) = self.part {
            let used = input.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            self.part = match left - used as u64 {
                0 => Part::Header,
                n => Part::Skip(n),
            };
            return Ok(Step { used, made: 0 });
        }
        let need = match self.part {
            Part::Header => header_len(&self.buf, input)?,
            _ => self.block_len(input)?,
        };
        let used = input.len().min(need.saturating_sub(self.buf.len()));
        self.buf.extend_from_slice(&input[..used]);
        // `need` may have been a first guess: complete only when the bytes
        // collected say so themselves.
        match self.part {
            Part::Header if header_len(&self.buf, &[])? == self.buf.len() => self.start_frame()?,
            Part::Block if self.block_len(&[])? == self.buf.len() => self.decode_block()?,
            _ => {}
        }
        Ok(Step { used, made: 0 })
    }

    /// A complete frame header is in `buf`.
    fn start_frame(&mut self) -> Result<(), Error> {
        let magic = u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
        let buf = std::mem::take(&mut self.buf);
        if magic & !0xf == SKIPPABLE {
            let len = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
            self.part = match len {
                0 => Part::Header,
                n => Part::Skip(u64::from(n)),
            };
            return Ok(());
        }
        let window = window_size(&buf);
        if window > MAX_WINDOW {
            return Err(corrupt(format_args!(
                "zstd: frame requires too much memory for decoding ({window} byte window)"
            )));
        }
        self.checksum = buf[4] & 0x04 != 0;
        self.decoder
            .init(&buf[..])
            .map_err(|e| corrupt(format_args!("zstd: {e}")))?;
        self.part = Part::Block;
        Ok(())
    }

    /// The length of the block starting in `buf` + `input`, header and
    /// checksum (after the last block) included.
    fn block_len(&self, input: &[u8]) -> Result<usize, Error> {
        let mut head = [0u8; 3];
        let have = self.buf.len().min(3);
        head[..have].copy_from_slice(&self.buf[..have]);
        let more = (3 - have).min(input.len());
        head[have..have + more].copy_from_slice(&input[..more]);
        if have + more < 3 {
            return Ok(3);
        }
        let word = u32::from_le_bytes([head[0], head[1], head[2], 0]);
        let (last, kind, size) = (word & 1 != 0, (word >> 1) & 3, (word >> 3) as usize);
        if size > MAX_BLOCK {
            return Err(corrupt("zstd: block too large"));
        }
        let content = match kind {
            0 | 2 => size,
            1 => 1,
            _ => return Err(corrupt("zstd: reserved block type")),
        };
        Ok(3 + content + if last && self.checksum { 4 } else { 0 })
    }

    /// A complete block is in `buf`: decode it.
    fn decode_block(&mut self) -> Result<(), Error> {
        let last = self.buf[0] & 1 != 0;
        let mut src = &self.buf[..];
        self.decoder
            .decode_blocks(&mut src, BlockDecodingStrategy::UptoBlocks(1))
            .map_err(|e| corrupt(format_args!("zstd: {e}")))?;
        self.buf.clear();
        if last {
            self.part = Part::Drain;
        }
        Ok(())
    }

    /// Everything of a frame was drained: check its checksum.
    fn end_frame(&mut self) -> Result<(), Error> {
        if self.checksum
            && self.decoder.get_checksum_from_data() != self.decoder.get_calculated_checksum()
        {
            return Err(corrupt("zstd: checksum mismatch"));
        }
        self.part = Part::Header;
        Ok(())
    }
}

/// The length of the frame header starting in `seen` + `input`: first a
/// guess (the magic number and descriptor), then the exact length.
fn header_len(seen: &[u8], input: &[u8]) -> Result<usize, Error> {
    let byte = |i: usize| seen.get(i).or_else(|| input.get(i - seen.len())).copied();
    let (Some(b0), Some(b1), Some(b2), Some(b3)) = (byte(0), byte(1), byte(2), byte(3)) else {
        return Ok(4);
    };
    let magic = u32::from_le_bytes([b0, b1, b2, b3]);
    if magic & !0xf == SKIPPABLE {
        return Ok(8);
    }
    if magic != MAGIC {
        return Err(corrupt("zstd: unknown frame descriptor"));
    }
    let Some(fhd) = byte(4) else {
        return Ok(5);
    };
    if fhd & 0x08 != 0 {
        return Err(corrupt("zstd: reserved bit set in frame header"));
    }
    let single = fhd & 0x20 != 0;
    let dict = [0, 1, 2, 4][usize::from(fhd & 3)];
    let fcs = match fhd >> 6 {
        0 if single => 1,
        0 => 0,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    Ok(5 + usize::from(!single) + dict + fcs)
}

/// The window a complete frame header asks for (RFC 8878 3.1.1.1.2).
fn window_size(h: &[u8]) -> u64 {
    let fhd = h[4];
    if fhd & 0x20 == 0 {
        let wd = h[5];
        let base = 1u64 << (10 + (wd >> 3));
        return base + (base / 8) * u64::from(wd & 7);
    }
    // Single segment: the window is the content size.
    let dict = [0, 1, 2, 4][usize::from(fhd & 3)];
    let at = 5 + dict;
    match fhd >> 6 {
        0 => u64::from(h[at]),
        1 => u64::from(u16::from_le_bytes([h[at], h[at + 1]])) + 256,
        2 => u64::from(u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]])),
        _ => u64::from_le_bytes(h[at..at + 8].try_into().expect("8 bytes")),
    }
}
