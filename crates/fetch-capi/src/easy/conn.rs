// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
//! Connection control through the C ABI: the setopt handlers of RESOLVE,
//! CONNECT_TO, IPRESOLVE, INTERFACE, LOCALPORT(RANGE), TCP_*,
//! DNS_CACHE_TIMEOUT, HAPPY_EYEBALLS_TIMEOUT_MS, MAXAGE_CONN, MAXLIFETIME_CONN, MAXCONNECTS,
//! BUFFERSIZE, UPLOAD_BUFFERSIZE, UNIX_SOCKET_PATH, ABSTRACT_UNIX_SOCKET,
//! PORT and PREREQFUNCTION/DATA (their table entries are in `options`),
//! how they reach the engine transfer, and `fetch_easy_upkeep`.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::time::Duration;

use fetch_core::{ConnOptions, Easy, IpResolve, PrereqFn, UnixSocket};

use super::options::Arg;
use super::{FetchEasy, Options, State, easy_ref};
use crate::SendPtr;
use crate::codes::*;
use crate::guard;
use crate::slist::fetch_slist;

/// `fetch_prereq_callback`.
pub type fetch_prereq_callback =
    unsafe extern "C" fn(*mut c_void, *mut c_char, *mut c_char, c_int, c_int) -> c_int;

/// FETCH_PREREQFUNC_OK: send the request.
pub const FETCH_PREREQFUNC_OK: c_int = 0;
/// FETCH_PREREQFUNC_ABORT: fail the transfer (FETCHE_ABORTED_BY_CALLBACK).
pub const FETCH_PREREQFUNC_ABORT: c_int = 1;
/// FETCH_IPRESOLVE_WHATEVER.
pub const FETCH_IPRESOLVE_WHATEVER: i64 = 0;
/// FETCH_IPRESOLVE_V4.
pub const FETCH_IPRESOLVE_V4: i64 = 1;
/// FETCH_IPRESOLVE_V6.
pub const FETCH_IPRESOLVE_V6: i64 = 2;

/// Upstream's BUFFERSIZE bounds and default (CURL_MAX_READ_SIZE,
/// READBUFFER_MIN, READBUFFER_SIZE).
const READBUFFER_MAX: i64 = 10 * 1024 * 1024;
const READBUFFER_MIN: i64 = 1024;
const READBUFFER_SIZE: i64 = 16384;
/// Upstream's UPLOAD_BUFFERSIZE bounds.
const UPLOADBUFFER_MAX: i64 = 2 * 1024 * 1024;
const UPLOADBUFFER_MIN: i64 = 16 * 1024;
/// Upstream's MAXCONNECTS default (DEFAULT_CONNCACHE_SIZE).
const DEFAULT_CONNCACHE_SIZE: i64 = 5;

/// The connection-control options as set through the C API.
#[derive(Clone)]
pub(crate) struct ConnSettings {
    /// Everything the engine takes as it is.
    pub(crate) core: ConnOptions,
    /// FETCHOPT_RESOLVE / CONNECT_TO: the application's lists, read at
    /// every transfer start (upstream reads them then too).
    resolve: *const fetch_slist,
    connect_to: *const fetch_slist,
    prereq: Option<fetch_prereq_callback>,
    prereq_data: SendPtr<c_void>,
    /// FETCHOPT_MAXCONNECTS: the pool size of `fetch_easy_perform`'s
    /// private multi.
    pub(crate) maxconnects: i64,
}

impl Default for ConnSettings {
    fn default() -> Self {
        Self {
            core: ConnOptions::default(),
            resolve: std::ptr::null(),
            connect_to: std::ptr::null(),
            prereq: None,
            prereq_data: SendPtr::default(),
            maxconnects: DEFAULT_CONNCACHE_SIZE,
        }
    }
}

/// A value that must fit 0..=65535 (ports).
fn port(a: Arg) -> Result<u16, FETCHcode> {
    u16::try_from(a.int()).map_err(|_| FETCHE_BAD_FUNCTION_ARGUMENT)
}

