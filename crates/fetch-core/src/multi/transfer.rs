//! A transfer's state machine: its phases, deadline kinds and per-request
//! state, and the steps that start, drive, redirect and end it.

use super::*;
use super::{proxied, xfer};
use crate::headers::HeaderLog;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Added; starts when its kick-off deadline runs.
    Init,
    Resolving,
    /// Waiting for a connection slot (connection limits).
    Pending,
    /// A connect attempt to one of the transfer's addresses; if it fails,
    /// the attempts go on from `next_addr`.
    Connecting {
        next_addr: usize,
    },
    /// TLS handshake on a connected socket (counts against the connect
    /// timeout, as upstream).
    Handshaking,
    /// The proxy handshake (CONNECT or SOCKS) on a connected socket
    /// (counts against the connect timeout, as upstream).
    ProxyHandshake,
    Sending,
    Receiving,
    /// Ended; `msg_queued` while its DONE message waits to be read (a
    /// message exists only for an ended transfer).
    Done {
        msg_queued: bool,
    },
}

impl Phase {
    /// The transfer has ended.
    pub(super) fn is_done(self) -> bool {
        matches!(self, Self::Done { .. })
    }
}

/// Deadline kinds of one transfer; the earliest is queued.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    /// Run the transfer now: kick-off after add, or resume after yielding.
    Kick = 0,
    Connect = 1,
    Total = 2,
    /// The end of a low-speed window (FETCHOPT_LOW_SPEED_TIME).
    LowSpeed = 3,
    /// Give up waiting for "100 Continue" and send the body.
    Expect = 4,
    /// Give up on one address and try the next (more addresses remain);
    /// or, first, start the other address family's attempt (happy
    /// eyeballs, `eyeballs`).
    Attempt = 5,
    /// A paused transfer's progress callback is due (about once a second,
    /// as upstream: it is how applications resume a paused transfer).
    Progress = 6,
}

/// Number of deadline kinds.
pub(super) const KINDS: usize = 7;

/// Where a request stands with "Expect: 100-continue".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// Not used for this request.
    No,
    /// Head sent; the body waits for "100 Continue" or the timeout.
    Waiting,
    /// The body went out.
    Sent,
    /// A final response came first: the body was never sent.
    Refused,
}

/// What belongs to one request/response exchange, beside the phase
/// rather than in it: "Expect: 100-continue" spans `Sending` and
/// `Receiving` (the body waits while the response is read), and the
/// upload and the redirect target are read in both. Kept apart from
/// [`Phase`] so that the phase stays `Copy` and cheap to match.
#[derive(Debug)]
pub(super) struct Exchange {
    /// Where the request stands with "Expect: 100-continue".
    pub(super) expect: Expect,
    /// The request body is all queued (or there is none).
    pub(super) upload_done: bool,
    /// The request body goes out in chunked encoding.
    pub(super) chunked_upload: bool,
    /// Exactly how many bytes the read callback must supply (a known size).
    pub(super) upload_len: Option<u64>,
    /// Bytes taken from the read callback for the current request.
    pub(super) upload_read: u64,
    /// The progress callback has been told this request started.
    pub(super) progress_told: bool,
    /// The redirect the response asks to follow (set from its head,
    /// taken when it is complete).
    pub(super) following: Option<String>,
}

impl Default for Exchange {
    fn default() -> Self {
        Self {
            expect: Expect::No,
            upload_done: true,
            chunked_upload: false,
            upload_len: None,
            upload_read: 0,
            progress_told: false,
            following: None,
        }
    }
}

pub(super) enum Step {
    /// The phase changed; keep driving.
    Continue,
    /// Wait for readiness or a deadline.
    Wait,
}

