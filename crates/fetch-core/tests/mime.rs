//! Multipart form posts ([`Easy::mime_post`]) against a recording server
//! whose bodies are parsed part by part: names, file names, types and
//! contents byte for byte; Content-Length when sizes are known, chunked
//! otherwise; nested parts; the body rewound for a 307 resend.

mod common;

use std::sync::{Arc, Mutex};

use common::run_one;
use fetch_core::mime::{Mime, PartSource};
use fetch_core::{Easy, ErrorCode, ReadResult, SeekResult};
use fixtures::multipart::{parse, split_request};
use fixtures::{Script, ScriptedServer};

const OK_EMPTY: &str = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

fn recorder() -> ScriptedServer {
    ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY).close())
}

fn code(r: &Result<(), fetch_core::Error>) -> Result<(), ErrorCode> {
    r.as_ref().map(|_| ()).map_err(fetch_core::Error::code)
}

/// A part source counting up from 0, rewindable when `seekable`.
struct Counter {
    pos: usize,
    len: usize,
    seekable: bool,
    rewinds: Arc<Mutex<u32>>,
}

impl PartSource for Counter {
    fn read(&mut self, buf: &mut [u8]) -> ReadResult {
        let n = buf.len().min(self.len - self.pos).min(100);
        for b in &mut buf[..n] {
            *b = (self.pos % 251) as u8;
            self.pos += 1;
        }
        ReadResult::Data(n)
    }
    fn rewind(&mut self) -> SeekResult {
        *self.rewinds.lock().unwrap() += 1;
        if !self.seekable {
            return SeekResult::CantSeek;
        }
        self.pos = 0;
        SeekResult::Ok
    }
}

fn counted(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn temp_file(name: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fetch-mime-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

#[test_log::test]
fn form_fields_files_and_types_arrive_byte_for_byte() {
    let srv = recorder();
    let txt = temp_file("notes.txt", b"line one\nline two\n");
    let bin = temp_file("blob.bin", &[0, 1, 2, 255, b'\r', b'\n']);
    let mut m = Mime::new();
    m.add_part().name(Some("user")).data(b"alice".to_vec());
    m.add_part().name(Some("notes")).file(&txt).unwrap();
    m.add_part().name(Some("blob")).file(&bin).unwrap();
    m.add_part()
        .name(Some("doc"))
        .filename(Some("shown \"name\".json"))
        .mime_type(Some("application/json"))
        .headers(vec!["X-Part: 7".into()])
        .data(b"{}".to_vec());
    let boundary = m.boundary().to_owned();
    let mut e = Easy::with_url(srv.url("/form"));
    e.mime_post(m);
    let (app, id) = run_one(e);
    assert_eq!(code(app.result(id)), Ok(()));
    let req = split_request(&srv.requests()[0]);
    assert!(req.head[0].starts_with("POST /form "));
    assert_eq!(
        req.header("Content-Type"),
        Some(format!("multipart/form-data; boundary={boundary}").as_str())
    );
    assert!(!req.chunked);
    assert_eq!(
        req.header("Content-Length"),
        Some(req.body.len().to_string().as_str())
    );
    let parts = parse(&req.body, &boundary);
    assert_eq!(parts.len(), 4);
    assert_eq!(parts[0].disposition_param("name").as_deref(), Some("user"));
    assert_eq!(parts[0].header("Content-Type"), None);
    assert_eq!(parts[0].body, b"alice");
    assert_eq!(
        parts[1].disposition_param("filename").as_deref(),
        Some("notes.txt")
    );
    assert_eq!(parts[1].header("Content-Type"), Some("text/plain"));
    assert_eq!(parts[1].body, b"line one\nline two\n");
    assert_eq!(
        parts[2].header("Content-Type"),
        Some("application/octet-stream")
    );
    assert_eq!(parts[2].body, [0, 1, 2, 255, b'\r', b'\n']);
    assert_eq!(
        parts[3].disposition_param("filename").as_deref(),
        Some("shown %22name%22.json")
    );
    assert_eq!(parts[3].header("Content-Type"), Some("application/json"));
    assert_eq!(parts[3].header("X-Part"), Some("7"));
    assert_eq!(parts[3].body, b"{}");
}

#[test_log::test]
fn unknown_size_goes_chunked_and_subparts_nest() {
    let srv = recorder();
    let mut sub = Mime::new();
    sub.add_part().filename(Some("a.txt")).data(b"AAA".to_vec());
    sub.add_part().filename(Some("b.gif")).data(b"GIF".to_vec());
    let sub_boundary = sub.boundary().to_owned();
    let mut m = Mime::new();
    m.add_part().name(Some("stream")).source(
        None,
        Counter {
            pos: 0,
            len: 5000,
            seekable: true,
            rewinds: Arc::default(),
        },
    );
    m.add_part().name(Some("files")).subparts(sub);
    m.add_part()
        .name(Some("b64"))
        .data(b"hello world".to_vec())
        .encoder(Some("base64"))
        .unwrap();
    let boundary = m.boundary().to_owned();
    let mut e = Easy::with_url(srv.url("/form"));
    e.mime_post(m);
    let (app, id) = run_one(e);
    assert_eq!(code(app.result(id)), Ok(()));
    let req = split_request(&srv.requests()[0]);
    assert!(req.chunked, "a part of unknown size: chunked");
    let parts = parse(&req.body, &boundary);
    assert_eq!(parts[0].body, counted(5000));
    assert_eq!(
        parts[1].header("Content-Type"),
        Some(format!("multipart/mixed; boundary={sub_boundary}").as_str())
    );
    let inner = parse(&parts[1].body, &sub_boundary);
    assert_eq!(inner.len(), 2);
    assert_eq!(
        inner[0].header("Content-Disposition"),
        Some("attachment; filename=\"a.txt\"")
    );
    assert_eq!(inner[0].header("Content-Type"), Some("text/plain"));
    assert_eq!(inner[1].header("Content-Type"), Some("image/gif"));
    assert_eq!(inner[1].body, b"GIF");
    assert_eq!(parts[2].header("Content-Transfer-Encoding"), Some("base64"));
    assert_eq!(parts[2].body, b"aGVsbG8gd29ybGQ=");
}

fn redirect_then_ok() -> ScriptedServer {
    ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n",
            )
            .expect_request()
            .write(OK_EMPTY)
            .close(),
    )
}

