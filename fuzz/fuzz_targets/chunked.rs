//! Chunked framing: a structured chunked body built from the input (size
//! lines in every accepted spelling, extensions, trailers, bare LF) must
//! decode to exactly the data put in and end reusable at the right byte;
//! the same body corrupted at a fuzzer-chosen byte, and raw garbage after a
//! chunked head, must decode the same however they are cut.
#![no_main]

mod common;

use common::{End, Input, check_splits};
use fetch_core::fuzzing::{encode_chunk, encode_last_chunk};
use libfuzzer_sys::fuzz_target;

const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

fn eol(input: &mut Input<'_>, out: &mut Vec<u8>) {
    if input.byte() % 4 == 0 {
        out.push(b'\n');
    } else {
        out.extend_from_slice(b"\r\n");
    }
}

/// A chunk-size line for `size` in a spelling chosen by the input.
fn size_line(input: &mut Input<'_>, size: usize, out: &mut Vec<u8>) {
    let style = input.byte();
    for _ in 0..style % 4 {
        out.push(b'0');
    }
    if style & 0x04 != 0 {
        out.extend_from_slice(format!("{size:X}").as_bytes());
    } else {
        out.extend_from_slice(format!("{size:x}").as_bytes());
    }
    if style & 0x08 != 0 {
        out.extend_from_slice(if style & 0x10 != 0 { b" \t" } else { b" " });
    }
    if style & 0x20 != 0 {
        // Extensions: anything but a line feed.
        out.push(b';');
        let n = usize::from(input.byte() % 16);
        out.extend(
            input
                .bytes(n)
                .iter()
                .map(|&b| if b == b'\n' { b'x' } else { b }),
        );
    }
    eol(input, out);
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let mode = input.byte();
    let ncuts = usize::from(input.byte() % 6);
    let cuts: Vec<usize> = (0..ncuts).map(|_| usize::from(input.u16())).collect();

    if mode % 4 == 0 {
        // Raw garbage as a chunked body.
        let mut msg = HEAD.to_vec();
        msg.extend_from_slice(input.0);
        check_splits(false, &msg, &cuts);
        return;
    }

    let mut msg = HEAD.to_vec();
    let mut expected = Vec::new();
    let mut encoded = Vec::new();
    let nchunks = usize::from(input.byte() % 8);
    for _ in 0..nchunks {
        let len = usize::from(input.byte());
        let data = input.bytes(len);
        if data.is_empty() {
            continue; // a zero size is the last chunk
        }
        size_line(&mut input, data.len(), &mut msg);
        msg.extend_from_slice(data);
        eol(&mut input, &mut msg);
        expected.extend_from_slice(data);
        encode_chunk(data, &mut encoded);
    }
    size_line(&mut input, 0, &mut msg);
    for _ in 0..input.byte() % 3 {
        msg.extend_from_slice(b"Trailer: ");
        let n = usize::from(input.byte() % 16);
        msg.extend(input.bytes(n).iter().filter(|&&b| b != b'\n' && b != b'\r'));
        eol(&mut input, &mut msg);
    }
    eol(&mut input, &mut msg);
    let end = msg.len();
    let n = usize::from(input.byte() % 32);
    let after = input.bytes(n).to_vec();
    msg.extend_from_slice(&after);

    if mode % 4 == 1 {
        // Corrupt one byte anywhere after the head: no panics, splits agree.
        if msg.len() > HEAD.len() {
            let at = HEAD.len() + usize::from(input.u16()) % (msg.len() - HEAD.len());
            msg[at] = input.byte();
        }
        check_splits(false, &msg, &cuts);
        return;
    }

    let out = check_splits(false, &msg, &cuts);
    assert_eq!(out.heads.len(), 1);
    assert_eq!(out.body, expected, "chunk data changed");
    assert_eq!(
        out.end,
        End::Done {
            reusable: true,
            leftover: msg[end..].to_vec()
        }
    );

    // Our own encoder's output decodes to the same data.
    let mut own = HEAD.to_vec();
    own.extend_from_slice(&encoded);
    encode_last_chunk(&mut own);
    let out = check_splits(false, &own, &cuts);
    assert_eq!(out.body, expected, "encode_chunk round trip");
    assert_eq!(
        out.end,
        End::Done {
            reusable: true,
            leftover: Vec::new()
        }
    );
});
