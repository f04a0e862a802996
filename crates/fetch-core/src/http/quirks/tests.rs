//! The decoder with FETCHOPT_IGNORE_CONTENT_LENGTH and
//! FETCHOPT_HTTP200ALIASES set: what upstream 7.88 did with the same
//! responses (checked with the C program of fetch-capi's
//! tests/http_opts.rs, which compares the two libraries on the wire).

use super::super::tests::{Outcome, drive_decoder};
use super::super::{HttpError, ResponseDecoder};
use super::HeadOptions;

/// A decoder for a GET (or HEAD) reading heads as `options` say.
fn decoder(head_request: bool, options: HeadOptions) -> ResponseDecoder {
    let mut dec = ResponseDecoder::new(head_request);
    dec.set_options(&options);
    dec
}

fn ignoring_length() -> HeadOptions {
    HeadOptions {
        ignore_content_length: true,
        ..HeadOptions::default()
    }
}

fn aliases(list: &[&str]) -> HeadOptions {
    HeadOptions {
        http200_aliases: list.iter().map(|a| a.as_bytes().to_vec()).collect(),
        ..HeadOptions::default()
    }
}

/// `msg` whole, split at every byte and byte by byte: the same outcome.
fn run(head_request: bool, options: &HeadOptions, msg: &[u8]) -> Result<Outcome, HttpError> {
    let whole = drive_decoder(
        decoder(head_request, options.clone()),
        &[msg],
        Some(options),
    );
    for at in 0..=msg.len() {
        let split = drive_decoder(
            decoder(head_request, options.clone()),
            &[&msg[..at], &msg[at..]],
            Some(options),
        );
        assert_eq!(split, whole, "split at {at}");
    }
    whole
}

#[test]
fn ignored_length_reads_the_body_until_the_close() {
    let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhello world";
    let out = run(false, &ignoring_length(), msg).unwrap();
    assert_eq!(out.body, b"hello world");
    assert_eq!((out.done, out.by_eof), (Some(false), true));
    assert_eq!(out.heads[0].content_length, None);
    // Unset: three bytes, the rest is left over and the connection kept.
    let out = run(false, &HeadOptions::default(), msg).unwrap();
    assert_eq!(out.body, b"hel");
    assert_eq!((out.done, out.by_eof), (Some(true), false));
    assert_eq!(out.leftover, b"lo world");
    // A body shorter than the length is no error.
    let short = b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\nhello";
    let out = run(false, &ignoring_length(), short).unwrap();
    assert_eq!(out.body, b"hello");
}

#[test]
fn an_ignored_length_is_not_read_so_a_bad_one_is_no_error() {
    let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 3x\r\nContent-Length: 5\r\n\r\nhello";
    assert_eq!(run(false, &ignoring_length(), msg).unwrap().body, b"hello");
    assert!(run(false, &HeadOptions::default(), msg).is_err());
}

#[test]
fn head_204_304_and_chunked_keep_their_framing() {
    let o = ignoring_length();
    let head = run(true, &o, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n").unwrap();
    assert_eq!(
        (head.done, head.heads[0].content_length),
        (Some(true), None)
    );
    for status in ["204 No Content", "304 Not Modified"] {
        let msg = format!("HTTP/1.1 {status}\r\nContent-Length: 3\r\n\r\nabc");
        let out = run(false, &o, msg.as_bytes()).unwrap();
        assert_eq!(
            (out.done, out.heads[0].content_length),
            (Some(true), Some(0))
        );
        assert_eq!(out.leftover, b"abc");
    }
    // Chunked (with a Content-Length line, which is then not read): the
    // last chunk ends the body and the connection is kept.
    let msg = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n3\r\nxyz\r\n0\r\n\r\n";
    let out = run(false, &o, msg).unwrap();
    assert_eq!((out.body.as_slice(), out.done), (&b"xyz"[..], Some(true)));
}

#[test]
fn an_aliased_first_line_reads_as_http_1_0_200() {
    let msg = b"icy 404 Nope\r\nContent-Type: audio/mpeg\r\nContent-Length: 2\r\n\r\nhi";
    let out = run(false, &aliases(&["ICY"]), msg).unwrap();
    let head = &out.heads[0];
    assert_eq!((head.status, head.minor_version), (200, 0));
    assert_eq!(out.body, b"hi");
    // HTTP/1.0 without keep-alive: closed after the body.
    assert_eq!(out.done, Some(false));
    // The head keeps the line as sent, and the info ranges moved with it.
    assert_eq!(head.lines().next(), Some(&b"icy 404 Nope\r\n"[..]));
    assert_eq!(head.raw.len(), msg.len() - 2);
    assert_eq!(
        head.info_field(&head.info_fields.content_type),
        Some("audio/mpeg")
    );
    // Keep-alive keeps the connection.
    let msg = b"ICY 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi";
    assert_eq!(
        run(false, &aliases(&["ICY"]), msg).unwrap().done,
        Some(true)
    );
}

#[test]
fn aliases_match_as_upstream_prefixes() {
    let body = "\r\nContent-Length: 2\r\n\r\nhi";
    let status = |list: &[&str], line: &str| {
        let msg = format!("{line}{body}");
        run(false, &aliases(list), msg.as_bytes())
            .ok()
            .map(|o| o.heads[0].status)
    };
    assert_eq!(status(&["ICY"], "ICYX 500"), Some(200));
    assert_eq!(status(&["icy 200 ok"], "ICY 200 OK"), Some(200));
    assert_eq!(status(&["ICY"], "ICY"), Some(200));
    assert_eq!(status(&["X", ""], "FOO 1"), Some(200));
    assert_eq!(status(&["X", "ICY"], "ICY 1"), Some(200));
    // Longer than the line (its ending included): no match.
    assert_eq!(status(&["ICY 200 OK"], "ICY 200"), None);
    assert_eq!(status(&["I"], " ICY 200"), None);
    assert_eq!(status(&[], "ICY 200 OK"), None);
    // An HTTP status line keeps its own status, or its error.
    assert_eq!(status(&["HTTP/1.1"], "HTTP/1.1 404 X"), Some(404));
    assert_eq!(status(&["HTTP/1."], "HTTP/1.1 20"), None);
    assert_eq!(status(&["X"], "HTTP/1.1 99 X"), None);
}

/// A decoder reset in place after a response reads the next one as a new
/// decoder does.
#[test]
fn a_reset_decoder_is_a_new_one() {
    let mut dec = decoder(false, ignoring_length());
    let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    let _ = dec.decode(msg);
    dec.reset(true);
    assert_eq!(
        format!("{dec:?}"),
        format!("{:?}", ResponseDecoder::new(true))
    );
}
