//! Connection control: how a transfer reaches its server (RESOLVE,
//! CONNECT_TO, IPRESOLVE, INTERFACE, LOCALPORT, UNIX_SOCKET_PATH, PORT), how
//! its sockets are tuned (TCP_NODELAY, TCP_KEEPALIVE), how long names and
//! connections are kept (DNS_CACHE_TIMEOUT, MAXAGE_CONN, MAXLIFETIME_CONN),
//! buffer sizes, and the callback run just before a request is sent
//! (PREREQFUNCTION). The parsing of the string forms lives here too.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::easy::Easy;
use crate::error::{Error, ErrorCode};

/// Which IP versions a transfer may use (FETCHOPT_IPRESOLVE).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IpResolve {
    /// Any (FETCH_IPRESOLVE_WHATEVER, 0).
    #[default]
    Whatever,
    /// IPv4 only (FETCH_IPRESOLVE_V4, 1).
    V4,
    /// IPv6 only (FETCH_IPRESOLVE_V6, 2).
    V6,
}

impl IpResolve {
    /// Whether `addr` may be used.
    pub(crate) fn allows(self, addr: &SocketAddr) -> bool {
        match self {
            Self::Whatever => true,
            Self::V4 => addr.is_ipv4(),
            Self::V6 => addr.is_ipv6(),
        }
    }
}

/// A Unix domain socket to talk HTTP over instead of TCP
/// (FETCHOPT_UNIX_SOCKET_PATH, FETCHOPT_ABSTRACT_UNIX_SOCKET).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnixSocket {
    /// A socket in the file system.
    Path(PathBuf),
    /// A Linux abstract socket: the name without its leading NUL.
    Abstract(Vec<u8>),
}

/// The connection-control options of a transfer. `Default` is upstream's
/// defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnOptions {
    /// FETCHOPT_RESOLVE entries: `HOST:PORT:ADDR[,ADDR]...` pins a name
    /// (`+` in front: an entry that times out like a looked-up one),
    /// `-HOST:PORT` removes one. Loaded into the multi's name cache when
    /// the transfer starts; checked when it is set ([`ConnOptions::check`]).
    pub resolve: Vec<String>,
    /// FETCHOPT_CONNECT_TO entries: `HOST:PORT:CONNECT-HOST:CONNECT-PORT`;
    /// an empty HOST or PORT matches any, an empty CONNECT-HOST or
    /// CONNECT-PORT keeps the URL's. The first match wins.
    pub connect_to: Vec<String>,
    /// FETCHOPT_IPRESOLVE.
    pub ip_resolve: IpResolve,
    /// FETCHOPT_INTERFACE: `if!NAME`, `host!ADDRESS-OR-NAME`, or either.
    pub interface: Option<String>,
    /// FETCHOPT_LOCALPORT: 0 is any.
    pub local_port: u16,
    /// FETCHOPT_LOCALPORTRANGE: how many ports from `local_port` to try.
    pub local_port_range: u16,
    /// FETCHOPT_TCP_NODELAY (on by default, as upstream).
    pub tcp_nodelay: bool,
    /// FETCHOPT_TCP_KEEPALIVE.
    pub tcp_keepalive: bool,
    /// FETCHOPT_TCP_KEEPIDLE (default 60 s).
    pub keep_idle: Duration,
    /// FETCHOPT_TCP_KEEPINTVL (default 60 s).
    pub keep_interval: Duration,
    /// FETCHOPT_DNS_CACHE_TIMEOUT: `None` keeps names forever, zero does
    /// not cache (default 60 s).
    pub dns_cache_timeout: Option<Duration>,
    /// FETCHOPT_MAXAGE_CONN: a pooled connection idle longer than this
    /// (in whole seconds, as upstream counts) is closed instead of reused
    /// (default 118 s).
    pub max_age: Duration,
    /// FETCHOPT_MAXLIFETIME_CONN: a pooled connection older than this (in
    /// whole seconds) is closed instead of reused; `None` is no limit.
    pub max_lifetime: Option<Duration>,
    /// FETCHOPT_BUFFERSIZE: the most bytes one read takes from the socket;
    /// `None` is the engine's own size.
    pub buffer_size: Option<usize>,
    /// FETCHOPT_UPLOAD_BUFFERSIZE: the room the read callback gets.
    pub upload_buffer_size: usize,
    /// FETCHOPT_UNIX_SOCKET_PATH / FETCHOPT_ABSTRACT_UNIX_SOCKET.
    pub unix_socket: Option<UnixSocket>,
    /// FETCHOPT_PORT: the port of the first URL, instead of its own.
    pub port: Option<u16>,
    /// FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS: when a name has addresses of
    /// both IP families, how long the first address's family is tried
    /// alone before the other family's first attempt starts beside it
    /// (the first to connect is used). Default 200 ms, as upstream.
    pub happy_eyeballs_timeout: Duration,
    /// FETCHOPT_DNS_SHUFFLE_ADDRESSES: a name's addresses are put in a
    /// random order when they are learnt (a lookup's answer, a RESOLVE
    /// entry loaded, `localhost`), before they are cached and tried, as
    /// upstream. Off by default.
    pub dns_shuffle: bool,
}

