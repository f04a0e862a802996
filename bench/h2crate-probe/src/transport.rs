//! The in-memory transports the h2 crate reads and writes. The engine owns
//! the socket and the rustls session; h2 only ever sees these, so it does
//! no I/O of its own. Neither ever stores a waker: the engine knows when
//! new bytes arrived and polls the connection then.

use std::cell::RefCell;
use std::io::{self, BufRead, Write};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use rustls::ClientConnection;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Two byte buffers between the engine and h2 (`PROBE_TRANSPORT=pipe`).
#[derive(Default)]
pub(crate) struct Pipe {
    /// Plaintext from the peer that h2 has not read yet: `rx[rx_pos..rx_end]`
    /// (the buffer is zeroed once and reused).
    pub(crate) rx: Vec<u8>,
    pub(crate) rx_pos: usize,
    pub(crate) rx_end: usize,
    /// Plaintext h2 wrote that the engine has not encrypted yet.
    pub(crate) tx: Vec<u8>,
    /// The peer closed the stream.
    pub(crate) eof: bool,
}

/// What h2 is given as its I/O object.
pub(crate) enum Transport {
    /// Through [`Pipe`]: one more copy each way.
    Pipe(Rc<RefCell<Pipe>>),
    /// Straight onto rustls's plaintext reader and writer
    /// (`PROBE_TRANSPORT=direct`): no copy beyond what rustls does.
    Direct(Rc<RefCell<ClientConnection>>),
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &*self {
            Self::Pipe(p) => {
                let mut p = p.borrow_mut();
                let start = p.rx_pos;
                let avail = p.rx_end - start;
                if avail == 0 {
                    return if p.eof {
                        Poll::Ready(Ok(()))
                    } else {
                        Poll::Pending
                    };
                }
                let n = avail.min(buf.remaining());
                buf.put_slice(&p.rx[start..start + n]);
                p.rx_pos += n;
                if p.rx_pos == p.rx_end {
                    p.rx_pos = 0;
                    p.rx_end = 0;
                }
                Poll::Ready(Ok(()))
            }
            Self::Direct(tls) => {
                // fill_buf/consume: one copy, from rustls's buffer straight
                // into h2's, and no zeroing of h2's spare capacity.
                let mut tls = tls.borrow_mut();
                let mut reader = tls.reader();
                match reader.fill_buf() {
                    Ok(data) => {
                        let n = data.len().min(buf.remaining());
                        buf.put_slice(&data[..n]);
                        reader.consume(n);
                        Poll::Ready(Ok(()))
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
                    Err(e) => Poll::Ready(Err(e)),
                }
            }
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &*self {
            Self::Pipe(p) => {
                p.borrow_mut().tx.extend_from_slice(data);
                Poll::Ready(Ok(data.len()))
            }
            Self::Direct(tls) => Poll::Ready(tls.borrow_mut().writer().write(data)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // The engine writes whatever is pending after every round of polls.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
