//! The loop's side of the probe: the socket, the rustls session, and the
//! h2 futures polled only when their flag waker fired.

use std::cell::RefCell;
use std::future::Future;
use std::io::{self, Write};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use h2::RecvStream;
use h2::client::{Connection, ResponseFuture, SendRequest};
use rustls::ClientConnection;

use crate::transport::{Pipe, Transport};
use crate::wake::{self, Flags};

type Handshake = Pin<
    Box<dyn Future<Output = Result<(SendRequest<Bytes>, Connection<Transport, Bytes>), h2::Error>>>,
>;

/// One stream slot.
enum Slot {
    Free,
    Head(ResponseFuture),
    Body(RecvStream),
}

/// What the run did.
#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) ok: usize,
    pub(crate) failed: usize,
    pub(crate) bytes: u64,
    /// Body bytes per slot (the pause experiment reports them).
    pub(crate) slot_bytes: Vec<u64>,
    pub(crate) first_error: Option<String>,
}

/// The h2 client session and everything it is driven with.
pub(crate) struct Engine {
    pub(crate) sock: mio::net::TcpStream,
    tls: Rc<RefCell<ClientConnection>>,
    pipe: Option<Rc<RefCell<Pipe>>>,
    flags: Arc<Flags>,
    /// `0..conc` the streams, then the sender, then the connection.
    wakers: Vec<Waker>,
    handshake: Option<Handshake>,
    conn: Option<Connection<Transport, Bytes>>,
    send: Option<SendRequest<Bytes>>,
    slots: Vec<Slot>,
    free: Vec<usize>,
    sender_blocked: bool,
    uri: http::Uri,
    total: usize,
    started: usize,
    /// Slots below this never release flow-control capacity (pause probe).
    paused: usize,
    ready: Vec<usize>,
    pub(crate) out: Outcome,
    pub(crate) eof: bool,
}

impl Engine {
    /// A session over `sock`, not yet handshaken.
    pub(crate) fn new(
        sock: mio::net::TcpStream,
        tls: ClientConnection,
        direct: bool,
        uri: http::Uri,
        (total, conc, paused): (usize, usize, usize),
    ) -> Self {
        let tls = Rc::new(RefCell::new(tls));
        let pipe = (!direct).then(|| Rc::new(RefCell::new(Pipe::default())));
        let io = match &pipe {
            Some(p) => Transport::Pipe(p.clone()),
            None => Transport::Direct(tls.clone()),
        };
        let mut b = h2::client::Builder::new();
        // As fetch-core announces (decision 45): 1 MiB stream windows,
        // 16 MiB connection window, 100 KiB header lists, no push.
        b.initial_window_size(1 << 20)
            .initial_connection_window_size(16 << 20)
            .max_header_list_size(100 << 10)
            .enable_push(false);
        let handshake: Handshake = Box::pin(b.handshake::<_, Bytes>(io));
        let flags = Flags::new(conc + 2);
        flags.set(conc + 1);
        Self {
            sock,
            tls,
            pipe,
            wakers: wake::wakers(&flags, conc + 2),
            flags,
            handshake: Some(handshake),
            conn: None,
            send: None,
            slots: (0..conc).map(|_| Slot::Free).collect(),
            free: (0..conc).rev().collect(),
            sender_blocked: false,
            uri,
            total,
            started: 0,
            paused,
            ready: Vec::new(),
            out: Outcome {
                slot_bytes: vec![0; conc],
                ..Outcome::default()
            },
            eof: false,
        }
    }

    fn conc(&self) -> usize {
        self.slots.len()
    }

    /// Every transfer has finished.
    pub(crate) fn done(&self) -> bool {
        self.out.ok + self.out.failed >= self.total
    }

    /// Some future was woken and has not been polled yet.
    pub(crate) fn pending_work(&self) -> bool {
        self.flags.any()
    }

    /// Reads until the socket would block, handing h2 the plaintext after
    /// every TLS read, and writes what h2 produced.
    pub(crate) fn on_readable(&mut self) -> io::Result<()> {
        loop {
            let got = match self.tls.borrow_mut().read_tls(&mut self.sock) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            {
                let mut tls = self.tls.borrow_mut();
                tls.process_new_packets().map_err(io::Error::other)?;
                if let Some(p) = &self.pipe {
                    drain_plaintext(&mut tls, &mut p.borrow_mut())?;
                }
            }
            if got == 0 {
                self.eof = true;
                if let Some(p) = &self.pipe {
                    p.borrow_mut().eof = true;
                }
            }
            self.flags.set(self.conc() + 1);
            self.drive();
            self.flush()?;
            if got == 0 || self.done() {
                break;
            }
        }
        Ok(())
    }

