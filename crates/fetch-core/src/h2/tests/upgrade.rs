//! A connection upgraded from HTTP/1.1 (`Upgrade: h2c`, RFC 7540 3.2):
//! stream 1 is the upgraded request's, half-closed (local).

use super::*;

#[test]
fn settings_payload_is_the_settings_frame_payload() {
    let config = Config::default();
    let c = Connection::new(config);
    let f = frames(&c);
    assert_eq!(f[0].0.kind, kind::SETTINGS);
    assert_eq!(Connection::settings_payload(&config), f[0].1);
}

#[test]
fn upgraded_connection_sends_preface_and_reads_stream_one() {
    let mut c = Connection::upgraded(Config::default());
    // The preface and SETTINGS still go first (RFC 7540 3.2: the client
    // sends its preface after the 101).
    assert!(c.output().starts_with(PREFACE));
    assert_eq!(frames(&c)[0].0.kind, kind::SETTINGS);
    assert!(c.is_open(1));
    // Nothing may be sent on stream 1: it is half-closed (local).
    assert_eq!(c.send_capacity(1), 0);
    let (events, err) = feed(&mut c, &simple_response());
    assert_eq!(err, None);
    assert!(matches!(
        events[1],
        Recv::Head {
            stream: 1,
            status: 200,
            ..
        }
    ));
    assert!(matches!(
        events.last(),
        Some(Recv::Data {
            stream: 1,
            end_stream: true,
            ..
        })
    ));
    assert!(!c.is_open(1));
    // The next request takes stream 3.
    assert_eq!(c.open_stream(GET, true), Ok(3));
}

#[test]
fn garbage_after_the_upgrade_is_a_connection_error() {
    let mut c = Connection::upgraded(Config::default());
    let (_, err) = feed(&mut c, b"this is not an HTTP/2 frame at all\r\n");
    assert!(err.is_some());
}
