//! The multi engine: transfers, connections, the socket table, the deadline
//! queue and the message queue, driven by `socket_action`.
//!
//! Two places talk to the application about readiness and time:
//! [`Multi::report`] is the only caller of the socket callback (SF rules) and
//! [`Multi::reconcile_timer`] the only caller of the timer callback (TF
//! rules). State machines only say what they want.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Type};

use crate::clock::{Clock, Moment};
use crate::dest::Dest;
use crate::easy::{
    Body, Easy, Flow, InfoType, Method, ReadResult, SeekResult, SockOpt, TransferInfo,
};
use crate::error::{Error, ErrorCode, MultiError};
use crate::failure::Detail;
use crate::faults::{self, Op};
use crate::http::{self, BodyFraming, Decoded, RequestParts, ResponseDecoder};
use crate::resolve::Resolver;
use crate::socket::{
    Events, Interest, Owner, Socket, SocketContext, SocketEvent, SocketTable, Target, WANT_READ,
    WANT_WRITE,
};
use crate::tls::{self, SockIo, TlsOptions};

mod body;
mod conn;
mod connect;
mod control;
mod deadlines;
mod eyeballs;
mod h2conn;
mod h2head;
mod h2push;
mod h2upgrade;
mod h2xfer;
mod ids;
mod names;
mod pool;
mod proxied;
mod report;
mod request;
mod response;
mod sharepool;
mod sockets;
mod ticks;
mod transfer;
mod xfer;

pub(crate) use conn::ParkedConn;
use conn::{Conn, ConnState, Wire, flush_tls};
pub use control::Pause;
use control::{Marks, Rates};
use deadlines::DeadlineQueue;
pub use h2push::{PushAction, PushPromise};
use ids::Table;
pub(crate) use ids::{ConnKey, TransferKey};
use pool::Pool;
use transfer::{Exchange, Expect, Kind, Phase, Step, Transfer};

/// Names one transfer added to a [`Multi`]. Stale ids (of removed transfers)
/// are detected, never confused with newer transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId {
    key: TransferKey,
    generation: u32,
}

impl TransferId {
    /// A number unique among the transfers currently added, for logs.
    pub fn index(self) -> usize {
        self.key.slot()
    }
}

/// A FETCHMSG_DONE message: a transfer ended (IR-03).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The transfer that ended.
    pub transfer: TransferId,
    /// Its outcome: `Ok` is FETCHE_OK.
    pub result: Result<(), Error>,
}

/// A socket or timer callback's way to say "fail" (upstream: return -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Abort;

/// [`Multi::add`] failed; the transfer is handed back untouched.
#[derive(Debug)]
pub struct AddError {
    /// Why.
    pub error: MultiError,
    /// The transfer that was not added.
    pub easy: Box<Easy>,
}

impl std::fmt::Display for AddError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the transfer was not added: {}", self.error)
    }
}

impl std::error::Error for AddError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

