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
    /// Its origin is the pool's first (`Pool::opened`), so returning it
    /// to the pool compares no key.
    pub(super) pool_first: bool,
    pub(super) state: ConnState,
    pub(super) carry: Vec<u8>,
    pub(super) out: Vec<u8>,
    pub(super) out_pos: usize,
    pub(super) requests: u32,
    /// The last receive was a plaintext `recv(2)` that returned fewer
    /// bytes than asked: the socket held no more data then (the probe
    /// on reuse may be skipped right after, `Multi::probe_redundant`).
    pub(super) drained: bool,
    pub(super) idle_since: Moment,
    /// When it was opened (MAXLIFETIME_CONN).
    pub(super) created: Moment,
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
        // (Plaintext straight to the socket: the layered path's frames
        // cost more than the call itself, once per request; issue 13.)
        if self.tls.is_none() && self.proxy_tls.is_none() {
            return self.sock.send_with_flags(data, SEND_FLAGS);
        }
        self.send_layered(data)
    }

    /// [`Conn::send`] of the output from `out_pos` on. (Plaintext sends
    /// from the buffer in place; through TLS the buffer is lent out
    /// meanwhile. Inline: once per request, into `send`.)
    #[inline]
    pub(super) fn send_out(&mut self) -> io::Result<usize> {
        faults::check(Op::Send)?;
        if self.tls.is_none() && self.proxy_tls.is_none() {
            return self
                .sock
                .send_with_flags(&self.out[self.out_pos..], SEND_FLAGS);
        }
        let out = std::mem::take(&mut self.out);
        let sent = self.send_layered(&out[self.out_pos..]);
        self.out = out;
        sent
    }

    /// [`Conn::send`] through a TLS session.
    #[inline(never)]
    fn send_layered(&mut self, data: &[u8]) -> io::Result<usize> {
        match self.layers() {
            (Some(tls), mut wire) => write_through(tls, &mut wire, data),
            (None, mut wire) => wire.write(data),
        }
    }

    /// Receives like `recv(2)`: `Ok(0)` is a clean end of stream; a TCP
    /// close without close_notify is `UnexpectedEof`.
    pub(super) fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.drained = false;
        faults::check(Op::Recv)?;
        // (Plaintext straight from the socket: the layered path's frames
        // cost more than the call itself, once per response; issue 13.)
        if self.tls.is_none() && self.proxy_tls.is_none() {
            let got = (&self.sock).read(buf);
            self.drained = matches!(got, Ok(n) if n > 0 && n < buf.len());
            return got;
        }
        self.recv_layered(buf)
    }

    /// [`Conn::recv`] through a TLS session (the target's, an https
    /// proxy's or both): never `drained`, the session may hold bytes.
    #[inline(never)]
    fn recv_layered(&mut self, buf: &mut [u8]) -> io::Result<usize> {
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
    /// Makes the connection busy with transfer `ti` and empties its output
    /// for a new request head (counted in `requests`).
    pub(super) fn begin_request(&mut self, ti: TransferKey) {
        self.state = ConnState::Busy(ti);
        self.out.clear();
        self.out_pos = 0;
        self.requests += 1;
    }

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

/// The most plaintext a record held back in rustls (a partial one, at
/// most its largest wire size: 16 KiB of data plus 2 KiB of expansion and
/// the 5-byte header) can add once its end arrives.
const RECORD_SLACK: usize = 16 * 1024 + 2048 + 5;

/// Below this much room past the slack, records are read the plain way.
const MIN_BULK: usize = 4096;

/// Plaintext out of `tls`, records read from `io` as needed: `Ok(0)` after
/// close_notify, `UnexpectedEof` when `io` ends without one.
///
/// rustls reads at most 4 KiB from its reader per `read_tls`, so feeding
/// it straight from the socket costs one `recv` per 4 KiB. When `buf` has
/// room, one `recv` instead fills the tail of `buf` with records and
/// rustls is fed from there, its plaintext written to the front of `buf`
/// as it comes (see [`bulk_read`]); no buffer of our own is kept.
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
        let got = if buf.len() >= RECORD_SLACK + MIN_BULK {
            match bulk_read(tls, io, buf)? {
                Bulk::Plain(n) => return Ok(n),
                Bulk::More => continue,
                Bulk::End => 0,
            }
        } else {
            let got = tls.read_tls(io)?;
            process(tls, io)?;
            got
        };
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

/// What one [`bulk_read`] gave.
enum Bulk {
    /// This much plaintext (more than none) is at the front of the buffer.
    Plain(usize),
    /// No plaintext came (part of a record, or close_notify): look again.
    More,
    /// `io` reached its end.
    End,
}

/// One `recv` of up to `buf.len() - RECORD_SLACK` bytes into the tail of
/// `buf`, fed to rustls 4 KiB at a time with the plaintext drained to the
/// front of `buf` after each step. The plaintext never overtakes the
/// records not yet fed: it is at most what was fed plus one held-back
/// record, and the records start `RECORD_SLACK` past the front. rustls's
/// own plaintext buffer is empty on entry and after every step, so it
/// never refuses input; everything read is fed before returning.
fn bulk_read(
    tls: &mut rustls::ClientConnection,
    io: &mut (impl Read + Write),
    buf: &mut [u8],
) -> io::Result<Bulk> {
    let room = buf.len();
    let want = room - RECORD_SLACK;
    let start = room - want;
    let n = io.read(&mut buf[start..])?;
    if n == 0 {
        tls.read_tls(&mut io::empty())?;
        process(tls, io)?;
        return Ok(Bulk::End);
    }
    let end = start + n;
    let mut fed = start;
    let mut plain = 0;
    while fed < end {
        let (front, records) = buf.split_at_mut(fed);
        let mut src = &records[..end - fed];
        let took = tls.read_tls(&mut src)?;
        if took == 0 {
            // close_notify came: nothing after it counts.
            break;
        }
        fed += took;
        process(tls, io)?;
        match tls.reader().read(&mut front[plain..]) {
            Ok(got) => plain += got,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    // Nothing yet (part of a record, or only a close_notify, which the
    // caller's next plaintext read reports).
    Ok(if plain > 0 {
        Bulk::Plain(plain)
    } else {
        Bulk::More
    })
}

/// Decrypts what rustls holds; on a TLS error, tells the peer why (best
/// effort) and returns it.
fn process(tls: &mut rustls::ClientConnection, io: &mut impl Write) -> io::Result<()> {
    if let Err(e) = tls.process_new_packets() {
        let _ = flush_tls(tls, io);
        return Err(io::Error::other(e));
    }
    Ok(())
}

/// Writes pending TLS records until done or `io` would block.
pub(super) fn flush_tls(tls: &mut rustls::ClientConnection, io: &mut impl Write) -> io::Result<()> {
    while tls.wants_write() {
        tls.write_tls(io)?;
    }
    Ok(())
}
