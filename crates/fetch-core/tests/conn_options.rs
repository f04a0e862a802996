//! Connection control (issue 14): RESOLVE, CONNECT_TO, IPRESOLVE,
//! INTERFACE, LOCALPORT, TCP tuning, MAXAGE_CONN/MAXLIFETIME_CONN, buffer
//! sizes, Unix sockets, PORT, PREREQFUNCTION and upkeep, observed on real
//! loopback connections.
mod common;

use std::net::{IpAddr, Ipv6Addr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, run_one};
use fetch_core::{
    Clock, ConnOptions, Easy, ErrorCode, Flow, IpResolve, Multi, Prereq, ReadResult, SockOpt,
    UnixSocket,
};
use fixtures::{HttpServer, Script, ScriptedServer, UnixHttpServer};

const LIMIT: Duration = Duration::from_secs(20);

fn easy_with(url: &str, f: impl FnOnce(&mut ConnOptions)) -> Easy {
    let mut e = Easy::with_url(url);
    let mut o = ConnOptions::default();
    f(&mut o);
    e.conn_options(o);
    e
}

/// Runs `e` on `app` and hands it back with its result code.
fn run(app: &mut App, e: Easy) -> (Easy, i32) {
    let id = app.add(e);
    app.run(LIMIT);
    let code = app.code(id);
    (app.multi.remove(id).unwrap(), code)
}

/// RESOLVE pins a name that does not resolve to 127.0.0.1; the pin stays
/// in the multi for later transfers; `-HOST:PORT` removes it.
#[test]
fn resolve_pins_a_name_for_the_multi() {
    let srv = HttpServer::start();
    let port = srv.addr().port();
    let mut app = App::new();
    let url = format!("http://pinned.invalid:{port}/bytes/5");
    let e = easy_with(&url, |o| {
        o.resolve = vec![format!("pinned.invalid:{port}:127.0.0.1")];
    });
    let (e, code) = run(&mut app, e);
    assert_eq!(code, 0);
    assert_eq!(e.response_body(), fixtures::pattern(5));
    assert_eq!(e.info().primary_ip, Some([127, 0, 0, 1].into()));
    // A later transfer of the multi without the option finds the pin.
    let (_, code) = run(&mut app, Easy::with_url(url));
    assert_eq!(code, 0);

    // Pinned to ::1 (where nothing listens on this port), localhost fails;
    // removing the pin lets the name resolve as usual again.
    let local = format!("http://localhost:{port}/bytes/1");
    let e = easy_with(&local, |o| {
        o.resolve = vec![format!("localhost:{port}:[::1]")]
    });
    let (e, code) = run(&mut app, e);
    assert_eq!(code, ErrorCode::CouldntConnect.code(), "{:?}", e.info());
    let e = easy_with(&local, |o| o.resolve = vec![format!("-localhost:{port}")]);
    let (_, code) = run(&mut app, e);
    assert_eq!(code, 0);
}

/// Malformed RESOLVE and CONNECT_TO entries end the transfer with
/// SETOPT_OPTION_SYNTAX when it starts (upstream checks them then).
#[test]
fn malformed_entries_are_option_syntax_errors() {
    let srv = HttpServer::start();
    for (resolve, connect_to) in [("nohost", ""), ("h:80:notanip", ""), ("", "h:1:t:notaport")] {
        let e = easy_with(&srv.url("/bytes/1"), |o| {
            o.resolve = [resolve]
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(Into::into)
                .collect();
            o.connect_to = [connect_to]
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(Into::into)
                .collect();
            assert_eq!(o.check().unwrap_err().code(), ErrorCode::SetoptOptionSyntax);
        });
        let (app, id) = run_one(e);
        assert_eq!(app.code(id), ErrorCode::SetoptOptionSyntax.code());
    }
    assert_eq!(srv.accepted(), 0);
}

