//! [`Driver`]: the built-in loop (`fetch_multi_perform`, `_wait`, `_poll`,
//! `_wakeup`, `_timeout`) over one poller that follows the engine's socket
//! interest.

use std::fmt;
use std::io;
use std::num::NonZeroUsize;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use fetch_core::{Events as FetchEvents, Multi, MultiError, Target};
use polling::Events;

use crate::registration::{ExtraFds, ExtraState, Ready, Registry};

/// FETCH_WAIT_POLLIN: wait for, or report, readable data.
pub const WAIT_POLLIN: i16 = 0x0001;
/// FETCH_WAIT_POLLPRI: wait for, or report, urgent data. Reported where the
/// backend distinguishes it (epoll, poll(2)); on kqueue never. A POLLPRI
/// interest is also watched for ordinary readability, which can end a call
/// with this entry's `revents` still 0.
pub const WAIT_POLLPRI: i16 = 0x0002;
/// FETCH_WAIT_POLLOUT: wait for, or report, writability.
pub const WAIT_POLLOUT: i16 = 0x0004;
/// libfetch extension (poll(2)'s POLLNVAL value): set alone in `revents`
/// when an extra fd is not an open file descriptor. Such an entry counts as
/// ready, so the call returns at once, as poll(2) does.
pub const WAIT_POLLNVAL: i16 = 0x0020;

/// Events collected per `Poller::wait`; more ready sockets are served by
/// the next call (level-triggered, so none is lost).
const EVENTS_CAPACITY: NonZeroUsize = NonZeroUsize::new(1024).unwrap();

/// The longest single wait: upstream takes `int` milliseconds, and longer
/// values would only risk overflow in deadline arithmetic.
pub const MAX_WAIT: Duration = Duration::from_millis(i32::MAX as u64);

/// `struct fetch_waitfd`: an application fd for [`Driver::wait`] and
/// [`Driver::poll`] to watch besides the multi's own sockets (FD-10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitFd {
    /// The file descriptor. Negative values are ignored, as in poll(2).
    pub fd: RawFd,
    /// What to watch for: [`WAIT_POLLIN`], [`WAIT_POLLPRI`], [`WAIT_POLLOUT`].
    pub events: i16,
    /// What happened (set by the call; cleared at its start): a subset of
    /// `events`, or [`WAIT_POLLNVAL`] alone.
    pub revents: i16,
}

impl WaitFd {
    /// An entry watching `fd` for `events`.
    pub const fn new(fd: RawFd, events: i16) -> Self {
        Self {
            fd,
            events,
            revents: 0,
        }
    }
}

/// State shared with the engine's observer and with [`Waker`]s.
#[derive(Debug)]
struct Shared {
    registry: Registry,
    /// A wakeup was requested and no `poll` has returned since (FD-11).
    wake_pending: AtomicBool,
    /// Our observer is installed in the multi. Cleared when it is dropped
    /// (see [`ObserverGuard`]); the next driver call installs it again.
    attached: AtomicBool,
}

/// Owned by the observer closure in the engine. `Multi::set_socket_observer`
/// and `clear_socket_observer` are safe, so code holding
/// [`Driver::multi_mut`] can drop our observer; from then on no REMOVE
/// would reach the poller before the engine closes a socket. Dropping the
/// observer drops this guard first, which deletes every registration while
/// the sockets are still open, so the poller never holds a closed fd
/// (SF-03) whatever safe code does.
struct ObserverGuard(Arc<Shared>);

impl Drop for ObserverGuard {
    fn drop(&mut self) {
        self.0.attached.store(false, Ordering::SeqCst);
        self.0.registry.forget_all();
    }
}

/// Registers the sockets `multi` has announced and installs the observer
/// that keeps the poller in step from now on.
fn attach(multi: &mut Multi, shared: &Arc<Shared>) -> io::Result<()> {
    for (fd, interest) in multi.sockets() {
        shared.registry.follow(fd, interest);
    }
    if let Some(e) = shared.registry.take_failure() {
        shared.registry.forget_all();
        let _ = shared.registry.take_failure();
        return Err(e);
    }
    let guard = ObserverGuard(Arc::clone(shared));
    multi.set_socket_observer(move |fd, interest| guard.0.registry.follow(fd, interest));
    shared.attached.store(true, Ordering::SeqCst);
    Ok(())
}

