//! HTTP/2 connections in the engine: one socket, many transfers.
//!
//! A connection that speaks HTTP/2 (ALPN `h2`, or prior knowledge on
//! cleartext) becomes [`ConnState::Shared`]: its session
//! ([`crate::h2::Connection`]) lives in [`Sessions`], keyed by connection,
//! with one [`Slot`] per stream naming the transfer it serves. Transfers on
//! it keep `conn: None`, so the HTTP/1.1 paths never touch the shared
//! socket; the hooks elsewhere are `h2_find` (reuse), `h2_start`
//! (negotiated), `h2_drive` (a transfer's turn), `h2_detach` (a transfer
//! ends or is removed) and `h2_event` (the socket is ready).
//!
//! The socket_action contract: the shared socket's interest is the union
//! of what its streams need (always IN while a stream is open, OUT while
//! frames wait to be written), set in one place (`h2_interest`), and it is
//! REMOVEd only when no stream uses it. Removing one transfer resets only
//! its stream.

use rustc_hash::FxHashMap;

use super::*;
use crate::h2::{self, Reason, Recv};

/// A request body being sent on a stream.
pub(super) enum Upload {
    /// Nothing (left) to send; END_STREAM went out.
    Done,
    /// `Body::Bytes` of the transfer, from this offset.
    Bytes(usize),
    /// The read callback's bytes not yet taken by the windows, and
    /// whether it reported the end.
    Reader { pending: Vec<u8>, eof: bool },
}

/// One stream and the transfer it serves.
pub(super) struct Slot {
    pub(super) ti: TransferKey,
    /// Body bytes received while the transfer was paused, delivered first
    /// on resume; bounded by the stream window we announced.
    pub(super) buffered: Vec<u8>,
    /// Body bytes received and not yet given back to the stream window.
    pub(super) unreleased: usize,
    /// END_STREAM arrived but buffered bytes wait for the application.
    pub(super) ended: bool,
    pub(super) upload: Upload,
}

/// One HTTP/2 connection's session and streams.
pub(super) struct Session {
    pub(super) conn: h2::Connection,
    pub(super) slots: FxHashMap<u32, Slot>,
}

/// Every HTTP/2 session of a multi.
#[derive(Default)]
pub(super) struct Sessions {
    pub(super) by_conn: FxHashMap<ConnKey, Session>,
    /// Transfer index -> (connection, stream).
    pub(super) by_transfer: FxHashMap<TransferKey, (ConnKey, u32)>,
    /// TLS configurations offering `h2`, derived from the cached ones by
    /// TLS pool tag.
    alpn: FxHashMap<u64, (Arc<rustls::ClientConfig>, Arc<rustls::ClientConfig>)>,
    /// Reused for the events of one read.
    events: Vec<Recv>,
    /// PIPEWAIT: transfers (index, generation) waiting for a connection
    /// being set up to become shared.
    pipe_waiters: FxHashMap<ConnKey, Vec<(TransferKey, u32)>>,
    /// FETCHMOPT_PIPELINING's multiplex bit (OPT-08).
    no_multiplex: bool,
    /// FETCHMOPT_MAX_CONCURRENT_STREAMS (OPT-07); 0 means the default.
    max_streams: u32,
    /// FETCHMOPT_PUSHFUNCTION (`h2push.rs`).
    pub(super) push: Option<h2push::PushFn>,
}

/// OPT-07: the default and the fallback for values out of range.
const DEFAULT_MAX_STREAMS: u32 = 100;

impl Sessions {
    /// The configuration to use for a TLS connection: `base` itself, or a
    /// copy that offers `h2` before `http/1.1` in ALPN.
    pub(super) fn alpn_config(
        &mut self,
        tag: u64,
        base: Arc<rustls::ClientConfig>,
        offer_h2: bool,
    ) -> Arc<rustls::ClientConfig> {
        if !offer_h2 {
            return base;
        }
        if let Some((b, with_h2)) = self.alpn.get(&tag) {
            if Arc::ptr_eq(b, &base) {
                return with_h2.clone();
            }
        }
        let mut config = (*base).clone();
        config.alpn_protocols = vec![h2::ALPN_H2.to_vec(), b"http/1.1".to_vec()];
        let config = Arc::new(config);
        self.alpn.insert(tag, (base, config.clone()));
        config
    }
}

