//! The only place file descriptors enter and leave the poller, and so the
//! only `unsafe` in this crate.
//!
//! `polling` makes registration `unsafe` because a registered fd must be
//! deleted before it is closed (otherwise a later fd with the same number
//! could be confused with it, or, on the poll(2) backend, polled after the
//! close). Two kinds of fd are registered here, each with its own argument:
//!
//! - **Library sockets** ([`Registry`]), which follow the engine's interest
//!   changes through `Multi::set_socket_observer`. The engine reports an
//!   interest only for sockets it holds open, and reports REMOVE — which
//!   deletes the fd here, synchronously — before it closes one (SF-03), on
//!   every path including `Multi`'s drop (SF-07).
//! - **Extra fds** of one `wait`/`poll` call ([`ExtraFds`]): registered at
//!   the start of the call and deleted before it returns (a guard's `Drop`,
//!   so also on early returns). They belong to the caller, who keeps them
//!   open for the duration of the call, as with poll(2).
//!
//! Every registration uses [`PollMode::Level`]: a socket the engine has not
//! serviced yet is reported again by the next wait.
#![deny(
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::{Mutex, MutexGuard, PoisonError};

use fetch_core::{Events as FetchEvents, Interest, MultiError, Socket};
use polling::{Event, Events, PollMode, Poller};

use crate::driver::{WAIT_POLLIN, WAIT_POLLNVAL, WAIT_POLLOUT, WAIT_POLLPRI, WaitFd};

/// Keys at or above this name extra fds (key - base = index in the caller's
/// slice); below it, a key is a library socket's fd. fds are non-negative
/// `i32`s, so they stay below the top bit on every pointer width, and
/// `usize::MAX` (polling's notification key) is never produced.
const EXTRA_KEY_BASE: usize = 1 << (usize::BITS - 1);

/// errno values that are the same on Linux, the BSDs and macOS.
const EBADF: i32 = 9;
const EPERM: i32 = 1;

/// A ready library socket found by one `Poller::wait`, with the
/// registration generation it was seen under.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ready {
    pub(crate) fd: Socket,
    pub(crate) events: FetchEvents,
    generation: u32,
}

/// The poller and what is registered in it for the engine's sockets.
#[derive(Debug)]
pub(crate) struct Registry {
    poller: Poller,
    table: Mutex<Table>,
}

/// fd -> registration, indexed by fd like the engine's own socket table, so
/// every lookup is O(1).
#[derive(Debug, Default)]
struct Table {
    slots: Vec<Slot>,
    registered: usize,
    /// A registration the poller refused; reported by the next driver call.
    failure: Option<io::Error>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    registered: bool,
    /// Bumped on every REMOVE, so an event collected before the fd was
    /// removed (and perhaps reused by a new socket) is recognised as stale.
    generation: u32,
}

impl Table {
    fn slot(&mut self, fd: Socket) -> &mut Slot {
        let idx = usize::try_from(fd).expect("the engine reports non-negative fds");
        if self.slots.len() <= idx {
            self.slots.resize(idx + 1, Slot::default());
        }
        &mut self.slots[idx]
    }

    fn get(&self, fd: Socket) -> Option<Slot> {
        self.slots.get(usize::try_from(fd).ok()?).copied()
    }
}

impl Registry {
    /// A new poller with nothing registered.
    pub(crate) fn new() -> io::Result<Self> {
        Ok(Self {
            poller: Poller::new()?,
            table: Mutex::new(Table::default()),
        })
    }

