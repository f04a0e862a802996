//! The multi engine: transfers, connections, the socket table, the deadline
//! queue and the message queue, driven by `socket_action`.
//!
//! Two places talk to the application about readiness and time:
//! [`Multi::report`] is the only caller of the socket callback (SF rules) and
//! [`Multi::reconcile_timer`] the only caller of the timer callback (TF
//! rules). State machines only say what they want.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use slab::Slab;
use socket2::{Domain, Protocol, SockAddr, Type};
use url::Url;

use crate::clock::Clock;
use crate::dest::Dest;
use crate::easy::{Body, Easy, Flow, Method, ReadResult, SeekResult, TransferInfo};
use crate::error::{Error, ErrorCode, MultiError};
use crate::faults::{self, Op};
use crate::http::{self, BodyFraming, Decoded, RequestParts, ResponseDecoder};
use crate::resolve::Resolver;
use crate::socket::{
    Events, Interest, Owner, Socket, SocketContext, SocketEvent, SocketTable, Target, WANT_READ,
    WANT_WRITE,
};
use crate::tls::{self, SockIo, TlsOptions};

mod control;
mod deadlines;

pub use control::Pause;
use control::{Marks, Rates};
use deadlines::DeadlineQueue;

/// Names one transfer added to a [`Multi`]. Stale ids (of removed transfers)
/// are detected, never confused with newer transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId {
    index: u32,
    generation: u32,
}

impl TransferId {
    /// A number unique among the transfers currently added, for logs.
    pub fn index(self) -> usize {
        self.index as usize
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

type SocketFn = Box<dyn FnMut(&mut SocketContext<'_>, SocketEvent) -> Result<(), Abort> + Send>;
type TimerFn = Box<dyn FnMut(Option<Duration>) -> Result<(), Abort> + Send>;
type ObserverFn = Box<dyn FnMut(Socket, Interest) + Send>;

/// Bytes read per `read` call into the multi's shared buffer.
const READ_BUF: usize = 256 * 1024;
/// Reads per readiness event before yielding to other sockets; the engine
/// then schedules itself with a 0 ms timer (edge-trigger safety).
const READS_PER_EVENT: usize = 16;
/// Upload bytes taken from a read callback per call.
const UPLOAD_CHUNK: usize = 64 * 1024;
/// MSG_NOSIGNAL: a write to a closed peer must not raise SIGPIPE in a C host
/// program (Apple systems get SO_NOSIGPIPE from socket2 instead).
#[cfg(any(target_os = "linux", target_os = "android"))]
const SEND_FLAGS: i32 = libc::MSG_NOSIGNAL;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const SEND_FLAGS: i32 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Added; starts when its kick-off deadline runs.
    Init,
    Resolving,
    /// Waiting for a connection slot (connection limits).
    Pending,
    Connecting,
    /// TLS handshake on a connected socket (counts against the connect
    /// timeout, as upstream).
    Handshaking,
    Sending,
    Receiving,
    Done,
}

/// Deadline kinds of one transfer; the earliest is queued.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Run the transfer now: kick-off after add, or resume after yielding.
    Kick = 0,
    Connect = 1,
    Total = 2,
    /// The end of a low-speed window (FETCHOPT_LOW_SPEED_TIME).
    LowSpeed = 3,
    /// Give up waiting for "100 Continue" and send the body.
    Expect = 4,
    /// Give up on one address and try the next (more addresses remain).
    Attempt = 5,
}

/// Number of deadline kinds.
const KINDS: usize = 6;

/// The shortest time one address gets before the next is tried.
const MIN_ATTEMPT: Duration = Duration::from_millis(200);

/// Where a request stands with "Expect: 100-continue".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Not used for this request.
    No,
    /// Head sent; the body waits for "100 Continue" or the timeout.
    Waiting,
    /// The body went out.
    Sent,
    /// A final response came first: the body was never sent.
    Refused,
}

enum Step {
    /// The phase changed; keep driving.
    Continue,
    /// Wait for readiness or a deadline.
    Wait,
}

struct Transfer {
    easy: Easy,
    generation: u32,
    phase: Phase,
    conn: Option<usize>,
    /// The current URL and what derives from it (changes on redirects).
    target: Option<Arc<Dest>>,
    method: Method,
    addrs: Vec<SocketAddr>,
    next_addr: usize,
    last_connect_error: Option<io::Error>,
    deadlines: [Option<Instant>; KINDS],
    started: Option<Instant>,
    decoder: ResponseDecoder,
    following: Option<String>,
    retried: bool,
    upload_done: bool,
    chunked_upload: bool,
    paused_recv: bool,
    paused_send: bool,
    /// Body bytes the write callback paused on, delivered first on resume.
    held: Vec<u8>,
    expect: Expect,
    marks: Marks,
    rates: Rates,
    /// The progress callback has been told this request started.
    progress_told: bool,
    /// Its DONE message is queued and not read yet.
    msg_queued: bool,
    /// The first URL of the transfer: credentials belong to its origin.
    first: Option<Arc<Dest>>,
    /// Some URL of the transfer (first or redirect) was https.
    seen_https: bool,
    /// Exactly how many bytes the read callback must supply (a known size).
    upload_len: Option<u64>,
    /// Bytes taken from the read callback for the current request.
    upload_read: u64,
}

impl Transfer {
    /// The current target; set before a transfer leaves `Init`.
    fn target(&self) -> &Dest {
        self.target
            .as_ref()
            .expect("a started transfer has a target")
    }

    fn id(&self, index: usize) -> TransferId {
        TransferId {
            index: index as u32,
            generation: self.generation,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConnState {
    Busy(usize),
    Idle,
}

struct Conn {
    sock: socket2::Socket,
    fd: RawFd,
    origin: String,
    state: ConnState,
    carry: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    requests: u32,
    idle_since: Instant,
    tls: Option<Box<rustls::ClientConnection>>,
}

impl Conn {
    /// Sends like `send(2)`; with TLS, plaintext goes into the session and
    /// as many records as the socket takes are written.
    fn send(&mut self, data: &[u8]) -> io::Result<usize> {
        faults::check(Op::Send)?;
        let Some(tls) = self.tls.as_mut() else {
            return self.sock.send_with_flags(data, SEND_FLAGS);
        };
        flush_tls(tls, &self.sock)?;
        let n = tls.writer().write(data)?;
        match flush_tls(tls, &self.sock) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        if n == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    }

    /// Receives like `recv(2)`: `Ok(0)` is a clean end of stream; a TCP
    /// close without close_notify is `UnexpectedEof`.
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        faults::check(Op::Recv)?;
        let Some(tls) = self.tls.as_mut() else {
            return (&self.sock).read(buf);
        };
        loop {
            match tls.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            let got = tls.read_tls(&mut SockIo(&self.sock, SEND_FLAGS))?;
            if let Err(e) = tls.process_new_packets() {
                // Best effort: tell the peer why.
                let _ = flush_tls(tls, &self.sock);
                return Err(io::Error::other(e));
            }
            if got == 0 {
                // rustls now knows the stream ended: the next read says how.
                return match tls.reader().read(buf) {
                    Ok(n) => Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        Err(io::ErrorKind::UnexpectedEof.into())
                    }
                    Err(e) => Err(e),
                };
            }
        }
    }

    /// Whether TLS records are still waiting to be written.
    fn tls_wants_write(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.wants_write())
    }
}

