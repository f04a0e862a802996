//! Content decoding (issue 16): ACCEPT_ENCODING with gzip, deflate, br and
//! zstd bodies made by the same crates' encoders and served by scripted
//! peers; chains, chunked framing, pauses mid-body, hostile bodies (corrupt,
//! unknown coding, a decompression bomb) and MAXFILESIZE,
//! HTTP_CONTENT_DECODING and HTTP_TRANSFER_DECODING.
mod common;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, Ev, run_one};
use fetch_core::{Easy, ErrorCode, Flow, Pause};
use fixtures::{Script, ScriptedServer};

fn body(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| b"content decoding in bounded pieces; "[i % 36] ^ (i / 4001) as u8)
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn br(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(data).unwrap();
    }
    out
}

fn zst(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A response with `Content-Encoding: coding` (raw header value) and a
/// Content-Length body.
fn respond(coding: &str, payload: &[u8]) -> Script {
    let mut msg = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    )
    .into_bytes();
    msg.extend_from_slice(payload);
    Script::new().expect_request().write(msg)
}

/// `payload` in chunks of `size` bytes.
fn chunked(payload: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for c in payload.chunks(size) {
        out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn accepting(url: String) -> Easy {
    let mut easy = Easy::with_url(url);
    easy.accept_encoding(Some(String::new()));
    easy
}

/// Each coding decodes to the original body; "" asks for all of them.
#[test_log::test]
fn each_coding_decodes() {
    let data = body(300_000);
    let cases: [(&str, Vec<u8>); 6] = [
        ("gzip", gzip(&data)),
        ("x-gzip", gzip(&data)),
        ("deflate", zlib(&data)),
        ("deflate", raw_deflate(&data)),
        ("br", br(&data)),
        ("zstd", zst(&data)),
    ];
    for (coding, payload) in cases {
        let srv = ScriptedServer::start(respond(coding, &payload));
        let (mut app, id) = run_one(accepting(srv.url("/")));
        assert!(app.result(id).is_ok(), "{coding}: {:?}", app.result(id));
        let easy = app.multi.remove(id).unwrap();
        assert!(easy.response_body() == data.as_slice(), "{coding} decoded");
        let req = String::from_utf8(srv.requests()[0].clone()).unwrap();
        assert!(
            req.contains("\r\nAccept-Encoding: deflate, gzip, br, zstd\r\n"),
            "{req}"
        );
        // SIZE_DOWNLOAD counts the body as received, like upstream.
        assert_eq!(easy.info().size_download, payload.len() as u64);
    }
}

/// A list is sent as given; a response in another supported coding is
/// still decoded (upstream decodes what it can whatever it asked for).
#[test_log::test]
fn a_list_is_sent_as_given() {
    let data = body(10_000);
    let srv = ScriptedServer::start(respond("br", &br(&data)));
    let mut easy = Easy::with_url(srv.url("/"));
    easy.accept_encoding(Some("gzip".into()));
    let (mut app, id) = run_one(easy);
    assert!(app.result(id).is_ok());
    assert!(app.multi.remove(id).unwrap().response_body() == data.as_slice());
    let req = String::from_utf8(srv.requests()[0].clone()).unwrap();
    assert!(req.contains("\r\nAccept-Encoding: gzip\r\n"), "{req}");
}

/// "gzip, br" (over two header lines) is undone br first, then gzip; a
/// chunked body in small chunks decodes the same.
#[test_log::test]
fn chained_and_chunked() {
    let data = body(200_000);
    let payload = br(&gzip(&data));
    let mut msg = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nContent-Encoding: identity, br\r\n\r\n".to_vec();
    msg.extend_from_slice(&chunked(&payload, 1000));
    let srv = ScriptedServer::start(Script::new().expect_request().write(msg));
    let (mut app, id) = run_one(accepting(srv.url("/")));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(app.multi.remove(id).unwrap().response_body() == data.as_slice());
}

/// Without ACCEPT_ENCODING, or with HTTP_CONTENT_DECODING off, the body is
/// handed over as received.
#[test_log::test]
fn raw_unless_asked_or_with_content_decoding_off() {
    let data = body(20_000);
    let gz = gzip(&data);
    let srv = ScriptedServer::start(respond("gzip", &gz));
    let (mut app, id) = run_one(Easy::with_url(srv.url("/")));
    assert!(app.multi.remove(id).unwrap().response_body() == gz.as_slice());
    let mut easy = accepting(srv.url("/"));
    easy.content_decoding(false);
    let (mut app, id) = run_one(easy);
    assert!(app.result(id).is_ok());
    assert!(app.multi.remove(id).unwrap().response_body() == gz.as_slice());
    let req = String::from_utf8(srv.requests()[1].clone()).unwrap();
    assert!(req.contains("\r\nAccept-Encoding: "), "still asked: {req}");
}

/// HTTP_TRANSFER_DECODING off: the chunked framing reaches the write
/// callback byte for byte, trailer included, and the transfer still ends
/// where the message does (the connection is reused).
#[test_log::test]
fn transfer_decoding_off_hands_over_the_framing() {
    let framed = b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n".to_vec();
    let mut msg = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    msg.extend_from_slice(&framed);
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(&msg)
            .expect_request()
            .write(&msg),
    );
    let mut app = App::new();
    for expect in [framed.as_slice(), b"hello world"] {
        let mut easy = Easy::with_url(srv.url("/"));
        easy.transfer_decoding(expect.len() == 11);
        let id = app.add(easy);
        app.run(Duration::from_secs(10));
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        let easy = app.multi.remove(id).unwrap();
        assert_eq!(
            String::from_utf8_lossy(easy.response_body()),
            String::from_utf8_lossy(expect)
        );
    }
    assert_eq!(srv.accepted(), 1, "the connection was reused");
}

/// What a recording write callback saw: the body, the largest piece, and
/// whether it paused.
type Seen = (Arc<Mutex<Vec<u8>>>, Arc<Mutex<usize>>, Arc<AtomicBool>);

/// A write callback that records piece sizes and pauses once after `after`
/// bytes.
fn pausing(easy: &mut Easy, after: usize) -> Seen {
    let got = Arc::new(Mutex::new(Vec::new()));
    let largest = Arc::new(Mutex::new(0));
    let paused = Arc::new(AtomicBool::new(false));
    let (g, l, p) = (got.clone(), largest.clone(), paused.clone());
    easy.write_function(move |d| {
        let mut g = g.lock().unwrap();
        if g.len() >= after && !p.swap(true, Ordering::SeqCst) {
            return Flow::Pause;
        }
        let mut l = l.lock().unwrap();
        *l = (*l).max(d.len());
        g.extend_from_slice(d);
        Flow::Continue
    });
    (got, largest, paused)
}

/// A pause mid-decode keeps the rest in the decoder: while paused the
/// socket is gone and the loop is not woken; on resume the body continues
/// where it stopped. Decoded pieces are at most 16 KiB (CB-06).
#[test_log::test]
fn pause_mid_decode_keeps_the_rest_cb06() {
    let data = body(3_000_000);
    let srv = ScriptedServer::start(respond("gzip", &gzip(&data)));
    let mut easy = accepting(srv.url("/"));
    let (got, largest, paused) = pausing(&mut easy, 100_000);
    let mut app = App::new();
    let id = app.add(easy);
    for _ in 0..500 {
        if paused.load(Ordering::SeqCst) {
            break;
        }
        app.step(Duration::from_millis(20));
    }
    assert!(paused.load(Ordering::SeqCst), "paused");
    app.step(Duration::from_millis(5));
    assert_eq!(app.watched(), 0, "paused socket removed");
    let (wakeups, actions) = (app.shared.lock().unwrap().wakeups, app.actions);
    for _ in 0..10 {
        app.step(Duration::from_millis(20));
    }
    assert_eq!(
        app.shared.lock().unwrap().wakeups,
        wakeups,
        "no wake-ups while paused"
    );
    assert_eq!(app.actions, actions, "no socket_action calls while paused");
    let before = app.log().len();
    app.multi.pause(id, Pause::CONT).unwrap();
    assert!(app.log()[before..].contains(&Ev::Timer(Some(Duration::ZERO))));
    app.run(Duration::from_secs(30));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert!(*got.lock().unwrap() == data, "body intact after the pause");
    assert!(*largest.lock().unwrap() <= 16 * 1024, "pieces bounded");
}

/// A corrupt stream fails with FETCHE_BAD_CONTENT_ENCODING and a message;
/// a transfer beside it in the same multi is not disturbed.
#[test_log::test]
fn corrupt_stream_fails_alone() {
    let good = body(500_000);
    let mut bad = gzip(&body(100_000));
    let n = bad.len();
    bad[n / 3..n / 2].fill(0xa5);
    let bad_srv = ScriptedServer::start(respond("gzip", &bad));
    let good_srv = ScriptedServer::start(respond("zstd", &zst(&good)));
    let mut app = App::new();
    let b = app.add(accepting(bad_srv.url("/")));
    let g = app.add(accepting(good_srv.url("/")));
    app.run(Duration::from_secs(20));
    assert_eq!(app.code(b), ErrorCode::BadContentEncoding.code());
    let msg = app.result(b).as_ref().unwrap_err().to_string();
    assert!(
        msg.contains("Error while processing content unencoding"),
        "{msg}"
    );
    assert!(app.result(g).is_ok());
    assert!(app.multi.remove(g).unwrap().response_body() == good.as_slice());
}

/// An unknown coding fails at the first body byte with upstream's words;
/// a body-less response in it (HEAD) is fine.
#[test_log::test]
fn unknown_coding() {
    let srv = ScriptedServer::start(respond("compress", b"whatever"));
    let (app, id) = run_one(accepting(srv.url("/")));
    assert_eq!(app.code(id), ErrorCode::BadContentEncoding.code());
    let msg = app.result(id).as_ref().unwrap_err().to_string();
    assert!(msg.contains("Unrecognized content encoding type"), "{msg}");

    let head = "HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\nContent-Length: 8\r\n\r\n";
    let srv = ScriptedServer::start(Script::new().expect_request().write(head));
    let mut easy = accepting(srv.url("/"));
    easy.method(fetch_core::Method::Head);
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
}

/// More than five codings are refused before the body.
#[test_log::test]
fn six_codings_refused() {
    let srv = ScriptedServer::start(respond(
        "identity, identity, identity, identity, identity, identity",
        b"x",
    ));
    let (app, id) = run_one(accepting(srv.url("/")));
    assert_eq!(app.code(id), ErrorCode::BadContentEncoding.code());
}

/// 256 MiB of zeros, gzipped to a few hundred KiB.
fn bomb() -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..256 {
        e.write_all(&zeros).unwrap();
    }
    e.finish().unwrap()
}

