//! Name resolution off the application's thread. IP literals never come
//! here. Names go to one pool of worker threads, shared by every `Multi` in
//! the process and never larger than [`MAX_WORKERS`], running getaddrinfo.
//! Each `Multi` keeps its own [`Resolver`]: an inbox for its answers and an
//! internal socket pair whose read end the engine reports to that multi's
//! application like any other socket, so an app that only waits on
//! announced sockets still wakes up (DESIGN: Resolver).
//!
//! No thread outlives its use: a worker left idle for [`IDLE_TIMEOUT`] ends,
//! and when the last resolver is dropped every worker that is not inside
//! getaddrinfo is told to end and is joined before the drop returns. A
//! worker still inside getaddrinfo then (it cannot be interrupted) ends
//! once the call returns and is joined by whoever next uses the pool. Its
//! answer, like any answer for a dropped resolver, is discarded: jobs hold
//! their inbox weakly, so a dropped resolver's inbox and socket are freed at
//! once and a late answer has nowhere to go.
//!
//! ```text
//!  Multi ─┐ submit            ┌─ worker ─ getaddrinfo ─┐
//!  Multi ─┼──► shared queue ──┼─ worker ─ getaddrinfo ─┼─► that multi's inbox
//!  Multi ─┘                   └─ (≤ MAX_WORKERS)       ┘   + a wakeup byte
//! ```

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::mem;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::clock::Moment;

/// How many worker threads the whole process may run at once.
const MAX_WORKERS: usize = 4;
/// How long a worker waits for a job before it ends.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a worker runs for a job: getaddrinfo, or a stand-in in unit tests.
type Lookup = fn(&str, u16) -> io::Result<Vec<SocketAddr>>;

fn system_lookup(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    (host, port).to_socket_addrs().map(Iterator::collect)
}

struct Job {
    key: u64,
    host: String,
    port: u16,
    lookup: Lookup,
    /// Weak, so that dropping the resolver frees its inbox at once.
    inbox: Weak<Inbox>,
}

/// Where a resolver's answers arrive.
struct Inbox {
    done: Mutex<Vec<Resolved>>,
    wake_tx: UnixStream,
}

/// A finished lookup.
pub(crate) struct Resolved {
    pub(crate) key: u64,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) result: io::Result<Vec<SocketAddr>>,
}

struct Worker {
    id: u64,
    /// Taken by whoever will join the thread.
    handle: Option<JoinHandle<()>>,
    /// Inside a lookup, which cannot be interrupted.
    busy: bool,
    /// Told to end at its next look at the queue.
    retire: bool,
}

struct PoolState {
    queue: VecDeque<Job>,
    workers: Vec<Worker>,
    /// Threads that have ended and still need a join.
    ended: Vec<JoinHandle<()>>,
    /// Workers waiting for a job.
    idle: usize,
    /// Live resolvers.
    users: usize,
    next_id: u64,
}

struct Pool {
    state: Mutex<PoolState>,
    work: Condvar,
}

static POOL: Pool = Pool {
    state: Mutex::new(PoolState {
        queue: VecDeque::new(),
        workers: Vec::new(),
        ended: Vec::new(),
        idle: 0,
        users: 0,
        next_id: 0,
    }),
    work: Condvar::new(),
};

impl Pool {
    /// Nothing a worker does under the lock can leave the state half
    /// updated, so a poisoned lock is still usable.
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn join_all(handles: Vec<JoinHandle<()>>) {
    for h in handles {
        // A worker cannot panic short of a bug in std; nothing to report.
        let _ = h.join();
    }
}

fn work(id: u64) {
    let mut st = POOL.lock();
    loop {
        if st.workers.iter().any(|w| w.id == id && w.retire) {
            break;
        }
        if let Some(job) = st.queue.pop_front() {
            set_busy(&mut st, id, true);
            drop(st);
            let result = (job.inbox.strong_count() > 0).then(|| (job.lookup)(&job.host, job.port));
            st = POOL.lock();
            set_busy(&mut st, id, false);
            if let (Some(result), Some(inbox)) = (result, job.inbox.upgrade()) {
                inbox.deliver(Resolved {
                    key: job.key,
                    host: job.host,
                    port: job.port,
                    result,
                });
            }
            continue;
        }
        if st.users == 0 {
            break;
        }
        st.idle += 1;
        let (guard, wait) = POOL
            .work
            .wait_timeout(st, IDLE_TIMEOUT)
            .unwrap_or_else(PoisonError::into_inner);
        st = guard;
        st.idle -= 1;
        if wait.timed_out() && st.queue.is_empty() {
            break;
        }
    }
    if let Some(i) = st.workers.iter().position(|w| w.id == id) {
        let me = st.workers.swap_remove(i);
        st.ended.extend(me.handle);
    }
}

fn set_busy(st: &mut PoolState, id: u64, busy: bool) {
    if let Some(w) = st.workers.iter_mut().find(|w| w.id == id) {
        w.busy = busy;
    }
}

impl Inbox {
    fn deliver(&self, r: Resolved) {
        self.done
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(r);
        // A full pipe already means "wake up"; nothing to do then.
        let _ = (&self.wake_tx).write(&[1]);
    }
}

/// One multi's view of the shared pool.
pub(crate) struct Resolver {
    inbox: Arc<Inbox>,
    wake_rx: UnixStream,
    outstanding: usize,
    cache: HashMap<(String, u16), (Moment, Vec<SocketAddr>)>,
}

impl Resolver {
    pub(crate) fn new() -> io::Result<Self> {
        let (wake_tx, wake_rx) = UnixStream::pair()?;
        wake_tx.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        let ended = {
            let mut st = POOL.lock();
            st.users += 1;
            mem::take(&mut st.ended)
        };
        join_all(ended);
        Ok(Self {
            inbox: Arc::new(Inbox {
                done: Mutex::new(Vec::new()),
                wake_tx,
            }),
            wake_rx,
            outstanding: 0,
            cache: HashMap::new(),
        })
    }

