//! The share interface through the Rust API: what one transfer leaves in
//! a share (cookies, DNS answers, RESOLVE pins, TLS sessions) is used by
//! another transfer in a different multi, and not without the share; the
//! lock hooks pair around every access.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{App, Ev};
use fetch_core::{ConnOptions, Easy, LockAccess, LockData, Share, ShareError, ShareLock};
use fixtures::{CertKind, HttpServer, Script, ScriptedServer, TestPki, TlsServer};

const LIMIT: Duration = Duration::from_secs(20);

/// Runs `e` in a multi of its own: the easy back, its code and the log.
fn run_alone(e: Easy) -> (Easy, i32, Vec<Ev>) {
    let mut app = App::new();
    let id = app.add(e);
    app.run(LIMIT);
    let code = app.code(id);
    (app.multi.remove(id).unwrap(), code, app.log())
}

fn share_of(kinds: &[LockData]) -> Share {
    let mut s = Share::new();
    for &k in kinds {
        s.share(k).unwrap();
    }
    s
}

fn cookie_of(request: &[u8]) -> Option<String> {
    String::from_utf8_lossy(request)
        .split("\r\n")
        .find_map(|l| l.strip_prefix("Cookie: ").map(str::to_owned))
}

fn answer(extra: &str) -> Script {
    Script::new()
        .expect_request()
        .write(format!(
            "HTTP/1.1 200 OK\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
        ))
        .close()
}

#[test_log::test]
fn cookies_set_in_one_multi_go_with_a_transfer_of_another() {
    let setter = ScriptedServer::start(answer("Set-Cookie: sid=42; Path=/\r\n"));
    let reader = ScriptedServer::start(answer(""));
    let share = share_of(&[LockData::Cookie]);
    let mut a = Easy::with_url(setter.url("/login"));
    a.share(Some(&share));
    let (_, code, _) = run_alone(a);
    assert_eq!(code, 0);
    // No cookie option at all on the second transfer: the share's jar
    // turns the engine on.
    let mut b = Easy::with_url(reader.url("/next"));
    b.share(Some(&share));
    let (_, code, _) = run_alone(b);
    assert_eq!(code, 0);
    assert_eq!(cookie_of(&reader.requests()[0]).as_deref(), Some("sid=42"));
    let jar = share.cookie_jar().unwrap().lock().unwrap();
    assert_eq!(jar.netscape_lines().len(), 1);
}

#[test_log::test]
fn without_a_cookie_share_the_second_multi_sends_nothing() {
    let setter = ScriptedServer::start(answer("Set-Cookie: sid=42; Path=/\r\n"));
    let reader = ScriptedServer::start(answer(""));
    let share = share_of(&[LockData::Dns]);
    let mut a = Easy::with_url(setter.url("/login"));
    a.share(Some(&share))
        .cookie_jar(Some(fetch_core::CookieJar::shared()));
    run_alone(a);
    let mut b = Easy::with_url(reader.url("/next"));
    b.share(Some(&share));
    run_alone(b);
    assert_eq!(cookie_of(&reader.requests()[0]), None);
}

/// Whether the multi announced its resolver's wakeup socket (a socket
/// serving no transfer): it did a lookup of its own.
fn looked_up(log: &[Ev]) -> bool {
    log.iter().any(|e| {
        matches!(
            e,
            Ev::Socket {
                transfer: None,
                interest: fetch_core::Interest::In,
                ..
            }
        )
    })
}

fn traced(e: &mut Easy) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let t = text.clone();
    e.debug_function(move |_, b| t.lock().unwrap().push_str(&String::from_utf8_lossy(b)));
    text
}

#[test_log::test]
fn a_name_looked_up_once_serves_every_multi_of_the_share() {
    let name = fixtures::loopback_alias();
    let srv = HttpServer::start();
    let url = format!("http://{name}:{}/bytes/5", srv.addr().port());
    let share = share_of(&[LockData::Dns]);
    let mut a = Easy::with_url(url.clone());
    a.share(Some(&share));
    let (_, code, log) = run_alone(a);
    assert_eq!(code, 0);
    assert!(looked_up(&log), "the first multi asks the resolver");
    for _ in 0..2 {
        let mut b = Easy::with_url(url.clone());
        b.share(Some(&share));
        let trace = traced(&mut b);
        let (_, code, log) = run_alone(b);
        assert_eq!(code, 0);
        assert!(!looked_up(&log), "answered from the share: {log:?}");
        let trace = trace.lock().unwrap();
        assert!(
            trace.contains(&format!("Hostname {name} was found in DNS cache")),
            "{trace}"
        );
    }
    // Without the share a new multi looks the name up again.
    let (_, code, log) = run_alone(Easy::with_url(url));
    assert_eq!(code, 0);
    assert!(looked_up(&log));
}

