//! The engine keeps a transfer's received header lines for the header API
//! (`Easy::header_log`): per request of a redirect chain, with 1xx heads
//! and trailers told apart, visible line by line inside the header
//! callback, and cleared when the next transfer starts.
mod common;

use std::sync::{Arc, Mutex};

use common::run_one;
use fetch_core::headers::origin::{HEADER, INFORMATIONAL, TRAILER};
use fetch_core::{Easy, Flow, HeaderError, HeaderLog};
use fixtures::{Script, ScriptedServer};

fn server() -> ScriptedServer {
    ScriptedServer::start(
        Script::new()
            .expect_request()
            .write_str(
                "HTTP/1.1 301 Moved\r\nLocation: /b\r\nX-A: first\r\nContent-Length: 0\r\n\r\n",
            )
            .expect_request()
            .write_str(
                "HTTP/1.1 100 Continue\r\nX-Early: yes\r\n\r\n\
                 HTTP/1.1 200 OK\r\nX-A: second\r\nx-a: third\r\n\
                 Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Sum: 7\r\n\r\n",
            )
            .close(),
    )
}

fn value(
    log: &HeaderLog,
    name: &str,
    index: usize,
    origins: u32,
    request: i32,
) -> Result<String, HeaderError> {
    log.header(name.as_bytes(), index, origins, request)
        .map(|f| String::from_utf8(f.value).unwrap())
}

#[test]
fn every_request_of_a_redirect_chain_is_kept() {
    let srv = server();
    let log = Arc::new(Mutex::new(HeaderLog::new()));
    let mut easy = Easy::with_url(srv.url("/a"));
    easy.follow_location(true).header_log(Some(log.clone()));
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let log = log.lock().unwrap();
    assert_eq!(value(&log, "x-a", 0, HEADER, 0).as_deref(), Ok("first"));
    assert_eq!(value(&log, "X-A", 1, HEADER, -1).as_deref(), Ok("third"));
    assert_eq!(value(&log, "X-A", 1, HEADER, 1).as_deref(), Ok("third"));
    assert_eq!(value(&log, "x-a", 1, HEADER, 0), Err(HeaderError::BadIndex));
    assert_eq!(
        value(&log, "x-early", 0, INFORMATIONAL, -1).as_deref(),
        Ok("yes")
    );
    assert_eq!(
        value(&log, "x-early", 0, HEADER, -1),
        Err(HeaderError::Missing)
    );
    assert_eq!(value(&log, "x-sum", 0, TRAILER, -1).as_deref(), Ok("7"));
    assert_eq!(
        value(&log, "x-a", 0, HEADER, 2),
        Err(HeaderError::NoRequest)
    );
    let h = log.header(b"x-a", 1, HEADER, -1).unwrap();
    assert_eq!((h.name, h.amount, h.index), (&b"x-a"[..], 2, 1));
}

/// A line delivered to the header callback and what the log answered then.
type Answer = (String, Result<String, HeaderError>);

#[test]
fn the_header_callback_sees_the_lines_so_far() {
    let srv = server();
    let log = Arc::new(Mutex::new(HeaderLog::new()));
    let seen: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let mut easy = Easy::with_url(srv.url("/a"));
    let (l, s) = (log.clone(), seen.clone());
    easy.follow_location(true)
        .header_log(Some(log))
        .header_function(move |line| {
            // The engine holds no lock on the log while it calls back.
            let answer = value(&l.lock().unwrap(), "x-a", 0, HEADER, -1);
            s.lock()
                .unwrap()
                .push((String::from_utf8_lossy(line).trim_end().to_owned(), answer));
            Flow::Continue
        });
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let seen = seen.lock().unwrap();
    let at = |line: &str| {
        seen.iter()
            .find(|(l, _)| l == line)
            .unwrap_or_else(|| panic!("{line} not delivered: {seen:?}"))
            .1
            .clone()
    };
    assert_eq!(at("HTTP/1.1 301 Moved"), Err(HeaderError::NoHeaders));
    assert_eq!(at("Location: /b"), Err(HeaderError::Missing));
    assert_eq!(at("X-A: first").as_deref(), Ok("first"));
    // The second request: its own headers only.
    assert_eq!(at("X-Early: yes"), Err(HeaderError::Missing));
    assert_eq!(at("X-A: second").as_deref(), Ok("second"));
}

#[test]
fn a_new_transfer_starts_with_an_empty_log() {
    let srv = ScriptedServer::start(Script::new().expect_request().close());
    let with_headers = server();
    let log = Arc::new(Mutex::new(HeaderLog::new()));
    let mut easy = Easy::with_url(with_headers.url("/a"));
    easy.header_log(Some(log.clone()));
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_ok());
    assert!(log.lock().unwrap().header(b"x-a", 0, HEADER, -1).is_ok());
    let mut easy = Easy::with_url(srv.url("/nothing"));
    easy.header_log(Some(log.clone()));
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_err(), "the server sends nothing");
    assert_eq!(
        log.lock().unwrap().header(b"x-a", 0, HEADER, -1).err(),
        Some(HeaderError::NoHeaders)
    );
}
