//! The keep-alive pool and the connection limits, with their state kept
//! here: idle connections per origin, open connections per origin, and the
//! transfers waiting for a slot (MAX_HOST_CONNECTIONS,
//! MAX_TOTAL_CONNECTIONS) in a queue per origin, so a freed slot wakes one
//! waiter instead of every pending transfer. Closing a connection happens
//! in one place, [`Multi::close_conn`], which reports REMOVE first.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::*;

/// A transfer waiting for a connection slot: its index and generation
/// (an entry whose transfer moved on or went away is skipped, so removing
/// a waiting transfer costs nothing here).
type Waiter = (TransferKey, u32);

/// Per origin: its idle connections, its open connections, its waiters.
#[derive(Default)]
struct Origin {
    idle: Vec<ConnKey>,
    open: usize,
    waiting: VecDeque<Waiter>,
    /// Listed in `Pool::waiting_origins`.
    listed: bool,
}

/// How long after a drained connection went idle a reuse leaves out the
/// liveness probe (`Multi::probe_redundant`): about one round of an event
/// loop that re-adds finished transfers (tens of microseconds on
/// loopback), far below any server's keep-alive timeout, whose closes the
/// probe is there to find.
const PROBE_WINDOW: Duration = Duration::from_millis(1);

/// The origins with pool state. The first one lives outside the hash map
/// and is found by one string comparison: most applications talk to one
/// origin, and hashing its key twice per transfer was a visible part of
/// the per-transfer work (issue 13). A key is in exactly one of the two.
#[derive(Default)]
struct Origins {
    first: Option<(String, Origin)>,
    rest: FxHashMap<String, Origin>,
}

impl Origins {
    /// Whether `origin` is the one kept outside the map.
    #[inline(always)]
    fn is_first(&self, origin: &str) -> bool {
        matches!(&self.first, Some((k, _)) if k == origin)
    }

    #[inline(always)]
    fn get(&self, origin: &str) -> Option<&Origin> {
        match &self.first {
            Some((k, o)) if k == origin => Some(o),
            _ => self.rest.get(origin),
        }
    }

    #[inline(always)]
    fn get_mut(&mut self, origin: &str) -> Option<&mut Origin> {
        let first = self.is_first(origin);
        match &mut self.first {
            Some((_, o)) if first => Some(o),
            _ => self.rest.get_mut(origin),
        }
    }

    /// The state of `origin`, made empty when it has none.
    #[inline(always)]
    fn get_or_default(&mut self, origin: &str) -> &mut Origin {
        if !self.is_first(origin) {
            return self.elsewhere(origin);
        }
        let (_, o) = self.first.as_mut().expect("is first");
        o
    }

    /// [`Origins::get_or_default`] for an origin not kept outside the map.
    #[inline(never)]
    fn elsewhere(&mut self, origin: &str) -> &mut Origin {
        if !self.rest.contains_key(origin) {
            if self.first.is_none() {
                let (_, o) = self.first.insert((origin.to_owned(), Origin::default()));
                return o;
            }
            self.rest.insert(origin.to_owned(), Origin::default());
        }
        self.rest.get_mut(origin).expect("inserted above")
    }

    fn remove(&mut self, origin: &str) {
        match &self.first {
            Some((k, _)) if k == origin => self.first = None,
            _ => {
                self.rest.remove(origin);
            }
        }
    }

    fn values(&self) -> impl Iterator<Item = &Origin> {
        self.first.iter().map(|(_, o)| o).chain(self.rest.values())
    }
}

/// The pool's state; the rest of the engine goes through its methods.
#[derive(Default)]
pub(super) struct Pool {
    origins: Origins,
    idle_count: usize,
    open_count: usize,
    /// Origins with waiters, oldest first (for slots of the total limit).
    waiting_origins: VecDeque<String>,
    /// Origins whose slot or idle connection freed up since the last call.
    freed: FreedOrigins,
    /// A slot of the total limit freed up, or a limit changed.
    total_freed: bool,
    max_connects: Option<usize>,
    max_host: usize,
    max_total: usize,
}

impl Pool {
    pub(super) fn set_max_connects(&mut self, max: Option<usize>) {
        self.max_connects = max;
    }

