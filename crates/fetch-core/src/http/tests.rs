//! The codec's unit tests: request heads, and responses split at every
//! byte.

use super::response::{MAX_CHUNK_LINE, parse_chunk_size};
use super::*;

fn request(method: &str, body: BodyFraming, headers: &[&str]) -> String {
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let parts = RequestParts {
        method,
        target: "/p?q=1",
        host: "127.0.0.1:8080",
        headers: &headers,
        body,
        http10: false,
        h2c_settings: None,
    };
    let mut out = b"prefix|".to_vec();
    encode_request(&parts, &mut out);
    let out = String::from_utf8(out).unwrap();
    out.strip_prefix("prefix|").unwrap().to_owned()
}

#[test]
fn request_defaults() {
    assert_eq!(
        request("GET", BodyFraming::None, &[]),
        "GET /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n"
    );
    assert_eq!(
        request("POST", BodyFraming::Length(0), &[]),
        "POST /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\nContent-Length: 0\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"
    );
    assert_eq!(
        request("PUT", BodyFraming::Length(12345), &[]),
        "PUT /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\nContent-Length: 12345\r\n\r\n"
    );
    assert_eq!(
        request("POST", BodyFraming::Chunked, &[]),
        "POST /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"
    );
    // The application's type replaces the default; "Content-Type:"
    // removes it.
    assert_eq!(
        request(
            "POST",
            BodyFraming::Length(2),
            &["content-type: application/json"]
        ),
        "POST /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\nContent-Length: 2\r\ncontent-type: application/json\r\n\r\n"
    );
    assert_eq!(
        request("POST", BodyFraming::Length(2), &["Content-Type:"]),
        "POST /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\nContent-Length: 2\r\n\r\n"
    );
}

/// The straight path for plain requests writes what the general one
/// writes, byte for byte.
#[test]
fn plain_requests_encode_as_the_general_path_does() {
    for method in ["GET", "HEAD", "DELETE", "POST", "OPTIONS"] {
        for http10 in [false, true] {
            for (target, host) in [("/", "h"), ("/p?q=1", "[::1]:8080"), ("*", "")] {
                let parts = RequestParts {
                    method,
                    target,
                    host,
                    headers: &[],
                    body: BodyFraming::None,
                    http10,
                    h2c_settings: None,
                };
                let (mut plain, mut full) = (b"x".to_vec(), b"x".to_vec());
                request::encode_plain(&parts, &mut plain);
                request::encode_full(&parts, &mut full);
                assert_eq!(plain, full, "{method} {target} {host} {http10}");
                let mut via = b"x".to_vec();
                encode_request(&parts, &mut via);
                assert_eq!(via, full);
            }
        }
    }
}

#[test]
fn request_user_header_semantics() {
    let got = request(
        "GET",
        BodyFraming::Length(3),
        &[
            "accept: text/html",
            "Host:",
            "X-Empty;",
            "X-Custom: 1",
            "junk without separator",
            "Bad: a\r\nInjected: b",
            "Also-Bad: a\n",
            ": no name",
            ";no name",
            "X-Reserved; something",
            "Content-Length:   ",
            "X-Custom: 2",
        ],
    );
    assert_eq!(
        got,
        // The framing header is the engine's: "Content-Length:" cannot
        // remove it (a body without framing would be misread).
        "GET /p?q=1 HTTP/1.1\r\nContent-Length: 3\r\naccept: text/html\r\nX-Empty:\r\nX-Custom: 1\r\nX-Custom: 2\r\n\r\n"
    );
}

#[test]
fn request_semicolon_form_replaces_default_but_not_framing() {
    let got = request(
        "GET",
        BodyFraming::Chunked,
        &["Accept;", "Transfer-Encoding: gzip"],
    );
    assert_eq!(
        got,
        // A user Transfer-Encoding never replaces the framing the body
        // is actually sent with.
        "GET /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nTransfer-Encoding: chunked\r\nAccept:\r\n\r\n"
    );
}