    pub(crate) fn poller(&self) -> &Poller {
        &self.poller
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        // The table stays consistent even if a holder panicked: every
        // update is a single assignment.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The observer: applies one interest change reported by the engine.
    /// Called synchronously by the engine, so a REMOVE deletes the fd
    /// before the engine closes it.
    pub(crate) fn follow(&self, fd: Socket, interest: Interest) {
        let mut table = self.table();
        let slot = *table.slot(fd);
        let result = match (interest, slot.registered) {
            (Interest::Remove, false) => Ok(()),
            (Interest::Remove, true) => self.delete(fd),
            (_, true) => self.modify(fd, interest),
            (_, false) => self.add(fd, interest),
        };
        match result {
            Ok(()) => {
                let now = interest != Interest::Remove;
                let s = table.slot(fd);
                s.registered = now;
                if !now {
                    s.generation = s.generation.wrapping_add(1);
                }
                match (slot.registered, now) {
                    (false, true) => table.registered += 1,
                    (true, false) => table.registered -= 1,
                    _ => {}
                }
            }
            Err(e) => {
                tracing::error!(fd, ?interest, error = %e, "poller registration failed");
                if interest == Interest::Remove {
                    // The fd is gone from the engine either way; forget it.
                    let s = table.slot(fd);
                    s.registered = false;
                    s.generation = s.generation.wrapping_add(1);
                    table.registered -= 1;
                }
                table.failure.get_or_insert(e);
            }
        }
    }

    fn add(&self, fd: Socket, interest: Interest) -> io::Result<()> {
        let ev = library_event(fd, interest);
        // SAFETY: `fd` is a socket the engine holds open: it reports
        // interest only for sockets in its table, and reports REMOVE — which
        // reaches `follow` and deletes the fd here — before it closes one
        // (SF-03; `Multi`'s drop does the same for every announced socket).
        let added = unsafe { self.poller.add_with_mode(fd, ev, PollMode::Level) };
        match added {
            // Out of step with the poller (should not happen): adopt it.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                // SAFETY: as above, `fd` is open while the engine reports it.
                let fd = unsafe { registered_fd(fd) };
                self.poller.modify_with_mode(fd, ev, PollMode::Level)
            }
            other => other,
        }
    }

    fn modify(&self, fd: Socket, interest: Interest) -> io::Result<()> {
        let ev = library_event(fd, interest);
        // SAFETY: the engine reports a new interest only for a socket it
        // holds open (see `add`).
        let borrowed = unsafe { registered_fd(fd) };
        match self.poller.modify_with_mode(borrowed, ev, PollMode::Level) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => self.add(fd, interest),
            other => other,
        }
    }

    fn delete(&self, fd: Socket) -> io::Result<()> {
        // SAFETY: the engine reports REMOVE before it closes the socket
        // (SF-03), so `fd` is still open during this call.
        let borrowed = unsafe { registered_fd(fd) };
        match self.poller.delete(borrowed) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Deletes every library socket: the observer that keeps the table in
    /// step is going away (replaced, cleared, or dropped with the multi),
    /// and after that no REMOVE would reach this table before a close. The
    /// sockets are still open here (the engine drops its observer before
    /// closing anything it has not REMOVEd, and it is being dropped now).
    pub(crate) fn forget_all(&self) {
        let fds: Vec<Socket> = {
            let table = self.table();
            (0..table.slots.len())
                .filter(|&i| table.slots[i].registered)
                .filter_map(|i| Socket::try_from(i).ok())
                .collect()
        };
        for fd in fds {
            self.follow(fd, Interest::Remove);
        }
    }

    /// How many library sockets are registered.
    pub(crate) fn registered(&self) -> usize {
        self.table().registered
    }

    /// A registration failure since the last call, if any.
    pub(crate) fn take_failure(&self) -> Option<io::Error> {
        self.table().failure.take()
    }

    /// Appends the library sockets among `events` to `out`, each with its
    /// current generation. Extra-fd keys cannot be present: those are
    /// deleted before the `wait` that registered them returns.
    pub(crate) fn collect_ready(&self, events: &Events, out: &mut Vec<Ready>) {
        let table = self.table();
        for ev in events.iter() {
            if ev.key >= EXTRA_KEY_BASE {
                continue;
            }
            // Keys of library sockets are their fds (see `library_event`).
            let fd = ev.key as Socket;
            let Some(slot) = table.get(fd).filter(|s| s.registered) else {
                continue;
            };
            out.push(Ready {
                fd,
                events: fetch_events(ev),
                generation: slot.generation,
            });
        }
    }

    /// Whether `ready` still names the same registration: the fd was not
    /// removed (and perhaps reused) while earlier events were dispatched.
    pub(crate) fn is_current(&self, ready: &Ready) -> bool {
        self.table()
            .get(ready.fd)
            .is_some_and(|s| s.registered && s.generation == ready.generation)
    }
}