/// Upstream's TCP keep-alive idle time and interval.
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(60);
/// Upstream's DNS cache timeout.
pub const DEFAULT_DNS_CACHE_TIMEOUT: Duration = Duration::from_secs(60);
/// Upstream's MAXAGE_CONN.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(118);
/// Upstream's happy eyeballs timeout (CURL_HET_DEFAULT).
pub const DEFAULT_HAPPY_EYEBALLS_TIMEOUT: Duration = Duration::from_millis(200);
/// Upstream's UPLOAD_BUFFERSIZE.
pub const DEFAULT_UPLOAD_BUFFER: usize = 64 * 1024;

impl Default for ConnOptions {
    fn default() -> Self {
        Self {
            resolve: Vec::new(),
            connect_to: Vec::new(),
            ip_resolve: IpResolve::Whatever,
            interface: None,
            local_port: 0,
            local_port_range: 1,
            tcp_nodelay: true,
            tcp_keepalive: false,
            keep_idle: DEFAULT_KEEPALIVE,
            keep_interval: DEFAULT_KEEPALIVE,
            dns_cache_timeout: Some(DEFAULT_DNS_CACHE_TIMEOUT),
            max_age: DEFAULT_MAX_AGE,
            max_lifetime: None,
            buffer_size: None,
            upload_buffer_size: DEFAULT_UPLOAD_BUFFER,
            unix_socket: None,
            port: None,
            happy_eyeballs_timeout: DEFAULT_HAPPY_EYEBALLS_TIMEOUT,
            dns_shuffle: false,
        }
    }
}

/// Puts `addrs` in a random order (FETCHOPT_DNS_SHUFFLE_ADDRESSES): a
/// Fisher-Yates shuffle on the system's random bytes. Without random bytes
/// the order is kept.
pub(crate) fn shuffle(addrs: &mut [SocketAddr]) {
    if addrs.len() < 2 {
        return;
    }
    let mut random = vec![0u8; 4 * addrs.len()];
    if getrandom::getrandom(&mut random).is_err() {
        return;
    }
    for i in (1..addrs.len()).rev() {
        let r = u32::from_le_bytes(random[4 * i..4 * i + 4].try_into().expect("4 bytes"));
        let j = (r as usize) % (i + 1);
        addrs.swap(i, j);
    }
}

impl ConnOptions {
    /// Checks the RESOLVE and CONNECT_TO entries: a malformed one is
    /// FETCHE_SETOPT_OPTION_SYNTAX, as upstream.
    pub fn check(&self) -> Result<(), Error> {
        for e in &self.resolve {
            ResolveEntry::parse(e)?;
        }
        for e in &self.connect_to {
            ConnectTo::parse(e)?;
        }
        Ok(())
    }