/// Writes pending TLS records until done or the socket would block.
fn flush_tls(tls: &mut rustls::ClientConnection, sock: &socket2::Socket) -> io::Result<()> {
    while tls.wants_write() {
        tls.write_tls(&mut SockIo(sock, SEND_FLAGS))?;
    }
    Ok(())
}

/// A multi handle: runs many transfers at once, driven by the application's
/// event loop through [`Multi::socket_action`].
///
/// Calls into the multi from its own callbacks are impossible in Rust (the
/// borrow checker refuses them), which is this API's form of CB-01's
/// FETCHM_RECURSIVE_API_CALL; `assign` is offered inside the socket callback
/// through [`SocketContext`].
pub struct Multi {
    clock: Clock,
    now: Instant,
    transfers: Slab<Transfer>,
    next_generation: u32,
    running: usize,
    conns: Slab<Conn>,
    idle: HashMap<String, Vec<usize>>,
    idle_count: usize,
    host_conns: HashMap<String, usize>,
    sockets: SocketTable,
    deadlines: DeadlineQueue,
    announced_timer: Option<Instant>,
    msgs: VecDeque<Message>,
    pending: VecDeque<usize>,
    slots_freed: bool,
    socket_cb: Option<SocketFn>,
    timer_cb: Option<TimerFn>,
    observer: Option<ObserverFn>,
    resolver: Option<Resolver>,
    rbuf: Vec<u8>,
    /// Reused for every read-callback call.
    ubuf: Vec<u8>,
    tls_configs: HashMap<TlsOptions, Arc<rustls::ClientConfig>>,
    max_connects: Option<usize>,
    max_host_connections: usize,
    max_total_connections: usize,
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
        let now = clock.now();
        Self {
            clock,
            now,
            transfers: Slab::new(),
            next_generation: 1,
            running: 0,
            conns: Slab::new(),
            idle: HashMap::new(),
            idle_count: 0,
            host_conns: HashMap::new(),
            sockets: SocketTable::default(),
            deadlines: DeadlineQueue::default(),
            announced_timer: None,
            msgs: VecDeque::new(),
            pending: VecDeque::new(),
            slots_freed: false,
            socket_cb: None,
            timer_cb: None,
            observer: None,
            resolver: None,
            rbuf: Vec::new(),
            ubuf: Vec::new(),
            tls_configs: HashMap::new(),
            max_connects: None,
            max_host_connections: 0,
            max_total_connections: 0,
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
    }

    /// Removes the timer callback.
    pub fn clear_timer_function(&mut self) {
        self.timer_cb = None;
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
        self.max_connects = max;
    }

    /// FETCHMOPT_MAX_HOST_CONNECTIONS: 0 is unlimited (OPT-04).
    pub fn set_max_host_connections(&mut self, max: usize) {
        self.max_host_connections = max;
        self.slots_freed = true;
    }

    /// FETCHMOPT_MAX_TOTAL_CONNECTIONS: 0 is unlimited (OPT-05).
    pub fn set_max_total_connections(&mut self, max: usize) {
        self.max_total_connections = max;
        self.slots_freed = true;
    }

