//! FETCHOPT_SSLCERT_BLOB, SSLKEY_BLOB, KEYPASSWD and their https-proxy
//! twins as a C program meets them. `tests/c/tls_blobs.c` is compiled
//! against libfetch and, renamed, against the installed upstream libcurl;
//! each scenario runs both against fresh fixture servers that require a
//! client certificate and requires the same printed setopt and result
//! codes.

mod cbuild;
mod common;

use std::ffi::{c_uint, c_void};
use std::path::Path;
use std::process::Command;
use std::ptr::{null, null_mut};

use base64::Engine;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use cbuild::{Lib, Twin, run_without_proxy_env};
use common::*;
use fetch::*;
use fixtures::{CertKind, HttpServer, HttpsProxy, PkiFiles, ProxyBehaviour, TestPki, TlsServer};
use md5::{Digest, Md5};

static PROGRAM: Twin = Twin::new("tls_blobs");

fn exe(lib: Lib) -> &'static Path {
    PROGRAM.exe(lib)
}

/// Runs one build; returns what it printed (stdout).
fn run(lib: Lib, args: &[&str]) -> String {
    // In a session of its own, without a terminal: upstream's OpenSSL asks
    // the terminal for a missing password.
    let mut cmd = Command::new("setsid");
    cmd.arg(exe(lib)).args(args);
    run_without_proxy_env(cmd, &format!("{lib:?} {args:?}"))
}

/// The client certificate, key and password arguments of one scenario.
struct Client<'a> {
    cert: &'a str,
    key: &'a str,
    pass: &'a str,
}

/// Runs both builds of `mode` and checks they print the same; returns it.
fn both(mode: &str, url: &str, keys: &Keys, c: &Client, proxy: &str) -> String {
    let ca = keys.files.ca.to_str().unwrap();
    let args = [mode, url, ca, c.cert, c.key, c.pass, proxy];
    let ours = run(Lib::Fetch, &args);
    let theirs = run(Lib::Upstream, &args);
    assert_eq!(ours, theirs, "libfetch and upstream differ in {args:?}");
    ours
}

/// The fixture client identity's files, and its key encrypted three ways.
struct Keys {
    files: PkiFiles,
    cert: String,
    key: String,
    /// Certificate chain and key in one file.
    both: String,
    /// PKCS#8 `ENCRYPTED PRIVATE KEY`, PBKDF2-SHA256 and AES-256-CBC,
    /// password "secret".
    pkcs8: String,
    /// OpenSSL's legacy `Proc-Type: 4,ENCRYPTED` PEM, AES-256-CBC,
    /// password "secret".
    legacy: String,
    /// Another key (the good server's), not the certificate's.
    other: String,
}

fn keys() -> Keys {
    let pki = TestPki::shared();
    let files = pki.write_temp().unwrap();
    let client = pki.client();
    let write = |name: &str, text: &str| {
        let p = files.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let der = client.key_der();
    let pkcs8 = encrypt_pkcs8(der.secret_der(), "secret");
    let legacy = encrypt_legacy(der.secret_der(), "secret");
    Keys {
        cert: files.client_cert.to_str().unwrap().to_owned(),
        key: files.client_key.to_str().unwrap().to_owned(),
        both: write(
            "both.pem",
            &format!("{}{}", client.chain_pem(), client.key_pem()),
        ),
        pkcs8: write("pkcs8.pem", &pkcs8),
        legacy: write("legacy.pem", &legacy),
        other: write("other.pem", pki.server(CertKind::Good).key_pem()),
        files,
    }
}

/// A PKCS#8 key encrypted as `openssl pkcs8 -topk8 -v2 aes-256-cbc` does.
fn encrypt_pkcs8(der: &[u8], password: &str) -> String {
    use pkcs8::der::EncodePem;
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, &[7; 16], &[9; 16]).unwrap();
    let info = pkcs8::PrivateKeyInfo::try_from(der).unwrap();
    let doc = info.encrypt_with_params(params, password).unwrap();
    let enc = pkcs8::EncryptedPrivateKeyInfo::try_from(doc.as_bytes()).unwrap();
    enc.to_pem(pkcs8::LineEnding::LF).unwrap()
}

/// A PKCS#8 key in OpenSSL's legacy encrypted PEM (`PEM_write_bio_PrivateKey_traditional`
/// with a cipher): AES-256-CBC under `EVP_BytesToKey(MD5, salt = IV[..8])`.
fn encrypt_legacy(der: &[u8], password: &str) -> String {
    let iv = [0x5a_u8; 16];
    let mut key = Vec::new();
    let mut prev = Vec::new();
    while key.len() < 32 {
        let mut h = Md5::new();
        h.update(&prev);
        h.update(password.as_bytes());
        h.update(&iv[..8]);
        prev = h.finalize().to_vec();
        key.extend_from_slice(&prev);
    }
    let sealed = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key[..32], &iv)
        .unwrap()
        .encrypt_padded_vec_mut::<Pkcs7>(der);
    let b64 = base64::engine::general_purpose::STANDARD.encode(sealed);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let iv_hex: String = iv.iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,{iv_hex}\n\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

