//! Connection setup: name resolution, non-blocking connect attempts (one
//! address after another) and the TLS handshake.

use super::sockets::{OpenError, OpenFailed, open_socket, open_unix};
use super::*;

/// The shortest time one address gets before the next is tried.
pub(super) const MIN_ATTEMPT: Duration = Duration::from_millis(200);

impl Multi {
    pub(super) fn resolve(&mut self, ti: TransferKey) -> Step {
        // An IP address with no pin that could stand for it (no share, no
        // RESOLVE entry): its one address, without a copy of the name or
        // a parse of its text (issue 13, workload L8: a transfer that must
        // wait for a slot resolves before it waits). The same answer as
        // `resolve_name`'s.
        let t = &self.transfers[ti];
        if t.easy.share.is_none() && self.dns_pins.is_empty() {
            if let Some(addr) = t.literal_addr() {
                // No slot for a new connection: the transfer waits as it
                // would with the address set (`start`'s next pass finds
                // nothing new before the pool's check), but keeps none.
                // The address is the same when it may connect and is
                // worked out again then: keeping it was an allocation per
                // waiting transfer (workload L8). Addresses IPRESOLVE
                // refuses and those a proxy takes go the usual way.
                let kept_as_is = t.easy.conn.ip_resolve.allows(&addr) && !t.px.wants_target_addr();
                if kept_as_is && !self.pool.may_open(&t.pool_key) {
                    self.wait_for_slot(ti);
                    return Step::Wait;
                }
                return self.addrs_step(ti, vec![addr]);
            }
        }
        self.resolve_name(ti)
    }

