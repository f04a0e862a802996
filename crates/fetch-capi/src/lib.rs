//! # fetch-capi: the libfetch C ABI
//!
//! `libfetch.so` / `libfetch.a` and `<fetch/fetch.h>`: upstream libcurl's
//! easy + multi (+ multi_socket) interface under `fetch` names, with the
//! upstream numeric values, over the [`fetch_core`] engine.
//!
//! What it does **not** do: protocols other than HTTP/1.1 and HTTPS (and
//! whatever `fetch-core` supports), share handles, the URL API, MIME and
//! forms, WebSocket, the header API (their functions exist and answer
//! "not built in"), a built-in
//! progress meter, TLS backends other than rustls or certificate formats
//! other than PEM, or true C variadics. The variadic setopt/getinfo
//! functions are C11 `_Generic` macros over typed entry points (see
//! `ABI.md` in this crate).
//!
//! ```text
//!  C app ──fetch_multi_*()──▶ FetchMulti (busy flag, FETCH* <-> TransferId)
//!    ▲                            │ UnsafeCell<Engine>: fetch_core::Multi, or a
//!    │                            │ fetch_poll::Driver once perform/wait/poll ran
//!    │                            ▼
//!    └── C socket/timer cb ◀── engine closures ──▶ C write/header/read cb
//!  FETCH* = FetchEasy (C-level options, its fetch_core::Easy between transfers)
//! ```
//!
//! Modules, one concern each:
//!
//! - `codes`: C types, codes, constants; `registry`: live handles.
//! - `easy/`: `mod` (the handle, its states), `handle` (init, cleanup,
//!   reset, duphandle), `options` (the option table: constant, type,
//!   handler and dirty bits in one line per option), `transfer` (applying
//!   dirty options to the held engine transfer), `callbacks` (the bridge to
//!   the C write/header/read/seek/progress callbacks), `pause`, `info` (the
//!   info table), `perform`.
//! - `multi/`: `mod` (the handle, the entry prologue, `drive`), `engine`
//!   (the poller only once the built-in loop is used), `handle`,
//!   `transfers` (add/remove, messages), `callbacks` (socket/timer bridge,
//!   assign), `options`, `socket` (socket_action, timeout), `poll`
//!   (perform, fdset, waitfds, wait, poll, wakeup).
//! - `slist`, `wait`, `global` (init, version, TLS backend choice),
//!   `strings` (escape, getenv, getdate), `easy/directory` (the option
//!   directory), `unbuilt` (upstream functions for features libfetch does
//!   not build: they answer "not built in"); `header_check` (tests:
//!   `fetch.h` against every constant and table).
//!
//! Boundary rules (STYLE rule 4): every exported function is
//! `#[unsafe(no_mangle)] pub unsafe extern "C" fn` with a `# Safety` doc,
//! null-checks its pointers, looks handles up in the live-handle registry
//! (`registry`) before touching them, and runs its body
//! under [`std::panic::catch_unwind`] so no panic crosses the ABI.
//!
//! ```no_run
//! use fetch::*;
//! use std::ptr;
//! // SAFETY: plain init/cleanup pairs on handles this code owns.
//! unsafe {
//!     let m = fetch_multi_init();
//!     let e = fetch_easy_init();
//!     fetch_easy_setopt_ptr(e, FETCHOPT_URL, c"http://127.0.0.1:8080/".as_ptr().cast());
//!     fetch_multi_add_handle(m, e);
//!     let mut running = 1;
//!     while running > 0 {
//!         fetch_multi_perform(m, &mut running);
//!         fetch_multi_poll(m, ptr::null_mut(), 0, 1000, ptr::null_mut());
//!     }
//!     fetch_multi_remove_handle(m, e);
//!     fetch_easy_cleanup(e);
//!     fetch_multi_cleanup(m);
//! }
//! ```
#![deny(
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]
// Exported C names keep upstream spelling (STYLE rule 6), `TLSv1_2` too.
#![allow(non_camel_case_types, non_upper_case_globals)]

mod codes;
mod easy;
mod global;
#[cfg(test)]
mod header_check;
mod mime;
mod multi;
mod registry;
mod share;
mod slist;
mod strings;
mod unbuilt;
mod wait;

pub use codes::*;
pub use easy::*;
pub use global::*;
pub use mime::*;
pub use multi::*;
pub use share::{
    fetch_share_cleanup, fetch_share_init, fetch_share_setopt_long, fetch_share_setopt_ptr,
};
pub use slist::*;
pub use strings::*;
pub use unbuilt::*;
pub use wait::fetch_waitfd;

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `f`, turning a panic into `on_panic` (no panic crosses the ABI).
///
/// Inlined into each entry point: catching costs nothing until a panic,
/// and a call of its own per entry point would.
#[inline(always)]
pub(crate) fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    // AssertUnwindSafe: after a panic the handle may be inconsistent, but the
    // caller only gets an error code and upstream's rule after an error
    // return (SA-07) already tells it not to trust the state.
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// A raw pointer that closures stored in the engine (which must be `Send`)
/// may carry.
pub(crate) struct SendPtr<T>(pub(crate) *mut T);

impl<T> Clone for SendPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for SendPtr<T> {}

// SAFETY: the pointers carried are either the application's opaque user
// data (the C API contract makes the application responsible for the
// thread-safety of what they point to; upstream passes them across the same
// way) or a pointer to the multi wrapper that owns the engine holding the
// closure, which is only invoked while that wrapper is being driven on the
// calling thread.
unsafe impl<T> Send for SendPtr<T> {}

impl<T> SendPtr<T> {
    /// The pointer (a method, so closures capture the whole `SendPtr`).
    pub(crate) fn get(self) -> *mut T {
        self.0
    }
}
