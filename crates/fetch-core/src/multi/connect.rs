//! Connection setup: name resolution, non-blocking connect attempts (one
//! address after another) and the TLS handshake.

use super::*;

/// The shortest time one address gets before the next is tried.
pub(super) const MIN_ATTEMPT: Duration = Duration::from_millis(200);

/// A non-blocking TCP socket connecting to `addr`: made by the engine or
/// by the application's open-socket hook, tuned by its sockopt hook.
pub(super) fn open_socket(addr: SocketAddr, easy: &mut Easy) -> io::Result<socket2::Socket> {
    faults::check(Op::Socket)?;
    let sock = match easy.open_socket.as_mut() {
        Some(open) => {
            let sock = socket2::Socket::from(open(addr)?);
            sock.set_nonblocking(true)?;
            sock
        }
        None => socket2::Socket::new(
            Domain::for_address(addr),
            Type::STREAM.nonblocking(),
            Some(Protocol::TCP),
        )?,
    };
    sock.set_nodelay(true)?;
    if let Some(tune) = easy.sockopt.as_mut() {
        if tune(std::os::fd::AsFd::as_fd(&sock))? == SockOpt::AlreadyConnected {
            return Ok(sock);
        }
    }
    // (A fault is injected after the real call: what the kernel says about
    // a connect it has started.)
    let started = sock.connect(&SockAddr::from(addr));
    match faults::check(Op::Connect).and(started) {
        Ok(()) => Ok(sock),
        // EINTR on a non-blocking connect: it goes on asynchronously.
        Err(e)
            if e.raw_os_error() == Some(libc::EINPROGRESS)
                || e.kind() == io::ErrorKind::WouldBlock
                || e.kind() == io::ErrorKind::Interrupted =>
        {
            Ok(sock)
        }
        Err(e) => Err(e),
    }
}

