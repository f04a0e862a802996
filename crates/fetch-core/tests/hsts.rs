//! HSTS through the Rust API (issue 16 item 7): an https response's
//! `Strict-Transport-Security` is stored, and a later `http://` URL of
//! that host (or a redirect to one) goes to https instead; without the
//! cache the same URL is sent in clear (and fails against a TLS server).
mod common;

use std::sync::{Arc, Mutex};

use common::run_one;
use fetch_core::{Easy, ErrorCode, HstsCache, LockData, Share, SharedHsts};
use fixtures::{CertKind, TestPki, TlsServer};

fn trusting(url: String, hsts: Option<&SharedHsts>) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e.hsts(hsts.cloned());
    e
}

fn run(e: Easy) -> (Easy, Result<(), ErrorCode>) {
    let (mut app, id) = run_one(e);
    let r = app.result(id).clone().map_err(|e| e.code());
    (app.multi.remove(id).unwrap(), r)
}

#[test_log::test]
fn a_header_over_https_sends_later_http_urls_to_https() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let port = srv.addr().port();
    let hsts = HstsCache::shared();
    // Control: http:// to the TLS port without HSTS is sent in clear.
    let plain = format!("http://localhost:{port}/bytes/5");
    let (_, r) = run(trusting(plain.clone(), None));
    assert!(r.is_err(), "{r:?}");
    let (_, r) = run(trusting(plain.clone(), Some(&hsts)));
    assert!(r.is_err(), "nothing learnt yet: {r:?}");
    let (_, r) = run(trusting(
        srv.url_host("localhost", "/hsts?max-age=3600;includeSubDomains"),
        Some(&hsts),
    ));
    assert_eq!(r, Ok(()));
    let entries = hsts.lock().unwrap().entries(0);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].host, "localhost");
    assert!(entries[0].include_subdomains);
    // Now the http:// URL goes to https on the same (explicit) port.
    let mut e = trusting(plain, Some(&hsts));
    let trace = Arc::new(Mutex::new(String::new()));
    let t = trace.clone();
    e.debug_function(move |_, b| t.lock().unwrap().push_str(&String::from_utf8_lossy(b)));
    let (e, r) = run(e);
    assert_eq!(r, Ok(()));
    assert_eq!(e.response_body(), fixtures::pattern(5));
    assert_eq!(
        e.info().effective_url.as_deref(),
        Some(format!("https://localhost:{port}/bytes/5").as_str())
    );
    assert!(
        trace
            .lock()
            .unwrap()
            .contains("Switched from HTTP to HTTPS due to HSTS => https://localhost:"),
        "{}",
        trace.lock().unwrap()
    );
    // max-age=0 removes the entry.
    let (_, r) = run(trusting(
        srv.url_host("localhost", "/hsts?max-age=0"),
        Some(&hsts),
    ));
    assert_eq!(r, Ok(()));
    assert!(hsts.lock().unwrap().entries(0).is_empty());
}

#[test_log::test]
fn a_redirect_to_http_is_upgraded_and_ip_hosts_are_not_stored() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let port = srv.addr().port();
    let hsts = HstsCache::shared();
    hsts.lock().unwrap().add_line("localhost \"unlimited\"");
    // An https page redirecting to http://localhost:PORT: followed over https.
    let target = format!("http://localhost:{port}/bytes/3");
    let mut e = trusting(
        srv.url_host("localhost", &format!("/goto?{target}")),
        Some(&hsts),
    );
    e.follow_location(true);
    let (e, r) = run(e);
    assert_eq!(r, Ok(()));
    assert_eq!(e.response_body(), fixtures::pattern(3));
    // 127.0.0.1 answers with the field too, but IP addresses get no entry.
    let (_, r) = run(trusting(srv.url("/hsts?max-age=100"), Some(&hsts)));
    assert_eq!(r, Ok(()));
    let hosts: Vec<String> = hsts
        .lock()
        .unwrap()
        .entries(0)
        .into_iter()
        .map(|e| e.host)
        .collect();
    assert_eq!(hosts, ["localhost"]);
}