    /// [`Multi::resolve`] past the usual IP address: pins, `localhost`,
    /// the caches and the resolver.
    fn resolve_name(&mut self, ti: TransferKey) -> Step {
        let now = self.now;
        let t = &mut self.transfers[ti];
        let (host, port) = t.connect_host();
        let (host, port) = (host.to_owned(), port);
        let ttl = t.easy.conn.dns_cache_timeout;
        let literal = host
            .parse::<IpAddr>()
            .ok()
            .map(|ip| vec![SocketAddr::new(ip, port)]);
        let local = (host == "localhost" || host.ends_with(".localhost")).then(|| {
            let mut v = vec![
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port),
            ];
            if t.easy.conn.dns_shuffle {
                crate::connopts::shuffle(&mut v);
            }
            v
        });
        let share = t.easy.share.as_ref();
        let shared_pin = share.and_then(|s| s.dns(|c| c.pinned(&host, port, now)).flatten());
        let pinned = shared_pin.or_else(|| self.pinned(&host, port));
        if let Some(addrs) = pinned.or(literal).or(local) {
            return self.addrs_step(ti, addrs);
        }
        let t = &mut self.transfers[ti];
        let share = t.easy.share.as_ref();
        if let Some(addrs) =
            share.and_then(|s| s.dns(|c| c.cached(&host, port, now, ttl)).flatten())
        {
            t.easy
                .trace_text(|| format!("Hostname {host} was found in DNS cache\n"));
            return self.addrs_step(ti, addrs);
        }
        if self.resolver.is_none() {
            match Resolver::new() {
                Ok(r) => {
                    self.sockets.insert(r.fd(), Owner::Resolver);
                    self.resolver = Some(r);
                }
                Err(e) => {
                    self.fail(
                        ti,
                        Error::new(ErrorCode::OutOfMemory, format!("resolver: {e}")),
                    );
                    return Step::Wait;
                }
            }
        }
        let resolver = self.resolver.as_mut().expect("created above");
        let shared = self.transfers[ti].easy.share.as_ref();
        let own_cache = shared.is_none_or(|s| s.dns(|_| ()).is_none());
        if let Some(addrs) = own_cache
            .then(|| resolver.cached(&host, port, now, ttl))
            .flatten()
        {
            self.transfers[ti]
                .easy
                .trace_text(|| format!("Hostname {host} was found in DNS cache\n"));
            return self.addrs_step(ti, addrs);
        }
        let key = ((ti.slot() as u64) << 32) | u64::from(self.transfers[ti].generation);
        if let Err(e) = resolver.submit(key, &host, port) {
            self.fail(
                ti,
                Error::new(ErrorCode::CouldntResolveHost, format!("resolver: {e}")),
            );
            return Step::Wait;
        }
        let fd = resolver.fd();
        self.sockets.want(fd, WANT_READ);
        let t = &mut self.transfers[ti];
        t.phase = Phase::Resolving;
        let deadline = now.checked_add(t.easy.connect_timeout);
        self.set_deadline(ti, Kind::Connect, deadline);
        Step::Wait
    }

    /// Addresses known at once: go on, or stop if IPRESOLVE left none.
    fn addrs_step(&mut self, ti: TransferKey, addrs: Vec<SocketAddr>) -> Step {
        if self.set_addrs(ti, addrs) {
            Step::Continue
        } else {
            Step::Wait
        }
    }

    pub(super) fn resolver_event(&mut self) {
        let Some(resolver) = self.resolver.as_mut() else {
            return;
        };
        let done = resolver.drain();
        let fd = resolver.fd();
        let still = resolver.outstanding();
        self.sockets.want(fd, if still > 0 { WANT_READ } else { 0 });
        let now = self.now;
        for r in done {
            let ti = TransferKey::from_slot((r.key >> 32) as usize);
            let generation = r.key as u32;
            let mut ok = match r.result {
                Ok(addrs) if !addrs.is_empty() => Some(addrs),
                _ => None,
            };
            let t = self
                .transfers
                .get(ti)
                .filter(|t| t.generation == generation && t.phase == Phase::Resolving);
            if let (Some(addrs), Some(true)) = (&mut ok, t.map(|t| t.easy.conn.dns_shuffle)) {
                // Shuffled before it is cached, as upstream.
                crate::connopts::shuffle(addrs);
            }
            // DNS_CACHE_TIMEOUT 0: the answer is used once, not kept.
            let keep = t.is_none_or(|t| t.easy.conn.dns_cache_timeout != Some(Duration::ZERO));
            let share = t.and_then(|t| t.easy.share.as_ref());
            if let (Some(addrs), true) = (&ok, keep) {
                let kept = share
                    .and_then(|s| s.dns(|c| c.store(r.host.clone(), r.port, addrs.clone(), now)));
                if let (None, Some(res)) = (kept, self.resolver.as_mut()) {
                    res.store(r.host.clone(), r.port, addrs.clone(), now);
                }
            }
            if t.is_none() {
                continue;
            }
            match ok {
                Some(addrs) => {
                    if self.set_addrs(ti, addrs) {
                        self.transfers[ti].phase = Phase::Init;
                        self.drive(ti, Events::NONE);
                    }
                }
                None => {
                    let err = self.transfers[ti].resolve_error(&r.host);
                    self.fail(ti, err);
                }
            }
        }
    }

    /// Opens a connection to the transfer's addresses from `next` on;
    /// `cause` is why the previous attempt failed (the failure reported
    /// when none is left).
    pub(super) fn connect_next(
        &mut self,
        ti: TransferKey,
        mut next: usize,
        mut cause: Option<io::Error>,
    ) -> Step {
        if self.pool.at_total_limit() {
            // A slot is taken by an idle connection elsewhere: make room.
            self.evict_oldest_idle();
        }
        loop {
            let t = &mut self.transfers[ti];
            let Some(&addr) = t.addrs.get(next) else {
                if !self.races.is_empty() && self.race(ti).is_some() {
                    // Happy eyeballs: the other family goes on alone.
                    match self.race_takes_over(ti) {
                        Some(n) => next = n,
                        None => return Step::Wait,
                    }
                    continue;
                }
                let err = no_address_left(&self.transfers[ti], self.now, cause);
                self.fail(ti, err);
                return Step::Wait;
            };
            next += 1;
            if t.marks.resolved.is_none() {
                t.marks.resolved = t.tick(self.clock.moment());
            }
            match open_socket(addr, &mut t.easy) {
                Ok(sock) => {
                    t.easy.info.primary_ip = Some(addr.ip());
                    t.easy.info.primary_port = addr.port();
                    self.adopt(ti, sock, next);
                    tracing::debug!(transfer = %ti, %addr, "connecting");
                    self.transfers[ti]
                        .easy
                        .trace_text(|| format!("  Trying {addr}..."));
                    // With more addresses left, this one gets half of the
                    // remaining connect time (at least MIN_ATTEMPT), so one
                    // unreachable address cannot use it all up.
                    let t = &self.transfers[ti];
                    let attempt = (next < t.addrs.len()).then(|| {
                        let left = t
                            .deadlines
                            .get(Kind::Connect)
                            .map_or(t.easy.connect_timeout, |d| {
                                d.saturating_duration_since(self.now)
                            });
                        self.now.checked_add((left / 2).max(MIN_ATTEMPT))
                    });
                    let attempt = attempt.flatten();
                    self.set_deadline(ti, Kind::Attempt, attempt);
                    if !self.races.is_empty() {
                        self.arm_race(ti);
                    }
                    return Step::Wait;
                }
                Err(OpenError::Fatal(e)) => {
                    self.fail(ti, e);
                    return Step::Wait;
                }
                Err(OpenError::Attempt(e)) => {
                    tracing::debug!(transfer = %ti, %addr, %e, "connect failed");
                    trace_connect_failed(&mut t.easy, addr.ip(), addr.port(), &e);
                    cause = Some(e);
                }
            }
        }
    }

    /// A new connection for the transfer, connecting on `sock`: it joins
    /// the connection table and the socket table, waiting to be writable.
    fn adopt(&mut self, ti: TransferKey, sock: socket2::Socket, next_addr: usize) {
        let t = &mut self.transfers[ti];
        t.phase = Phase::Connecting { next_addr };
        t.easy.info.num_connects += 1;
        let cid = self.new_conn(ti, sock);
        self.transfers[ti].conn = Some(cid);
    }

    /// A connection of transfer `ti` connecting on `sock`: it joins the
    /// connection table and the socket table, waiting to be writable.
    pub(super) fn new_conn(&mut self, ti: TransferKey, sock: socket2::Socket) -> ConnKey {
        let t = &self.transfers[ti];
        let fd = sock.as_raw_fd();
        let origin = t.pool_key.clone();
        let pool_first = self.pool.opened(&origin);
        let cid = self.conns.insert(Conn {
            sock,
            fd,
            origin,
            pool_first,
            state: ConnState::Busy(ti),
            carry: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            requests: 0,
            drained: false,
            idle_since: self.now,
            created: self.now,
            peer: None,
            local: None,
            tls: None,
            proxy_tls: None,
            closer: t.easy.hooks.get().and_then(|h| h.close_socket.clone()),
        });
        self.sockets.insert(fd, Owner::Conn(cid));
        self.sockets.want(fd, WANT_WRITE);
        cid
    }

    /// UNIX_SOCKET_PATH: the connection is a Unix stream socket; no name is
    /// resolved, the rest (connect, TLS, the request) is as over TCP.
    pub(super) fn connect_unix(&mut self, ti: TransferKey) -> Step {
        if !self.pool.may_open(&self.transfers[ti].pool_key) {
            self.wait_for_slot(ti);
            return Step::Wait;
        }
        if self.pool.at_total_limit() {
            self.evict_oldest_idle();
        }
        let now = self.now;
        let t = &mut self.transfers[ti];
        let deadline = now.checked_add(t.easy.connect_timeout);
        let path = t
            .easy
            .conn
            .unix_socket
            .clone()
            .expect("a Unix socket is set");
        t.marks.resolved.get_or_set(t.tick(now));
        match open_unix(&path) {
            Ok(sock) => {
                t.easy.trace_text(|| format!("  Trying {path:?}..."));
                self.adopt(ti, sock, 0);
                self.set_deadline(ti, Kind::Connect, deadline);
                Step::Wait
            }
            Err(OpenError::Fatal(e)) => {
                self.fail(ti, e);
                Step::Wait
            }
            Err(OpenError::Attempt(e)) => {
                let msg = format!("Failed to connect to {path:?}: {e}");
                self.fail(ti, Error::new(ErrorCode::CouldntConnect, msg).caused_by(e));
                Step::Wait
            }
        }
    }

    pub(super) fn check_connect(
        &mut self,
        ti: TransferKey,
        mut next_addr: usize,
        mut events: Events,
    ) -> Step {
        if !self.races.is_empty() && self.race(ti).is_some_and(|r| r.conn.is_some()) {
            // Happy eyeballs: the event may be either socket's.
            if !self.check_race(ti) {
                return Step::Wait;
            }
            events = Events::NONE;
            // (A race's attempt that connected is the transfer's now, with
            // its own next address.)
            if let Phase::Connecting { next_addr: n } = self.transfers[ti].phase {
                next_addr = n;
            }
        }
        let cid = self.transfers[ti]
            .conn
            .expect("connecting has a connection");
        let status = match faults::check(Op::ConnectResult) {
            Ok(()) => connect_status(&self.conns[cid].sock, events),
            Err(e) => ConnectStatus::Failed(e),
        };
        let failure = match status {
            ConnectStatus::Pending => return Step::Wait,
            ConnectStatus::Connected => None,
            ConnectStatus::Failed(e) => Some(e),
        };
        if let Some(e) = failure {
            let t = &mut self.transfers[ti];
            if let (Some(ip), port) = (t.easy.info.primary_ip, t.easy.info.primary_port) {
                trace_connect_failed(&mut t.easy, ip, port, &e);
            }
            self.transfers[ti].conn = None;
            self.close_conn(cid);
            return self.connect_next(ti, next_addr, Some(e));
        }
        let now = self.clock.moment();
        let conn = &mut self.conns[cid];
        conn.peer = conn.sock.peer_addr().ok().and_then(|a| a.as_socket());
        conn.local = conn.sock.local_addr().ok().and_then(|a| a.as_socket());
        let t = &mut self.transfers[ti];
        t.marks.connected = t.tick(now);
        // FETCHINFO_SCHEME names the connection's scheme once it is up,
        // before a TLS handshake, as upstream.
        t.easy.info.scheme = t
            .target
            .as_ref()
            .map(|d| if d.https { "HTTPS" } else { "HTTP" });
        if let (Some(ip), Some(target)) = (t.easy.info.primary_ip, &t.target) {
            let (host, port) = (&target.host, t.easy.info.primary_port);
            t.easy
                .trace_text(|| format!("Connected to {host} ({ip}) port {port}"));
        }
        self.set_deadline(ti, Kind::Attempt, None);
        if !self.races.is_empty() {
            // Connected first: the other family's attempt, if any, ends.
            self.drop_race(ti);
        }
        if self.transfers[ti].px.proxy_tls().is_some() {
            return self.start_proxy_tls(ti, cid);
        }
        self.proxy_connected(ti, cid)
    }

    /// The connection reaches the target (directly or through a proxy
    /// tunnel): TLS, or HTTP/2 prior knowledge, or the request.
    pub(super) fn after_connect(&mut self, ti: TransferKey, cid: ConnKey) -> Step {
        if self.transfers[ti].target().https {
            return self.start_tls(ti, cid);
        }
        self.set_deadline(ti, Kind::Connect, None);
        // (A forwarding proxy is spoken to in HTTP/1.1, as upstream.)
        let t = &self.transfers[ti];
        if t.easy.http_version.h2_prior_knowledge() && !t.px.forwards() {
            return self.h2_start(ti, cid);
        }
        self.attach(ti, cid)
    }

    /// TCP is up: begin the TLS handshake. Configurations are cached per
    /// settings, which also shares their session cache (resumption).
    pub(super) fn start_tls(&mut self, ti: TransferKey, cid: ConnKey) -> Step {
        let t = &mut self.transfers[ti];
        // Keyed by the cached pool tag: no hashing of the options (a CA
        // blob included) per connection; equal options are confirmed.
        // A share's TLS sessions: the share's configurations, keeping
        // their sessions in its store (resumption across multis).
        let shared = t
            .easy
            .share
            .as_ref()
            .and_then(|s| s.tls_config(&t.easy.tls));
        let sid = shared.as_ref().map_or(0, |(id, _)| *id as u64);
        let config = match shared {
            Some((_, c)) => c,
            None => {
                let tag = t.easy.tls_tag();
                match self.tls_configs.get(&tag) {
                    Some((opts, c)) if *opts == *t.easy.tls => Ok(c.clone()),
                    _ => tls::client_config(&t.easy.tls).inspect(|c| {
                        self.tls_configs
                            .insert(tag, ((*t.easy.tls).clone(), c.clone()));
                    }),
                }
            }
        };
        // (The share's id keeps its HTTP/2 variant apart from the multi's.)
        let tag = t.easy.tls_tag() ^ sid.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let (h2, offer_h2) = (&mut self.h2, t.easy.http_version.offers_h2());
        let config = config.map(|c| h2.alpn_config(tag, c, offer_h2));
        match config.and_then(|c| tls::connect(c, &t.target().host)) {
            Ok(session) => {
                self.conns[cid].tls = Some(Box::new(session));
                t.phase = Phase::Handshaking;
                Step::Continue
            }
            Err(e) => {
                self.fail(ti, e);
                Step::Wait
            }
        }
    }

    /// Drives a TLS handshake: the target's (over the wire, which may be
    /// TLS to an https proxy) or, before it, the proxy's. Socket interest
    /// follows what TLS needs (it may need to write while the transfer
    /// waits to read).
    pub(super) fn handshake(&mut self, ti: TransferKey) -> Step {
        let cid = self.transfers[ti]
            .conn
            .expect("handshaking has a connection");
        let conn = &mut self.conns[cid];
        let fd = conn.fd;
        let to_proxy = conn.tls.is_none();
        let (tls, mut wire) = match conn.tls.as_deref_mut() {
            Some(tls) => (tls, Wire::new(&conn.sock, conn.proxy_tls.as_deref_mut())),
            None => {
                let tls = conn.proxy_tls.as_deref_mut();
                (
                    tls.expect("handshaking has a session"),
                    Wire::new(&conn.sock, None),
                )
            }
        };
        let failure = loop {
            match flush_tls(tls, &mut wire).and_then(|()| wire.flush()) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.sockets.want(fd, WANT_READ | WANT_WRITE);
                    return Step::Wait;
                }
                Err(e) => {
                    break Error::new(ErrorCode::SslConnectError, format!("TLS send: {e}"))
                        .caused_by(e);
                }
            }
            if !tls.is_handshaking() {
                tracing::debug!(transfer = %ti, version = ?tls.protocol_version(), "TLS established");
                let version = tls.protocol_version();
                let alpn_h2 = tls.alpn_protocol() == Some(crate::h2::ALPN_H2);
                let t = &mut self.transfers[ti];
                let leaf = tls.peer_certificates().and_then(<[_]>::first);
                if let Err(e) = t.check_pin(leaf.map(|c| c.as_ref()), to_proxy) {
                    break e;
                }
                t.easy.trace_text(|| {
                    let v = version.map_or_else(|| "unknown".to_owned(), |v| format!("{v:?}"));
                    let proxy = if to_proxy { "proxy " } else { "" };
                    format!("{proxy}TLS handshake done: {}", v.replace('_', "."))
                });
                if to_proxy {
                    return self.proxy_connected(ti, cid);
                }
                t.marks.tls_done = t.tick(self.clock.moment());
                self.set_deadline(ti, Kind::Connect, None);
                if alpn_h2 {
                    return self.h2_start(ti, cid);
                }
                return self.attach(ti, cid);
            }
            match tls.read_tls(&mut wire) {
                Ok(0) => {
                    let what = if to_proxy { "the proxy" } else { "the server" };
                    break Error::new(
                        ErrorCode::SslConnectError,
                        format!("connection to {what} closed during the TLS handshake"),
                    );
                }
                Ok(_) => {
                    if let Err(e) = tls.process_new_packets() {
                        let _ = flush_tls(tls, &mut wire).and_then(|()| wire.flush());
                        break self.transfers[ti].tls_failed(&e, to_proxy).caused_by(e);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.sockets.want(fd, WANT_READ);
                    return Step::Wait;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Error::new(ErrorCode::SslConnectError, format!("TLS recv: {e}")),
            }
        };
        self.fail(ti, failure);
        Step::Wait
    }
}

