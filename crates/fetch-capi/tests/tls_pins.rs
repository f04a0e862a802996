//! FETCHOPT_PINNEDPUBLICKEY, FETCHOPT_PROXY_PINNEDPUBLICKEY,
//! FETCHOPT_SSL_OPTIONS and FETCHOPT_PROXY_SSL_OPTIONS as a C program meets
//! them. `tests/c/tls_pins.c` is compiled against libfetch and, renamed,
//! against the installed upstream libcurl; each scenario runs both against
//! fresh fixture servers and requires the same printed setopt and result
//! codes.

mod cbuild;

use std::path::Path;

use cbuild::{Lib, Twin};
use fixtures::{CertKind, HttpServer, HttpsProxy, PkiFiles, ProxyBehaviour, TestPki, TlsServer};

static PROGRAM: Twin = Twin::new("tls_pins");

/// Runs both builds and checks they print the same (error texts
/// included); returns libfetch's without the error texts.
fn both(mode: &str, url: &str, arg: &str, ca: &Path, proxy: &str) -> String {
    let ca = ca.to_str().unwrap();
    let args = [mode, url, arg, ca, proxy];
    let ours = PROGRAM.run(Lib::Fetch, &args);
    let theirs = PROGRAM.run(Lib::Upstream, &args);
    assert_eq!(ours, theirs, "libfetch and upstream differ in {args:?}");
    ours.lines()
        .filter(|l| !l.starts_with("error="))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn files() -> PkiFiles {
    TestPki::shared().write_temp().unwrap()
}

/// The good server's pin, and one of another key.
fn pins() -> (String, String) {
    let pki = TestPki::shared();
    let good = pki.server(CertKind::Good).public_key_sha256_pin();
    let other = pki.server(CertKind::SelfSigned).public_key_sha256_pin();
    assert_ne!(good, other);
    (good, other)
}

#[test]
fn sha256_pins_match_upstream() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let url = srv.url_host("localhost", "/bytes/10");
    let f = files();
    let (good, other) = pins();
    let ok = "setopt=0\nrc=0\n";
    let mismatch = "setopt=0\nrc=90\n";
    assert_eq!(both("pin", &url, &good, &f.ca, ""), ok);
    assert_eq!(both("pin", &url, &other, &f.ca, ""), mismatch);
    // A list: any entry matches; pieces are compared whole.
    let list = format!("{other};{good}");
    assert_eq!(both("pin", &url, &list, &f.ca, ""), ok);
    let trailing = format!("{good};junk");
    assert_eq!(both("pin", &url, &trailing, &f.ca, ""), mismatch);
    assert_eq!(both("pin", &url, "sha256//", &f.ca, ""), mismatch);
    // Checked with peer verification off too; NULL removes the pin.
    assert_eq!(both("noverify", &url, &other, &f.ca, ""), mismatch);
    assert_eq!(both("noverify", &url, &good, &f.ca, ""), ok);
    assert_eq!(both("unset", &url, &other, &f.ca, ""), ok);
    // Not for plain http.
    let plain = HttpServer::start();
    assert_eq!(both("pin", &plain.url("/bytes/3"), &other, &f.ca, ""), ok);
}

#[test]
fn a_pooled_connection_is_not_reused_unchecked() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let url = srv.url_host("localhost", "/bytes/10");
    let f = files();
    let (good, other) = pins();
    let out = both("reuse", &url, &other, &f.ca, "");
    assert_eq!(out, "first=0\nsetopt=0\nrc=90\n");
    let out = both("reuse", &url, &good, &f.ca, "");
    assert_eq!(out, "first=0\nsetopt=0\nrc=0\n");
}

#[test]
fn key_file_pins_match_upstream() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let url = srv.url_host("localhost", "/bytes/10");
    let f = files();
    let pki = TestPki::shared();
    let write = |name: &str, bytes: &[u8]| {
        let p = f.dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let good = pki.server(CertKind::Good);
    let other = pki.server(CertKind::SelfSigned);
    let der = write("good.der", &good.public_key_der());
    let pem = write("good.pem", good.public_key_pem().as_bytes());
    let crlf = write(
        "good-crlf.pem",
        good.public_key_pem().replace('\n', "\r\n").as_bytes(),
    );
    let other_der = write("other.der", &other.public_key_der());
    let other_pem = write("other.pem", other.public_key_pem().as_bytes());
    // A certificate is not a public key.
    let cert = write("cert.pem", good.chain_pem().as_bytes());
    let missing = f.dir.join("missing.pem");
    let ok = "setopt=0\nrc=0\n";
    let mismatch = "setopt=0\nrc=90\n";
    for (file, want) in [
        (der.as_str(), ok),
        (pem.as_str(), ok),
        (crlf.as_str(), ok),
        (other_der.as_str(), mismatch),
        (other_pem.as_str(), mismatch),
        (cert.as_str(), mismatch),
        (missing.to_str().unwrap(), mismatch),
    ] {
        assert_eq!(both("pin", &url, file, &f.ca, ""), want, "{file}");
    }
}