type SocketFn = Box<dyn FnMut(&mut SocketContext<'_>, SocketEvent) -> Result<(), Abort> + Send>;
type TimerFn = Box<dyn FnMut(Option<Duration>) -> Result<(), Abort> + Send>;
type ObserverFn = Box<dyn FnMut(Socket, Interest) + Send>;

/// MSG_NOSIGNAL: a write to a closed peer must not raise SIGPIPE in a C host
/// program (Apple systems get SO_NOSIGPIPE from socket2 instead).
#[cfg(any(target_os = "linux", target_os = "android"))]
const SEND_FLAGS: i32 = libc::MSG_NOSIGNAL;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const SEND_FLAGS: i32 = 0;

/// A multi handle: runs many transfers at once, driven by the application's
/// event loop through [`Multi::socket_action`].
///
/// Calls into the multi from its own callbacks are impossible in Rust (the
/// borrow checker refuses them), which is this API's form of CB-01's
/// FETCHM_RECURSIVE_API_CALL; `assign` is offered inside the socket callback
/// through [`SocketContext`].
pub struct Multi {
    clock: Clock,
    now: Moment,
    transfers: Table<TransferKey, Transfer>,
    next_generation: u32,
    running: usize,
    conns: Table<ConnKey, Conn>,
    pool: Pool,
    sockets: SocketTable,
    deadlines: DeadlineQueue,
    announced_timer: Option<Moment>,
    /// The timer callback was told 0 and the TIMEOUT call has not come:
    /// the socket calls made since (see `run_timers_after_socket`).
    timeout_owed: Option<usize>,
    /// Sockets of connections gone idle whose REMOVE waits for the end of
    /// the next call, or for that TIMEOUT call (`reconcile_sockets`), out
    /// of the dirty list until the hold ends; may name sockets a transfer
    /// took meanwhile.
    held: Vec<Socket>,
    /// This call is a `socket_action` or `socket_all` (not an add, a
    /// remove, a pause): it ends the hold of sockets held since an earlier
    /// call (`reconcile_sockets`).
    driving: bool,
    msgs: VecDeque<Message>,
    socket_cb: Option<SocketFn>,
    timer_cb: Option<TimerFn>,
    observer: Option<ObserverFn>,
    resolver: Option<Resolver>,
    /// Names pinned by FETCHOPT_RESOLVE entries.
    dns_pins: rustc_hash::FxHashMap<(String, u16), names::Pin>,
    /// The happy-eyeballs races of the transfers connecting to a name of
    /// both IP families (`eyeballs`): few at a time, none usually.
    races: Vec<(TransferKey, eyeballs::Race)>,
    rbuf: Vec<u8>,
    /// The buffer decoded body pieces are made in, shared like `rbuf`.
    piece: Vec<u8>,
    /// Reused for every read-callback call.
    ubuf: Vec<u8>,
    /// rustls configurations by TLS pool tag (cached per options; this is
    /// what gives session resumption across connections).
    tls_configs: rustc_hash::FxHashMap<u64, (TlsOptions, Arc<rustls::ClientConfig>)>,
    /// HTTP/2 sessions of shared connections.
    h2: h2conn::Sessions,
    /// A response head whose reader is done: the next HTTP/1.1 head is
    /// made in its allocations (one per multi, whatever the transfers).
    head_spare: Option<Box<http::ResponseHead>>,
    /// The proxy environment variables, read when a transfer is added to
    /// a multi that has none (see [`Multi::add`]).
    proxy_env: crate::proxy::ProxyEnv,
    cb_failed: bool,
    dead: bool,
}

impl Default for Multi {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Multi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Multi")
            .field("transfers", &self.transfers.len())
            .field("running", &self.running)
            .field("connections", &self.conns.len())
            .finish_non_exhaustive()
    }
}

impl Multi {
    /// A new multi handle on the real clock (`fetch_multi_init`).
    pub fn new() -> Self {
        Self::with_clock(Clock::real())
    }

    /// A new multi handle reading time from `clock`.
    pub fn with_clock(clock: Clock) -> Self {
        let now = clock.moment();
        Self {
            clock,
            now,
            transfers: Table::default(),
            next_generation: 1,
            running: 0,
            conns: Table::default(),
            pool: Pool::default(),
            sockets: SocketTable::default(),
            deadlines: DeadlineQueue::default(),
            announced_timer: None,
            timeout_owed: None,
            held: Vec::new(),
            driving: false,
            msgs: VecDeque::new(),
            socket_cb: None,
            timer_cb: None,
            observer: None,
            resolver: None,
            dns_pins: rustc_hash::FxHashMap::default(),
            races: Vec::new(),
            rbuf: Vec::new(),
            piece: Vec::new(),
            ubuf: Vec::new(),
            tls_configs: rustc_hash::FxHashMap::default(),
            h2: h2conn::Sessions::default(),
            head_spare: None,
            proxy_env: crate::proxy::ProxyEnv::default(),
            cb_failed: false,
            dead: false,
        }
    }

