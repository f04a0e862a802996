//! HTTP authentication through the C ABI (`tests/c/http_auth.c`, compiled
//! with `gcc -Wall -Wextra -Werror` against `<fetch/fetch.h>` and run under
//! valgrind): FETCHOPT_HTTPAUTH masks with upstream's FETCHAUTH_* values,
//! FETCHOPT_XOAUTH2_BEARER and FETCHINFO_HTTPAUTH_AVAIL, against the
//! fixture server that checks Basic, Digest and Bearer answers.

mod cbuild;

use std::path::PathBuf;
use std::sync::OnceLock;

use cbuild::{compile, crate_dir, require};
use fixtures::{AuthConfig, AuthScheme, AuthServer};

fn exe() -> &'static PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| compile(&crate_dir().join("tests/c/http_auth.c"), "http_auth"))
}

fn run(srv: &AuthServer, mode: &str) -> String {
    require("valgrind");
    let out = cbuild::memcheck(exe())
        .arg(srv.url("/c"))
        .arg(mode)
        .output()
        .expect("run http_auth under valgrind");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{mode}");
    text
}

fn offering(offer: Vec<AuthScheme>) -> AuthServer {
    AuthServer::start(AuthConfig {
        offer,
        ..AuthConfig::default()
    })
}

fn digest() -> AuthScheme {
    AuthScheme::Digest {
        algorithm: "SHA-256",
        qop: true,
        userhash: false,
    }
}

#[test]
fn any_picks_digest_and_reports_what_was_offered() {
    let srv = offering(vec![AuthScheme::Basic, digest()]);
    let text = run(&srv, "any");
    // FETCHAUTH_BASIC | FETCHAUTH_DIGEST offered.
    assert!(
        text.contains("setopt=0 code=0 status=200 avail=3 body='ok'"),
        "{text}"
    );
    let reqs = srv.requests();
    assert!(reqs[0].authorization.is_none());
    assert!(
        reqs[1]
            .authorization
            .as_ref()
            .unwrap()
            .starts_with("Digest ")
    );
}

#[test]
fn digest_basic_and_bearer_alone() {
    let srv = offering(vec![digest()]);
    assert!(run(&srv, "digest").contains("code=0 status=200"));
    let srv = offering(vec![AuthScheme::Basic]);
    assert!(run(&srv, "basic").contains("code=0 status=200"));
    assert_eq!(srv.requests().len(), 1);
    let srv = offering(vec![AuthScheme::Bearer]);
    assert!(run(&srv, "bearer").contains("code=0 status=200"));
    assert_eq!(
        srv.requests()[0].authorization.as_deref(),
        Some("Bearer tok3n")
    );
}

#[test]
fn anysafe_delivers_the_401_of_a_basic_only_server() {
    let srv = offering(vec![AuthScheme::Basic]);
    let text = run(&srv, "anysafe");
    assert!(
        text.contains("setopt=0 code=0 status=401 avail=1 body='denied'"),
        "{text}"
    );
}

#[test]
fn ntlm_alone_is_not_built_in() {
    let srv = offering(vec![AuthScheme::Basic]);
    let text = run(&srv, "ntlm");
    // FETCHE_NOT_BUILT_IN (4); the default (Basic) stays.
    assert!(text.contains("setopt=4 code=0 status=200"), "{text}");
}
