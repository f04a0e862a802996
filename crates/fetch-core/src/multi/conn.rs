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
    /// The TLS session with an https proxy, under `tls` (if any) and the
    /// HTTP bytes.
    pub(super) proxy_tls: Option<Box<rustls::ClientConnection>>,
    /// The application's close-socket hook, if the transfer that opened
    /// the connection had one.
    pub(super) closer: Option<crate::easy::CloseSocketFn>,
}

impl Conn {
    /// The target's TLS session (if any) and the wire it runs over.
    fn layers(&mut self) -> (Option<&mut rustls::ClientConnection>, Wire<'_>) {
        let wire = Wire {
            sock: &self.sock,
            tls: self.proxy_tls.as_deref_mut(),
        };
        (self.tls.as_deref_mut(), wire)
    }

    /// Sends like `send(2)`; with TLS, plaintext goes into the session and
    /// as many records as the socket takes are written.
    pub(super) fn send(&mut self, data: &[u8]) -> io::Result<usize> {
        faults::check(Op::Send)?;
        match self.layers() {
            (Some(tls), mut wire) => write_through(tls, &mut wire, data),
            (None, mut wire) => wire.write(data),
        }
    }

    /// Receives like `recv(2)`: `Ok(0)` is a clean end of stream; a TCP
    /// close without close_notify is `UnexpectedEof`.
    pub(super) fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        faults::check(Op::Recv)?;
        match self.layers() {
            (Some(tls), mut wire) => read_through(tls, &mut wire, buf),
            (None, mut wire) => wire.read(buf),
        }
    }

    /// Writes the TLS records waiting in either session (the target's,
    /// then the proxy's) until done or the socket would block.
    pub(super) fn flush_records(&mut self) -> io::Result<()> {
        let (tls, mut wire) = self.layers();
        if let Some(tls) = tls {
            flush_tls(tls, &mut wire)?;
        }
        wire.flush()
    }

    /// Whether TLS records are still waiting to be written.
    pub(super) fn tls_wants_write(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.wants_write())
            || self.proxy_tls.as_ref().is_some_and(|t| t.wants_write())
    }
}

impl Conn {
    /// Closes the socket, through the opener's close-socket hook if it had
    /// one (the caller has REMOVEd it from any table first).
    pub(super) fn close(self) {
        match self.closer {
            Some(close) => {
                let fd = std::os::fd::OwnedFd::from(self.sock);
                let mut close = close
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                (*close)(fd);
            }
            None => drop(self.sock),
        }
    }
}

/// An idle HTTP/1.1 connection parked in a share (FETCH_LOCK_DATA_CONNECT):
/// announced to no multi, owned by the share until a transfer of some
/// multi takes it. Dropping it closes it.
pub(crate) struct ParkedConn(Option<Conn>);

impl ParkedConn {
    pub(super) fn new(conn: Conn) -> Self {
        Self(Some(conn))
    }

    /// The pool key it serves.
    pub(crate) fn key(&self) -> &str {
        self.0.as_ref().map_or("", |c| c.origin.as_str())
    }

    pub(super) fn into_conn(mut self) -> Conn {
        self.0.take().expect("a parked connection holds one")
    }
}

impl Drop for ParkedConn {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            tracing::trace!(fd = c.fd, "shared connection closed");
            c.close();
        }
    }
}

/// The byte stream a connection's HTTP (or its target TLS session) runs
/// over: the socket, or the TLS session with an https proxy on the socket.
/// Reads and writes behave like `recv(2)` and `send(2)` either way, so a
/// TLS session can run over it as over the socket (TLS inside TLS for a
/// tunnel through an https proxy).
pub(super) struct Wire<'a> {
    sock: &'a socket2::Socket,
    tls: Option<&'a mut rustls::ClientConnection>,
}

impl Wire<'_> {
    /// A wire for `sock` carrying `tls` (the proxy's session), if any.
    pub(super) fn new<'a>(
        sock: &'a socket2::Socket,
        tls: Option<&'a mut rustls::ClientConnection>,
    ) -> Wire<'a> {
        Wire { sock, tls }
    }
}

impl Read for Wire<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.tls.as_deref_mut() {
            Some(tls) => read_through(tls, &mut SockIo(self.sock, SEND_FLAGS), buf),
            None => (&*self.sock).read(buf),
        }
    }
}

impl Write for Wire<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self.tls.as_deref_mut() {
            Some(tls) => write_through(tls, &mut SockIo(self.sock, SEND_FLAGS), data),
            None => self.sock.send_with_flags(data, SEND_FLAGS),
        }
    }

    /// Writes the proxy session's waiting records (`WouldBlock` while
    /// some remain).
    fn flush(&mut self) -> io::Result<()> {
        match self.tls.as_deref_mut() {
            Some(tls) => flush_tls(tls, &mut SockIo(self.sock, SEND_FLAGS)),
            None => Ok(()),
        }
    }
}

/// Plaintext into `tls`, records out to `io` as far as it takes them.
fn write_through(
    tls: &mut rustls::ClientConnection,
    io: &mut impl Write,
    data: &[u8],
) -> io::Result<usize> {
    flush_tls(tls, io)?;
    let n = tls.writer().write(data)?;
    match flush_tls(tls, io) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        Err(e) => return Err(e),
    }
    if n == 0 {
        return Err(io::ErrorKind::WouldBlock.into());
    }
    Ok(n)
}

/// Plaintext out of `tls`, records read from `io` as needed: `Ok(0)` after
/// close_notify, `UnexpectedEof` when `io` ends without one.
fn read_through(
    tls: &mut rustls::ClientConnection,
    io: &mut (impl Read + Write),
    buf: &mut [u8],
) -> io::Result<usize> {
    loop {
        match tls.reader().read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        let got = tls.read_tls(io)?;
        if let Err(e) = tls.process_new_packets() {
            // Best effort: tell the peer why.
            let _ = flush_tls(tls, io);
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

/// Writes pending TLS records until done or `io` would block.
pub(super) fn flush_tls(tls: &mut rustls::ClientConnection, io: &mut impl Write) -> io::Result<()> {
    while tls.wants_write() {
        tls.write_tls(io)?;
    }
    Ok(())
}