    pub(super) fn set_max_host(&mut self, max: usize) {
        self.max_host = max;
        self.wake_all();
    }

    pub(super) fn set_max_total(&mut self, max: usize) {
        self.max_total = max;
        self.wake_all();
    }

    fn wake_all(&mut self) {
        for origin in &self.waiting_origins {
            self.freed.push(origin);
        }
        self.total_freed = true;
    }

    /// How many idle connections the pool keeps (MAXCONNECTS; default
    /// 4 × the transfers added).
    pub(super) fn idle_cap(&self, transfers: usize) -> usize {
        self.max_connects.unwrap_or(4 * transfers.max(1))
    }

    pub(super) fn idle_count(&self) -> usize {
        self.idle_count
    }

    /// Whether the total limit is reached (idle connections included).
    pub(super) fn at_total_limit(&self) -> bool {
        self.max_total != 0 && self.open_count >= self.max_total
    }

    /// Whether a new connection to `origin` may open now (an idle one
    /// elsewhere may be closed to make room under the total limit).
    pub(super) fn may_open(&self, origin: &str) -> bool {
        let open_here = self.origins.get(origin).map_or(0, |o| o.open);
        let host_ok = self.max_host == 0 || open_here < self.max_host;
        host_ok && (!self.at_total_limit() || self.idle_count > 0)
    }

    #[inline]
    pub(super) fn take_idle(&mut self, origin: &str) -> Option<ConnKey> {
        let cid = self.origins.get_mut(origin)?.idle.pop()?;
        self.idle_count -= 1;
        Some(cid)
    }

    /// `first` is the connection's [`Conn::pool_first`]: its origin is
    /// the one kept outside the map, found without comparing the key.
    #[inline]
    pub(super) fn put_idle(&mut self, origin: &str, first: bool, cid: ConnKey) {
        let o = match &mut self.origins.first {
            Some((_, o)) if first => o,
            _ => self.origins.get_or_default(origin),
        };
        o.idle.push(cid);
        let waiters = !o.waiting.is_empty();
        self.idle_count += 1;
        // A waiter of this origin can take it; under the total limit any
        // waiter can make room by closing it.
        if waiters {
            self.freed.push(origin);
        }
        self.total_freed |= self.max_total != 0;
    }

    /// The idle connections, for eviction.
    pub(super) fn idle(&self) -> impl Iterator<Item = ConnKey> + '_ {
        self.origins.values().flat_map(|o| o.idle.iter().copied())
    }

    /// A connection of `origin` opened (or joined from a share); `true`
    /// when its origin is the one kept outside the map. It stays that one
    /// while the connection is open: an origin's state is removed only
    /// when it has no open connection, and the first place is filled only
    /// when empty.
    pub(super) fn opened(&mut self, origin: &str) -> bool {
        self.origins.get_or_default(origin).open += 1;
        self.open_count += 1;
        self.origins.is_first(origin)
    }

    /// A connection of `origin` closed (`idle`: it was in the pool).
    pub(super) fn closed(&mut self, origin: &str, cid: ConnKey, idle: bool) {
        self.open_count -= 1;
        if let Some(o) = self.origins.get_mut(origin) {
            o.open -= 1;
            if idle {
                if let Some(pos) = o.idle.iter().position(|&c| c == cid) {
                    o.idle.swap_remove(pos);
                    self.idle_count -= 1;
                }
            }
            if o.open == 0 && o.waiting.is_empty() && o.idle.is_empty() {
                self.origins.remove(origin);
            } else if !o.waiting.is_empty() {
                self.freed.push(origin);
            }
        }
        self.total_freed |= self.max_total != 0;
    }

    /// Queues a transfer that must wait for a slot to `origin`.
    pub(super) fn wait(&mut self, origin: &str, waiter: Waiter) {
        let o = self.origins.get_or_default(origin);
        o.waiting.push_back(waiter);
        if !o.listed {
            o.listed = true;
            self.waiting_origins.push_back(origin.to_owned());
        }
    }

    /// The next waiter of `origin`, if any (possibly stale: the caller
    /// checks it still waits).
    fn pop_waiter(&mut self, origin: &str) -> Option<Waiter> {
        let o = self.origins.get_mut(origin)?;
        let w = o.waiting.pop_front();
        if o.waiting.is_empty() && o.listed {
            o.listed = false;
            if let Some(pos) = self.waiting_origins.iter().position(|x| x == origin) {
                self.waiting_origins.remove(pos);
            }
        }
        w
    }

    /// Whether anything freed up since the last call.
    pub(super) fn has_freed(&self) -> bool {
        !self.freed.list.is_empty() || (self.total_freed && !self.waiting_origins.is_empty())
    }
}