#[test]
fn proxy_pins_match_upstream() {
    let plain = HttpServer::start();
    let tsrv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let f = files();
    let (good, other) = pins();
    let ok = "setopt=0\nrc=0\n";
    let mismatch = "setopt=0\nrc=90\n";
    let run = |mode: &str, url: &str, pin: &str| {
        let p = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
        both(mode, url, pin, &f.ca, &p.url_host("localhost"))
    };
    let url = plain.url("/bytes/10");
    assert_eq!(run("proxy", &url, &good), ok);
    assert_eq!(run("proxy", &url, &other), mismatch);
    // The target's pin is not checked against the proxy...
    assert_eq!(run("proxy_target", &url, &other), ok);
    // ...but against the target through the tunnel, and the proxy's pin
    // only against the proxy.
    let turl = tsrv.url_host("localhost", "/bytes/10");
    assert_eq!(run("proxy_target", &turl, &other), mismatch);
    assert_eq!(run("proxy_target", &turl, &good), ok);
    assert_eq!(run("proxy", &turl, &good), ok);
    assert_eq!(run("proxy", &turl, &other), mismatch);
}

/// CA files for a [`CertKind::LongChain`] server: the leaf's issuer
/// alone, the root with the leaf's issuer, the root with the intermediate
/// it signed.
fn chain_cas(f: &PkiFiles) -> [String; 3] {
    let pki = TestPki::shared();
    let chain = pki.server(CertKind::LongChain).chain_pem();
    let end = "-----END CERTIFICATE-----";
    let blocks: Vec<String> = chain
        .split_inclusive(end)
        .filter(|b| b.contains(end))
        .map(|b| format!("{}\n", b.trim_start()))
        .collect();
    let (first, top) = (&blocks[1], &blocks[blocks.len() - 1]);
    assert!(first.starts_with("-----BEGIN CERTIFICATE-----"), "{first}");
    assert!(top.starts_with("-----BEGIN CERTIFICATE-----"), "{top}");
    let write = |name: &str, text: &str| {
        let p = f.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let ca = pki.ca_pem();
    [
        write("inter.pem", first),
        write("root-inter.pem", &format!("{ca}{first}")),
        write("root-top.pem", &format!("{ca}{top}")),
    ]
}

#[test]
fn ssl_options_partial_chains_match_upstream() {
    let srv = TlsServer::start(CertKind::LongChain, fixtures::TlsOptions::default());
    let url = srv.url_host("localhost", "/bytes/10");
    let f = files();
    let [inter, root_inter, root_top] = chain_cas(&f);
    let root = f.ca.to_str().unwrap();
    let ok = "setopt=0\nrc=0\n";
    let unknown = "setopt=0\nrc=60\n";
    let run = |bits: i64, ca: &str| both("ssl_options", &url, &bits.to_string(), Path::new(ca), "");
    // An intermediate in CAINFO ends a chain by default...
    assert_eq!(run(0, &inter), ok);
    // ...not with NO_PARTIALCHAIN (alone, or among every other bit).
    assert_eq!(run(4, &inter), unknown);
    assert_eq!(run(0x7fff_ffff, &inter), unknown);
    // As OpenSSL builds chains: once the leaf's issuer is found in the
    // store, the rest must come from the store too (the server's
    // intermediates above it are not used)...
    assert_eq!(run(4, &root_inter), unknown);
    // ...while a store intermediate signed by the root completes one.
    assert_eq!(run(4, &root_top), ok);
    assert_eq!(run(4, root), ok);
    // The other bits change nothing here; any value is taken.
    assert_eq!(run(1 | 2 | 8 | 16 | 32, &inter), ok);
    assert_eq!(run(-1, root), ok);
    assert_eq!(run(0, root), ok);
}

#[test]
fn proxy_ssl_options_match_upstream() {
    let plain = HttpServer::start();
    let url = plain.url("/bytes/10");
    let f = files();
    let [inter, ..] = chain_cas(&f);
    let run = |bits: i64| {
        let p = HttpsProxy::start(CertKind::LongChain, ProxyBehaviour::Honest);
        let proxy = p.url_host("localhost");
        both(
            "proxy_ssl_options",
            &url,
            &bits.to_string(),
            Path::new(&inter),
            &proxy,
        )
    };
    assert_eq!(run(0), "setopt=0\nrc=0\n");
    assert_eq!(run(4), "setopt=0\nrc=60\n");
}
