// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! The proxy options (PROXY, PROXYPORT, PROXYTYPE, HTTPPROXYTUNNEL,
//! PROXYUSERPWD, PROXYUSERNAME, PROXYPASSWORD, PROXYAUTH, NOPROXY, and the
//! https proxy's TLS options PROXY_CAINFO, PROXY_CAPATH, PROXY_CAINFO_BLOB,
//! PROXY_SSL_VERIFYPEER, PROXY_SSL_VERIFYHOST, PROXY_SSLCERT(TYPE),
//! PROXY_SSLKEY(TYPE), PROXY_SSLCERT_BLOB, PROXY_SSLKEY_BLOB,
//! PROXY_KEYPASSWD, PROXY_ISSUERCERT(_BLOB), PROXY_SSLVERSION, PROXY_PINNEDPUBLICKEY,
//! PROXY_SSL_OPTIONS, set as their non-proxy twins): their table (a part of the easy option table,
//! see `EASY_OPTIONS`), what setopt keeps, and how it reaches the engine
//! transfer ([`ProxyOpts::apply`]). Setopt checks their arguments as
//! upstream's does.

use std::ffi::CString;

use fetch_core::{Easy, ProxyOptions, ProxyType, TlsOptions};

use super::{Arg, EasyOpt, blob_bytes, only_pem, partial_chain, tls_version};
use crate::codes::*;
use crate::easy::{Options, dirty};

/// FETCHAUTH_BASIC, the only proxy authentication built in.
const FETCHAUTH_BASIC: i64 = 1;

/// What setopt keeps of these options.
#[derive(Clone)]
pub(crate) struct ProxyOpts {
    proxy: Option<CString>,
    port: u16,
    kind: ProxyType,
    tunnel: bool,
    user: Option<CString>,
    password: Option<CString>,
    auth: i64,
    no_proxy: Option<CString>,
    tls: TlsOptions,
}

impl Default for ProxyOpts {
    fn default() -> Self {
        Self {
            proxy: None,
            port: 0,
            kind: ProxyType::Http,
            tunnel: false,
            user: None,
            password: None,
            auth: FETCHAUTH_BASIC,
            no_proxy: None,
            tls: TlsOptions::default(),
        }
    }
}

/// A C string option as Rust text.
fn text(s: &Option<CString>) -> Option<String> {
    s.as_ref().map(|s| s.to_string_lossy().into_owned())
}

impl ProxyOpts {
    /// Brings the engine transfer up to date (with the SCALARS options).
    pub(crate) fn apply(&self, e: &mut Easy) {
        let mut o = ProxyOptions::new();
        o.proxy = text(&self.proxy);
        o.port = self.port;
        o.kind = self.kind;
        o.tunnel = self.tunnel;
        o.user = text(&self.user);
        o.password = text(&self.password);
        o.basic = self.auth & FETCHAUTH_BASIC != 0;
        o.no_proxy = text(&self.no_proxy);
        o.tls.clone_from(&self.tls);
        if *e.get_proxy_options() != o {
            e.proxy_options(o);
        }
    }
}

/// The options' part of `Options`.
fn x(o: &mut Options) -> &mut ProxyOpts {
    o.proxy.edit()
}

