//! Proxies through the socket_action loop: forwarding HTTP proxies,
//! CONNECT tunnels (https targets and HTTPPROXYTUNNEL), proxy Basic
//! authentication, SOCKS4/4a/5/5h, NOPROXY, the pool keeping proxied and
//! direct connections apart, the environment variables, and misbehaving
//! proxies, each ending in a clear code while another transfer in the same
//! multi completes (IR-01: each transfer gets its own DONE message).
mod common;

use std::time::Duration;

use common::{App, run_one};
use fetch_core::{Easy, ErrorCode, ProxyOptions};
use fixtures::{CertKind, HttpProxy, HttpServer, ProxyBehaviour, SocksServer, TestPki, TlsServer};

fn via(url: String, proxy: ProxyOptions) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e.proxy_options(proxy);
    e
}

fn tls() -> TlsServer {
    TlsServer::start(CertKind::Good, fixtures::TlsOptions::default())
}

#[test_log::test]
fn plain_http_is_forwarded_with_an_absolute_target() {
    let srv = HttpServer::start();
    let proxy = HttpProxy::start(ProxyBehaviour::Honest);
    let url = srv.url("/bytes/1000?q=1");
    let (mut app, id) = run_one(via(url.clone(), ProxyOptions::with_proxy(proxy.url())));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == fixtures::pattern(1000).as_slice());
    let seen = proxy.requests();
    assert!(
        seen[0].starts_with(&format!("GET {url} HTTP/1.1\r\n")),
        "{seen:?}"
    );
    assert!(seen[0].contains("\r\nProxy-Connection: Keep-Alive\r\n"));
    assert!(!seen[0].contains("Proxy-Authorization"));
    assert_eq!(e.info().http_connectcode, 0);
}

#[test_log::test]
fn https_goes_through_a_connect_tunnel() {
    let srv = tls();
    let proxy = HttpProxy::start(ProxyBehaviour::Honest);
    let url = srv.url_host("localhost", "/bytes/5000");
    let (mut app, id) = run_one(via(url, ProxyOptions::with_proxy(proxy.url())));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert!(e.response_body() == fixtures::pattern(5000).as_slice());
    assert_eq!(e.info().http_connectcode, 200);
    let port = srv.addr().port();
    let seen = proxy.requests();
    assert!(
        seen[0].starts_with(&format!(
            "CONNECT localhost:{port} HTTP/1.1\r\nHost: localhost:{port}\r\n"
        )),
        "{seen:?}"
    );
    assert_eq!(srv.sni_seen()[0].as_deref(), Some("localhost"));
}

#[test_log::test]
fn httpproxytunnel_tunnels_plain_http_and_http_1_0_connect() {
    let srv = HttpServer::start();
    let proxy = HttpProxy::start(ProxyBehaviour::Honest);
    let mut opts = ProxyOptions::with_proxy(proxy.addr().to_string());
    opts.port = 1; // the string's port wins
    opts.tunnel = true;
    opts.kind = fetch_core::ProxyType::Http10;
    let (mut app, id) = run_one(via(srv.url("/bytes/10"), opts));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    assert_eq!(app.multi.remove(id).unwrap().info().http_connectcode, 200);
    let port = srv.addr().port();
    assert!(proxy.requests()[0].starts_with(&format!("CONNECT 127.0.0.1:{port} HTTP/1.0\r\n")));
}

#[test_log::test]
fn proxy_basic_credentials_from_the_url_and_the_options() {
    let srv = HttpServer::start();
    let tsrv = tls();
    let proxy = HttpProxy::start(ProxyBehaviour::RequireAuth("us er".into(), "p:w".into()));
    let addr = proxy.addr();
    let mut app = App::new();
    let from_url = app.add(via(
        srv.url("/bytes/10"),
        ProxyOptions::with_proxy(format!("http://us%20er:p%3Aw@{addr}")),
    ));
    let mut opts = ProxyOptions::with_proxy(proxy.url());
    opts.user = Some("us er".into());
    opts.password = Some("p:w".into());
    let from_opts = app.add(via(tsrv.url_host("localhost", "/bytes/10"), opts));
    let none = app.add(via(
        tsrv.url_host("localhost", "/bytes/10"),
        ProxyOptions::with_proxy(proxy.url()),
    ));
    let forwarded_none = app.add(via(
        srv.url("/bytes/10"),
        ProxyOptions::with_proxy(proxy.url()),
    ));
    app.run(Duration::from_secs(20));
    assert_eq!(app.outcome(from_url), Ok(()));
    assert_eq!(app.outcome(from_opts), Ok(()));
    // A tunnel refused with 407: upstream's FETCHE_RECV_ERROR, the code in
    // INFO_HTTP_CONNECTCODE.
    assert_eq!(app.outcome(none), Err(ErrorCode::RecvError));
    let e = app.multi.remove(none).unwrap();
    assert_eq!(e.info().http_connectcode, 407);
    // Forwarded, the 407 is the response.
    assert_eq!(app.outcome(forwarded_none), Ok(()));
    let e = app.multi.remove(forwarded_none).unwrap();
    assert_eq!(e.info().response_code, 407);
    assert!(
        proxy
            .requests()
            .iter()
            .any(|r| r.contains("Proxy-Authorization: Basic dXMgZXI6cDp3\r\n"))
    );
}

