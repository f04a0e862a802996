//! https:// proxies as a C program meets them: PROXY "https://...",
//! PROXYTYPE FETCHPROXY_HTTPS, PROXY_CAINFO(_BLOB), PROXY_SSL_VERIFYPEER,
//! PROXY_SSL_VERIFYHOST, PROXY_SSLVERSION and INFO_PROXY_SSL_VERIFYRESULT,
//! with the target's own TLS options (CAINFO) left as they are.
//!
//! `tests/c/https_proxy.c` is compiled twice: against libfetch, and
//! renamed by `s/fetch/curl/g; s/FETCH/CURL/g` against the installed
//! upstream libcurl. Each scenario runs both builds against fresh fixture
//! proxies and requires the same printed result code, response code,
//! CONNECT code, proxy verification result and body length.

mod cbuild;

use std::path::Path;
use std::process::Command;

use cbuild::{Lib, Twin, require, run_without_proxy_env};
use fixtures::{
    CertKind, HttpServer, HttpsProxy, ProxyBehaviour, TestPki, TlsMisbehaviour, TlsServer,
};

static PROGRAM: Twin = Twin::new("https_proxy");

fn exe(lib: Lib) -> &'static Path {
    PROGRAM.exe(lib)
}

/// Runs one build; returns what it printed (stdout).
fn run(lib: Lib, mode: &str, url: &str, proxy: &str) -> String {
    let files = TestPki::shared().write_temp().unwrap();
    let mut cmd = Command::new(exe(lib));
    cmd.args([mode, url, proxy]).arg(&files.ca);
    run_without_proxy_env(cmd, &format!("{lib:?} {mode}"))
}

/// Runs both builds, each through a fresh proxy from `proxy`, and checks
/// they print the same; returns libfetch's output.
fn both<P>(mode: &str, url: &str, proxy: impl Fn() -> (P, String)) -> String {
    let (ours, theirs) = outputs(mode, url, proxy);
    assert_eq!(ours, theirs, "libfetch and upstream differ in {mode}");
    ours
}

/// As `both`, except for the proxy verification result, where upstream
/// reports what OpenSSL computed without being asked (with
/// PROXY_SSL_VERIFYPEER off, or X509_V_ERR_UNSPECIFIED before any
/// certificate arrived) and libfetch reports 0 (decisions.md, as
/// SSL_VERIFYRESULT).
fn both_but_verify<P>(mode: &str, url: &str, proxy: impl Fn() -> (P, String)) -> String {
    let (ours, theirs) = outputs(mode, url, proxy);
    let strip = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.starts_with("proxy_verify="))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    assert_eq!(
        strip(&ours),
        strip(&theirs),
        "libfetch and upstream differ in {mode}"
    );
    assert!(ours.contains("proxy_verify=0 (rc 0)"), "{ours}");
    ours
}

/// What each build printed.
fn outputs<P>(mode: &str, url: &str, proxy: impl Fn() -> (P, String)) -> (String, String) {
    let (keep, p) = proxy();
    let ours = run(Lib::Fetch, mode, url, &p);
    drop(keep);
    let (keep, p) = proxy();
    let theirs = run(Lib::Upstream, mode, url, &p);
    drop(keep);
    (ours, theirs)
}

fn https(kind: CertKind, b: ProxyBehaviour) -> impl Fn() -> (HttpsProxy, String) {
    move || {
        let p = HttpsProxy::start(kind, b.clone());
        let u = p.url_host("localhost");
        (p, u)
    }
}

#[test]
fn forwarding_and_tls_in_tls_tunnels_match_upstream() {
    let srv = HttpServer::start();
    let tsrv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let url = srv.url("/bytes/1000");
    let turl = tsrv.url_host("localhost", "/bytes/70000");
    let honest = https(CertKind::Good, ProxyBehaviour::Honest);
    let out = both("trusted", &url, &honest);
    assert!(
        out.contains("rc=0\ncode=200\nconnectcode=0\nproxy_verify=0 (rc 0)\nbody_len=1000\n"),
        "{out}"
    );
    let out = both("trusted", &turl, &honest);
    assert!(
        out.contains("rc=0\ncode=200\nconnectcode=200\n") && out.contains("body_len=70000\n"),
        "{out}"
    );
    let out = both("blob", &turl, &honest);
    assert!(out.contains("rc=0\ncode=200\n"), "{out}");
    let bare = || {
        let p = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
        let u = format!("localhost:{}", p.addr().port());
        (p, u)
    };
    let out = both("type", &url, bare);
    assert!(out.contains("rc=0\ncode=200\n"), "{out}");
}

#[test]
fn proxy_certificate_checks_match_upstream() {
    let srv = HttpServer::start();
    let url = srv.url("/bytes/10");
    let good = https(CertKind::Good, ProxyBehaviour::Honest);
    let wrong = https(CertKind::WrongHost, ProxyBehaviour::Honest);
    // Not trusted: the target's CAINFO does not apply to the proxy.
    let out = both("untrusted", &url, &good);
    assert!(
        out.contains("rc=60\n") && out.contains("proxy_verify=20 (rc 0)"),
        "{out}"
    );
    let out = both_but_verify("noverify", &url, &good);
    assert!(out.contains("rc=0\ncode=200\n"), "{out}");
    let out = both("trusted", &url, &wrong);
    assert!(out.contains("rc=60\n"), "{out}");
    let out = both("nohost", &url, &wrong);
    assert!(out.contains("rc=0\ncode=200\n"), "{out}");
}

#[test]
fn broken_proxy_handshakes_match_upstream() {
    let srv = HttpServer::start();
    let url = srv.url("/bytes/10");
    let misbehaving = |m| {
        move || {
            let p = TlsServer::start_misbehaving(m);
            let u = format!("https://{}", p.addr());
            (p, u)
        }
    };
    let out = both_but_verify(
        "trusted",
        &url,
        misbehaving(TlsMisbehaviour::CloseMidHandshake),
    );
    assert!(out.contains("rc=35\n"), "{out}");
    let out = both_but_verify(
        "trusted",
        &url,
        misbehaving(TlsMisbehaviour::GarbageInsteadOfServerHello),
    );
    assert!(out.contains("rc=35\n"), "{out}");
    let out = both_but_verify(
        "timeout",
        &url,
        misbehaving(TlsMisbehaviour::StallHandshake),
    );
    assert!(out.contains("rc=28\n"), "{out}");
    let refused = https(CertKind::Good, ProxyBehaviour::Refuse(403));
    let turl = "https://localhost:1/";
    let out = both("trusted", turl, refused);
    assert!(
        out.contains("rc=56\n") && out.contains("connectcode=403"),
        "{out}"
    );
}

/// The TLS-in-TLS tunnel with PROXY_CAINFO_BLOB under valgrind: no errors,
/// no leaks (the blob is copied at setopt and freed by the program).
#[test]
fn tls_in_tls_through_a_blob_trusted_proxy_is_clean_under_valgrind() {
    require("valgrind");
    let tsrv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let proxy = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
    let files = TestPki::shared().write_temp().unwrap();
    let out = cbuild::memcheck(exe(Lib::Fetch))
        .arg("blob_slow")
        .arg(tsrv.url_host("localhost", "/bytes/30000"))
        .arg(proxy.url_host("localhost"))
        .arg(&files.ca)
        .output()
        .expect("run valgrind");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("rc=0\ncode=200\nconnectcode=200\n"), "{text}");
    assert!(text.contains("body_len=30000\n"), "{text}");
}