/// RD-style resend: a 307 sends the same multipart body again, rewound
/// (files reopened, sources rewound).
#[test_log::test]
fn redirect_307_resends_the_rewound_form() {
    let srv = redirect_then_ok();
    let file = temp_file("resend.dat", &counted(70_000));
    let rewinds = Arc::new(Mutex::new(0));
    let mut m = Mime::new();
    m.add_part().name(Some("f")).file(&file).unwrap();
    m.add_part().name(Some("s")).source(
        Some(3000),
        Counter {
            pos: 0,
            len: 3000,
            seekable: true,
            rewinds: rewinds.clone(),
        },
    );
    let boundary = m.boundary().to_owned();
    let mut e = Easy::with_url(srv.url("/up"));
    e.follow_location(true).mime_post(m);
    let (app, id) = run_one(e);
    assert_eq!(code(app.result(id)), Ok(()));
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    let (a, b) = (split_request(&reqs[0]), split_request(&reqs[1]));
    assert!(b.head[0].starts_with("POST /again "));
    assert_eq!(a.body, b.body, "the same body twice");
    let parts = parse(&b.body, &boundary);
    assert_eq!(parts[0].body, counted(70_000));
    assert_eq!(parts[1].body, counted(3000));
    assert_eq!(*rewinds.lock().unwrap(), 1);
}

#[test_log::test]
fn a_source_that_cannot_rewind_fails_the_resend() {
    let srv = redirect_then_ok();
    let mut m = Mime::new();
    m.add_part().name(Some("s")).source(
        Some(10),
        Counter {
            pos: 0,
            len: 10,
            seekable: false,
            rewinds: Arc::default(),
        },
    );
    let mut e = Easy::with_url(srv.url("/up"));
    e.follow_location(true).mime_post(m);
    let (app, id) = run_one(e);
    assert_eq!(code(app.result(id)), Err(ErrorCode::SendFailRewind));
    assert_eq!(srv.requests().len(), 1, "nothing else was sent");
}