/// A self-driven multi: owns a [`Multi`] and a poller that follows the
/// engine's socket interest, and offers the upstream built-in loop.
///
/// The poller is kept in step through the engine's internal observer
/// (`Multi::set_socket_observer`), so a socket callback set by the
/// application still fires as documented (SF-01..SF-09). Replacing or
/// clearing that observer through [`Driver::multi_mut`] is harmless: the
/// registrations are deleted at that moment and the next driver call
/// installs the observer again (a replacement of yours is dropped then).
///
/// ```no_run
/// use std::time::Duration;
/// use fetch_core::{Easy, Multi};
/// use fetch_poll::Driver;
///
/// let mut driver = Driver::new(Multi::new())?;
/// driver.multi_mut().add(Easy::with_url("http://127.0.0.1:8080/")).unwrap();
/// while driver.perform()? > 0 {
///     driver.poll(&mut [], Duration::from_secs(1))?;
/// }
/// while let Some((msg, _)) = driver.multi_mut().info_read() {
///     println!("{:?}: {:?}", msg.transfer, msg.result);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Driver {
    multi: Multi,
    shared: Arc<Shared>,
    events: Events,
    /// Scratch space reused by every call, so steady state allocates nothing.
    ready: Vec<Ready>,
    extra_state: Vec<ExtraState>,
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("multi", &self.multi)
            .field("backend", &crate::backend_name())
            .field("registered", &self.shared.registry.registered())
            .finish_non_exhaustive()
    }
}

impl Driver {
    /// Takes over `multi`: creates the poller, registers the sockets the
    /// multi has already announced, and installs the observer that keeps
    /// the poller in step from now on.
    pub fn new(multi: Multi) -> io::Result<Self> {
        Self::try_new(multi).map_err(|failed| failed.0)
    }

    /// As [`Driver::new`], but a failure (no poller, a socket the poller
    /// refuses) gives the multi back, unchanged, with its transfers: for a
    /// caller that creates the driver only once the built-in loop is used.
    pub fn try_new(mut multi: Multi) -> Result<Self, Box<(io::Error, Multi)>> {
        let registry = match Registry::new() {
            Ok(r) => r,
            Err(e) => return Err(Box::new((e, multi))),
        };
        let shared = Arc::new(Shared {
            registry,
            wake_pending: AtomicBool::new(false),
            attached: AtomicBool::new(false),
        });
        if let Err(e) = attach(&mut multi, &shared) {
            return Err(Box::new((e, multi)));
        }
        Ok(Self {
            multi,
            shared,
            events: Events::with_capacity(EVENTS_CAPACITY),
            ready: Vec::new(),
            extra_state: Vec::new(),
        })
    }

    /// The multi.
    pub fn multi(&self) -> &Multi {
        &self.multi
    }

    /// The multi, to add and remove transfers or read messages.
    pub fn multi_mut(&mut self) -> &mut Multi {
        &mut self.multi
    }

    /// Gives the multi back, without the observer. Its sockets stay open;
    /// the poller is dropped and every [`Waker`] fails from now on.
    pub fn into_inner(self) -> Multi {
        let mut multi = self.multi;
        // Drops the guard, which deletes every registration.
        multi.clear_socket_observer();
        multi
    }

    /// `fetch_multi_perform` (FD-05, FD-06): never blocks. Asks the poller
    /// which sockets are ready (zero timeout), acts on each with
    /// `socket_action`, runs due timers, and returns the number of running
    /// transfers. Finished ones are read with `multi_mut().info_read()`.
    ///
    /// Costs O(ready sockets), not O(transfers): one `Poller::wait`, one
    /// `socket_action` per ready socket, and a timer pass only when no
    /// socket was ready or something is still due after them (each
    /// `socket_action` runs due timers itself, but may leave transfers the
    /// timer callback announced with 0 for a timer pass).
    pub fn perform(&mut self) -> Result<usize, MultiError> {
        self.check_registrations()?;
        let registry = &self.shared.registry;
        self.events.clear();
        self.ready.clear();
        if registry.registered() > 0 {
            registry
                .poller()
                .wait(&mut self.events, Some(Duration::ZERO))
                .map_err(poll_failed)?;
            registry.collect_ready(&self.events, &mut self.ready);
        }
        let mut running = None;
        for ready in &self.ready {
            // Skip events of a socket removed while earlier ones were
            // handled: its fd may already name a new socket. Level mode
            // reports that one again if it is ready.
            if registry.is_current(ready) {
                running = Some(
                    self.multi
                        .socket_action(Target::Socket(ready.fd), ready.events)?,
                );
            }
        }
        match running {
            // A socket call may leave transfers that the timer callback
            // announced with 0 for a TIMEOUT call (fetch-core's
            // `socket_action`); perform runs everything due.
            Some(n) if self.multi.timeout() != Some(Duration::ZERO) => Ok(n),
            _ => self.multi.socket_action(Target::Timeout, FetchEvents::NONE),
        }
    }

    /// `fetch_multi_wait` (FD-08, FD-09, FD-10): blocks until one of the
    /// multi's sockets or of `extra` has activity, or until `timeout`
    /// (clamped to [`MAX_WAIT`]) or the engine's own, shorter timeout
    /// passes. Returns how many fds, library and extra, had events, and
    /// sets each extra entry's `revents`. Returns at once, with 0, when
    /// there is nothing to wait on. It does no transfer work (call
    /// [`Driver::perform`] next) and ignores wakeups (FD-11), which stay
    /// pending for the next [`Driver::poll`].
    ///
    /// `extra` fds are watched only during the call and must stay open
    /// until it returns. A negative fd is ignored; a closed fd gets
    /// `revents = WAIT_POLLNVAL` and counts (the call returns at once); a fd
    /// that is one of the multi's sockets or is listed twice gives
    /// [`MultiError::BadFunctionArgument`]. A failing poller gives
    /// [`MultiError::UnrecoverablePoll`].
    pub fn wait(&mut self, extra: &mut [WaitFd], timeout: Duration) -> Result<usize, MultiError> {
        self.wait_for(extra, timeout, false)
    }

