//! Proxies against a real one: Debian's tinyproxy, started by the test on
//! a loopback port with a configuration written for it (`.ci/run` installs
//! the package). Plain http is forwarded, https goes through CONNECT, and
//! Basic credentials are required by one instance. Behind a TLS front
//! (`fixtures::HttpsProxy::in_front_of`) it is a real proxy reached as an
//! https:// proxy.
mod common;

use std::io::Write;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{App, run_one};
use fetch_core::{Easy, ErrorCode, ProxyOptions};
use fixtures::{CertKind, HttpServer, TestPki, TlsServer};

/// A tinyproxy process, killed and reaped on drop.
struct Tinyproxy {
    child: Child,
    port: u16,
    /// Its configuration's directory, removed on drop.
    dir: std::path::PathBuf,
}

impl Tinyproxy {
    fn start(extra: &str) -> Self {
        let found = Command::new("tinyproxy")
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "tinyproxy is required by this test (CI installs it; apt-get install tinyproxy)"
        );
        let port = fixtures::closed_port().port();
        let dir =
            std::env::temp_dir().join(format!("libfetch-tinyproxy-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("tinyproxy.conf");
        let mut f = std::fs::File::create(&conf).unwrap();
        write!(
            f,
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\n\
             Allow 127.0.0.1\nLogLevel Error\n{extra}\n"
        )
        .unwrap();
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tinyproxy");
        let up = fixtures::wait_until(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "tinyproxy did not listen on {port}");
        Self { child, port, dir }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn via(url: String, proxy: ProxyOptions) -> Easy {
    let mut e = Easy::with_url(url);
    e.tls_mut().ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
    e.proxy_options(proxy);
    e
}

#[test_log::test]
fn forwarding_and_tunnels_through_tinyproxy() {
    let tp = Tinyproxy::start("");
    let srv = HttpServer::start();
    let tsrv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let mut app = App::new();
    let plain = app.add(via(
        srv.url("/bytes/20000"),
        ProxyOptions::with_proxy(tp.url()),
    ));
    let tunnel = app.add(via(
        tsrv.url_host("localhost", "/bytes/30000"),
        ProxyOptions::with_proxy(tp.url()),
    ));
    app.run(Duration::from_secs(30));
    for (id, len) in [(plain, 20_000), (tunnel, 30_000)] {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert!(e.response_body() == fixtures::pattern(len).as_slice());
    }
    assert_eq!(tsrv.sni_seen()[0].as_deref(), Some("localhost"));
}

#[test_log::test]
fn tinyproxy_basic_auth() {
    let tp = Tinyproxy::start("BasicAuth user s3cret");
    let tsrv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let url = tsrv.url_host("localhost", "/bytes/100");
    let (app, id) = run_one(via(url.clone(), ProxyOptions::with_proxy(tp.url())));
    assert_eq!(
        app.result(id).as_ref().unwrap_err().code(),
        ErrorCode::RecvError
    );
    let mut o = ProxyOptions::with_proxy(tp.url());
    o.user = Some("user".into());
    o.password = Some("s3cret".into());
    let (app, id) = run_one(via(url, o));
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
}

/// tinyproxy behind a TLS front, as an https:// proxy: plain http is
/// forwarded inside the proxy's TLS, https runs TLS inside it.
#[test_log::test]
fn tinyproxy_as_an_https_proxy() {
    let tp = Tinyproxy::start("");
    let front = fixtures::HttpsProxy::in_front_of(
        CertKind::Good,
        std::net::SocketAddr::from(([127, 0, 0, 1], tp.port)),
    );
    let srv = HttpServer::start();
    let tsrv = TlsServer::start(CertKind::Good, fixtures::TlsOptions::default());
    let proxy = || {
        let mut o = ProxyOptions::with_proxy(front.url_host("localhost"));
        o.tls.ca_blob = Some(TestPki::shared().ca_pem().into_bytes());
        o
    };
    let mut app = App::new();
    let plain = app.add(via(srv.url("/bytes/20000"), proxy()));
    let tunnel = app.add(via(tsrv.url_host("localhost", "/bytes/30000"), proxy()));
    app.run(Duration::from_secs(30));
    for (id, len) in [(plain, 20_000), (tunnel, 30_000)] {
        assert!(app.result(id).is_ok(), "{:?}", app.result(id));
        let e = app.multi.remove(id).unwrap();
        assert!(e.response_body() == fixtures::pattern(len).as_slice());
    }
    assert_eq!(front.handshakes().len(), 2);
    assert_eq!(tsrv.sni_seen()[0].as_deref(), Some("localhost"));
}
