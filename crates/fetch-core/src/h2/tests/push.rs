//! Server push in the layer (RFC 9113 8.4): refused unless enabled;
//! when enabled, promises checked, bounded, and turned into events.

use super::*;

fn push_config() -> Config {
    Config {
        enable_push: true,
        max_pushed: 2,
        ..Config::default()
    }
}

/// A PUSH_PROMISE frame on `stream` promising `promised` for `fields`.
fn promise(stream: u32, promised: u32, fields: &[(&str, &str)], end_headers: bool) -> Peer {
    let mut payload = promised.to_be_bytes().to_vec();
    payload.extend_from_slice(&block("", fields));
    let flags = if end_headers { flag::END_HEADERS } else { 0 };
    Peer::default().raw(payload.len(), kind::PUSH_PROMISE, flags, stream, &payload)
}

fn pushed_get(path: &str) -> Vec<(&'static str, String)> {
    vec![
        (":method", "GET".to_owned()),
        (":scheme", "http".to_owned()),
        (":authority", "127.0.0.1".to_owned()),
        (":path", path.to_owned()),
    ]
}

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(n, s)| (*n, s.as_str())).collect()
}

fn settings_pairs(c: &Connection) -> Vec<(u16, u32)> {
    frames(c)[0]
        .1
        .chunks(6)
        .map(|p| (u16::from_be_bytes([p[0], p[1]]), frame::u32_at(p, 2)))
        .collect()
}

#[test]
fn enable_push_and_its_stream_limit_are_announced_only_when_enabled() {
    let on = settings_pairs(&Connection::new(push_config()));
    assert!(on.contains(&(id::ENABLE_PUSH, 1)));
    assert!(on.contains(&(id::MAX_CONCURRENT_STREAMS, 2)));
    let off = settings_pairs(&Connection::new(Config::default()));
    assert!(off.contains(&(id::ENABLE_PUSH, 0)));
    assert!(!off.iter().any(|(k, _)| *k == id::MAX_CONCURRENT_STREAMS));
}

#[test]
fn a_promise_then_the_pushed_response() {
    let mut c = ready(push_config());
    c.open_stream(GET, true).unwrap();
    let mut fields = pushed_get("/a.css");
    fields.push(("x-extra", "1".to_owned()));
    let bytes = Peer(promise(1, 2, &as_refs(&fields), true).0)
        .head(2, "200", &[("content-type", "text/css")], false)
        .data(2, b"body", true)
        .head(1, "200", &[], true)
        .0;
    let (events, err) = feed(&mut c, &bytes);
    assert_eq!(err, None);
    let Recv::Promise {
        stream: 1,
        promised: 2,
        fields: got,
    } = &events[0]
    else {
        panic!("{events:?}");
    };
    let names: Vec<&[u8]> = got.iter().map(|h| h.name.as_slice()).collect();
    assert_eq!(
        names,
        [
            &b":method"[..],
            b":scheme",
            b":authority",
            b":path",
            b"x-extra"
        ]
    );
    assert!(matches!(
        events[1],
        Recv::Head {
            stream: 2,
            status: 200,
            ..
        }
    ));
    assert!(matches!(
        events[2],
        Recv::Data {
            stream: 2,
            end_stream: true,
            ..
        }
    ));
    assert!(matches!(events[3], Recv::Head { stream: 1, .. }));
    assert_eq!(c.active_streams(), 0);
}

#[test]
fn a_promise_split_over_continuation() {
    let mut c = ready(push_config());
    c.open_stream(GET, true).unwrap();
    let fields = pushed_get("/b");
    let mut bytes = promise(1, 2, &as_refs(&fields[..2]), false).0;
    let rest = block("", &as_refs(&fields[2..]));
    frame::write_header(
        &mut bytes,
        rest.len(),
        kind::CONTINUATION,
        flag::END_HEADERS,
        1,
    );
    bytes.extend_from_slice(&rest);
    let (events, err) = feed(&mut c, &bytes);
    assert_eq!(err, None);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Recv::Promise { promised: 2, .. })),
        "{events:?}"
    );
}

#[test]
fn disabled_push_makes_a_promise_a_protocol_error() {
    let mut c = ready(Config::default());
    c.open_stream(GET, true).unwrap();
    let fields = pushed_get("/x");
    let (_, err) = feed(&mut c, &promise(1, 2, &as_refs(&fields), true).0);
    assert_eq!(err.unwrap().reason, Reason::PROTOCOL_ERROR);
    assert_eq!(goaway_code(&c), Some(Reason::PROTOCOL_ERROR.0));
}