/// CONNECT_TO sends the connection elsewhere; the request still names the
/// URL's host and port.
#[test]
fn connect_to_redirects_the_connection() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("via"));
    let port = srv.addr().port();
    let e = easy_with("http://example.test:1/x", |o| {
        o.connect_to = vec![
            "other.test::127.0.0.1:2".into(),
            format!("example.test:1:127.0.0.1:{port}"),
        ];
    });
    let (app, id) = run_one(e);
    assert_eq!(app.code(id), 0);
    let reqs = srv.requests();
    let head = String::from_utf8_lossy(&reqs[0]).to_lowercase();
    assert!(head.contains("host: example.test:1\r\n"), "{head}");
}

/// IPRESOLVE V6 reaches a server on ::1 by name; V4 refuses an IPv6
/// literal before connecting (COULDNT_CONNECT, as upstream).
#[test]
fn ipresolve_filters_addresses() {
    let srv = HttpServer::start_on(IpAddr::V6(Ipv6Addr::LOCALHOST));
    let port = srv.addr().port();
    let e = easy_with(&format!("http://localhost:{port}/bytes/3"), |o| {
        o.ip_resolve = IpResolve::V6;
    });
    let (mut app, id) = run_one(e);
    assert_eq!(app.code(id), 0);
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().primary_ip, Some(Ipv6Addr::LOCALHOST.into()));
    let e = easy_with(&format!("http://[::1]:{port}/bytes/3"), |o| {
        o.ip_resolve = IpResolve::V4;
    });
    let (app, id) = run_one(e);
    assert_eq!(app.code(id), ErrorCode::CouldntConnect.code());
    assert_eq!(srv.accepted(), 1);
}

/// LOCALPORT/LOCALPORTRANGE bind the local end; the info reports it.
/// INTERFACE `host!127.0.0.1` binds the address; an interface that does
/// not exist is INTERFACE_FAILED.
#[test]
fn local_binding_localport_and_interface() {
    let srv = HttpServer::start();
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = easy_with(&srv.url("/bytes/2"), |o| {
        o.local_port = free;
        o.local_port_range = 20;
        o.interface = Some("host!127.0.0.1".into());
    });
    let (mut app, id) = run_one(e);
    assert_eq!(app.code(id), 0);
    let e = app.multi.remove(id).unwrap();
    let lp = e.info().local_port;
    assert!(
        (free..free.saturating_add(20)).contains(&lp),
        "{lp} from {free}"
    );
    assert_eq!(e.info().local_ip, Some([127, 0, 0, 1].into()));
    let e = easy_with(&srv.url("/bytes/2"), |o| {
        o.interface = Some("if!nosuchif0".into());
    });
    let (app, id) = run_one(e);
    assert_eq!(app.code(id), ErrorCode::InterfaceFailed.code());
}

/// TCP_NODELAY (on by default) and TCP_KEEPALIVE with its times are set
/// before the sockopt hook sees the socket.
#[test]
fn tcp_options_reach_the_socket() {
    let srv = HttpServer::start();
    let seen = Arc::new(Mutex::new(Vec::new()));
    for (nodelay, keepalive) in [(true, false), (false, true)] {
        let mut e = easy_with(&srv.url("/bytes/1"), |o| {
            o.tcp_nodelay = nodelay;
            o.tcp_keepalive = keepalive;
            o.keep_idle = Duration::from_secs(33);
            o.keep_interval = Duration::from_secs(7);
        });
        e.fresh_connect(true);
        let s = seen.clone();
        e.socket_hooks(
            None,
            Some(Box::new(move |fd| {
                let r = socket2::SockRef::from(&fd);
                let ka = r.keepalive()?;
                let idle = if ka { r.keepalive_time()?.as_secs() } else { 0 };
                let intvl = if ka {
                    r.keepalive_interval()?.as_secs()
                } else {
                    0
                };
                s.lock().unwrap().push((r.nodelay()?, ka, idle, intvl));
                Ok(SockOpt::Ok)
            })),
            None,
        );
        let (app, id) = run_one(e);
        assert_eq!(app.code(id), 0);
    }
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(true, false, 0, 0), (false, true, 33, 7)]
    );
}

