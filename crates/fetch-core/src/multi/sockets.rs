//! Making a connection's socket: created by the engine or the application's
//! open-socket hook, tuned (TCP_NODELAY, TCP_KEEPALIVE), handed to the
//! sockopt hook, bound (INTERFACE, LOCALPORT), then connected without
//! blocking. Unix sockets (UNIX_SOCKET_PATH) are made here too.

use std::net::ToSocketAddrs;

use socket2::TcpKeepalive;

use super::*;
use crate::connopts::{Bind, ConnOptions, UnixSocket};

/// Why a socket could not be opened.
pub(super) enum OpenError {
    /// This address failed; the next one may work.
    Attempt(io::Error),
    /// The transfer fails (binding the local end: INTERFACE_FAILED).
    Fatal(Error),
}

impl From<io::Error> for OpenError {
    fn from(e: io::Error) -> Self {
        Self::Attempt(e)
    }
}

/// A non-blocking TCP socket connecting to `addr`: made by the engine or
/// by the application's open-socket hook, tuned by its sockopt hook, bound
/// as the options say.
pub(super) fn open_socket(addr: SocketAddr, easy: &mut Easy) -> Result<socket2::Socket, OpenError> {
    let sock = new_socket(addr, easy).map_err(|e| io::Error::new(e.kind(), OpenFailed(e)))?;
    tune(&sock, &easy.conn);
    if let Some(tune) = easy.hooks.get_mut().and_then(|h| h.sockopt.as_mut()) {
        if tune(std::os::fd::AsFd::as_fd(&sock))? == SockOpt::AlreadyConnected {
            return Ok(sock);
        }
    }
    bind_local(&sock, addr, &easy.conn).map_err(OpenError::Fatal)?;
    connect(sock, &SockAddr::from(addr))
}

/// A socket for `addr`, made by the application's hook or here.
fn new_socket(addr: SocketAddr, easy: &mut Easy) -> io::Result<socket2::Socket> {
    faults::check(Op::Socket)?;
    Ok(
        match easy.hooks.get_mut().and_then(|h| h.open_socket.as_mut()) {
            Some(open) => {
                let sock = socket2::Socket::from(open(addr)?);
                sock.set_nonblocking(true)?;
                sock
            }
            None => socket2::Socket::new(
                Domain::for_address(addr),
                Type::STREAM.nonblocking(),
                Some(Protocol::TCP),
            )?,
        },
    )
}

/// A socket could not be made at all (a local failure, such as running
/// out of descriptors, rather than the peer's answer): its reason goes
/// into the error buffer too.
#[derive(Debug)]
pub(super) struct OpenFailed(pub(super) io::Error);

impl std::fmt::Display for OpenFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for OpenFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// TCP_NODELAY and keep-alive, as upstream sets them before the sockopt
/// hook runs. As upstream, a failure to set one is not an error.
fn tune(sock: &socket2::Socket, o: &ConnOptions) {
    if o.tcp_nodelay {
        let _ = sock.set_nodelay(true);
    }
    if o.tcp_keepalive {
        let ka = TcpKeepalive::new()
            .with_time(o.keep_idle)
            .with_interval(o.keep_interval);
        let _ = sock.set_tcp_keepalive(&ka);
    }
}

/// Starts a non-blocking connect.
fn connect(sock: socket2::Socket, to: &SockAddr) -> Result<socket2::Socket, OpenError> {
    // (A fault is injected after the real call: what the kernel says about
    // a connect it has started.)
    let started = sock.connect(to);
    match faults::check(Op::Connect).and(started) {
        Ok(()) => Ok(sock),
        // EINTR on a non-blocking connect: it goes on asynchronously.
        Err(e)
            if e.raw_os_error() == Some(libc::EINPROGRESS)
                || e.kind() == io::ErrorKind::WouldBlock
                || e.kind() == io::ErrorKind::Interrupted =>
        {
            Ok(sock)
        }
        Err(e) => Err(OpenError::Attempt(e)),
    }
}

fn interface_failed(msg: String) -> Error {
    Error::new(ErrorCode::InterfaceFailed, msg)
}

/// The local address for INTERFACE (of `peer`'s family), binding to a
/// device on the way; `None`: any address.
fn local_ip(
    sock: &socket2::Socket,
    peer: SocketAddr,
    iface: &str,
) -> Result<Option<IpAddr>, Error> {
    let by_name = |name: &str| -> Result<Option<IpAddr>, Error> {
        let found = (name, 0)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.find(|a| a.is_ipv4() == peer.is_ipv4()));
        match found {
            Some(a) => Ok(Some(a.ip())),
            None => Err(interface_failed(format!(
                "Couldn't bind to '{name}': no address of the right family"
            ))),
        }
    };
    match Bind::parse(iface) {
        Bind::Address(ip) if ip.is_ipv4() != peer.is_ipv4() => Err(interface_failed(format!(
            "Local address {ip} is not of the peer's family"
        ))),
        Bind::Address(ip) => Ok(Some(ip)),
        Bind::Device(name) => match sock.bind_device(Some(name.as_bytes())) {
            Ok(()) => Ok(None),
            Err(e) => Err(interface_failed(format!(
                "Couldn't bind to interface '{name}': {e}"
            ))),
        },
        Bind::Host(name) => by_name(&name),
        Bind::Either(name) => match sock.bind_device(Some(name.as_bytes())) {
            Ok(()) => Ok(None),
            Err(_) => by_name(&name),
        },
    }
}

/// Binds the local end as INTERFACE and LOCALPORT/LOCALPORTRANGE say
/// (nothing without them). Every port of the range taken, or an address
/// that cannot be bound, is FETCHE_INTERFACE_FAILED.
fn bind_local(sock: &socket2::Socket, peer: SocketAddr, o: &ConnOptions) -> Result<(), Error> {
    let ip = match &o.interface {
        Some(iface) => local_ip(sock, peer, iface)?,
        None => None,
    };
    if ip.is_none() && o.local_port == 0 {
        return Ok(());
    }
    let ip = ip.unwrap_or(match peer {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    });
    let tries = if o.local_port == 0 {
        1
    } else {
        o.local_port_range.max(1)
    };
    let mut last = None;
    for i in 0..tries {
        let Some(port) = o.local_port.checked_add(i) else {
            break;
        };
        match sock.bind(&SockAddr::from(SocketAddr::new(ip, port))) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && port != 0 => last = Some(e),
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    let e = last.map_or_else(|| "no port left".to_owned(), |e| e.to_string());
    Err(interface_failed(format!("bind failed: {e}")))
}

/// A non-blocking Unix stream socket connecting to `path`.
pub(super) fn open_unix(path: &UnixSocket) -> Result<socket2::Socket, OpenError> {
    faults::check(Op::Socket)?;
    let addr = match path {
        UnixSocket::Path(p) => SockAddr::unix(p)?,
        UnixSocket::Abstract(name) => abstract_addr(name)?,
    };
    let sock = socket2::Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)?;
    connect(sock, &addr)
}

/// An abstract socket address: a NUL, then the name (socket2 reads a
/// path starting with NUL as one).
fn abstract_addr(name: &[u8]) -> io::Result<SockAddr> {
    use std::os::unix::ffi::OsStrExt;
    let mut bytes = Vec::with_capacity(name.len() + 1);
    bytes.push(0);
    bytes.extend_from_slice(name);
    SockAddr::unix(std::ffi::OsStr::from_bytes(&bytes))
}
