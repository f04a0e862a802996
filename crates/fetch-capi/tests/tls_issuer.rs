//! FETCHOPT_ISSUERCERT, ISSUERCERT_BLOB and their https-proxy twins as a
//! C program meets them. `tests/c/tls_issuer.c` is compiled against
//! libfetch and, renamed, against the installed upstream libcurl; each
//! scenario runs both against fresh fixture servers and requires the same
//! printed setopt code, error text, result code and verify result.

mod cbuild;
mod common;

use std::ffi::{c_uint, c_void};
use std::ptr::{null, null_mut};
use std::sync::OnceLock;

use cbuild::{Lib, Twin};
use common::*;
use fetch::*;
use fixtures::{CertKind, HttpServer, HttpsProxy, PkiFiles, ProxyBehaviour, TestPki, TlsServer};

static PROGRAM: Twin = Twin::new("tls_issuer");

/// Runs both builds and checks they print the same; returns it.
fn both(mode: &str, url: &str, ca: &str, issuer: &str, proxy: &str) -> String {
    let args = [mode, url, ca, issuer, proxy];
    let ours = PROGRAM.run(Lib::Fetch, &args);
    let theirs = PROGRAM.run(Lib::Upstream, &args);
    assert_eq!(ours, theirs, "libfetch and upstream differ in {args:?}");
    ours
}

/// The files of a scenario: the test CA, another PKI's CA, the good
/// server's own certificate, a file that is no certificate, and the long
/// chain's leaf issuer.
struct Files {
    f: PkiFiles,
    ca: String,
    other_ca: String,
    leaf: String,
    junk: String,
    chain_issuer: String,
}

fn files() -> Files {
    let pki = TestPki::shared();
    let f = pki.write_temp().unwrap();
    let write = |name: &str, text: &str| {
        let p = f.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    static OTHER: OnceLock<String> = OnceLock::new();
    let other = OTHER.get_or_init(|| TestPki::new().ca_pem());
    let chain = pki.server(CertKind::LongChain).chain_pem();
    let end = "-----END CERTIFICATE-----";
    let second = chain.split_inclusive(end).nth(1).unwrap().trim_start();
    Files {
        ca: f.ca.to_str().unwrap().to_owned(),
        other_ca: write("other-ca.pem", other),
        leaf: write("leaf.pem", pki.server(CertKind::Good).chain_pem()),
        junk: write("junk.pem", "no certificate here\n"),
        chain_issuer: write("chain-issuer.pem", &format!("{second}\n")),
        f,
    }
}

fn ok() -> String {
    "setopt=0\nerror=\nrc=0\nverify=0\n".into()
}

fn failed(text: &str) -> String {
    format!("setopt=0\nerror={text}\nrc=83\nverify=1\n")
}

#[test]
fn issuercert_matches_upstream() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let url = srv.url_host("localhost", "/bytes/10");
    let x = files();
    let run_one = |lib, args: &[&str]| PROGRAM.run(lib, args);
    let run = |mode, issuer: &str| both(mode, &url, &x.ca, issuer, "");
    assert_eq!(run("file", &x.ca), ok());
    let check = |name: &str| format!("SSL: Certificate issuer check failed ({name})");
    assert_eq!(run("file", &x.other_ca), failed(&check(&x.other_ca)));
    assert_eq!(run("file", &x.leaf), failed(&check(&x.leaf)));
    assert_eq!(
        run("file", "/nonexistent/issuer.pem"),
        failed("SSL: Unable to open issuer cert (/nonexistent/issuer.pem)")
    );
    let unreadable = format!("SSL: Unable to read issuer cert ({})", x.junk);
    assert_eq!(run("file", &x.junk), failed(&unreadable));
    assert_eq!(run("blob", &x.ca), ok());
    assert_eq!(run("blob", &x.other_ca), failed(&check("(nil)")));
    let unreadable = "SSL: Unable to read issuer cert ((nil))";
    assert_eq!(run("blob", &x.junk), failed(unreadable));
    assert_eq!(run("blob_over_file", &x.ca), ok());
    assert_eq!(run("unset", &x.other_ca), ok());
    // Without verification the check is still made (upstream then leaves
    // the error buffer empty; libfetch says why).
    let args = ["noverify", url.as_str(), &x.ca, &x.other_ca, ""];
    let theirs = run_one(Lib::Upstream, &args);
    assert_eq!(theirs, "setopt=0\nerror=\nrc=83\nverify=1\n");
    assert_eq!(run_one(Lib::Fetch, &args), failed(&check(&x.other_ca)));
    // A chain that fails verification is reported first.
    let out = both("file", &url, &x.other_ca, &x.other_ca, "");
    assert!(out.contains("rc=60\n"), "{out}");
}