/// Borrows a registered fd for one `modify`/`delete` call.
///
/// # Safety
/// `fd` must be open for as long as the returned borrow is used, and must
/// not be -1.
unsafe fn registered_fd<'fd>(fd: RawFd) -> BorrowedFd<'fd> {
    debug_assert!(fd >= 0);
    // SAFETY: forwarded to the caller.
    unsafe { BorrowedFd::borrow_raw(fd) }
}

fn library_event(fd: Socket, interest: Interest) -> Event {
    let key = usize::try_from(fd).expect("the engine reports non-negative fds");
    Event::new(key, interest.is_readable(), interest.is_writable())
}

/// Readiness as the engine's FETCH_CSELECT bits.
fn fetch_events(ev: Event) -> FetchEvents {
    let mut out = FetchEvents::NONE;
    if ev.readable {
        out = out | FetchEvents::IN;
    }
    if ev.writable {
        out = out | FetchEvents::OUT;
    }
    if ev.is_err() == Some(true) {
        out = out | FetchEvents::ERR;
    }
    out
}

/// How one extra fd was handled at registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExtraState {
    /// In the poller until the call returns.
    Watched,
    /// Not registered; `revents` was settled up front.
    Settled,
}

/// The extra fds of one `wait`/`poll` call, registered for its duration.
pub(crate) struct ExtraFds<'a> {
    poller: &'a Poller,
    fds: &'a mut [WaitFd],
    state: &'a mut Vec<ExtraState>,
    /// Entries whose `revents` was set without waiting (closed or
    /// unpollable fds).
    settled_ready: usize,
}

impl<'a> ExtraFds<'a> {
    /// Registers `fds` (clearing every `revents` first). `state` is reused
    /// scratch space, so a call allocates nothing once warmed up.
    ///
    /// Per entry, like poll(2): a negative fd is ignored (`revents` 0); a
    /// closed fd gets `revents = WAIT_POLLNVAL` and counts as ready; a fd
    /// that cannot be watched because it is always ready (a regular file)
    /// gets its requested IN/OUT bits. A fd that is already registered (one
    /// of the multi's own sockets, or listed twice) gives
    /// `BadFunctionArgument`; other poller failures give `OutOfMemory` or
    /// `UnrecoverablePoll`.
    pub(crate) fn register(
        poller: &'a Poller,
        fds: &'a mut [WaitFd],
        state: &'a mut Vec<ExtraState>,
    ) -> Result<Self, MultiError> {
        state.clear();
        let mut this = Self {
            poller,
            fds,
            state,
            settled_ready: 0,
        };
        for i in 0..this.fds.len() {
            let w = &mut this.fds[i];
            w.revents = 0;
            if w.fd < 0 {
                this.state.push(ExtraState::Settled);
                continue;
            }
            let Some(key) = EXTRA_KEY_BASE.checked_add(i).filter(|&k| k != usize::MAX) else {
                return Err(MultiError::BadFunctionArgument);
            };
            let mut ev = Event::new(
                key,
                w.events & (WAIT_POLLIN | WAIT_POLLPRI) != 0,
                w.events & WAIT_POLLOUT != 0,
            );
            ev.set_priority(w.events & WAIT_POLLPRI != 0);
            // SAFETY: the fd is the caller's and, by the contract of
            // `Driver::wait`/`poll`, stays open for the duration of the call;
            // it is deleted before the call returns (this guard's `Drop`
            // runs on every path). A closed fd is refused by the kernel
            // (EBADF), and on the poll(2) backend it is reported as POLLNVAL;
            // neither touches memory through the fd.
            let added = unsafe { poller.add_with_mode(w.fd, ev, PollMode::Level) };
            match added {
                Ok(()) => this.state.push(ExtraState::Watched),
                Err(e) => {
                    this.state.push(ExtraState::Settled);
                    match e.raw_os_error() {
                        Some(EBADF) => w.revents = WAIT_POLLNVAL,
                        // epoll refuses regular files, which poll(2)
                        // reports as always ready.
                        Some(EPERM) => w.revents = w.events & (WAIT_POLLIN | WAIT_POLLOUT),
                        _ if e.kind() == io::ErrorKind::AlreadyExists => {
                            tracing::debug!(fd = w.fd, "extra fd already registered");
                            return Err(MultiError::BadFunctionArgument);
                        }
                        _ if e.kind() == io::ErrorKind::OutOfMemory => {
                            return Err(MultiError::OutOfMemory);
                        }
                        _ => {
                            tracing::error!(fd = w.fd, error = %e, "extra fd registration failed");
                            return Err(MultiError::UnrecoverablePoll);
                        }
                    }
                    if w.revents != 0 {
                        this.settled_ready += 1;
                    }
                }
            }
        }
        Ok(this)
    }