    /// Encrypts what h2 wrote and writes records until the socket would
    /// block.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        let mut tls = self.tls.borrow_mut();
        if let Some(p) = &self.pipe {
            let mut p = p.borrow_mut();
            if !p.tx.is_empty() {
                tls.writer().write_all(&p.tx)?;
                p.tx.clear();
            }
        }
        while tls.wants_write() {
            match tls.write_tls(&mut self.sock) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Polls woken futures until none is left woken.
    pub(crate) fn drive(&mut self) {
        let conn_slot = self.conc() + 1;
        let sender_slot = self.conc();
        loop {
            if self.flags.take(conn_slot) {
                self.poll_conn();
            }
            self.start_streams();
            let mut ready = std::mem::take(&mut self.ready);
            self.flags.take_all(&mut ready);
            for &i in &ready {
                if i == conn_slot {
                    self.flags.set(conn_slot);
                } else if i == sender_slot {
                    self.sender_blocked = false;
                } else {
                    self.poll_slot(i);
                }
            }
            self.ready = ready;
            if !self.flags.any() && (self.sender_blocked || !self.can_start()) {
                break;
            }
        }
    }

    fn poll_conn(&mut self) {
        let waker = &self.wakers[self.conc() + 1];
        let mut cx = Context::from_waker(waker);
        if let Some(h) = &mut self.handshake {
            match h.as_mut().poll(&mut cx) {
                Poll::Ready(Ok((send, conn))) => {
                    self.handshake = None;
                    self.send = Some(send);
                    self.conn = Some(conn);
                }
                Poll::Ready(Err(e)) => panic!("h2 handshake: {e}"),
                Poll::Pending => return,
            }
        }
        if let Some(conn) = &mut self.conn {
            match Pin::new(conn).poll(&mut cx) {
                Poll::Pending => {}
                Poll::Ready(Ok(())) => self.conn = None,
                Poll::Ready(Err(e)) => panic!("h2 connection: {e}"),
            }
        }
    }

    fn can_start(&self) -> bool {
        self.send.is_some() && self.started < self.total && !self.free.is_empty()
    }

    /// Opens streams while there is a free slot and h2 takes them.
    fn start_streams(&mut self) {
        while self.can_start() && !self.sender_blocked {
            let send = self.send.as_mut().expect("can_start");
            let mut cx = Context::from_waker(&self.wakers[self.slots.len()]);
            match send.poll_ready(&mut cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => panic!("h2 poll_ready: {e}"),
                Poll::Pending => {
                    self.sender_blocked = true;
                    return;
                }
            }
            let req = http::Request::get(self.uri.clone())
                .header(http::header::ACCEPT, "*/*")
                .body(())
                .expect("request");
            let (head, _body) = send.send_request(req, true).expect("send_request");
            let i = self.free.pop().expect("can_start");
            self.slots[i] = Slot::Head(head);
            self.started += 1;
            self.flags.set(i);
        }
    }

    fn poll_slot(&mut self, i: usize) {
        let mut cx = Context::from_waker(&self.wakers[i]);
        let finished = match &mut self.slots[i] {
            Slot::Free => return,
            Slot::Head(f) => match Pin::new(f).poll(&mut cx) {
                Poll::Pending => return,
                Poll::Ready(Ok(resp)) if resp.status() == 200 => {
                    self.slots[i] = Slot::Body(resp.into_body());
                    self.flags.set(i);
                    return;
                }
                Poll::Ready(Ok(resp)) => Err(format!("status {}", resp.status())),
                Poll::Ready(Err(e)) => Err(e.to_string()),
            },
            Slot::Body(body) => loop {
                match body.poll_data(&mut cx) {
                    Poll::Pending => return,
                    Poll::Ready(None) => break Ok(()),
                    Poll::Ready(Some(Ok(data))) => {
                        self.out.bytes += data.len() as u64;
                        self.out.slot_bytes[i] += data.len() as u64;
                        if i >= self.paused {
                            let _ = body.flow_control().release_capacity(data.len());
                        }
                    }
                    Poll::Ready(Some(Err(e))) => break Err(e.to_string()),
                }
            },
        };
        self.slots[i] = Slot::Free;
        self.free.push(i);
        match finished {
            Ok(()) => self.out.ok += 1,
            Err(e) => {
                self.out.failed += 1;
                self.out.first_error.get_or_insert(e);
            }
        }
    }
}

/// Moves rustls's decrypted bytes into the pipe.
fn drain_plaintext(tls: &mut ClientConnection, p: &mut Pipe) -> io::Result<()> {
    use std::io::Read;
    const ROOM: usize = 16 << 10;
    loop {
        if p.rx.len() - p.rx_end < ROOM {
            p.rx.copy_within(p.rx_pos..p.rx_end, 0);
            p.rx_end -= p.rx_pos;
            p.rx_pos = 0;
            if p.rx.len() - p.rx_end < ROOM {
                let grow = (p.rx.len() * 2).max(4 * ROOM);
                p.rx.resize(grow, 0);
            }
        }
        let end = p.rx_end;
        match tls.reader().read(&mut p.rx[end..]) {
            Ok(0) => return Ok(()),
            Ok(n) => p.rx_end += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}