pub(super) struct Transfer {
    pub(super) easy: Easy,
    pub(super) generation: u32,
    pub(super) phase: Phase,
    pub(super) conn: Option<ConnKey>,
    /// The current URL and what derives from it (changes on redirects).
    pub(super) target: Option<Arc<Dest>>,
    pub(super) method: Method,
    pub(super) addrs: Vec<SocketAddr>,
    pub(super) deadlines: ticks::Deadlines,
    pub(super) started: Option<Moment>,
    pub(super) decoder: ResponseDecoder,
    /// The request went again once already (a reused connection died
    /// before answering, or HTTP/2 refused the stream); spans exchanges
    /// and is cleared when a redirect or an auth resend starts a new
    /// request.
    pub(super) retried: bool,
    /// The current request/response exchange (see [`Exchange`]).
    pub(super) ex: Exchange,
    pub(super) paused_recv: bool,
    pub(super) paused_send: bool,
    /// Body bytes the write callback paused on, delivered first on resume
    /// (a boxed slice: no spare capacity to carry in every slot).
    pub(super) held: Box<[u8]>,
    /// How the current response's body reaches the application.
    pub(super) body_out: body::BodyOut,
    /// Body bytes of the current response handed to the application.
    pub(super) delivered: u64,
    pub(super) marks: Marks,
    pub(super) rates: Rates,
    /// The first URL of the transfer: credentials belong to its origin.
    pub(super) first: Option<Arc<Dest>>,
    /// Some URL of the transfer (first or redirect) was https.
    pub(super) seen_https: bool,
    /// Where connections go instead of the URL's host and port
    /// (FETCHOPT_CONNECT_TO), for the current target. Boxed: rarely set,
    /// and every transfer slot carries it (issue 13).
    pub(super) route: Option<Box<(String, u16)>>,
    /// The pool key of the current target: its origin plus whatever else
    /// makes a connection unfit for another transfer (route, binding).
    pub(super) pool_key: String,
    /// HTTP authentication: the method in use, the Digest challenge.
    pub(super) auth: crate::auth::AuthState,
    /// The proxy of the current target and its handshake (`proxied`).
    pub(super) px: proxied::ProxyState,
}

impl Transfer {
    /// The current target; set before a transfer leaves `Init`.
    pub(super) fn target(&self) -> &Dest {
        self.target
            .as_ref()
            .expect("a started transfer has a target")
    }

    /// The body of the current response is not the transfer's: a redirect
    /// is followed, or the request goes again with credentials.
    pub(super) fn discarding(&self) -> bool {
        self.ex.following.is_some() || self.auth.resend
    }

    /// The host and port connections are made to (CONNECT_TO applied).
    pub(super) fn connect_host(&self) -> (&str, u16) {
        if let Some(p) = self
            .px
            .proxy
            .as_ref()
            .filter(|_| self.px.connects_to_proxy())
        {
            return (&p.host, p.port);
        }
        match self.route.as_deref() {
            Some((h, p)) => (h, *p),
            None => (&self.target().host, self.target().port),
        }
    }

    /// The address to connect to when the host to connect to is an IP
    /// address (the target's, as its URL parser read it; a proxy's or a
    /// route's, parsed here).
    pub(super) fn literal_addr(&self) -> Option<SocketAddr> {
        let (host, port) = self.connect_host();
        let target = self.target();
        // (The same text as the target's: the parsed address stands for it.)
        let ip = if std::ptr::eq(host, target.host.as_str()) {
            target.ip
        } else {
            host.parse::<IpAddr>().ok()
        };
        ip.map(|ip| SocketAddr::new(ip, port))
    }

    pub(super) fn id(&self, key: TransferKey) -> TransferId {
        TransferId {
            key,
            generation: self.generation,
        }
    }
}

