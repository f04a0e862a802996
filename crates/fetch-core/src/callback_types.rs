//! What the application's callbacks are told and answer: write/header
//! flow, read and seek results, socket-option verdicts, trace kinds,
//! progress figures, and the boxed callback types `Easy` keeps.

use std::io::{self, SeekFrom};
use std::net::SocketAddr;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex};

/// What the write or header callback tells the engine to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Flow {
    /// The data was consumed; carry on.
    Continue,
    /// Stop the transfer: it fails with FETCHE_WRITE_ERROR (from the
    /// progress callback: FETCHE_ABORTED_BY_CALLBACK).
    Abort,
    /// Pause receiving (FETCH_WRITEFUNC_PAUSE). The data of this call is
    /// kept and delivered again, first, when the transfer is resumed with
    /// [`crate::Multi::pause`].
    Pause,
}

/// What the read callback produced for an upload body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadResult {
    /// This many bytes were written to the buffer; 0 means end of body.
    Data(usize),
    /// Stop the transfer: it fails with FETCHE_ABORTED_BY_CALLBACK.
    Abort,
    /// Pause sending (FETCH_READFUNC_PAUSE) until resumed with
    /// [`crate::Multi::pause`]; the callback is called again then.
    Pause,
    /// The data could not be read (a file of a multipart body went away,
    /// 8-bit data under the `7bit` encoder): the transfer fails with
    /// FETCHE_READ_ERROR.
    Fail,
}

/// What the seek callback reports (FETCHOPT_SEEKFUNCTION's
/// FETCH_SEEKFUNC_* values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeekResult {
    /// The stream is at the requested position (FETCH_SEEKFUNC_OK).
    Ok,
    /// Seeking failed; the transfer fails (FETCH_SEEKFUNC_FAIL).
    Fail,
    /// This stream cannot seek (FETCH_SEEKFUNC_CANTSEEK).
    CantSeek,
}

/// Body write callback: gets each piece of the response body.
pub type WriteFn = Box<dyn FnMut(&[u8]) -> Flow + Send>;
/// Header callback: gets each response header line, status line first and
/// the empty line last, including its line ending.
pub type HeaderFn = Box<dyn FnMut(&[u8]) -> Flow + Send>;
/// Read callback: fills the buffer with upload data.
pub type ReadFn = Box<dyn FnMut(&mut [u8]) -> ReadResult + Send>;
/// What a socket-option callback reports (FETCHOPT_SOCKOPTFUNCTION).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SockOpt {
    /// Go on and connect (FETCH_SOCKOPT_OK).
    Ok,
    /// The application connected the socket itself
    /// (FETCH_SOCKOPT_ALREADY_CONNECTED).
    AlreadyConnected,
}

/// Opens the socket for a connection to an address
/// (FETCHOPT_OPENSOCKETFUNCTION): a TCP stream socket of the address's
/// family. The engine makes it non-blocking and connects it.
pub type OpenSocketFn = Box<dyn FnMut(SocketAddr) -> io::Result<OwnedFd> + Send>;
/// Tunes a new socket before it connects (FETCHOPT_SOCKOPTFUNCTION); an
/// error fails the connection attempt.
pub type SockoptFn = Box<dyn FnMut(BorrowedFd<'_>) -> io::Result<SockOpt> + Send>;
/// Closes a socket the engine is done with (FETCHOPT_CLOSESOCKETFUNCTION),
/// instead of the engine closing it. Shared by the connections it opened,
/// which may outlive the transfer in the pool.
pub type CloseSocketFn = Arc<Mutex<dyn FnMut(OwnedFd) + Send>>;

/// The write and seek callbacks as one shared object ([`crate::Easy::shared_io`]):
/// for a binding that keeps its callbacks in a shared block of its own,
/// so that each transfer it builds holds another reference to that block
/// instead of two closures on the heap (issue 13: two allocations per
/// new handle).
pub trait SharedIo: Send + Sync {
    /// As the write callback ([`WriteFn`]).
    fn write(&self, data: &[u8]) -> Flow;
    /// As the seek callback ([`SeekFn`]).
    fn seek(&self, to: SeekFrom) -> SeekResult;
}

/// Seek callback: moves the upload stream, so a request can be sent again
/// (a retry on a new connection, a 307/308 redirect) with the same body.
pub type SeekFn = Box<dyn FnMut(SeekFrom) -> SeekResult + Send>;
/// Progress callback (FETCHOPT_XFERINFOFUNCTION): [`Flow::Abort`] stops the
/// transfer with FETCHE_ABORTED_BY_CALLBACK.
pub type ProgressFn = Box<dyn FnMut(&Progress) -> Flow + Send>;

/// What a piece of trace given to the debug callback is
/// (FETCHOPT_DEBUGFUNCTION's `curl_infotype`, same numbers).
///
/// The SSL kinds exist for the C ABI's numbering but are never produced:
/// rustls does not hand out its records without copying every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InfoType {
    /// An informational line, ending in `\n` ("  Trying 127.0.0.1:80...").
    Text,
    /// A response header line as received (status line, fields, the empty
    /// line; trailer fields too).
    HeaderIn,
    /// The whole request head as sent, once per request.
    HeaderOut,
    /// Response body bytes as received (chunk framing removed), before the
    /// write callback sees them.
    DataIn,
    /// Request body bytes as they are queued for sending (without chunk
    /// framing).
    DataOut,
    /// TLS records received: not produced.
    SslDataIn,
    /// TLS records sent: not produced.
    SslDataOut,
}

impl InfoType {
    /// Upstream's number for this kind (CURLINFO_TEXT = 0 … CURLINFO_SSL_DATA_OUT = 6).
    pub fn as_raw(self) -> u32 {
        match self {
            Self::Text => 0,
            Self::HeaderIn => 1,
            Self::HeaderOut => 2,
            Self::DataIn => 3,
            Self::DataOut => 4,
            Self::SslDataIn => 5,
            Self::SslDataOut => 6,
        }
    }
}

/// Debug callback (FETCHOPT_DEBUGFUNCTION): gets every piece of trace.
pub type DebugFn = Box<dyn FnMut(InfoType, &[u8]) + Send>;

/// What the progress callback is told: totals (0 when unknown) and the
/// amounts so far, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Expected download size, 0 if unknown.
    pub dltotal: u64,
    /// Downloaded so far.
    pub dlnow: u64,
    /// Expected upload size, 0 if unknown.
    pub ultotal: u64,
    /// Uploaded so far.
    pub ulnow: u64,
}
