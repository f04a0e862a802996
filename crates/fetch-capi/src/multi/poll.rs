//! The built-in loop: `fetch_multi_perform`, `_fdset`, `_waitfds`,
//! `_wait`, `_poll` and `_wakeup`, over a [`fetch_poll::Driver`].

use std::ffi::{c_int, c_void};
use std::ptr;

use super::engine::Wakeup;

use super::{FetchMulti, entry, store_running};
use crate::codes::*;
use crate::guard;
use crate::registry::{self, Kind};
use crate::wait::fetch_waitfd;

/// `fetch_multi_perform`: never blocks (FD-05, FD-06); the driver acts on
/// the sockets its poller finds ready and runs due timers.
///
/// # Safety
/// As `fetch_multi_socket_action`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_perform(m: *mut c_void, running: *mut c_int) -> FETCHMcode {
    entry(m, |mm| {
        match mm.drive_driver(|d| (d.perform(), d.multi().running())) {
            Err(code) => code,
            Ok((r, now)) => {
                store_running(running, now);
                r.err().map_or(FETCHM_OK, multi_code)
            }
        }
    })
}

/// `fetch_multi_fdset` (FD-01..FD-03): adds the library's sockets below
/// FD_SETSIZE to the sets (never clears a bit); `max_fd` is -1 for none.
/// NULL sets are skipped.
///
/// # Safety
/// `m` must be NULL or a pointer from this library; the sets NULL or valid
/// `fd_set`s; `max_fd` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_fdset(
    m: *mut c_void,
    read_fd_set: *mut libc::fd_set,
    write_fd_set: *mut libc::fd_set,
    exc_fd_set: *mut libc::fd_set,
    max_fd: *mut c_int,
) -> FETCHMcode {
    let _ = exc_fd_set;
    entry(m, |mm| {
        let r = mm.drive(|e| {
            let mut max = -1;
            for (fd, interest) in e.sockets() {
                if fd < 0 || fd >= libc::FD_SETSIZE as c_int {
                    continue; // FD-03
                }
                let mut set = false;
                if interest.is_readable() && !read_fd_set.is_null() {
                    // SAFETY: a valid fd_set and an fd below FD_SETSIZE.
                    unsafe { libc::FD_SET(fd, read_fd_set) };
                    set = true;
                }
                if interest.is_writable() && !write_fd_set.is_null() {
                    // SAFETY: as above.
                    unsafe { libc::FD_SET(fd, write_fd_set) };
                    set = true;
                }
                if set {
                    max = max.max(fd);
                }
            }
            max
        });
        match r {
            Err(code) => code,
            Ok(max) => {
                if !max_fd.is_null() {
                    // SAFETY: checked non-NULL.
                    unsafe { *max_fd = max };
                }
                FETCHM_OK
            }
        }
    })
}

/// `fetch_multi_waitfds` (FD-13).
///
/// # Safety
/// `m` must be NULL or a pointer from this library; `ufds` NULL or an array
/// of `size` entries; `fd_count` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_waitfds(
    m: *mut c_void,
    ufds: *mut fetch_waitfd,
    size: libc::c_uint,
    fd_count: *mut libc::c_uint,
) -> FETCHMcode {
    entry(m, |mm| {
        if ufds.is_null() && (size > 0 || fd_count.is_null()) {
            return FETCHM_BAD_FUNCTION_ARGUMENT;
        }
        let r = mm.drive(|e| {
            let n = e.socket_count();
            if ufds.is_null() {
                return (n, FETCHM_OK);
            }
            if n > size as usize {
                return (n, FETCHM_OUT_OF_MEMORY);
            }
            for (i, (fd, interest)) in e.sockets().enumerate() {
                let mut events = 0;
                if interest.is_readable() {
                    events |= FETCH_WAIT_POLLIN;
                }
                if interest.is_writable() {
                    events |= FETCH_WAIT_POLLOUT;
                }
                // SAFETY: i < n <= size, within the caller's array.
                unsafe {
                    ufds.add(i).write(fetch_waitfd {
                        fd,
                        events,
                        revents: 0,
                    })
                };
            }
            (n, FETCHM_OK)
        });
        match r {
            Err(code) => code,
            Ok((n, code)) => {
                if !fd_count.is_null() {
                    // SAFETY: checked non-NULL.
                    unsafe { *fd_count = libc::c_uint::try_from(n).unwrap_or(libc::c_uint::MAX) };
                }
                code
            }
        }
    })
}