/// The error a connection-level failure gives each of its transfers.
fn conn_error(e: &h2::ConnError) -> Error {
    Error::new(ErrorCode::Http2, e.to_string())
}

impl Multi {
    /// FETCHMOPT_PIPELINING: with the multiplex bit (2, the default),
    /// transfers share HTTP/2 connections; without it each transfer has a
    /// connection of its own (OPT-08).
    pub fn set_multiplexing(&mut self, on: bool) {
        self.h2.no_multiplex = !on;
    }

    /// FETCHMOPT_MAX_CONCURRENT_STREAMS: streams per HTTP/2 connection;
    /// values outside 1..=2^31-1 become the default, 100 (OPT-07).
    pub fn set_max_concurrent_streams(&mut self, streams: i64) {
        self.h2.max_streams = match u32::try_from(streams) {
            Ok(n) if (1..=0x7fff_ffff).contains(&n) => n,
            _ => DEFAULT_MAX_STREAMS,
        };
    }

    /// Streams per connection (FETCHMOPT_MAX_CONCURRENT_STREAMS), pushed
    /// ones included.
    pub(super) fn h2_stream_limit(&self) -> u32 {
        match self.h2.max_streams {
            0 => DEFAULT_MAX_STREAMS,
            n => n,
        }
    }

    /// Recomputes the interest of the connection the transfer's stream is
    /// on (a pause or resume changed what it needs).
    pub(super) fn h2_interest_of(&mut self, ti: TransferKey) {
        if let Some(&(cid, _)) = self.h2.by_transfer.get(&ti) {
            self.h2_interest(cid);
        }
    }

    /// Whether the transfer runs on an HTTP/2 stream.
    pub(super) fn on_h2(&self, ti: TransferKey) -> bool {
        !self.h2.by_transfer.is_empty() && self.h2.by_transfer.contains_key(&ti)
    }

    /// One transfer with a stream on the shared connection, named in its
    /// socket callbacks (upstream passes one of the easy handles too).
    pub(super) fn h2_some_transfer(&self, cid: ConnKey) -> Option<TransferId> {
        let s = self.h2.by_conn.get(&cid)?;
        let ti = s.slots.values().map(|slot| slot.ti).min()?;
        self.transfers.get(ti).map(|t| t.id(ti))
    }

    /// A starting transfer's HTTP/2 options: a stream on a shared
    /// connection to its origin, or (PIPEWAIT) a wait for a connection
    /// being set up that may become one. `None`: go the HTTP/1.1 way
    /// (pool, then a new connection).
    pub(super) fn h2_reuse(&mut self, ti: TransferKey) -> Option<Step> {
        if !self.h2.may_share(&self.transfers[ti]) {
            return None;
        }
        if let Some(cid) = self.h2_find(ti) {
            self.h2_attach(ti, cid);
            return Some(Step::Wait);
        }
        self.h2_pipewait(ti).then_some(Step::Wait)
    }

    /// A live HTTP/2 connection to the transfer's origin with room for
    /// one more stream (the same pool key: a proxied connection never
    /// serves a direct transfer).
    fn h2_find(&mut self, ti: TransferKey) -> Option<ConnKey> {
        self.transfers[ti].target.as_ref()?;
        let origin = &self.transfers[ti].pool_key;
        let limit = self.h2_stream_limit() as usize;
        let cid = self.h2.by_conn.iter().find_map(|(&cid, s)| {
            let room = s.conn.can_open().is_ok() && s.slots.len() < limit;
            (self.conns[cid].origin == *origin && room).then_some(cid)
        })?;
        // Whatever the server said while the connection sat idle (a
        // GOAWAY, a close) is read before it takes a new stream.
        self.h2_event(cid, Events::NONE);
        let s = self.h2.by_conn.get(&cid)?;
        s.conn.can_open().is_ok().then_some(cid)
    }

