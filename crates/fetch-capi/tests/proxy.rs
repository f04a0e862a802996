//! The proxy options (PROXY, PROXYPORT, PROXYTYPE, HTTPPROXYTUNNEL,
//! PROXYUSERPWD, PROXYUSERNAME/PASSWORD, PROXYAUTH, NOPROXY), the
//! environment variables and INFO_HTTP_CONNECTCODE as a C program meets
//! them.
//!
//! `tests/c/proxy.c` is compiled twice: against libfetch, and renamed by
//! `s/fetch/curl/g; s/FETCH/CURL/g` against the installed upstream libcurl.
//! Each scenario runs both builds against fresh fixture proxies (honest
//! and misbehaving) and requires the same result code, response code,
//! CONNECT code and body length from both.

mod cbuild;

use std::path::Path;
use std::process::Command;

use cbuild::{Lib, Twin};
use fixtures::{CertKind, HttpProxy, HttpServer, ProxyBehaviour, SocksServer, TestPki, TlsServer};

static PROGRAM: Twin = Twin::new("proxy");

fn exe(lib: Lib) -> &'static Path {
    PROGRAM.exe(lib)
}

/// Runs one build; returns what it printed (stdout).
fn run(lib: Lib, mode: &str, url: &str, proxy: &str, env: &[(&str, &str)]) -> String {
    let exe = exe(lib);
    let files = TestPki::shared().write_temp().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([mode, url, proxy]).arg(&files.ca);
    for v in fixtures::PROXY_ENV_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run the C program");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "{lib:?} {mode}:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{lib:?} {mode}: {:?}", out.status);
    text
}

/// Runs both builds (each against a fresh proxy from `proxy`) and checks
/// they print the same; returns libfetch's output.
fn both<P>(mode: &str, url: &str, proxy: impl Fn() -> (P, String)) -> String {
    both_env(mode, url, proxy, &[])
}

fn both_env<P>(
    mode: &str,
    url: &str,
    proxy: impl Fn() -> (P, String),
    env: &[(&str, &str)],
) -> String {
    let (keep, p) = proxy();
    let ours = run(Lib::Fetch, mode, url, &p, env);
    drop(keep);
    let (keep, p) = proxy();
    let theirs = run(Lib::Upstream, mode, url, &p, env);
    drop(keep);
    assert_eq!(ours, theirs, "libfetch and upstream differ in {mode}");
    ours
}

fn http(b: ProxyBehaviour) -> impl Fn() -> (HttpProxy, String) {
    move || {
        let p = HttpProxy::start(b.clone());
        let u = p.url();
        (p, u)
    }
}

fn socks(b: ProxyBehaviour, scheme: &'static str) -> impl Fn() -> (SocksServer, String) {
    move || {
        let p = SocksServer::start(b.clone());
        let u = p.url(scheme);
        (p, u)
    }
}

#[test]
fn forwarding_tunnels_and_credentials_match_upstream() {
    let srv = HttpServer::start();
    let tsrv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let url = srv.url("/bytes/1000");
    let turl = tsrv.url_host("localhost", "/bytes/2000");
    let out = both("plain", &url, http(ProxyBehaviour::Honest));
    assert!(out.contains("rc=0\ncode=200\nconnectcode=0 (rc 0)\nbody_len=1000\n"));
    let out = both("plain", &turl, http(ProxyBehaviour::Honest));
    assert!(out.contains("rc=0\ncode=200\nconnectcode=200 (rc 0)\nbody_len=2000\n"));
    let out = both("tunnel", &url, http(ProxyBehaviour::Honest));
    assert!(out.contains("connectcode=200"));
    let auth = ProxyBehaviour::RequireAuth("us er".into(), "p:w".into());
    let out = both("userpwd", &turl, http(auth.clone()));
    assert!(out.contains("rc=0\n"), "{out}");
    let out = both("names", &url, http(auth.clone()));
    assert!(out.contains("rc=0\ncode=200\n"), "{out}");
    // Without credentials: a 407 for the tunnel fails it...
    let out = both("plain", &turl, http(auth.clone()));
    assert!(
        out.contains("rc=56\n") && out.contains("connectcode=407"),
        "{out}"
    );
    // ... and is the response when forwarded.
    let out = both("plain", &url, http(auth));
    assert!(out.contains("rc=0\ncode=407\n"), "{out}");
}

