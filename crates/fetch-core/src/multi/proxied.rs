//! The engine's side of proxies: which proxy the current target goes
//! through, where connections are made, TLS to an https proxy, and the
//! proxy handshake (CONNECT or SOCKS), all in the connect phase between
//! TCP connect and the target's TLS. The handshakes themselves are
//! `crate::proxy::handshake`; the proxy's TLS session is the connection's
//! `proxy_tls`, under the target's (see `conn::Wire`).

use super::*;
use crate::proxy::handshake::{Handshake, Progress, TunnelTo};
use crate::proxy::{Proxy, ProxyEnv};

/// A transfer's proxy state.
#[derive(Default)]
pub(super) struct ProxyState {
    /// The proxy of the current target, if any.
    pub(super) proxy: Option<Arc<Proxy>>,
    /// Choosing the proxy failed; the transfer fails when it starts.
    pub(super) error: PendingError,
    /// SOCKS4 and SOCKS5 connect by address: the target's, resolved here
    /// before the proxy's name.
    pub(super) target_addr: Option<IpAddr>,
    /// The handshake in progress.
    pub(super) handshake: Option<Box<Handshake>>,
}

/// An error waiting for the transfer to start, boxed: every transfer slot
/// carries one and it is almost always empty (issue 13).
#[derive(Default)]
pub(super) struct PendingError(Option<Box<Error>>);

impl PendingError {
    /// The error, leaving none.
    pub(super) fn take(&mut self) -> Option<Error> {
        self.0.take().map(|e| *e)
    }
}

impl ProxyState {
    /// The target's own name is being resolved (for a SOCKS4 or SOCKS5
    /// proxy that takes an address).
    pub(super) fn wants_target_addr(&self) -> bool {
        self.proxy
            .as_ref()
            .is_some_and(|p| p.kind.resolves_locally() && self.target_addr.is_none())
    }

    /// The proxy's name is what is resolved and connected to.
    pub(super) fn connects_to_proxy(&self) -> bool {
        self.proxy.is_some() && !self.wants_target_addr()
    }

    /// Requests go to the proxy with absolute-form targets.
    pub(super) fn forwards(&self) -> bool {
        self.proxy.as_ref().is_some_and(|p| p.forwards())
    }

    /// The TLS options of an https proxy.
    pub(super) fn proxy_tls(&self) -> Option<&(TlsOptions, u64)> {
        self.proxy.as_ref()?.tls.as_ref()
    }
}

impl Transfer {
    /// Works out the proxy for the current target; returns the pool-key
    /// part it adds.
    #[inline]
    pub(super) fn choose_proxy(&mut self, env: &ProxyEnv, target: &Dest) -> String {
        if self.proxy_free(env, target) {
            return String::new();
        }
        self.choose_proxy_of(env, target)
    }

    /// No proxy option, none in the environment for the target's scheme,
    /// and nothing of an earlier proxy to clear: choosing the proxy would
    /// change nothing and add nothing to the pool key.
    #[inline]
    pub(super) fn proxy_free(&self, env: &ProxyEnv, target: &Dest) -> bool {
        let px = &self.px;
        self.easy.proxy.is_unset()
            && env.for_scheme(target.https).is_none()
            && px.proxy.is_none()
            && px.error.0.is_none()
            && px.target_addr.is_none()
            && px.handshake.is_none()
    }

    /// [`Transfer::choose_proxy`] when a proxy may apply, or one of an
    /// earlier target is to be cleared.
    fn choose_proxy_of(&mut self, env: &ProxyEnv, target: &Dest) -> String {
        let chosen = self.easy.proxy.for_target(env, target.https, &target.host);
        let px = &mut self.px;
        px.target_addr = None;
        px.handshake = None;
        match chosen {
            Ok(p) => {
                px.error = PendingError::default();
                px.proxy = p;
            }
            Err(e) => {
                px.error = PendingError(Some(Box::new(e)));
                px.proxy = None;
            }
        }
        px.proxy.as_ref().map(|p| p.key()).unwrap_or_default()
    }

    /// A TLS handshake failed (`to_proxy`: the https proxy's): the
    /// upstream code naming the host that was checked, and the
    /// verification result in the matching info field.
    pub(super) fn tls_failed(&mut self, e: &rustls::Error, to_proxy: bool) -> Error {
        let result = tls::verify_result(e);
        let host = match (to_proxy, self.px.proxy.as_ref()) {
            (true, Some(p)) => {
                self.easy.info.proxy_ssl_verify_result = result;
                p.host.as_str()
            }
            _ => {
                self.easy.info.ssl_verify_result = result;
                self.target().host.as_str()
            }
        };
        tls::map_error(e, true, host)
    }