    /// What the pool key adds for these options: connections made through
    /// a different route, bound differently or restricted to one IP
    /// version are not shared.
    /// (Inlined: with none of those options, the usual case, it is empty
    /// at once.)
    #[inline(always)]
    pub(crate) fn key_suffix(&self, via: Option<&(String, u16)>) -> String {
        if via.is_none()
            && self.unix_socket.is_none()
            && self.interface.is_none()
            && self.local_port == 0
            && self.ip_resolve == IpResolve::Whatever
        {
            return String::new();
        }
        self.key_suffix_of(via)
    }

    /// [`ConnOptions::key_suffix`] when some option adds to the key.
    fn key_suffix_of(&self, via: Option<&(String, u16)>) -> String {
        let mut k = String::new();
        if let Some(u) = &self.unix_socket {
            k.push_str(&format!("|unix={u:?}"));
        } else if let Some((h, p)) = via {
            k.push_str(&format!("|to={h}:{p}"));
        }
        if let Some(i) = &self.interface {
            k.push_str(&format!("|if={i}"));
        }
        if self.local_port != 0 {
            k.push_str(&format!(
                "|lp={}+{}",
                self.local_port, self.local_port_range
            ));
        }
        if self.ip_resolve != IpResolve::Whatever {
            k.push_str(&format!("|ip={:?}", self.ip_resolve));
        }
        k
    }

    /// The CONNECT_TO route for `host`:`port`, if an entry matches.
    #[inline(always)]
    pub(crate) fn route(&self, host: &str, port: u16) -> Option<(String, u16)> {
        if self.connect_to.is_empty() {
            return None;
        }
        self.route_of(host, port)
    }

    /// [`ConnOptions::route`] with CONNECT_TO entries to look through.
    fn route_of(&self, host: &str, port: u16) -> Option<(String, u16)> {
        self.connect_to.iter().find_map(|e| {
            let c = ConnectTo::parse(e).ok()??;
            let host_ok = c
                .host
                .as_deref()
                .is_none_or(|h| h.eq_ignore_ascii_case(host));
            let port_ok = c.port.is_none_or(|p| p == port);
            (host_ok && port_ok).then(|| {
                let to_host = c.to_host.unwrap_or_else(|| host.to_owned());
                (to_host.to_ascii_lowercase(), c.to_port.unwrap_or(port))
            })
        })
    }
}

fn syntax(what: &str, entry: &str) -> Error {
    Error::new(
        ErrorCode::SetoptOptionSyntax,
        format!("Couldn't parse {what} entry '{entry}'"),
    )
}

/// Splits off a host at the front of `s` (bracketed IPv6 allowed) up to
/// the next `:`; returns the host and the rest after the colon.
fn take_host(s: &str) -> Option<(&str, &str)> {
    if let Some(inner) = s.strip_prefix('[') {
        let end = inner.find(']')?;
        let rest = &inner[end + 1..];
        let rest = rest.strip_prefix(':')?;
        return Some((&inner[..end], rest));
    }
    let i = s.find(':')?;
    Some((&s[..i], &s[i + 1..]))
}

/// An empty field is `None`; a non-number is an error.
fn opt_port(s: &str) -> Result<Option<u16>, ()> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| ())
}

/// One parsed RESOLVE entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolveEntry {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Empty for a removal.
    pub(crate) addrs: Vec<IpAddr>,
    /// `-HOST:PORT`.
    pub(crate) remove: bool,
    /// No `+`: never times out.
    pub(crate) permanent: bool,
}

