//! HTTP/2 receive windows through the socket_action loop (issue 15,
//! docs/decisions.md "HTTP/2 WINDOW_UPDATE cadence"): a bulk download
//! sends one WINDOW_UPDATE per half window, not one per frame or per
//! read, and a paused stream closes only its own window, which bounds
//! what it buffers, while the others keep flowing past the connection
//! window.
//!
//! The frames are counted by a relay between the client and hyper's
//! server (h2c with prior knowledge, so the relay reads them in clear):
//! it forwards every byte and parses both directions as HTTP/2 frames.
mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::App;
use fetch_core::{Easy, Flow, HttpVersion, Pause, TransferId};
use fixtures::{H2Server, pattern};

/// Frame type ids (RFC 9113 section 6).
const DATA: u8 = 0x0;
const WINDOW_UPDATE: u8 = 0x8;
/// The client connection preface, which precedes the client's frames.
const PREFACE_LEN: usize = 24;
/// The stream window we announce (h2::Config's `stream_window`): the most
/// a paused stream may be sent beyond what its application consumed.
const STREAM_WINDOW: usize = 1024 * 1024;
/// The connection window we open (h2::Config's `conn_window`).
const CONN_WINDOW: usize = 16 * 1024 * 1024;

/// What the relay saw.
#[derive(Default, Debug)]
struct Seen {
    /// WINDOW_UPDATE frames from the client: (connection, streams).
    updates: (usize, usize),
    /// DATA payload bytes from the server, by stream.
    data: HashMap<u32, usize>,
    connections: usize,
}

/// Splits a byte stream into frames as it passes.
struct FrameReader {
    skip: usize,
    buf: Vec<u8>,
}

impl FrameReader {
    fn new(skip: usize) -> Self {
        Self {
            skip,
            buf: Vec::new(),
        }
    }

    /// Feeds `bytes`; calls `each(type, stream, payload length)` for
    /// every complete frame header and skips its payload.
    fn feed(&mut self, mut bytes: &[u8], mut each: impl FnMut(u8, u32, usize)) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (9 - self.buf.len()).min(bytes.len());
            self.buf.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.buf.len() == 9 {
                let h = &self.buf;
                let len = usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2]);
                let stream = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff;
                each(h[3], stream, len);
                self.skip = len;
                self.buf.clear();
            }
        }
    }
}

/// A TCP relay to `server` that counts frames (one thread per
/// direction per connection; it lives as long as the test).
fn relay(server: SocketAddr) -> (SocketAddr, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let counts = seen.clone();
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let upstream = TcpStream::connect(server).unwrap();
            counts.lock().unwrap().connections += 1;
            let (c2, u2, seen_up, seen_down) = (
                client.try_clone().unwrap(),
                upstream.try_clone().unwrap(),
                counts.clone(),
                counts.clone(),
            );
            thread::spawn(move || {
                pipe(
                    client,
                    upstream,
                    FrameReader::new(PREFACE_LEN),
                    |t, s, _| {
                        if t == WINDOW_UPDATE {
                            let mut seen = seen_up.lock().unwrap();
                            if s == 0 {
                                seen.updates.0 += 1;
                            } else {
                                seen.updates.1 += 1;
                            }
                        }
                    },
                );
            });
            thread::spawn(move || {
                pipe(u2, c2, FrameReader::new(0), |t, s, len| {
                    if t == DATA {
                        *seen_down.lock().unwrap().data.entry(s).or_default() += len;
                    }
                });
            });
        }
    });
    (addr, seen)
}

/// Copies `from` to `to` until either ends, reporting frames.
fn pipe(
    mut from: TcpStream,
    mut to: TcpStream,
    mut frames: FrameReader,
    mut each: impl FnMut(u8, u32, usize),
) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        frames.feed(&buf[..n], &mut each);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

fn h2c(addr: SocketAddr, path: &str) -> Easy {
    let mut e = Easy::with_url(format!("http://{addr}{path}"));
    e.http_version(HttpVersion::V2PriorKnowledge);
    e.pipewait(true);
    e
}