    /// Sets the socket callback (FETCHMOPT_SOCKETFUNCTION). It is called
    /// only when a socket's interest changes (SA-05), and with REMOVE before
    /// the engine closes a socket it announced (SF-03).
    pub fn set_socket_function<F>(&mut self, f: F)
    where
        F: FnMut(&mut SocketContext<'_>, SocketEvent) -> Result<(), Abort> + Send + 'static,
    {
        self.socket_cb = Some(Box::new(f));
    }

    /// Removes the socket callback (SF-09: with none set, nothing is called).
    pub fn clear_socket_function(&mut self) {
        self.socket_cb = None;
    }

    /// Sets the timer callback (FETCHMOPT_TIMERFUNCTION): `None` means delete
    /// the timer, `Some(d)` (zero included) means call
    /// `socket_action(Target::Timeout)` after `d`. Called only when the
    /// earliest deadline moves (TF-03).
    pub fn set_timer_function<F>(&mut self, f: F)
    where
        F: FnMut(Option<Duration>) -> Result<(), Abort> + Send + 'static,
    {
        self.timer_cb = Some(Box::new(f));
        self.timeout_owed = None;
    }

    /// Removes the timer callback.
    pub fn clear_timer_function(&mut self) {
        self.timer_cb = None;
        self.timeout_owed = None;
    }

    /// Sets a second, internal listener for interest changes, called right
    /// before the socket callback with the same information. The built-in
    /// loop (fetch-poll) uses it so the user's callback still fires as
    /// documented.
    pub fn set_socket_observer<F>(&mut self, f: F)
    where
        F: FnMut(Socket, Interest) + Send + 'static,
    {
        self.observer = Some(Box::new(f));
    }

    /// Removes the internal interest listener.
    pub fn clear_socket_observer(&mut self) {
        self.observer = None;
    }

    /// FETCHMOPT_MAXCONNECTS: the most idle connections kept; `None` restores
    /// the default of 4 × the number of added transfers (OPT-03).
    pub fn set_max_connects(&mut self, max: Option<usize>) {
        self.pool.set_max_connects(max);
    }

    /// FETCHMOPT_MAX_HOST_CONNECTIONS: 0 is unlimited (OPT-04).
    pub fn set_max_host_connections(&mut self, max: usize) {
        self.pool.set_max_host(max);
    }

    /// FETCHMOPT_MAX_TOTAL_CONNECTIONS: 0 is unlimited (OPT-05).
    pub fn set_max_total_connections(&mut self, max: usize) {
        self.pool.set_max_total(max);
    }

    /// The clock this multi reads.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Adds a transfer (`fetch_multi_add_handle`). No I/O happens here
    /// (HM-02); the timer callback is asked for a 0 ms timeout (TF-04).
    ///
    /// A multi that has no transfers reads the proxy environment variables
    /// (`http_proxy`, `https_proxy`, `all_proxy`, `no_proxy` and their
    /// upper-case forms) here; transfers added while others are in it use
    /// that reading, so a variable changed meanwhile applies once the
    /// multi's transfers have all been removed.
    ///
    /// The clock is not read: the kick is due at the last call's time
    /// (already past, so it is due at once, and the timer callback is told
    /// 0 as with a fresh reading); the transfer's own times start when it
    /// starts, in the call that runs the kick (decisions.md, "Add and
    /// remove keep the last call's time").
    pub fn add(&mut self, easy: Easy) -> Result<TransferId, AddError> {
        if self.dead {
            return Err(AddError {
                error: MultiError::AbortedByCallback,
                easy: Box::new(easy),
            });
        }
        if self.transfers.is_empty() {
            self.proxy_env = crate::proxy::ProxyEnv::read();
        }
        let now = self.now;
        // A new transfer has no other deadline: the kick is its earliest.
        // (Set in the row as it is built, and the id made from the
        // generation it was given: two table lookups fewer, issue 13.)
        let mut deadlines = ticks::Deadlines::NONE;
        deadlines.set(Kind::Kick, Some(now));
        let id = self.insert_transfer(easy, deadlines);
        let ti = id.key;
        self.deadlines.push_kick(ti, now);
        self.reconcile_timer();
        if self.cb_failed {
            // TF-06: the add is rolled back, everything else is aborted.
            self.deadlines.set(ti, None, self.now);
            let t = self.transfers.remove(ti);
            self.running -= 1;
            self.abort_all();
            return Err(AddError {
                error: MultiError::AbortedByCallback,
                easy: Box::new(t.easy),
            });
        }
        tracing::debug!(transfer = %ti, "added");
        Ok(id)
    }

    /// A new transfer in the table, counted as running, with `deadlines`
    /// in its row (not yet in the queue): `add`'s kick, or none for a
    /// pushed stream the application accepted. Its id.
    #[inline(always)]
    fn insert_transfer(&mut self, easy: Easy, deadlines: ticks::Deadlines) -> TransferId {
        // Each run starts afresh: info and a collected body belong to one
        // transfer, as upstream resets them per transfer.
        let mut easy = easy;
        let state = &mut *easy;
        // The method's name is set again below: its buffer stays in place
        // (usually the same text, so nothing is written).
        let method = state.info.effective_method.take();
        state.info.recycle(&mut state.spare);
        state.info.effective_method = method;
        state.sink.clear();
        state.info.referer = state.xfer.referer.clone();
        // (A standard method compared with its literal name costs no
        // memcmp call; the usual case, the same method again, ends here.)
        let same = matches!(
            (&state.method, state.info.effective_method.as_deref()),
            (Method::Get, Some("GET"))
                | (Method::Head, Some("HEAD"))
                | (Method::Post, Some("POST"))
                | (Method::Put, Some("PUT"))
        );
        if !same {
            crate::transfer_info::set_str(
                &mut state.info.effective_method,
                &mut state.spare.effective_method,
                state.method.as_str(),
            );
        }
        easy.restart_mime_body();
        // The handle's last pool key buffer: set_target fills it.
        let mut pool_key = std::mem::take(&mut easy.spare.pool_key);
        pool_key.clear();
        let generation = self.next_generation;
        self.next_generation = self.next_generation.wrapping_add(1).max(1);
        let method = easy.method.clone();
        let head = method == Method::Head;
        let ti = self.transfers.insert(Transfer {
            easy,
            generation,
            phase: Phase::Init,
            conn: None,
            target: None,
            method,
            addrs: Vec::new(),
            deadlines,
            started: None,
            decoder: ResponseDecoder::new(head),
            retried: false,
            ex: Exchange::default(),
            paused_recv: false,
            paused_send: false,
            held: Box::default(),
            body_out: body::BodyOut::Plain,
            delivered: 0,
            marks: Marks::default(),
            rates: Rates::default(),
            first: None,
            seen_https: false,
            route: None,
            pool_key,
            auth: Default::default(),
            px: Default::default(),
        });
        self.running += 1;
        TransferId {
            key: ti,
            generation,
        }
    }

    #[inline]
    fn index_of(&self, id: TransferId) -> Option<TransferKey> {
        let ti = id.key;
        (self.transfers.get(ti)?.generation == id.generation).then_some(ti)
    }

    /// Removes a transfer (`fetch_multi_remove_handle`), finished or not,
    /// and hands it back. An unfinished one is stopped and produces no
    /// message (HM-07); an unread message of it is dropped (IR-06).
    ///
    /// Removing an ended transfer whose times are settled reads no clock:
    /// it has no deadline left, so the timer stays as announced, and
    /// nothing else here is timed.
    pub fn remove(&mut self, id: TransferId) -> Result<Easy, MultiError> {
        let ti = self.index_of(id).ok_or(MultiError::BadEasyHandle)?;
        let t = &self.transfers[ti];
        let done = t.phase.is_done();
        if !done || (t.easy.info.total_time.is_zero() && t.started.is_some()) {
            self.begin();
        }
        if !done {
            self.running -= 1;
            // On a shared connection only the stream is reset.
            self.h2_detach(ti);
            if !self.races.is_empty() {
                self.drop_race(ti);
            }
            if let Some(cid) = self.transfers[ti].conn.take() {
                self.close_conn(cid);
            }
        }
        self.deadlines.set(ti, None, self.now);
        let mut t = self.transfers.remove(ti);
        t.easy.spare.pool_key = std::mem::take(&mut t.pool_key);
        if matches!(t.phase, Phase::Done { msg_queued: true }) {
            // IR-06: an unread message goes with its transfer.
            self.msgs.retain(|m| m.transfer != id);
        }
        if self.transfers.is_empty() {
            self.dead = false;
        }
        if t.easy.info.total_time.is_zero() {
            if let Some(start) = t.started {
                t.easy.info.total_time = self.now.saturating_duration_since(start);
            }
        }
        if done && self.settled() {
            // An ended transfer held no connection and no deadline: with
            // nothing left to report, no callback is called (the usual
            // case; `finish_call` would find the same).
            return Ok(t.easy);
        }
        // Callbacks may fire here (closing a connection); a failure in
        // one aborts the rest, but this transfer is handed back regardless.
        let _ = self.finish_call();
        Ok(t.easy)
    }

    /// The transfer behind an id, while it is added. (Inline: the C
    /// ABI's getinfo reads through it three times per transfer.)
    #[inline]
    pub fn transfer(&self, id: TransferId) -> Option<&Easy> {
        self.index_of(id).map(|ti| &self.transfers[ti].easy)
    }

    /// Mutable access to an added transfer's configuration. Changes to the
    /// URL or method take effect only for transfers not yet started.
    pub fn transfer_mut(&mut self, id: TransferId) -> Option<&mut Easy> {
        let ti = self.index_of(id)?;
        Some(&mut self.transfers[ti].easy)
    }

    /// The added transfers, in no particular order (HM-11).
    pub fn transfer_ids(&self) -> Vec<TransferId> {
        self.transfers.iter().map(|(ti, t)| t.id(ti)).collect()
    }

    /// How many added transfers have not ended (SA-03).
    pub fn running(&self) -> usize {
        self.running
    }

    /// The sockets currently announced to the application and what each is
    /// watched for (for fdset/waitfds and the built-in loop).
    pub fn sockets(&self) -> impl Iterator<Item = (Socket, Interest)> + '_ {
        self.sockets.announced()
    }