/// The origins whose slot or idle connection freed up, in order, one
/// entry per slot. The buffers of handled entries are kept for the next
/// ones: under a host limit every finished transfer frees a slot for a
/// waiter, and a new `String` and list for each cost two allocations and
/// their frees per transfer (issue 13, workload L8).
#[derive(Default)]
struct FreedOrigins {
    list: Vec<String>,
    spare: Vec<String>,
}

impl FreedOrigins {
    /// (Out of line: with no waiter, the usual case of a release, the
    /// caller then pays one test.)
    #[cold]
    #[inline(never)]
    fn push(&mut self, origin: &str) {
        let mut s = self.spare.pop().unwrap_or_default();
        s.clear();
        s.push_str(origin);
        self.list.push(s);
    }
}

impl Multi {
    /// A live idle connection to the transfer's origin. Idle connections
    /// are not watched, so one the server closed meanwhile is found here,
    /// by a peek, and closed without any wake-up having been spent on it.
    ///
    /// The transfer's and the connection's rows are looked up once per
    /// connection tried, and one connection that went idle within the
    /// probe window is known not too old by its idle time (that limit is
    /// at least a second) without a second instant sum.
    ///
    /// The caller has checked FRESH_CONNECT; a reuse is traced here.
    pub(super) fn take_idle(&mut self, ti: TransferKey) -> Option<ConnKey> {
        loop {
            let t = &mut self.transfers[ti];
            let Some(cid) = self.pool.take_idle(&t.pool_key) else {
                return self.take_shared(ti);
            };
            let conn = &self.conns[cid];
            let now = self.now;
            let recent = conn
                .idle_since
                .checked_add(PROBE_WINDOW)
                .is_some_and(|until| now < until);
            let old = if recent {
                too_long_lived(t, conn, now)
            } else {
                too_old(t, conn, now)
            };
            if !old && ((recent && probe_redundant(t, conn)) || conn_alive(conn)) {
                if t.easy.debug.is_some() {
                    let host = &t.target.as_ref().expect("a started transfer").host;
                    t.easy
                        .trace_text(|| format!("Re-using existing connection with host {host}"));
                }
                return Some(cid);
            }
            // Out of the pool already: close it as a busy one.
            self.conns[cid].state = ConnState::Busy(ti);
            self.close_conn(cid);
        }
    }

    /// A transfer is done with connection `cid`: it goes back to the pool
    /// (or the transfer's share) when `reusable`, else it is closed.
    #[inline]
    pub(super) fn release_conn(&mut self, cid: ConnKey, reusable: bool) {
        self.release_conn_of(cid, reusable, true);
    }

    /// [`Multi::release_conn`]; `shared` is false when the transfer on
    /// the connection is known to hold no share, so the share's check
    /// (two row lookups) is skipped (`finish` has the row at hand).
    pub(super) fn release_conn_of(&mut self, cid: ConnKey, reusable: bool, shared: bool) {
        if !reusable {
            self.close_conn(cid);
            return;
        }
        if shared && self.park_in_share(cid) {
            return;
        }
        let conn = &mut self.conns[cid];
        conn.state = ConnState::Idle;
        conn.carry.clear();
        conn.idle_since = self.now;
        let fd = conn.fd;
        self.pool.put_idle(&conn.origin, conn.pool_first, cid);
        // SF-03: no active transfer uses the socket any more, so it is
        // REMOVEd (as upstream does); a reuse announces it again. A peer
        // close meanwhile is found when the connection is taken.
        self.sockets.want(fd, 0);
        self.cap_idle();
    }

