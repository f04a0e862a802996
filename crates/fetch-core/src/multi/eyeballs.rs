//! Happy eyeballs (FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS): when a name gives
//! addresses of both IP families, the first address's family is tried
//! first, and the other family's first attempt starts in parallel once the
//! timeout has passed without a connection (or at once when the first
//! family has no address left). The first attempt to connect wins; the
//! other is closed. Within each family the addresses are tried one after
//! the other, as before.
//!
//! The first family's attempts are the transfer's own connection
//! (`Transfer::conn`, `Phase::Connecting`, as without a race); the other
//! family's side is a [`Race`], kept by the multi (most transfers never
//! have one: nothing is added to a transfer's slot). The timeout shares
//! the transfer's `Kind::Attempt` deadline: while the race waits, that
//! deadline is the earlier of the two, and the attempt's own is kept in
//! the race. The race's socket's events drive the transfer like its own
//! connection's, so while a race runs `check_connect` asks both sockets
//! rather than trusting the events.

use super::connect::{ConnectStatus, connect_status, trace_connect_failed};
use super::sockets::{OpenError, open_socket};
use super::*;

/// The other family's side of a connect: its addresses and its attempt.
#[derive(Debug)]
pub(super) struct Race {
    /// The other family's addresses, in the resolver's order.
    addrs: Vec<SocketAddr>,
    /// The next of them to try.
    next: usize,
    /// The attempt running, with its address.
    pub(super) conn: Option<(ConnKey, SocketAddr)>,
    /// When the first attempt starts (set with the first family's first
    /// attempt); `None` before that.
    start_at: Option<Moment>,
    /// The first family's own attempt deadline, while the shared
    /// `Kind::Attempt` deadline is the start of this race.
    own_attempt: Option<Moment>,
}

impl Race {
    /// No attempt of the other family has started yet.
    fn waiting(&self) -> bool {
        self.next == 0 && self.conn.is_none()
    }
}

/// Splits `addrs` when it holds both families: the first address's family
/// stays, the other's addresses are returned (order kept in each).
pub(super) fn split_families(addrs: &mut Vec<SocketAddr>) -> Option<Vec<SocketAddr>> {
    let first_v6 = addrs.first()?.is_ipv6();
    if addrs.iter().all(|a| a.is_ipv6() == first_v6) {
        return None;
    }
    let other = addrs
        .iter()
        .filter(|a| a.is_ipv6() != first_v6)
        .copied()
        .collect();
    addrs.retain(|a| a.is_ipv6() == first_v6);
    Some(other)
}

impl Multi {
    /// The transfer's race, if it has one.
    pub(super) fn race(&self, ti: TransferKey) -> Option<&Race> {
        self.races.iter().find(|(k, _)| *k == ti).map(|(_, r)| r)
    }

    fn race_mut(&mut self, ti: TransferKey) -> Option<&mut Race> {
        self.races
            .iter_mut()
            .find(|(k, _)| *k == ti)
            .map(|(_, r)| r)
    }

    fn take_race(&mut self, ti: TransferKey) -> Option<Race> {
        let i = self.races.iter().position(|(k, _)| *k == ti)?;
        Some(self.races.swap_remove(i).1)
    }

    /// Gives the transfer a race when its addresses are of both families
    /// (after IPRESOLVE kept them).
    pub(super) fn plan_race(&mut self, ti: TransferKey) {
        if !self.races.is_empty() {
            self.drop_race(ti);
        }
        let Some(addrs) = split_families(&mut self.transfers[ti].addrs) else {
            return;
        };
        let race = Race {
            addrs,
            next: 0,
            conn: None,
            start_at: None,
            own_attempt: None,
        };
        self.races.push((ti, race));
    }

    /// An attempt of the first family started (its `Kind::Attempt`
    /// deadline set): while the race waits, the deadline becomes its start
    /// when that is earlier, the attempt's own kept for later. The start
    /// is the happy eyeballs timeout after the first attempt.
    pub(super) fn arm_race(&mut self, ti: TransferKey) {
        let now = self.now;
        let t = &self.transfers[ti];
        let (he, own) = (
            t.easy.conn.happy_eyeballs_timeout,
            t.deadlines.get(Kind::Attempt),
        );
        let Some(race) = self.race_mut(ti).filter(|r| r.waiting()) else {
            return;
        };
        let start = *race
            .start_at
            .get_or_insert(now.checked_add(he).unwrap_or(now));
        race.own_attempt = own;
        if own.is_none_or(|own| start < own) {
            self.set_deadline(ti, Kind::Attempt, Some(start));
        }
    }

    /// The shared `Kind::Attempt` deadline passed (and was cleared): when
    /// it was the start of the transfer's waiting race, the other family's
    /// first attempt starts, the first family's own deadline is set again,
    /// and this returns true.
    pub(super) fn eyeballs_due(&mut self, ti: TransferKey, limit: Moment) -> bool {
        let connecting = matches!(self.transfers[ti].phase, Phase::Connecting { .. });
        let Some(race) = self.race_mut(ti).filter(|r| r.waiting()) else {
            return false;
        };
        if !connecting || race.start_at.is_none_or(|at| at > limit) {
            return false;
        }
        let own = race.own_attempt.take();
        self.transfers[ti]
            .easy
            .trace_text(|| "Happy eyeballs: starting the other address family".to_owned());
        if self.race_next(ti) {
            self.set_deadline(ti, Kind::Attempt, own);
        }
        true
    }