    /// The fd the application watches for completions.
    pub(crate) fn fd(&self) -> RawFd {
        self.wake_rx.as_raw_fd()
    }

    pub(crate) fn outstanding(&self) -> usize {
        self.outstanding
    }

    /// A cached answer for `host`:`port` no older than `ttl` (`None`:
    /// any age; FETCHOPT_DNS_CACHE_TIMEOUT). Older ones are dropped.
    pub(crate) fn cached(
        &mut self,
        host: &str,
        port: u16,
        now: Moment,
        ttl: Option<Duration>,
    ) -> Option<Vec<SocketAddr>> {
        let key = (host.to_owned(), port);
        match self.cache.get(&key) {
            Some((at, addrs)) if ttl.is_none_or(|t| now.saturating_duration_since(*at) < t) => {
                Some(addrs.clone())
            }
            Some(_) => {
                self.cache.remove(&key);
                None
            }
            None => None,
        }
    }

    pub(crate) fn store(&mut self, host: String, port: u16, addrs: Vec<SocketAddr>, now: Moment) {
        self.cache.insert((host, port), (now, addrs));
    }

    /// Drops a cached answer (a `-HOST:PORT` RESOLVE entry).
    pub(crate) fn forget(&mut self, host: &str, port: u16) {
        self.cache.remove(&(host.to_owned(), port));
    }

    /// Queues a lookup; its result comes back through [`Resolver::drain`].
    pub(crate) fn submit(&mut self, key: u64, host: &str, port: u16) -> io::Result<()> {
        self.submit_with(key, host, port, system_lookup)
    }

    fn submit_with(&mut self, key: u64, host: &str, port: u16, lookup: Lookup) -> io::Result<()> {
        let mut st = POOL.lock();
        let ended = mem::take(&mut st.ended);
        st.queue.push_back(Job {
            key,
            host: host.to_owned(),
            port,
            lookup,
            inbox: Arc::downgrade(&self.inbox),
        });
        // Workers still waking up count as idle until they take a job.
        if st.queue.len() > st.idle && st.workers.len() < MAX_WORKERS {
            if let Err(e) = spawn_worker(&mut st) {
                if st.workers.is_empty() {
                    st.queue.pop_back();
                    drop(st);
                    join_all(ended);
                    return Err(e);
                }
                // A running worker will get to it.
            }
        }
        POOL.work.notify_one();
        drop(st);
        join_all(ended);
        self.outstanding += 1;
        Ok(())
    }

