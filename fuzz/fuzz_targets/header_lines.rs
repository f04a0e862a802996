//! Header lines both ways. In: a status line plus fuzzer header lines is
//! decoded as a head (whole and cut), and a parsed head must keep its
//! lines intact. Out: application header lines (`HTTPHEADER`) are encoded
//! into a request head, which must never gain or lose a line break.
//!
//! Input: selector, cuts, then the bytes. For the request side the bytes are
//! split at NUL into header lines.
#![no_main]

mod common;

use common::{End, Input, check_splits};
use fetch_core::fuzzing::encode_request;
use libfuzzer_sys::fuzz_target;

const STATUS_LINES: [&[u8]; 4] = [
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.0 302 Found\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n",
    b"",
];

fn response_side(head_request: bool, status: &[u8], lines: &[u8], cuts: &[usize]) {
    let mut msg = status.to_vec();
    msg.extend_from_slice(lines);
    msg.extend_from_slice(b"\r\n\r\n");
    let out = check_splits(head_request, &msg, cuts);
    for head in &out.heads {
        if let Some(loc) = head.location() {
            let ows = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
            assert!(!loc.starts_with(ows) && !loc.ends_with(ows), "{loc:?}");
        }
        let raw = head.raw();
        assert!(raw.ends_with(b"\n"));
        let last = head.lines().last().unwrap();
        assert!(last == b"\r\n" || last == b"\n", "head ends with {last:?}");
    }
    if head_request && !out.heads.is_empty() && out.heads.last().unwrap().status() >= 200 {
        assert!(out.body.is_empty(), "HEAD response with a body");
        assert!(matches!(out.end, End::Done { .. }));
    }
}

fn request_side(data: &[u8]) {
    let headers: Vec<String> = data
        .split(|&b| b == 0)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let body = match headers.len() % 3 {
        0 => None,
        1 => Some(Some(data.len() as u64)),
        _ => Some(None),
    };
    let out = encode_request("GET", "/p", "h:1", &headers, body);
    // The head is lines ending in CRLF, and the only empty line is the last.
    assert!(out.ends_with(b"\r\n\r\n"));
    let text = &out[..out.len() - 2];
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    assert_eq!(lines.pop(), Some(&b""[..]));
    for line in &lines {
        let line = line
            .strip_suffix(b"\r")
            .unwrap_or_else(|| panic!("bare LF in {out:?}"));
        assert!(!line.is_empty(), "empty line inside the head: {out:?}");
        assert!(!line.contains(&b'\r'), "bare CR in {out:?}");
    }
    assert_eq!(lines[0], b"GET /p HTTP/1.1\r");
    // Every line after the request line is a header a user gave verbatim
    // (or the `Name;` form) or one of the defaults.
    for line in &lines[1..] {
        let line = &line[..line.len() - 1];
        let given = headers.iter().any(|h| {
            h.as_bytes() == line
                || h.split_once(';')
                    .is_some_and(|(name, _)| line == format!("{name}:").as_bytes())
        });
        let default = [
            &b"Host: "[..],
            b"Accept: ",
            b"Content-Length: ",
            b"Transfer-Encoding: ",
        ]
        .iter()
        .any(|p| line.starts_with(p));
        assert!(given || default, "line {line:?} came from nowhere");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let selector = input.byte();
    let ncuts = usize::from(input.byte() % 4);
    let cuts: Vec<usize> = (0..ncuts).map(|_| usize::from(input.u16())).collect();
    if selector & 0x80 != 0 {
        request_side(input.0);
    } else {
        let status = STATUS_LINES[usize::from(selector) % STATUS_LINES.len()];
        response_side(selector & 0x40 != 0, status, input.0, &cuts);
    }
});