    /// MAXCONNECTS: closes the oldest idle connections, HTTP/1.1 and
    /// HTTP/2 alike, while more than the cap are kept.
    pub(super) fn cap_idle(&mut self) {
        let cap = self.pool.idle_cap(self.transfers.len());
        // (With no HTTP/2 connection there is no map to walk.)
        let h2_idle = |m: &Self| {
            if m.h2.by_conn.is_empty() {
                0
            } else {
                m.h2_idle().count()
            }
        };
        while self.pool.idle_count() + h2_idle(self) > cap {
            self.evict_oldest_idle();
        }
    }

    /// Closes the connection idle the longest, HTTP/1.1 or HTTP/2.
    pub(super) fn evict_oldest_idle(&mut self) {
        let oldest = self
            .pool
            .idle()
            .chain(self.h2_idle())
            .min_by_key(|&cid| self.conns[cid].idle_since);
        match oldest {
            Some(cid) if self.h2.by_conn.contains_key(&cid) => self.h2_close(cid),
            Some(cid) => self.close_conn(cid),
            None => {}
        }
    }

    /// MAXAGE_CONN and MAXLIFETIME_CONN of the transfer that would reuse
    /// `cid`: counted in whole seconds, as upstream, so a connection idle
    /// for 1.9 s is not "older than 1 s".
    pub(super) fn too_old(&mut self, ti: TransferKey, cid: ConnKey) -> bool {
        too_old(&mut self.transfers[ti], &self.conns[cid], self.now)
    }

    /// Closes idle connections that are dead (the peer closed them, or sent
    /// what it should not have): `fetch_easy_upkeep`'s work for HTTP/1.1,
    /// which has nothing to send to keep a connection alive.
    pub fn upkeep(&mut self) -> Result<(), MultiError> {
        self.begin();
        let idle: Vec<ConnKey> = self.pool.idle().collect();
        for cid in idle {
            if !self.idle_alive(cid) {
                self.close_conn(cid);
            }
        }
        self.finish_call().map(|_| ())
    }

    /// Whether an idle connection can be reused: nothing to read on it.
    /// Readable means the peer closed it or sent something it should not
    /// have; either way it is done.
    pub(super) fn idle_alive(&mut self, cid: ConnKey) -> bool {
        conn_alive(&self.conns[cid])
    }

    /// The application reported an event on an idle connection (it was
    /// told to stop watching it, but may be late): close it if it is dead.
    pub(super) fn idle_event(&mut self, cid: ConnKey) {
        // Something may have arrived: a reuse probes again.
        self.conns[cid].drained = false;
        if !self.idle_alive(cid) {
            self.close_conn(cid);
        }
    }

    /// Closes a connection; REMOVE is reported before the fd closes (SF-03).
    pub(super) fn close_conn(&mut self, cid: ConnKey) {
        // PIPEWAIT: the connection a transfer waited for is gone.
        self.h2_wake_pipe_waiters(cid);
        let fd = self.conns[cid].fd;
        if let ConnState::Busy(ti) = self.conns[cid].state {
            if let Some(t) = self.transfers.get_mut(ti) {
                t.easy.trace_text(|| "Closing connection".to_owned());
                // FETCHINFO_ACTIVESOCKET: no longer open.
                if t.easy.info.active_socket == Some(fd) {
                    t.easy.info.active_socket = None;
                }
            }
        }
        if self.sockets.get(fd).is_some_and(|e| e.reported != 0) {
            self.report(fd, Interest::Remove);
        }
        self.sockets.remove(fd);
        let conn = self.conns.remove(cid);
        self.pool
            .closed(&conn.origin, cid, conn.state == ConnState::Idle);
        tracing::trace!(fd, "connection closed");
        conn.close();
    }

    /// Whether `ti` still waits for a slot (a queue entry may be stale).
    fn still_waiting(&self, (ti, generation): Waiter) -> bool {
        self.transfers
            .get(ti)
            .is_some_and(|t| t.generation == generation && t.phase == Phase::Pending)
    }

    /// Parks a transfer until a slot to its origin frees up.
    pub(super) fn wait_for_slot(&mut self, ti: TransferKey) {
        let t = &mut self.transfers[ti];
        if t.phase == Phase::Pending {
            return;
        }
        t.phase = Phase::Pending;
        let waiter = (ti, t.generation);
        self.pool.wait(&t.pool_key, waiter);
    }

