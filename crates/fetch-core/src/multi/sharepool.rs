//! Idle connections kept in a share (FETCH_LOCK_DATA_CONNECT) instead of
//! this multi's pool. The socket_action contract holds because an idle
//! connection is announced to nobody (SF-03): when a transfer of a share
//! holder ends on a reusable HTTP/1.1 connection, its socket is REMOVEd
//! here at once (the callback hears it before the connection leaves this
//! multi), dropped from the socket table and the open counts, and parked in
//! the share. A transfer of any multi holding the share takes it out again
//! (checked like one of its own idle connections: MAXAGE_CONN,
//! MAXLIFETIME_CONN, then a peek for a close that arrived meanwhile) and
//! its multi announces the socket through its own callback when the
//! transfer first wants it. HTTP/2 connections never come here.

use super::*;

impl Multi {
    /// Parks the idle connection `cid` in its transfer's share when the
    /// share pools connections. Returns whether it did.
    pub(super) fn park_in_share(&mut self, cid: ConnKey) -> bool {
        let ConnState::Busy(ti) = self.conns[cid].state else {
            return false;
        };
        let shared = self.transfers.get(ti).and_then(|t| t.easy.share.as_ref());
        if !shared.is_some_and(crate::share::Attached::pools_connections) {
            return false;
        }
        self.h2_wake_pipe_waiters(cid);
        let fd = self.conns[cid].fd;
        // Heard by this multi's application before the socket can be
        // announced by another multi.
        if self.sockets.get(fd).is_some_and(|e| e.reported != 0) {
            self.report(fd, Interest::Remove);
        }
        self.sockets.remove(fd);
        let mut conn = self.conns.remove(cid);
        self.pool.closed(&conn.origin, cid, false);
        conn.state = ConnState::Idle;
        conn.carry.clear();
        conn.idle_since = self.now;
        let cap = self.pool.idle_cap(self.transfers.len());
        let t = &mut self.transfers[ti];
        let Some(share) = t.easy.share.as_ref() else {
            unreachable!("checked above");
        };
        let evicted = share.park(ParkedConn::new(conn), cap);
        if !evicted.is_empty() {
            t.easy
                .trace_text(|| "Connection cache is full, closing the oldest one".to_owned());
        }
        // Closed here, outside the share's lock.
        drop(evicted);
        true
    }

    /// A live idle connection for the transfer from its share, made this
    /// multi's (in its tables, not yet announced). Dead or too old ones
    /// are closed on the way, as this multi's own are.
    pub(super) fn take_shared(&mut self, ti: TransferKey) -> Option<ConnKey> {
        loop {
            let t = &self.transfers[ti];
            let parked = t.easy.share.as_ref()?.take_conn(&t.pool_key)?;
            let mut conn = parked.into_conn();
            conn.state = ConnState::Idle;
            let fd = conn.fd;
            conn.pool_first = self.pool.opened(&conn.origin);
            let cid = self.conns.insert(conn);
            self.sockets.insert(fd, Owner::Conn(cid));
            if !self.too_old(ti, cid) && self.idle_alive(cid) {
                return Some(cid);
            }
            self.conns[cid].state = ConnState::Busy(ti);
            self.close_conn(cid);
        }
    }
}