    /// PIPEWAIT: waits for a connection to the same origin that is still
    /// connecting or handshaking for a transfer that may use HTTP/2.
    fn h2_pipewait(&mut self, ti: TransferKey) -> bool {
        let t = &self.transfers[ti];
        let https = t.target().https;
        if !t.easy.pipewait || !t.easy.http_version.allows_h2(https) {
            return false;
        }
        let origin = &t.pool_key;
        let pending = self.conns.iter().find_map(|(cid, c)| {
            let ConnState::Busy(owner) = c.state else {
                return None;
            };
            let o = self.transfers.get(owner)?;
            let setting_up = matches!(
                o.phase,
                Phase::Connecting { .. } | Phase::Handshaking | Phase::ProxyHandshake
            );
            // (An `Upgrade: h2c` offer waits for its answer the same way.)
            let setting_up = setting_up || h2upgrade::upgrade_pending(o);
            (c.origin == *origin && setting_up && o.easy.http_version.allows_h2(https))
                .then_some(cid)
        });
        let Some(cid) = pending else {
            return false;
        };
        let t = &mut self.transfers[ti];
        t.phase = Phase::Pending;
        let waiter = (ti, t.generation);
        self.h2.pipe_waiters.entry(cid).or_default().push(waiter);
        true
    }

    /// The connection PIPEWAIT transfers waited for is settled (shared,
    /// HTTP/1.1 or gone): they start again and find their way from there.
    /// (Inline: without HTTP/2 there are none, and no call or hashing on
    /// that path.)
    #[inline]
    pub(super) fn h2_wake_pipe_waiters(&mut self, cid: ConnKey) {
        if !self.h2.pipe_waiters.is_empty() {
            self.wake_pipe_waiters_of(cid);
        }
    }

    /// [`Multi::h2_wake_pipe_waiters`] when some transfer waits.
    fn wake_pipe_waiters_of(&mut self, cid: ConnKey) {
        let Some(waiters) = self.h2.pipe_waiters.remove(&cid) else {
            return;
        };
        let now = self.now;
        for (ti, generation) in waiters {
            let Some(t) = self.transfers.get_mut(ti) else {
                continue;
            };
            if t.generation == generation && t.phase == Phase::Pending {
                t.phase = Phase::Init;
                self.set_deadline(ti, Kind::Kick, Some(now));
            }
        }
    }

    /// The connection negotiated HTTP/2 (or prior knowledge says it
    /// speaks it): it becomes shared and the transfer its first stream.
    pub(super) fn h2_start(&mut self, ti: TransferKey, cid: ConnKey) -> Step {
        let session = Session {
            conn: h2::Connection::new(self.h2_config()),
            slots: FxHashMap::default(),
        };
        self.h2.by_conn.insert(cid, session);
        self.conns[cid].state = ConnState::Shared;
        self.conns[cid].requests += 1;
        self.transfers[ti].conn = None;
        self.transfers[ti]
            .easy
            .trace_text(|| "using HTTP/2".to_owned());
        self.h2_attach(ti, cid);
        self.h2_wake_pipe_waiters(cid);
        Step::Wait
    }