    /// The clock this multi reads.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Adds a transfer (`fetch_multi_add_handle`). No I/O happens here
    /// (HM-02); the timer callback is asked for a 0 ms timeout (TF-04).
    pub fn add(&mut self, easy: Easy) -> Result<TransferId, AddError> {
        if self.dead {
            return Err(AddError {
                error: MultiError::AbortedByCallback,
                easy: Box::new(easy),
            });
        }
        self.begin();
        // Each run starts afresh: info and a collected body belong to one
        // transfer, as upstream resets them per transfer.
        let mut easy = easy;
        easy.info = TransferInfo::default();
        easy.sink.clear();
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
            next_addr: 0,
            last_connect_error: None,
            deadlines: [None; KINDS],
            started: None,
            decoder: ResponseDecoder::new(head),
            following: None,
            retried: false,
            upload_done: true,
            chunked_upload: false,
            paused_recv: false,
            paused_send: false,
            held: Vec::new(),
            expect: Expect::No,
            marks: Marks::default(),
            rates: Rates::default(),
            progress_told: false,
            msg_queued: false,
            first: None,
            seen_https: false,
            upload_len: None,
            upload_read: 0,
        });
        self.running += 1;
        let now = self.now;
        self.set_deadline(ti, Kind::Kick, Some(now));
        self.reconcile_timer();
        if self.cb_failed {
            // TF-06: the add is rolled back, everything else is aborted.
            self.deadlines.set(ti, None);
            let t = self.transfers.remove(ti);
            self.running -= 1;
            self.abort_all();
            return Err(AddError {
                error: MultiError::AbortedByCallback,
                easy: Box::new(t.easy),
            });
        }
        let id = self.transfers[ti].id(ti);
        tracing::debug!(transfer = ti, "added");
        Ok(id)
    }

    fn index_of(&self, id: TransferId) -> Option<usize> {
        let ti = id.index as usize;
        (self.transfers.get(ti)?.generation == id.generation).then_some(ti)
    }

    /// Removes a transfer (`fetch_multi_remove_handle`), finished or not,
    /// and hands it back. An unfinished one is stopped and produces no
    /// message (HM-07); an unread message of it is dropped (IR-06).
    pub fn remove(&mut self, id: TransferId) -> Result<Easy, MultiError> {
        let ti = self.index_of(id).ok_or(MultiError::BadEasyHandle)?;
        self.begin();
        if self.transfers[ti].phase != Phase::Done {
            self.running -= 1;
            if let Some(cid) = self.transfers[ti].conn.take() {
                self.close_conn(cid);
            }
            if self.transfers[ti].phase == Phase::Pending {
                self.pending.retain(|&p| p != ti);
            }
        }
        self.deadlines.set(ti, None);
        let mut t = self.transfers.remove(ti);
        if t.msg_queued {
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
        // Callbacks may fire here (closing a connection); a failure in
        // one aborts the rest, but this transfer is handed back regardless.
        let _ = self.finish_call();
        Ok(t.easy)
    }

    /// The transfer behind an id, while it is added.
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
    /// many remain queued after it (IR-01, IR-02).
    pub fn info_read(&mut self) -> Option<(Message, usize)> {
        let m = self.msgs.pop_front()?;
        if let Some(t) = self.transfers.get_mut(m.transfer.index as usize) {
            if t.generation == m.transfer.generation {
                t.msg_queued = false;
            }
        }
        Some((m, self.msgs.len()))
    }

    /// `fetch_multi_timeout`: how long the application may wait before it
    /// must call `socket_action(Target::Timeout)`; `None` is "no timeout"
    /// (TO-01). Agrees with the timer callback (TO-05).
    pub fn timeout(&mut self) -> Option<Duration> {
        let now = self.clock.now();
        self.earliest().map(|at| at.saturating_duration_since(now))
    }

    /// `fetch_multi_socket_action`: act on `target` with the observed
    /// `events` (empty: find out), run expired timers, and return the number
    /// of running transfers (SA-01..SA-08). An unknown socket is ignored
    /// (SA-08). Transfer failures are reported through [`Multi::info_read`],
    /// not here (SA-06).
    pub fn socket_action(&mut self, target: Target, events: Events) -> Result<usize, MultiError> {
        self.begin();
        if let Target::Socket(fd) = target {
            self.socket_event(fd, events);
        }
        self.run_timers();
        self.finish_call()
    }

    /// `fetch_multi_socket_all` / `fetch_multi_perform`: check every socket
    /// and run due timers. Costs O(sockets); event loops should use
    /// [`Multi::socket_action`] (SA-10).
    pub fn perform(&mut self) -> Result<usize, MultiError> {
        self.begin();
        let fds: Vec<Socket> = self.sockets.announced().map(|(fd, _)| fd).collect();
        for fd in fds {
            self.socket_event(fd, Events::NONE);
        }
        self.run_timers();
        self.finish_call()
    }

    fn begin(&mut self) {
        self.now = self.clock.now();
    }

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
            },
        }
    }

    fn finish_call(&mut self) -> Result<usize, MultiError> {
        if self.slots_freed {
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
        let running: Vec<usize> = self
            .transfers
            .iter()
            .filter(|(_, t)| t.phase != Phase::Done)
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

    /// Reports one interest change to the observer and the socket callback.
    fn report(&mut self, fd: Socket, interest: Interest) {
        let Some(entry) = self.sockets.get(fd) else {
            return;
        };
        let transfer = match entry.owner {
            Owner::Conn(cid) => match self.conns.get(cid).map(|c| c.state) {
                Some(ConnState::Busy(ti)) => self.transfers.get(ti).map(|t| t.id(ti)),
                _ => None,
            },
            Owner::Resolver => None,
        };
        let event = SocketEvent {
            socket: fd,
            interest,
            transfer,
            assigned: entry.assigned,
        };
        tracing::trace!(fd, ?interest, "socket callback");
        if let Some(obs) = self.observer.as_mut() {
            obs(fd, interest);
        }
        if interest != Interest::Remove {
            // Announced before the call, so the callback may assign to it.
            self.sockets.mark_reported(fd, interest);
        }
        if let Some(mut cb) = self.socket_cb.take() {
            let mut ctx = SocketContext {
                table: &mut self.sockets,
            };
            if cb(&mut ctx, event).is_err() {
                tracing::debug!(fd, "socket callback failed");
                self.cb_failed = true;
            }
            self.socket_cb = Some(cb);
        }
        if interest == Interest::Remove {
            // After the call: a REMOVE drops the assignment even if the
            // callback just set one (SF-04).
            self.sockets.mark_reported(fd, interest);
        }
    }

    fn reconcile_sockets(&mut self) {
        while let Some((fd, interest)) = self.sockets.next_dirty() {
            self.report(fd, interest);
        }
    }

    fn reconcile_timer(&mut self) {
        let next = self.earliest();
        if next == self.announced_timer {
            return;
        }
        self.announced_timer = next;
        let value = next.map(|at| at.saturating_duration_since(self.now));
        tracing::trace!(?value, "timer callback");
        if let Some(mut cb) = self.timer_cb.take() {
            if cb(value).is_err() {
                tracing::debug!("timer callback failed");
                self.cb_failed = true;
            }
            self.timer_cb = Some(cb);
        }
    }

    // ---- deadlines ----

    fn set_deadline(&mut self, ti: usize, kind: Kind, at: Option<Instant>) {
        let Some(t) = self.transfers.get_mut(ti) else {
            return;
        };
        t.deadlines[kind as usize] = at;
        self.schedule(ti);
    }

    /// Queues the transfer at its earliest deadline (none once done).
    fn schedule(&mut self, ti: usize) {
        let next = self.transfers.get(ti).and_then(|t| {
            (t.phase != Phase::Done)
                .then(|| t.deadlines.iter().flatten().min().copied())
                .flatten()
        });
        self.deadlines.set(ti, next);
    }

    /// The earliest deadline of any transfer.
    fn earliest(&self) -> Option<Instant> {
        self.deadlines.peek().map(|(at, _)| at)
    }

    fn run_timers(&mut self) {
        // A timer that fires a hair early still counts: apps round
        // milliseconds, and a missed expiry would leave no timer armed.
        let limit = self.now + Duration::from_millis(1);
        while let Some((at, ti)) = self.deadlines.peek() {
            if at > limit {
                break;
            }
            self.deadlines.set(ti, None);
            self.on_deadline(ti, limit);
            self.schedule(ti);
        }
    }

    fn on_deadline(&mut self, ti: usize, limit: Instant) {
        let t = &mut self.transfers[ti];
        let due = |d: Option<Instant>| d.is_some_and(|at| at <= limit);
        if due(t.deadlines[Kind::Total as usize]) {
            let ms = t
                .started
                .map_or(0, |s| self.now.saturating_duration_since(s).as_millis());
            let got = t.easy.info.size_download;
            self.fail(
                ti,
                Error::new(
                    ErrorCode::OperationTimedout,
                    format!(
                        "Operation timed out after {ms} milliseconds with {got} bytes received"
                    ),
                ),
            );
            return;
        }
        if due(t.deadlines[Kind::Connect as usize]) {
            t.deadlines[Kind::Connect as usize] = None;
            if matches!(
                t.phase,
                Phase::Resolving | Phase::Connecting | Phase::Handshaking
            ) {
                let what = if t.phase == Phase::Resolving {
                    "Resolving"
                } else {
                    "Connection"
                };
                let ms = t.easy.connect_timeout.as_millis();
                self.fail(
                    ti,
                    Error::new(
                        ErrorCode::OperationTimedout,
                        format!("{what} timed out after {ms} milliseconds"),
                    ),
                );
                return;
            }
        }
        if due(t.deadlines[Kind::Attempt as usize]) {
            t.deadlines[Kind::Attempt as usize] = None;
            if t.phase == Phase::Connecting {
                // This address is not answering; more remain, so move on
                // rather than spend the whole connect timeout on it.
                tracing::debug!(transfer = ti, "connect attempt timed out; next address");
                t.last_connect_error = Some(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connect attempt timed out",
                ));
                if let Some(cid) = t.conn.take() {
                    self.close_conn(cid);
                }
                // The next attempt waits for its socket to become writable;
                // checking it now would only cost two syscalls.
                self.connect_next(ti);
                return;
            }
        }
        let t = &mut self.transfers[ti];
        if due(t.deadlines[Kind::LowSpeed as usize]) {
            self.low_speed_due(ti);
            if self.transfers[ti].phase == Phase::Done {
                return;
            }
        }
        let t = &mut self.transfers[ti];
        if due(t.deadlines[Kind::Expect as usize]) {
            tracing::debug!(transfer = ti, "no 100 Continue in time: sending the body");
            self.send_body_now(ti);
            self.drive(ti, Events::NONE);
        }
        let t = &mut self.transfers[ti];
        if due(t.deadlines[Kind::Kick as usize]) {
            t.deadlines[Kind::Kick as usize] = None;
            self.drive(ti, Events::NONE);
        }
    }

    // ---- transfer state machine ----

    fn drive(&mut self, ti: usize, mut events: Events) {
        loop {
            let Some(t) = self.transfers.get(ti) else {
                return;
            };
            let step = match t.phase {
                Phase::Init => self.start(ti),
                Phase::Resolving | Phase::Pending | Phase::Done => Step::Wait,
                Phase::Connecting => self.check_connect(ti, events),
                Phase::Handshaking => self.handshake(ti),
                Phase::Sending => self.send(ti, events),
                Phase::Receiving => self.recv(ti, events),
            };
            match step {
                Step::Wait => return,
                Step::Continue => events = Events::NONE,
            }
        }
    }

    fn fail(&mut self, ti: usize, err: Error) {
        tracing::debug!(transfer = ti, %err, "transfer failed");
        self.finish(ti, Err(err), false);
    }

    /// Ends a transfer: its connection goes back to the pool or is closed,
    /// and a DONE message is queued.
    fn finish(&mut self, ti: usize, result: Result<(), Error>, reusable: bool) {
        let Some(t) = self.transfers.get_mut(ti) else {
            return;
        };
        if t.phase == Phase::Done {
            return;
        }
        if t.phase == Phase::Pending {
            self.pending.retain(|&p| p != ti);
        }
        self.settle_info(ti);
        let t = &mut self.transfers[ti];
        t.phase = Phase::Done;
        t.deadlines = [None; KINDS];
        let id = t.id(ti);
        let conn = t.conn.take();
        self.running -= 1;
        self.schedule(ti);
        if let Some(cid) = conn {
            self.release_conn(cid, reusable);
        }
        self.transfers[ti].msg_queued = true;
        self.msgs.push_back(Message {
            transfer: id,
            result,
        });
    }

    fn start(&mut self, ti: usize) -> Step {
        let now = self.now;
        let t = &mut self.transfers[ti];
        if t.started.is_none() {
            t.started = Some(now);
            if let Some(limit) = t.easy.timeout {
                t.deadlines[Kind::Total as usize] = now.checked_add(limit);
            }
        }
        if t.target.is_none() {
            if let Err(e) = t.method.check() {
                self.fail(ti, e);
                return Step::Wait;
            }
            let tag = t.easy.tls.pool_tag();
            let target = match (&t.easy.url, &t.easy.target_cache) {
                (None, _) => Err(Error::new(ErrorCode::UrlMalformat, "No URL set")),
                (Some(raw), Some(cached)) if cached.matches(raw, tag) => Ok(cached.clone()),
                (Some(raw), _) => Dest::parse(raw, tag),
            };
            match target {
                Ok(target) => {
                    t.easy.target_cache = Some(target.clone());
                    self.set_target(ti, target);
                }
                Err(e) => {
                    self.fail(ti, e);
                    return Step::Wait;
                }
            }
        }
        if let Some(cid) = self.take_idle(ti) {
            self.attach(ti, cid);
            return Step::Continue;
        }
        if self.transfers[ti].addrs.is_empty() {
            return self.resolve(ti);
        }
        if !self.may_open(&self.transfers[ti].target().origin) {
            let t = &mut self.transfers[ti];
            if t.phase != Phase::Pending {
                t.phase = Phase::Pending;
                self.pending.push_back(ti);
            }
            return Step::Wait;
        }
        let deadline = now.checked_add(self.transfers[ti].easy.connect_timeout);
        self.set_deadline(ti, Kind::Connect, deadline);
        self.connect_next(ti)
    }

    /// Points a transfer at a (new) target; known addresses are dropped
    /// when the origin changes.
    fn set_target(&mut self, ti: usize, target: Arc<Dest>) {
        let t = &mut self.transfers[ti];
        if t.target
            .as_ref()
            .is_none_or(|old| old.origin != target.origin)
        {
            t.addrs.clear();
            t.next_addr = 0;
        }
        t.easy.info.effective_url = Some(target.url.as_str().to_owned());
        t.seen_https |= target.https;
        if t.first.is_none() {
            t.first = Some(target.clone());
        }
        t.target = Some(target);
    }

    fn resolve(&mut self, ti: usize) -> Step {
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

    fn resolver_event(&mut self) {
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

    fn may_open(&self, origin: &str) -> bool {
        let host_ok = self.max_host_connections == 0
            || self.host_conns.get(origin).copied().unwrap_or(0) < self.max_host_connections;
        let total_ok =
            self.max_total_connections == 0 || self.conns.len() < self.max_total_connections;
        host_ok && (total_ok || self.idle_count > 0)
    }

    fn start_pending(&mut self) {
        self.slots_freed = false;
        let waiting: Vec<usize> = self.pending.drain(..).collect();
        for ti in waiting {
            if let Some(t) = self.transfers.get_mut(ti) {
                if t.phase == Phase::Pending {
                    t.phase = Phase::Init;
                    self.drive(ti, Events::NONE);
                }
            }
        }
    }

    fn connect_next(&mut self, ti: usize) -> Step {
        if self.max_total_connections != 0 && self.conns.len() >= self.max_total_connections {
            // A slot is taken by an idle connection elsewhere: make room.
            self.evict_oldest_idle();
        }
        loop {
            let t = &mut self.transfers[ti];
            let Some(&addr) = t.addrs.get(t.next_addr) else {
                let why = t
                    .last_connect_error
                    .take()
                    .map_or_else(|| "no address".to_owned(), |e| e.to_string());
                let msg = format!(
                    "Failed to connect to {} port {}: {why}",
                    t.target().host,
                    t.target().port
                );
                self.fail(ti, Error::new(ErrorCode::CouldntConnect, msg));
                return Step::Wait;
            };
            t.next_addr += 1;
            t.marks.resolved.get_or_insert_with(|| self.clock.now());
            match open_socket(addr) {
                Ok(sock) => {
                    let fd = sock.as_raw_fd();
                    let origin = t.target().origin.clone();
                    t.phase = Phase::Connecting;
                    t.easy.info.num_connects += 1;
                    t.easy.info.primary_ip = Some(addr.ip());
                    t.easy.info.primary_port = addr.port();
                    *self.host_conns.entry(origin.clone()).or_insert(0) += 1;
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
                    });
                    self.transfers[ti].conn = Some(cid);
                    self.sockets.insert(fd, Owner::Conn(cid));
                    self.sockets.want(fd, WANT_WRITE);
                    tracing::debug!(transfer = ti, fd, %addr, "connecting");
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
                    t.last_connect_error = Some(e);
                }
            }
        }
    }

    fn check_connect(&mut self, ti: usize, events: Events) -> Step {
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
            self.transfers[ti].conn = None;
            self.close_conn(cid);
            self.transfers[ti].last_connect_error = Some(e);
            return self.connect_next(ti);
        }
        let now = self.clock.now();
        self.transfers[ti].marks.connected = Some(now);
        self.set_deadline(ti, Kind::Attempt, None);
        if self.transfers[ti].target().https {
            return self.start_tls(ti, cid);
        }
        self.set_deadline(ti, Kind::Connect, None);
        self.attach(ti, cid);
        Step::Continue
    }

    /// TCP is up: begin the TLS handshake. Configurations are cached per
    /// settings, which also shares their session cache (resumption).
    fn start_tls(&mut self, ti: usize, cid: usize) -> Step {
        let t = &mut self.transfers[ti];
        let config = match self.tls_configs.get(&t.easy.tls) {
            Some(c) => Ok(c.clone()),
            None => tls::client_config(&t.easy.tls).inspect(|c| {
                self.tls_configs.insert(t.easy.tls.clone(), c.clone());
            }),
        };
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
    fn handshake(&mut self, ti: usize) -> Step {
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
                Err(e) => break Error::new(ErrorCode::SslConnectError, format!("TLS send: {e}")),
            }
            if !tls.is_handshaking() {
                tracing::debug!(transfer = ti, version = ?tls.protocol_version(), "TLS established");
                self.transfers[ti].marks.tls_done = Some(self.clock.now());
                self.set_deadline(ti, Kind::Connect, None);
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
                        break tls::map_error(&e, true);
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

    /// Puts a connected connection to work for a transfer: the request is
    /// built and the transfer moves to Sending.
    fn attach(&mut self, ti: usize, cid: usize) {
        let t = &mut self.transfers[ti];
        t.conn = Some(cid);
        t.phase = Phase::Sending;
        t.decoder = ResponseDecoder::new(t.method == Method::Head);
        let dest = t.target.clone().expect("a started transfer has a target");
        let framing = request_framing(&t.method, &t.easy.body, &t.easy.headers);
        t.upload_len = match (&t.easy.body, framing) {
            (Body::Reader { len: Some(n), .. }, _) => Some(*n),
            (Body::Reader { len: None, .. }, BodyFraming::Length(n)) => Some(n),
            _ => None,
        };
        let expect = wants_expect(&t.easy.headers, &t.easy.body, framing);
        let creds = self.credentials_allowed(ti);
        let t = &mut self.transfers[ti];
        let headers = request_headers(&t.easy.headers, &dest, t.first.as_deref(), creds, expect);
        t.expect = if expect { Expect::Waiting } else { Expect::No };
        let conn = &mut self.conns[cid];
        conn.state = ConnState::Busy(ti);
        conn.out.clear();
        conn.out_pos = 0;
        conn.requests += 1;
        http::encode_request(
            &RequestParts {
                method: t.method.as_str(),
                target: &dest.request_target,
                host: &dest.host_header,
                headers: &headers,
                body: framing,
            },
            &mut conn.out,
        );
        t.upload_done = true;
        t.chunked_upload = framing == BodyFraming::Chunked;
        match (&t.easy.body, framing) {
            (Body::Bytes(b), BodyFraming::Length(_) | BodyFraming::Chunked) if !expect => {
                push_bytes_body(b, t.chunked_upload, &mut conn.out);
                t.easy.info.size_upload = b.len() as u64;
            }
            (Body::Reader { .. }, BodyFraming::Length(_) | BodyFraming::Chunked) => {
                t.upload_done = false;
            }
            _ => {}
        }
        self.transfers[ti].progress_told = false;
        self.start_rates(ti);
    }

    /// Whether credentials (`Authorization:`/`Cookie:` lines, URL user and
    /// password) may go to the current target: only to the scheme, host
    /// and port of the first URL, unless FETCHOPT_UNRESTRICTED_AUTH is on;
    /// and never over http once the chain of redirects went through https.
    fn credentials_allowed(&self, ti: usize) -> bool {
        let t = &self.transfers[ti];
        let (Some(first), Some(now)) = (t.first.as_deref(), t.target.as_deref()) else {
            return true;
        };
        let same = first.https == now.https && first.host == now.host && first.port == now.port;
        same || (t.easy.unrestricted_auth && (now.https || !t.seen_https))
    }

    /// Makes a streamed body start again from its first byte before the
    /// request is sent again (retry, redirect). A body never read needs no
    /// rewind; otherwise the seek callback must succeed.
    fn rewind_upload(&mut self, ti: usize) -> Result<(), Error> {
        let t = &mut self.transfers[ti];
        if !matches!(t.easy.body, Body::Reader { .. }) || t.upload_read == 0 {
            return Ok(());
        }
        let outcome = t
            .easy
            .seek
            .as_mut()
            .map(|seek| seek(io::SeekFrom::Start(0)));
        if outcome == Some(SeekResult::Ok) {
            t.upload_read = 0;
            t.easy.info.size_upload = 0;
            return Ok(());
        }
        let why = match outcome {
            None => "necessary data rewind was not possible (no seek callback)",
            _ => "seek callback returned an error",
        };
        Err(Error::new(ErrorCode::SendFailRewind, why))
    }

    fn send(&mut self, ti: usize, events: Events) -> Step {
        if !self.transfers[ti].progress_told {
            // Upstream reports progress once before a request goes out, so
            // an application can abort even a transfer that would finish
            // within one event.
            self.transfers[ti].progress_told = true;
            if let Err(e) = self.progress(ti) {
                self.fail(ti, e);
                return Step::Wait;
            }
        }
        if self.transfers[ti].paused_send {
            self.refresh_interest(ti);
            return Step::Wait;
        }
        if let Some(until) = self.throttled_until(ti, false) {
            return self.throttle(ti, until);
        }
        if !events.may_write() {
            return Step::Wait;
        }
        let cid = self.transfers[ti].conn.expect("sending has a connection");
        let ul_before = self.transfers[ti].easy.info.size_upload;
        loop {
            let conn = &mut self.conns[cid];
            if conn.out_pos < conn.out.len() {
                let (pos, end) = (conn.out_pos, conn.out.len());
                let out = std::mem::take(&mut conn.out);
                let sent = conn.send(&out[pos..end]);
                conn.out = out;
                match sent {
                    Ok(n) => conn.out_pos += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        let fd = conn.fd;
                        self.sockets.want(fd, WANT_WRITE);
                        return self.after_upload(ti, ul_before, Step::Wait);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        return self.conn_failed(
                            ti,
                            Error::new(
                                ErrorCode::SendError,
                                format!("Failed sending data to the peer: {e}"),
                            ),
                        );
                    }
                }
                continue;
            }
            let t = &mut self.transfers[ti];
            if t.expect == Expect::Waiting {
                // Head sent: wait for "100 Continue" (or a final answer)
                // before the body, at most the expect timeout.
                t.phase = Phase::Receiving;
                let at = self.now.checked_add(t.easy.expect_100_timeout);
                self.set_deadline(ti, Kind::Expect, at);
                self.refresh_interest(ti);
                return Step::Wait;
            }
            if !t.upload_done {
                if self.throttled_until(ti, false).is_some() {
                    return self.after_upload(ti, ul_before, Step::Continue);
                }
                match self.read_upload(ti, cid) {
                    Ok(Step::Continue) => {}
                    Ok(Step::Wait) => return self.after_upload(ti, ul_before, Step::Wait),
                    Err(e) => {
                        self.fail(ti, e);
                        return Step::Wait;
                    }
                }
                continue;
            }
            // Keep a small request buffer for the next request on this
            // connection; give back a large one (an upload body).
            if conn.out.capacity() > 4096 {
                conn.out = Vec::new();
            } else {
                conn.out.clear();
            }
            conn.out_pos = 0;
            t.phase = Phase::Receiving;
            self.refresh_interest(ti);
            return self.after_upload(ti, ul_before, Step::Wait);
        }
    }

    /// Takes the next piece of a streamed body from the read callback into
    /// the connection's output. A body of known size gets exactly that many
    /// bytes: the callback is never offered more room than is left, and an
    /// early end fails the transfer (FETCHE_READ_ERROR, as upstream).
    /// `Wait` means the callback paused.
    fn read_upload(&mut self, ti: usize, cid: usize) -> Result<Step, Error> {
        let t = &mut self.transfers[ti];
        let conn = &mut self.conns[cid];
        conn.out.clear();
        conn.out_pos = 0;
        let room = match t.upload_len {
            Some(len) => len.saturating_sub(t.upload_read).min(UPLOAD_CHUNK as u64) as usize,
            None => UPLOAD_CHUNK,
        };
        let Body::Reader { read, .. } = &mut t.easy.body else {
            unreachable!("upload_done is false only with a reader")
        };
        let result = if room == 0 {
            // The whole announced size went out: the body is complete.
            ReadResult::Data(0)
        } else {
            let mut chunk = std::mem::take(&mut self.ubuf);
            chunk.resize(room, 0);
            let r = read(&mut chunk);
            if let ReadResult::Data(n) = r {
                let n = n.min(room);
                t.upload_read += n as u64;
                t.easy.info.size_upload += n as u64;
                if t.chunked_upload {
                    http::encode_chunk(&chunk[..n], &mut conn.out);
                } else {
                    conn.out.extend_from_slice(&chunk[..n]);
                }
            }
            self.ubuf = chunk;
            r
        };
        match result {
            ReadResult::Data(0) => {
                if let Some(len) = t.upload_len.filter(|&len| t.upload_read < len) {
                    return Err(Error::new(
                        ErrorCode::ReadError,
                        format!(
                            "client read function EOF fail, only {}/{len} of needed bytes read",
                            t.upload_read
                        ),
                    ));
                }
                t.upload_done = true;
                if t.chunked_upload {
                    http::encode_last_chunk(&mut conn.out);
                }
                Ok(Step::Continue)
            }
            ReadResult::Data(_) => Ok(Step::Continue),
            ReadResult::Pause => {
                t.paused_send = true;
                self.refresh_interest(ti);
                Ok(Step::Wait)
            }
            ReadResult::Abort => Err(Error::new(
                ErrorCode::AbortedByCallback,
                "read callback aborted",
            )),
        }
    }

    /// After upload progress: tell the progress callback. `step` is what the
    /// caller returns unless the callback aborts.
    fn after_upload(&mut self, ti: usize, before: u64, step: Step) -> Step {
        if self.transfers[ti].easy.info.size_upload == before {
            return step;
        }
        match self.progress(ti) {
            Ok(()) => step,
            Err(e) => {
                self.fail(ti, e);
                Step::Wait
            }
        }
    }

    /// A connection failed under a transfer. A reused connection that died
    /// before any response byte arrived is retried once on a new one.
    fn conn_failed(&mut self, ti: usize, err: Error) -> Step {
        let t = &mut self.transfers[ti];
        let cid = t.conn.expect("failing transfer has a connection");
        let retry = self.conns[cid].requests > 1 && !t.decoder.started() && !t.retried;
        if retry {
            // The request goes again: with the same body or not at all.
            if let Err(e) = self.rewind_upload(ti) {
                self.fail(ti, e);
                return Step::Wait;
            }
            let t = &mut self.transfers[ti];
            tracing::debug!(
                transfer = ti,
                "reused connection died; retrying on a new one"
            );
            t.retried = true;
            t.conn = None;
            t.phase = Phase::Init;
            t.easy.info.size_upload = 0;
            self.close_conn(cid);
            return Step::Continue;
        }
        self.fail(ti, err);
        Step::Wait
    }

    fn recv(&mut self, ti: usize, events: Events) -> Step {
        let cid = self.transfers[ti].conn.expect("receiving has a connection");
        let conn = &mut self.conns[cid];
        if let Some(tls) = conn.tls.as_mut() {
            // Records left over from sending the request go first.
            match flush_tls(tls, &conn.sock) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    return self.conn_failed(
                        ti,
                        Error::new(ErrorCode::SendError, format!("TLS send: {e}")),
                    );
                }
            }
            self.refresh_interest(ti);
        }
        if self.transfers[ti].paused_recv {
            self.refresh_interest(ti);
            return Step::Wait;
        }
        if let Some(until) = self.throttled_until(ti, true) {
            return self.throttle(ti, until);
        }
        let mut filled = self.conns[cid].carry.len();
        // Bytes kept from before (a pause, a yield) are decoded first even
        // without a readiness event: the socket may never signal them again.
        let mut carried = filled > 0;
        if !events.may_read() && !carried {
            return Step::Wait;
        }
        let mut buf = std::mem::take(&mut self.rbuf);
        if buf.len() < READ_BUF {
            buf.resize(READ_BUF, 0);
        }
        let conn = &mut self.conns[cid];
        buf[..filled].copy_from_slice(&conn.carry);
        conn.carry.clear();
        // A rate-limited transfer reads in small steps so it cannot run far
        // ahead of its limit in one read.
        let limit = self.transfers[ti].easy.max_recv_speed;
        let read_max = if limit == 0 {
            READ_BUF
        } else {
            (limit as usize / 4).clamp(1024, READ_BUF)
        };
        let dl_before = self.transfers[ti].easy.info.size_download;
        let mut step = Step::Wait;
        let mut reads = 0;
        loop {
            let conn = &mut self.conns[cid];
            let eof = if carried {
                carried = false;
                false
            } else {
                let end = (filled + read_max).min(buf.len());
                match conn.recv(&mut buf[filled..end]) {
                    Ok(0) => true,
                    Ok(n) => {
                        filled += n;
                        false
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        conn.carry.extend_from_slice(&buf[..filled]);
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let err = match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
                        {
                            Some(tls_err) => tls::map_error(tls_err, false),
                            None if e.kind() == io::ErrorKind::UnexpectedEof => Error::new(
                                ErrorCode::RecvError,
                                "TLS connection closed without close_notify",
                            ),
                            None => Error::new(ErrorCode::RecvError, format!("Recv failure: {e}")),
                        };
                        step = self.conn_failed(ti, err);
                        break;
                    }
                }
            };
            let (used, outcome) = self.process(ti, &buf[..filled], eof);
            buf.copy_within(used..filled, 0);
            filled -= used;
            match outcome {
                Outcome::More if eof => unreachable!("eof always ends the message"),
                Outcome::More => {}
                Outcome::Paused => {
                    self.conns[cid].carry.extend_from_slice(&buf[..filled]);
                    self.refresh_interest(ti);
                    break;
                }
                Outcome::Continue100 => {
                    self.conns[cid].carry.extend_from_slice(&buf[..filled]);
                    self.send_body_now(ti);
                    step = Step::Continue;
                    break;
                }
                Outcome::Failed(e) => {
                    if eof && matches!(e.code(), ErrorCode::GotNothing) {
                        step = self.conn_failed(ti, e);
                    } else {
                        self.fail(ti, e);
                    }
                    break;
                }
                Outcome::Finished { reusable } => {
                    let refused = self.transfers[ti].expect == Expect::Refused;
                    step = self.complete(ti, reusable && filled == 0 && !refused);
                    break;
                }
            }
            if let Some(until) = self.throttled_until(ti, true) {
                self.conns[cid].carry.extend_from_slice(&buf[..filled]);
                step = self.throttle(ti, until);
                break;
            }
            reads += 1;
            if reads >= READS_PER_EVENT {
                // Yield to other sockets but come back at once: an edge-
                // triggered loop would not tell us about the rest.
                self.conns[cid].carry.extend_from_slice(&buf[..filled]);
                let now = self.now;
                self.set_deadline(ti, Kind::Kick, Some(now));
                break;
            }
        }
        self.rbuf = buf;
        // Progress is reported once per event that moved data, the final
        // one included; an abort only matters while the transfer runs.
        if self.transfers[ti].easy.info.size_download != dl_before {
            if let (Err(e), false) = (self.progress(ti), self.transfers[ti].phase == Phase::Done) {
                self.fail(ti, e);
                return Step::Wait;
            }
        }
        step
    }

    /// Feeds received bytes to the decoder and the application's callbacks.
    fn process(&mut self, ti: usize, input: &[u8], eof: bool) -> (usize, Outcome) {
        let mut pos = 0;
        loop {
            let t = &mut self.transfers[ti];
            let decoded = match t.decoder.decode(&input[pos..]) {
                Ok((n, Decoded::NeedMore)) if eof => {
                    pos += n;
                    match t.decoder.eof() {
                        Ok(d) => Ok((0, d)),
                        Err(e) => Err(e),
                    }
                }
                other => other,
            };
            let (n, d) = match decoded {
                Ok(x) => x,
                Err(e) => return (pos, Outcome::Failed(Error::new(e.code(), e.to_string()))),
            };
            match d {
                Decoded::NeedMore => {
                    pos += n;
                    return (pos, Outcome::More);
                }
                Decoded::Head(head) => {
                    pos += n;
                    t.marks.first_byte.get_or_insert_with(|| self.clock.now());
                    t.easy.info.header_size += head.raw.len() as u64;
                    if head.status >= 200 {
                        t.easy.info.response_code = head.status;
                        t.rates.dltotal = head.content_length.unwrap_or(0);
                        t.following = None;
                        t.easy.info.redirect_url = None;
                        if t.expect == Expect::Waiting {
                            // A final answer before the body was sent: the
                            // body is never sent and the connection cannot
                            // be reused.
                            t.expect = Expect::Refused;
                        }
                        if matches!(head.status, 301 | 302 | 303 | 307 | 308) {
                            if let Some(loc) = head.location.as_deref() {
                                let next = t.target().url.join(loc).ok();
                                if let Some(next) = next {
                                    if t.easy.follow {
                                        t.following = Some(next.to_string());
                                    } else {
                                        t.easy.info.redirect_url = Some(next.to_string());
                                    }
                                }
                            }
                        }
                    }
                    let mut paused = false;
                    if let Some(cb) = t.easy.header.as_mut() {
                        for line in head.lines() {
                            match cb(line) {
                                Flow::Continue => {}
                                // The head is delivered whole; the pause
                                // takes effect before the body.
                                Flow::Pause => paused = true,
                                Flow::Abort => {
                                    return (
                                        pos,
                                        Outcome::Failed(Error::new(
                                            ErrorCode::WriteError,
                                            "Failed writing header",
                                        )),
                                    );
                                }
                            }
                        }
                    }
                    if head.status == 100 && t.expect == Expect::Waiting {
                        t.paused_recv |= paused;
                        return (pos, Outcome::Continue100);
                    }
                    if paused {
                        t.paused_recv = true;
                        return (pos, Outcome::Paused);
                    }
                }
                Decoded::Body(range) => {
                    let data = &input[pos..][range];
                    pos += n;
                    if t.following.is_some() {
                        continue;
                    }
                    if let Err(e) = self.deliver(ti, data) {
                        return (pos, Outcome::Failed(e));
                    }
                    if self.transfers[ti].paused_recv {
                        return (pos, Outcome::Paused);
                    }
                }
                Decoded::Done { reusable } => {
                    pos += n;
                    return (pos, Outcome::Finished { reusable });
                }
            }
        }
    }

    /// A response is complete: follow a redirect or end the transfer.
    fn complete(&mut self, ti: usize, reusable: bool) -> Step {
        let t = &mut self.transfers[ti];
        let Some(next) = t.following.take() else {
            self.finish(ti, Ok(()), reusable);
            return Step::Wait;
        };
        if let Some(max) = t.easy.max_redirs {
            if t.easy.info.redirect_count >= max {
                self.finish(
                    ti,
                    Err(Error::new(
                        ErrorCode::TooManyRedirects,
                        format!("Maximum ({max}) redirects followed"),
                    )),
                    reusable,
                );
                return Step::Wait;
            }
        }
        let status = t.easy.info.response_code;
        if status == 303 && t.method != Method::Head
            || matches!(status, 301 | 302) && t.method == Method::Post
        {
            t.method = Method::Get;
        } else if !matches!(t.method, Method::Get) {
            // The body goes again (307/308, or 301/302 of a non-POST).
            if let Err(e) = self.rewind_upload(ti) {
                self.finish(ti, Err(e), reusable);
                return Step::Wait;
            }
        }
        let t = &mut self.transfers[ti];
        t.easy.info.redirect_count += 1;
        tracing::debug!(transfer = ti, %next, "following redirect");
        let tag = t.easy.tls.pool_tag();
        let target = Url::parse(&next)
            .map_err(|e| Error::new(ErrorCode::UrlMalformat, format!("bad redirect: {e}")))
            .and_then(|url| Dest::from_url(next.clone(), url, tag));
        let target = match target {
            Ok(target) => target,
            Err(e) => {
                self.finish(ti, Err(e), reusable);
                return Step::Wait;
            }
        };
        let t = &mut self.transfers[ti];
        t.phase = Phase::Init;
        t.retried = false;
        if let Some(cid) = t.conn.take() {
            self.release_conn(cid, reusable);
        }
        self.set_target(ti, target);
        Step::Continue
    }

    // ---- connections ----

    fn take_idle(&mut self, ti: usize) -> Option<usize> {
        let cid = self
            .idle
            .get_mut(self.transfers[ti].target().origin.as_str())?
            .pop()?;
        self.idle_count -= 1;
        Some(cid)
    }

    fn idle_cap(&self) -> usize {
        self.max_connects.unwrap_or(4 * self.transfers.len().max(1))
    }

    fn release_conn(&mut self, cid: usize, reusable: bool) {
        if !reusable {
            self.close_conn(cid);
            return;
        }
        let conn = &mut self.conns[cid];
        conn.state = ConnState::Idle;
        conn.carry.clear();
        conn.idle_since = self.now;
        let fd = conn.fd;
        match self.idle.get_mut(conn.origin.as_str()) {
            Some(list) => list.push(cid),
            None => {
                self.idle.insert(conn.origin.clone(), vec![cid]);
            }
        }
        self.idle_count += 1;
        // Idle connections stay watched for reading so a peer close is
        // noticed and the fd removed (see docs/decisions.md).
        self.sockets.want(fd, WANT_READ);
        self.slots_freed = true;
        // The read that completed the response may have left a FIN (or
        // junk) queued; an edge-triggered loop would never report it again.
        self.idle_event(cid);
        while self.idle_count > self.idle_cap() {
            self.evict_oldest_idle();
        }
    }

    fn evict_oldest_idle(&mut self) {
        let oldest = self
            .idle
            .values()
            .flatten()
            .min_by_key(|&&cid| self.conns[cid].idle_since)
            .copied();
        if let Some(cid) = oldest {
            self.close_conn(cid);
        }
    }

    /// An idle connection became readable: the peer closed it, or sent
    /// something it should not have. Either way it cannot be reused.
    fn idle_event(&mut self, cid: usize) {
        let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
        match faults::check(Op::Peek).and_then(|()| self.conns[cid].sock.peek(&mut probe)) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            _ => self.close_conn(cid),
        }
    }

    /// Closes a connection; REMOVE is reported before the fd closes (SF-03).
    fn close_conn(&mut self, cid: usize) {
        let fd = self.conns[cid].fd;
        if self.sockets.get(fd).is_some_and(|e| e.reported != 0) {
            self.report(fd, Interest::Remove);
        }
        self.sockets.remove(fd);
        let conn = self.conns.remove(cid);
        if conn.state == ConnState::Idle {
            if let Some(list) = self.idle.get_mut(&conn.origin) {
                if let Some(pos) = list.iter().position(|&c| c == cid) {
                    list.swap_remove(pos);
                    self.idle_count -= 1;
                }
            }
        }
        if let Some(n) = self.host_conns.get_mut(&conn.origin) {
            *n -= 1;
            if *n == 0 {
                self.host_conns.remove(&conn.origin);
            }
        }
        self.slots_freed = true;
        tracing::trace!(fd, "connection closed");
        drop(conn);
    }
}