impl Multi {
    pub(super) fn drive(&mut self, ti: TransferKey, mut events: Events) {
        loop {
            // (The multi and the key pass `black_box` on each step: as loop
            // invariants LLVM computed some 25 field addresses and the
            // key's hash ahead of the first step and kept them on the
            // stack, about 40 instructions per call.)
            let this = std::hint::black_box(&mut *self);
            let ti = std::hint::black_box(ti);
            let Some(t) = this.transfers.get(ti) else {
                return;
            };
            let step = match t.phase {
                Phase::Init => this.start(ti),
                Phase::Resolving | Phase::Pending | Phase::Done { .. } => Step::Wait,
                Phase::Sending | Phase::Receiving if this.on_h2(ti) => this.h2_drive(ti),
                Phase::Connecting { next_addr } => this.check_connect(ti, next_addr, events),
                Phase::Handshaking => this.handshake(ti),
                Phase::ProxyHandshake => this.proxy_drive(ti),
                Phase::Sending => this.send(ti, events),
                Phase::Receiving => this.recv(ti, events),
            };
            match step {
                Step::Wait => return,
                Step::Continue => events = Events::NONE,
            }
        }
    }

    /// Ends a transfer with `err`. (Out of line: an error path.)
    #[inline(never)]
    pub(super) fn fail(&mut self, ti: TransferKey, err: Error) {
        tracing::debug!(transfer = %ti, %err, "transfer failed");
        self.finish(ti, Err(err), false);
    }

    /// Ends a transfer: its connection goes back to the pool or is closed,
    /// and a DONE message is queued.
    pub(super) fn finish(&mut self, ti: TransferKey, result: Result<(), Error>, reusable: bool) {
        let Some(t) = self.transfers.get_mut(ti) else {
            return;
        };
        if t.phase.is_done() {
            return;
        }
        self.settle_info(ti);
        if !self.races.is_empty() {
            self.drop_race(ti);
        }
        let t = &mut self.transfers[ti];
        if let Err(e) = &result {
            // Upstream's failf(): the error detail is traced too.
            t.easy.trace_text(|| e.detail().to_owned());
            if let Some(errno) = os_errno(e) {
                t.easy.info.os_errno = errno;
            }
        }
        // Its DONE message is queued at the end of this call.
        t.phase = Phase::Done { msg_queued: true };
        t.deadlines = ticks::Deadlines::NONE;
        let id = t.id(ti);
        let reusable = reusable && !t.easy.forbid_reuse;
        let shared = t.easy.share.is_some();
        // (Without HTTP/2 streams there is no stream to detach, and the
        // row at hand gives up its connection.)
        let conn = if self.h2.by_transfer.is_empty() {
            t.conn.take()
        } else {
            self.h2_detach(ti);
            self.transfers[ti].conn.take()
        };
        self.running -= 1;
        // No deadline is left: out of the queue.
        self.deadlines.set(ti, None, self.now);
        if let Some(cid) = conn {
            self.release_conn_of(cid, reusable, shared);
        }
        self.msgs.push_back(Message {
            transfer: id,
            result,
        });
    }

    pub(super) fn start(&mut self, ti: TransferKey) -> Step {
        let now = self.now;
        // (One row lookup for the checks below: each is a bounds and an
        // occupancy check.)
        let mut t = &mut self.transfers[ti];
        if t.started.is_none() {
            match begin_transfer(t, now) {
                Ok(false) => {}
                Ok(true) => {
                    self.load_resolve(ti);
                    t = &mut self.transfers[ti];
                }
                Err(e) => {
                    self.fail(ti, e);
                    return Step::Wait;
                }
            }
        }
        if t.target.is_none() {
            match first_target(t) {
                Ok(target) => t.set_target(&self.proxy_env, target),
                Err(e) => {
                    self.fail(ti, e);
                    return Step::Wait;
                }
            }
        }
        // (The row at hand answers the checks before the pool's.)
        if let Some(e) = t.px.error.take() {
            self.fail(ti, e);
            return Step::Wait;
        }
        let fresh = t.easy.fresh_connect;
        // (With no HTTP/2 connection and no PIPEWAIT, `h2_reuse` finds no
        // stream and waits for nothing: it is not called.)
        let h2_ways = !self.h2.by_conn.is_empty() || t.easy.pipewait;
        if h2_ways && self.h2.may_share(t) {
            if let Some(step) = self.h2_reuse(ti) {
                return step;
            }
        }
        if !fresh {
            if let Some(cid) = self.take_idle(ti) {
                return self.attach(ti, cid);
            }
        }
        if self.transfers[ti].easy.conn.unix_socket.is_some() {
            return self.connect_unix(ti);
        }
        if self.transfers[ti].addrs.is_empty() {
            return self.resolve(ti);
        }
        if !self.pool.may_open(&self.transfers[ti].pool_key) {
            self.wait_for_slot(ti);
            return Step::Wait;
        }
        // A new connection: its attempts start from the first address (an
        // earlier connection of this transfer, e.g. before a redirect that
        // closed it, used them up).
        let deadline = now.checked_add(self.transfers[ti].easy.connect_timeout);
        self.set_deadline(ti, Kind::Connect, deadline);
        self.connect_next(ti, 0, None)
    }