/// Non-negative seconds.
fn secs(a: Arg) -> Result<Duration, FETCHcode> {
    Ok(Duration::from_secs(a.unsigned()?))
}

pub(super) fn set_resolve(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().resolve = a.ptr_mut::<fetch_slist>();
    Ok(())
}

pub(super) fn set_connect_to(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().connect_to = a.ptr_mut::<fetch_slist>();
    Ok(())
}

pub(super) fn set_ipresolve(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.ip_resolve = match a.int() {
        FETCH_IPRESOLVE_WHATEVER => IpResolve::Whatever,
        FETCH_IPRESOLVE_V4 => IpResolve::V4,
        FETCH_IPRESOLVE_V6 => IpResolve::V6,
        _ => return Err(FETCHE_BAD_FUNCTION_ARGUMENT),
    };
    Ok(())
}

pub(super) fn set_interface(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.interface = a.string().map(|s| s.to_string_lossy().into_owned());
    Ok(())
}

pub(super) fn set_localport(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.local_port = port(a)?;
    Ok(())
}

pub(super) fn set_localportrange(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.local_port_range = port(a)?;
    Ok(())
}

pub(super) fn set_tcp_nodelay(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.tcp_nodelay = a.flag();
    Ok(())
}

pub(super) fn set_tcp_keepalive(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.tcp_keepalive = a.flag();
    Ok(())
}

/// Upstream caps keep-alive times at INT_MAX seconds.
fn keep_secs(a: Arg) -> Result<Duration, FETCHcode> {
    Ok(Duration::from_secs(a.unsigned()?.min(i32::MAX as u64)))
}

pub(super) fn set_tcp_keepidle(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.keep_idle = keep_secs(a)?;
    Ok(())
}

pub(super) fn set_tcp_keepintvl(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.keep_interval = keep_secs(a)?;
    Ok(())
}

pub(super) fn set_dns_cache_timeout(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // -1: forever; 0: no caching.
    o.conn.edit().core.dns_cache_timeout = match a.int() {
        -1 => None,
        n => Some(Duration::from_secs(
            u64::try_from(n).map_err(|_| FETCHE_BAD_FUNCTION_ARGUMENT)?,
        )),
    };
    Ok(())
}

/// FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS. Upstream 7.88 accepts any value,
/// a negative one starting both families at once: here it is 0.
pub(super) fn set_happy_eyeballs(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    let ms = u64::try_from(a.int()).unwrap_or(0);
    o.conn.edit().core.happy_eyeballs_timeout = Duration::from_millis(ms);
    Ok(())
}

pub(super) fn set_maxage_conn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.max_age = secs(a)?;
    Ok(())
}

pub(super) fn set_maxlifetime_conn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    let d = secs(a)?;
    o.conn.edit().core.max_lifetime = (!d.is_zero()).then_some(d);
    Ok(())
}

pub(super) fn set_maxconnects(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().maxconnects = i64::try_from(a.unsigned()?).unwrap_or(i64::MAX);
    Ok(())
}

pub(super) fn set_buffersize(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // Clamped as upstream: above the maximum is the maximum, below 1 the
    // default, below the minimum the minimum.
    let n = match a.int() {
        n if n > READBUFFER_MAX => READBUFFER_MAX,
        n if n < 1 => READBUFFER_SIZE,
        n => n.max(READBUFFER_MIN),
    };
    o.conn.edit().core.buffer_size = usize::try_from(n).ok();
    Ok(())
}

pub(super) fn set_upload_buffersize(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    let n = a.int().clamp(UPLOADBUFFER_MIN, UPLOADBUFFER_MAX);
    o.conn.edit().core.upload_buffer_size = usize::try_from(n).unwrap_or(UPLOADBUFFER_MIN as usize);
    Ok(())
}