    /// Entries already ready without waiting.
    pub(crate) fn settled_ready(&self) -> usize {
        self.settled_ready
    }

    /// Records `ev` if it belongs to an extra fd. Returns `None` for a
    /// library socket's event, otherwise whether this entry just became
    /// ready (so each fd is counted once).
    pub(crate) fn on_event(&mut self, ev: Event) -> Option<bool> {
        let index = ev.key.checked_sub(EXTRA_KEY_BASE)?;
        let w = self.fds.get_mut(index)?;
        let mut revents = 0;
        if w.events & WAIT_POLLIN != 0 && ev.readable {
            revents |= WAIT_POLLIN;
        }
        if w.events & WAIT_POLLPRI != 0 && ev.is_priority() {
            revents |= WAIT_POLLPRI;
        }
        if w.events & WAIT_POLLOUT != 0 && ev.writable {
            revents |= WAIT_POLLOUT;
        }
        // poll(2) backend: a fd closed before the call comes back as
        // POLLNVAL, which sets none of polling's flags.
        if !ev.readable
            && !ev.writable
            && !ev.is_priority()
            && !ev.is_interrupt()
            && ev.is_err() != Some(true)
        {
            revents = WAIT_POLLNVAL;
        }
        let newly = w.revents == 0 && revents != 0;
        w.revents |= revents;
        Some(newly)
    }
}

impl Drop for ExtraFds<'_> {
    fn drop(&mut self) {
        for (w, state) in self.fds.iter().zip(self.state.iter()) {
            if *state == ExtraState::Watched {
                // SAFETY: the caller keeps its extra fds open for the whole
                // `wait`/`poll` call, which this guard does not outlive.
                let fd = unsafe { registered_fd(w.fd) };
                if let Err(e) = self.poller.delete(fd) {
                    // Closed during the call by another thread: epoll has
                    // dropped it already; nothing is left to undo.
                    tracing::debug!(fd = w.fd, error = %e, "extra fd delete failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    use super::*;

    fn ready(reg: &Registry) -> Vec<Ready> {
        let mut events = Events::new();
        reg.poller()
            .wait(&mut events, Some(Duration::ZERO))
            .unwrap();
        let mut out = Vec::new();
        reg.collect_ready(&events, &mut out);
        out
    }

    /// The observer's three moves, and SF-03's REMOVE making earlier events
    /// of that fd stale even if the fd number is announced again.
    #[test_log::test]
    fn follow_adds_modifies_removes_and_outdates_old_events() {
        let reg = Registry::new().unwrap();
        let (a, _b) = UnixStream::pair().unwrap();
        let fd = a.as_raw_fd();

        reg.follow(fd, Interest::Out);
        assert_eq!(reg.registered(), 1);
        let seen = ready(&reg);
        assert_eq!(seen.len(), 1);
        assert_eq!((seen[0].fd, seen[0].events), (fd, FetchEvents::OUT));
        assert!(reg.is_current(&seen[0]));

        // Modify: nothing to read, so nothing is ready.
        reg.follow(fd, Interest::In);
        assert_eq!(reg.registered(), 1);
        assert!(ready(&reg).is_empty());

        reg.follow(fd, Interest::Remove);
        assert_eq!(reg.registered(), 0);
        assert!(!reg.is_current(&seen[0]));
        assert!(ready(&reg).is_empty());

        // The same number announced again is a new registration.
        reg.follow(fd, Interest::InOut);
        assert_eq!(reg.registered(), 1);
        assert!(!reg.is_current(&seen[0]));
        let again = ready(&reg);
        assert_eq!(again.len(), 1);
        assert!(reg.is_current(&again[0]));

        reg.follow(fd, Interest::Remove);
        reg.follow(fd, Interest::Remove);
        assert_eq!(reg.registered(), 0);
        assert!(reg.take_failure().is_none());
    }
}
