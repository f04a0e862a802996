//! Hostile HTTP/2 servers (scripted raw peers): each flood or overflow
//! ends its own connection with FETCHE_HTTP2 (or only its stream with
//! FETCHE_HTTP2_STREAM), and a transfer to another server in the same
//! multi is not disturbed.
mod common;

use std::time::Duration;

use common::App;
use fetch_core::{Easy, ErrorCode, HttpVersion};
use fixtures::{HttpServer, Script, ScriptedServer, pattern};

/// A frame: 9-byte header and payload.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = len.to_be_bytes()[1..].to_vec();
    f.extend_from_slice(&[kind, flags]);
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const WINDOW_UPDATE: u8 = 0x8;
const HEADERS: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const END_STREAM: u8 = 0x1;

/// A server that reads the preface, sends `frames` and then waits.
fn hostile(frames: Vec<u8>) -> ScriptedServer {
    let mut bytes = frame(SETTINGS, 0, 0, &[]);
    bytes.extend_from_slice(&frames);
    ScriptedServer::start(Script::new().expect_request().write(bytes).stall())
}

/// Runs a prior-knowledge GET to `bad` next to an HTTP/1.1 GET to a good
/// server; returns the bad transfer's error code.
fn run_beside_a_good_transfer(bad: &ScriptedServer) -> Result<(), ErrorCode> {
    let good = HttpServer::start();
    let mut app = App::new();
    let mut e = Easy::with_url(bad.url("/"));
    e.http_version(HttpVersion::V2PriorKnowledge);
    let bad_id = app.add(e);
    let good_id = app.add(Easy::with_url(good.url("/bytes/200000")));
    app.run(Duration::from_secs(20));
    assert!(app.result(good_id).is_ok(), "{:?}", app.result(good_id));
    assert!(app.multi.remove(good_id).unwrap().response_body() == pattern(200_000).as_slice());
    app.outcome(bad_id)
}

#[test_log::test]
fn ping_flood_ends_the_connection() {
    let mut flood = Vec::new();
    for _ in 0..1000 {
        flood.extend_from_slice(&frame(PING, 0, 0, b"abcdefgh"));
    }
    let bad = hostile(flood);
    assert_eq!(run_beside_a_good_transfer(&bad), Err(ErrorCode::Http2));
}

#[test_log::test]
fn connection_window_overflow_ends_the_connection() {
    let bad = hostile(frame(WINDOW_UPDATE, 0, 0, &0x7fff_ffffu32.to_be_bytes()));
    assert_eq!(run_beside_a_good_transfer(&bad), Err(ErrorCode::Http2));
}

#[test_log::test]
fn settings_flood_ends_the_connection() {
    let mut flood = Vec::new();
    for _ in 0..1000 {
        flood.extend_from_slice(&frame(SETTINGS, 0, 0, &[]));
    }
    let bad = hostile(flood);
    assert_eq!(run_beside_a_good_transfer(&bad), Err(ErrorCode::Http2));
}

/// An HPACK "bomb": one 4000-byte entry put in the dynamic table, then
/// referenced 40 times with one byte each: a small block that decodes to
/// about 160 KB, more than the 100 KiB header list limit. Only the stream
/// is reset.
#[test_log::test]
fn header_list_bomb_resets_the_stream() {
    let mut block = vec![0x88]; // :status 200
    block.push(0x40); // literal with incremental indexing, new name
    block.extend_from_slice(&[0x01, b'x']);
    // Value length 4000 with a 7-bit prefix: 127 + 3873 (0xa1 0x1e).
    block.extend_from_slice(&[0x7f, 0xa1, 0x1e]);
    block.extend_from_slice(&[b'v'; 4000]);
    block.extend(std::iter::repeat_n(0xbe, 40)); // index 62: the new entry
    let bad = hostile(frame(HEADERS, END_HEADERS | END_STREAM, 1, &block));
    assert_eq!(
        run_beside_a_good_transfer(&bad),
        Err(ErrorCode::Http2Stream)
    );
}

#[test_log::test]
fn garbage_instead_of_frames_ends_the_connection() {
    // A frame header announcing 1 MiB (over SETTINGS_MAX_FRAME_SIZE).
    let bad = hostile(vec![0x10, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(run_beside_a_good_transfer(&bad), Err(ErrorCode::Http2));
}

const DATA: u8 = 0x0;
const GOAWAY: u8 = 0x7;

fn goaway(last: u32) -> Vec<u8> {
    let mut p = last.to_be_bytes().to_vec();
    p.extend_from_slice(&0u32.to_be_bytes());
    frame(GOAWAY, 0, 0, &p)
}

/// A server that answers stream 1 with 200 and `hi`.
fn answers_hi() -> Script {
    let mut bytes = frame(SETTINGS, 0, 0, &[]);
    bytes.extend_from_slice(&frame(HEADERS, END_HEADERS, 1, &[0x88]));
    bytes.extend_from_slice(&frame(DATA, END_STREAM, 1, b"hi"));
    Script::new().expect_request().write(bytes).stall()
}

fn goes_away() -> Script {
    let mut bytes = frame(SETTINGS, 0, 0, &[]);
    bytes.extend_from_slice(&goaway(0));
    Script::new().expect_request().write(bytes).stall()
}

fn h2_get(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.http_version(HttpVersion::V2PriorKnowledge);
    e
}

/// GOAWAY before the stream was processed: the request goes again on a
/// new connection.
#[test_log::test]
fn unprocessed_stream_after_goaway_is_retried() {
    let srv = ScriptedServer::start_seq(vec![goes_away(), answers_hi()]);
    let (mut app, id) = common::run_one(h2_get(srv.url("/")));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(app.multi.remove(id).unwrap().response_body(), b"hi");
    assert_eq!(srv.accepted(), 2);
}

/// A server that always goes away gets one retry, then the transfer
/// fails with FETCHE_HTTP2.
#[test_log::test]
fn goaway_again_fails_the_transfer() {
    let srv = ScriptedServer::start_seq(vec![goes_away(), goes_away(), goes_away()]);
    let (app, id) = common::run_one(h2_get(srv.url("/")));
    assert_eq!(
        app.result(id).as_ref().unwrap_err().code(),
        ErrorCode::Http2
    );
    assert_eq!(srv.accepted(), 2);
}