#[test]
fn user_framing_lines() {
    let h = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        user_framing(&h(&["transfer-encoding: gzip, Chunked"])),
        (true, None)
    );
    assert_eq!(
        user_framing(&h(&["Transfer-Encoding: gzip"])),
        (false, None)
    );
    assert_eq!(user_framing(&h(&["Content-Length: 42"])), (false, Some(42)));
    assert_eq!(
        user_framing(&h(&["Content-Length: 4x2", "X: 1"])),
        (false, None)
    );
    assert_eq!(
        user_framing(&h(&["Content-Length:", "Transfer-Encoding;"])),
        (false, None)
    );
}

#[test]
fn chunk_encoding() {
    let mut out = Vec::new();
    encode_chunk(b"", &mut out);
    assert!(out.is_empty());
    encode_chunk(b"hello", &mut out);
    encode_chunk(&[b'x'; 26], &mut out);
    encode_last_chunk(&mut out);
    let mut expected = b"5\r\nhello\r\n1a\r\n".to_vec();
    expected.extend_from_slice(&[b'x'; 26]);
    expected.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(out, expected);
}

/// What a caller saw for one response.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Outcome {
    pub(super) heads: Vec<ResponseHead>,
    pub(super) body: Vec<u8>,
    trailers: Vec<u8>,
    /// `Some(reusable)` once Done came out (from decode or eof).
    pub(super) done: Option<bool>,
    /// Done came from eof().
    pub(super) by_eof: bool,
    /// Bytes after the message.
    pub(super) leftover: Vec<u8>,
}

/// Mimics the caller contract: keep unconsumed bytes, append new ones,
/// call decode until NeedMore; eof() after the last piece.
fn drive(head_request: bool, pieces: &[&[u8]]) -> Result<Outcome, HttpError> {
    drive_decoder(ResponseDecoder::new(head_request), pieces, None)
}

/// [`drive`] with a decoder set up by the caller, and a refused head read
/// again with `aliases` as the engine does.
pub(super) fn drive_decoder(
    mut dec: ResponseDecoder,
    pieces: &[&[u8]],
    aliases: Option<&HeadOptions>,
) -> Result<Outcome, HttpError> {
    let mut out = Outcome::default();
    let mut buf = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        buf.extend_from_slice(piece);
        let mut spins = 0;
        loop {
            spins += 1;
            assert!(spins < 10_000, "decoder does not make progress");
            let awaited = dec.awaits_head();
            let mut decoded = dec.decode(&buf);
            if let (true, Err(_), Some(o)) = (awaited, &decoded, aliases) {
                decoded = dec.decode_aliased(&buf, o).unwrap_or(decoded);
            }
            let (consumed, event) = decoded?;
            assert!(consumed <= buf.len());
            let need_more = event == Decoded::NeedMore;
            match event {
                Decoded::NeedMore => {}
                Decoded::Head(head) => {
                    assert_eq!(consumed, head.raw.len() + leading_blank(&buf));
                    out.heads.push(*head);
                }
                Decoded::Body(range) => {
                    assert!(!range.is_empty() && range.end <= consumed);
                    out.body.extend_from_slice(&buf[range]);
                }
                Decoded::Trailers(range) => {
                    assert!(!range.is_empty() && range.end <= consumed);
                    assert!(out.trailers.is_empty(), "one trailer section");
                    out.trailers.extend_from_slice(&buf[range]);
                }
                Decoded::Done { reusable } => {
                    assert!(dec.is_done());
                    out.done = Some(reusable);
                    buf.drain(..consumed);
                    out.leftover = buf;
                    for rest in &pieces[index + 1..] {
                        out.leftover.extend_from_slice(rest);
                    }
                    assert_eq!(dec.decode(&out.leftover)?, (0, Decoded::NeedMore));
                    return Ok(out);
                }
            }
            buf.drain(..consumed);
            if need_more {
                break;
            }
        }
    }
    match dec.eof()? {
        Decoded::Done { reusable } => {
            assert!(!reusable);
            assert!(dec.is_done());
            out.done = Some(reusable);
            out.by_eof = true;
        }
        other => panic!("eof returned {other:?}"),
    }
    out.leftover = buf;
    Ok(out)
}

/// Empty lines the decoder skips before a status line.
fn leading_blank(buf: &[u8]) -> usize {
    buf.iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
}