#[test]
fn bad_promised_ids_are_connection_errors() {
    let fields = pushed_get("/x");
    let f = as_refs(&fields);
    let twice = [promise(1, 4, &f, true).0, promise(1, 2, &f, true).0].concat();
    for bytes in [
        promise(1, 3, &f, true).0, // an odd promised id
        promise(2, 4, &f, true).0, // on a server stream
        promise(5, 4, &f, true).0, // on an idle stream
        twice,                     // promised ids going down
    ] {
        let mut c = ready(push_config());
        c.open_stream(GET, false).unwrap();
        let (_, err) = feed(&mut c, &bytes);
        assert_eq!(err.map(|e| e.reason), Some(Reason::PROTOCOL_ERROR));
    }
}

#[test]
fn unsafe_or_incomplete_promises_reset_only_the_promised_stream() {
    let mut post = pushed_get("/p");
    post[0].1 = "POST".to_owned();
    let no_path = pushed_get("/p")[..3].to_vec();
    for fields in [post, no_path] {
        let mut c = ready(push_config());
        c.open_stream(GET, true).unwrap();
        // A head after the bad promise still decodes: HPACK stayed in step.
        let bytes = Peer(promise(1, 2, &as_refs(&fields), true).0)
            .head(1, "200", &[("x-after", "1")], true)
            .0;
        let (events, err) = feed(&mut c, &bytes);
        assert_eq!(err, None);
        assert!(!events.iter().any(|e| matches!(e, Recv::Promise { .. })));
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Recv::Head { stream: 1, .. }))
        );
        assert_eq!(rst_code(&c, 2), Some(Reason::PROTOCOL_ERROR.0));
    }
}

#[test]
fn promises_beyond_the_limit_are_refused() {
    let mut c = ready(push_config());
    c.open_stream(GET, false).unwrap();
    let mut bytes = Vec::new();
    for (i, promised) in [2u32, 4, 6].into_iter().enumerate() {
        let fields = pushed_get(&format!("/{i}"));
        bytes.extend_from_slice(&promise(1, promised, &as_refs(&fields), true).0);
    }
    let (events, err) = feed(&mut c, &bytes);
    assert_eq!(err, None);
    let promised: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            Recv::Promise { promised, .. } => Some(*promised),
            _ => None,
        })
        .collect();
    assert_eq!(promised, [2, 4]);
    assert_eq!(rst_code(&c, 6), Some(Reason::REFUSED_STREAM.0));
}

#[test]
fn a_promise_on_a_stream_we_reset_is_cancelled() {
    let mut c = ready(push_config());
    c.open_stream(GET, true).unwrap();
    c.reset(1, Reason::CANCEL);
    let fields = pushed_get("/late");
    let (events, err) = feed(&mut c, &promise(1, 2, &as_refs(&fields), true).0);
    assert_eq!(err, None);
    assert_eq!(events, [Recv::Control]);
    assert_eq!(rst_code(&c, 2), Some(Reason::CANCEL.0));
}

#[test]
fn pushed_streams_do_not_count_against_the_peer_limit_and_survive_goaway() {
    let mut c = Connection::new(push_config());
    feed(
        &mut c,
        &Peer::default()
            .settings(&[(id::MAX_CONCURRENT_STREAMS, 1)])
            .0,
    );
    c.open_stream(GET, true).unwrap();
    let fields = pushed_get("/keep");
    let bytes = Peer(promise(1, 2, &as_refs(&fields), true).0)
        .head(1, "200", &[], true)
        .0;
    let (_, err) = feed(&mut c, &bytes);
    assert_eq!(err, None);
    // Stream 1 is done; the pushed stream 2 is still open and does not
    // use up the server's limit of 1 for our streams.
    assert!(c.is_open(2));
    assert_eq!(c.can_open(), Ok(()));
    let mut goaway = Vec::new();
    frame::goaway(&mut goaway, 1, Reason::NO_ERROR);
    let (events, err) = feed(&mut c, &goaway);
    assert_eq!(err, None);
    assert!(matches!(events[0], Recv::GoAway { last_stream: 1, .. }));
    assert!(c.is_open(2));
    // The pushed response still arrives.
    let (events, _) = feed(&mut c, &Peer::default().head(2, "200", &[], true).0);
    assert!(matches!(events[0], Recv::Head { stream: 2, .. }));
}
