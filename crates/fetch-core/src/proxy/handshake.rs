//! The proxy handshakes as sans-IO state machines: the CONNECT exchange
//! of an HTTP proxy tunnel, SOCKS4/4a and SOCKS5/5h. Each is made with the
//! bytes to send first; the engine feeds it what the proxy sends and sends
//! what it asks, until it is done or fails.

use std::net::IpAddr;

use super::{Proxy, ProxyType};
use crate::error::{Error, ErrorCode};

/// The most a CONNECT response head may take.
const MAX_CONNECT_HEAD: usize = 100 * 1024;

/// What to do after feeding a handshake.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Read more from the proxy.
    More,
    /// Send these bytes, then read again.
    Send(Vec<u8>),
    /// The tunnel is up; bytes after the handshake belong to the target.
    Done(Vec<u8>),
}

/// Where the tunnel goes: the target's name and port, and its address when
/// the proxy needs one (SOCKS4, SOCKS5 without the `h`).
#[derive(Debug, Clone)]
pub(crate) struct TunnelTo<'a> {
    pub(crate) host: &'a str,
    pub(crate) port: u16,
    pub(crate) addr: Option<IpAddr>,
    /// The User-Agent line of the transfer, sent with CONNECT.
    pub(crate) user_agent: Option<&'a str>,
}

/// A proxy handshake in progress.
#[derive(Debug)]
pub(crate) struct Handshake {
    kind: ProxyType,
    state: State,
    buf: Vec<u8>,
    /// The CONNECT response's status code, once read.
    pub(crate) connect_code: Option<u16>,
    /// SOCKS5: the request to send after the method (and auth) exchange.
    socks_request: Vec<u8>,
    creds: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ConnectHead,
    Socks4Reply,
    Socks5Method,
    Socks5Auth,
    Socks5Reply,
}

fn proxy_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::Proxy, msg.into())
}

impl Handshake {
    /// A handshake through `proxy` to `to`, with the bytes to send first.
    pub(crate) fn start(proxy: &Proxy, to: &TunnelTo<'_>) -> Result<(Self, Vec<u8>), Error> {
        let mut hs = Self {
            kind: proxy.kind,
            state: State::ConnectHead,
            buf: Vec::new(),
            connect_code: None,
            socks_request: Vec::new(),
            creds: proxy.creds.clone(),
        };
        let first = match proxy.kind {
            ProxyType::Socks4 | ProxyType::Socks4a => {
                hs.state = State::Socks4Reply;
                socks4_request(proxy, to)?
            }
            ProxyType::Socks5 | ProxyType::Socks5h => {
                hs.state = State::Socks5Method;
                hs.socks_request = socks5_request(proxy.kind, to)?;
                if hs.creds.is_some() {
                    vec![5, 2, 0, 2]
                } else {
                    vec![5, 1, 0]
                }
            }
            _ => connect_request(proxy, to).into_bytes(),
        };
        Ok((hs, first))
    }

    /// What the proxy closing the connection now means.
    pub(crate) fn closed(&self) -> Error {
        match self.state {
            State::ConnectHead => Error::new(ErrorCode::RecvError, "Proxy CONNECT aborted"),
            _ => proxy_err(format!(
                "{} proxy closed the connection during the handshake",
                self.kind.scheme().to_ascii_uppercase()
            )),
        }
    }

    /// Takes bytes read from the proxy.
    pub(crate) fn feed(&mut self, data: &[u8]) -> Result<Progress, Error> {
        self.buf.extend_from_slice(data);
        match self.state {
            State::ConnectHead => self.connect_head(),
            State::Socks4Reply => self.socks4_reply(),
            State::Socks5Method => self.socks5_method(),
            State::Socks5Auth => self.socks5_auth(),
            State::Socks5Reply => self.socks5_reply(),
        }
    }