    /// Empties the wakeup socket and returns every finished lookup.
    pub(crate) fn drain(&mut self) -> Vec<Resolved> {
        let mut buf = [0u8; 64];
        while matches!(
            crate::faults::check(crate::faults::Op::ResolverWake)
                .and_then(|()| (&self.wake_rx).read(&mut buf)),
            Ok(n) if n > 0
        ) {}
        let done = mem::take(
            &mut *self
                .inbox
                .done
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        self.outstanding -= done.len().min(self.outstanding);
        done
    }
}

/// Called with the pool locked, so the new thread finds itself listed.
fn spawn_worker(st: &mut PoolState) -> io::Result<()> {
    let id = st.next_id;
    let handle = std::thread::Builder::new()
        .name("fetch-resolver".into())
        .stack_size(256 * 1024)
        .spawn(move || work(id))?;
    st.next_id += 1;
    st.workers.push(Worker {
        id,
        handle: Some(handle),
        busy: false,
        retire: false,
    });
    Ok(())
}

impl Drop for Resolver {
    /// Lookups still queued for this resolver are dropped; one in progress
    /// finishes in its worker and its answer is discarded. The last
    /// resolver out ends and joins every worker not inside a lookup.
    fn drop(&mut self) {
        let mut st = POOL.lock();
        st.users -= 1;
        let me = Arc::downgrade(&self.inbox);
        st.queue.retain(|j| !j.inbox.ptr_eq(&me));
        let mut joins = mem::take(&mut st.ended);
        if st.users == 0 {
            for w in st.workers.iter_mut().filter(|w| !w.busy) {
                w.retire = true;
                joins.extend(w.handle.take());
            }
            POOL.work.notify_all();
        }
        drop(st);
        join_all(joins);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Instant;

    /// The pool is process-wide: these tests take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    static GATE: Mutex<bool> = Mutex::new(false);
    static GATE_CV: Condvar = Condvar::new();
    static STARTED: AtomicBool = AtomicBool::new(false);

    /// A lookup that does not return until the test opens the gate.
    fn gated(_: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        STARTED.store(true, Ordering::SeqCst);
        let mut open = GATE.lock().unwrap();
        while !*open {
            open = GATE_CV.wait(open).unwrap();
        }
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
    }

    fn instant(_: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
    }

    fn pool_threads() -> (usize, usize) {
        let st = POOL.lock();
        (st.workers.len(), st.ended.len())
    }

    fn wait_for(what: &str, cond: impl Fn() -> bool) {
        let end = Instant::now() + Duration::from_secs(10);
        while !cond() {
            assert!(Instant::now() < end, "{what} did not happen in 10 s");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// FETCHOPT_DNS_CACHE_TIMEOUT: an answer is used while younger than
    /// the asking transfer's timeout; `None` keeps it forever.
    #[test]
    fn cache_timeout_is_the_askers() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let mut r = Resolver::new().unwrap();
        let t0 = Moment::from_nanos(1_000_000_000);
        let addrs = vec![SocketAddr::from(([127, 0, 0, 1], 80))];
        r.store("h".into(), 80, addrs.clone(), t0);
        let later = t0 + Duration::from_secs(61);
        assert_eq!(
            r.cached("h", 80, later, Some(Duration::from_secs(120))),
            Some(addrs.clone())
        );
        assert_eq!(r.cached("h", 80, later, None), Some(addrs.clone()));
        assert_eq!(
            r.cached("h", 80, later, Some(Duration::from_secs(60))),
            None
        );
        assert_eq!(r.cached("h", 80, t0, None), None, "the stale entry went");
        r.store("h".into(), 80, addrs, t0);
        r.forget("h", 80);
        assert_eq!(r.cached("h", 80, t0, None), None);
    }

    #[test]
    fn answers_reach_their_own_resolver_and_workers_are_joined() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let mut rs: Vec<Resolver> = (0..10).map(|_| Resolver::new().unwrap()).collect();
        for (i, r) in rs.iter_mut().enumerate() {
            r.submit_with(i as u64, "name", 1000 + i as u16, instant)
                .unwrap();
        }
        assert!(pool_threads().0 <= MAX_WORKERS);
        for (i, r) in rs.iter_mut().enumerate() {
            wait_for("an answer", || !r.inbox.done.lock().unwrap().is_empty());
            let got = r.drain();
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].key, i as u64);
            assert_eq!(got[0].port, 1000 + i as u16);
            assert_eq!(r.outstanding(), 0);
        }
        drop(rs);
        assert_eq!(pool_threads(), (0, 0), "the last drop joins every worker");
    }

    #[test]
    fn dropped_while_in_flight_discards_the_answer_and_leaks_nothing() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        *GATE.lock().unwrap() = false;
        STARTED.store(false, Ordering::SeqCst);
        let mut r = Resolver::new().unwrap();
        r.submit_with(7, "slow", 80, gated).unwrap();
        // Either queued or already answered when the resolver goes.
        r.submit_with(8, "queued", 80, instant).unwrap();
        wait_for("the slow lookup to start", || {
            STARTED.load(Ordering::SeqCst)
        });
        let inbox = Arc::downgrade(&r.inbox);
        drop(r);
        assert_eq!(inbox.strong_count(), 0, "inbox and socket freed at drop");
        assert!(
            POOL.lock().queue.is_empty(),
            "queued lookups of a dropped resolver are gone"
        );
        *GATE.lock().unwrap() = true;
        GATE_CV.notify_all();
        wait_for("the busy worker to end", || pool_threads().0 == 0);
        // The next user joins what the busy worker left behind.
        let r = Resolver::new().unwrap();
        assert_eq!(pool_threads(), (0, 0));
        drop(r);
    }
}
