//! Proxies: the options (FETCHOPT_PROXY, PROXYPORT, PROXYTYPE,
//! HTTPPROXYTUNNEL, PROXYUSERNAME/PASSWORD, NOPROXY), the environment
//! variables upstream honours when PROXY is not set, and the choice of the
//! proxy a transfer goes through. The handshakes themselves (CONNECT,
//! SOCKS4/4a/5) are sans-IO state machines in [`handshake`]; the engine
//! drives them in the connect phase.

pub(crate) mod handshake;
mod noproxy;

use std::sync::Arc;

use crate::easy::Easy;
use crate::error::{Error, ErrorCode};
use crate::tls::TlsOptions;

pub(crate) use noproxy::no_proxy_matches;

/// The kind of proxy (FETCHOPT_PROXYTYPE and the scheme prefixes of
/// FETCHOPT_PROXY).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProxyType {
    /// An HTTP proxy (FETCHPROXY_HTTP, 0; `http://`).
    #[default]
    Http,
    /// An HTTP proxy spoken to with HTTP/1.0 (FETCHPROXY_HTTP_1_0, 1).
    Http10,
    /// An HTTP proxy reached over TLS (FETCHPROXY_HTTPS, 2; `https://`),
    /// verified with [`ProxyOptions::tls`]; ALPN offers only `http/1.1`.
    Https,
    /// SOCKS4, the name resolved here (FETCHPROXY_SOCKS4, 4; `socks4://`).
    Socks4,
    /// SOCKS5, the name resolved here (FETCHPROXY_SOCKS5, 5; `socks5://`).
    Socks5,
    /// SOCKS4a, the proxy resolves (FETCHPROXY_SOCKS4A, 6; `socks4a://`).
    Socks4a,
    /// SOCKS5, the proxy resolves (FETCHPROXY_SOCKS5_HOSTNAME, 7;
    /// `socks5h://`).
    Socks5h,
}

impl ProxyType {
    /// The type a proxy URL scheme names.
    fn from_scheme(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "http" => Self::Http,
            "https" => Self::Https,
            "socks4" => Self::Socks4,
            "socks4a" => Self::Socks4a,
            "socks5" => Self::Socks5,
            "socks5h" => Self::Socks5h,
            _ => return None,
        })
    }

    /// The scheme shown in traces and pool keys.
    pub(crate) fn scheme(self) -> &'static str {
        match self {
            Self::Http | Self::Http10 => "http",
            Self::Https => "https",
            Self::Socks4 => "socks4",
            Self::Socks4a => "socks4a",
            Self::Socks5 => "socks5",
            Self::Socks5h => "socks5h",
        }
    }

    /// A SOCKS proxy of any version.
    pub(crate) fn is_socks(self) -> bool {
        matches!(
            self,
            Self::Socks4 | Self::Socks4a | Self::Socks5 | Self::Socks5h
        )
    }

    /// A SOCKS proxy that needs the target's address, not its name.
    pub(crate) fn resolves_locally(self) -> bool {
        matches!(self, Self::Socks4 | Self::Socks5)
    }
}

/// The proxy options of a transfer. `Default` is upstream's: no PROXY set
/// (the environment decides), an HTTP proxy, port 1080 unless the string
/// names one (443 for an https proxy), Basic allowed.
///
/// An https proxy is verified with its own TLS options ([`Self::tls`]);
/// the transfer's [`TlsOptions`] are for the target, over TLS inside the
/// tunnel to an https target:
///
/// ```
/// use fetch_core::{Easy, ProxyOptions, ProxyType};
///
/// let mut proxy = ProxyOptions::with_proxy("https://proxy.example:8443");
/// proxy.tls.ca_file = Some("/etc/ssl/proxy-ca.pem".into()); // PROXY_CAINFO
/// proxy.tls.verify_host = false; // PROXY_SSL_VERIFYHOST 0
/// let mut easy = Easy::new();
/// easy.url("https://example.com/").proxy_options(proxy);
/// assert!(easy.get_proxy_options().tls.verify_peer);
/// assert_eq!(easy.get_proxy_options().kind, ProxyType::Http);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyOptions {
    /// FETCHOPT_PROXY: `[scheme://][user:password@]host[:port]`. `None`:
    /// the environment variables decide; `Some("")`: no proxy at all.
    pub proxy: Option<String>,
    /// FETCHOPT_PROXYPORT: used when the string names no port (0: the
    /// type's default, 1080, or 443 for an https proxy).
    pub port: u16,
    /// FETCHOPT_PROXYTYPE: the type of a proxy string without a scheme.
    pub kind: ProxyType,
    /// FETCHOPT_HTTPPROXYTUNNEL: plain-http targets also go through a
    /// CONNECT tunnel.
    pub tunnel: bool,
    /// FETCHOPT_PROXYUSERNAME (or the user part of PROXYUSERPWD).
    pub user: Option<String>,
    /// FETCHOPT_PROXYPASSWORD.
    pub password: Option<String>,
    /// FETCHOPT_PROXYAUTH allows Basic (the default; the only method
    /// built in).
    pub basic: bool,
    /// FETCHOPT_NOPROXY: hosts reached directly (comma list, `*` for all,
    /// domain suffixes, IP addresses and CIDR ranges). `None`: the
    /// `no_proxy`/`NO_PROXY` environment variable.
    pub no_proxy: Option<String>,
    /// TLS to an https proxy (FETCHOPT_PROXY_CAINFO, PROXY_CAPATH,
    /// PROXY_CAINFO_BLOB, PROXY_SSL_VERIFYPEER, PROXY_SSL_VERIFYHOST,
    /// PROXY_SSLCERT, PROXY_SSLKEY, PROXY_SSLVERSION): apart from the
    /// target's [`TlsOptions`], which apply to TLS inside a tunnel.
    pub tls: TlsOptions,
}