    /// `fetch_multi_poll` (FD-08, FD-09, FD-10, FD-11): like
    /// [`Driver::wait`], but with nothing to wait on it still sleeps for the
    /// timeout, and a [`Waker`] ends it early — or, when the wakeup came
    /// first, makes it return at once (with 0).
    pub fn poll(&mut self, extra: &mut [WaitFd], timeout: Duration) -> Result<usize, MultiError> {
        self.wait_for(extra, timeout, true)
    }

    fn wait_for(
        &mut self,
        extra: &mut [WaitFd],
        timeout: Duration,
        wakeable: bool,
    ) -> Result<usize, MultiError> {
        self.check_registrations()?;
        let mut timeout = timeout.min(MAX_WAIT);
        if let Some(engine) = self.multi.timeout() {
            timeout = timeout.min(engine);
        }
        let shared = &*self.shared;
        let registry = &shared.registry;
        if wakeable && shared.wake_pending.swap(false, Ordering::SeqCst) {
            extra.iter_mut().for_each(|w| w.revents = 0);
            return Ok(0);
        }
        if !wakeable && extra.is_empty() && registry.registered() == 0 {
            return Ok(0);
        }
        let deadline = Instant::now() + timeout;
        let mut fds = ExtraFds::register(registry.poller(), extra, &mut self.extra_state)?;
        let mut count = fds.settled_ready();
        loop {
            let remaining = if count > 0 {
                Duration::ZERO
            } else {
                deadline.saturating_duration_since(Instant::now())
            };
            self.events.clear();
            registry
                .poller()
                .wait(&mut self.events, Some(remaining))
                .map_err(poll_failed)?;
            let mut any = false;
            for ev in self.events.iter() {
                any = true;
                match fds.on_event(ev) {
                    Some(true) | None => count += 1,
                    Some(false) => {}
                }
            }
            // A poll that returns for any reason serves a pending wakeup.
            let woken = wakeable && shared.wake_pending.swap(false, Ordering::SeqCst);
            // No events and no wakeup: the timeout, or a notification meant
            // for `poll` (wait ignores it), or a spurious return.
            if any || count > 0 || woken || Instant::now() >= deadline {
                return Ok(count);
            }
        }
    }

    /// A handle that wakes this driver's [`Driver::poll`] from any thread
    /// (`fetch_multi_wakeup`).
    pub fn waker(&self) -> Waker {
        Waker {
            shared: Arc::downgrade(&self.shared),
        }
    }

    /// `fetch_multi_timeout`: how long until the engine needs
    /// [`Driver::perform`] even without socket activity; `None` is none.
    pub fn timeout(&mut self) -> Option<Duration> {
        self.multi.timeout()
    }

    /// Reports a registration the poller refused, and installs the
    /// observer again if it was replaced or cleared through
    /// [`Driver::multi_mut`].
    fn check_registrations(&mut self) -> Result<(), MultiError> {
        if !self.shared.attached.load(Ordering::SeqCst) {
            attach(&mut self.multi, &self.shared).map_err(poll_failed)?;
        }
        match self.shared.registry.take_failure() {
            None => Ok(()),
            Some(e) => Err(poll_failed(e)),
        }
    }
}

fn poll_failed(e: io::Error) -> MultiError {
    tracing::error!(error = %e, "poller failed");
    if e.kind() == io::ErrorKind::OutOfMemory {
        MultiError::OutOfMemory
    } else {
        MultiError::UnrecoverablePoll
    }
}

/// Wakes a [`Driver`]'s [`Driver::poll`] from any thread
/// (`fetch_multi_wakeup`, FD-11). Cheap to clone.
#[derive(Clone)]
pub struct Waker {
    shared: Weak<Shared>,
}

impl fmt::Debug for Waker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waker")
            .field("alive", &(self.shared.strong_count() > 0))
            .finish()
    }
}

impl Waker {
    /// Wakes the running `poll`, or the next one if none is running.
    /// Several wakeups before a `poll` returns collapse into one; `wait` is
    /// not affected. Gives [`MultiError::WakeupFailure`] once the driver is
    /// gone or when signalling fails.
    pub fn wake(&self) -> Result<(), MultiError> {
        let shared = self.shared.upgrade().ok_or(MultiError::WakeupFailure)?;
        shared.wake_pending.store(true, Ordering::SeqCst);
        shared.registry.poller().notify().map_err(|e| {
            tracing::error!(error = %e, "wakeup failed");
            MultiError::WakeupFailure
        })
    }
}