#[test_log::test]
fn a_303_turns_it_into_a_get_without_type() {
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write("HTTP/1.1 303 See Other\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n")
            .expect_request()
            .write(OK_EMPTY)
            .close(),
    );
    let mut m = Mime::new();
    m.add_part().name(Some("a")).data(b"1".to_vec());
    let mut e = Easy::with_url(srv.url("/up"));
    e.follow_location(true).mime_post(m);
    let (app, id) = run_one(e);
    assert_eq!(code(app.result(id)), Ok(()));
    let get = split_request(&srv.requests()[1]);
    assert!(get.head[0].starts_with("GET /done "));
    assert_eq!(get.header("Content-Type"), None);
}

#[test_log::test]
fn a_vanished_file_fails_with_read_error() {
    let srv = ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY));
    let file = temp_file("gone.txt", b"soon gone");
    let mut m = Mime::new();
    m.add_part().name(Some("f")).file(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let mut e = Easy::with_url(srv.url("/up"));
    e.mime_post(m);
    let (app, id) = run_one(e);
    assert_eq!(code(app.result(id)), Err(ErrorCode::ReadError));
}

/// The application's `Content-Type: multipart/...` line wins, with the
/// body's boundary added when it has none (as upstream); a line with its
/// own boundary is sent as given.
#[test_log::test]
fn user_multipart_type_gets_the_boundary() {
    for (line, want) in [
        ("Content-Type: multipart/related", None),
        (
            "Content-Type: multipart/x; boundary=mine",
            Some("multipart/x; boundary=mine"),
        ),
        ("Content-Type: text/odd", Some("text/odd")),
    ] {
        let srv = recorder();
        let mut m = Mime::new();
        m.add_part().name(Some("a")).data(b"1".to_vec());
        let b = m.boundary().to_owned();
        let mut e = Easy::with_url(srv.url("/"));
        e.headers(vec![line.to_owned()]).mime_post(m);
        let (app, id) = run_one(e);
        assert_eq!(code(app.result(id)), Ok(()));
        let req = split_request(&srv.requests()[0]);
        let got: Vec<_> = req
            .head
            .iter()
            .filter(|l| l.to_ascii_lowercase().starts_with("content-type:"))
            .collect();
        assert_eq!(got.len(), 1, "{got:?}");
        let expected =
            want.map_or_else(|| format!("multipart/related; boundary={b}"), str::to_owned);
        assert_eq!(req.header("Content-Type"), Some(expected.as_str()));
    }
}

/// An `Easy` added again after its form went out sends the whole form
/// again (the body restarts with each transfer); a file edited in between
/// is read afresh (sizes are taken by `mime_post`: same length here).
#[test_log::test]
fn a_finished_form_can_be_sent_again() {
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(OK_EMPTY)
            .expect_request()
            .write(OK_EMPTY)
            .close(),
    );
    let file = temp_file("again.txt", b"first");
    let mut m = Mime::new();
    m.add_part().name(Some("f")).file(&file).unwrap();
    m.add_part().name(Some("s")).source(
        None,
        Counter {
            pos: 0,
            len: 300,
            seekable: true,
            rewinds: Arc::default(),
        },
    );
    let boundary = m.boundary().to_owned();
    let mut e = Easy::with_url(srv.url("/one"));
    e.mime_post(m);
    let (mut app, id) = run_one(e);
    assert_eq!(code(app.result(id)), Ok(()));
    let e = app.multi.remove(id).unwrap();
    std::fs::write(&file, b"again").unwrap();
    let id = app.add(e);
    app.run(std::time::Duration::from_secs(10));
    assert_eq!(code(app.result(id)), Ok(()));
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    let first = parse(&split_request(&reqs[0]).body, &boundary);
    let second = parse(&split_request(&reqs[1]).body, &boundary);
    assert_eq!(first[0].body, b"first");
    assert_eq!(second[0].body, b"again");
    assert_eq!(second[1].body, counted(300));
}