pub(super) fn set_unix_socket_path(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.unix_socket = a.path().map(UnixSocket::Path);
    Ok(())
}

pub(super) fn set_abstract_unix_socket(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().core.unix_socket = a.string().map(|s| UnixSocket::Abstract(s.into_bytes()));
    Ok(())
}

pub(super) fn set_port(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    let p = port(a)?;
    o.conn.edit().core.port = (p != 0).then_some(p);
    Ok(())
}

pub(super) fn set_prereq_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_prereq_callback`.
    o.conn.edit().prereq = unsafe { a.func() };
    Ok(())
}

pub(super) fn set_prereq_data(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.conn.edit().prereq_data = SendPtr(a.ptr_mut());
    Ok(())
}

/// The strings of a `fetch_slist`.
fn slist_strings(mut node: *const fetch_slist) -> Vec<String> {
    let mut out = Vec::new();
    while !node.is_null() {
        // SAFETY: RESOLVE and CONNECT_TO lists must stay valid while
        // transfers start (upstream contract); nodes come from
        // fetch_slist_append.
        let n = unsafe { &*node };
        if !n.data.is_null() {
            // SAFETY: slist data are NUL-terminated strings.
            out.push(
                unsafe { CStr::from_ptr(n.data) }
                    .to_string_lossy()
                    .into_owned(),
            );
        }
        node = n.next;
    }
    out
}

/// The engine's PREREQ closure for the application's callback.
fn prereq_closure(f: fetch_prereq_callback, data: SendPtr<c_void>) -> PrereqFn {
    Box::new(move |p| {
        let primary = CString::new(p.primary_ip.clone()).unwrap_or_default();
        let local = CString::new(p.local_ip.clone()).unwrap_or_default();
        // SAFETY: PREREQFUNCTION with its data; the strings live for the
        // call (upstream passes buffers the callback must not keep).
        let rc = unsafe {
            f(
                data.get(),
                primary.as_ptr().cast_mut(),
                local.as_ptr().cast_mut(),
                c_int::from(p.primary_port),
                c_int::from(p.local_port),
            )
        };
        rc == FETCH_PREREQFUNC_OK
    })
}

impl FetchEasy {
    /// Brings the engine transfer's connection options up to date: the
    /// lists are read afresh at every start (the application may change
    /// them without a setopt); the rest when an option changed (`all`).
    pub(super) fn apply_conn(&self, e: &mut Easy, all: bool) {
        // Unset: no lists to read again, and nothing changed.
        if !all && !self.opts.conn.is_set() {
            return;
        }
        self.opts.conn.with(|c| {
            let lists = !c.resolve.is_null() || !c.connect_to.is_null();
            if !all && !lists {
                return;
            }
            let mut o = c.core.clone();
            o.resolve = slist_strings(c.resolve);
            o.connect_to = slist_strings(c.connect_to);
            if *e.get_conn_options() != o {
                e.conn_options(o);
            }
            if all {
                e.prereq_function(c.prereq.map(|f| prereq_closure(f, c.prereq_data)));
            }
        });
    }
}

/// `fetch_easy_upkeep`: HTTP/1.1 has nothing to send to keep a connection
/// alive, so this checks the idle connections of the handle's
/// `fetch_easy_perform` pool and closes those the server closed. FETCHE_OK
/// for a live handle, FETCHE_BAD_FUNCTION_ARGUMENT otherwise.
///
/// # Safety
/// `handle` may be anything: it is looked up before it is used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_upkeep(handle: *mut c_void) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        // SAFETY: checked against the registry.
        let Some(e) = (unsafe { easy_ref(handle) }) else {
            return FETCHE_BAD_FUNCTION_ARGUMENT;
        };
        // (Added to a multi, the multi's own calls look after its pool.)
        if let (State::Idle, Some(d)) = (e.state, e.perform_multi.as_mut()) {
            let _ = d.multi_mut().upkeep();
        }
        FETCHE_OK
    })
}
