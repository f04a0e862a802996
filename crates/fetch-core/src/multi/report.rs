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

    #[inline(always)]
    pub(super) fn reconcile_sockets(&mut self) {
        // A connection that goes idle while transfers run keeps its IN
        // announcement until the end of the next socket_action or
        // socket_all call (decisions.md 66); the application's remove and
        // add calls in between do not end it. In a loop that re-adds a
        // transfer after each finished one, that call (at the latest the
        // TIMEOUT call for the kick) usually hands the connection to a new
        // transfer, and a REMOVE now would be followed by the same IN then
        // (two socket callbacks, two epoll_ctl, per reuse). While kicks
        // wait for the TIMEOUT call the application owes, the hold lasts
        // until that call (decision 60). A peer close meanwhile reaches
        // `idle_event` as before. Once no transfer runs, nothing is held
        // (SF-03): every idle socket is REMOVEd in this call.
        //
        // Held sockets wait in `held`, out of the dirty list, so a call
        // made while the hold lasts costs nothing per held socket; they
        // are queued again once, when the hold ends.
        let driving = std::mem::take(&mut self.driving);
        let hold = self.running > 0;
        let kicks_wait = self.timeout_owed.is_some() && self.deadlines.has_run_now();
        // `held[..ending]`: held since an earlier call, whose hold ends now;
        // sockets held in this call are pushed after them.
        let ending = if !hold || (driving && !kicks_wait) {
            self.held.len()
        } else {
            0
        };
        while let Some((fd, interest)) = self.sockets.next_dirty() {
            if hold && interest == Interest::Remove && self.idle_watched_for_input(fd) {
                self.held.push(fd);
                continue;
            }
            self.report(fd, interest);
        }
        if ending > 0 {
            self.release_held(ending);
        }
    }

    /// Ends the hold of `held[..ending]`: one still idle gets its REMOVE,
    /// one a transfer took meanwhile wants what was reported and is left
    /// alone, one closed meanwhile (its REMOVE made by `close_conn`) is
    /// gone or its fd is another socket's, whose own wanted interest is
    /// reported unchanged. One held anew in this call (after `ending`)
    /// stays held.
    fn release_held(&mut self, ending: usize) {
        let anew = self.held.len() > ending;
        for i in 0..ending {
            let fd = self.held[i];
            if anew && self.held[ending..].contains(&fd) {
                continue;
            }
            self.sockets.requeue(fd);
        }
        self.held.drain(..ending);
        while let Some((fd, interest)) = self.sockets.next_dirty() {
            self.report(fd, interest);
        }
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

    /// At a TIMEOUT call, an expiry reported earlier that is not later
    /// than now has fired: the application's timer is one-shot (TF-02), so
    /// nothing is armed any more and the expiry is forgotten. With nothing
    /// pending afterwards no -1 is reported (the app's timer is already
    /// off); a pending expiry is reported afresh, even the same instant.
    /// A future expiry is kept, so idle TIMEOUT calls report nothing (TF-03).
    pub(super) fn forget_fired_timer(&mut self) {
        if self.announced_timer.is_some_and(|at| at <= self.now) {
            self.announced_timer = None;
        }
    }

    /// Reports the earliest deadline to the timer callback when it differs
    /// from the one announced. The unchanged case (most calls: an add
    /// whose kick joins others already announced, a socket call that
    /// moved no deadline) is inline at the call site; the report is out of
    /// line (issue 13: its frame cost about 30 instructions per call).
    #[inline]
    pub(super) fn reconcile_timer(&mut self) {
        let next = self.earliest();
        if next != self.announced_timer {
            self.announce_timer(next);
        }
    }

    /// [`Multi::reconcile_timer`] when the earliest deadline changed.
    #[inline(never)]
    fn announce_timer(&mut self, next: Option<Moment>) {
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