impl ResolveEntry {
    /// Upstream's reading: an addition without a port number, without
    /// addresses or with a bad address is a syntax error; a removal
    /// (`-HOST:PORT`) that does not parse is ignored (`None`).
    pub(crate) fn parse(entry: &str) -> Result<Option<Self>, Error> {
        let bad = || syntax("CURLOPT_RESOLVE", entry);
        if let Some(rest) = entry.strip_prefix('-') {
            let parsed = rest
                .rsplit_once(':')
                .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)));
            return Ok(parsed.map(|(host, port)| Self {
                host: host.to_ascii_lowercase(),
                port,
                addrs: Vec::new(),
                remove: true,
                permanent: true,
            }));
        }
        let (permanent, rest) = match entry.strip_prefix('+') {
            Some(r) => (false, r),
            None => (true, entry),
        };
        let (host, rest) = take_host(rest).ok_or_else(bad)?;
        let (port, list) = rest.split_once(':').ok_or_else(bad)?;
        let port = port.parse().map_err(|_| bad())?;
        let mut addrs = Vec::new();
        for a in list.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            let a = a.trim_start_matches('[').trim_end_matches(']');
            addrs.push(a.parse::<IpAddr>().map_err(|_| bad())?);
        }
        if addrs.is_empty() {
            return Err(bad());
        }
        Ok(Some(Self {
            host: host.to_ascii_lowercase(),
            port,
            addrs,
            remove: false,
            permanent,
        }))
    }
}

/// One parsed CONNECT_TO entry; `None` fields are empty in the string.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ConnectTo {
    host: Option<String>,
    port: Option<u16>,
    to_host: Option<String>,
    to_port: Option<u16>,
}

impl ConnectTo {
    /// Upstream's reading: an entry whose HOST:PORT part does not parse
    /// matches nothing (`None`); CONNECT-PORT may be left out (the URL's);
    /// only a CONNECT-PORT that is not a port number is a syntax error.
    fn parse(entry: &str) -> Result<Option<Self>, Error> {
        let Some((host, rest)) = take_host(entry) else {
            return Ok(None);
        };
        let Some((port, rest)) = rest.split_once(':') else {
            return Ok(None);
        };
        let Ok(port) = opt_port(port) else {
            return Ok(None);
        };
        let (to_host, to_port) = match rest.strip_prefix('[') {
            Some(inner) => match inner.split_once(']') {
                Some((h, p)) => (h, p),
                None => return Ok(None),
            },
            None => rest.split_once(':').map_or((rest, ""), |(h, p)| (h, p)),
        };
        let to_port = to_port.strip_prefix(':').unwrap_or(to_port);
        let to_port = opt_port(to_port).map_err(|()| syntax("CURLOPT_CONNECT_TO", entry))?;
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Ok(Some(Self {
            host: some(host),
            port,
            to_host: some(to_host),
            to_port,
        }))
    }
}

/// What FETCHOPT_INTERFACE names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bind {
    /// `if!NAME`: a network interface only.
    Device(String),
    /// `host!X`, or a plain address: bind to this address.
    Address(IpAddr),
    /// `host!NAME`: a host name, looked up (blocking) when binding.
    Host(String),
    /// A plain name: an interface if one is called that, else a host name.
    Either(String),
}

impl Bind {
    pub(crate) fn parse(s: &str) -> Self {
        if let Some(name) = s.strip_prefix("if!") {
            return Self::Device(name.to_owned());
        }
        let (host, explicit) = match s.strip_prefix("host!") {
            Some(h) => (h, true),
            None => (s, false),
        };
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        match bare.parse::<IpAddr>() {
            Ok(ip) => Self::Address(ip),
            Err(_) if explicit => Self::Host(host.to_owned()),
            Err(_) => Self::Either(host.to_owned()),
        }
    }
}

/// What the PREREQFUNCTION is told: the connection a request is about to
/// be sent on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Prereq {
    /// The server's address ("" over a Unix socket).
    pub primary_ip: String,
    /// The server's port (0 over a Unix socket).
    pub primary_port: u16,
    /// This end's address.
    pub local_ip: String,
    /// This end's port.
    pub local_port: u16,
}

/// PREREQFUNCTION: `false` aborts the transfer with
/// FETCHE_ABORTED_BY_CALLBACK.
pub type PrereqFn = Box<dyn FnMut(&Prereq) -> bool + Send>;

impl Easy {
    /// Sets the connection-control options. RESOLVE and CONNECT_TO entries
    /// are checked when the transfer starts, as upstream: a malformed one
    /// ends it with FETCHE_SETOPT_OPTION_SYNTAX ([`ConnOptions::check`]
    /// finds it earlier).
    pub fn conn_options(&mut self, opts: ConnOptions) -> &mut Self {
        if opts.port != self.conn.port {
            // A cached parse carries the old port.
            self.target_cache = None;
        }
        self.conn.set(opts);
        self
    }

