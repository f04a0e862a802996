//! Arbitrary bytes into the response decoder, whole and cut at
//! fuzzer-chosen points: every way of feeding must decode the same heads,
//! body bytes and ending.
//!
//! Input: flags, number of cuts, the cuts (2 bytes each), then the message
//! (with `0xFF n b` expanded to n*512 copies of b, to reach the limits).
#![no_main]

mod common;

use common::{Input, check_splits, expand};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let flags = input.byte();
    let ncuts = usize::from(input.byte() % 8);
    let cuts: Vec<usize> = (0..ncuts).map(|_| usize::from(input.u16())).collect();
    let msg = expand(input.0);
    let scale = if msg.len() > usize::from(u16::MAX) {
        msg.len() / 0x1_0000 + 1
    } else {
        1
    };
    let cuts: Vec<usize> = cuts.iter().map(|c| c * scale).collect();
    check_splits(flags & 1 == 1, &msg, &cuts);
});