    fn connect_head(&mut self) -> Result<Progress, Error> {
        let Some(end) = head_end(&self.buf) else {
            if self.buf.len() > MAX_CONNECT_HEAD {
                return Err(Error::new(
                    ErrorCode::RecvError,
                    "Proxy CONNECT response too large",
                ));
            }
            return Ok(Progress::More);
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        let line = head.lines().next().unwrap_or_default();
        let code = line
            .strip_prefix("HTTP/")
            .and_then(|r| r.split_once(' '))
            .and_then(|(_, r)| r.get(..3))
            .and_then(|c| c.parse::<u16>().ok())
            .filter(|c| (100..1000).contains(c));
        let Some(code) = code else {
            // Not HTTP: no status at all, which upstream reports as a
            // failed tunnel with response 0 (checked against libcurl).
            return Err(Error::new(
                ErrorCode::RecvError,
                "CONNECT tunnel failed, response 0",
            ));
        };
        self.connect_code = Some(code);
        if code / 100 == 1 {
            // An interim response: its head is dropped, the final one comes.
            self.buf.drain(..end);
            return self.connect_head();
        }
        if code / 100 != 2 {
            return Err(Error::new(
                ErrorCode::RecvError,
                format!("CONNECT tunnel failed, response {code}"),
            ));
        }
        Ok(Progress::Done(self.buf.split_off(end)))
    }

    fn socks4_reply(&mut self) -> Result<Progress, Error> {
        if self.buf.len() < 8 {
            return Ok(Progress::More);
        }
        if self.buf[0] != 0 {
            return Err(proxy_err(
                "SOCKS4 reply has wrong version, version should be 0",
            ));
        }
        match self.buf[1] {
            0x5a => Ok(Progress::Done(self.buf.split_off(8))),
            code => Err(proxy_err(format!(
                "SOCKS4 request rejected or failed ({code:#04x})"
            ))),
        }
    }

    fn socks5_method(&mut self) -> Result<Progress, Error> {
        if self.buf.len() < 2 {
            return Ok(Progress::More);
        }
        if self.buf[0] != 5 {
            return Err(proxy_err(
                "SOCKS5 reply has wrong version, version should be 5",
            ));
        }
        let method = self.buf[1];
        self.buf.drain(..2);
        match (method, &self.creds) {
            (0, _) => {
                self.state = State::Socks5Reply;
                Ok(Progress::Send(std::mem::take(&mut self.socks_request)))
            }
            (2, Some((user, pass))) => {
                let (u, p) = (user.as_bytes(), pass.as_bytes());
                if u.len() > 255 || p.len() > 255 {
                    return Err(proxy_err("SOCKS5 user name or password too long"));
                }
                let mut out = vec![1, u.len() as u8];
                out.extend_from_slice(u);
                out.push(p.len() as u8);
                out.extend_from_slice(p);
                self.state = State::Socks5Auth;
                Ok(Progress::Send(out))
            }
            (0xff, _) => Err(proxy_err("No authentication method was acceptable")),
            (m, _) => Err(proxy_err(format!(
                "SOCKS5 server chose a method not offered ({m})"
            ))),
        }
    }

    fn socks5_auth(&mut self) -> Result<Progress, Error> {
        if self.buf.len() < 2 {
            return Ok(Progress::More);
        }
        if self.buf[1] != 0 {
            return Err(proxy_err(format!(
                "User was rejected by the SOCKS5 server ({} {})",
                self.buf[0], self.buf[1]
            )));
        }
        self.buf.drain(..2);
        self.state = State::Socks5Reply;
        Ok(Progress::Send(std::mem::take(&mut self.socks_request)))
    }

    fn socks5_reply(&mut self) -> Result<Progress, Error> {
        if self.buf.len() < 5 {
            return Ok(Progress::More);
        }
        if self.buf[0] != 5 {
            return Err(proxy_err(
                "SOCKS5 reply has wrong version, version should be 5",
            ));
        }
        if self.buf[1] != 0 {
            return Err(proxy_err(format!(
                "Can't complete SOCKS5 connection ({})",
                self.buf[1]
            )));
        }
        let addr_len = match self.buf[3] {
            1 => 4,
            4 => 16,
            3 => 1 + usize::from(self.buf[4]),
            t => {
                return Err(proxy_err(format!(
                    "SOCKS5 reply has an unknown address type ({t})"
                )));
            }
        };
        let total = 4 + addr_len + 2;
        if self.buf.len() < total {
            return Ok(Progress::More);
        }
        Ok(Progress::Done(self.buf.split_off(total)))
    }
}

/// Where a response head ends (after its blank line).
fn head_end(b: &[u8]) -> Option<usize> {
    let crlf = b.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
    let lf = b.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `host:port`, IPv6 addresses in brackets.
fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The CONNECT request head.
fn connect_request(proxy: &Proxy, to: &TunnelTo<'_>) -> String {
    let hostport = authority(to.host, to.port);
    let version = if proxy.kind == ProxyType::Http10 {
        "1.0"
    } else {
        "1.1"
    };
    let mut out = format!("CONNECT {hostport} HTTP/{version}\r\nHost: {hostport}\r\n");
    if let Some(auth) = proxy.auth_line() {
        out.push_str(&auth);
        out.push_str("\r\n");
    }
    if let Some(ua) = to.user_agent {
        out.push_str(ua);
        out.push_str("\r\n");
    }
    out.push_str("Proxy-Connection: Keep-Alive\r\n\r\n");
    out
}

/// The SOCKS4 (SOCKS4a) CONNECT request.
fn socks4_request(proxy: &Proxy, to: &TunnelTo<'_>) -> Result<Vec<u8>, Error> {
    let mut out = vec![4, 1];
    out.extend_from_slice(&to.port.to_be_bytes());
    let name = match (proxy.kind, to.addr) {
        (ProxyType::Socks4, Some(IpAddr::V4(a))) => {
            out.extend_from_slice(&a.octets());
            None
        }
        (ProxyType::Socks4, Some(IpAddr::V6(_))) => {
            return Err(proxy_err("SOCKS4 connection to IPv6 address not supported"));
        }
        (ProxyType::Socks4, None) => {
            return Err(proxy_err("SOCKS4 needs the target's address"));
        }
        _ => {
            out.extend_from_slice(&[0, 0, 0, 1]);
            Some(to.host)
        }
    };
    if let Some((user, _)) = &proxy.creds {
        out.extend_from_slice(user.as_bytes());
    }
    out.push(0);
    if let Some(name) = name {
        out.extend_from_slice(name.as_bytes());
        out.push(0);
    }
    Ok(out)
}

/// The SOCKS5 CONNECT request (by address, or by name for SOCKS5h).
fn socks5_request(kind: ProxyType, to: &TunnelTo<'_>) -> Result<Vec<u8>, Error> {
    let mut out = vec![5, 1, 0];
    match (kind, to.addr) {
        (ProxyType::Socks5, Some(IpAddr::V4(a))) => {
            out.push(1);
            out.extend_from_slice(&a.octets());
        }
        (ProxyType::Socks5, Some(IpAddr::V6(a))) => {
            out.push(4);
            out.extend_from_slice(&a.octets());
        }
        (ProxyType::Socks5, None) => {
            return Err(proxy_err("SOCKS5 needs the target's address"));
        }
        _ => {
            let name = to.host.as_bytes();
            if name.len() > 255 {
                return Err(proxy_err("SOCKS5 host name too long"));
            }
            out.push(3);
            out.push(name.len() as u8);
            out.extend_from_slice(name);
        }
    }
    out.extend_from_slice(&to.port.to_be_bytes());
    Ok(out)
}