#[test]
fn only_the_leafs_direct_issuer_passes() {
    let srv = TlsServer::start(CertKind::LongChain, fixtures::TlsOptions::default());
    let url = srv.url_host("localhost", "/bytes/10");
    let x = files();
    assert_eq!(both("file", &url, &x.ca, &x.chain_issuer, ""), ok());
    let check = format!("SSL: Certificate issuer check failed ({})", x.ca);
    assert_eq!(both("file", &url, &x.ca, &x.ca, ""), failed(&check));
}

#[test]
fn proxy_issuercert_matches_upstream() {
    let plain = HttpServer::start();
    let tsrv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let x = files();
    let run = |mode: &str, url: &str, issuer: &str| {
        let p = HttpsProxy::start(CertKind::Good, ProxyBehaviour::Honest);
        both(mode, url, &x.ca, issuer, &p.url_host("localhost"))
    };
    let check = |name: &str| format!("SSL: Certificate issuer check failed ({name})");
    // SSL_VERIFYRESULT is the target's: 0 when the proxy fails the check.
    let failed = |text: &str| failed(text).replace("verify=1", "verify=0");
    let url = plain.url("/bytes/10");
    assert_eq!(run("proxy", &url, &x.ca), ok());
    assert_eq!(run("proxy", &url, &x.other_ca), failed(&check(&x.other_ca)));
    assert_eq!(run("proxy_blob", &url, &x.ca), ok());
    assert_eq!(
        run("proxy_blob", &url, &x.other_ca),
        failed(&check("(nil)"))
    );
    // The target's issuer is not checked against the proxy...
    assert_eq!(run("proxy_target", &url, &x.other_ca), ok());
    // ...but against the target, through the tunnel.
    let turl = tsrv.url_host("localhost", "/bytes/10");
    let out = run("proxy_target", &turl, &x.other_ca);
    assert!(out.contains("rc=83\n"), "{out}");
    assert_eq!(run("proxy", &turl, &x.ca), ok());
    drop(x.f);
}

fn set_blob(e: *mut c_void, opt: FETCHoption, data: *mut c_void, len: usize) -> FETCHcode {
    let blob = fetch_blob {
        data,
        len,
        flags: FETCH_BLOB_COPY as c_uint,
    };
    // SAFETY: a live handle; the blob outlives the call.
    unsafe { fetch_easy_setopt_ptr(e, opt, (&raw const blob).cast()) }
}

#[test]
fn issuercert_argument_checks() {
    let e = easy("https://127.0.0.1:1/");
    let mut byte = b'x';
    for opt in [FETCHOPT_ISSUERCERT_BLOB, FETCHOPT_PROXY_ISSUERCERT_BLOB] {
        // SAFETY: a live handle.
        assert_eq!(unsafe { fetch_easy_setopt_ptr(e, opt, null()) }, FETCHE_OK);
        assert_eq!(set_blob(e, opt, (&raw mut byte).cast(), 1), FETCHE_OK);
        // Length 0 is taken, as upstream (the transfer then fails with 83:
        // tls_blobs.rs); no data with a length, or too long, is refused.
        assert_eq!(set_blob(e, opt, null_mut(), 0), FETCHE_OK);
        for (data, len) in [(null_mut(), 10), ((&raw mut byte).cast(), 8_000_001)] {
            assert_eq!(set_blob(e, opt, data, len), FETCHE_BAD_FUNCTION_ARGUMENT);
        }
        // SAFETY: a live handle; a long is not a blob.
        assert_eq!(
            unsafe { fetch_easy_setopt_long(e, opt, 5) },
            FETCHE_BAD_FUNCTION_ARGUMENT
        );
    }
    for opt in [FETCHOPT_ISSUERCERT, FETCHOPT_PROXY_ISSUERCERT] {
        // SAFETY: a live handle; NUL-terminated strings.
        unsafe {
            assert_eq!(
                fetch_easy_setopt_ptr(e, opt, c"/x.pem".as_ptr().cast()),
                FETCHE_OK
            );
            assert_eq!(fetch_easy_setopt_ptr(e, opt, null()), FETCHE_OK);
        }
    }
    assert_eq!(
        (FETCHOPT_ISSUERCERT, FETCHOPT_ISSUERCERT_BLOB),
        (10170, 40295)
    );
    assert_eq!(
        (FETCHOPT_PROXY_ISSUERCERT, FETCHOPT_PROXY_ISSUERCERT_BLOB),
        (10296, 40297)
    );
    // SAFETY: a live idle handle, not used afterwards.
    unsafe { fetch_easy_cleanup(e) };
}