/// Runs until `n` transfers are done (60 s against a hang).
fn until_done(app: &mut App, n: usize) {
    let end = std::time::Instant::now() + Duration::from_secs(60);
    while app.done.len() < n {
        app.step(Duration::from_millis(10));
        assert!(std::time::Instant::now() < end, "transfers hung");
    }
}

/// Four 8 MiB streams on one connection: a stream's window is reopened
/// once half of it is consumed and the connection's once half of it has
/// arrived, whatever the DATA frame (16 KiB here) and read sizes, so a
/// stream sends at most 16 updates for 8 MiB (15 when END_STREAM comes
/// with the last bytes: that half window needs none) and the connection
/// one per 8 MiB: 69 in all with the one that opens the connection
/// window, where one per DATA frame would be over 2,000.
#[test_log::test]
fn bulk_streams_send_few_window_updates() {
    let srv = H2Server::start();
    let (addr, seen) = relay(srv.addr());
    let mut app = App::new();
    let len = 8 * 1024 * 1024;
    let ids: Vec<TransferId> = (0..4)
        .map(|_| app.add(h2c(addr, &format!("/bytes/{len}"))))
        .collect();
    until_done(&mut app, 4);
    for id in ids {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        assert!(app.multi.remove(id).unwrap().response_body() == pattern(len).as_slice());
    }
    let seen = seen.lock().unwrap();
    assert_eq!((seen.connections, srv.h2_requests()), (1, 4));
    let (conn, streams) = seen.updates;
    eprintln!("WINDOW_UPDATE frames: {conn} connection, {streams} stream");
    // The connection's first update opens its window in the preface.
    let half = STREAM_WINDOW / 2;
    assert!(
        conn <= 1 + 4 * len / (CONN_WINDOW / 2) && streams <= 4 * (len / half),
        "{conn} connection and {streams} stream WINDOW_UPDATEs for 4 x 8 MiB"
    );
}

/// A stream paused after its first 2 MiB of a 40 MiB body: the server
/// may send it at most what it consumed plus its window (1 MiB), while
/// three other streams carry 72 MiB, more than four connection windows,
/// to the end (the connection window is given back as data arrives, so
/// the paused stream's bytes never hold it); resumed, it completes
/// intact.
#[test_log::test]
fn paused_stream_holds_at_most_its_window_while_others_flow() {
    let srv = H2Server::start();
    let (addr, seen) = relay(srv.addr());
    let mut app = App::new();
    let (big, other) = (40 * 1024 * 1024, 24 * 1024 * 1024);
    assert!(3 * other > 4 * CONN_WINDOW);
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    let mut paused = false;
    let mut e = h2c(addr, &format!("/bytes/{big}"));
    e.write_function(move |d: &[u8]| {
        let mut all = sink.lock().unwrap();
        if !paused && all.len() >= 2 * 1024 * 1024 {
            paused = true;
            return Flow::Pause;
        }
        all.extend_from_slice(d);
        Flow::Continue
    });
    let first = app.add(e);
    let others: Vec<TransferId> = (0..3)
        .map(|_| app.add(h2c(addr, &format!("/bytes/{other}"))))
        .collect();
    until_done(&mut app, 3);
    for &id in &others {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    }
    let consumed = got.lock().unwrap().len();
    // The paused stream is the connection's first (stream 1).
    let sent = seen.lock().unwrap().data.get(&1).copied().unwrap_or(0);
    assert!(
        sent <= consumed + STREAM_WINDOW,
        "{sent} bytes sent to a stream paused after {consumed}"
    );
    eprintln!("paused after {consumed} bytes; the server sent it {sent}");
    assert!(sent < big);
    app.multi.pause(first, Pause::CONT).unwrap();
    until_done(&mut app, 4);
    assert!(app.result(first).is_ok(), "{:?}", app.result(first));
    assert!(*got.lock().unwrap() == pattern(big));
    for id in others {
        assert!(app.multi.remove(id).unwrap().response_body() == pattern(other).as_slice());
    }
    assert_eq!(
        (seen.lock().unwrap().connections, srv.h2_requests()),
        (1, 4)
    );
}
