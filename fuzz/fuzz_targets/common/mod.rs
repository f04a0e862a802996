//! Shared by the codec targets: drive a `ResponseDecoder` the way the
//! engine does and check that every way of splitting the input decodes
//! to the same outcome.
#![allow(dead_code)] // each target uses a different part

use fetch_core::fuzzing::{DecodeError, Event, Head, ResponseDecoder};

/// How a whole response decoded.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub heads: Vec<Head>,
    pub body: Vec<u8>,
    /// Trailer fields of a chunked body (whole lines).
    pub trailers: Vec<u8>,
    pub end: End,
}

#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// Done came out of `decode`; the bytes after the message.
    Done { reusable: bool, leftover: Vec<u8> },
    /// Done came out of `eof()` (never reusable).
    DoneByEof,
    /// `decode` or `eof()` failed.
    Failed(DecodeError),
}

/// Empty lines (`\n` or `\r\n`) the decoder skips before a status line.
fn leading_blank(mut buf: &[u8]) -> usize {
    let mut n = 0;
    loop {
        let skip = match buf {
            [b'\n', ..] => 1,
            [b'\r', b'\n', ..] => 2,
            _ => return n,
        };
        n += skip;
        buf = &buf[skip..];
    }
}

/// Feeds `pieces` the way the engine does (unconsumed bytes are kept and
/// presented again with the next piece appended), then `eof()`. Checks
/// the per-event contract on the way.
pub fn drive(head_request: bool, pieces: &[&[u8]]) -> Outcome {
    let mut dec = ResponseDecoder::new(head_request);
    let mut out = Outcome {
        heads: Vec::new(),
        body: Vec::new(),
        trailers: Vec::new(),
        end: End::DoneByEof,
    };
    let mut buf: Vec<u8> = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        buf.extend_from_slice(piece);
        let mut spins = 0usize;
        loop {
            spins += 1;
            assert!(spins < 1_000_000, "decoder does not make progress");
            let (consumed, event) = match dec.decode(&buf) {
                Ok(ok) => ok,
                Err(err) => {
                    // Errors are sticky, eof() included.
                    assert_eq!(dec.decode(b"more").unwrap_err(), err);
                    assert_eq!(dec.eof().unwrap_err(), err);
                    out.end = End::Failed(err);
                    return out;
                }
            };
            assert!(consumed <= buf.len(), "consumed past the input");
            let need_more = event == Event::NeedMore;
            match event {
                Event::NeedMore => {}
                Event::Head(head) => {
                    assert_eq!(consumed, head.raw().len() + leading_blank(&buf));
                    assert!((100..=999).contains(&head.status()));
                    assert_eq!(head.lines().collect::<Vec<_>>().concat(), head.raw());
                    if head.chunked() {
                        assert_eq!(head.content_length(), None);
                    }
                    out.heads.push(head);
                }
                Event::Body(range) => {
                    assert!(!range.is_empty(), "empty body event");
                    assert!(range.end <= consumed, "body past consumed bytes");
                    out.body.extend_from_slice(&buf[range]);
                }
                Event::Trailers(range) => {
                    assert!(!range.is_empty(), "empty trailers event");
                    assert!(range.end <= consumed, "trailers past consumed bytes");
                    assert!(out.trailers.is_empty(), "one trailer section");
                    assert!(buf[range.clone()].ends_with(b"\n"), "whole lines");
                    out.trailers.extend_from_slice(&buf[range]);
                }
                Event::Done { reusable } => {
                    buf.drain(..consumed);
                    let mut leftover = buf;
                    for rest in &pieces[index + 1..] {
                        leftover.extend_from_slice(rest);
                    }
                    // Nothing more comes out of a finished decoder.
                    assert_eq!(dec.decode(&leftover).unwrap(), (0, Event::NeedMore));
                    out.end = End::Done { reusable, leftover };
                    return out;
                }
            }
            buf.drain(..consumed);
            if need_more {
                break;
            }
        }
    }
    match dec.eof() {
        Ok(Event::Done { reusable }) => {
            assert!(!reusable, "reusable after eof");
            // Only a close-delimited body ends at eof, and it takes all bytes.
            assert!(buf.is_empty(), "eof Done with unconsumed bytes");
            assert_eq!(dec.eof().unwrap(), Event::Done { reusable: false });
            out.end = End::DoneByEof;
        }
        Ok(other) => panic!("eof returned {other:?}"),
        Err(err) => {
            // An unstarted response can only fail as "got nothing".
            assert!(dec.started() || err.code() == fetch_core::ErrorCode::GotNothing);
            out.end = End::Failed(err);
        }
    }
    out
}

/// Cuts `msg` at the given offsets (each taken modulo the length, sorted).
pub fn split_at<'a>(msg: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (msg.len() + 1)).collect();
    cuts.sort_unstable();
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for cut in cuts {
        pieces.push(&msg[from..cut]);
        from = cut;
    }
    pieces.push(&msg[from..]);
    pieces
}

/// Decodes `msg` whole, cut at `cuts`, and (when short) byte by byte, and
/// asserts all three agree. Returns the whole-input outcome.
pub fn check_splits(head_request: bool, msg: &[u8], cuts: &[usize]) -> Outcome {
    let whole = drive(head_request, &[msg]);
    let split = drive(head_request, &split_at(msg, cuts));
    assert_eq!(split, whole, "cut at {cuts:?} differs from whole input");
    if msg.len() <= 512 {
        let bytes: Vec<&[u8]> = msg.chunks(1).collect();
        assert_eq!(drive(head_request, &bytes), whole, "byte at a time differs");
    }
    whole
}

/// A little byte reader over fuzz input.
pub struct Input<'a>(pub &'a [u8]);

impl<'a> Input<'a> {
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from(self.byte()) << 8 | u16::from(self.byte())
    }

    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Expands `0xFF count byte` into `count * 512` copies of `byte`, so that
/// small inputs reach the size limits (heads, chunk-size lines, trailers).
pub fn expand(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == 0xFF && i + 2 < raw.len() {
            let count = usize::from(raw[i + 1]) * 512;
            out.extend(std::iter::repeat_n(raw[i + 2], count));
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
        if out.len() > 300_000 {
            break;
        }
    }
    out
}
