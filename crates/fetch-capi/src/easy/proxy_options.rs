// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! The proxy options (PROXY, PROXYPORT, PROXYTYPE, HTTPPROXYTUNNEL,
//! PROXYUSERPWD, PROXYUSERNAME, PROXYPASSWORD, PROXYAUTH, NOPROXY): their
//! table (a part of the easy option table, see `EASY_OPTIONS`), what
//! setopt keeps, and how it reaches the engine transfer
//! ([`ProxyOpts::apply`]). Setopt checks their arguments as upstream's does.

use std::ffi::CString;

use fetch_core::{Easy, ProxyOptions, ProxyType};

use super::{Arg, EasyOpt};
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
        if *e.get_proxy_options() != o {
            e.proxy_options(o);
        }
    }
}

/// The options' part of `Options`.
fn x(o: &mut Options) -> &mut ProxyOpts {
    &mut o.proxy
}

option_part! {
    /// The proxy options' part of the easy option table.
    PROXY_OPTIONS;
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
