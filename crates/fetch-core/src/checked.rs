//! A socket-hygiene checker for applications (feature `checked`): feed it
//! every socket-callback call and it records each broken promise with the
//! rule it breaks. The conformance suite runs it on every trace; users can
//! wrap their own socket callback with it while debugging an event loop.
//!
//! ```no_run
//! use std::sync::{Arc, Mutex};
//! use fetch_core::{Multi, checked::Checker};
//! let checker = Arc::new(Mutex::new(Checker::default()));
//! let c = checker.clone();
//! let mut multi = Multi::new();
//! multi.set_socket_function(move |_ctx, ev| {
//!     c.lock().unwrap().socket(ev.socket, ev.interest, ev.assigned);
//!     Ok(())
//! });
//! // ... run transfers, drop the multi ...
//! drop(multi);
//! let mut c = checker.lock().unwrap();
//! c.at_cleanup();
//! assert!(c.violations.is_empty(), "{:?}", c.violations);
//! ```

use std::collections::HashMap;
use std::os::fd::RawFd;

use crate::Interest;

/// Checks the socket-hygiene invariants on every callback, as it happens
/// (so "the fd is still open at REMOVE" is checked while it matters).
#[derive(Debug, Default)]
pub struct Checker {
    announced: HashMap<RawFd, Interest>,
    /// Everything that went wrong, with the rule it breaks.
    pub violations: Vec<String>,
}

impl Checker {
    /// Feeds one socket-callback call.
    pub fn socket(&mut self, fd: RawFd, interest: Interest, assigned: Option<usize>) {
        let open = std::path::Path::new(&format!("/proc/self/fd/{fd}")).exists();
        if !open {
            self.violations
                .push(format!("SF-03: callback for fd {fd} after it was closed"));
        }
        match (interest, self.announced.get(&fd).copied()) {
            (Interest::Remove, None) => self
                .violations
                .push(format!("hygiene: REMOVE for never-announced fd {fd}")),
            (Interest::Remove, Some(_)) => {
                self.announced.remove(&fd);
            }
            (i, Some(prev)) if i == prev => self
                .violations
                .push(format!("SA-05: fd {fd} reported {i:?} twice in a row")),
            (i, prev) => {
                if prev.is_none() && assigned.is_some() {
                    self.violations.push(format!(
                        "SF-01/SF-04: fd {fd} announced with a stale socketp"
                    ));
                }
                self.announced.insert(fd, i);
            }
        }
    }

    /// Feeds a multi call's result: ERR-02, no call ever returns -1 (the
    /// Rust type cannot express it; kept for the C ABI scenarios).
    pub fn result(&mut self, code: i32) {
        if code == -1 {
            self.violations.push("ERR-02: a call returned -1".into());
        }
    }

    /// Sockets still announced.
    pub fn still_announced(&self) -> usize {
        self.announced.len()
    }

    /// After cleanup nothing may stay registered.
    pub fn at_cleanup(&mut self) {
        if !self.announced.is_empty() {
            let fds: Vec<_> = self.announced.keys().collect();
            self.violations.push(format!(
                "hygiene: sockets {fds:?} still registered after cleanup"
            ));
        }
    }
}