    /// Opens a stream for the transfer's request on a shared connection.
    pub(super) fn h2_attach(&mut self, ti: TransferKey, cid: ConnKey) {
        // A new exchange: nothing of the previous request's carries over.
        self.transfers[ti].ex = Exchange::default();
        let fields = self.h2_request_fields(ti);
        let refs: Vec<(&[u8], &[u8])> = fields
            .iter()
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
            .collect();
        let t = &mut self.transfers[ti];
        let upload = match &t.easy.body {
            _ if matches!(t.method, Method::Get | Method::Head) => Upload::Done,
            // Digest before its challenge: the body waits for the answer.
            _ if t.auth.probe => Upload::Done,
            Body::None => Upload::Done,
            Body::Bytes(b) if b.is_empty() => Upload::Done,
            Body::Bytes(_) => Upload::Bytes(0),
            Body::Reader { .. } => Upload::Reader {
                pending: Vec::new(),
                eof: false,
            },
        };
        let end_stream = matches!(upload, Upload::Done);
        let session = self.h2.by_conn.get_mut(&cid).expect("shared connection");
        let stream = match session.conn.open_stream(&refs, end_stream) {
            Ok(id) => id,
            Err(e) => {
                let err = Error::new(ErrorCode::Http2, format!("cannot open a stream: {e:?}"));
                self.fail(ti, err);
                return;
            }
        };
        session.slots.insert(
            stream,
            Slot {
                ti,
                buffered: Vec::new(),
                unreleased: 0,
                ended: false,
                upload,
            },
        );
        self.h2.by_transfer.insert(ti, (cid, stream));
        self.trace_request_fields(ti, &fields);
        let t = &mut self.transfers[ti];
        t.phase = Phase::Receiving;
        t.decoder = ResponseDecoder::new(t.method == Method::Head);
        // The info a transfer has over HTTP/1.1: the connection's
        // addresses and socket, the method and scheme.
        request::conn_info(&mut t.easy.info, &self.conns[cid]);
        let https = t.target().https;
        t.easy.info.note_request(t.method.as_str(), https);
        t.ex.upload_done = end_stream;
        self.start_rates(ti);
        self.h2_event(cid, Events::NONE);
    }

    /// The transfer stops using its stream: reset it if it is still open
    /// (removed or failed mid-way). The other streams go on.
    pub(super) fn h2_detach(&mut self, ti: TransferKey) {
        if self.h2.by_transfer.is_empty() {
            return;
        }
        let Some((cid, stream)) = self.h2.by_transfer.remove(&ti) else {
            return;
        };
        if let Some(s) = self.h2.by_conn.get_mut(&cid) {
            s.slots.remove(&stream);
            s.conn.reset(stream, Reason::CANCEL);
        }
        if self.h2_flush(cid) && !self.h2_close_if_spent(cid) {
            self.h2_interest(cid);
        }
    }

    /// A connection that can take no new stream (GOAWAY received) closes
    /// once its last stream is done, instead of lingering unwatched; one
    /// that can becomes idle and counts towards MAXCONNECTS.
    pub(super) fn h2_close_if_spent(&mut self, cid: ConnKey) -> bool {
        let Some(s) = self.h2.by_conn.get(&cid) else {
            return false;
        };
        if !s.slots.is_empty() {
            return false;
        }
        if s.conn.can_open().is_err() {
            self.h2_close(cid);
            return true;
        }
        self.conns[cid].idle_since = self.now;
        self.cap_idle();
        !self.h2.by_conn.contains_key(&cid)
    }

