//! URL handling: an application URL parsed into a `Dest`, a `Location`
//! (raw, or as the decoder hands it out of a 3xx head) joined onto it as
//! the engine does, then the request head built from the result. Nothing
//! may panic, and the request line must be `GET <target> HTTP/1.1` with a
//! target free of spaces and control bytes, and Host a single clean value.
//!
//! Input: a flag byte, then base URL and Location separated by the first NUL.
#![no_main]

mod common;

use fetch_core::fuzzing::{Dest, Event, ResponseDecoder, encode_request};
use libfuzzer_sys::fuzz_target;

fn check(dest: &Dest) {
    let target = dest.request_target();
    assert!(target.starts_with('/'), "target {target:?}");
    assert!(
        !target.bytes().any(|b| b <= b' ' || b == 0x7f),
        "space or control byte in target {target:?}"
    );
    let host = dest.host_header();
    assert!(!host.is_empty() && !dest.host().is_empty());
    assert!(
        !host.bytes().any(|b| b <= b' ' || b == 0x7f),
        "bad Host value {host:?}"
    );
    assert!(
        dest.origin()
            .starts_with(if dest.https() { "https://" } else { "http://" })
    );

    // The head the engine would send parses back to the same parts.
    let out = encode_request("GET", target, host, &[], None);
    let mut headers = [httparse::EMPTY_HEADER; 4];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(&out) {
        Ok(httparse::Status::Complete(n)) => assert_eq!(n, out.len()),
        other => panic!(
            "request head {:?} does not parse: {other:?}",
            String::from_utf8_lossy(&out)
        ),
    }
    assert_eq!(req.method, Some("GET"));
    assert_eq!(req.path, Some(target));
    assert_eq!(req.headers[0].name, "Host");
    assert_eq!(req.headers[0].value, host.as_bytes());

    // The serialised URL is a fixed point: parsing it again changes nothing.
    let again = Dest::parse(dest.url(), 0).expect("own URL re-parses");
    assert_eq!(again.request_target(), target);
    assert_eq!(again.host_header(), host);
    assert_eq!(again.port(), dest.port());
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (base, location) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &b""[..]),
    };
    let base = String::from_utf8_lossy(base);
    let tag = u64::from(flags >> 4);
    let Ok(dest) = Dest::parse(&base, tag) else {
        return;
    };
    check(&dest);

    // The Location the engine sees comes out of a decoded head when the
    // bytes make one; otherwise use them as they are.
    let mut loc = String::from_utf8_lossy(location).into_owned();
    if flags & 1 == 1 {
        let mut msg = b"HTTP/1.1 302 Found\r\nLocation: ".to_vec();
        msg.extend_from_slice(location);
        msg.extend_from_slice(b"\r\n\r\n");
        if let Ok((_, Event::Head(head))) = ResponseDecoder::new(false).decode(&msg) {
            loc = head.location().unwrap_or_default().to_owned();
        }
    }
    if let Some(Ok(next)) = dest.redirect(&loc, tag) {
        check(&next);
    }
});