    /// [`Transfer::set_target`] for transfer `ti`.
    pub(super) fn set_target(&mut self, ti: TransferKey, target: Arc<Dest>) {
        self.transfers[ti].set_target(&self.proxy_env, target);
    }

    /// A response is complete: follow a redirect or end the transfer.
    #[inline(always)]
    pub(super) fn complete(&mut self, ti: TransferKey, reusable: bool) -> Step {
        let t = &mut self.transfers[ti];
        if std::mem::take(&mut t.auth.resend) {
            return self.resend_for_auth(ti, reusable);
        }
        let Some(next) = t.ex.following.take() else {
            self.finish(ti, Ok(()), reusable);
            return Step::Wait;
        };
        self.follow_redirect(ti, next, reusable)
    }

    /// The complete response asked for a redirect to `next` that the
    /// transfer follows. (Out of line: most responses end the transfer.)
    #[inline(never)]
    fn follow_redirect(&mut self, ti: TransferKey, next: String, reusable: bool) -> Step {
        let t = &mut self.transfers[ti];
        if let Some(max) = t.easy.max_redirs {
            if t.easy.info.redirect_count >= max {
                self.finish(
                    ti,
                    Err(Error::new(
                        ErrorCode::TooManyRedirects,
                        Detail::TooManyRedirects { max },
                    )),
                    reusable,
                );
                return Step::Wait;
            }
        }
        let status = t.easy.info.response_code;
        if xfer::redirect_to_get(&t.easy, status, &t.method) {
            t.method = Method::Get;
            t.easy.info.effective_method = Some("GET".to_owned());
        } else if !matches!(t.method, Method::Get) {
            // The body goes again (307/308, or 301/302 of a non-POST).
            if let Err(e) = self.rewind_upload(ti) {
                self.finish(ti, Err(e), reusable);
                return Step::Wait;
            }
        }
        let t = &mut self.transfers[ti];
        t.easy.info.redirect_count += 1;
        if let Some(start) = t.started {
            t.easy.info.redirect_time = self.now.saturating_duration_since(start);
        }
        t.easy.with_header_log(HeaderLog::next_request);
        tracing::debug!(transfer = %ti, %next, "following redirect");
        t.easy
            .trace_text(|| format!("Issue another request to this URL: '{next}'"));
        let tag = t.easy.tls_tag();
        // (A redirect's target is not cached: whether it is direct is moot.)
        let target = Dest::redirect(next, tag)
            .and_then(|d| hsts_step(&mut t.easy, d, tag, &mut true))
            .and_then(|d| xfer::check_redirect_scheme(&t.easy, &d).map(|()| d));
        let target = match target {
            Ok(target) => target,
            Err(e) => {
                self.finish(ti, Err(e), reusable);
                return Step::Wait;
            }
        };
        let t = &mut self.transfers[ti];
        let from = t.target().url.clone();
        xfer::auto_referer(&mut t.easy, &from);
        t.phase = Phase::Init;
        t.retried = false;
        if let Some(cid) = t.conn.take() {
            self.release_conn(cid, reusable);
        }
        self.set_target(ti, target);
        Step::Continue
    }