    /// Wakes waiters for the slots that freed up: one per freed origin,
    /// then, under the total limit, waiters of any origin while a new
    /// connection may open. A woken transfer that still finds no slot
    /// waits again (at the back of its queue).
    pub(super) fn start_pending(&mut self) {
        // (Entries the wakes add meanwhile go to a new list, as before,
        // and wait for the next call; the taken list's buffers are kept.)
        let mut freed = std::mem::take(&mut self.pool.freed.list);
        for origin in freed.drain(..) {
            self.wake_one(&origin);
            self.pool.freed.spare.push(origin);
        }
        if self.pool.freed.list.is_empty() {
            self.pool.freed.list = freed;
        }
        if !std::mem::take(&mut self.pool.total_freed) {
            return;
        }
        // Each origin in the list is tried at most once per call, so a
        // waiter that cannot open (its host limit) never blocks the others.
        let mut tries = self.pool.waiting_origins.len();
        while tries > 0 && (!self.pool.at_total_limit() || self.pool.idle_count() > 0) {
            tries -= 1;
            let Some(origin) = self.pool.waiting_origins.front().cloned() else {
                break;
            };
            if self.pool.may_open(&origin) {
                self.wake_one(&origin);
            } else {
                self.pool.waiting_origins.rotate_left(1);
            }
        }
    }

    /// Drives the first live waiter of `origin`, if a slot is there for it.
    fn wake_one(&mut self, origin: &str) {
        while let Some(w) = self.pool.pop_waiter(origin) {
            if !self.still_waiting(w) {
                continue;
            }
            let ti = w.0;
            self.transfers[ti].phase = Phase::Init;
            self.drive(ti, Events::NONE);
            return;
        }
    }
}

/// [`Multi::too_old`] with the rows at hand, at the multi's time `now`.
fn too_old(t: &mut Transfer, conn: &Conn, now: Moment) -> bool {
    // The connection options read once (each read of the group checks
    // its shared default).
    let max_age = t.easy.conn.max_age;
    // More than `max_age` whole seconds idle: at least the next whole
    // second after it (a comparison is cheaper than the
    // difference, which is worked out only for the trace).
    let next_second = Duration::from_secs(max_age.as_secs().saturating_add(1));
    if conn
        .idle_since
        .checked_add(next_second)
        .is_some_and(|at| now >= at)
    {
        let idle = now.saturating_duration_since(conn.idle_since).as_secs();
        t.easy
            .trace_text(|| format!("Too old connection ({idle} seconds idle), disconnect it"));
        return true;
    }
    too_long_lived(t, conn, now)
}

/// MAXLIFETIME_CONN alone: the connection was created more whole seconds
/// ago than the limit of the transfer that would reuse it.
fn too_long_lived(t: &mut Transfer, conn: &Conn, now: Moment) -> bool {
    // The age since creation is worked out only under a limit (none
    // by default).
    let Some(max) = t.easy.conn.max_lifetime.filter(|max| !max.is_zero()) else {
        return false;
    };
    let life = now.saturating_duration_since(conn.created).as_secs();
    if life <= max.as_secs() {
        return false;
    }
    t.easy.trace_text(|| {
        format!("Too old connection ({life} seconds since creation), disconnect it")
    });
    true
}

/// Whether the liveness probe can be left out when `t` takes the idle
/// connection `conn` that went idle less than [`PROBE_WINDOW`] ago
/// (decisions.md 65): its last receive was a short plaintext read (the
/// socket held nothing more), no event was reported for it since, and
/// the request can go again unchanged if the connection turns out dead
/// after all (a GET or HEAD without a streamed body, not yet retried:
/// `conn_failed` retries it once on a new connection). What a probe
/// could find in that window it could as well miss: a close that
/// arrives between the probe and the send is found only by that retry.
fn probe_redundant(t: &Transfer, conn: &Conn) -> bool {
    conn.drained
        && matches!(t.method, Method::Get | Method::Head)
        && !matches!(t.easy.body, Body::Reader { .. })
        && !t.retried
}

/// [`Multi::idle_alive`] with the connection's row at hand.
fn conn_alive(conn: &Conn) -> bool {
    let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    matches!(
        faults::check(Op::Peek).and_then(|()| conn.sock.peek(&mut probe)),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock
    )
}