    /// Opens the other family's next address; the race ends when none is
    /// left. Returns false when the transfer failed.
    fn race_next(&mut self, ti: TransferKey) -> bool {
        loop {
            let Some(race) = self.race_mut(ti) else {
                return true;
            };
            let Some(&addr) = race.addrs.get(race.next) else {
                self.take_race(ti);
                return true;
            };
            race.next += 1;
            let t = &mut self.transfers[ti];
            match open_socket(addr, &mut t.easy) {
                Ok(sock) => {
                    t.easy.trace_text(|| format!("  Trying {addr}..."));
                    let cid = self.new_conn(ti, sock);
                    let race = self.race_mut(ti).expect("checked above");
                    race.conn = Some((cid, addr));
                    return true;
                }
                Err(OpenError::Fatal(e)) => {
                    self.fail(ti, e);
                    return false;
                }
                Err(OpenError::Attempt(e)) => {
                    trace_connect_failed(&mut t.easy, addr.ip(), addr.port(), &e);
                }
            }
        }
    }

    /// The first family has no address left: the other family's side
    /// becomes the transfer's connect (its attempt, if one runs, is the
    /// transfer's connection). Returns the address index to go on from,
    /// or `None` when the race's attempt now is the connection.
    pub(super) fn race_takes_over(&mut self, ti: TransferKey) -> Option<usize> {
        let race = self.take_race(ti)?;
        if race.conn.is_some() {
            self.race_wins(ti, race);
            None
        } else {
            let t = &mut self.transfers[ti];
            t.deadlines.clear(Kind::Attempt);
            t.addrs = race.addrs;
            Some(race.next)
        }
    }

    /// The race (taken out of the multi) becomes the transfer's connect:
    /// its attempt is the transfer's connection, its addresses the ones
    /// left to try, and the transfer is scheduled to look at it.
    fn race_wins(&mut self, ti: TransferKey, race: Race) {
        let t = &mut self.transfers[ti];
        t.deadlines.clear(Kind::Attempt);
        t.addrs = race.addrs;
        if let Some((cid, addr)) = race.conn {
            t.conn = Some(cid);
            t.phase = Phase::Connecting {
                next_addr: race.next,
            };
            t.easy.info.primary_ip = Some(addr.ip());
            t.easy.info.primary_port = addr.port();
        }
        self.schedule(ti);
    }

    /// `check_connect` while a race's attempt runs: the race's socket is
    /// asked; when it connected, it becomes the transfer's connection and
    /// the first family's attempt is closed; when it failed, the other
    /// family's next address is tried. Returns false when the transfer
    /// failed.
    pub(super) fn check_race(&mut self, ti: TransferKey) -> bool {
        let Some((cid, addr)) = self.race(ti).and_then(|r| r.conn) else {
            return true;
        };
        match connect_status(&self.conns[cid].sock, Events::NONE) {
            ConnectStatus::Pending => true,
            ConnectStatus::Connected => {
                if let Some(own) = self.transfers[ti].conn.take() {
                    self.close_conn(own);
                }
                let race = self.take_race(ti).expect("checked above");
                self.race_wins(ti, race);
                true
            }
            ConnectStatus::Failed(e) => {
                trace_connect_failed(&mut self.transfers[ti].easy, addr.ip(), addr.port(), &e);
                if let Some(r) = self.race_mut(ti) {
                    r.conn = None;
                }
                self.close_conn(cid);
                self.race_next(ti)
            }
        }
    }

    /// Ends a transfer's race, closing its attempt; a waiting race's start
    /// gives the `Kind::Attempt` deadline back to the attempt's own.
    pub(super) fn drop_race(&mut self, ti: TransferKey) {
        let Some(race) = self.take_race(ti) else {
            return;
        };
        if race.waiting() && race.start_at.is_some() {
            self.set_deadline(ti, Kind::Attempt, race.own_attempt);
        }
        if let Some((cid, _)) = race.conn {
            self.close_conn(cid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_split_by_the_first_address() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let mut v = vec![
            a("[::1]:1"),
            a("127.0.0.1:1"),
            a("[::2]:1"),
            a("127.0.0.2:1"),
        ];
        let other = split_families(&mut v).unwrap();
        assert_eq!(v, [a("[::1]:1"), a("[::2]:1")]);
        assert_eq!(other, [a("127.0.0.1:1"), a("127.0.0.2:1")]);
        let mut v = vec![a("127.0.0.1:1"), a("127.0.0.2:1")];
        assert!(split_families(&mut v).is_none());
        assert_eq!(v.len(), 2);
        assert!(split_families(&mut Vec::new()).is_none());
    }
}
