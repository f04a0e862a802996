//! The blocking part of `fetch_multi_wait` / `fetch_multi_poll` and
//! `fetch_easy_perform`: one poll(2) over the engine's announced sockets,
//! the application's extra fds and the multi's wakeup pipe.
//!
//! This is deliberately small: level-triggered poll(2), rebuilt per call
//! (upstream's `curl_multi_wait` does the same). Event-driven applications
//! use `fetch_multi_socket_action` with their own loop instead.

use std::ffi::c_int;
use std::os::fd::RawFd;
use std::time::Duration;

use fetch_core::Multi;

use crate::codes::{
    FETCH_WAIT_POLLIN, FETCH_WAIT_POLLOUT, FETCH_WAIT_POLLPRI, FETCHM_UNRECOVERABLE_POLL,
    FETCHMcode,
};

/// `struct fetch_waitfd`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct fetch_waitfd {
    /// The file descriptor.
    pub fd: c_int,
    /// FETCH_WAIT_POLL* bits to wait for.
    pub events: i16,
    /// FETCH_WAIT_POLL* bits that happened.
    pub revents: i16,
}

/// Whole milliseconds, rounded up so applications never wake early.
pub(crate) fn ceil_ms(d: Duration) -> i64 {
    let ms = d.as_millis();
    let ms = if d.as_nanos() % 1_000_000 != 0 {
        ms + 1
    } else {
        ms
    };
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// What one wait produced.
pub(crate) struct Waited {
    /// Library and extra fds with events (FD-08's numfds).
    pub(crate) numfds: usize,
}

/// Waits for activity on the multi's sockets, `extra`, or `wake`, at most
/// `timeout_ms` or until the engine's next deadline, whichever is first.
/// `idle_sleeps` chooses between `poll` (sleep even with nothing to wait
/// on) and `wait` (return at once then, FD-09).
pub(crate) fn wait(
    multi: &mut Multi,
    extra: &mut [fetch_waitfd],
    wake: Option<RawFd>,
    timeout_ms: c_int,
    idle_sleeps: bool,
) -> Result<Waited, FETCHMcode> {
    let mut timeout = i64::from(timeout_ms);
    if let Some(d) = multi.timeout() {
        timeout = timeout.min(ceil_ms(d));
    }
    let mut fds: Vec<libc::pollfd> = Vec::with_capacity(multi.socket_count() + extra.len() + 1);
    for (fd, interest) in multi.sockets() {
        let mut events = 0;
        if interest.is_readable() {
            events |= libc::POLLIN;
        }
        if interest.is_writable() {
            events |= libc::POLLOUT;
        }
        fds.push(libc::pollfd {
            fd,
            events,
            revents: 0,
        });
    }
    let lib = fds.len();
    for x in extra.iter_mut() {
        x.revents = 0;
        let mut events = 0;
        if x.events & FETCH_WAIT_POLLIN != 0 {
            events |= libc::POLLIN;
        }
        if x.events & FETCH_WAIT_POLLPRI != 0 {
            events |= libc::POLLPRI;
        }
        if x.events & FETCH_WAIT_POLLOUT != 0 {
            events |= libc::POLLOUT;
        }
        fds.push(libc::pollfd {
            fd: x.fd,
            events,
            revents: 0,
        });
    }
    if fds.is_empty() && !idle_sleeps {
        return Ok(Waited { numfds: 0 });
    }
    if let Some(w) = wake {
        fds.push(libc::pollfd {
            fd: w,
            events: libc::POLLIN,
            revents: 0,
        });
    }
    let timeout = c_int::try_from(timeout.max(0)).unwrap_or(c_int::MAX);
    // SAFETY: `fds` is a live, exclusively borrowed array of `fds.len()`
    // initialised pollfd structs for the duration of the call.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
    if n < 0 {
        let err = std::io::Error::last_os_error();
        if err.kind() == std::io::ErrorKind::Interrupted {
            return Ok(Waited { numfds: 0 });
        }
        return Err(FETCHM_UNRECOVERABLE_POLL);
    }
    let mut numfds = fds[..lib].iter().filter(|p| p.revents != 0).count();
    for (x, p) in extra.iter_mut().zip(&fds[lib..]) {
        let mut r = 0;
        if p.revents & libc::POLLIN != 0 {
            r |= FETCH_WAIT_POLLIN;
        }
        if p.revents & libc::POLLPRI != 0 {
            r |= FETCH_WAIT_POLLPRI;
        }
        if p.revents & libc::POLLOUT != 0 {
            r |= FETCH_WAIT_POLLOUT;
        }
        x.revents = r;
        if p.revents != 0 {
            numfds += 1;
        }
    }
    if let (Some(w), Some(p)) = (wake, fds.last()) {
        if p.revents != 0 {
            drain(w);
        }
    }
    Ok(Waited { numfds })
}

/// Empties the (non-blocking) wakeup pipe so wakeups collapse (FD-11).
pub(crate) fn drain(fd: RawFd) {
    let mut buf = [0u8; 64];
    loop {
        // SAFETY: `buf` is a valid writable buffer of the given length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break;
        }
    }
}

/// A non-blocking, close-on-exec pipe: (read end, write end).
pub(crate) fn wake_pipe() -> Option<(RawFd, RawFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) writes.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return None;
    }
    for fd in fds {
        // SAFETY: fcntl on descriptors this function just created.
        unsafe {
            let fl = libc::fcntl(fd, libc::F_GETFL);
            libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    Some((fds[0], fds[1]))
}