enum Outcome {
    More,
    /// The application paused receiving; the rest waits in the carry.
    Paused,
    /// "100 Continue" arrived for a request waiting to send its body.
    Continue100,
    Failed(Error),
    Finished {
        reusable: bool,
    },
}

/// Upstream's rule: ask for "100 Continue" before a body of unknown size
/// or over 1 MiB, unless the application set its own "Expect:" header
/// (then only if that one asks for it).
/// How the request body is framed. The method and body decide; a user
/// `Transfer-Encoding: chunked` line asks for chunked, and a user
/// `Content-Length:` gives the size of a body of unknown size. The head
/// always carries exactly one framing (see `http::encode_request`).
fn request_framing(method: &Method, body: &Body, headers: &[String]) -> BodyFraming {
    let sends_body = !matches!(method, Method::Get | Method::Head);
    let post_put = matches!(method, Method::Post | Method::Put);
    match (body, sends_body) {
        (_, false) => return BodyFraming::None,
        (Body::None, _) if !post_put => return BodyFraming::None,
        (Body::None, _) => return BodyFraming::Length(0),
        _ => {}
    }
    let (user_chunked, user_length) = http::user_framing(headers);
    if user_chunked {
        return BodyFraming::Chunked;
    }
    match body {
        Body::Bytes(b) => BodyFraming::Length(b.len() as u64),
        Body::Reader { len: Some(n), .. } => BodyFraming::Length(*n),
        Body::Reader { len: None, .. } => {
            user_length.map_or(BodyFraming::Chunked, BodyFraming::Length)
        }
        Body::None => unreachable!("handled above"),
    }
}