/// A misbehaving proxy fails its transfer with `code`; a direct transfer
/// in the same multi completes.
fn misbehaving(proxy_url: String, target: String, code: ErrorCode, connect_code: u16) {
    let srv = HttpServer::start();
    let mut app = App::new();
    let mut e = via(target, ProxyOptions::with_proxy(proxy_url));
    e.connect_timeout(Duration::from_millis(500));
    let bad = app.add(e);
    let good = app.add(Easy::with_url(srv.url("/bytes/100000")));
    app.run(Duration::from_secs(20));
    assert_eq!(app.outcome(bad), Err(code), "{:?}", app.result(bad));
    assert_eq!(app.outcome(good), Ok(()));
    let e = app.multi.remove(bad).unwrap();
    assert_eq!(e.info().http_connectcode, connect_code);
    let e = app.multi.remove(good).unwrap();
    assert_eq!(e.response_body().len(), 100_000);
}

#[test_log::test]
fn connect_refused_with_403_is_recv_error() {
    let p = HttpProxy::start(ProxyBehaviour::Refuse(403));
    misbehaving(
        p.url(),
        "https://localhost:1/".into(),
        ErrorCode::RecvError,
        403,
    );
}

#[test_log::test]
fn connect_answered_with_garbage_is_recv_error_as_upstream() {
    let p = HttpProxy::start(ProxyBehaviour::Garbage);
    misbehaving(
        p.url(),
        "https://localhost:1/".into(),
        ErrorCode::RecvError,
        0,
    );
}

#[test_log::test]
fn connect_closed_mid_reply_is_recv_error() {
    let p = HttpProxy::start(ProxyBehaviour::CloseMidHandshake);
    misbehaving(
        p.url(),
        "https://localhost:1/".into(),
        ErrorCode::RecvError,
        0,
    );
}

#[test_log::test]
fn a_stalled_connect_hits_the_connect_timeout() {
    let p = HttpProxy::start(ProxyBehaviour::Stall);
    misbehaving(
        p.url(),
        "https://localhost:1/".into(),
        ErrorCode::OperationTimedout,
        0,
    );
}

#[test_log::test]
fn socks_misbehaviours_end_in_clear_codes() {
    let target = "http://localhost:1/".to_owned();
    let p = SocksServer::start(ProxyBehaviour::Refuse(2));
    misbehaving(p.url("socks5h"), target.clone(), ErrorCode::Proxy, 0);
    let p = SocksServer::start(ProxyBehaviour::Garbage);
    misbehaving(p.url("socks5"), target.clone(), ErrorCode::Proxy, 0);
    let p = SocksServer::start(ProxyBehaviour::CloseMidHandshake);
    misbehaving(p.url("socks4"), target.clone(), ErrorCode::Proxy, 0);
    let p = SocksServer::start(ProxyBehaviour::Stall);
    misbehaving(p.url("socks5h"), target, ErrorCode::OperationTimedout, 0);
}