option_part! {
    /// The proxy options' part of the easy option table.
    PROXY_OPTIONS, dirty::SCALARS;
    /// FETCHOPT_PROXY: `[scheme://][user:password@]host[:port]`; "" for
    /// none at all, NULL for the environment's (`http_proxy`...).
    FETCHOPT_PROXY = FETCHOPTTYPE_STRINGPOINT + 4,
        |o, a| { x(o).proxy = a.string(); Ok(()) };
    /// FETCHOPT_PROXYUSERPWD: `user:password` (NULL: none).
    FETCHOPT_PROXYUSERPWD = FETCHOPTTYPE_STRINGPOINT + 6, set_userpwd;
    /// FETCHOPT_PROXYPORT: used when PROXY names no port (0..=65535).
    FETCHOPT_PROXYPORT = FETCHOPTTYPE_LONG + 59, set_port;
    /// FETCHOPT_HTTPPROXYTUNNEL: plain http through CONNECT too.
    FETCHOPT_HTTPPROXYTUNNEL = FETCHOPTTYPE_LONG + 61,
        |o, a| { x(o).tunnel = a.flag(); Ok(()) };
    /// FETCHOPT_PROXYTYPE (`FETCHPROXY_*`).
    FETCHOPT_PROXYTYPE = FETCHOPTTYPE_VALUES + 101, set_type;
    /// FETCHOPT_PROXYAUTH (`FETCHAUTH_*` bits; Basic is built in).
    FETCHOPT_PROXYAUTH = FETCHOPTTYPE_VALUES + 111,
        |o, a| { x(o).auth = a.int(); Ok(()) };
    /// FETCHOPT_PROXYUSERNAME.
    FETCHOPT_PROXYUSERNAME = FETCHOPTTYPE_STRINGPOINT + 175,
        |o, a| { x(o).user = a.string(); Ok(()) };
    /// FETCHOPT_PROXYPASSWORD.
    FETCHOPT_PROXYPASSWORD = FETCHOPTTYPE_STRINGPOINT + 176,
        |o, a| { x(o).password = a.string(); Ok(()) };
    /// FETCHOPT_NOPROXY: hosts reached directly (NULL: `no_proxy`).
    FETCHOPT_NOPROXY = FETCHOPTTYPE_STRINGPOINT + 177,
        |o, a| { x(o).no_proxy = a.string(); Ok(()) };
    /// FETCHOPT_PROXY_CAINFO: PEM CA file for the https proxy.
    FETCHOPT_PROXY_CAINFO = FETCHOPTTYPE_STRINGPOINT + 246,
        |o, a| { x(o).tls.ca_file = a.path(); Ok(()) };
    /// FETCHOPT_PROXY_CAPATH: directory of PEM CA certificates.
    FETCHOPT_PROXY_CAPATH = FETCHOPTTYPE_STRINGPOINT + 247,
        |o, a| { x(o).tls.ca_path = a.path(); Ok(()) };
    /// FETCHOPT_PROXY_SSL_VERIFYPEER: verify the proxy's chain.
    FETCHOPT_PROXY_SSL_VERIFYPEER = FETCHOPTTYPE_LONG + 248,
        |o, a| { x(o).tls.verify_peer = a.flag(); Ok(()) };
    /// FETCHOPT_PROXY_SSL_VERIFYHOST: verify the certificate names it.
    FETCHOPT_PROXY_SSL_VERIFYHOST = FETCHOPTTYPE_LONG + 249,
        |o, a| { x(o).tls.verify_host = a.flag(); Ok(()) };
    /// FETCHOPT_PROXY_SSLVERSION (`FETCH_SSLVERSION_*`, as SSLVERSION).
    FETCHOPT_PROXY_SSLVERSION = FETCHOPTTYPE_VALUES + 250,
        |o, a| { x(o).tls.min_version = tls_version(a.int())?; Ok(()) };
    /// FETCHOPT_PROXY_SSLCERT: client certificate chain (PEM file).
    FETCHOPT_PROXY_SSLCERT = FETCHOPTTYPE_STRINGPOINT + 254,
        |o, a| { x(o).tls.client_cert = a.path(); Ok(()) };
    /// FETCHOPT_PROXY_SSLCERTTYPE: "PEM" only.
    FETCHOPT_PROXY_SSLCERTTYPE = FETCHOPTTYPE_STRINGPOINT + 255, only_pem;
    /// FETCHOPT_PROXY_SSLKEY: client private key (PEM file).
    FETCHOPT_PROXY_SSLKEY = FETCHOPTTYPE_STRINGPOINT + 256,
        |o, a| { x(o).tls.client_key = a.path(); Ok(()) };
    /// FETCHOPT_PROXY_KEYPASSWD: the proxy client key's password.
    FETCHOPT_PROXY_KEYPASSWD = FETCHOPTTYPE_STRINGPOINT + 258,
        |o, a| { x(o).tls.key_password = a.text().map(fetch_core::Password::new); Ok(()) };
    /// FETCHOPT_PROXY_SSLKEYTYPE: "PEM" only.
    FETCHOPT_PROXY_SSLKEYTYPE = FETCHOPTTYPE_STRINGPOINT + 257, only_pem;
    /// FETCHOPT_PROXY_ISSUERCERT: PEM file of the proxy certificate's
    /// issuer.
    FETCHOPT_PROXY_ISSUERCERT = FETCHOPTTYPE_STRINGPOINT + 296,
        |o, a| { x(o).tls.issuer_cert = a.path(); Ok(()) };
    /// FETCHOPT_PROXY_ISSUERCERT_BLOB: the same in memory (copied).
    FETCHOPT_PROXY_ISSUERCERT_BLOB = FETCHOPTTYPE_BLOB + 297,
        |o, a| { x(o).tls.issuer_cert_blob = blob_bytes(a)?; Ok(()) };
    /// FETCHOPT_PROXY_SSLCERT_BLOB: client certificate chain for the
    /// proxy, PEM in memory (copied); wins over PROXY_SSLCERT.
    FETCHOPT_PROXY_SSLCERT_BLOB = FETCHOPTTYPE_BLOB + 293,
        |o, a| { x(o).tls.client_cert_blob = blob_bytes(a)?; Ok(()) };
    /// FETCHOPT_PROXY_SSLKEY_BLOB: its private key, PEM in memory
    /// (copied); wins over PROXY_SSLKEY.
    FETCHOPT_PROXY_SSLKEY_BLOB = FETCHOPTTYPE_BLOB + 294,
        |o, a| { x(o).tls.client_key_blob = blob_bytes(a)?; Ok(()) };
    /// FETCHOPT_PROXY_CAINFO_BLOB: PEM CA certificates in memory.
    FETCHOPT_PROXY_CAINFO_BLOB = FETCHOPTTYPE_BLOB + 310,
        |o, a| { x(o).tls.ca_blob = blob_bytes(a)?; Ok(()) };
    /// FETCHOPT_PROXY_SSL_OPTIONS (`FETCHSSLOPT_*`, as SSL_OPTIONS).
    FETCHOPT_PROXY_SSL_OPTIONS = FETCHOPTTYPE_LONG + 261,
        |o, a| { x(o).tls.partial_chain = partial_chain(a.int()); Ok(()) };
    /// FETCHOPT_PROXY_PINNEDPUBLICKEY: the proxy's key, as PINNEDPUBLICKEY.
    FETCHOPT_PROXY_PINNEDPUBLICKEY = FETCHOPTTYPE_STRINGPOINT + 263,
        |o, a| { x(o).tls.pinned_pubkey = a.text(); Ok(()) };
}

fn set_userpwd(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    let p = x(o);
    match a.string() {
        None => (p.user, p.password) = (None, None),
        Some(s) => {
            let bytes = s.as_bytes();
            let (u, pw) = match bytes.iter().position(|&b| b == b':') {
                Some(i) => (&bytes[..i], Some(&bytes[i + 1..])),
                None => (bytes, None),
            };
            p.user = CString::new(u).ok();
            p.password = pw.and_then(|pw| CString::new(pw).ok());
        }
    }
    Ok(())
}

fn set_port(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    x(o).port = u16::try_from(a.int()).map_err(|_| FETCHE_BAD_FUNCTION_ARGUMENT)?;
    Ok(())
}

fn set_type(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    x(o).kind = match a.int() {
        0 => ProxyType::Http,
        1 => ProxyType::Http10,
        2 => ProxyType::Https,
        4 => ProxyType::Socks4,
        5 => ProxyType::Socks5,
        6 => ProxyType::Socks4a,
        7 => ProxyType::Socks5h,
        _ => return Err(FETCHE_BAD_FUNCTION_ARGUMENT),
    };
    Ok(())
}