fn once(head_request: bool, msg: &[u8]) -> Result<Outcome, HttpError> {
    drive(head_request, &[msg])
}

/// Single-shot, every two-piece split and byte-at-a-time all agree.
fn check_splits(head_request: bool, msg: &[u8]) -> Result<Outcome, HttpError> {
    let whole = once(head_request, msg);
    for at in 0..=msg.len() {
        let split = drive(head_request, &[&msg[..at], &msg[at..]]);
        assert_eq!(split, whole, "split at {at}");
    }
    let bytes: Vec<&[u8]> = msg.chunks(1).collect();
    assert_eq!(drive(head_request, &bytes), whole, "byte at a time");
    whole
}

const CONTENT_LENGTH: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nLocation:  /next \r\n\r\nhelloHTTP/1.1 200 OK\r\n";

#[test]
fn content_length_body() {
    let out = check_splits(false, CONTENT_LENGTH).unwrap();
    assert_eq!(out.heads.len(), 1);
    let head = &out.heads[0];
    assert_eq!(head.status, 200);
    assert_eq!(head.minor_version, 1);
    assert_eq!(head.content_length, Some(5));
    assert!(!head.chunked && !head.close);
    assert_eq!(head.location.as_deref(), Some("/next"));
    assert_eq!(out.body, b"hello");
    assert_eq!(out.done, Some(true));
    assert!(!out.by_eof);
    assert_eq!(out.leftover, b"HTTP/1.1 200 OK\r\n");
}

#[test]
fn head_lines() {
    let out = once(false, CONTENT_LENGTH).unwrap();
    let lines: Vec<&[u8]> = out.heads[0].lines().collect();
    assert_eq!(
        lines,
        [
            &b"HTTP/1.1 200 OK\r\n"[..],
            b"Content-Length: 5\r\n",
            b"Location:  /next \r\n",
            b"\r\n"
        ]
    );
}

#[test]
fn body_is_a_range_of_the_input() {
    let mut dec = ResponseDecoder::new(false);
    assert!(!dec.started());
    let (n, event) = dec.decode(CONTENT_LENGTH).unwrap();
    assert!(dec.started());
    assert!(matches!(event, Decoded::Head(_)));
    let rest = &CONTENT_LENGTH[n..];
    let (n, event) = dec.decode(rest).unwrap();
    assert_eq!((n, event), (5, Decoded::Body(0..5)));
    assert_eq!(
        dec.decode(&rest[n..]).unwrap(),
        (0, Decoded::Done { reusable: true })
    );
    assert!(dec.is_done());
}

const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n\
    5;name=value;x\r\nhello\r\nA \r\n0123456789\r\n000\r\nTrailer-One: 1\r\nTrailer-Two: 2\r\n\r\nNEXT";

#[test]
fn chunked_with_extensions_and_trailers() {
    let out = check_splits(false, CHUNKED).unwrap();
    assert!(out.heads[0].chunked);
    assert_eq!(out.heads[0].content_length, None);
    assert_eq!(out.body, b"hello0123456789");
    assert_eq!(out.trailers, b"Trailer-One: 1\r\nTrailer-Two: 2\r\n");
    assert_eq!(out.done, Some(true));
    assert_eq!(out.leftover, b"NEXT");
}

#[test]
fn chunked_bare_lf() {
    let msg = b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n1\r\nd\n0\n\n";
    let out = check_splits(false, msg).unwrap();
    assert_eq!(out.body, b"abcd");
    assert_eq!(out.done, Some(true));
    assert!(out.leftover.is_empty());
}

#[test]
fn chunked_body_hands_out_whole_runs() {
    let mut dec = ResponseDecoder::new(false);
    let (n, _) = dec.decode(CHUNKED).unwrap();
    let rest = &CHUNKED[n..];
    assert_eq!(dec.decode(rest).unwrap(), (21, Decoded::Body(16..21)));
}

#[test]
fn chunked_wins_over_content_length_but_closes() {
    let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
    let out = check_splits(false, msg).unwrap();
    assert_eq!(out.body, b"ok");
    assert_eq!(out.heads[0].content_length, None);
    assert_eq!(out.done, Some(false));
}

