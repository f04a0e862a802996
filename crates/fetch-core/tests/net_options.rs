//! The Rust API of FETCHOPT_DISALLOW_USERNAME_IN_URL, FETCHOPT_REQUEST_TARGET
//! and FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS (the C tests in fetch-capi compare
//! the HTTP/1.1 behaviour with upstream libcurl; these add HTTP/2 and the
//! engine's own view).
mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{fill_accept_queue, run_one};
use fetch_core::{Easy, ErrorCode, HttpVersion};
use fixtures::{H2Server, Script, ScriptedServer, pattern};

fn h2c(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.http_version(HttpVersion::V2PriorKnowledge);
    e
}

/// Over HTTP/2 the target is the `:path`: the server answers the path it
/// names, not the URL's.
#[test_log::test]
fn request_target_is_the_h2_path() {
    let srv = H2Server::start();
    let mut e = h2c(srv.url("/status/404"));
    e.request_target(Some("/bytes/7".to_owned()));
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().response_code, 200);
    assert!(e.response_body() == pattern(7).as_slice());
    assert_eq!(e.info().http_version, 20);
    // Unset: the URL's path again.
    let mut e = h2c(srv.url("/status/404"));
    e.request_target(Some("/bytes/7".to_owned()))
        .request_target(None);
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(app.multi.remove(id).unwrap().info().response_code, 404);
}

/// LoginDenied before any connection; nothing refused when off.
#[test_log::test]
fn disallow_username_fails_with_login_denied() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("ok"));
    let url = srv.url("/a").replace("http://", "http://me@");
    let mut e = Easy::with_url(url.clone());
    e.disallow_username_in_url(true);
    let (mut app, id) = run_one(e);
    assert_eq!(
        app.result(id).as_ref().map_err(|e| e.code()),
        Err(ErrorCode::LoginDenied)
    );
    drop(app.multi.remove(id));
    assert_eq!(srv.accepted(), 0, "no connection is made");
    let mut e = Easy::with_url(url);
    e.disallow_username_in_url(false);
    let (app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(srv.requests().len(), 1);
}

/// A listener on 127.0.0.1 that never answers (its accept queue is full,
/// so SYNs are dropped) and an HTTP server on [::1], on the same port.
/// Keep all of it alive for the test.
struct DualStack {
    good: fixtures::HttpServer,
    _stuck: socket2::Socket,
    _fillers: Vec<socket2::Socket>,
}

impl DualStack {
    fn start() -> Self {
        use socket2::{Domain, Socket, Type};
        // Another test may hold the IPv4 port: try fresh ones.
        let (good, stuck, v4) = (0..50)
            .find_map(|_| {
                let good = fixtures::HttpServer::start_on("::1".parse().unwrap());
                let port = good.addr().port();
                let stuck = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
                let v4: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
                stuck.bind(&v4.into()).is_ok().then_some((good, stuck, v4))
            })
            .expect("no port free on both 127.0.0.1 and [::1] in 50 tries");
        stuck.listen(0).unwrap();
        let fillers = fill_accept_queue(v4);
        Self {
            good,
            _stuck: stuck,
            _fillers: fillers,
        }
    }

    /// A transfer of `/bytes/10` from a name whose addresses are
    /// 127.0.0.1 (first: it never answers) and ::1.
    fn easy(&self) -> Easy {
        let port = self.good.addr().port();
        let mut e = Easy::with_url(format!("http://dual.test:{port}/bytes/10"));
        let mut conn = e.get_conn_options().clone();
        conn.resolve = vec![format!("dual.test:{port}:127.0.0.1,[::1]")];
        e.conn_options(conn);
        e.connect_timeout(Duration::from_secs(20));
        e
    }
}

fn with_timeout(mut e: Easy, ms: u64) -> Easy {
    let mut conn = e.get_conn_options().clone();
    conn.happy_eyeballs_timeout = Duration::from_millis(ms);
    e.conn_options(conn);
    e
}

/// Runs `e`; returns where it connected and how long connecting took.
fn connect_of(e: Easy) -> (Option<std::net::IpAddr>, Duration) {
    let (mut app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.response_body().len(), 10);
    (e.info().primary_ip, e.info().connect_time)
}