    /// The response asked for authentication the transfer can give: the
    /// same request goes again (its streamed body rewound), without
    /// counting as a redirect.
    fn resend_for_auth(&mut self, ti: TransferKey, reusable: bool) -> Step {
        let t = &mut self.transfers[ti];
        if !matches!(t.method, Method::Get | Method::Head) {
            if let Err(e) = self.rewind_upload(ti) {
                self.finish(ti, Err(e), reusable);
                return Step::Wait;
            }
        }
        let t = &mut self.transfers[ti];
        let url = t.target().url.as_str().to_owned();
        t.easy
            .trace_text(|| format!("Issue another request to this URL: '{url}'"));
        t.phase = Phase::Init;
        t.retried = false;
        t.easy.info.size_upload = 0;
        if let Some(cid) = t.conn.take() {
            self.release_conn(cid, reusable);
        }
        Step::Continue
    }
}

impl Transfer {
    /// Points the transfer at a (new) target; known addresses are dropped
    /// when the origin changes. `proxy_env` is the multi's reading of the
    /// proxy variables. (Inline: once per start, with the row at hand.)
    #[inline(always)]
    pub(super) fn set_target(&mut self, proxy_env: &crate::proxy::ProxyEnv, target: Arc<Dest>) {
        let t = self;
        // No connection option, Alt-Svc, route or proxy (the usual
        // transfer): the pool key is the origin alone, with no parts to
        // work out, compare and drop (issue 13).
        let plain = t.easy.conn.is_unset()
            && !(target.https && t.easy.altsvc.is_some())
            && t.route.is_none()
            && t.proxy_free(proxy_env, &target);
        if plain {
            if t.pool_key != target.origin {
                t.addrs.clear();
                t.pool_key.clear();
                t.pool_key.push_str(&target.origin);
            }
        } else {
            t.set_pool_key(proxy_env, &target);
        }
        let shown = target.shown.as_deref().unwrap_or(target.url.as_str());
        let state = &mut *t.easy;
        crate::transfer_info::set_str(
            &mut state.info.effective_url,
            &mut state.spare.effective_url,
            shown,
        );
        t.seen_https |= target.https;
        if t.first.is_none() {
            t.first = Some(target.clone());
        }
        t.target = Some(target);
    }

    /// [`Transfer::set_target`]'s route and pool key when a connection
    /// option, Alt-Svc, a route or a proxy may add to the key.
    #[inline(never)]
    fn set_pool_key(&mut self, proxy_env: &crate::proxy::ProxyEnv, target: &Dest) {
        let t = self;
        // (An unset group routes nothing and adds nothing to the key.)
        let conn_set = !t.easy.conn.is_unset();
        let route = conn_set.then(|| t.easy.conn.route(&target.host, target.port));
        let route = route.flatten().or_else(|| {
            // Alt-Svc: only https, only without a CONNECT_TO route.
            (target.https && t.easy.altsvc.is_some())
                .then(|| crate::altsvc::route(&mut t.easy, &target.host, target.port))
                .flatten()
        });
        // The pool key is the origin plus what the connection options and a
        // proxy add (usually nothing): rebuilt only when it changes.
        let via = t.choose_proxy(proxy_env, target);
        let suffix = if conn_set || route.is_some() {
            t.easy.conn.key_suffix(route.as_ref())
        } else {
            String::new()
        };
        let origin = target.origin.as_str();
        let same_key = t.pool_key.len() == origin.len() + suffix.len() + via.len()
            && t.pool_key.starts_with(origin)
            && t.pool_key[origin.len()..].starts_with(suffix.as_str())
            && t.pool_key.ends_with(via.as_str());
        if !same_key || route.as_ref() != t.route.as_deref() {
            t.addrs.clear();
        }
        if !same_key {
            // (Empty parts are not appended: each append is a copy call.)
            t.pool_key.clear();
            t.pool_key.push_str(&target.origin);
            if !suffix.is_empty() {
                t.pool_key.push_str(&suffix);
            }
            if !via.is_empty() {
                t.pool_key.push_str(&via);
            }
        }
        if route.is_some() || t.route.is_some() {
            t.route = route.map(Box::new);
        }
    }
}