#[test]
fn non_chunked_transfer_coding_is_close_delimited() {
    let msg = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw";
    let out = check_splits(false, msg).unwrap();
    assert!(!out.heads[0].chunked);
    assert_eq!(out.body, b"raw");
    assert!(out.by_eof);
}

#[test]
fn close_delimited() {
    let msg = b"HTTP/1.1 200 OK\r\nX-Thing: y\r\n\r\nall of this until close";
    let out = check_splits(false, msg).unwrap();
    assert_eq!(out.body, b"all of this until close");
    assert_eq!(out.done, Some(false));
    assert!(out.by_eof);
}

#[test]
fn head_request_has_no_body() {
    let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1";
    let out = check_splits(true, msg).unwrap();
    assert_eq!(out.heads[0].content_length, Some(10));
    assert!(out.body.is_empty());
    assert_eq!(out.done, Some(true));
    assert_eq!(out.leftover, b"HTTP/1.1");
}

#[test]
fn no_body_statuses() {
    for status in ["204 No Content", "304 Not Modified"] {
        let msg = format!(
            "HTTP/1.1 {status}\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\nleft"
        );
        let out = check_splits(false, msg.as_bytes()).unwrap();
        assert!(out.body.is_empty());
        assert_eq!(out.leftover, b"left");
        // TE together with Content-Length makes the connection suspect.
        assert_eq!(out.done, Some(false));
    }
    let out = check_splits(
        false,
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\n",
    )
    .unwrap();
    assert_eq!(out.heads[0].content_length, None);
    assert_eq!(out.done, Some(true));
}

#[test]
fn done_comes_right_after_a_bodyless_head() {
    let mut dec = ResponseDecoder::new(false);
    let msg = b"HTTP/1.1 204 No Content\r\n\r\nX";
    let (n, event) = dec.decode(msg).unwrap();
    assert_eq!(n, msg.len() - 1);
    assert!(matches!(event, Decoded::Head(h) if h.status == 204));
    assert_eq!(
        dec.decode(b"X").unwrap(),
        (0, Decoded::Done { reusable: true })
    );
}

#[test]
fn continue_then_final() {
    let msg = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n\
        HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    let out = check_splits(false, msg).unwrap();
    let statuses: Vec<u16> = out.heads.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [100, 103, 201]);
    assert_eq!(out.body, b"ok");
    assert_eq!(out.done, Some(true));
}

#[test]
fn switching_protocols_ends_the_message() {
    let msg = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nframes";
    let out = check_splits(false, msg).unwrap();
    assert_eq!(out.heads.len(), 1);
    assert_eq!(out.done, Some(false));
    assert_eq!(out.leftover, b"frames");
}