/// The first family (IPv4 here) does not answer: the other family's
/// attempt starts beside it after the timeout and wins. Without happy
/// eyeballs the IPv4 attempt would hold for half the connect timeout
/// (10 s).
#[test_log::test]
fn happy_eyeballs_starts_the_other_family_after_the_timeout() {
    let dual = DualStack::start();
    let (ip, took) = connect_of(with_timeout(dual.easy(), 100));
    assert_eq!(ip, Some("::1".parse().unwrap()));
    assert!(took >= Duration::from_millis(100), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // The default: 200 ms.
    let (ip, took) = connect_of(dual.easy());
    assert_eq!(ip, Some("::1".parse().unwrap()));
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

/// The timeout is the head start: with 1.5 s, the IPv6 attempt starts no
/// sooner; with 0, at once.
#[test_log::test]
fn happy_eyeballs_timeout_is_the_head_start() {
    let dual = DualStack::start();
    let (ip, took) = connect_of(with_timeout(dual.easy(), 1500));
    assert_eq!(ip, Some("::1".parse().unwrap()));
    assert!(took >= Duration::from_millis(1500), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // With 0 the race starts at once: well under the 200 ms default. A
    // loaded machine can delay one connect past that, so the quickest of
    // up to three tries is judged (the default would never be under 100).
    let mut quickest = Duration::MAX;
    for _ in 0..3 {
        let (ip, took) = connect_of(with_timeout(dual.easy(), 0));
        assert_eq!(ip, Some("::1".parse().unwrap()));
        quickest = quickest.min(took);
        if quickest < Duration::from_millis(100) {
            break;
        }
    }
    assert!(quickest < Duration::from_millis(100), "{quickest:?}");
}

/// The first family answering first wins while the other family's
/// attempt runs: both listeners drop SYNs at first; the IPv4 one makes room
/// after 300 ms, so the IPv4 attempt connects when its SYN is sent again
/// (about 1 s), while the IPv6 attempt started at 50 ms is still stuck.
#[test_log::test]
fn happy_eyeballs_first_family_wins_during_the_race() {
    use socket2::{Domain, Socket, Type};
    use std::io::{Read, Write};
    let (v4, v6) = (0..50)
        .find_map(|_| {
            let v6 = Socket::new(Domain::IPV6, Type::STREAM, None).unwrap();
            v6.bind(&"[::1]:0".parse::<SocketAddr>().unwrap().into())
                .ok()?;
            let port = v6.local_addr().unwrap().as_socket().unwrap().port();
            let v4 = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
            let at: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
            v4.bind(&at.into()).is_ok().then_some((v4, v6))
        })
        .expect("no port free on both 127.0.0.1 and [::1] in 50 tries");
    let addr = |s: &Socket| s.local_addr().unwrap().as_socket().unwrap();
    let (a4, a6) = (addr(&v4), addr(&v6));
    v4.listen(0).unwrap();
    v6.listen(0).unwrap();
    let fill4 = fill_accept_queue(a4);
    let _fill6 = fill_accept_queue(a6);
    let server = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        // Make room: take the fillers' connections off the queue.
        for _ in 0..fill4.len() {
            v4.set_nonblocking(true).unwrap();
            let _ = v4.accept();
        }
        v4.set_nonblocking(false).unwrap();
        loop {
            let (mut c, peer) = v4.accept().unwrap();
            if fill4
                .iter()
                .any(|f| f.local_addr().ok().and_then(|a| a.as_socket()) == peer.as_socket())
            {
                continue;
            }
            let mut buf = [0u8; 1024];
            let _ = c.read(&mut buf);
            c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
                .unwrap();
            return;
        }
    });
    let mut e = Easy::with_url(format!("http://dual.test:{}/", a4.port()));
    let mut conn = e.get_conn_options().clone();
    conn.resolve = vec![format!("dual.test:{}:127.0.0.1,[::1]", a4.port())];
    e.conn_options(conn);
    e.connect_timeout(Duration::from_secs(20));
    let (ip, took) = connect_of(with_timeout(e, 50));
    assert_eq!(ip, Some("127.0.0.1".parse().unwrap()));
    assert!(took >= Duration::from_millis(300), "{took:?}");
    server.join().unwrap();
}

/// The addresses tried by a transfer of a name pinned to 127.0.0.1 (the
/// server) and 127.0.0.2..=20 (nothing listens: refused at once), in the
/// order they were tried, from the trace.
fn tried_order(port: u16, shuffle: bool) -> Vec<String> {
    use std::sync::{Arc, Mutex};
    let mut e = Easy::with_url(format!("http://shuf.test:{port}/bytes/10"));
    let mut conn = e.get_conn_options().clone();
    let ips: Vec<String> = (1..=20).map(|i| format!("127.0.0.{i}")).collect();
    conn.resolve = vec![format!("shuf.test:{port}:{}", ips.join(","))];
    conn.dns_shuffle = shuffle;
    e.conn_options(conn);
    let trace = Arc::new(Mutex::new(Vec::new()));
    let t = trace.clone();
    e.debug_function(move |kind, data| {
        let text = String::from_utf8_lossy(data);
        if kind == fetch_core::InfoType::Text && text.contains("Trying ") {
            t.lock().unwrap().push(text.trim().to_owned());
        }
    });
    let (ip, _) = connect_of(e);
    assert_eq!(ip, Some("127.0.0.1".parse().unwrap()));
    let tried = trace.lock().unwrap().clone();
    assert_eq!(
        tried.last().map(String::as_str),
        Some(format!("Trying 127.0.0.1:{port}...").as_str())
    );
    tried
}

/// DNS_SHUFFLE_ADDRESSES: the pinned addresses are tried in a random
/// order (six runs all starting with the first of 20 by chance: about one
/// in 64 million); off, in the order given.
#[test_log::test]
fn dns_shuffle_tries_the_addresses_in_random_order() {
    let srv = fixtures::HttpServer::start();
    let port = srv.addr().port();
    for _ in 0..3 {
        assert_eq!(
            tried_order(port, false).len(),
            1,
            "in order: the first serves"
        );
    }
    let runs: Vec<Vec<String>> = (0..6).map(|_| tried_order(port, true)).collect();
    assert!(
        runs.iter().any(|r| r.len() > 1),
        "shuffled: some run tried another address first: {runs:?}"
    );
}