/// MAXFILESIZE against a decompression bomb: the decoded size is what
/// counts, so the transfer stops at the limit with
/// FETCHE_FILESIZE_EXCEEDED having handed over no more than the limit.
#[test_log::test]
fn bomb_stopped_by_max_filesize() {
    let payload = bomb();
    assert!(payload.len() < 2 << 20, "a bomb: {} bytes", payload.len());
    let mut msg =
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    msg.extend_from_slice(&chunked(&payload, 64 * 1024));
    let srv = ScriptedServer::start(Script::new().expect_request().write(msg));
    let limit = 10 << 20;
    let mut easy = accepting(srv.url("/"));
    easy.max_filesize(Some(limit));
    let (got, _, _) = pausing(&mut easy, usize::MAX);
    let (app, id) = run_one(easy);
    assert_eq!(app.code(id), ErrorCode::FilesizeExceeded.code());
    let n = got.lock().unwrap().len() as u64;
    assert!(n <= limit && n > limit - 64 * 1024, "{n} handed over");
}

/// A Content-Length above MAXFILESIZE fails before any body byte; one at
/// the limit passes.
#[test_log::test]
fn content_length_over_the_limit() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok(body(1000)));
    for (limit, ok) in [(999, false), (1000, true)] {
        let mut easy = Easy::with_url(srv.url("/"));
        easy.max_filesize(Some(limit));
        let (got, _, _) = pausing(&mut easy, usize::MAX);
        let (app, id) = run_one(easy);
        if ok {
            assert!(app.result(id).is_ok());
        } else {
            assert_eq!(app.code(id), ErrorCode::FilesizeExceeded.code());
            let msg = app.result(id).as_ref().unwrap_err().to_string();
            assert!(msg.contains("Maximum file size exceeded"), "{msg}");
            assert!(got.lock().unwrap().is_empty(), "no body byte delivered");
        }
    }
}