impl Multi {
    pub(super) fn resolve(&mut self, ti: usize) -> Step {
        let now = self.now;
        let t = &mut self.transfers[ti];
        let (host, port) = (t.target().host.clone(), t.target().port);
        let literal = host
            .parse::<IpAddr>()
            .ok()
            .map(|ip| vec![SocketAddr::new(ip, port)]);
        let local = (host == "localhost" || host.ends_with(".localhost")).then(|| {
            vec![
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port),
            ]
        });
        if let Some(addrs) = literal.or(local) {
            t.addrs = addrs;
            return Step::Continue;
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
        if let Some(addrs) = resolver.cached(&host, port, now) {
            self.transfers[ti].addrs = addrs;
            return Step::Continue;
        }
        let key = ((ti as u64) << 32) | u64::from(self.transfers[ti].generation);
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
            let ti = (r.key >> 32) as usize;
            let generation = r.key as u32;
            let ok = match r.result {
                Ok(addrs) if !addrs.is_empty() => Some(addrs),
                _ => None,
            };
            if let (Some(addrs), Some(res)) = (&ok, self.resolver.as_mut()) {
                res.store(r.host.clone(), r.port, addrs.clone(), now);
            }
            let Some(t) = self.transfers.get_mut(ti) else {
                continue;
            };
            if t.generation != generation || t.phase != Phase::Resolving {
                continue;
            }
            match ok {
                Some(addrs) => {
                    t.addrs = addrs;
                    t.phase = Phase::Init;
                    self.drive(ti, Events::NONE);
                }
                None => self.fail(
                    ti,
                    Error::new(
                        ErrorCode::CouldntResolveHost,
                        format!("Could not resolve host: {}", r.host),
                    ),
                ),
            }
        }
    }

    pub(super) fn connect_next(&mut self, ti: usize) -> Step {
        if self.pool.at_total_limit() {
            // A slot is taken by an idle connection elsewhere: make room.
            self.evict_oldest_idle();
        }
        loop {
            let t = &mut self.transfers[ti];
            let Some(&addr) = t.addrs.get(t.next_addr) else {
                let cause = t.last_connect_error.take();
                let why = cause
                    .as_ref()
                    .map_or_else(|| "no address".to_owned(), ToString::to_string);
                let msg = format!(
                    "Failed to connect to {} port {}: {why}",
                    t.target().host,
                    t.target().port
                );
                let mut err = Error::new(ErrorCode::CouldntConnect, msg);
                if let Some(cause) = cause {
                    err = err.caused_by(cause);
                }
                self.fail(ti, err);
                return Step::Wait;
            };
            t.next_addr += 1;
            t.marks.resolved.get_or_insert_with(|| self.clock.now());
            match open_socket(addr, &mut t.easy) {
                Ok(sock) => {
                    let fd = sock.as_raw_fd();
                    let origin = t.target().origin.clone();
                    t.phase = Phase::Connecting;
                    t.easy.info.num_connects += 1;
                    t.easy.info.primary_ip = Some(addr.ip());
                    t.easy.info.primary_port = addr.port();
                    self.pool.opened(&origin);
                    let cid = self.conns.insert(Conn {
                        sock,
                        fd,
                        origin,
                        state: ConnState::Busy(ti),
                        carry: Vec::new(),
                        out: Vec::new(),
                        out_pos: 0,
                        requests: 0,
                        idle_since: self.now,
                        tls: None,
                        closer: t.easy.close_socket.clone(),
                    });
                    self.transfers[ti].conn = Some(cid);
                    self.sockets.insert(fd, Owner::Conn(cid));
                    self.sockets.want(fd, WANT_WRITE);
                    tracing::debug!(transfer = ti, fd, %addr, "connecting");
                    self.transfers[ti]
                        .easy
                        .trace_text(|| format!("  Trying {addr}..."));
                    // With more addresses left, this one gets half of the
                    // remaining connect time (at least MIN_ATTEMPT), so one
                    // unreachable address cannot use it all up.
                    let t = &self.transfers[ti];
                    let attempt = (t.next_addr < t.addrs.len()).then(|| {
                        let left = t.deadlines[Kind::Connect as usize]
                            .map_or(t.easy.connect_timeout, |d| {
                                d.saturating_duration_since(self.now)
                            });
                        self.now.checked_add((left / 2).max(MIN_ATTEMPT))
                    });
                    let attempt = attempt.flatten();
                    self.set_deadline(ti, Kind::Attempt, attempt);
                    return Step::Wait;
                }
                Err(e) => {
                    tracing::debug!(transfer = ti, %addr, %e, "connect failed");
                    t.easy.trace_text(|| {
                        format!("connect to {} port {} failed: {e}", addr.ip(), addr.port())
                    });
                    t.last_connect_error = Some(e);
                }
            }
        }
    }

    pub(super) fn check_connect(&mut self, ti: usize, events: Events) -> Step {
        let cid = self.transfers[ti]
            .conn
            .expect("connecting has a connection");
        let sock = &self.conns[cid].sock;
        let failure = match faults::check(Op::ConnectResult).and_then(|()| sock.take_error()) {
            Ok(Some(e)) | Err(e) => Some(e),
            Ok(None) if events.contains(Events::OUT) => None,
            Ok(None) => match sock.peer_addr() {
                Ok(_) => None,
                Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => {
                    return Step::Wait;
                }
                Err(e) => Some(e),
            },
        };
        if let Some(e) = failure {
            let t = &mut self.transfers[ti];
            if let (Some(ip), port) = (t.easy.info.primary_ip, t.easy.info.primary_port) {
                t.easy
                    .trace_text(|| format!("connect to {ip} port {port} failed: {e}"));
            }
            self.transfers[ti].conn = None;
            self.close_conn(cid);
            self.transfers[ti].last_connect_error = Some(e);
            return self.connect_next(ti);
        }
        let now = self.clock.now();
        let t = &mut self.transfers[ti];
        t.marks.connected = Some(now);
        if let (Some(ip), Some(target)) = (t.easy.info.primary_ip, &t.target) {
            let (host, port) = (&target.host, t.easy.info.primary_port);
            t.easy
                .trace_text(|| format!("Connected to {host} ({ip}) port {port}"));
        }
        self.set_deadline(ti, Kind::Attempt, None);
        if self.transfers[ti].target().https {
            return self.start_tls(ti, cid);
        }
        self.set_deadline(ti, Kind::Connect, None);
        if self.transfers[ti].easy.http_version.h2_prior_knowledge() {
            return self.h2_start(ti, cid);
        }
        self.attach(ti, cid);
        Step::Continue
    }

    /// TCP is up: begin the TLS handshake. Configurations are cached per
    /// settings, which also shares their session cache (resumption).
    pub(super) fn start_tls(&mut self, ti: usize, cid: usize) -> Step {
        let t = &mut self.transfers[ti];
        // Keyed by the cached pool tag: no hashing of the options (a CA
        // blob included) per connection; equal options are confirmed.
        let tag = t.easy.tls_tag();
        let config = match self.tls_configs.get(&tag) {
            Some((opts, c)) if *opts == t.easy.tls => Ok(c.clone()),
            _ => tls::client_config(&t.easy.tls).inspect(|c| {
                self.tls_configs
                    .insert(tag, (t.easy.tls.clone(), c.clone()));
            }),
        };
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

    /// Drives the TLS handshake; socket interest follows what TLS needs
    /// (it may need to write while the transfer waits to read).
    pub(super) fn handshake(&mut self, ti: usize) -> Step {
        let cid = self.transfers[ti]
            .conn
            .expect("handshaking has a connection");
        let conn = &mut self.conns[cid];
        let fd = conn.fd;
        let tls = conn.tls.as_mut().expect("handshaking has a session");
        let failure = loop {
            match flush_tls(tls, &conn.sock) {
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
                tracing::debug!(transfer = ti, version = ?tls.protocol_version(), "TLS established");
                let version = tls.protocol_version();
                self.transfers[ti].easy.trace_text(|| {
                    let v = version.map_or_else(|| "unknown".to_owned(), |v| format!("{v:?}"));
                    format!("TLS handshake done: {}", v.replace('_', "."))
                });
                let alpn_h2 = tls.alpn_protocol() == Some(crate::h2::ALPN_H2);
                self.transfers[ti].marks.tls_done = Some(self.clock.now());
                self.set_deadline(ti, Kind::Connect, None);
                if alpn_h2 {
                    return self.h2_start(ti, cid);
                }
                self.attach(ti, cid);
                return Step::Continue;
            }
            match tls.read_tls(&mut SockIo(&conn.sock, SEND_FLAGS)) {
                Ok(0) => {
                    break Error::new(
                        ErrorCode::SslConnectError,
                        "connection closed during the TLS handshake",
                    );
                }
                Ok(_) => {
                    if let Err(e) = tls.process_new_packets() {
                        let _ = flush_tls(tls, &conn.sock);
                        break tls::map_error(&e, true).caused_by(e);
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
