//! Unit tests of proxy selection, NOPROXY and the handshake machines.

use std::net::{IpAddr, Ipv4Addr};

use super::handshake::{Handshake, Progress, TunnelTo};
use super::*;

/// No proxy variable set.
const NO_ENV: ProxyEnv = ProxyEnv {
    http: None,
    https: None,
    no_proxy: None,
};

fn opts(p: &str) -> ProxyOptions {
    ProxyOptions::with_proxy(p)
}

fn to(addr: Option<IpAddr>) -> TunnelTo<'static> {
    TunnelTo {
        host: "example.com",
        port: 443,
        addr,
        user_agent: None,
    }
}

#[test]
fn proxy_strings_parse_with_schemes_ports_and_credentials() {
    let p = opts("socks5h://u%40x:p%3A@Proxy.Example:9050")
        .for_target(&NO_ENV, true, "a.test")
        .unwrap()
        .unwrap();
    assert_eq!(p.kind, ProxyType::Socks5h);
    assert_eq!((p.host.as_str(), p.port), ("proxy.example", 9050));
    assert_eq!(p.creds, Some(("u@x".into(), "p:".into())));
    assert!(!p.tunnel);
    let p = opts("127.0.0.1")
        .for_target(&NO_ENV, false, "a.test")
        .unwrap()
        .unwrap();
    assert_eq!((p.kind, p.port, p.tunnel), (ProxyType::Http, 1080, false));
    assert!(p.forwards());
    let mut o = opts("127.0.0.1");
    o.port = 3128;
    let p = o.for_target(&NO_ENV, true, "a.test").unwrap().unwrap();
    assert_eq!((p.port, p.tunnel), (3128, true));
    let p = opts("[::1]:8080")
        .for_target(&NO_ENV, false, "a")
        .unwrap()
        .unwrap();
    assert_eq!((p.host.as_str(), p.port), ("::1", 8080));
}

#[test]
fn https_proxies_default_to_443_and_key_their_tls_options() {
    let p = opts("https://P.example")
        .for_target(&NO_ENV, false, "a")
        .unwrap()
        .unwrap();
    assert_eq!((p.kind, p.port, p.tunnel), (ProxyType::Https, 443, false));
    assert!(
        p.forwards(),
        "plain http is forwarded inside the proxy's TLS"
    );
    let mut o = opts("p.example:8443");
    o.kind = ProxyType::Https;
    let p = o.for_target(&NO_ENV, true, "a").unwrap().unwrap();
    assert_eq!((p.kind, p.port, p.tunnel), (ProxyType::Https, 8443, true));
    let plain_key = p.key();
    o.tls.verify_peer = false;
    let p = o.for_target(&NO_ENV, true, "a").unwrap().unwrap();
    assert_ne!(
        p.key(),
        plain_key,
        "proxy TLS settings part of the pool key"
    );
    assert!(plain_key.starts_with("|proxy=https://"));
}

#[test]
fn bad_proxy_strings_fail_with_upstream_codes() {
    let code = |s: &str| opts(s).for_target(&NO_ENV, false, "a").unwrap_err().code();
    assert_eq!(code("gopher://p:1"), ErrorCode::CouldntConnect);
    assert_eq!(code("p:99999"), ErrorCode::CouldntResolveProxy);
    assert!(opts("").for_target(&NO_ENV, false, "a").unwrap().is_none());
}

#[test]
fn noproxy_matches_names_suffixes_addresses_and_star() {
    assert!(no_proxy_matches("*", "anything"));
    assert!(no_proxy_matches("example.com", "example.com"));
    assert!(no_proxy_matches("example.com", "www.example.com"));
    assert!(no_proxy_matches(".example.com", "www.example.com"));
    assert!(!no_proxy_matches("example.com", "badexample.com"));
    assert!(no_proxy_matches("a, b ,localhost", "localhost"));
    assert!(no_proxy_matches("127.0.0.1", "127.0.0.1"));
    assert!(!no_proxy_matches("127.0.0.1", "127.0.0.2"));
    assert!(no_proxy_matches("10.0.0.0/8", "10.1.2.3"));
    assert!(no_proxy_matches("::1", "::1"));
    assert!(!no_proxy_matches("*.x", "a.y"));
    let mut o = opts("http://p:1");
    o.no_proxy = Some("a.test".into());
    assert!(
        o.for_target(&NO_ENV, false, "www.a.test")
            .unwrap()
            .is_none()
    );
    assert!(o.for_target(&NO_ENV, false, "b.test").unwrap().is_some());
}

#[test]
fn proxy_key_separates_kinds_credentials_and_tunnels() {
    let a = opts("http://p:1")
        .for_target(&NO_ENV, false, "x")
        .unwrap()
        .unwrap();
    let b = opts("http://p:1")
        .for_target(&NO_ENV, true, "x")
        .unwrap()
        .unwrap();
    let c = opts("http://u:v@p:1")
        .for_target(&NO_ENV, false, "x")
        .unwrap()
        .unwrap();
    assert_ne!(a.key(), b.key());
    assert_ne!(a.key(), c.key());
    assert_eq!(
        c.auth_line().as_deref(),
        Some("Proxy-Authorization: Basic dTp2")
    );
}

