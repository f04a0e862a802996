//! Name resolution off the application's thread. IP literals never come
//! here. Names go to a small pool of worker threads running getaddrinfo;
//! each completion writes a byte to an internal socket pair whose read end
//! the engine reports to the application like any other socket, so an app
//! that only waits on announced sockets still wakes up (DESIGN: Resolver).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many worker threads may run lookups at once.
const MAX_WORKERS: usize = 4;
/// How long a resolved name is kept.
const CACHE_TTL: Duration = Duration::from_secs(60);

struct Job {
    key: u64,
    host: String,
    port: u16,
}

/// A finished lookup.
pub(crate) struct Resolved {
    pub(crate) key: u64,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) result: io::Result<Vec<SocketAddr>>,
}

pub(crate) struct Resolver {
    jobs: Sender<Job>,
    job_rx: Arc<Mutex<Receiver<Job>>>,
    done_tx: Sender<Resolved>,
    done_rx: Receiver<Resolved>,
    wake_tx: Arc<UnixStream>,
    wake_rx: UnixStream,
    workers: usize,
    outstanding: usize,
    cache: HashMap<(String, u16), (Instant, Vec<SocketAddr>)>,
}

impl Resolver {
    pub(crate) fn new() -> io::Result<Self> {
        let (wake_tx, wake_rx) = UnixStream::pair()?;
        wake_tx.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        let (jobs, job_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        Ok(Self {
            jobs,
            job_rx: Arc::new(Mutex::new(job_rx)),
            done_tx,
            done_rx,
            wake_tx: Arc::new(wake_tx),
            wake_rx,
            workers: 0,
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

    pub(crate) fn cached(
        &mut self,
        host: &str,
        port: u16,
        now: Instant,
    ) -> Option<Vec<SocketAddr>> {
        let key = (host.to_owned(), port);
        match self.cache.get(&key) {
            Some((at, addrs)) if now.saturating_duration_since(*at) < CACHE_TTL => {
                Some(addrs.clone())
            }
            Some(_) => {
                self.cache.remove(&key);
                None
            }
            None => None,
        }
    }

    pub(crate) fn store(&mut self, host: String, port: u16, addrs: Vec<SocketAddr>, now: Instant) {
        self.cache.insert((host, port), (now, addrs));
    }

    /// Queues a lookup; its result comes back through [`Resolver::drain`].
    pub(crate) fn submit(&mut self, key: u64, host: &str, port: u16) -> io::Result<()> {
        self.outstanding += 1;
        if self.workers < MAX_WORKERS && self.workers < self.outstanding {
            self.spawn_worker()?;
        }
        self.jobs
            .send(Job {
                key,
                host: host.to_owned(),
                port,
            })
            .map_err(|_| io::Error::other("resolver workers are gone"))
    }

    fn spawn_worker(&mut self) -> io::Result<()> {
        let jobs = Arc::clone(&self.job_rx);
        let done = self.done_tx.clone();
        let wake = Arc::clone(&self.wake_tx);
        std::thread::Builder::new()
            .name("fetch-resolver".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                loop {
                    let job = {
                        let rx = jobs.lock().unwrap_or_else(|e| e.into_inner());
                        rx.recv()
                    };
                    let Ok(job) = job else { return };
                    let result = (job.host.as_str(), job.port)
                        .to_socket_addrs()
                        .map(Iterator::collect);
                    let resolved = Resolved {
                        key: job.key,
                        host: job.host,
                        port: job.port,
                        result,
                    };
                    if done.send(resolved).is_err() {
                        return;
                    }
                    // A full pipe already means "wake up"; nothing to do then.
                    let _ = (&*wake).write(&[1]);
                }
            })?;
        self.workers += 1;
        Ok(())
    }

    /// Empties the wakeup socket and returns every finished lookup.
    pub(crate) fn drain(&mut self) -> Vec<Resolved> {
        let mut buf = [0u8; 64];
        while matches!((&self.wake_rx).read(&mut buf), Ok(n) if n > 0) {}
        let done: Vec<Resolved> = self.done_rx.try_iter().collect();
        self.outstanding -= done.len().min(self.outstanding);
        done
    }
}