fn wait_common(
    m: *mut c_void,
    extra: *mut fetch_waitfd,
    extra_nfds: libc::c_uint,
    timeout_ms: c_int,
    numfds: *mut c_int,
    poll: bool,
) -> FETCHMcode {
    entry(m, |mm| {
        if timeout_ms < 0 || (extra.is_null() && extra_nfds > 0) {
            return FETCHM_BAD_FUNCTION_ARGUMENT; // FD-12
        }
        let extra: &mut [fetch_waitfd] = if extra.is_null() {
            &mut []
        } else {
            // SAFETY: the caller passes an array of `extra_nfds` entries.
            unsafe { std::slice::from_raw_parts_mut(extra, extra_nfds as usize) }
        };
        match mm.drive_driver(|d| crate::wait::wait(d, extra, timeout_ms, poll)) {
            Err(code) | Ok(Err(code)) => code,
            Ok(Ok(n)) => {
                store_running(numfds, n);
                FETCHM_OK
            }
        }
    })
}

/// `fetch_multi_wait` (FD-08..FD-10, FD-12): returns at once when there is
/// nothing to wait on; not woken by `fetch_multi_wakeup`.
///
/// # Safety
/// `m` must be NULL or a pointer from this library; `extra_fds` NULL or an
/// array of `extra_nfds` entries; `numfds` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_wait(
    m: *mut c_void,
    extra_fds: *mut fetch_waitfd,
    extra_nfds: libc::c_uint,
    timeout_ms: c_int,
    numfds: *mut c_int,
) -> FETCHMcode {
    wait_common(m, extra_fds, extra_nfds, timeout_ms, numfds, false)
}

/// `fetch_multi_poll` (FD-08..FD-12): sleeps even with nothing to wait on,
/// and returns early on `fetch_multi_wakeup`.
///
/// # Safety
/// As `fetch_multi_wait`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_poll(
    m: *mut c_void,
    extra_fds: *mut fetch_waitfd,
    extra_nfds: libc::c_uint,
    timeout_ms: c_int,
    numfds: *mut c_int,
) -> FETCHMcode {
    wait_common(m, extra_fds, extra_nfds, timeout_ms, numfds, true)
}

/// `fetch_multi_wakeup` (FD-11): callable from any thread.
///
/// # Safety
/// `m` must be NULL or a live multi pointer from this library (not one
/// being cleaned up concurrently).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_multi_wakeup(m: *mut c_void) -> FETCHMcode {
    guard(FETCHM_WAKEUP_FAILURE, || {
        let p = m.cast::<FetchMulti>().cast_const();
        // Under the registry lock, so a concurrent `fetch_multi_cleanup`
        // (which takes the handle out of the registry before freeing it)
        // cannot free the waker while it is used.
        let woken = registry::with_live(p, Kind::Multi, || {
            // SAFETY: registered, so live until the lock is released. Only
            // the `wakeup` field is touched, through the raw pointer: another
            // thread may be driving the multi (the busy flag and the
            // `UnsafeCell` engine are other fields, so this shared reference
            // aliases no `&mut`). Its state is atomic (`OnceLock`,
            // `AtomicBool`), so the driving thread may publish the poller's
            // waker meanwhile.
            let wakeup: &Wakeup = unsafe { &*ptr::addr_of!((*p).wakeup) };
            wakeup.wake()
        });
        match woken {
            None => FETCHM_BAD_HANDLE,
            Some(Ok(())) => FETCHM_OK,
            Some(Err(e)) => multi_code(e),
        }
    })
}