    /// The connection-control options.
    pub fn get_conn_options(&self) -> &ConnOptions {
        &self.conn
    }

    /// Sets the callback run once the connection is made (or reused), right
    /// before each request is sent (FETCHOPT_PREREQFUNCTION).
    pub fn prereq_function(&mut self, f: Option<PrereqFn>) -> &mut Self {
        self.hooks.set(|h| &mut h.prereq, f);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shuffle is a permutation: every address kept, once.
    #[test]
    fn shuffle_keeps_every_address() {
        let addrs: Vec<SocketAddr> = (1..=50)
            .map(|i| SocketAddr::new(IpAddr::from([127, 0, 0, i]), 80))
            .collect();
        let mut shuffled = addrs.clone();
        shuffle(&mut shuffled);
        let mut sorted = shuffled.clone();
        sorted.sort();
        assert_eq!(sorted, addrs);
        let mut one = addrs[..1].to_vec();
        shuffle(&mut one);
        assert_eq!(one, addrs[..1]);
    }

    #[test]
    fn resolve_entries_parse_as_upstream() {
        let e = ResolveEntry::parse("Example.com:80:127.0.0.1,[::1]")
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.permanent),
            ("example.com", 80, true)
        );
        assert_eq!(e.addrs.len(), 2);
        let e = ResolveEntry::parse("+h:443:10.0.0.1").unwrap().unwrap();
        assert!(!e.permanent && !e.remove);
        let e = ResolveEntry::parse("-h:443").unwrap().unwrap();
        assert!(e.remove && e.addrs.is_empty());
        // Removals that do not parse are ignored, as upstream.
        assert_eq!(ResolveEntry::parse("-h").unwrap(), None);
        assert_eq!(ResolveEntry::parse("-h:x").unwrap(), None);
        for bad in [
            "nohost",
            "h:80",
            "h:x:1.2.3.4",
            "h:80:nope",
            "h:80:",
            "h:99999:1.2.3.4",
        ] {
            assert_eq!(
                ResolveEntry::parse(bad).unwrap_err().code(),
                ErrorCode::SetoptOptionSyntax,
                "{bad}"
            );
        }
    }

    #[test]
    fn connect_to_matches_and_fills_empty_fields() {
        let o = ConnOptions {
            connect_to: vec![
                "x".into(),
                "a.test:x:c:1".into(),
                "a.test:80:127.0.0.1:9000".into(),
                "::b.test:".into(),
            ],
            ..ConnOptions::default()
        };
        assert!(o.check().is_ok());
        assert_eq!(o.route("A.test", 80), Some(("127.0.0.1".into(), 9000)));
        assert_eq!(o.route("a.test", 81), Some(("b.test".into(), 81)));
        let o = ConnOptions {
            connect_to: vec!["h:1:other".into(), "[::1]:443:[::2]:8443".into()],
            ..ConnOptions::default()
        };
        assert_eq!(
            o.route("h", 1),
            Some(("other".into(), 1)),
            "no port: the URL's"
        );
        assert_eq!(o.route("::1", 443), Some(("::2".into(), 8443)));
        let o = ConnOptions {
            connect_to: vec!["h:1:t:99999".into()],
            ..ConnOptions::default()
        };
        assert_eq!(o.check().unwrap_err().code(), ErrorCode::SetoptOptionSyntax);
    }

    #[test]
    fn interface_forms() {
        assert_eq!(Bind::parse("if!eth0"), Bind::Device("eth0".into()));
        assert_eq!(
            Bind::parse("host!127.0.0.1"),
            Bind::Address([127, 0, 0, 1].into())
        );
        assert_eq!(Bind::parse("host!example"), Bind::Host("example".into()));
        assert_eq!(Bind::parse("lo"), Bind::Either("lo".into()));
        assert_eq!(Bind::parse("::1"), Bind::Address("::1".parse().unwrap()));
    }
}
