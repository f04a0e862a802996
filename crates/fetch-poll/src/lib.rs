//! # fetch-poll: readiness backends and the built-in loop
//!
//! [`Driver`] makes a [`fetch_core::Multi`] self-driven: it keeps a
//! [`polling::Poller`] in step with the sockets the engine wants watched and
//! offers the upstream built-in loop — `perform` (never blocks), `wait`,
//! `poll`, `wakeup` (through a [`Waker`]) and `timeout`. The C ABI's
//! `fetch_multi_perform`, `_wait`, `_poll` and `_wakeup` are built on it.
//!
//! What it does **not** do: no HTTP and no transfer logic (that is all
//! fetch-core; `perform` only hands readiness to `socket_action`), no
//! threads (`poll` blocks the caller; a `Waker` is the only cross-thread
//! part), no edge-triggered or oneshot watching (every registration is
//! level-triggered, so a socket not serviced yet is reported again), and no
//! `fdset`/`waitfds` (those read `Multi::sockets` directly). Applications
//! that own their loop do not need this crate at all: they follow the socket
//! and timer callbacks themselves.
//!
//! Which OS mechanism runs is fixed at build time by `polling` and reported
//! by [`backend_name`]: epoll on Linux/Android, kqueue on macOS and the BSDs,
//! poll(2) when built with `RUSTFLAGS="--cfg polling_test_poll_backend"`.
//!
//! ```text
//!            Multi (engine)                         Driver
//!   interest change ──observer(fd, IN/OUT/REMOVE)──▶ Registry ──add/modify/delete──▶ Poller
//!   (user socket callback still fires after it)                                        │
//!                                                                                      │ ready fds
//!   socket_action(Socket(fd), IN|OUT|ERR) ◀──────── perform(): wait(0), per ready fd ◀─┘
//!   socket_action(Timeout)                ◀──────── perform(): when no fd was ready
//!   wait/poll(extra, timeout) ─▶ Poller::wait(min(timeout, Multi::timeout())) ─▶ count
//!   Waker::wake (any thread)  ─▶ Poller::notify ─▶ ends the current or next poll
//! ```
//!
//! ## The built-in loop
//!
//! ```no_run
//! use std::time::Duration;
//! use fetch_core::{Easy, Multi};
//! use fetch_poll::{Driver, WAIT_POLLIN, WaitFd};
//!
//! let mut driver = Driver::new(Multi::new())?;
//! for i in 0..3 {
//!     driver.multi_mut().add(Easy::with_url(format!("http://127.0.0.1:8080/bytes/{i}"))).unwrap();
//! }
//! // Some application fd to watch as well, e.g. a pipe's read end.
//! let mut extra = [WaitFd::new(0, WAIT_POLLIN)];
//! loop {
//!     let running = driver.perform()?;
//!     while let Some((msg, _left)) = driver.multi_mut().info_read() {
//!         println!("{:?} finished: {:?}", msg.transfer, msg.result);
//!     }
//!     if running == 0 {
//!         break;
//!     }
//!     driver.poll(&mut extra, Duration::from_secs(1))?;
//!     if extra[0].revents & WAIT_POLLIN != 0 {
//!         // the application's own input is ready
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The only `unsafe` code is in one private module that registers fds with
//! the poller; its safety argument is that the engine reports REMOVE before
//! it closes a socket (SF-03).
#![warn(missing_docs)]

mod driver;
mod registration;

pub use driver::{
    Driver, MAX_WAIT, WAIT_POLLIN, WAIT_POLLNVAL, WAIT_POLLOUT, WAIT_POLLPRI, WaitFd, Waker,
};

/// The readiness mechanism this build of `polling` uses: `"epoll"`,
/// `"kqueue"`, `"poll"`, `"event ports"` or `"iocp"`. Mirrors polling's own
/// build-time choice, so reports can say which backend ran.
pub const fn backend_name() -> &'static str {
    if cfg!(polling_test_poll_backend) {
        "poll"
    } else if cfg!(any(
        target_os = "linux",
        target_os = "android",
        target_os = "redox"
    )) {
        "epoll"
    } else if cfg!(any(target_os = "illumos", target_os = "solaris")) {
        "event ports"
    } else if cfg!(any(
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
    )) {
        "kqueue"
    } else if cfg!(windows) {
        "iocp"
    } else {
        "poll"
    }
}