#[test]
fn connect_exchange_succeeds_on_2xx_and_fails_on_others() {
    let p = opts("http://u:v@p:1")
        .for_target(&NO_ENV, true, "x")
        .unwrap()
        .unwrap();
    let (mut hs, first) = Handshake::start(&p, &to(None)).unwrap();
    let first = String::from_utf8(first).unwrap();
    assert!(first.starts_with("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"));
    assert!(first.contains("Proxy-Authorization: Basic dTp2\r\n"));
    assert_eq!(hs.feed(b"HTTP/1.1 200 Connection").unwrap(), Progress::More);
    assert_eq!(
        hs.feed(b" established\r\n\r\nXY").unwrap(),
        Progress::Done(b"XY".to_vec())
    );
    assert_eq!(hs.connect_code, Some(200));
    let (mut hs, _) = Handshake::start(&p, &to(None)).unwrap();
    let e = hs.feed(b"HTTP/1.1 407 Auth\r\n\r\n").unwrap_err();
    assert_eq!(e.code(), ErrorCode::RecvError);
    assert_eq!(hs.connect_code, Some(407));
    let (mut hs, _) = Handshake::start(&p, &to(None)).unwrap();
    let e = hs.feed(b"SSH-2.0-x\r\n\r\n").unwrap_err();
    assert_eq!(e.code(), ErrorCode::RecvError);
}

#[test]
fn socks5_with_credentials_and_by_name() {
    let p = opts("socks5h://u:pw@p:1")
        .for_target(&NO_ENV, true, "x")
        .unwrap()
        .unwrap();
    let (mut hs, first) = Handshake::start(&p, &to(None)).unwrap();
    assert_eq!(first, [5, 2, 0, 2]);
    assert_eq!(
        hs.feed(&[5, 2]).unwrap(),
        Progress::Send(b"\x01\x01u\x02pw".to_vec())
    );
    let mut req = vec![5, 1, 0, 3, 11];
    req.extend_from_slice(b"example.com");
    req.extend_from_slice(&443u16.to_be_bytes());
    assert_eq!(hs.feed(&[1, 0]).unwrap(), Progress::Send(req));
    assert_eq!(hs.feed(&[5, 0, 0, 1, 1, 2]).unwrap(), Progress::More);
    assert_eq!(hs.feed(&[3, 4, 0, 80]).unwrap(), Progress::Done(vec![]));
    let (mut hs, _) = Handshake::start(&p, &to(None)).unwrap();
    let e = hs.feed(&[5, 0xff]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Proxy);
}

#[test]
fn socks4_and_4a_requests() {
    let addr = Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
    let p = opts("socks4://p:1")
        .for_target(&NO_ENV, false, "x")
        .unwrap()
        .unwrap();
    let (mut hs, first) = Handshake::start(&p, &to(addr)).unwrap();
    assert_eq!(first, [4, 1, 1, 187, 10, 0, 0, 1, 0]);
    assert_eq!(
        hs.feed(&[0, 0x5a, 0, 0, 0, 0, 0, 0]).unwrap(),
        Progress::Done(vec![])
    );
    let p = opts("socks4a://p:1")
        .for_target(&NO_ENV, false, "x")
        .unwrap()
        .unwrap();
    let (mut hs, first) = Handshake::start(&p, &to(None)).unwrap();
    assert_eq!(&first[..9], [4, 1, 1, 187, 0, 0, 0, 1, 0]);
    assert_eq!(&first[9..], b"example.com\0");
    let e = hs.feed(&[0, 0x5b, 0, 0, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Proxy);
}

#[test]
fn a_reading_of_the_environment_stands_in_for_unset_options() {
    let env = ProxyEnv::with(Some("http://h:1"), Some("http://s:2"), Some("skip.test"));
    let o = ProxyOptions::new();
    let p = o.for_target(&env, false, "a.test").unwrap().unwrap();
    assert_eq!((p.host.as_str(), p.port), ("h", 1));
    let p = o.for_target(&env, true, "a.test").unwrap().unwrap();
    assert_eq!((p.host.as_str(), p.port), ("s", 2));
    assert!(o.for_target(&env, false, "skip.test").unwrap().is_none());
    // PROXY and NOPROXY, when set, win over the reading ("" is no proxy).
    let mut o = opts("http://own:3");
    o.no_proxy = Some("other.test".into());
    let p = o.for_target(&env, false, "skip.test").unwrap().unwrap();
    assert_eq!(p.host, "own");
    assert!(
        opts("")
            .for_target(&env, false, "a.test")
            .unwrap()
            .is_none()
    );
    assert!(
        o.for_target(&NO_ENV, false, "other.test")
            .unwrap()
            .is_none()
    );
}