    /// Shared connections no stream uses.
    pub(super) fn h2_idle(&self) -> impl Iterator<Item = ConnKey> + '_ {
        self.h2
            .by_conn
            .iter()
            .filter(|(_, s)| s.slots.is_empty())
            .map(|(&cid, _)| cid)
    }

    /// A transfer's turn on its stream (a kick after resume or a yield):
    /// buffered body bytes first, then the connection's I/O.
    pub(super) fn h2_drive(&mut self, ti: TransferKey) -> Step {
        let Some(&(cid, stream)) = self.h2.by_transfer.get(&ti) else {
            return Step::Wait;
        };
        self.h2_deliver_buffered(cid, stream);
        self.h2_event(cid, Events::NONE);
        Step::Wait
    }

    /// The shared socket is ready (or `events` is empty: find out).
    pub(super) fn h2_event(&mut self, cid: ConnKey, _events: Events) {
        if !self.h2.by_conn.contains_key(&cid) {
            return;
        }
        self.h2_pump_uploads(cid);
        if !self.h2_flush(cid) {
            return;
        }
        if !self.h2_read(cid) {
            return;
        }
        self.h2_pump_uploads(cid);
        if self.h2_flush(cid) {
            self.h2_interest(cid);
        }
    }

    /// Writes what the session queued until done or the socket would
    /// block. `false`: the connection failed and is gone.
    pub(super) fn h2_flush(&mut self, cid: ConnKey) -> bool {
        let (Some(s), Some(conn)) = (self.h2.by_conn.get_mut(&cid), self.conns.get_mut(cid)) else {
            return false;
        };
        while s.conn.wants_write() {
            match conn.send(s.conn.output()) {
                Ok(n) => s.conn.written(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let err = Error::new(ErrorCode::SendError, format!("HTTP/2 send: {e}"));
                    self.h2_fail_conn(cid, &err);
                    return false;
                }
            }
        }
        match conn.flush_records() {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => {
                let err = Error::new(ErrorCode::SendError, format!("TLS send: {e}"));
                self.h2_fail_conn(cid, &err);
                return false;
            }
        }
        true
    }

    /// The union of what the streams need: IN while any stream reads (or
    /// waits for window to upload), OUT while frames wait; nothing
    /// (REMOVE) once no stream uses the connection (SF-03) or every
    /// stream is paused, so paused transfers wake nothing.
    pub(super) fn h2_interest(&mut self, cid: ConnKey) {
        let (Some(s), Some(conn)) = (self.h2.by_conn.get(&cid), self.conns.get(cid)) else {
            return;
        };
        let reads = s.slots.values().any(|slot| {
            let t = &self.transfers[slot.ti];
            let uploading = !matches!(slot.upload, Upload::Done) && !t.paused_send;
            !t.paused_recv || uploading
        });
        let writes = !s.slots.is_empty() && (s.conn.wants_write() || conn.tls_wants_write());
        let bits = match (reads, writes) {
            (true, true) => WANT_READ | WANT_WRITE,
            (true, false) => WANT_READ,
            (false, true) => WANT_WRITE,
            (false, false) => 0,
        };
        self.sockets.want(conn.fd, bits);
    }

    /// Reads until the socket would block, handing each frame's meaning
    /// to its transfer. `false`: the connection is gone.
    fn h2_read(&mut self, cid: ConnKey) -> bool {
        let mut buf = std::mem::take(&mut self.rbuf);
        if buf.len() < response::READ_BUF {
            buf.resize(response::READ_BUF, 0);
        }
        let carry = std::mem::take(&mut self.conns[cid].carry);
        let mut filled = carry.len();
        buf[..filled].copy_from_slice(&carry);
        let mut alive = true;
        let mut reads = 0;
        loop {
            if reads == response::READS_PER_EVENT {
                self.h2_yield(cid);
                break;
            }
            reads += 1;
            let got = match self.conns[cid].recv(&mut buf[filled..]) {
                Ok(0) => None,
                Ok(n) => Some(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let err = Error::new(ErrorCode::RecvError, format!("HTTP/2 recv: {e}"));
                    self.h2_fail_conn(cid, &err);
                    alive = false;
                    break;
                }
            };
            let Some(n) = got else {
                self.h2_eof(cid);
                alive = false;
                break;
            };
            filled += n;
            let Some(used) = self.h2_frames(cid, &buf[..filled]) else {
                alive = false;
                break;
            };
            buf.copy_within(used..filled, 0);
            filled -= used;
            // WINDOW_UPDATEs (and acknowledgements) go out as soon as the
            // read that earned them is handled, not after the whole batch:
            // one read can bring well over a stream's half window.
            if self
                .h2
                .by_conn
                .get(&cid)
                .is_some_and(|s| s.conn.wants_write())
                && !self.h2_flush(cid)
            {
                alive = false;
                break;
            }
        }
        if alive {
            if let Some(conn) = self.conns.get_mut(cid) {
                conn.carry.extend_from_slice(&buf[..filled]);
            }
        }
        self.rbuf = buf;
        alive && self.h2.by_conn.contains_key(&cid)
    }

    /// Feeds whole frames to the session, then hands out their events.
    /// Returns the bytes used; `None` when the connection failed.
    pub(super) fn h2_frames(&mut self, cid: ConnKey, input: &[u8]) -> Option<usize> {
        let mut events = std::mem::take(&mut self.h2.events);
        let Some(s) = self.h2.by_conn.get_mut(&cid) else {
            self.h2.events = events;
            return None;
        };
        let mut pos = 0;
        let mut failure = None;
        loop {
            match s.conn.recv(&input[pos..]) {
                Ok((_, Recv::NeedMore)) => break,
                Ok((n, Recv::Control)) => pos += n,
                Ok((n, ev)) => {
                    events.push(match ev {
                        Recv::Data {
                            stream,
                            data,
                            end_stream,
                        } => Recv::Data {
                            stream,
                            data: data.start + pos..data.end + pos,
                            end_stream,
                        },
                        other => other,
                    });
                    pos += n;
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        for ev in events.drain(..) {
            self.h2_dispatch(cid, ev, input);
        }
        self.h2.events = events;
        if let Some(e) = failure {
            self.h2_flush(cid);
            self.h2_fail_conn(cid, &conn_error(&e));
            return None;
        }
        self.h2.by_conn.contains_key(&cid).then_some(pos)
    }

    /// More may be waiting but other sockets get their turn: a 0 ms kick
    /// on one of the connection's transfers brings the engine back
    /// (edge-triggered loops would not tell it).
    fn h2_yield(&mut self, cid: ConnKey) {
        let ti = self
            .h2
            .by_conn
            .get(&cid)
            .and_then(|s| s.slots.values().next().map(|slot| slot.ti));
        if let Some(ti) = ti {
            let now = self.now;
            self.set_deadline(ti, Kind::Kick, Some(now));
        }
    }

    /// The peer closed the connection.
    fn h2_eof(&mut self, cid: ConnKey) {
        let err = Error::new(
            ErrorCode::Http2,
            "HTTP/2 connection closed by the server before the response ended",
        );
        self.h2_fail_conn(cid, &err);
    }

    /// The connection is over: its transfers fail with `err`, it closes.
    pub(super) fn h2_fail_conn(&mut self, cid: ConnKey, err: &Error) {
        let Some(s) = self.h2.by_conn.get(&cid) else {
            return;
        };
        let tis: Vec<TransferKey> = s.slots.values().map(|slot| slot.ti).collect();
        for ti in tis {
            self.h2.by_transfer.remove(&ti);
            self.fail(ti, Error::new(err.code(), err.detail().to_owned()));
        }
        self.h2_close(cid);
    }

    /// Closes a shared connection (its streams are already dealt with):
    /// a GOAWAY if the socket takes it, then REMOVE and close.
    pub(super) fn h2_close(&mut self, cid: ConnKey) {
        if let Some(s) = self.h2.by_conn.get_mut(&cid) {
            s.conn.close();
        }
        self.h2_flush_quietly(cid);
        if let Some(s) = self.h2.by_conn.remove(&cid) {
            for ti in s.slots.values().map(|slot| slot.ti) {
                self.h2.by_transfer.remove(&ti);
            }
        }
        if self.conns.contains(cid) {
            self.close_conn(cid);
        }
    }

    /// Best effort: a closing connection's last frames.
    fn h2_flush_quietly(&mut self, cid: ConnKey) {
        let (Some(s), Some(conn)) = (self.h2.by_conn.get_mut(&cid), self.conns.get_mut(cid)) else {
            return;
        };
        while s.conn.wants_write() {
            match conn.send(s.conn.output()) {
                Ok(n) => s.conn.written(n),
                Err(_) => break,
            }
        }
    }

    /// Every shared connection says GOAWAY before the multi goes.
    pub(super) fn h2_close_all(&mut self) {
        let cids: Vec<ConnKey> = self.h2.by_conn.keys().copied().collect();
        for cid in cids {
            self.h2_close(cid);
        }
    }
}

impl Sessions {
    /// Whether transfer `t` may look for a stream on a shared HTTP/2
    /// connection (`Multi::h2_reuse`): multiplexing is on, the transfer
    /// has a target, asks for no fresh connection, and its HTTP version
    /// joins HTTP/2 for that target.
    pub(super) fn may_share(&self, t: &Transfer) -> bool {
        let Some(target) = t.target.as_ref() else {
            return false;
        };
        !self.no_multiplex && !t.easy.fresh_connect && t.easy.http_version.joins_h2(target.https)
    }
}