/// RESOLVE pins given through a share serve the share's other multis, and
/// `-HOST:PORT` through the share removes them. The name is one /etc/hosts
/// maps to 127.0.0.1, so every lookup stays on this machine (a name that
/// only fails through network DNS can hang for the resolver's whole
/// timeout where there is no network); whether a multi asked its resolver
/// tells a pin's answer from the system's.
#[test_log::test]
fn resolve_pins_go_into_the_share() {
    let name = fixtures::loopback_alias();
    let srv = HttpServer::start();
    let port = srv.addr().port();
    let url = format!("http://{name}:{port}/bytes/5");
    let share = share_of(&[LockData::Dns]);
    let mut a = Easy::with_url(url.clone());
    let mut o = ConnOptions::default();
    o.resolve = vec![format!("{name}:{port}:127.0.0.1")];
    a.conn_options(o).share(Some(&share));
    let (_, code, log) = run_alone(a);
    assert_eq!(code, 0);
    assert!(!looked_up(&log), "the pin answers: {log:?}");
    // Another multi, no RESOLVE: the share's pin answers.
    let mut b = Easy::with_url(url.clone());
    b.share(Some(&share));
    let (b, code, log) = run_alone(b);
    assert_eq!(code, 0);
    assert!(!looked_up(&log), "the share's pin answers: {log:?}");
    assert_eq!(b.response_body(), fixtures::pattern(5));
    // Without the share a multi asks its resolver.
    let (_, code, log) = run_alone(Easy::with_url(url.clone()));
    assert_eq!(code, 0);
    assert!(looked_up(&log), "no pin without the share: {log:?}");
    // `-HOST:PORT` through a share removes the share's pin: the name is
    // looked up again.
    let mut c = Easy::with_url(url);
    let mut o = ConnOptions::default();
    o.resolve = vec![format!("-{name}:{port}")];
    c.conn_options(o).share(Some(&share));
    let (_, code, log) = run_alone(c);
    assert_eq!(code, 0);
    assert!(looked_up(&log), "the share's pin is gone: {log:?}");
}

fn trusting(url: String, share: Option<&Share>) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e.share(share);
    e
}

#[test_log::test]
fn tls_sessions_resume_across_multis_only_through_the_share() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    // Control: two multis without a share each make a full handshake.
    for _ in 0..2 {
        let (_, code, _) = run_alone(trusting(srv.url("/bytes/10"), None));
        assert_eq!(code, 0);
    }
    assert_eq!(srv.resumed_sessions(), 0);
    let mut share = share_of(&[LockData::SslSession]);
    let log = Arc::new(Log::default());
    share.lock_hooks(Some(log.clone())).unwrap();
    let (_, code, _) = run_alone(trusting(srv.url("/bytes/10"), Some(&share)));
    assert!(
        !log.0.lock().unwrap().is_empty(),
        "rustls reached the store"
    );
    assert_eq!(code, 0);
    assert_eq!(srv.resumed_sessions(), 0);
    let (e, code, _) = run_alone(trusting(srv.url("/bytes/10"), Some(&share)));
    assert_eq!(code, 0);
    assert_eq!(e.info().num_connects, 1, "a new connection");
    assert_eq!(srv.resumed_sessions(), 1, "resumed in another multi");
}

#[derive(Default)]
struct Log(Mutex<Vec<(usize, LockData, bool)>>);

impl ShareLock for Log {
    fn lock(&self, handle: usize, data: LockData, access: LockAccess) {
        assert_eq!(access, LockAccess::Single);
        self.0.lock().unwrap().push((handle, data, true));
    }
    fn unlock(&self, handle: usize, data: LockData) {
        self.0.lock().unwrap().push((handle, data, false));
    }
}

#[test_log::test]
fn lock_hooks_pair_around_cookie_and_dns_access() {
    let srv = ScriptedServer::start(answer("Set-Cookie: a=1\r\n"));
    let mut share = share_of(&[LockData::Cookie, LockData::Dns]);
    let log = Arc::new(Log::default());
    share.lock_hooks(Some(log.clone())).unwrap();
    let mut e = Easy::with_url(srv.url("/"));
    e.share_tagged(Some(&share), 0x51);
    assert_eq!(share.lock_hooks(None), Err(ShareError::InUse));
    let (e, code, _) = run_alone(e);
    assert_eq!(code, 0);
    drop(e);
    let log = log.0.lock().unwrap();
    // Request (cookie lookup) and response (store): lock/unlock pairs,
    // never nested, all tagged with the transfer.
    assert_eq!(
        *log,
        vec![
            (0x51, LockData::Dns, true),
            (0x51, LockData::Dns, false),
            (0x51, LockData::Cookie, true),
            (0x51, LockData::Cookie, false),
            (0x51, LockData::Cookie, true),
            (0x51, LockData::Cookie, false),
        ]
    );
    assert!(!share.in_use());
}

/// Lock hooks that really lock: one flag per kind, waited on, and a
/// count of the times a kind was found held by another thread.
#[derive(Default)]
struct RealLocks {
    held: Mutex<Vec<LockData>>,
    freed: std::sync::Condvar,
    taken: std::sync::atomic::AtomicUsize,
}

impl ShareLock for RealLocks {
    fn lock(&self, _: usize, data: LockData, _: LockAccess) {
        let mut held = self.held.lock().unwrap();
        while held.contains(&data) {
            held = self.freed.wait(held).unwrap();
        }
        held.push(data);
        self.taken
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    fn unlock(&self, _: usize, data: LockData) {
        let mut held = self.held.lock().unwrap();
        let at = held
            .iter()
            .position(|&d| d == data)
            .expect("unlock of a held kind");
        held.remove(at);
        self.freed.notify_all();
    }
}

#[test_log::test]
fn threads_share_cookies_names_and_sessions_under_the_locks() {
    let srv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let mut share = share_of(&[LockData::Cookie, LockData::Dns, LockData::SslSession]);
    let locks = Arc::new(RealLocks::default());
    share.lock_hooks(Some(locks.clone())).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (share, url) = (share.clone(), srv.url("/bytes/100"));
            std::thread::spawn(move || {
                for _ in 0..3 {
                    let (_, code, _) = run_alone(trusting(url.clone(), Some(&share)));
                    assert_eq!(code, 0);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(locks.held.lock().unwrap().is_empty(), "every lock released");
    assert!(locks.taken.load(std::sync::atomic::Ordering::Relaxed) > 0);
    assert_eq!(srv.handshakes_completed(), 12);
    // Every handshake after the first that stored a ticket may resume;
    // at least the last thread's last transfer does.
    assert!(srv.resumed_sessions() >= 1, "{}", srv.resumed_sessions());
    assert!(!share.in_use());
}
