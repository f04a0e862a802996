//! The debug callback (FETCHOPT_DEBUGFUNCTION): what a transfer traces, in
//! which order, against the fixture servers.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::run_one;
use fetch_core::{Easy, InfoType};
use fixtures::HttpServer;

type Trace = Arc<Mutex<Vec<(InfoType, Vec<u8>)>>>;

fn traced(easy: &mut Easy) -> Trace {
    let trace: Trace = Arc::default();
    let t = trace.clone();
    easy.debug_function(move |kind, data| t.lock().unwrap().push((kind, data.to_vec())));
    trace
}

/// The kinds in order, runs of one kind collapsed (body bytes may come in
/// any number of pieces).
fn kinds(trace: &Trace) -> Vec<InfoType> {
    let mut out: Vec<InfoType> = trace.lock().unwrap().iter().map(|(k, _)| *k).collect();
    out.dedup();
    out
}

fn texts(trace: &Trace) -> Vec<String> {
    of_kind(trace, InfoType::Text)
        .into_iter()
        .map(|b| String::from_utf8(b).unwrap())
        .collect()
}

fn of_kind(trace: &Trace, kind: InfoType) -> Vec<Vec<u8>> {
    let trace = trace.lock().unwrap();
    trace
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, d)| d.clone())
        .collect()
}

#[test_log::test]
fn get_traces_connect_request_head_response_head_and_body() {
    let srv = HttpServer::start();
    let mut easy = Easy::with_url(srv.url("/bytes/3000"));
    let trace = traced(&mut easy);
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));

    use InfoType::*;
    assert_eq!(kinds(&trace), [Text, HeaderOut, HeaderIn, DataIn]);
    let port = srv.addr().port();
    assert_eq!(
        texts(&trace),
        [
            format!("  Trying 127.0.0.1:{port}...\n"),
            format!("Connected to 127.0.0.1 (127.0.0.1) port {port}\n"),
        ]
    );
    let head = of_kind(&trace, HeaderOut);
    assert_eq!(head.len(), 1, "the head goes out whole, once");
    let head = String::from_utf8(head[0].clone()).unwrap();
    assert!(head.starts_with("GET /bytes/3000 HTTP/1.1\r\n"), "{head}");
    assert!(head.ends_with("\r\n\r\n"), "{head}");

    let lines = of_kind(&trace, HeaderIn);
    assert!(lines[0].starts_with(b"HTTP/1.1 200"), "status line first");
    assert!(
        lines.iter().all(|l| l.ends_with(b"\n")),
        "one line per call"
    );
    assert_eq!(lines.last().unwrap(), b"\r\n", "the empty line last");
    assert_eq!(of_kind(&trace, DataIn).concat(), fixtures::pattern(3000));
}

#[test_log::test]
fn chunked_body_is_traced_decoded() {
    let srv = HttpServer::start();
    let mut easy = Easy::with_url(srv.url("/chunked/2500"));
    let trace = traced(&mut easy);
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(
        of_kind(&trace, InfoType::DataIn).concat(),
        fixtures::pattern(2500)
    );
}

#[test_log::test]
fn post_traces_the_body_sent_after_the_head() {
    let srv = HttpServer::start();
    let mut easy = Easy::with_url(srv.url("/echo"));
    easy.post(&b"hello=world"[..]);
    let trace = traced(&mut easy);
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));

    use InfoType::*;
    assert_eq!(kinds(&trace), [Text, HeaderOut, DataOut, HeaderIn, DataIn]);
    let head = String::from_utf8(of_kind(&trace, HeaderOut).concat()).unwrap();
    assert!(head.starts_with("POST /echo HTTP/1.1\r\n"), "{head}");
    assert!(head.contains("Content-Length: 11\r\n"), "{head}");
    assert_eq!(of_kind(&trace, DataOut).concat(), b"hello=world");
    assert_eq!(of_kind(&trace, DataIn).concat(), b"hello=world");
}