    /// How many sockets are currently announced.
    pub fn socket_count(&self) -> usize {
        self.sockets.announced_count()
    }

    /// `fetch_multi_assign`: attach a value to an announced socket (AS-01);
    /// unknown or removed sockets give BadSocket (AS-02).
    pub fn assign(&mut self, socket: Socket, value: Option<usize>) -> Result<(), MultiError> {
        self.sockets.assign(socket, value)
    }

    /// `fetch_multi_info_read`: the next finished transfer's message and how
    /// many remain queued after it (IR-01, IR-02). (Inline: the C ABI
    /// drains the queue after every call that finished a transfer.)
    #[inline]
    pub fn info_read(&mut self) -> Option<(Message, usize)> {
        let m = self.msgs.pop_front()?;
        if let Some(t) = self.transfers.get_mut(m.transfer.key) {
            if let (true, Phase::Done { msg_queued }) =
                (t.generation == m.transfer.generation, &mut t.phase)
            {
                *msg_queued = false;
            }
        }
        Some((m, self.msgs.len()))
    }

    /// How many messages [`Multi::info_read`] has waiting (IR-02's count,
    /// without taking one): lets a caller that drains them after every
    /// call skip the empty case cheaply.
    #[inline]
    pub fn messages_queued(&self) -> usize {
        self.msgs.len()
    }