#[test]
fn misbehaving_http_proxies_match_upstream() {
    let turl = "https://localhost:1/";
    let out = both("plain", turl, http(ProxyBehaviour::Refuse(403)));
    assert!(
        out.contains("rc=56\n") && out.contains("connectcode=403"),
        "{out}"
    );
    let out = both("plain", turl, http(ProxyBehaviour::Garbage));
    assert!(out.contains("rc=56\n"), "{out}");
    let out = both("plain", turl, http(ProxyBehaviour::CloseMidHandshake));
    assert!(out.contains("rc=56\n"), "{out}");
    let out = both("plain", turl, http(ProxyBehaviour::Stall));
    assert!(out.contains("rc=28\n"), "{out}");
}

#[test]
fn socks_proxies_match_upstream() {
    let srv = HttpServer::start();
    let url = srv.url("/bytes/300");
    for scheme in ["socks4", "socks4a", "socks5", "socks5h"] {
        let out = both("plain", &url, socks(ProxyBehaviour::Honest, scheme));
        assert!(out.contains("rc=0\ncode=200\n"), "{scheme}: {out}");
    }
    let bare = move || {
        let p = SocksServer::start(ProxyBehaviour::Honest);
        let u = p.url("x")[4..].to_owned();
        (p, u)
    };
    let out = both("socks5h", &url, bare);
    assert!(out.contains("rc=0\n"), "{out}");
    let out = both("socks4", &url, bare);
    assert!(out.contains("rc=0\n"), "{out}");
    let out = both("plain", &url, socks(ProxyBehaviour::Refuse(2), "socks5h"));
    assert!(out.contains("rc=97\n"), "{out}");
    let auth = ProxyBehaviour::RequireAuth("u".into(), "pw".into());
    let out = both("plain", &url, socks(auth, "socks5"));
    assert!(out.contains("rc=97\n"), "{out}");
    let out = both("plain", &url, socks(ProxyBehaviour::Garbage, "socks5"));
    assert!(out.contains("rc=97\n"), "{out}");
    let out = both(
        "plain",
        &url,
        socks(ProxyBehaviour::CloseMidHandshake, "socks4"),
    );
    assert!(out.contains("rc=97\n"), "{out}");
    let out = both("plain", &url, socks(ProxyBehaviour::Stall, "socks5"));
    assert!(out.contains("rc=28\n"), "{out}");
}

#[test]
fn setopt_checks_noproxy_and_environment_match_upstream() {
    let srv = HttpServer::start();
    let url = srv.url("/bytes/10");
    let dead = format!("http://{}", fixtures::closed_port());
    let dead_proxy = || ((), dead.clone());
    let out = both("setopt", &url, http(ProxyBehaviour::Honest));
    assert!(out.contains("type_99=43\n"), "{out}");
    assert!(out.contains("port_70000=43\n"), "{out}");
    let out = both("noproxy", &url, dead_proxy);
    assert!(out.contains("rc=0\n"), "{out}");
    let out = both("plain", &url, dead_proxy);
    assert!(out.contains("rc=7\n"), "{out}");
    let env_cases: [(&str, i32); 4] = [
        ("http_proxy", 7),
        ("HTTP_PROXY", 0),
        ("ALL_PROXY", 7),
        ("HTTPS_PROXY", 0),
    ];
    for (var, rc) in env_cases {
        let out = both_env("env", &url, dead_proxy, &[(var, &dead)]);
        assert!(out.contains(&format!("rc={rc}\n")), "{var}: {out}");
    }
    let out = both_env(
        "env",
        &url,
        dead_proxy,
        &[("http_proxy", &dead), ("NO_PROXY", "127.0.0.1")],
    );
    assert!(out.contains("rc=0\n"), "{out}");
}