/// Runs `easy` with a write callback that pauses before taking each piece
/// and an application that resumes it from its loop; returns the body.
fn pause_at_every_piece(mut easy: Easy) -> (Result<(), fetch_core::Error>, Vec<u8>, usize) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let want_resume = Arc::new(AtomicBool::new(false));
    let (g, w) = (got.clone(), want_resume.clone());
    let mut armed = true;
    easy.write_function(move |d| {
        if armed {
            armed = false;
            w.store(true, Ordering::SeqCst);
            return Flow::Pause;
        }
        armed = true;
        g.lock().unwrap().extend_from_slice(d);
        Flow::Continue
    });
    let mut app = App::new();
    let id = app.add(easy);
    let mut pauses = 0;
    for _ in 0..20_000 {
        if app.done.iter().any(|m| m.transfer == id) {
            break;
        }
        app.step(Duration::from_millis(20));
        if want_resume.swap(false, Ordering::SeqCst) {
            pauses += 1;
            app.multi.pause(id, Pause::CONT).unwrap();
        }
    }
    let result = app.result(id).clone();
    let body = got.lock().unwrap().clone();
    (result, body, pauses)
}

/// A pause on every piece, the last one included, loses nothing and ends
/// the transfer: decoded pieces (the message may end while decoded bytes
/// wait) and raw framing (the message may end with the held bytes).
#[test_log::test]
fn pause_on_every_piece_cb06() {
    let data = body(100_000);
    let mut msg =
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    msg.extend_from_slice(&chunked(&gzip(&data), 3000));
    let srv = ScriptedServer::start(Script::new().expect_request().write(&msg));
    let (result, got, pauses) = pause_at_every_piece(accepting(srv.url("/")));
    assert!(result.is_ok(), "{result:?}");
    assert!(got == data);
    assert!(pauses >= data.len() / (16 * 1024), "{pauses} pauses");

    let mut easy = Easy::with_url(srv.url("/"));
    easy.transfer_decoding(false);
    let (result, got, pauses) = pause_at_every_piece(easy);
    assert!(result.is_ok(), "{result:?}");
    let framed = &msg[msg.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
    assert!(got == framed, "framing intact");
    assert!(pauses > 1);
}
