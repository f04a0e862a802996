//! The cookie engine through the Rust API, against scripted servers on
//! 127.0.0.1: cookies set by a redirect go with the followed request, stay
//! on their host, are deleted by an expiry in the past, and hostile
//! `Set-Cookie` fields (malformed, oversized, for another domain or a
//! public suffix, too many) are dropped without disturbing the transfer.

mod common;

use common::run_one;
use fetch_core::{CookieJar, Easy, SharedCookieJar};
use fixtures::{Script, ScriptedServer};

fn cookie_of(request: &[u8]) -> Option<String> {
    String::from_utf8_lossy(request)
        .split("\r\n")
        .find_map(|l| l.strip_prefix("Cookie: ").map(str::to_owned))
}

/// Answers one request with `status`, the extra header lines and no body.
fn answer(status: &str, extra: &str) -> Script {
    Script::new()
        .expect_request()
        .write(format!(
            "HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
        ))
        .close()
}

fn get(url: String, jar: &SharedCookieJar) {
    let mut e = Easy::with_url(url);
    e.follow_location(true).cookie_jar(Some(jar.clone()));
    let (app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
}

#[test_log::test]
fn redirect_chain_carries_cookies_to_the_same_host_only() {
    let other = ScriptedServer::start(answer("200 OK", ""));
    // Port does not isolate cookies (RFC 6265 8.5); the host name does.
    let same_host = ScriptedServer::start(answer(
        "302 Found",
        &format!(
            "Location: {}\r\n",
            other.url("/").replace("127.0.0.1", "localhost")
        ),
    ));
    let login = ScriptedServer::start(answer(
        "302 Found",
        &format!(
            "Location: {}\r\nSet-Cookie: sid=1; Path=/\r\nSet-Cookie: ip=2; Domain=127.0.0.1\r\n",
            same_host.url("/next")
        ),
    ));
    let jar = CookieJar::shared();
    get(login.url("/login"), &jar);
    assert_eq!(cookie_of(&login.requests()[0]), None);
    assert_eq!(
        cookie_of(&same_host.requests()[0]).as_deref(),
        Some("sid=1; ip=2")
    );
    // localhost is another host: nothing set for 127.0.0.1 goes there.
    assert_eq!(cookie_of(&other.requests()[0]), None);
    let jar = jar.lock().unwrap();
    assert_eq!(jar.len(), 2);
    assert!(
        jar.iter()
            .all(|c| !c.include_subdomains() && c.domain() == "127.0.0.1")
    );
}

#[test_log::test]
fn expiry_in_the_past_deletes_and_fixed_cookie_is_appended() {
    let srv = ScriptedServer::start_seq(vec![
        answer(
            "200 OK",
            "Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\n",
        ),
        answer("200 OK", "Set-Cookie: a=gone; Path=/; Max-Age=0\r\n"),
        answer("200 OK", ""),
    ]);
    let jar = CookieJar::shared();
    get(srv.url("/"), &jar);
    get(srv.url("/"), &jar);
    let mut e = Easy::with_url(srv.url("/"));
    e.cookie_jar(Some(jar)).cookie(Some("fixed=x".into()));
    let (app, id) = run_one(e);
    assert!(app.result(id).is_ok());
    let reqs = srv.requests();
    assert_eq!(cookie_of(&reqs[1]).as_deref(), Some("b=2; a=1"));
    assert_eq!(cookie_of(&reqs[2]).as_deref(), Some("b=2; fixed=x"));
}

#[test_log::test]
fn hostile_set_cookie_fields_are_dropped() {
    let mut extra = String::new();
    for bad in [
        "novalue".to_owned(),
        "=noname".to_owned(),
        format!("big={}", "x".repeat(4100)),
        "other=1; Domain=example.com".to_owned(),
        // An address only matches itself.
        "part=1; Domain=0.0.1".to_owned(),
        "sec=1; Secure; Domain=localhost".to_owned(),
        "__Host-h=1; Path=/".to_owned(),
        "__Secure-s=1".to_owned(),
    ] {
        extra.push_str(&format!("Set-Cookie: {bad}\r\n"));
    }
    // More than upstream's 50 per response: the rest are ignored.
    for i in 0..60 {
        extra.push_str(&format!("Set-Cookie: n{i}=v\r\n"));
    }
    let srv = ScriptedServer::start(answer("200 OK", &extra));
    let jar = CookieJar::shared();
    get(srv.url("/"), &jar);
    let jar = jar.lock().unwrap();
    let names: Vec<&str> = jar.iter().map(|c| c.name()).collect();
    let expected: Vec<String> = (0..50).map(|i| format!("n{i}")).collect();
    assert_eq!(names, expected);
}
