//! A connection: the socket with its optional TLS session, and the I/O
//! that is the same with or without TLS.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ConnState {
    Busy(TransferKey),
    Idle,
    /// HTTP/2: streams of many transfers (`h2conn.rs`).
    Shared,
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
    /// When it was opened (MAXLIFETIME_CONN).
    pub(super) created: Instant,
    /// The peer's and this end's addresses once connected (TCP only).
    pub(super) peer: Option<SocketAddr>,
    pub(super) local: Option<SocketAddr>,
    pub(super) tls: Option<Box<rustls::ClientConnection>>,
    /// The application's close-socket hook, if the transfer that opened
    /// the connection had one.
    pub(super) closer: Option<crate::easy::CloseSocketFn>,
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