/// COULDNT_CONNECT once every address of the transfer has failed, naming
/// what could not be reached (through a proxy, the proxy) and keeping the
/// last attempt's error as the cause.
fn no_address_left(t: &Transfer, now: Moment, cause: Option<io::Error>) -> Error {
    let elapsed_ms = t
        .started
        .map_or(0, |s| now.saturating_duration_since(s).as_millis());
    let local = cause
        .as_ref()
        .and_then(|c| c.get_ref()?.downcast_ref::<OpenFailed>())
        .map(|o| Detail::os_reason(&o.0));
    let (host, port) = match t.px.proxy.as_ref() {
        Some(p) if t.px.connects_to_proxy() => (p.host.clone(), p.port),
        _ => (t.target().host.clone(), t.target().port),
    };
    let detail = Detail::Connect {
        host,
        port,
        elapsed_ms,
        reason: ErrorCode::CouldntConnect,
        local,
    };
    let err = Error::new(ErrorCode::CouldntConnect, detail);
    match cause {
        Some(cause) => err.caused_by(cause),
        None => err,
    }
}

/// How a connecting socket stands.
pub(super) enum ConnectStatus {
    Pending,
    Connected,
    Failed(io::Error),
}

/// Asks a connecting socket how it stands: its pending error first; then
/// writable `events` say connected, and without them its peer address
/// does (ENOTCONN: still pending). Shared by the transfer's own attempt
/// and a happy-eyeballs race's, whose events are not trusted.
pub(super) fn connect_status(sock: &socket2::Socket, events: Events) -> ConnectStatus {
    match sock.take_error() {
        Ok(Some(e)) | Err(e) => ConnectStatus::Failed(e),
        Ok(None) if events.contains(Events::OUT) => ConnectStatus::Connected,
        Ok(None) => match sock.peer_addr() {
            Ok(_) => ConnectStatus::Connected,
            Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => ConnectStatus::Pending,
            Err(e) => ConnectStatus::Failed(e),
        },
    }
}

/// Upstream's verbose line for a failed connect attempt.
pub(super) fn trace_connect_failed(easy: &mut Easy, ip: IpAddr, port: u16, e: &io::Error) {
    easy.trace_text(|| format!("connect to {ip} port {port} failed: {e}"));
}
