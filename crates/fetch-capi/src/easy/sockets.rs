//! The socket hooks multi-socket programs use to create, tune and close
//! their own sockets: FETCHOPT_OPENSOCKETFUNCTION, SOCKOPTFUNCTION and
//! CLOSESOCKETFUNCTION (with their DATA pointers), bridged to the engine's
//! `Easy::socket_hooks`.

use std::ffi::{c_int, c_uint, c_void};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

use fetch_core::{CloseSocketFn, OpenSocketFn, SockOpt, SockoptFn};

use crate::SendPtr;
use crate::codes::fetch_socket_t;

/// `fetch_opensocket_callback`.
pub type fetch_opensocket_callback =
    unsafe extern "C" fn(*mut c_void, c_int, *mut fetch_sockaddr) -> fetch_socket_t;
/// `fetch_sockopt_callback`.
pub type fetch_sockopt_callback = unsafe extern "C" fn(*mut c_void, fetch_socket_t, c_int) -> c_int;
/// `fetch_closesocket_callback`.
pub type fetch_closesocket_callback = unsafe extern "C" fn(*mut c_void, fetch_socket_t) -> c_int;

/// FETCHSOCKTYPE_IPCXN: a socket for an outgoing connection.
const FETCHSOCKTYPE_IPCXN: c_int = 0;
/// FETCH_SOCKOPT_ALREADY_CONNECTED.
const FETCH_SOCKOPT_ALREADY_CONNECTED: c_int = 2;
/// FETCH_SOCKOPT_OK.
const FETCH_SOCKOPT_OK: c_int = 0;

/// `struct fetch_sockaddr` as handed to the open-socket callback: the
/// header declares `struct sockaddr addr` last; like upstream, room for any
/// address family follows it.
#[repr(C)]
#[derive(Debug)]
pub struct fetch_sockaddr {
    /// Address family (AF_INET, AF_INET6).
    pub family: c_int,
    /// SOCK_STREAM.
    pub socktype: c_int,
    /// IPPROTO_TCP.
    pub protocol: c_int,
    /// The length of `addr`.
    pub addrlen: c_uint,
    /// The address to connect to.
    pub addr: libc::sockaddr_storage,
}

/// The hooks set on a handle: function pointers and their data.
#[derive(Clone, Copy, Default)]
pub(crate) struct SocketHooks {
    pub(crate) open: Option<fetch_opensocket_callback>,
    pub(crate) open_data: SendPtr<c_void>,
    pub(crate) sockopt: Option<fetch_sockopt_callback>,
    pub(crate) sockopt_data: SendPtr<c_void>,
    pub(crate) close: Option<fetch_closesocket_callback>,
    pub(crate) close_data: SendPtr<c_void>,
}

impl SocketHooks {
    /// The engine's hooks for these callbacks (`None` where unset).
    pub(crate) fn engine_hooks(
        self,
    ) -> (
        Option<OpenSocketFn>,
        Option<SockoptFn>,
        Option<CloseSocketFn>,
    ) {
        let open = self.open.map(|f| {
            let data = self.open_data;
            Box::new(move |addr: SocketAddr| call_open(f, data.get(), addr)) as OpenSocketFn
        });
        let sockopt = self.sockopt.map(|f| {
            let data = self.sockopt_data;
            Box::new(move |fd: BorrowedFd<'_>| {
                // SAFETY: the application's SOCKOPTFUNCTION with its data,
                // called as documented on a socket the engine owns.
                match unsafe { f(data.get(), fd.as_raw_fd(), FETCHSOCKTYPE_IPCXN) } {
                    FETCH_SOCKOPT_OK => Ok(SockOpt::Ok),
                    FETCH_SOCKOPT_ALREADY_CONNECTED => Ok(SockOpt::AlreadyConnected),
                    _ => Err(io::Error::other("the sockopt callback returned an error")),
                }
            }) as SockoptFn
        });
        let close = self.close.map(|f| {
            let data = self.close_data;
            let hook: CloseSocketFn = Arc::new(Mutex::new(move |fd: OwnedFd| {
                // SAFETY: CLOSESOCKETFUNCTION with its data; ownership of
                // the descriptor passes to the application here.
                unsafe { f(data.get(), fd.into_raw_fd()) };
            }));
            hook
        });
        (open, sockopt, close)
    }
}

impl Default for SendPtr<c_void> {
    fn default() -> Self {
        Self(std::ptr::null_mut())
    }
}

/// Asks the application for a socket to reach `addr`.
fn call_open(
    f: fetch_opensocket_callback,
    data: *mut c_void,
    addr: SocketAddr,
) -> io::Result<OwnedFd> {
    let sa = socket2::SockAddr::from(addr);
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = (sa.len() as usize).min(size_of::<libc::sockaddr_storage>());
    // SAFETY: `sa` holds `len` initialised bytes of a socket address, and
    // `storage` has room for any address.
    unsafe {
        std::ptr::copy_nonoverlapping(
            sa.as_ptr().cast::<u8>(),
            std::ptr::from_mut(&mut storage).cast::<u8>(),
            len,
        );
    }
    let mut arg = fetch_sockaddr {
        family: c_int::from(sa.family()),
        socktype: libc::SOCK_STREAM,
        protocol: libc::IPPROTO_TCP,
        addrlen: len as c_uint,
        addr: storage,
    };
    // SAFETY: OPENSOCKETFUNCTION with its data, given a valid, writable
    // address that lives for the call.
    let fd = unsafe { f(data, FETCHSOCKTYPE_IPCXN, &mut arg) };
    if fd < 0 {
        return Err(io::Error::other(
            "the opensocket callback returned FETCH_SOCKET_BAD",
        ));
    }
    // SAFETY: the callback returns a socket it created for this connection
    // and hands over its ownership (upstream's contract); libfetch closes it
    // (or gives it to CLOSESOCKETFUNCTION) exactly once.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}