/// The first start of transfer `t` (not of each redirect) at `now`: its
/// total deadline, and its RESOLVE and CONNECT_TO lists checked. `Ok(true)`
/// when its RESOLVE list is to be loaded into the multi. (Inline: once
/// per transfer, its own frame cost more than the lookups it saves.)
#[inline(always)]
fn begin_transfer(t: &mut Transfer, now: Moment) -> Result<bool, Error> {
    t.started = Some(now);
    t.easy.clear_header_log();
    // Upstream reads the HSTS callback's entries before each transfer
    // (only with one set: no call without).
    if t.easy.hooks.get().is_some_and(|h| h.hsts_read.is_some()) {
        t.easy.pull_hsts()?;
    }
    if let Some(limit) = t.easy.timeout {
        let at = now.checked_add(limit);
        t.deadlines.set(Kind::Total, at);
    }
    let conn = &t.easy.conn;
    if conn.is_unset() || (conn.resolve.is_empty() && conn.connect_to.is_empty()) {
        return Ok(false);
    }
    conn.check()?;
    Ok(true)
}

/// The target of a transfer `t` that has none yet: the handle's URL (its
/// cached parse when there is one), upgraded by HSTS, its scheme allowed.
/// The handle's cache is updated. (Inline: once per transfer.)
#[inline(always)]
fn first_target(t: &mut Transfer) -> Result<Arc<Dest>, Error> {
    t.method.check()?;
    let tag = t.easy.tls_tag();
    // An HSTS upgrade is not the URL's own parse: not cached.
    let mut direct = true;
    let target = match (&t.easy.url, &t.easy.target_cache) {
        (None, _) => Err(Error::new(ErrorCode::UrlMalformat, "No URL set")),
        // (Setting the URL drops the cached target: no compare. The cached
        // target itself is taken, so the cache stays as it is: storing it
        // again is an atomic increment and decrement for nothing.)
        (Some(raw), Some(cached)) if cached.cached_for(raw, tag) => {
            let d = cached.clone();
            return xfer::check_first_scheme(&t.easy, &d).map(|()| d);
        }
        (Some(raw), _) => Dest::parse_shared(raw, tag, t.easy.seldom.default_protocol.as_deref())
            .and_then(|d| hsts_step(&mut t.easy, d, tag, &mut direct))
            .and_then(|d| d.with_port(t.easy.conn.port)),
    };
    let target = target.and_then(|d| xfer::check_first_scheme(&t.easy, &d).map(|()| d))?;
    t.easy.target_cache = direct.then(|| target.clone());
    Ok(target)
}

/// The OS error number behind a failure, if an I/O error is in its chain
/// (FETCHINFO_OS_ERRNO).
fn os_errno(e: &Error) -> Option<i32> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(errno) = c
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error)
        {
            return Some(errno);
        }
        cause = c.source();
    }
    None
}

/// `d`, or its https form when the transfer's HSTS cache says so (traced
/// in upstream's words).
/// (`direct` is cleared when the target is upgraded.)
fn hsts_step(
    easy: &mut Easy,
    d: Arc<Dest>,
    tag: u64,
    direct: &mut bool,
) -> Result<Arc<Dest>, Error> {
    match crate::hsts::upgrade(easy, &d, tag) {
        None => Ok(d),
        Some(up) => {
            *direct = false;
            let up = up?;
            easy.trace_text(|| format!("Switched from HTTP to HTTPS due to HSTS => {}\n", up.url));
            Ok(up)
        }
    }
}