#[test_log::test]
fn redirect_traces_the_next_url_and_the_reused_connection() {
    let srv = HttpServer::start();
    let mut easy = Easy::with_url(srv.url("/redirect/1"));
    easy.follow_location(true);
    let trace = traced(&mut easy);
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));

    let heads: Vec<String> = of_kind(&trace, InfoType::HeaderOut)
        .into_iter()
        .map(|h| String::from_utf8(h).unwrap())
        .collect();
    assert_eq!(heads.len(), 2, "one head per request");
    assert!(heads[0].starts_with("GET /redirect/1 "));
    assert!(heads[1].starts_with("GET /redirect/0 "));
    let texts = texts(&trace);
    let next = format!(
        "Issue another request to this URL: '{}'\n",
        srv.url("/redirect/0")
    );
    let reuse = "Re-using existing connection with host 127.0.0.1\n";
    let at = |line: &str| texts.iter().position(|t| t == line);
    assert!(at(&next).is_some(), "{texts:?}");
    assert!(at(&next) < at(reuse), "{texts:?}");
    let status: Vec<_> = of_kind(&trace, InfoType::HeaderIn)
        .into_iter()
        .filter(|l| l.starts_with(b"HTTP/"))
        .collect();
    assert_eq!(status.len(), 2);
    assert!(status[0].starts_with(b"HTTP/1.1 302"));
    assert!(status[1].starts_with(b"HTTP/1.1 200"));
}

#[test_log::test]
fn refused_connect_traces_the_attempt_and_the_error() {
    let addr = fixtures::closed_port();
    let mut easy = Easy::with_url(format!("http://{addr}/"));
    let trace = traced(&mut easy);
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_err());

    assert!(of_kind(&trace, InfoType::HeaderOut).is_empty());
    let texts = texts(&trace);
    assert_eq!(texts[0], format!("  Trying {addr}...\n"));
    let last = texts.last().unwrap();
    assert!(
        last.starts_with(&format!(
            "Failed to connect to 127.0.0.1 port {}",
            addr.port()
        )),
        "the error detail comes last: {texts:?}"
    );
    assert!(texts.iter().all(|t| t.ends_with('\n')));
}

#[test_log::test]
fn timeout_traces_the_error_detail() {
    let srv = fixtures::silent_server();
    let mut easy = Easy::with_url(srv.url("/"));
    easy.timeout(Duration::from_millis(200));
    let trace = traced(&mut easy);
    let (app, id) = run_one(easy);
    assert!(app.result(id).is_err());

    use InfoType::*;
    assert_eq!(kinds(&trace), [Text, HeaderOut, Text]);
    let texts = texts(&trace);
    assert!(
        texts.iter().any(|t| t.starts_with("Operation timed out")),
        "{texts:?}"
    );
    assert_eq!(texts.last().unwrap(), "Closing connection\n", "{texts:?}");
}

#[test_log::test]
fn without_a_debug_callback_nothing_changes() {
    let srv = HttpServer::start();
    let (app, id) = run_one(Easy::with_url(srv.url("/bytes/10")));
    assert!(app.result(id).is_ok());
}

/// A GET or HEAD with no option that adds to its head takes the short way
/// to it (issue 13: instructions per transfer); an option that adds
/// nothing to the head (a low-speed limit) takes the general one. Both
/// send the same bytes, and the same info results.
#[test_log::test]
fn plain_head_is_the_general_head() {
    use fetch_core::Method;
    let srv = HttpServer::start();
    let url = srv.url("/redirect/0");
    let authority = url.trim_start_matches("http://").split('/').next().unwrap();
    for method in [Method::Get, Method::Head] {
        let mut heads = Vec::new();
        let mut infos = Vec::new();
        for general in [false, true] {
            let mut easy = Easy::with_url(url.clone());
            easy.method(method.clone());
            if general {
                easy.low_speed(1, Duration::from_secs(100));
            }
            let trace = traced(&mut easy);
            let (mut app, id) = run_one(easy);
            assert!(app.result(id).is_ok(), "{:?}", app.result(id));
            heads.push(String::from_utf8(of_kind(&trace, InfoType::HeaderOut).concat()).unwrap());
            let easy = app.multi.remove(id).unwrap();
            let info = easy.info();
            infos.push((
                info.effective_method.clone(),
                info.scheme,
                info.request_size,
                info.content_length_upload,
            ));
        }
        let name = if method == Method::Get { "GET" } else { "HEAD" };
        let want =
            format!("{name} /redirect/0 HTTP/1.1\r\nHost: {authority}\r\nAccept: */*\r\n\r\n");
        assert_eq!(heads, [want.clone(), want.clone()]);
        assert_eq!(infos[0], infos[1]);
        assert_eq!(infos[0].0.as_deref(), Some(name));
        assert_eq!(infos[0].2, want.len() as u64);
    }
}