    /// FETCHOPT_(PROXY_)PINNEDPUBLICKEY: the handshake just done (with
    /// the https proxy when `to_proxy`) presented `leaf`; a pin set for
    /// that peer must match its public key.
    pub(super) fn check_pin(&mut self, leaf: Option<&[u8]>, to_proxy: bool) -> Result<(), Error> {
        let pin = if to_proxy {
            self.px
                .proxy_tls()
                .and_then(|(o, _)| o.pinned_pubkey.as_ref())
        } else {
            self.easy.tls.pinned_pubkey.as_ref()
        };
        let Some(pin) = pin.cloned() else {
            return Ok(());
        };
        let easy = &mut self.easy;
        crate::pinning::check(&pin, leaf, |line| easy.trace_text(|| line))
    }

    /// The name resolution failure for `host`.
    pub(super) fn resolve_error(&self, host: &str) -> Error {
        if self.px.connects_to_proxy() {
            Error::new(
                ErrorCode::CouldntResolveProxy,
                format!("Could not resolve proxy: {host}"),
            )
        } else {
            Error::new(
                ErrorCode::CouldntResolveHost,
                Detail::Resolve {
                    host: host.to_owned(),
                },
            )
        }
    }

    /// The request target sent to a forwarding proxy: the absolute URL
    /// without its fragment.
    pub(super) fn absolute_target(&self) -> Option<String> {
        if !self.px.forwards() {
            return None;
        }
        let url = &self.target().url;
        Some(url[..url::Position::AfterQuery].to_owned())
    }

    /// Header lines a forwarding proxy gets with each request.
    pub(super) fn forward_lines(&self) -> Vec<String> {
        let Some(p) = self.px.proxy.as_ref().filter(|p| p.forwards()) else {
            return Vec::new();
        };
        let has = |name: &str| {
            self.easy.headers.iter().any(|h| {
                h.split_once(':')
                    .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            })
        };
        let mut out = Vec::new();
        if let Some(a) = p.auth_line().filter(|_| !has("proxy-authorization")) {
            out.push(a);
        }
        if !has("proxy-connection") {
            out.push("Proxy-Connection: Keep-Alive".to_owned());
        }
        out
    }
}

impl Multi {
    /// TCP to an https proxy is up: start TLS with it (the proxy's own
    /// options, ALPN `http/1.1`, SNI its name), driven by `handshake`.
    pub(super) fn start_proxy_tls(&mut self, ti: TransferKey, cid: ConnKey) -> Step {
        let t = &mut self.transfers[ti];
        let (opts, tag) = t.px.proxy_tls().expect("an https proxy").clone();
        let host = t.px.proxy.as_ref().expect("a proxy").host.clone();
        // The multi's cache of configurations by options: a proxy with the
        // target's options shares its configuration and session cache.
        let config = match self.tls_configs.get(&tag) {
            Some((o, c)) if *o == opts => Ok(c.clone()),
            _ => tls::client_config(&opts).inspect(|c| {
                self.tls_configs.insert(tag, (opts.clone(), c.clone()));
            }),
        };
        match config.and_then(|c| tls::connect(c, &host)) {
            Ok(session) => {
                t.easy
                    .trace_text(|| format!("Establishing TLS to the proxy {host}"));
                self.conns[cid].proxy_tls = Some(Box::new(session));
                t.phase = Phase::Handshaking;
                Step::Continue
            }
            Err(e) => {
                self.fail(ti, e);
                Step::Wait
            }
        }
    }

    /// The connection reaches the proxy (over TLS for an https proxy): its
    /// handshake, or the target directly for a forwarding HTTP proxy.
    pub(super) fn proxy_connected(&mut self, ti: TransferKey, cid: ConnKey) -> Step {
        if let Some(step) = self.proxy_start(ti, cid) {
            return step;
        }
        self.after_connect(ti, cid)
    }

    /// Addresses of the target's own name arrived for a SOCKS proxy that
    /// takes an address: keep one, then resolve the proxy. Returns whether
    /// the addresses were taken here.
    pub(super) fn took_target_addr(&mut self, ti: TransferKey, addrs: &[SocketAddr]) -> bool {
        let t = &mut self.transfers[ti];
        if !t.px.wants_target_addr() {
            return false;
        }
        t.px.target_addr = addrs.first().map(SocketAddr::ip);
        t.addrs.clear();
        true
    }