    /// `fetch_multi_timeout`: how long the application may wait before it
    /// must call `socket_action(Target::Timeout)`; `None` is "no timeout"
    /// (TO-01). Agrees with the timer callback (TO-05).
    pub fn timeout(&mut self) -> Option<Duration> {
        let now = self.clock.moment();
        self.earliest().map(|at| at.saturating_duration_since(now))
    }

    /// `fetch_multi_socket_action`: act on `target` with the observed
    /// `events` (empty: find out), run expired timers, and return the number
    /// of running transfers (SA-01..SA-08). An unknown socket is ignored
    /// (SA-08). Transfer failures are reported through [`Multi::info_read`],
    /// not here (SA-06).
    ///
    /// Transfers due to start or go on at once (added, resumed) that the
    /// timer callback announced with 0 are left for the
    /// `Target::Timeout` call it asked for, for at most one round of
    /// socket calls (as many as there are sockets announced); expired
    /// timeouts run on every call.
    pub fn socket_action(&mut self, target: Target, events: Events) -> Result<usize, MultiError> {
        self.begin();
        self.driving = true;
        match target {
            Target::Socket(fd) => {
                self.socket_event(fd, events);
                self.run_timers_after_socket();
            }
            Target::Timeout => {
                self.forget_fired_timer();
                self.run_timers();
            }
        }
        self.end_call()
    }

    /// `fetch_multi_socket_all` / `fetch_multi_perform`: check every socket
    /// and run due timers. Costs O(sockets); event loops should use
    /// [`Multi::socket_action`] (SA-10).
    pub fn socket_all(&mut self) -> Result<usize, MultiError> {
        self.begin();
        self.driving = true;
        let fds: Vec<Socket> = self.sockets.announced().map(|(fd, _)| fd).collect();
        for fd in fds {
            self.socket_event(fd, Events::NONE);
        }
        self.run_timers();
        self.finish_call()
    }

