//! The engine of a multi handle, and the built-in loop's poller only once
//! it is used (docs/decisions.md 28).
//!
//! A multi starts as a bare [`Multi`]: an application that drives it with
//! `fetch_multi_socket_action` gets no poller, no observer and no extra
//! `epoll_ctl` per interest change. The first `fetch_multi_perform`,
//! `_wait` or `_poll` turns it into a [`Driver`], which registers the
//! sockets the engine has already announced and follows it from then on.
//! `fetch_multi_wakeup` may come first, from any thread: it is remembered
//! ([`Wakeup`]) and handed to the poller when that is created.

use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering, fence};

use fetch_core::{Multi, MultiError};
use fetch_poll::{Driver, Waker};

use crate::codes::*;

/// The engine, bare or inside the built-in loop's driver.
pub(super) enum Engine {
    /// No poller yet.
    Bare(Multi),
    /// `perform`, `wait` or `poll` has been called.
    Driven(Driver),
}

impl Engine {
    pub(super) fn multi(&self) -> &Multi {
        match self {
            Self::Bare(m) => m,
            Self::Driven(d) => d.multi(),
        }
    }

    pub(super) fn multi_mut(&mut self) -> &mut Multi {
        match self {
            Self::Bare(m) => m,
            Self::Driven(d) => d.multi_mut(),
        }
    }
}

/// The driver in `slot`, created now if the engine is still bare. If the
/// poller cannot be created the engine stays bare, with its transfers,
/// and the call fails.
pub(super) fn driver<'a>(
    slot: &'a mut Option<Engine>,
    wakeup: &Wakeup,
) -> Result<&'a mut Driver, FETCHMcode> {
    if let Some(Engine::Bare(_)) = slot {
        let Some(Engine::Bare(multi)) = slot.take() else {
            return Err(FETCHM_INTERNAL_ERROR);
        };
        match Driver::try_new(multi) {
            Ok(d) => {
                wakeup.attach(&d);
                *slot = Some(Engine::Driven(d));
            }
            Err(failed) => {
                let (e, multi) = *failed;
                *slot = Some(Engine::Bare(multi));
                return Err(if e.kind() == io::ErrorKind::OutOfMemory {
                    FETCHM_OUT_OF_MEMORY
                } else {
                    FETCHM_UNRECOVERABLE_POLL
                });
            }
        }
    }
    match slot {
        Some(Engine::Driven(d)) => Ok(d),
        _ => Err(FETCHM_INTERNAL_ERROR),
    }
}

/// `fetch_multi_wakeup`'s view of the poller, usable from any thread
/// while another one drives the multi (both fields are `Sync`).
#[derive(Default)]
pub(super) struct Wakeup {
    /// The driver's waker, set once when the driver is created.
    waker: OnceLock<Waker>,
    /// A wakeup was asked for; read once, when the driver is created.
    early: AtomicBool,
}

impl Wakeup {
    /// FD-11: wakes the running or next `poll`. Before the poller exists
    /// nobody can be sleeping in it, so the wakeup is only recorded.
    pub(super) fn wake(&self) -> Result<(), MultiError> {
        self.early.store(true, Ordering::SeqCst);
        // Pairs with the fence in `attach`: either this thread sees the
        // waker, or `attach` sees `early` (or both; wakeups collapse).
        fence(Ordering::SeqCst);
        match self.waker.get() {
            Some(w) => w.wake(),
            None => Ok(()),
        }
    }

    /// Publishes `driver`'s waker and hands it a wakeup made before it
    /// existed.
    fn attach(&self, driver: &Driver) {
        let _ = self.waker.set(driver.waker());
        fence(Ordering::SeqCst);
        if self.early.swap(false, Ordering::SeqCst) {
            // Only sets the driver's pending flag and signals its poller,
            // which exists now.
            let _ = driver.waker().wake();
        }
    }
}