#[test_log::test]
fn socks_versions_ask_for_names_or_addresses() {
    let srv = HttpServer::start();
    let tsrv = tls();
    let socks = SocksServer::start(ProxyBehaviour::Honest);
    let (port, tport) = (srv.addr().port(), tsrv.addr().port());
    let mut app = App::new();
    let ids: Vec<_> = ["socks5h", "socks5", "socks4", "socks4a"]
        .iter()
        .map(|s| {
            let url = format!("http://localhost:{port}/bytes/300");
            let mut o = ProxyOptions::new();
            o.proxy = Some(socks.url(s));
            o.tunnel = true; // no meaning for SOCKS
            let e = via(url, o);
            let id = app.add(e);
            app.run(Duration::from_secs(20));
            id
        })
        .collect();
    let tls_id = app.add(via(
        tsrv.url_host("localhost", "/bytes/300"),
        ProxyOptions::with_proxy(socks.url("socks5h")),
    ));
    app.run(Duration::from_secs(20));
    for id in ids.into_iter().chain([tls_id]) {
        assert_eq!(app.outcome(id), Ok(()), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert!(e.response_body() == fixtures::pattern(300).as_slice());
    }
    assert_eq!(
        socks.targets(),
        [
            format!("socks5 name localhost:{port}"),
            format!("socks5 ip 127.0.0.1:{port}"),
            format!("socks4 127.0.0.1:{port} user="),
            format!("socks4a localhost:{port} user="),
            format!("socks5 name localhost:{tport}"),
        ]
    );
}

#[test_log::test]
fn socks5_user_and_password() {
    let srv = HttpServer::start();
    let socks = SocksServer::start(ProxyBehaviour::RequireAuth("u".into(), "pw".into()));
    let url = srv.url("/bytes/10");
    let mut app = App::new();
    let ok = app.add(via(
        url.clone(),
        ProxyOptions::with_proxy(format!("socks5h://u:pw@{}", &socks.url("x")[4..])),
    ));
    let mut wrong = ProxyOptions::with_proxy(socks.url("socks5"));
    wrong.user = Some("u".into());
    wrong.password = Some("nope".into());
    let wrong = app.add(via(url.clone(), wrong));
    let none = app.add(via(url, ProxyOptions::with_proxy(socks.url("socks5"))));
    app.run(Duration::from_secs(20));
    assert_eq!(app.outcome(ok), Ok(()), "{:?}", app.result(ok));
    assert_eq!(app.outcome(wrong), Err(ErrorCode::Proxy));
    assert_eq!(app.outcome(none), Err(ErrorCode::Proxy));
}

#[test_log::test]
fn noproxy_and_empty_proxy_go_direct() {
    let srv = HttpServer::start();
    let dead = fixtures::closed_port();
    let mut o = ProxyOptions::with_proxy(format!("http://{dead}"));
    o.no_proxy = Some("example.com, 127.0.0.0/8".into());
    let (app, id) = run_one(via(srv.url("/bytes/10"), o));
    assert_eq!(app.outcome(id), Ok(()));
    let (app, id) = run_one(via(srv.url("/bytes/10"), ProxyOptions::with_proxy("")));
    assert_eq!(app.outcome(id), Ok(()));
    // Without NOPROXY the dead proxy is what fails.
    let (app, id) = run_one(via(
        srv.url("/bytes/10"),
        ProxyOptions::with_proxy(format!("http://{dead}")),
    ));
    assert_eq!(app.outcome(id), Err(ErrorCode::CouldntConnect));
}

#[test_log::test]
fn bad_proxy_strings_fail_before_connecting() {
    let (app, id) = run_one(via(
        "http://127.0.0.1:1/".into(),
        ProxyOptions::with_proxy("gopher://127.0.0.1:1"),
    ));
    assert_eq!(app.outcome(id), Err(ErrorCode::CouldntConnect));
    let (app, id) = run_one(via(
        "http://127.0.0.1:1/".into(),
        ProxyOptions::with_proxy("https://127.0.0.1:1"),
    ));
    // https proxies are built (tests/https_proxy.rs): nothing listens.
    assert_eq!(app.outcome(id), Err(ErrorCode::CouldntConnect));
}

#[test_log::test]
fn proxied_and_direct_connections_are_not_shared() {
    let srv = HttpServer::start();
    let proxy = HttpProxy::start(ProxyBehaviour::Honest);
    let url = srv.url("/bytes/10");
    let mut app = App::new();
    for proxied in [true, false, true, false] {
        let o = if proxied {
            ProxyOptions::with_proxy(proxy.url())
        } else {
            ProxyOptions::with_proxy("")
        };
        let id = app.add(via(url.clone(), o));
        app.run(Duration::from_secs(20));
        assert_eq!(app.outcome(id), Ok(()));
    }
    // One connection through the proxy (reused), one direct (reused).
    assert_eq!(proxy.accepted(), 1);
    assert_eq!(srv.accepted(), 2);
}

/// The environment is read by a child process (tests run in parallel
/// threads: the parent's environment is never changed).
#[test_log::test]
fn environment_variables_as_upstream() {
    let srv = HttpServer::start();
    let proxy = HttpProxy::start(ProxyBehaviour::Honest);
    let dead = format!("http://{}", fixtures::closed_port());
    let run = |vars: &[(&str, &str)], url: &str| {
        let mut cmd = child_test("env_child");
        cmd.envs(vars.iter().copied())
            .env("FETCH_ENV_CHILD_URL", url);
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find_map(|l| l.split("CHILD-CODE ").nth(1))
            .unwrap_or_else(|| panic!("no child result: {text}"))
            .trim()
            .parse::<i32>()
            .unwrap()
    };
    let url = srv.url("/bytes/10");
    let p = proxy.url();
    assert_eq!(run(&[("http_proxy", &p)], &url), 0);
    assert_eq!(proxy.requests().len(), 1);
    // HTTP_PROXY in upper case is not read (as upstream).
    assert_eq!(run(&[("HTTP_PROXY", &dead)], &url), 0);
    assert_eq!(run(&[("ALL_PROXY", &dead)], &url), 7);
    assert_eq!(run(&[("all_proxy", &p)], &url), 0);
    assert_eq!(proxy.requests().len(), 2);
    assert_eq!(
        run(&[("http_proxy", &dead), ("NO_PROXY", "127.0.0.1")], &url),
        0
    );
    assert_eq!(run(&[("http_proxy", &dead), ("no_proxy", "*")], &url), 0);
    // https_proxy applies to https URLs only.
    assert_eq!(run(&[("HTTPS_PROXY", &dead)], &url), 0);
    assert_eq!(run(&[("https_proxy", &dead)], "https://127.0.0.1:1/"), 7);
}

/// When the environment is read: when a transfer is added to a multi that
/// has none. A variable set while transfers are in the multi applies once
/// they have all been removed (docs/decisions.md, the proxy environment
/// entry). The child changes its own environment, so the parent's never
/// changes under the other test threads.
#[test_log::test]
fn environment_is_read_when_an_empty_multi_gets_a_transfer() {
    let srv = HttpServer::start();
    let dead = format!("http://{}", fixtures::closed_port());
    let mut cmd = child_test("env_switch_child");
    cmd.env("FETCH_ENV_SWITCH_URL", srv.url("/bytes/10"))
        .env("FETCH_ENV_SWITCH_PROXY", &dead);
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let codes = text
        .lines()
        .find_map(|l| l.split("CHILD-CODES ").nth(1))
        .unwrap_or_else(|| panic!("no child result: {text}"));
    // Two transfers added before the variable was set and one added while
    // those were in the multi go direct; the one added to the empty multi
    // afterwards goes to the dead proxy (COULDNT_CONNECT).
    assert_eq!(codes.trim(), "0 0 0 7");
}

/// The child side of [`environment_is_read_when_an_empty_multi_gets_a_transfer`].
#[test]
fn env_switch_child() {
    let (Ok(url), Ok(proxy)) = (
        std::env::var("FETCH_ENV_SWITCH_URL"),
        std::env::var("FETCH_ENV_SWITCH_PROXY"),
    ) else {
        return;
    };
    let mut app = App::new();
    let first = [
        app.add(Easy::with_url(url.clone())),
        app.add(Easy::with_url(url.clone())),
    ];
    // SAFETY: this child process runs this one test on one thread and
    // nothing else reads the environment meanwhile.
    unsafe { std::env::set_var("http_proxy", &proxy) };
    let during = app.add(Easy::with_url(url.clone()));
    app.run(Duration::from_secs(20));
    let mut codes: Vec<i32> = first.iter().map(|&id| app.code(id)).collect();
    codes.push(app.code(during));
    for id in first.into_iter().chain([during]) {
        app.multi.remove(id).unwrap();
    }
    let after = app.add(Easy::with_url(url));
    app.run(Duration::from_secs(20));
    codes.push(app.code(after));
    let codes: Vec<String> = codes.iter().map(i32::to_string).collect();
    println!("CHILD-CODES {}", codes.join(" "));
}

/// The child side of [`environment_variables_as_upstream`].
#[test]
fn env_child() {
    let Ok(url) = std::env::var("FETCH_ENV_CHILD_URL") else {
        return;
    };
    let (app, id) = run_one(Easy::with_url(url));
    println!(
        "CHILD-CODE {}",
        app.outcome(id).err().map_or(0, ErrorCode::code)
    );
}

/// HTTP/2 over TLS: a direct connection is not shared with a transfer
/// that goes through a CONNECT tunnel to the same origin, and the tunnel
/// itself carries h2 (ALPN with the target).
#[test_log::test]
fn h2_connections_are_not_shared_between_direct_and_proxied() {
    let srv = fixtures::H2Server::start_tls();
    let proxy = HttpProxy::start(ProxyBehaviour::Honest);
    let url = srv.url_host("localhost", "/bytes/1000");
    let mut app = App::new();
    for proxied in [false, true, true, false] {
        let o = if proxied {
            ProxyOptions::with_proxy(proxy.url())
        } else {
            ProxyOptions::with_proxy("")
        };
        let mut e = via(url.clone(), o);
        e.http_version(fetch_core::HttpVersion::V2Tls);
        let id = app.add(e);
        app.run(Duration::from_secs(20));
        assert_eq!(app.outcome(id), Ok(()), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert_eq!(e.info().http_version, 20);
    }
    assert_eq!(proxy.accepted(), 1);
    assert_eq!(srv.accepted(), 2);
    assert_eq!(srv.h2_requests(), 4);
}

/// This test binary run again for the one test `name` (a child that
/// reads its environment), with every proxy variable removed.
fn child_test(name: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--nocapture", "--test-threads=1"]);
    for v in fixtures::PROXY_ENV_VARS {
        cmd.env_remove(v);
    }
    cmd
}
