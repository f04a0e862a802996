//! Connections: the socket with its optional TLS session, the keep-alive
//! pool, the connection limits and the one place connections close.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ConnState {
    Busy(usize),
    Idle,
}

pub(super) struct Conn {
    pub(super) sock: socket2::Socket,
    pub(super) fd: RawFd,
    pub(super) origin: String,
    pub(super) state: ConnState,
    pub(super) carry: Vec<u8>,
    pub(super) out: Vec<u8>,
    pub(super) out_pos: usize,
    pub(super) requests: u32,
    pub(super) idle_since: Instant,
    pub(super) tls: Option<Box<rustls::ClientConnection>>,
}

impl Conn {
    /// Sends like `send(2)`; with TLS, plaintext goes into the session and
    /// as many records as the socket takes are written.
    pub(super) fn send(&mut self, data: &[u8]) -> io::Result<usize> {
        faults::check(Op::Send)?;
        let Some(tls) = self.tls.as_mut() else {
            return self.sock.send_with_flags(data, SEND_FLAGS);
        };
        flush_tls(tls, &self.sock)?;
        let n = tls.writer().write(data)?;
        match flush_tls(tls, &self.sock) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        if n == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    }

    /// Receives like `recv(2)`: `Ok(0)` is a clean end of stream; a TCP
    /// close without close_notify is `UnexpectedEof`.
    pub(super) fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        faults::check(Op::Recv)?;
        let Some(tls) = self.tls.as_mut() else {
            return (&self.sock).read(buf);
        };
        loop {
            match tls.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            let got = tls.read_tls(&mut SockIo(&self.sock, SEND_FLAGS))?;
            if let Err(e) = tls.process_new_packets() {
                // Best effort: tell the peer why.
                let _ = flush_tls(tls, &self.sock);
                return Err(io::Error::other(e));
            }
            if got == 0 {
                // rustls now knows the stream ended: the next read says how.
                return match tls.reader().read(buf) {
                    Ok(n) => Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        Err(io::ErrorKind::UnexpectedEof.into())
                    }
                    Err(e) => Err(e),
                };
            }
        }
    }

    /// Whether TLS records are still waiting to be written.
    pub(super) fn tls_wants_write(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.wants_write())
    }
}

/// Writes pending TLS records until done or the socket would block.
pub(super) fn flush_tls(
    tls: &mut rustls::ClientConnection,
    sock: &socket2::Socket,
) -> io::Result<()> {
    while tls.wants_write() {
        tls.write_tls(&mut SockIo(sock, SEND_FLAGS))?;
    }
    Ok(())
}

impl Multi {
    pub(super) fn take_idle(&mut self, ti: usize) -> Option<usize> {
        let cid = self
            .idle
            .get_mut(self.transfers[ti].target().origin.as_str())?
            .pop()?;
        self.idle_count -= 1;
        Some(cid)
    }

    pub(super) fn idle_cap(&self) -> usize {
        self.max_connects.unwrap_or(4 * self.transfers.len().max(1))
    }

    pub(super) fn release_conn(&mut self, cid: usize, reusable: bool) {
        if !reusable {
            self.close_conn(cid);
            return;
        }
        let conn = &mut self.conns[cid];
        conn.state = ConnState::Idle;
        conn.carry.clear();
        conn.idle_since = self.now;
        let fd = conn.fd;
        match self.idle.get_mut(conn.origin.as_str()) {
            Some(list) => list.push(cid),
            None => {
                self.idle.insert(conn.origin.clone(), vec![cid]);
            }
        }
        self.idle_count += 1;
        // Idle connections stay watched for reading so a peer close is
        // noticed and the fd removed (see docs/decisions.md).
        self.sockets.want(fd, WANT_READ);
        self.slots_freed = true;
        // The read that completed the response may have left a FIN (or
        // junk) queued; an edge-triggered loop would never report it again.
        self.idle_event(cid);
        while self.idle_count > self.idle_cap() {
            self.evict_oldest_idle();
        }
    }

    pub(super) fn evict_oldest_idle(&mut self) {
        let oldest = self
            .idle
            .values()
            .flatten()
            .min_by_key(|&&cid| self.conns[cid].idle_since)
            .copied();
        if let Some(cid) = oldest {
            self.close_conn(cid);
        }
    }

    /// An idle connection became readable: the peer closed it, or sent
    /// something it should not have. Either way it cannot be reused.
    pub(super) fn idle_event(&mut self, cid: usize) {
        let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
        match faults::check(Op::Peek).and_then(|()| self.conns[cid].sock.peek(&mut probe)) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            _ => self.close_conn(cid),
        }
    }

    /// Closes a connection; REMOVE is reported before the fd closes (SF-03).
    pub(super) fn close_conn(&mut self, cid: usize) {
        let fd = self.conns[cid].fd;
        if self.sockets.get(fd).is_some_and(|e| e.reported != 0) {
            self.report(fd, Interest::Remove);
        }
        self.sockets.remove(fd);
        let conn = self.conns.remove(cid);
        if conn.state == ConnState::Idle {
            if let Some(list) = self.idle.get_mut(&conn.origin) {
                if let Some(pos) = list.iter().position(|&c| c == cid) {
                    list.swap_remove(pos);
                    self.idle_count -= 1;
                }
            }
        }
        if let Some(n) = self.host_conns.get_mut(&conn.origin) {
            *n -= 1;
            if *n == 0 {
                self.host_conns.remove(&conn.origin);
            }
        }
        self.slots_freed = true;
        tracing::trace!(fd, "connection closed");
        drop(conn);
    }

    pub(super) fn may_open(&self, origin: &str) -> bool {
        let host_ok = self.max_host_connections == 0
            || self.host_conns.get(origin).copied().unwrap_or(0) < self.max_host_connections;
        let total_ok =
            self.max_total_connections == 0 || self.conns.len() < self.max_total_connections;
        host_ok && (total_ok || self.idle_count > 0)
    }

    pub(super) fn start_pending(&mut self) {
        self.slots_freed = false;
        let waiting: Vec<usize> = self.pending.drain(..).collect();
        for ti in waiting {
            if let Some(t) = self.transfers.get_mut(ti) {
                if t.phase == Phase::Pending {
                    t.phase = Phase::Init;
                    self.drive(ti, Events::NONE);
                }
            }
        }
    }
}