    /// TCP to the proxy is up: start its handshake, or go on when none is
    /// needed (a forwarding HTTP proxy).
    pub(super) fn proxy_start(&mut self, ti: TransferKey, cid: ConnKey) -> Option<Step> {
        let t = &mut self.transfers[ti];
        let proxy = t.px.proxy.clone().filter(|p| !p.forwards())?;
        let target = t.target.clone().expect("a started transfer has a target");
        let ua = t.easy.headers.iter().find(|h| {
            h.split_once(':')
                .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("user-agent"))
        });
        let to = TunnelTo {
            host: &target.host,
            port: target.port,
            addr: t.px.target_addr,
            user_agent: ua.map(String::as_str),
        };
        let (hs, first) = match Handshake::start(&proxy, &to) {
            Ok(x) => x,
            Err(e) => {
                self.fail(ti, e);
                return Some(Step::Wait);
            }
        };
        t.easy.trace_text(|| {
            format!(
                "Establishing {} proxy tunnel to {}:{}",
                proxy.kind.scheme(),
                target.host,
                target.port
            )
        });
        if !proxy.kind.is_socks() {
            t.easy.trace(InfoType::HeaderOut, &first);
        }
        t.px.handshake = Some(Box::new(hs));
        t.phase = Phase::ProxyHandshake;
        let conn = &mut self.conns[cid];
        conn.out = first;
        conn.out_pos = 0;
        Some(Step::Continue)
    }

    /// Drives the proxy handshake: sends what it asks, feeds it what the
    /// proxy answers; when it is done the connection goes on as if it were
    /// to the target (TLS, or the request).
    pub(super) fn proxy_drive(&mut self, ti: TransferKey) -> Step {
        let cid = self.transfers[ti]
            .conn
            .expect("a handshake has a connection");
        let mut buf = [0u8; 1024];
        loop {
            let conn = &mut self.conns[cid];
            let out = std::mem::take(&mut conn.out);
            let mut sent = Ok(());
            while conn.out_pos < out.len() && sent.is_ok() {
                match conn.send(&out[conn.out_pos..]) {
                    Ok(n) => conn.out_pos += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => sent = Err(e),
                }
            }
            conn.out = out;
            if let Err(e) = sent {
                match e.kind() {
                    io::ErrorKind::WouldBlock => {
                        self.sockets.want(conn.fd, WANT_WRITE);
                        return Step::Wait;
                    }
                    _ => {
                        let err = Error::new(
                            ErrorCode::SendError,
                            format!("Failed sending to the proxy: {e}"),
                        );
                        self.fail(ti, err.caused_by(e));
                        return Step::Wait;
                    }
                }
            }
            let fd = conn.fd;
            let got = conn.recv(&mut buf);
            let t = &mut self.transfers[ti];
            let hs = t.px.handshake.as_mut().expect("handshaking");
            let fed = match got {
                Ok(0) => Err(hs.closed()),
                Ok(n) => hs.feed(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.sockets.want(fd, WANT_READ);
                    return Step::Wait;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(Error::new(
                    ErrorCode::RecvError,
                    format!("Failed receiving from the proxy: {e}"),
                )
                .caused_by(e)),
            };
            if let Some(code) = hs.connect_code {
                t.easy.info.http_connectcode = code;
            }
            match fed {
                Ok(Progress::More) => {}
                Ok(Progress::Send(bytes)) => {
                    let conn = &mut self.conns[cid];
                    conn.out = bytes;
                    conn.out_pos = 0;
                }
                Ok(Progress::Done(rest)) => return self.proxy_done(ti, cid, rest),
                Err(e) => {
                    self.fail(ti, e);
                    return Step::Wait;
                }
            }
        }
    }

    /// The tunnel is up: what follows is as on a direct connection.
    fn proxy_done(&mut self, ti: TransferKey, cid: ConnKey, rest: Vec<u8>) -> Step {
        let t = &mut self.transfers[ti];
        t.px.handshake = None;
        t.easy.trace_text(|| "Proxy tunnel established".to_owned());
        let conn = &mut self.conns[cid];
        conn.out.clear();
        conn.out_pos = 0;
        conn.carry = rest;
        self.after_connect(ti, cid)
    }
}