/// MAXAGE_CONN: a connection idle longer than the limit (whole seconds) is
/// closed instead of reused; MAXLIFETIME_CONN likewise by age. The manual
/// clock makes the time pass without sleeping.
#[test]
fn maxage_and_maxlifetime_close_old_connections() {
    let srv = HttpServer::start();
    let clock = Clock::manual();
    let mut app = App::with_multi(Multi::with_clock(clock.clone()));
    let url = srv.url("/bytes/1");
    let (e, _) = run(&mut app, Easy::with_url(url.clone()));
    assert_eq!(e.info().num_connects, 1);
    clock.advance(Duration::from_millis(1500));
    // Idle 1.5 s: not older than 1 s in whole seconds.
    let (e, _) = run(
        &mut app,
        easy_with(&url, |o| o.max_age = Duration::from_secs(1)),
    );
    assert_eq!(e.info().num_connects, 0, "reused");
    clock.advance(Duration::from_secs(3));
    let (e, _) = run(
        &mut app,
        easy_with(&url, |o| o.max_age = Duration::from_secs(2)),
    );
    assert_eq!(e.info().num_connects, 1, "idle 3 s > 2 s: a new connection");
    assert_eq!(srv.accepted(), 2);
    clock.advance(Duration::from_secs(1));
    let (e, _) = run(&mut app, Easy::with_url(url.clone()));
    assert_eq!(e.info().num_connects, 0, "default 118 s: reused");
    clock.advance(Duration::from_secs(2));
    let (e, _) = run(
        &mut app,
        easy_with(&url, |o| o.max_lifetime = Some(Duration::from_secs(2))),
    );
    assert_eq!(e.info().num_connects, 1, "3 s old > 2 s lifetime");
    assert_eq!(srv.accepted(), 3);
}

/// BUFFERSIZE caps each read (so each write-callback piece);
/// UPLOAD_BUFFERSIZE caps the room the read callback gets.
#[test]
fn buffer_sizes_cap_reads_and_upload_room() {
    let srv = HttpServer::start();
    let biggest = Arc::new(Mutex::new(0usize));
    let mut e = easy_with(&srv.url("/bytes/100000"), |o| o.buffer_size = Some(1024));
    let b = biggest.clone();
    e.write_function(move |d| {
        let mut m = b.lock().unwrap();
        *m = (*m).max(d.len());
        Flow::Continue
    });
    let (app, id) = run_one(e);
    assert_eq!(app.code(id), 0);
    let got = *biggest.lock().unwrap();
    assert!(got > 0 && got <= 1024, "{got}");

    let room = Arc::new(Mutex::new(0usize));
    let mut e = easy_with(&srv.url("/up"), |o| o.upload_buffer_size = 16384);
    let mut left = 100_000usize;
    let r = room.clone();
    e.body_reader(Some(100_000), move |buf| {
        let mut m = r.lock().unwrap();
        *m = (*m).max(buf.len());
        let n = buf.len().min(left);
        buf[..n].fill(b'u');
        left -= n;
        ReadResult::Data(n)
    });
    let (app, id) = run_one(e);
    assert_eq!(app.code(id), 0);
    assert_eq!(*room.lock().unwrap(), 16384);
}

/// HTTP over a Unix socket: no name is resolved, the connection is pooled
/// under its path (reused for the same path, not for another).
#[test]
fn unix_socket_get_and_pool_key() {
    let a = UnixHttpServer::start();
    let b = UnixHttpServer::start();
    let mut app = App::new();
    let at = |srv: &UnixHttpServer, path: &str| {
        let p = srv.path().to_owned();
        easy_with(&format!("http://unix.invalid{path}"), move |o| {
            o.unix_socket = Some(UnixSocket::Path(p));
        })
    };
    let (e, code) = run(&mut app, at(&a, "/one"));
    assert_eq!(code, 0);
    assert_eq!(e.response_body(), b"/one");
    assert_eq!(e.info().primary_ip, None);
    let (e, _) = run(&mut app, at(&a, "/two"));
    assert_eq!(
        (e.response_body(), e.info().num_connects),
        (&b"/two"[..], 0)
    );
    let (e, _) = run(&mut app, at(&b, "/three"));
    assert_eq!(
        (e.response_body(), e.info().num_connects),
        (&b"/three"[..], 1)
    );
    // And a plain TCP transfer to the same URL host is not given either.
    assert_eq!((a.accepted(), b.accepted()), (1, 1));
}