#[test_log::test]
fn the_file_format_round_trips() {
    let path = std::env::temp_dir().join(format!("fetch-hsts-{}.txt", std::process::id()));
    std::fs::write(
        &path,
        "# a comment\n.example.org \"20991231 12:00:00\"\nexpired.test \"20000101 00:00:00\"\nlocalhost \"unlimited\"\n",
    )
    .unwrap();
    let mut c = HstsCache::new();
    c.load_file(&path).unwrap();
    assert!(c.is_secure("www.example.org", 0));
    assert!(
        !c.is_secure("expired.test", 0),
        "expired entries are skipped"
    );
    c.write_file(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            ".example.org \"20991231 12:00:00\"",
            "localhost \"unlimited\""
        ]
    );
    std::fs::remove_file(&path).unwrap();
}

#[test_log::test]
fn a_shared_cache_carries_what_one_multi_learnt_to_another() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let port = srv.addr().port();
    let mut share = Share::new();
    share.share(LockData::Hsts).unwrap();
    let mut learn = trusting(srv.url_host("localhost", "/hsts?max-age=600"), None);
    learn.share(Some(&share));
    let (_, r) = run(learn);
    assert_eq!(r, Ok(()));
    // Another multi, no cache of its own: the share's upgrades the URL.
    let mut e = trusting(format!("http://localhost:{port}/bytes/4"), None);
    e.share(Some(&share));
    let (e, r) = run(e);
    assert_eq!(r, Ok(()));
    assert_eq!(e.response_body(), fixtures::pattern(4));
    assert_eq!(
        share.hsts_cache().unwrap().lock().unwrap().entries(0).len(),
        1
    );
}

#[test_log::test]
fn the_read_callback_preloads_the_cache_when_a_transfer_starts() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let port = srv.addr().port();
    let hsts = HstsCache::shared();
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let mut e = trusting(format!("http://localhost:{port}/bytes/5"), Some(&hsts));
    // Mixed case and a trailing dot, as a callback may give them.
    let mut preload = vec![fetch_core::HstsEntry::from_parts("LocalHost.", false, "")];
    e.hsts_read_function(Some(Box::new(move || {
        *c.lock().unwrap() += 1;
        match preload.pop() {
            Some(entry) => fetch_core::HstsRead::Entry(entry),
            None => fetch_core::HstsRead::Done,
        }
    })));
    let (e, r) = run(e);
    assert_eq!(r, Ok(()), "went to https");
    assert!(
        e.info()
            .effective_url
            .as_deref()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(*calls.lock().unwrap(), 2, "an entry, then done");
    // Called again at the next start (it says Done at once).
    let (_, r) = run(e);
    assert_eq!(r, Ok(()));
    assert_eq!(*calls.lock().unwrap(), 3);
    // Without HSTS on, it is not called.
    let mut e = trusting(format!("http://localhost:{port}/bytes/5"), None);
    let c = calls.clone();
    e.hsts_read_function(Some(Box::new(move || {
        *c.lock().unwrap() += 1;
        fetch_core::HstsRead::Done
    })));
    let (_, r) = run(e);
    assert!(r.is_err(), "sent in clear to the TLS port");
    assert_eq!(*calls.lock().unwrap(), 3);
}

#[test_log::test]
fn a_failing_read_callback_fails_the_transfer_before_it_connects() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let hsts = HstsCache::shared();
    let mut e = trusting(srv.url("/bytes/5"), Some(&hsts));
    e.hsts_read_function(Some(Box::new(|| fetch_core::HstsRead::Fail)));
    let (_, r) = run(e);
    assert_eq!(r, Err(ErrorCode::AbortedByCallback));
    let mut e = trusting(srv.url("/bytes/5"), Some(&hsts));
    e.hsts_read_function(Some(Box::new(|| {
        fetch_core::HstsRead::Entry(fetch_core::HstsEntry::from_parts("", false, ""))
    })));
    let (_, r) = run(e);
    assert_eq!(r, Err(ErrorCode::BadFunctionArgument));
    assert_eq!(srv.accepted(), 0, "nothing connected");
}
