//! The connection against a scripted server: each test reads like the
//! frames it exchanges (the `Peer` builds server frames, `frames` parses
//! what the client queued).

use super::frame::{self, FrameHeader, HEADER_LEN, flag, kind};
use super::settings::id;
use super::*;

/// Server-side frame builder.
#[derive(Default)]
struct Peer(Vec<u8>);

impl Peer {
    fn settings(mut self, pairs: &[(u16, u32)]) -> Self {
        frame::settings(&mut self.0, pairs);
        self
    }
    fn head(mut self, stream: u32, status: &str, fields: &[(&str, &str)], end: bool) -> Self {
        let block = block(status, fields);
        frame::headers(&mut self.0, stream, &block, end, 16_384);
        self
    }
    fn raw(mut self, len: usize, kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Self {
        frame::write_header(&mut self.0, len, kind, flags, stream);
        self.0.extend_from_slice(payload);
        self
    }
    fn data(mut self, stream: u32, bytes: &[u8], end: bool) -> Self {
        frame::data(&mut self.0, stream, bytes, end);
        self
    }
    fn window_update(mut self, stream: u32, inc: u32) -> Self {
        frame::write_header(&mut self.0, 4, kind::WINDOW_UPDATE, 0, stream);
        self.0.extend_from_slice(&inc.to_be_bytes());
        self
    }
    fn ping(mut self) -> Self {
        frame::ping(&mut self.0, false, *b"12345678");
        self
    }
}

fn block(status: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut b = Vec::new();
    if !status.is_empty() {
        hpack::encode_field(b":status", status.as_bytes(), &mut b);
    }
    for (n, v) in fields {
        hpack::encode_field(n.as_bytes(), v.as_bytes(), &mut b);
    }
    b
}

const GET: &[(&[u8], &[u8])] = &[
    (b":method", b"GET"),
    (b":scheme", b"http"),
    (b":authority", b"127.0.0.1"),
    (b":path", b"/"),
];

/// A client with the server's SETTINGS already read and its own output
/// (preface, SETTINGS, ...) drained.
fn ready(config: Config) -> Connection {
    let mut c = Connection::new(config);
    let (_, ev) = c.recv(&Peer::default().settings(&[]).0).unwrap();
    assert_eq!(ev, Recv::Control);
    let n = c.output().len();
    c.written(n);
    c
}

/// Feeds `bytes` whole, collecting events until NeedMore or an error.
fn feed(c: &mut Connection, bytes: &[u8]) -> (Vec<Recv>, Option<ConnError>) {
    let mut events = Vec::new();
    let mut pos = 0;
    loop {
        match c.recv(&bytes[pos..]) {
            Ok((_, Recv::NeedMore)) => return (events, None),
            Ok((n, ev)) => {
                let ev = match ev {
                    Recv::Data {
                        stream,
                        data,
                        end_stream,
                    } => Recv::Data {
                        stream,
                        data: data.start + pos..data.end + pos,
                        end_stream,
                    },
                    other => other,
                };
                events.push(ev);
                pos += n;
            }
            Err(e) => return (events, Some(e)),
        }
    }
}

/// The frames the client queued (after the preface, if present).
fn frames(c: &Connection) -> Vec<(FrameHeader, Vec<u8>)> {
    let mut out = c.output();
    if let Some(rest) = out.strip_prefix(PREFACE) {
        out = rest;
    }
    let mut v = Vec::new();
    while let Some(h) = FrameHeader::parse(out) {
        v.push((h, out[HEADER_LEN..HEADER_LEN + h.len].to_vec()));
        out = &out[HEADER_LEN + h.len..];
    }
    v
}

fn goaway_code(c: &Connection) -> Option<u32> {
    frames(c)
        .iter()
        .find(|(h, _)| h.kind == kind::GOAWAY)
        .map(|(_, p)| frame::u32_at(p, 4))
}

fn rst_code(c: &Connection, stream: u32) -> Option<u32> {
    frames(c)
        .iter()
        .find(|(h, _)| h.kind == kind::RST_STREAM && h.stream == stream)
        .map(|(_, p)| frame::u32_at(p, 0))
}

#[test]
fn preface_settings_and_connection_window_come_first() {
    let c = Connection::new(Config::default());
    assert!(c.output().starts_with(PREFACE));
    let f = frames(&c);
    assert_eq!(f[0].0.kind, kind::SETTINGS);
    let pairs: Vec<(u16, u32)> = f[0]
        .1
        .chunks(6)
        .map(|p| (u16::from_be_bytes([p[0], p[1]]), frame::u32_at(p, 2)))
        .collect();
    assert!(pairs.contains(&(id::ENABLE_PUSH, 0)));
    assert!(pairs.contains(&(id::INITIAL_WINDOW_SIZE, 1024 * 1024)));
    assert_eq!(f[1].0.kind, kind::WINDOW_UPDATE);
    assert_eq!(frame::u31(&f[1].1, 0), 16 * 1024 * 1024 - 65_535);
}

fn simple_response() -> Vec<u8> {
    Peer::default()
        .settings(&[(id::MAX_CONCURRENT_STREAMS, 100)])
        .head(1, "200", &[("content-type", "text/plain")], false)
        .data(1, b"hello ", false)
        .data(1, b"world", true)
        .0
}

#[test]
fn a_get_yields_head_data_and_end() {
    let mut c = Connection::new(Config::default());
    let s = c.open_stream(GET, true).unwrap();
    assert_eq!(s, 1);
    let bytes = simple_response();
    let (events, err) = feed(&mut c, &bytes);
    assert_eq!(err, None);
    let mut body = Vec::new();
    let mut heads = 0;
    for ev in &events {
        match ev {
            Recv::Head {
                stream: 1,
                status: 200,
                fields,
                end_stream: false,
            } => {
                assert_eq!(fields[0].name, b"content-type");
                heads += 1;
            }
            Recv::Data {
                stream: 1, data, ..
            } => body.extend_from_slice(&bytes[data.clone()]),
            Recv::Control => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((heads, body.as_slice()), (1, &b"hello world"[..]));
    assert!(matches!(
        events.last(),
        Some(Recv::Data {
            end_stream: true,
            ..
        })
    ));
    assert_eq!(c.active_streams(), 0);
    assert_eq!(c.peer_settings().max_concurrent_streams, 100);
}

#[test]
fn every_split_point_gives_the_same_events() {
    let bytes = simple_response();
    let mut whole = Connection::new(Config::default());
    whole.open_stream(GET, true).unwrap();
    let (want, _) = feed(&mut whole, &bytes);
    for split in 0..bytes.len() {
        let mut c = Connection::new(Config::default());
        c.open_stream(GET, true).unwrap();
        // The caller keeps unconsumed bytes and appends what arrives next.
        let mut buf = bytes[..split].to_vec();
        let (mut got, _) = feed(&mut c, &buf);
        let used: usize = consumed(&bytes[..split], &got);
        buf.drain(..used);
        let base = used;
        buf.extend_from_slice(&bytes[split..]);
        let (rest, _) = feed(&mut c, &buf);
        got.extend(rest.into_iter().map(|ev| shift(ev, base)));
        assert_eq!(got, want, "split at {split}");
    }
}

/// Bytes consumed by whole frames among `events` (frames are self-delimiting).
fn consumed(bytes: &[u8], events: &[Recv]) -> usize {
    let mut pos = 0;
    for _ in events {
        let h = FrameHeader::parse(&bytes[pos..]).unwrap();
        pos += HEADER_LEN + h.len;
    }
    pos
}

fn shift(ev: Recv, by: usize) -> Recv {
    match ev {
        Recv::Data {
            stream,
            data,
            end_stream,
        } => Recv::Data {
            stream,
            data: data.start + by..data.end + by,
            end_stream,
        },
        other => other,
    }
}

#[test]
fn interim_final_and_trailers() {
    let mut c = ready(Config::default());
    c.open_stream(GET, true).unwrap();
    let bytes = Peer::default()
        .head(1, "103", &[("link", "</a>")], false)
        .head(1, "200", &[], false)
        .data(1, b"x", false)
        .head(1, "", &[("x-checksum", "abc")], true)
        .0;
    let (ev, err) = feed(&mut c, &bytes);
    assert_eq!(err, None);
    assert!(matches!(
        &ev[0],
        Recv::Head {
            status: 103,
            end_stream: false,
            ..
        }
    ));
    assert!(matches!(
        &ev[1],
        Recv::Head {
            status: 200,
            end_stream: false,
            ..
        }
    ));
    assert!(matches!(
        &ev[2],
        Recv::Data {
            end_stream: false,
            ..
        }
    ));
    assert!(matches!(&ev[3], Recv::Trailers { stream: 1, fields } if fields[0].value == b"abc"));
    assert!(!c.is_open(1));
}

#[test]
fn malformed_heads_reset_only_their_stream() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("", &[("content-type", "x")]), // no :status
        ("20x", &[]),                   // bad status
        ("200", &[("Upper", "x")]),     // uppercase name
        ("200", &[("connection", "close")]),
        ("200", &[("x", "a\r\nb")]),
    ];
    for (status, fields) in cases {
        let mut c = ready(Config::default());
        let a = c.open_stream(GET, true).unwrap();
        let b = c.open_stream(GET, true).unwrap();
        let bytes = Peer::default().head(a, status, fields, false).0;
        let (ev, err) = feed(&mut c, &bytes);
        assert_eq!(err, None);
        assert!(
            matches!(ev[0], Recv::Reset { stream, reason: Reason::PROTOCOL_ERROR, remote: false, .. } if stream == a)
        );
        assert_eq!(rst_code(&c, a), Some(Reason::PROTOCOL_ERROR.0));
        assert!(c.is_open(b) && !c.is_open(a));
    }
}

#[test]
fn oversized_header_list_resets_the_stream_and_keeps_hpack_in_step() {
    let mut config = Config::default();
    config.limits.max_header_list = 200;
    let mut c = ready(config);
    c.open_stream(GET, true).unwrap();
    c.open_stream(GET, true).unwrap();
    // Inserted into the dynamic table: stream 3's head refers to it.
    let mut big = Vec::new();
    big.push(0x40);
    hpack_string(&mut big, b"x-big");
    hpack_string(&mut big, &[b'v'; 300]);
    let mut bytes = Vec::new();
    frame::headers(&mut bytes, 1, &[&[0x88][..], &big].concat(), false, 16_384);
    frame::headers(&mut bytes, 3, &[0x88, 0xbe], true, 16_384);
    let (ev, err) = feed(&mut c, &bytes);
    assert_eq!(err, None);
    assert!(matches!(
        ev[0],
        Recv::Reset {
            stream: 1,
            reason: Reason::CANCEL,
            ..
        }
    ));
    // Stream 3 refers to the entry stream 1's block inserted: decoding it
    // needs the table in step (else COMPRESSION_ERROR), and it is too
    // large again.
    assert!(matches!(
        ev[1],
        Recv::Reset {
            stream: 3,
            reason: Reason::CANCEL,
            ..
        }
    ));
}

fn hpack_string(out: &mut Vec<u8>, s: &[u8]) {
    assert!(s.len() < 127 || s.len() == 300);
    if s.len() < 127 {
        out.push(s.len() as u8);
    } else {
        out.extend_from_slice(&[0x7f, (300 - 127 - 128) as u8 | 0x80, 1]);
    }
    out.extend_from_slice(s);
}

#[test]
fn continuation_flood_is_enhance_your_calm() {
    let mut c = ready(Config::default());
    c.open_stream(GET, true).unwrap();
    let mut p = Peer::default().raw(1, kind::HEADERS, 0, 1, &[0x88]);
    for _ in 0..100 {
        p = p.raw(0, kind::CONTINUATION, 0, 1, &[]);
    }
    let (_, err) = feed(&mut c, &p.0);
    assert_eq!(err.unwrap().reason, Reason::ENHANCE_YOUR_CALM);
    assert_eq!(goaway_code(&c), Some(Reason::ENHANCE_YOUR_CALM.0));
    // The connection stays failed.
    assert!(c.recv(&Peer::default().ping().0).is_err());
    assert_eq!(c.can_open(), Err(OpenError::Closed));
}

#[test]
fn header_block_larger_than_the_limit_ends_the_connection() {
    let mut config = Config::default();
    config.limits.max_header_block = 1000;
    let mut c = ready(config);
    c.open_stream(GET, true).unwrap();
    let chunk = [0u8; 600];
    let p = Peer::default().raw(600, kind::HEADERS, 0, 1, &chunk).raw(
        600,
        kind::CONTINUATION,
        flag::END_HEADERS,
        1,
        &chunk,
    );
    let (_, err) = feed(&mut c, &p.0);
    assert_eq!(err.unwrap().reason, Reason::ENHANCE_YOUR_CALM);
}

#[test]
fn frame_between_headers_and_continuation_is_protocol_error() {
    let mut c = ready(Config::default());
    c.open_stream(GET, true).unwrap();
    let p = Peer::default().raw(1, kind::HEADERS, 0, 1, &[0x88]).ping();
    let (_, err) = feed(&mut c, &p.0);
    assert_eq!(err.unwrap().reason, Reason::PROTOCOL_ERROR);
}

#[test]
fn pings_are_answered_and_a_flood_is_refused() {
    let mut c = ready(Config::default());
    let (_, err) = feed(&mut c, &Peer::default().ping().0);
    assert_eq!(err, None);
    let f = frames(&c);
    assert_eq!(
        (f[0].0.kind, f[0].0.flags, f[0].1.as_slice()),
        (kind::PING, flag::ACK, &b"12345678"[..])
    );
    let n = c.output().len();
    c.written(n);
    let mut p = Peer::default();
    for _ in 0..300 {
        p = p.ping();
    }
    let (_, err) = feed(&mut c, &p.0);
    assert_eq!(err.unwrap().reason, Reason::ENHANCE_YOUR_CALM);
}

#[test]
fn settings_flood_is_refused_but_acks_that_are_read_reset_the_count() {
    let mut c = ready(Config::default());
    for _ in 0..1000 {
        let (_, err) = feed(&mut c, &Peer::default().settings(&[]).0);
        assert_eq!(err, None);
        let n = c.output().len();
        c.written(n);
    }
    let mut p = Peer::default();
    for _ in 0..300 {
        p = p.settings(&[]);
    }
    assert_eq!(
        feed(&mut c, &p.0).1.unwrap().reason,
        Reason::ENHANCE_YOUR_CALM
    );
}

#[test]
fn window_overflow_is_flow_control_error() {
    let mut c = ready(Config::default());
    let (_, err) = feed(&mut c, &Peer::default().window_update(0, 0x7fff_ffff).0);
    assert_eq!(err.unwrap().reason, Reason::FLOW_CONTROL_ERROR);
    assert_eq!(goaway_code(&c), Some(Reason::FLOW_CONTROL_ERROR.0));

    let mut c = ready(Config::default());
    c.open_stream(GET, true).unwrap();
    let (ev, err) = feed(&mut c, &Peer::default().window_update(1, 0x7fff_ffff).0);
    assert_eq!(err, None);
    assert!(matches!(
        ev[0],
        Recv::Reset {
            stream: 1,
            reason: Reason::FLOW_CONTROL_ERROR,
            ..
        }
    ));

    let mut c = ready(Config::default());
    let (_, err) = feed(
        &mut c,
        &Peer::default()
            .settings(&[(id::INITIAL_WINDOW_SIZE, 0x8000_0000)])
            .0,
    );
    assert_eq!(err.unwrap().reason, Reason::FLOW_CONTROL_ERROR);
}

#[test]
fn data_beyond_the_stream_window_resets_the_stream() {
    let config = Config {
        stream_window: 100,
        ..Config::default()
    };
    let mut c = ready(config);
    c.open_stream(GET, true).unwrap();
    let p = Peer::default()
        .head(1, "200", &[], false)
        .data(1, &[0; 101], false);
    let (ev, err) = feed(&mut c, &p.0);
    assert_eq!(err, None);
    assert!(matches!(
        ev[1],
        Recv::Reset {
            stream: 1,
            reason: Reason::FLOW_CONTROL_ERROR,
            ..
        }
    ));
}

#[test]
fn consumed_data_reopens_the_stream_window_at_half() {
    let config = Config {
        stream_window: 1000,
        ..Config::default()
    };
    let mut c = ready(config);
    c.open_stream(GET, true).unwrap();
    let n = c.output().len();
    c.written(n);
    let p = Peer::default()
        .head(1, "200", &[], false)
        .data(1, &[0; 600], false);
    let (_, err) = feed(&mut c, &p.0);
    assert_eq!(err, None);
    // Not consumed (a paused transfer): no WINDOW_UPDATE for the stream.
    assert!(
        !frames(&c)
            .iter()
            .any(|(h, _)| h.kind == kind::WINDOW_UPDATE && h.stream == 1)
    );
    c.release(1, 400);
    assert!(frames(&c).is_empty());
    c.release(1, 200);
    let f = frames(&c);
    assert_eq!(
        (f[0].0.kind, f[0].0.stream, frame::u31(&f[0].1, 0)),
        (kind::WINDOW_UPDATE, 1, 600)
    );
}

#[test]
fn uploads_follow_the_peer_windows() {
    let mut c = Connection::new(Config::default());
    let (_, err) = feed(
        &mut c,
        &Peer::default().settings(&[(id::INITIAL_WINDOW_SIZE, 10)]).0,
    );
    assert_eq!(err, None);
    let n = c.output().len();
    c.written(n);
    let s = c.open_stream(GET, false).unwrap();
    assert_eq!(c.send_capacity(s), 10);
    assert_eq!(c.send_data(s, b"0123456789abcdef", true), 10);
    assert_eq!(c.send_capacity(s), 0);
    let (ev, _) = feed(&mut c, &Peer::default().window_update(s, 100).0);
    assert_eq!(ev, [Recv::WindowOpened { stream: s }]);
    assert_eq!(c.send_data(s, b"abcdef", true), 6);
    let data: Vec<_> = frames(&c)
        .into_iter()
        .filter(|(h, _)| h.kind == kind::DATA)
        .collect();
    assert_eq!(data.len(), 2);
    assert!(!data[0].0.has(flag::END_STREAM) && data[1].0.has(flag::END_STREAM));
    assert_eq!(c.send_capacity(s), 0);
}

#[test]
fn goaway_forgets_unprocessed_streams_and_refuses_new_ones() {
    let mut c = ready(Config::default());
    for _ in 0..3 {
        c.open_stream(GET, true).unwrap();
    }
    let mut payload = 1u32.to_be_bytes().to_vec();
    payload.extend_from_slice(&0u32.to_be_bytes());
    let (ev, err) = feed(
        &mut c,
        &Peer::default().raw(8, kind::GOAWAY, 0, 0, &payload).0,
    );
    assert_eq!(err, None);
    assert_eq!(
        ev,
        [Recv::GoAway {
            last_stream: 1,
            reason: Reason::NO_ERROR
        }]
    );
    assert!(c.is_open(1) && !c.is_open(3) && !c.is_open(5));
    assert_eq!(c.can_open(), Err(OpenError::GoingAway));
}

#[test]
fn peer_reset_ends_one_stream() {
    let mut c = ready(Config::default());
    c.open_stream(GET, true).unwrap();
    c.open_stream(GET, true).unwrap();
    let p = Peer::default().raw(
        4,
        kind::RST_STREAM,
        0,
        3,
        &Reason::REFUSED_STREAM.0.to_be_bytes(),
    );
    let (ev, _) = feed(&mut c, &p.0);
    assert!(matches!(
        ev[0],
        Recv::Reset {
            stream: 3,
            reason: Reason::REFUSED_STREAM,
            remote: true,
            ..
        }
    ));
    assert!(c.is_open(1));
}

#[test]
fn max_concurrent_streams_limits_open() {
    let mut c = Connection::new(Config::default());
    feed(
        &mut c,
        &Peer::default()
            .settings(&[(id::MAX_CONCURRENT_STREAMS, 1)])
            .0,
    );
    c.open_stream(GET, true).unwrap();
    assert_eq!(c.open_stream(GET, true), Err(OpenError::TooManyStreams));
    c.reset(1, Reason::CANCEL);
    assert_eq!(rst_code(&c, 1), Some(Reason::CANCEL.0));
    assert_eq!(c.open_stream(GET, true), Ok(3));
}

#[test]
fn protocol_violations_end_the_connection_with_their_code() {
    let cases: Vec<(Vec<u8>, Reason)> = vec![
        (Peer::default().ping().0, Reason::PROTOCOL_ERROR), // not SETTINGS first
        (
            Peer::default().settings(&[(id::ENABLE_PUSH, 1)]).0,
            Reason::PROTOCOL_ERROR,
        ),
        (
            Peer::default().settings(&[(id::MAX_FRAME_SIZE, 100)]).0,
            Reason::PROTOCOL_ERROR,
        ),
        (
            Peer::default().raw(5, kind::SETTINGS, 0, 0, &[0; 5]).0,
            Reason::FRAME_SIZE_ERROR,
        ),
    ];
    for (bytes, want) in cases {
        let mut c = Connection::new(Config::default());
        assert_eq!(feed(&mut c, &bytes).1.unwrap().reason, want);
    }
    let after: Vec<(Peer, Reason)> = vec![
        (
            Peer::default().raw(4, kind::PUSH_PROMISE, flag::END_HEADERS, 1, &[0, 0, 0, 2]),
            Reason::PROTOCOL_ERROR,
        ),
        (
            Peer::default().head(7, "200", &[], true),
            Reason::PROTOCOL_ERROR,
        ), // idle stream
        (
            Peer::default().head(2, "200", &[], true),
            Reason::PROTOCOL_ERROR,
        ), // even stream
        (
            Peer::default().raw(2, kind::HEADERS, flag::END_HEADERS, 1, &[0xff, 0xff]),
            Reason::COMPRESSION_ERROR,
        ),
        (
            Peer::default().raw(16_385, kind::DATA, 0, 1, &[0; 16_385]),
            Reason::FRAME_SIZE_ERROR,
        ),
        (
            Peer::default().raw(7, kind::PING, 0, 0, &[0; 7]),
            Reason::FRAME_SIZE_ERROR,
        ),
        (Peer::default().window_update(0, 0), Reason::PROTOCOL_ERROR),
        (
            Peer::default().raw(0, kind::CONTINUATION, flag::END_HEADERS, 1, &[]),
            Reason::PROTOCOL_ERROR,
        ),
    ];
    for (p, want) in after {
        let mut c = ready(Config::default());
        c.open_stream(GET, true).unwrap();
        assert_eq!(feed(&mut c, &p.0).1.unwrap().reason, want);
        assert_eq!(goaway_code(&c), Some(want.0));
    }
}

#[test]
fn empty_frame_flood_is_refused() {
    let mut c = ready(Config::default());
    c.open_stream(GET, true).unwrap();
    let mut p = Peer::default().head(1, "200", &[], false);
    for _ in 0..300 {
        p = p.data(1, &[], false);
    }
    assert_eq!(
        feed(&mut c, &p.0).1.unwrap().reason,
        Reason::ENHANCE_YOUR_CALM
    );
}

#[test]
fn frames_for_closed_streams_are_ignored() {
    let mut c = ready(Config::default());
    c.open_stream(GET, true).unwrap();
    c.reset(1, Reason::CANCEL);
    let p = Peer::default()
        .head(1, "200", &[], false)
        .data(1, b"late", true)
        .window_update(1, 5);
    let (ev, err) = feed(&mut c, &p.0);
    assert_eq!(err, None);
    assert_eq!(ev, [Recv::Control, Recv::Control, Recv::Control]);
}

#[test]
fn close_sends_goaway_no_error() {
    let mut c = ready(Config::default());
    c.close();
    assert_eq!(goaway_code(&c), Some(0));
    assert_eq!(c.can_open(), Err(OpenError::Closed));
}

mod push;
mod upgrade;