/// The header lines to send: the application's, without credentials when
/// they may not go to `dest`, plus `Authorization: Basic` from the URL's
/// user and password (the current URL's, or the first URL's while at its
/// origin) and `Expect: 100-continue`. Borrows when nothing changes.
fn request_headers<'a>(
    user: &'a [String],
    dest: &Dest,
    first: Option<&Dest>,
    creds: bool,
    expect: bool,
) -> std::borrow::Cow<'a, [String]> {
    use std::borrow::Cow;
    let userinfo = if !dest.url.username().is_empty() {
        Some(&dest.url)
    } else {
        first
            .map(|f| &f.url)
            .filter(|u| creds && !u.username().is_empty())
    };
    let basic = userinfo
        .filter(|_| !user.iter().any(|h| header_is(h, "authorization")))
        .map(basic_auth);
    let add_expect = expect && !user_sets_expect(user);
    if creds && basic.is_none() && !add_expect {
        return Cow::Borrowed(user);
    }
    let mut lines: Vec<String> = user
        .iter()
        .filter(|h| creds || !(header_is(h, "authorization") || header_is(h, "cookie")))
        .cloned()
        .collect();
    lines.extend(basic);
    if add_expect {
        lines.push("Expect: 100-continue".to_owned());
    }
    Cow::Owned(lines)
}