#[test]
fn http10() {
    let out = check_splits(false, b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc").unwrap();
    assert_eq!(out.heads[0].minor_version, 0);
    assert!(out.heads[0].close);
    assert_eq!(out.done, Some(false));

    let msg = b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\nabc";
    let out = check_splits(false, msg).unwrap();
    assert!(!out.heads[0].close);
    assert_eq!(out.done, Some(true));

    let out = check_splits(false, b"HTTP/1.0 200 OK\r\n\r\nuntil close").unwrap();
    assert_eq!(out.body, b"until close");
    assert!(out.by_eof);
}

#[test]
fn connection_close() {
    let msg = b"HTTP/1.1 200 OK\r\nConnection: foo, close\r\nContent-Length: 1\r\n\r\nz";
    let out = check_splits(false, msg).unwrap();
    assert!(out.heads[0].close);
    assert_eq!(out.done, Some(false));
}

#[test]
fn bare_lf_and_leading_empty_lines() {
    let msg = b"\r\n\nHTTP/1.1 200 OK\nContent-Length: 3\nX-Folded: a\n  b\n\nabc";
    let out = check_splits(false, msg).unwrap();
    assert_eq!(out.heads[0].raw, &msg[3..msg.len() - 3]);
    assert_eq!(out.heads[0].lines().count(), 5);
    assert_eq!(out.body, b"abc");
    assert_eq!(out.done, Some(true));
}

#[test]
fn repeated_equal_content_length_is_fine() {
    let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\nok";
    assert_eq!(once(false, msg).unwrap().body, b"ok");
}

fn error_of(head_request: bool, msg: &[u8]) -> HttpError {
    check_splits(head_request, msg).unwrap_err()
}

#[test]
fn malformed_heads() {
    for msg in [
        &b"HELLO WORLD\r\n\r\n"[..],
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/2 200\r\n\r\n",
        b"HTTP/1.1 099 Low\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nNo\x01Control: x\r\n\r\n",
    ] {
        let err = error_of(false, msg);
        assert!(matches!(err, HttpError::MalformedHead(_)), "{err:?}");
        assert_eq!(err.code(), ErrorCode::WeirdServerReply);
    }
}

#[test]
fn bad_content_length() {
    for (value, expected) in [
        ("abc", HttpError::BadContentLength),
        ("-1", HttpError::BadContentLength),
        ("", HttpError::BadContentLength),
        ("99999999999999999999999", HttpError::BadContentLength),
        ("5, 6", HttpError::ConflictingContentLength),
    ] {
        let msg = format!("HTTP/1.1 200 OK\r\nContent-Length: {value}\r\n\r\n");
        let err = error_of(false, msg.as_bytes());
        assert_eq!(err, expected, "{value}");
        assert_eq!(err.code(), ErrorCode::WeirdServerReply);
    }
    let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n";
    assert_eq!(error_of(false, msg), HttpError::ConflictingContentLength);
}

#[test]
fn bad_chunks() {
    let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (body, expected) in [
        ("zz\r\n", HttpError::BadChunkSize),
        ("\r\n", HttpError::BadChunkSize),
        (" 5\r\n", HttpError::BadChunkSize),
        ("5x\r\n", HttpError::BadChunkSize),
        ("10000000000000000\r\n", HttpError::BadChunkSize),
        ("3\r\nabcX\r\n", HttpError::MissingChunkCrlf),
        ("3\r\nabc\rX", HttpError::MissingChunkCrlf),
    ] {
        let err = error_of(false, format!("{head}{body}").as_bytes());
        assert_eq!(err, expected, "{body:?}");
        assert_eq!(err.code(), ErrorCode::RecvError);
    }
    let mut msg = head.as_bytes().to_vec();
    msg.extend_from_slice(b"5;");
    msg.resize(msg.len() + MAX_CHUNK_LINE, b'x');
    let err = once(false, &msg).unwrap_err();
    assert_eq!(err, HttpError::ChunkLineTooLong);
    assert_eq!(err.code(), ErrorCode::RecvError);
}

/// Found by the `response_decoder` fuzz target: an over-long chunk-size
/// line whose end arrived in the same read as its start was parsed
/// (and failed as a bad size, or passed), while the same bytes split
/// across reads failed as too long.
#[test]
fn chunk_line_limit_does_not_depend_on_splits() {
    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for first in [&b"Q"[..], b"5;"] {
        let mut msg = head.to_vec();
        msg.extend_from_slice(first);
        msg.resize(head.len() + MAX_CHUNK_LINE + 1, b'x');
        msg.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
        let whole = once(false, &msg);
        assert_eq!(whole, Err(HttpError::ChunkLineTooLong));
        let at = head.len() + MAX_CHUNK_LINE / 2;
        assert_eq!(drive(false, &[&msg[..at], &msg[at..]]), whole);
        let at = head.len() + MAX_CHUNK_LINE + 1;
        assert_eq!(drive(false, &[&msg[..at], &msg[at..]]), whole);
    }
    // The longest accepted line is accepted however it arrives.
    let mut msg = head.to_vec();
    msg.extend_from_slice(b"5;");
    msg.resize(head.len() + MAX_CHUNK_LINE, b'x');
    msg.extend_from_slice(b"\nhello\r\n0\r\n\r\n");
    let at = head.len() + MAX_CHUNK_LINE;
    let split = drive(false, &[&msg[..at], &msg[at..]]).unwrap();
    assert_eq!(split, once(false, &msg).unwrap());
    assert_eq!(split.body, b"hello");
}

#[test]
fn the_biggest_chunk_size_parses() {
    assert_eq!(parse_chunk_size(b"ffffffffffffffff"), Ok(u64::MAX));
    assert_eq!(parse_chunk_size(b"0000000000000000001a ; a=b"), Ok(26));
}

#[test]
// 100 KiB heads take Miri minutes and hold nothing it checks for.
#[cfg_attr(miri, ignore)]
fn trailers_are_bounded() {
    let mut msg = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ".to_vec();
    msg.resize(msg.len() + MAX_HEAD_SIZE, b'x');
    let err = once(false, &msg).unwrap_err();
    assert_eq!(err, HttpError::TrailersTooLarge);
    assert_eq!(err.code(), ErrorCode::TooLarge);
}

/// A head of exactly `len` bytes.
fn head_of_len(len: usize) -> Vec<u8> {
    let mut head = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: ".to_vec();
    head.resize(len - 4, b'x');
    head.extend_from_slice(b"\r\n\r\n");
    head
}

#[test]
// 100 KiB heads take Miri minutes and hold nothing it checks for.
#[cfg_attr(miri, ignore)]
fn head_size_limit() {
    let out = once(false, &head_of_len(MAX_HEAD_SIZE)).unwrap();
    assert_eq!(out.heads[0].raw.len(), MAX_HEAD_SIZE);

    let err = once(false, &head_of_len(MAX_HEAD_SIZE + 1)).unwrap_err();
    assert_eq!(err, HttpError::HeadTooLarge);
    assert_eq!(err.code(), ErrorCode::TooLarge);

    // Never completing: refused as soon as the limit is reached.
    let mut dec = ResponseDecoder::new(false);
    let mut endless = head_of_len(MAX_HEAD_SIZE);
    endless.truncate(MAX_HEAD_SIZE - 4);
    assert_eq!(dec.decode(&endless).unwrap(), (0, Decoded::NeedMore));
    endless.extend_from_slice(b"yyyy");
    assert_eq!(dec.decode(&endless), Err(HttpError::HeadTooLarge));
    assert_eq!(dec.decode(b""), Err(HttpError::HeadTooLarge));

    // Interim heads count towards the same limit.
    let mut msg = b"HTTP/1.1 100 Continue\r\n\r\n".to_vec();
    msg.extend_from_slice(&head_of_len(MAX_HEAD_SIZE - 10));
    assert_eq!(once(false, &msg).unwrap_err(), HttpError::HeadTooLarge);
}

#[test]
// 100 KiB heads take Miri minutes and hold nothing it checks for.
#[cfg_attr(miri, ignore)]
fn big_head_byte_at_a_time_is_linear() {
    let head = head_of_len(MAX_HEAD_SIZE - 1);
    let bytes: Vec<&[u8]> = head.chunks(1).collect();
    let out = drive(false, &bytes).unwrap();
    assert_eq!(out.heads[0].raw, head);
}

#[test]
fn eof_variants() {
    let cases: [(&[u8], HttpError, ErrorCode); 6] = [
        (b"", HttpError::GotNothing, ErrorCode::GotNothing),
        (
            b"HTTP/1.1 200",
            HttpError::PartialHead,
            ErrorCode::RecvError,
        ),
        (
            b"HTTP/1.1 100 Continue\r\n\r\n",
            HttpError::PartialHead,
            ErrorCode::RecvError,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
            HttpError::PartialBody { remaining: Some(7) },
            ErrorCode::PartialFile,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            HttpError::PartialBody { remaining: None },
            ErrorCode::PartialFile,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n",
            HttpError::PartialBody { remaining: None },
            ErrorCode::PartialFile,
        ),
    ];
    for (msg, expected, code) in cases {
        let err = check_splits(false, msg).unwrap_err();
        assert_eq!(err, expected, "{msg:?}");
        assert_eq!(err.code(), code);
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn eof_after_complete_message() {
    let mut dec = ResponseDecoder::new(false);
    let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz";
    let (n, _) = dec.decode(msg).unwrap();
    assert_eq!(dec.decode(&msg[n..]).unwrap(), (1, Decoded::Body(0..1)));
    assert_eq!(dec.eof(), Ok(Decoded::Done { reusable: false }));
    assert!(dec.is_done());
}

#[test]
fn errors_are_sticky() {
    let mut dec = ResponseDecoder::new(false);
    assert!(dec.decode(b"garbage\r\n\r\n").is_err());
    assert!(dec.decode(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
    assert!(dec.eof().is_err());
}

/// An early end inside a Content-Length body stays the answer: the body
/// bytes' short way (decode in `State::Length`) does not hand out more.
#[test]
fn errors_are_sticky_inside_a_length_body() {
    let mut dec = ResponseDecoder::new(false);
    let (n, _) = dec
        .decode(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        .unwrap();
    assert_eq!(n, 38);
    assert_eq!(dec.decode(b"ab").unwrap(), (2, Decoded::Body(0..2)));
    let err = dec.eof().unwrap_err();
    assert_eq!(err, HttpError::PartialBody { remaining: Some(3) });
    assert_eq!(dec.decode(b"cde"), Err(err));
}

#[test]
fn http10_request_line() {
    let headers: Vec<String> = Vec::new();
    let parts = RequestParts {
        method: "GET",
        target: "/",
        host: "h",
        headers: &headers,
        body: BodyFraming::None,
        http10: true,
        h2c_settings: None,
    };
    let mut out = Vec::new();
    encode_request(&parts, &mut out);
    assert_eq!(out, b"GET / HTTP/1.0\r\nHost: h\r\nAccept: */*\r\n\r\n");
}

/// A lent head is where the next head is made: nothing of the old one
/// (its location, codings, bytes) shows through, whichever reader (plain
/// or httparse) reads the new head.
#[test]
fn a_lent_head_is_reused_whole() {
    let old = b"HTTP/1.1 301 Moved\r\nLocation: /elsewhere\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n";
    let mut dec = ResponseDecoder::new(false);
    let Ok((_, Decoded::Head(first))) = dec.decode(old) else {
        panic!("a head");
    };
    for new in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"[..],
        b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi",
    ] {
        let mut dec = ResponseDecoder::new(false);
        dec.lend(Some(first.clone()));
        let Ok((n, Decoded::Head(head))) = dec.decode(new) else {
            panic!("a head");
        };
        assert!(dec.take_spare().is_none(), "the lent head was used");
        assert_eq!(head.raw, &new[..n]);
        assert_eq!((head.status, head.content_length), (200, Some(2)));
        assert_eq!(head.location, None);
        assert!(head.content_encoding.is_empty());
        let mut fresh = ResponseDecoder::new(false);
        let Ok((_, Decoded::Head(plain))) = fresh.decode(new) else {
            panic!("a head");
        };
        assert_eq!(head, plain);
    }
}

/// `take_done` after the last bytes of a Content-Length body gives the
/// `Done` the next `decode` call would give (reusable or not), and the
/// decoder is done after it; before the body ends it gives nothing.
#[test]
fn take_done_ends_a_message_as_decode_would() {
    let cases: [&[u8]; 4] = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
        b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ];
    for raw in cases {
        let (mut asked, mut taken) = (ResponseDecoder::new(false), ResponseDecoder::new(false));
        let mut pos = 0;
        let mut done = None;
        while done.is_none() {
            assert_eq!(taken.take_done(), None, "{}", String::from_utf8_lossy(raw));
            let (n, d) = asked.decode(&raw[pos..]).unwrap();
            assert_eq!(taken.decode(&raw[pos..]).unwrap(), (n, d.clone()));
            pos += n;
            if let Decoded::Done { reusable } = d {
                done = Some(reusable);
            } else if asked.is_complete() {
                let (n, d) = asked.decode(&raw[pos..]).unwrap();
                assert_eq!(n, 0);
                let reusable = taken.take_done();
                assert_eq!(Some(d), reusable.map(|reusable| Decoded::Done { reusable }));
                done = reusable;
            }
        }
        assert!(asked.is_done() && taken.is_done());
        assert_eq!(taken.take_done(), None);
        let chunked = raw.windows(7).any(|w| w == b"chunked");
        let reusable =
            raw.starts_with(b"HTTP/1.1") && !raw.windows(5).any(|w| w == b"close") && !chunked;
        assert_eq!(done, Some(reusable), "{}", String::from_utf8_lossy(raw));
    }
}
