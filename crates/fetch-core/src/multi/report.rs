//! The only call sites of the application's socket and timer callbacks
//! (SF and TF rules): interest changes and the earliest deadline are
//! reported here, after the work of each call.

use super::*;

impl Multi {
    /// Reports one interest change to the observer and the socket callback.
    pub(super) fn report(&mut self, fd: Socket, interest: Interest) {
        let Some(entry) = self.sockets.get(fd) else {
            return;
        };
        let transfer = match entry.owner {
            Owner::Conn(cid) => match self.conns.get(cid).map(|c| c.state) {
                Some(ConnState::Busy(ti)) => self.transfers.get(ti).map(|t| t.id(ti)),
                Some(ConnState::Shared) => self.h2_some_transfer(cid),
                _ => None,
            },
            Owner::Resolver => None,
        };
        let event = SocketEvent {
            socket: fd,
            interest,
            transfer,
            assigned: entry.assigned,
        };
        tracing::trace!(fd, ?interest, "socket callback");
        if let Some(obs) = self.observer.as_mut() {
            obs(fd, interest);
        }
        if interest != Interest::Remove {
            // Announced before the call, so the callback may assign to it.
            self.sockets.mark_reported(fd, interest);
        }
        if let Some(mut cb) = self.socket_cb.take() {
            let mut ctx = SocketContext {
                table: &mut self.sockets,
            };
            if cb(&mut ctx, event).is_err() {
                tracing::debug!(fd, "socket callback failed");
                self.cb_failed = true;
            }
            self.socket_cb = Some(cb);
        }
        if interest == Interest::Remove {
            // After the call: a REMOVE drops the assignment even if the
            // callback just set one (SF-04).
            self.sockets.mark_reported(fd, interest);
        }
    }

    pub(super) fn reconcile_sockets(&mut self) {
        // While kicks wait for the TIMEOUT call the application owes, a
        // connection that just went idle keeps its IN announcement: a
        // kicked transfer is likely to take it in that call, and a REMOVE
        // now would be followed by the same IN then (two socket callbacks,
        // two epoll_ctl, per reuse). The REMOVE is made by the first call
        // that no longer holds it back, at the latest the TIMEOUT call; a
        // peer close meanwhile reaches `idle_event` as before.
        //
        // Held sockets wait in `held`, out of the dirty list, so a call
        // made while the hold lasts costs nothing per held socket; they
        // are queued again once, when it ends.
        let hold = self.timeout_owed.is_some() && self.deadlines.has_run_now();
        if !hold && !self.held.is_empty() {
            self.release_held();
        }
        while let Some((fd, interest)) = self.sockets.next_dirty() {
            if hold && interest == Interest::Remove && self.idle_watched_for_input(fd) {
                self.held.push(fd);
                continue;
            }
            self.report(fd, interest);
        }
    }

    /// Queues the held sockets for reconciliation again: one still idle
    /// gets its REMOVE, one a transfer took meanwhile wants what was
    /// reported and is left alone, one closed meanwhile (its REMOVE made
    /// by `close_conn`) is gone or its fd is another socket's, whose own
    /// wanted interest is queued unchanged.
    fn release_held(&mut self) {
        for i in 0..self.held.len() {
            let fd = self.held[i];
            if let Some(wanted) = self.sockets.get(fd).map(|e| e.wanted) {
                self.sockets.want(fd, wanted);
            }
        }
        self.held.clear();
    }

    /// Whether `fd` is a pooled HTTP/1.1 connection's, announced for input.
    fn idle_watched_for_input(&self, fd: Socket) -> bool {
        let Some(entry) = self.sockets.get(fd) else {
            return false;
        };
        let Owner::Conn(cid) = entry.owner else {
            return false;
        };
        entry.reported == WANT_READ
            && self
                .conns
                .get(cid)
                .is_some_and(|c| c.state == ConnState::Idle)
    }

    pub(super) fn reconcile_timer(&mut self) {
        let next = self.earliest();
        if next == self.announced_timer {
            return;
        }
        self.announced_timer = next;
        let value = next.map(|at| at.saturating_duration_since(self.now));
        tracing::trace!(?value, "timer callback");
        // Told "now", the application owes a TIMEOUT call (TF-05); socket
        // calls count from here (`run_timers_after_socket`).
        self.timeout_owed = (value == Some(Duration::ZERO) && self.timer_cb.is_some()).then_some(0);
        if let Some(mut cb) = self.timer_cb.take() {
            if cb(value).is_err() {
                tracing::debug!("timer callback failed");
                self.cb_failed = true;
            }
            self.timer_cb = Some(cb);
        }
    }
}