/// ABSTRACT_UNIX_SOCKET: the same over a Linux abstract name.
#[cfg(target_os = "linux")]
#[test]
fn abstract_unix_socket_get() {
    let name = format!("fetch-test-{}", std::process::id());
    let srv = UnixHttpServer::start_abstract(name.as_bytes());
    let e = easy_with("http://localhost/abs", |o| {
        o.unix_socket = Some(UnixSocket::Abstract(name.clone().into_bytes()));
    });
    let (mut app, id) = run_one(e);
    assert_eq!(app.code(id), 0);
    assert_eq!(app.multi.remove(id).unwrap().response_body(), b"/abs");
    assert_eq!(srv.accepted(), 1);
}

/// PORT replaces the first URL's port for the connection and the Host
/// header; the effective URL stays as given (as upstream).
#[test]
fn port_overrides_the_url() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("four"));
    let port = srv.addr().port();
    let e = easy_with("http://127.0.0.1:1/bytes/4", |o| o.port = Some(port));
    let (mut app, id) = run_one(e);
    assert_eq!(app.code(id), 0);
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().primary_port, port);
    assert_eq!(
        e.info().effective_url.as_deref(),
        Some("http://127.0.0.1:1/bytes/4")
    );
    let head = String::from_utf8_lossy(&srv.requests()[0]).to_lowercase();
    assert!(
        head.contains(&format!("host: 127.0.0.1:{port}\r\n")),
        "{head}"
    );
}

/// PREREQFUNCTION sees the connection's addresses before each request and
/// can stop the transfer before anything is sent (ABORTED_BY_CALLBACK).
#[test]
fn prereq_sees_addresses_and_can_abort() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("x"));
    let seen = Arc::new(Mutex::new(Vec::<Prereq>::new()));
    let mut e = Easy::with_url(srv.url("/"));
    let s = seen.clone();
    e.prereq_function(Some(Box::new(move |p| {
        s.lock().unwrap().push(p.clone());
        false
    })));
    let (app, id) = run_one(e);
    assert_eq!(app.code(id), ErrorCode::AbortedByCallback.code());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].primary_ip, "127.0.0.1");
    assert_eq!(seen[0].primary_port, srv.addr().port());
    assert_eq!(seen[0].local_ip, "127.0.0.1");
    assert_ne!(seen[0].local_port, 0);
    assert!(srv.requests().iter().all(Vec::is_empty), "nothing was sent");
}

/// Upkeep closes an idle connection the server has closed.
#[test]
fn upkeep_closes_dead_idle_connections() {
    let srv = ScriptedServer::start(Script::new().expect_request().respond_ok("one").close());
    let mut app = App::new();
    let (e, code) = run(&mut app, Easy::with_url(srv.url("/")));
    assert_eq!(code, 0);
    assert!(e.info().active_socket.is_some(), "pooled: still open");
    assert!(format!("{:?}", app.multi).contains("connections: 1"));
    // The server closes its end after the response; upkeep notices.
    let closed = fixtures::wait_until(Duration::from_secs(10), || {
        app.multi.upkeep().unwrap();
        format!("{:?}", app.multi).contains("connections: 0")
    });
    assert!(closed, "{:?}", app.multi);
}

/// CONNECT_TO over HTTPS: the connection goes to another port, while the
/// TLS name (SNI, certificate check) stays the URL's host.
#[test]
fn connect_to_keeps_the_tls_name() {
    let srv = fixtures::TlsServer::start(fixtures::CertKind::Good, fixtures::TlsOptions::default());
    let port = srv.addr().port();
    let mut e = easy_with("https://localhost:1/bytes/10", |o| {
        o.connect_to = vec![format!("localhost:1:127.0.0.1:{port}")];
    });
    e.tls_mut().ca_blob = Some(fixtures::TestPki::shared().ca_pem().into_bytes());
    let (mut app, id) = run_one(e);
    assert_eq!(app.code(id), 0, "{:?}", app.result(id));
    assert_eq!(
        app.multi.remove(id).unwrap().response_body(),
        fixtures::pattern(10)
    );
    assert_eq!(srv.handshakes()[0].sni.as_deref(), Some("localhost"));
}