impl Default for ProxyOptions {
    fn default() -> Self {
        Self {
            proxy: None,
            port: 0,
            kind: ProxyType::Http,
            tunnel: false,
            user: None,
            password: None,
            basic: true,
            no_proxy: None,
            tls: TlsOptions::default(),
        }
    }
}

impl ProxyOptions {
    /// Upstream's defaults (as `Default`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Options for `proxy` (a FETCHOPT_PROXY string).
    pub fn with_proxy(proxy: impl Into<String>) -> Self {
        Self {
            proxy: Some(proxy.into()),
            ..Self::new()
        }
    }
}

/// The proxy a transfer goes through, worked out for its current target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    pub(crate) kind: ProxyType,
    /// Host name or address, lower case, IPv6 without brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// User and password, decoded.
    pub(crate) creds: Option<(String, String)>,
    /// An HTTP proxy with a CONNECT tunnel (https targets, HTTPPROXYTUNNEL).
    pub(crate) tunnel: bool,
    /// Proxy-Authorization is sent (credentials and Basic allowed).
    pub(crate) basic: bool,
    /// An https proxy's TLS options, with their pool tag.
    pub(crate) tls: Option<(TlsOptions, u64)>,
}

impl Proxy {
    /// Plain requests forwarded with an absolute-form target.
    pub(crate) fn forwards(&self) -> bool {
        !self.kind.is_socks() && !self.tunnel
    }

    /// What makes a connection through this proxy unfit for anything else.
    pub(crate) fn key(&self) -> String {
        let user = self.creds.as_ref().map_or("", |c| c.0.as_str());
        let mode = if self.tunnel { "T" } else { "" };
        // Connections to an https proxy differ by its TLS settings too.
        let tls = match &self.tls {
            Some((_, tag)) if *tag != 0 => format!("|ptls={tag:x}"),
            _ => String::new(),
        };
        format!(
            "|proxy={}://{user}@{}:{}{mode}{tls}",
            self.kind.scheme(),
            self.host,
            self.port
        )
    }

    /// The `Proxy-Authorization` line, when one is sent.
    pub(crate) fn auth_line(&self) -> Option<String> {
        use base64::Engine;
        let (user, pass) = self.creds.as_ref().filter(|_| self.basic)?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        Some(format!("Proxy-Authorization: Basic {token}"))
    }
}

/// Reads one environment variable (unset or empty: none).
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The proxy environment variables as read at one moment: what PROXY and
/// NOPROXY left unset (NULL) fall back to. A multi reads them when a
/// transfer is added while it has none (docs/decisions.md, "The proxy
/// environment is read when a multi starts to work"), not at every
/// transfer start: each read is a scan of the whole environment per name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProxyEnv {
    /// For http targets: `http_proxy` (lower case only, as upstream, so CGI
    /// programs cannot be steered by a `Proxy:` request header), else
    /// `all_proxy` or `ALL_PROXY`.
    http: Option<String>,
    /// For https targets: `https_proxy` or `HTTPS_PROXY`, else `all_proxy`
    /// or `ALL_PROXY`.
    https: Option<String>,
    /// `no_proxy` or `NO_PROXY`.
    no_proxy: Option<String>,
}

impl ProxyEnv {
    /// The variable that names the proxy for http or https targets.
    #[inline]
    pub(crate) fn for_scheme(&self, https: bool) -> Option<&str> {
        if https {
            self.https.as_deref()
        } else {
            self.http.as_deref()
        }
    }