    fn begin(&mut self) {
        self.now = self.clock.moment();
    }

    #[inline(always)]
    fn socket_event(&mut self, fd: Socket, events: Events) {
        let Some(entry) = self.sockets.get(fd) else {
            tracing::trace!(fd, "socket_action on an unknown socket: ignored");
            return;
        };
        match entry.owner {
            Owner::Resolver => self.resolver_event(),
            Owner::Conn(cid) => match self.conns[cid].state {
                ConnState::Busy(ti) => self.drive(ti, events),
                ConnState::Idle => self.idle_event(cid),
                ConnState::Shared => self.h2_event(cid, events),
            },
        }
    }

    /// `finish_call` would do nothing: no connection freed for a pending
    /// transfer, no interest change to report, no held socket whose hold
    /// ends, no callback failure, and the timer as announced.
    fn settled(&self) -> bool {
        !self.pool.has_freed()
            && !self.sockets.has_dirty()
            && !self.driving
            && (self.held.is_empty() || self.running > 0)
            && !self.cb_failed
            && self.earliest() == self.announced_timer
    }

    fn finish_call(&mut self) -> Result<usize, MultiError> {
        self.end_call()
    }

    /// [`Multi::finish_call`]'s work, inline into `socket_action` (about
    /// one call per transfer; its own frame cost about 15 instructions).
    #[inline(always)]
    fn end_call(&mut self) -> Result<usize, MultiError> {
        if self.pool.has_freed() {
            self.start_pending();
        }
        self.reconcile_sockets();
        if !self.cb_failed {
            self.reconcile_timer();
        }
        if self.cb_failed {
            self.abort_all();
            return Err(MultiError::AbortedByCallback);
        }
        Ok(self.running)
    }

    /// SF-05/SF-06/TF-06: a callback returned failure. Every running transfer
    /// ends with FETCHE_ABORTED_BY_CALLBACK and the multi refuses new ones
    /// until the old ones are removed.
    fn abort_all(&mut self) {
        self.cb_failed = false;
        self.dead = true;
        let running: Vec<TransferKey> = self
            .transfers
            .iter()
            .filter(|(_, t)| !t.phase.is_done())
            .map(|(ti, _)| ti)
            .collect();
        for ti in running {
            self.fail(
                ti,
                Error::new(
                    ErrorCode::AbortedByCallback,
                    "the socket or timer callback returned an error",
                ),
            );
        }
        self.reconcile_sockets();
        self.cb_failed = false;
    }

    // ---- interest and timer reconciliation: the only callback call sites ----

    // ---- deadlines ----

    // ---- transfer state machine ----

    // ---- connections ----
}

impl Drop for Multi {
    /// `fetch_multi_cleanup`: every socket still announced gets REMOVE before
    /// it is closed (SF-07, HM-09). Added transfers are dropped with it.
    fn drop(&mut self) {
        self.h2_close_all();
        let cids: Vec<ConnKey> = self.conns.keys().collect();
        for cid in cids {
            self.close_conn(cid);
        }
        if let Some(fd) = self.resolver.as_ref().map(Resolver::fd) {
            if self.sockets.get(fd).is_some_and(|e| e.reported != 0) {
                self.report(fd, Interest::Remove);
            }
            self.sockets.remove(fd);
        }
    }
}

/// Issue 13's budget: what every live transfer and connection costs in the
/// multi's slot tables (RSS per connection at 10,000 connections). A new
/// field that is big and rarely used belongs in a box or a rare group.
#[cfg(all(test, target_pointer_width = "64"))]
mod budget {
    #[test]
    fn transfer_and_connection_slots_stay_small() {
        let transfer = size_of::<super::Transfer>();
        assert!(transfer <= 536, "Transfer is {transfer} bytes (budget 536)");
        let conn = size_of::<super::conn::Conn>();
        assert!(conn <= 216, "Conn is {conn} bytes (budget 216)");
        // Milestones as 8-byte ticks, not 16-byte
        // Option<Instant>s.
        let marks = size_of::<super::control::Marks>();
        assert!(marks <= 40, "Marks is {marks} bytes (budget 40)");
    }
}