fn server() -> TlsServer {
    let opts = fixtures::TlsOptions {
        require_client_cert: true,
        ..fixtures::TlsOptions::default()
    };
    TlsServer::start(CertKind::Good, opts)
}

const OK: &str = "setopt=0,0,0\nrc=0\n";
/// FETCHE_SSL_CERTPROBLEM: the certificate or key cannot be used.
const CERTPROBLEM: &str = "setopt=0,0,0\nrc=58\n";
/// FETCHE_RECV_ERROR: no certificate sent, the server refused (TLS 1.3
/// reports it after the handshake).
const REFUSED: &str = "setopt=0,0,0\nrc=56\n";

#[test]
fn certificate_and_key_blobs_match_upstream() {
    let srv = server();
    let url = srv.url_host("localhost", "/bytes/10");
    let k = keys();
    let c = |cert, key, pass| Client { cert, key, pass };
    assert_eq!(both("blobs", &url, &k, &c(&k.cert, &k.key, "-"), ""), OK);
    // One blob with both: the key is read from the certificate's blob.
    assert_eq!(both("blobs", &url, &k, &c(&k.both, "-", "-"), ""), OK);
    // No key anywhere, the wrong key, no certificate at all.
    assert_eq!(
        both("blobs", &url, &k, &c(&k.cert, "-", "-"), ""),
        CERTPROBLEM
    );
    assert_eq!(
        both("blobs", &url, &k, &c(&k.cert, &k.other, "-"), ""),
        CERTPROBLEM
    );
    assert_eq!(
        both("blobs", &url, &k, &c(&k.key, &k.key, "-"), ""),
        CERTPROBLEM
    );
    // A key without a certificate is ignored: none is sent.
    assert_eq!(both("blobs", &url, &k, &c("-", &k.key, "-"), ""), REFUSED);
    // Blobs win over files (that do not exist here).
    assert_eq!(
        both("blob_over_file", &url, &k, &c(&k.cert, &k.key, "-"), ""),
        OK
    );
    // NULL clears them.
    assert_eq!(
        both("unset", &url, &k, &c(&k.cert, &k.key, "-"), ""),
        REFUSED
    );
    // The three successes of each library presented the certificate.
    assert_eq!(srv.handshakes().iter().filter(|h| h.client_cert).count(), 6);
}

/// Blobs of length 0 are taken at setopt, as upstream, and fail where
/// they are used: an empty CA blob has no certificates (77), an empty
/// client certificate none to send (58), an empty issuer none to check
/// with (83); an empty key blob is the key, even when the certificate's
/// blob holds one (58).
#[test]
fn empty_blobs_fail_where_used_as_upstream() {
    let srv = server();
    let url = srv.url_host("localhost", "/bytes/10");
    let k = keys();
    let run = |what: &str| {
        both(
            "empty",
            &url,
            &k,
            &Client {
                cert: what,
                key: &k.both,
                pass: "-",
            },
            "",
        )
    };
    assert_eq!(run("ca"), "setopt=0,0,0\nrc=77\n");
    assert_eq!(run("cert"), CERTPROBLEM);
    assert_eq!(run("issuer"), "setopt=0,0,0\nrc=83\n");
    assert_eq!(run("key"), CERTPROBLEM);
}

#[test]
fn keypasswd_matches_upstream() {
    let srv = server();
    let url = srv.url_host("localhost", "/bytes/10");
    let k = keys();
    let c = |key, pass| Client {
        cert: &k.cert,
        key,
        pass,
    };
    for mode in ["files", "blobs"] {
        for key in [&k.pkcs8, &k.legacy] {
            assert_eq!(
                both(mode, &url, &k, &c(key, "secret"), ""),
                OK,
                "{mode} {key}"
            );
            assert_eq!(both(mode, &url, &k, &c(key, "wrong"), ""), CERTPROBLEM);
            assert_eq!(both(mode, &url, &k, &c(key, ""), ""), CERTPROBLEM);
        }
        // A password for a key that is not encrypted is not used.
        assert_eq!(both(mode, &url, &k, &c(&k.key, "unused"), ""), OK);
    }
    // No password for an encrypted key: upstream's OpenSSL asks the
    // terminal (there is none here) and fails with 58. (With a blob,
    // upstream 7.88 crashes; libfetch answers 58 there too.)
    for key in [&k.pkcs8, &k.legacy] {
        assert_eq!(both("files", &url, &k, &c(key, "-"), ""), CERTPROBLEM);
        assert_eq!(
            run(
                Lib::Fetch,
                &[
                    "blobs",
                    &url,
                    k.files.ca.to_str().unwrap(),
                    &k.cert,
                    key,
                    "-"
                ]
            ),
            CERTPROBLEM
        );
    }
}