    /// Reads the variables now.
    pub(crate) fn read() -> Self {
        let all = env("all_proxy").or_else(|| env("ALL_PROXY"));
        Self {
            http: env("http_proxy").or_else(|| all.clone()),
            https: env("https_proxy").or_else(|| env("HTTPS_PROXY")).or(all),
            no_proxy: env("no_proxy").or_else(|| env("NO_PROXY")),
        }
    }

    /// A reading with every variable set as given (tests).
    #[cfg(test)]
    pub(crate) fn with(http: Option<&str>, https: Option<&str>, no_proxy: Option<&str>) -> Self {
        Self {
            http: http.map(str::to_owned),
            https: https.map(str::to_owned),
            no_proxy: no_proxy.map(str::to_owned),
        }
    }
}

/// Percent-decodes a user or password of a proxy URL.
fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

impl ProxyOptions {
    /// The proxy for a target (`https`, `host`), if any: PROXY or the
    /// environment `env`, unless NOPROXY (or `no_proxy`) names the host.
    pub(crate) fn for_target(
        &self,
        env: &ProxyEnv,
        https: bool,
        host: &str,
    ) -> Result<Option<Arc<Proxy>>, Error> {
        let from_env = if https { &env.https } else { &env.http };
        let raw = match self.proxy.as_ref().or(from_env.as_ref()) {
            Some(p) if !p.is_empty() => p.as_str(),
            _ => return Ok(None),
        };
        let no_proxy = self.no_proxy.as_ref().or(env.no_proxy.as_ref());
        if no_proxy.is_some_and(|n| no_proxy_matches(n, host)) {
            return Ok(None);
        }
        self.parse(raw, https).map(|p| Some(Arc::new(p)))
    }

    /// Parses a proxy string for a target (`https`).
    fn parse(&self, raw: &str, https: bool) -> Result<Proxy, Error> {
        let (kind, rest) = match raw.split_once("://") {
            Some((scheme, rest)) => {
                let kind = ProxyType::from_scheme(scheme).ok_or_else(|| {
                    Error::new(
                        ErrorCode::CouldntConnect,
                        format!("Unsupported proxy scheme for '{raw}'"),
                    )
                })?;
                (kind, rest)
            }
            None => (self.kind, raw),
        };
        let rest = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let bad = || {
            Error::new(
                ErrorCode::CouldntResolveProxy,
                format!("Unable to parse the proxy '{raw}'"),
            )
        };
        let (host, port) = split_host_port(hostport).ok_or_else(bad)?;
        if host.is_empty() {
            return Err(bad());
        }
        let port = match port {
            Some(p) => p,
            None if self.port != 0 => self.port,
            None if kind == ProxyType::Https => 443,
            None => 1080,
        };
        let from_url = userinfo.map(|u| match u.split_once(':') {
            Some((a, b)) => (decode(a), decode(b)),
            None => (decode(u), String::new()),
        });
        let creds = match (&self.user, &self.password) {
            (None, None) => from_url,
            (u, p) => Some((u.clone().unwrap_or_default(), p.clone().unwrap_or_default())),
        };
        let tunnel = !kind.is_socks() && (https || self.tunnel);
        Ok(Proxy {
            kind,
            host: host.to_ascii_lowercase(),
            port,
            creds,
            tunnel,
            basic: self.basic,
            tls: (kind == ProxyType::Https).then(|| (self.tls.clone(), self.tls.pool_tag())),
        })
    }
}

/// `host[:port]` or `[v6][:port]`; `None` for a bad port.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((host, port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Some((h, Some(p.parse().ok()?))),
        _ => Some((s, None)),
    }
}

impl Easy {
    /// Sets the proxy options (FETCHOPT_PROXY and the options that go with
    /// it). Connections through a proxy are pooled apart from direct ones.
    ///
    /// ```
    /// use fetch_core::{Easy, ProxyOptions, ProxyType};
    ///
    /// let mut easy = Easy::new();
    /// let mut proxy = ProxyOptions::with_proxy("socks5h://127.0.0.1:1080");
    /// proxy.no_proxy = Some("localhost,.internal.example".into());
    /// easy.url("https://example.com/").proxy_options(proxy);
    /// assert_eq!(easy.get_proxy_options().kind, ProxyType::Http);
    /// ```
    pub fn proxy_options(&mut self, opts: ProxyOptions) -> &mut Self {
        self.proxy.set(opts);
        self
    }

    /// The proxy options set.
    pub fn get_proxy_options(&self) -> &ProxyOptions {
        &self.proxy
    }
}

#[cfg(test)]
mod tests;