/// Whether header line `line` is named `name` (lower case).
fn header_is(line: &str, name: &str) -> bool {
    line.len() > name.len()
        && line.as_bytes()[name.len()] == b':'
        && line[..name.len()].eq_ignore_ascii_case(name)
}

/// `Authorization: Basic` for the URL's user and password.
fn basic_auth(url: &Url) -> String {
    use base64::Engine as _;
    let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
    let mut pair = decode(url.username());
    pair.push(b':');
    pair.extend(decode(url.password().unwrap_or("")));
    format!(
        "Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// A body from memory, as it goes on the wire.
fn push_bytes_body(body: &[u8], chunked: bool, out: &mut Vec<u8>) {
    if chunked {
        http::encode_chunk(body, out);
        http::encode_last_chunk(out);
    } else {
        out.extend_from_slice(body);
    }
}

fn wants_expect(headers: &[String], body: &Body, framing: BodyFraming) -> bool {
    const THRESHOLD: u64 = 1024 * 1024;
    if framing == BodyFraming::None {
        return false;
    }
    if let Some(line) = headers.iter().find(|h| is_expect_header(h)) {
        return line.to_ascii_lowercase().contains("100-continue");
    }
    match (body, framing) {
        (Body::Bytes(b), _) => b.len() as u64 > THRESHOLD,
        (Body::Reader { .. }, BodyFraming::Chunked) => true,
        (Body::Reader { len: Some(n), .. }, _) => *n > THRESHOLD,
        _ => false,
    }
}

fn is_expect_header(line: &str) -> bool {
    line.len() >= 7 && line[..7].eq_ignore_ascii_case("expect:")
}

fn user_sets_expect(headers: &[String]) -> bool {
    headers.iter().any(|h| is_expect_header(h))
}

fn open_socket(addr: SocketAddr) -> io::Result<socket2::Socket> {
    faults::check(Op::Socket)?;
    let sock = socket2::Socket::new(
        Domain::for_address(addr),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    )?;
    sock.set_nodelay(true)?;
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

impl Drop for Multi {
    /// `fetch_multi_cleanup`: every socket still announced gets REMOVE before
    /// it is closed (SF-07, HM-09). Added transfers are dropped with it.
    fn drop(&mut self) {
        let cids: Vec<usize> = self.conns.iter().map(|(cid, _)| cid).collect();
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