#[test]
fn proxy_blobs_and_keypasswd_match_upstream() {
    let plain = HttpServer::start();
    let url = plain.url("/bytes/10");
    let k = keys();
    let opts = fixtures::TlsOptions {
        require_client_cert: true,
        resumption: false,
        ..fixtures::TlsOptions::default()
    };
    let run = |mode: &str, cert: &str, key: &str, pass: &str| {
        let p = HttpsProxy::start_with(CertKind::Good, ProxyBehaviour::Honest, &opts);
        let c = Client { cert, key, pass };
        let out = both(mode, &url, &k, &c, &p.url_host("localhost"));
        (out, p.handshakes().iter().any(|h| h.client_cert))
    };
    assert_eq!(run("proxy_blobs", &k.cert, &k.key, "-"), (OK.into(), true));
    assert_eq!(run("proxy_blobs", &k.both, "-", "-"), (OK.into(), true));
    assert_eq!(
        run("proxy_blobs", &k.cert, &k.pkcs8, "secret"),
        (OK.into(), true)
    );
    assert_eq!(
        run("proxy_files", &k.cert, &k.legacy, "secret"),
        (OK.into(), true)
    );
    let (out, _) = run("proxy_blobs", &k.cert, &k.pkcs8, "wrong");
    assert_eq!(out, CERTPROBLEM);
    let (out, _) = run("proxy_files", &k.cert, &k.pkcs8, "wrong");
    assert_eq!(out, CERTPROBLEM);
    // The target's certificate is not presented to the proxy.
    let (out, sent) = run("proxy_target", &k.cert, &k.key, "-");
    assert!(!sent);
    assert_ne!(out, OK);
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
fn blob_and_password_argument_checks() {
    let e = easy("https://127.0.0.1:1/");
    let mut byte = b'x';
    for opt in [
        FETCHOPT_SSLCERT_BLOB,
        FETCHOPT_SSLKEY_BLOB,
        FETCHOPT_PROXY_SSLCERT_BLOB,
        FETCHOPT_PROXY_SSLKEY_BLOB,
    ] {
        // SAFETY: a live handle.
        assert_eq!(unsafe { fetch_easy_setopt_ptr(e, opt, null()) }, FETCHE_OK);
        assert_eq!(set_blob(e, opt, (&raw mut byte).cast(), 1), FETCHE_OK);
        // No data, over upstream's 8,000,000-byte limit (length 0 is
        // taken: empty_blobs_fail_where_used_as_upstream).
        assert_eq!(set_blob(e, opt, null_mut(), 0), FETCHE_OK);
        for (data, len) in [(null_mut(), 10), ((&raw mut byte).cast(), 8_000_001)] {
            assert_eq!(
                set_blob(e, opt, data, len),
                FETCHE_BAD_FUNCTION_ARGUMENT,
                "{opt}"
            );
        }
        // SAFETY: a live handle; a long is not a blob.
        assert_eq!(
            unsafe { fetch_easy_setopt_long(e, opt, 5) },
            FETCHE_BAD_FUNCTION_ARGUMENT
        );
    }
    for opt in [FETCHOPT_KEYPASSWD, FETCHOPT_PROXY_KEYPASSWD] {
        // SAFETY: a live handle; NUL-terminated strings.
        unsafe {
            assert_eq!(
                fetch_easy_setopt_ptr(e, opt, c"pw".as_ptr().cast()),
                FETCHE_OK
            );
            assert_eq!(fetch_easy_setopt_ptr(e, opt, null()), FETCHE_OK);
        }
    }
    // The numbers and the older names are upstream's.
    assert_eq!(
        (FETCHOPT_SSLCERT_BLOB, FETCHOPT_SSLKEY_BLOB),
        (40291, 40292)
    );
    assert_eq!(
        (FETCHOPT_PROXY_SSLCERT_BLOB, FETCHOPT_PROXY_SSLKEY_BLOB),
        (40293, 40294)
    );
    assert_eq!(
        (FETCHOPT_KEYPASSWD, FETCHOPT_PROXY_KEYPASSWD),
        (10026, 10258)
    );
    assert_eq!(FETCHOPT_SSLKEYPASSWD, FETCHOPT_KEYPASSWD);
    assert_eq!(FETCHOPT_SSLCERTPASSWD, FETCHOPT_KEYPASSWD);
    // SAFETY: a live idle handle, not used afterwards.
    unsafe { fetch_easy_cleanup(e) };
}
