// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
//! Easy handles (`FETCH *`): C-level options kept in the wrapper, and one
//! [`fetch_core::Easy`] per handle, kept across transfers: it moves into
//! the multi on add (or into the private driver on perform) and back on
//! remove, and only the options changed since its last run are applied to
//! it (`FetchEasy::prepare`), so what the engine worked out once (the
//! parsed URL, the boxed callback closures) is reused.
//!
//! One file per concern; this one holds the handle object, its states and
//! the pointer rules (`easy_ref`, `pin`, `release`):
//!
//! - `handle`: init, cleanup, reset, duphandle, strerror (the registry use).
//! - `options`: the option table (name, number, type, handler, dirty bits)
//!   and the `fetch_easy_setopt_*` entry points.
//! - `refused`: the upstream options known by name and number but not
//!   handled (NOT_BUILT_IN / UNKNOWN_OPTION), and upstream's aliases.
//! - `conn`: connection control (RESOLVE, CONNECT_TO, binding, TCP
//!   tuning, pool ages, buffer sizes, Unix sockets, PORT, PREREQ) and
//!   `fetch_easy_upkeep`.
//! - `sockets`: the OPENSOCKET / SOCKOPT / CLOSESOCKET callback bridge.
//! - `transfer`: `FetchEasy::prepare`, which brings the held engine
//!   transfer up to date with what the table marked dirty.
//! - `cookies`: the cookie options, the jar they start and
//!   FETCHINFO_COOKIELIST.
//! - `callbacks`: the C callback types, `Hooks` and the engine closures
//!   that call the application's write/header/read/seek/progress callbacks.
//! - `pause`: `fetch_easy_pause` and `PauseRequest` (CB-06).
//! - `info`: the info table and `fetch_easy_getinfo_ptr`.
//! - `perform`: `fetch_easy_perform` on a private driver.

mod altsvc;
mod callbacks;
mod conn;
mod cookies;
mod directory;
mod handle;
mod headers;
mod hsts;
mod info;
mod options;
mod pause;
mod perform;
mod rare;
mod refused;
mod setopt;
mod sockets;
mod transfer;

pub use callbacks::*;
pub use conn::{
    FETCH_IPRESOLVE_V4, FETCH_IPRESOLVE_V6, FETCH_IPRESOLVE_WHATEVER, FETCH_PREREQFUNC_ABORT,
    FETCH_PREREQFUNC_OK, fetch_easy_upkeep, fetch_prereq_callback,
};
pub use directory::*;
pub use handle::*;
pub use headers::{fetch_easy_header, fetch_easy_nextheader, fetch_header};
pub use info::*;
pub use options::*;
pub use pause::*;
pub use perform::*;
pub use refused::*;
pub use setopt::*;
pub use sockets::{
    fetch_closesocket_callback, fetch_opensocket_callback, fetch_sockaddr, fetch_sockopt_callback,
};

use std::ffi::{CString, c_char, c_void};
use std::ptr;
use std::sync::Arc;

use fetch_core::{Easy, TlsOptions, TransferId, TransferInfo};
use fetch_poll::Driver;

use crate::codes::*;
use crate::multi::FetchMulti;
use crate::registry::{self, Kind};
use crate::slist::fetch_slist;

#[derive(Clone)]
enum PostData {
    None,
    /// FETCHOPT_POSTFIELDS: the application keeps the data alive.
    Borrowed(*const c_char),
    /// FETCHOPT_COPYPOSTFIELDS.
    Copied(Vec<u8>),
}

/// The options as set through the C API.
#[derive(Clone)]
pub(crate) struct Options {
    url: Option<CString>,
    write_fn: Option<fetch_write_callback>,
    write_data: *mut c_void,
    header_fn: Option<fetch_write_callback>,
    header_data: *mut c_void,
    /// FETCHOPT_HEADER: header lines are written with the body.
    include_header: bool,
    read_fn: Option<fetch_read_callback>,
    read_data: *mut c_void,
    private: *mut c_void,
    headers: *const fetch_slist,
    user_agent: Option<CString>,
    post: bool,
    post_data: PostData,
    post_size: i64,
    custom: Option<CString>,
    nobody: bool,
    upload: bool,
    infilesize: i64,
    follow: bool,
    max_redirs: i64,
    timeout_ms: u64,
    connect_timeout_ms: u64,
    errorbuffer: *mut c_char,
    /// The TLS options (out of line: most handles set none).
    tls: rare::Rare<TlsOptions>,
    xferinfo_fn: Option<fetch_xferinfo_callback>,
    progress_fn: Option<fetch_progress_callback>,
    progress_data: *mut c_void,
    noprogress: bool,
    low_speed_limit: u64,
    low_speed_time: u64,
    max_send_speed: u64,
    max_recv_speed: u64,
    expect_100_timeout_ms: u64,
    seek_fn: Option<fetch_seek_callback>,
    seek_data: *mut c_void,
    socket_hooks: rare::Rare<sockets::SocketHooks>,
    fresh_connect: bool,
    http_version: fetch_core::HttpVersion,
    pipewait: bool,
    forbid_reuse: bool,
    username: Option<CString>,
    password: Option<CString>,
    accept_encoding: Option<CString>,
    content_decoding: bool,
    transfer_decoding: bool,
    max_filesize: u64,
    /// FETCHOPT_HTTPAUTH, as given (the engine drops what is not built in).
    httpauth: fetch_core::HttpAuth,
    /// FETCHOPT_XOAUTH2_BEARER.
    bearer: Option<CString>,
    unrestricted_auth: bool,
    default_protocol: Option<CString>,
    verbose: bool,
    debug_fn: Option<fetch_debug_callback>,
    debug_data: *mut c_void,
    stderr: *mut c_void,
    /// Connection control (`conn`).
    conn: rare::Rare<conn::ConnSettings>,
    /// The transfer options (`options::xfer_options`).
    xfer: rare::Rare<XferOpts>,
    /// The proxy options (`options::proxy_options`).
    proxy: rare::Rare<ProxyOpts>,
    /// COOKIE, COOKIEFILE, COOKIEJAR, COOKIESESSION and the jar.
    cookies: rare::Rare<cookies::CookieOptions>,
    /// FETCHOPT_MIMEPOST / FETCHOPT_HTTPPOST.
    form: crate::mime::FormBody,
    /// FETCHOPT_SHARE.
    share: Option<fetch_core::Share>,
    /// FETCHOPT_HSTS_CTRL, FETCHOPT_HSTS and the cache.
    hsts: rare::Rare<hsts::HstsOptions>,
    altsvc: rare::Rare<altsvc::AltSvcOptions>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            url: None,
            write_fn: None,
            write_data: ptr::null_mut(),
            header_fn: None,
            header_data: ptr::null_mut(),
            include_header: false,
            read_fn: None,
            read_data: ptr::null_mut(),
            private: ptr::null_mut(),
            headers: ptr::null(),
            user_agent: None,
            post: false,
            post_data: PostData::None,
            post_size: -1,
            custom: None,
            nobody: false,
            upload: false,
            infilesize: -1,
            follow: false,
            max_redirs: i64::from(fetch_core::DEFAULT_MAX_REDIRS),
            timeout_ms: 0,
            connect_timeout_ms: 0,
            errorbuffer: ptr::null_mut(),
            tls: rare::Rare::default(),
            xferinfo_fn: None,
            progress_fn: None,
            progress_data: ptr::null_mut(),
            noprogress: true,
            low_speed_limit: 0,
            low_speed_time: 0,
            max_send_speed: 0,
            max_recv_speed: 0,
            expect_100_timeout_ms: fetch_core::DEFAULT_EXPECT_100_TIMEOUT.as_millis() as u64,
            seek_fn: None,
            seek_data: ptr::null_mut(),
            socket_hooks: rare::Rare::default(),
            fresh_connect: false,
            http_version: fetch_core::HttpVersion::None,
            pipewait: false,
            forbid_reuse: false,
            username: None,
            password: None,
            accept_encoding: None,
            content_decoding: true,
            transfer_decoding: true,
            max_filesize: 0,
            httpauth: fetch_core::HttpAuth::BASIC,
            bearer: None,
            unrestricted_auth: false,
            default_protocol: None,
            verbose: false,
            debug_fn: None,
            debug_data: ptr::null_mut(),
            stderr: ptr::null_mut(),
            conn: rare::Rare::default(),
            xfer: rare::Rare::default(),
            proxy: rare::Rare::default(),
            cookies: rare::Rare::default(),
            form: crate::mime::FormBody::None,
            share: None,
            hsts: rare::Rare::default(),
            altsvc: rare::Rare::default(),
        }
    }
}

impl Options {
    /// FETCHOPT_SHARE for the handle at `handle` (NULL share: detach).
    fn set_share(&mut self, share: *mut c_void, handle: *mut c_void) -> Result<(), FETCHcode> {
        // Nothing to attach or leave: the groups stay unset.
        if share.is_null() && self.share.is_none() {
            return Ok(());
        }
        let (jar, hsts) = (&mut self.cookies.edit().jar, &mut self.hsts.edit().cache);
        crate::share::set_easy_share(&mut self.share, jar, hsts, share, handle)
    }
}

/// Where an easy handle is.
#[derive(Clone, Copy)]
pub(crate) enum State {
    Idle,
    /// Inside `fetch_multi_add_handle`: handed to the engine, which may
    /// call the timer callback before it has an id.
    Adding {
        multi: *const FetchMulti,
    },
    Added {
        multi: *const FetchMulti,
        id: TransferId,
    },
    /// Inside its own `fetch_easy_perform`.
    Performing,
}

/// What `FetchEasy::prepare` must bring up to date in the held engine
/// transfer before the next add (bits of `FetchEasy::dirty`).
mod dirty {
    /// FETCHOPT_URL.
    pub(super) const URL: u8 = 1;
    /// The TLS options.
    pub(super) const TLS: u8 = 2;
    /// Redirects, timeouts, speed limits, Expect: 100 wait.
    pub(super) const SCALARS: u8 = 4;
    /// Callbacks and their data (published to `Hooks`).
    pub(super) const HOOKS: u8 = 8;
    /// Method and body again (the engine drops a POST body on a 303; a
    /// borrowed POSTFIELDS buffer is read afresh for every transfer).
    pub(super) const BODY: u8 = 16;
    /// A new engine transfer: the method/body options changed (the engine
    /// has no way to drop a body or a callback once set).
    pub(super) const REBUILD: u8 = 32;
    pub(super) const ALL: u8 = URL | TLS | SCALARS | HOOKS | BODY | REBUILD;
}

/// The object behind `FETCH *`.
pub struct FetchEasy {
    opts: Options,
    pub(crate) state: State,
    /// Library calls that will touch this handle again after running
    /// application callbacks (add, remove, perform, cleanup's detach): while
    /// non-zero the handle is not freed, only retired (see `retired`).
    pub(crate) pins: u32,
    /// `fetch_easy_cleanup` was called: the handle is out of the registry
    /// (every entry point refuses it) and is freed as soon as nothing pins
    /// it and it is out of every engine ([`release`]).
    pub(crate) retired: bool,
    /// The engine transfer, kept across transfers so that what it worked
    /// out once (the parsed URL, the boxed closures) is reused. `None`
    /// while it is in a multi (or in this handle's own perform), and before
    /// it is first built.
    core: Option<Easy>,
    /// `dirty::*` bits: what changed in `opts` since `core` was updated.
    dirty: u8,
    /// Whether `core` has a header / progress closure (the engine cannot
    /// drop one, so a change of presence rebuilds it).
    has_header: bool,
    has_progress: bool,
    /// Whether `core` has the debug closure (FETCHOPT_VERBOSE on).
    has_debug: bool,
    /// The request header lines last given to `core`.
    applied_headers: Vec<String>,
    /// The callbacks `core`'s closures call, and the `fetch_easy_pause`
    /// requests waiting for the engine (`Hooks::pause`).
    pub(crate) hooks: Arc<Hooks>,
    /// What `fetch_easy_getinfo` answers from inside a callback of the
    /// handle's multi (the engine is borrowed then): refreshed at the end
    /// of every multi call once such a call was made (`watched`).
    /// Boxed: most handles never have one, and it is big.
    snapshot: Option<Box<TransferInfo>>,
    /// Where the running transfer stands as of its latest callback (the
    /// engine publishes it), for getinfo from inside callbacks.
    live: Arc<fetch_core::LiveInfo>,
    /// The received header lines and the header API's last answer.
    header_api: headers::HeaderApi,
    pub(crate) watched: bool,
    /// The code the last transfer ended with (for FETCHINFO_SSL_VERIFYRESULT).
    last_result: FETCHcode,
    /// The string answers of the transfer info ids (made at the first).
    info_strings: Option<Box<StringSlots>>,
    /// The method the options gave the last transfer, CUSTOMREQUEST aside
    /// (upstream keeps the two apart for FETCHINFO_EFFECTIVE_METHOD).
    base_method: Option<&'static str>,
    /// The private driver (and multi) of `fetch_easy_perform`, kept for
    /// connection reuse. Boxed: a handle only ever added to a multi
    /// carries one pointer for it.
    perform_multi: Option<Box<Driver>>,
}

/// The handle behind `h`, if `h` is a live easy handle (registered, not
/// cleaned up). Nothing behind `h` is read otherwise.
///
/// # Safety
/// No other reference to the handle may be live.
pub(crate) unsafe fn easy_ref<'a>(h: *mut c_void) -> Option<&'a mut FetchEasy> {
    // SAFETY: a registered address is a live FetchEasy (it leaves the
    // registry before its memory is released); the caller promises no
    // other reference to it exists.
    registry::is_live(h, Kind::Easy).then(|| unsafe { &mut *h.cast::<FetchEasy>() })
}

/// The handle behind `h`, registered or retired.
///
/// # Safety
/// `h` must be a handle whose memory is still ours: registered, or retired
/// and still pinned or queued in its multi's `retired` list (see
/// [`release`]). No other reference to it may be live.
pub(crate) unsafe fn easy_mut<'a>(h: *mut c_void) -> &'a mut FetchEasy {
    // SAFETY: the caller's promise.
    unsafe { &mut *h.cast::<FetchEasy>() }
}

/// Marks `h` as used by a call that will come back to it after running
/// application callbacks.
///
/// # Safety
/// As [`easy_mut`].
pub(crate) unsafe fn pin(h: *mut c_void) {
    // SAFETY: the caller's promise.
    unsafe { easy_mut(h) }.pins += 1;
}

/// Ends a [`pin`]; frees `h` if it was retired meanwhile and nothing else
/// holds it. Returns whether it was freed (then `h` must not be used).
///
/// # Safety
/// `h` must be pinned by the caller; no other reference to it may be live.
pub(crate) unsafe fn unpin(h: *mut c_void) -> bool {
    // SAFETY: pinned, so its memory is still ours.
    let e = unsafe { easy_mut(h) };
    e.pins -= 1;
    // SAFETY: as above; `e` is not used after this.
    unsafe { release(h) }
}

/// Frees a retired handle that nothing uses any more: no pin, in no engine
/// (state `Idle`). Returns whether it was freed.
///
/// # Safety
/// As [`easy_mut`].
#[inline]
pub(crate) unsafe fn release(h: *mut c_void) -> bool {
    // SAFETY: the caller's promise.
    let e = unsafe { easy_mut(h) };
    if !(e.retired && e.pins == 0 && matches!(e.state, State::Idle)) {
        return false;
    }
    // SAFETY: as above; retired, unpinned and idle.
    unsafe { free_retired(h) };
    true
}

/// The end of [`release`]: writes what the handle keeps in files, leaves
/// its share and frees it.
///
/// # Safety
/// `h` must be retired, unpinned, `Idle` and otherwise as [`easy_mut`].
#[inline(never)]
unsafe fn free_retired(h: *mut c_void) {
    // SAFETY: the caller's promise.
    let e = unsafe { easy_mut(h) };
    // Upstream writes FETCHOPT_COOKIEJAR when the handle is cleaned up
    // (a shared jar under the share's cookie lock), then leaves its share.
    match e.opts.share.clone() {
        Some(s) if s.shares(fetch_core::LockData::Cookie) => {
            s.locked(h as usize, fetch_core::LockData::Cookie, || {
                if let Some(c) = e.opts.cookies.get_mut() {
                    c.flush();
                }
            });
        }
        _ => {
            if let Some(c) = e.opts.cookies.get_mut() {
                c.flush();
            }
        }
    }
    let _ = e.opts.set_share(ptr::null_mut(), h);
    // And the HSTS cache file, unless FETCHHSTS_READONLYFILE. (A group
    // never set has no cache: nothing to build at its defaults and save.)
    if let Some(c) = e.opts.hsts.get_mut() {
        c.save(h);
    }
    // And the Alt-Svc cache file, unless FETCHALTSVC_READONLYFILE.
    if let Some(c) = e.opts.altsvc.get_mut() {
        c.save();
    }
    // SAFETY: retired handles are out of the registry, unpinned and out of
    // every engine and multi map, so this is the last use of the Box made
    // by fetch_easy_init/duphandle.
    drop(unsafe { Box::from_raw(h.cast::<FetchEasy>()) });
}

impl FetchEasy {
    /// FETCHOPT_SHARE: the lock callbacks get this handle. The engine
    /// transfer kept between performs lets go of the old share at once
    /// (else the share would stay in use until the next perform).
    fn setopt_share(&mut self, share: *mut c_void) -> FETCHcode {
        let me: *mut c_void = ptr::from_mut(self).cast();
        match self.opts.set_share(share, me) {
            Ok(()) => {
                if let Some(core) = self.core.as_mut() {
                    core.share_tagged(self.opts.share.as_ref(), me as usize);
                }
                self.dirty |= dirty::SCALARS;
                FETCHE_OK
            }
            Err(code) => code,
        }
    }

    /// A new handle with the options `opts` makes. The box is allocated
    /// first and the handle, options included, built into it: `Box::new`
    /// built it on the stack and copied its 600 bytes in, after a copy of
    /// the options (two `memcpy` calls, about 150 instructions per handle;
    /// issue 13).
    #[inline]
    fn new(opts: impl FnOnce() -> Options) -> Box<Self> {
        // (`Box::write` does this without `unsafe`, from Rust 1.87; the
        // workspace's MSRV is 1.85.)
        let mut b = Box::<Self>::new_uninit();
        b.write(Self {
            opts: opts(),
            state: State::Idle,
            pins: 0,
            retired: false,
            core: None,
            dirty: dirty::ALL,
            has_header: false,
            has_progress: false,
            has_debug: false,
            applied_headers: Vec::new(),
            hooks: Arc::default(),
            snapshot: None,
            live: Arc::default(),
            header_api: headers::HeaderApi::default(),
            watched: false,
            last_result: FETCHE_OK,
            info_strings: None,
            base_method: None,
            perform_multi: None,
        });
        // SAFETY: written just above.
        unsafe { b.assume_init() }
    }

    /// Takes the engine transfer back from a multi (remove) or a perform.
    /// (Always inline: a call of its own cost the remove more than its
    /// body; issue 13.)
    #[inline(always)]
    pub(crate) fn restore(&mut self, easy: Easy) {
        // A followed redirect may have dropped the request body.
        if easy.info().redirect_count > 0 {
            self.dirty |= dirty::BODY;
        }
        self.core = Some(easy);
    }

    /// Refreshes the in-callback answer of `fetch_easy_getinfo`.
    pub(crate) fn set_snapshot(&mut self, info: &TransferInfo) {
        match &mut self.snapshot {
            Some(s) => (**s).clone_from(info),
            None => self.snapshot = Some(Box::new(info.clone())),
        }
    }

    /// Records the code the transfer ended with.
    pub(crate) fn set_result(&mut self, code: FETCHcode) {
        self.last_result = code;
    }

    /// Clears FETCHOPT_ERRORBUFFER at the start of a transfer.
    pub(crate) fn clear_error(&mut self) {
        if !self.opts.errorbuffer.is_null() {
            // SAFETY: the application gave a buffer of FETCH_ERROR_SIZE bytes.
            unsafe { *self.opts.errorbuffer = 0 };
        }
    }

    /// Writes a transfer's error detail into FETCHOPT_ERRORBUFFER.
    pub(crate) fn set_error(&mut self, detail: &str) {
        if self.opts.errorbuffer.is_null() {
            return;
        }
        let bytes = detail.as_bytes();
        let n = bytes.len().min(FETCH_ERROR_SIZE - 1);
        // SAFETY: the application gave a buffer of FETCH_ERROR_SIZE bytes;
        // at most FETCH_ERROR_SIZE - 1 bytes plus a NUL are written.
        unsafe {
            ptr::copy_nonoverlapping(bytes.as_ptr(), self.opts.errorbuffer.cast(), n);
            *self.opts.errorbuffer.add(n) = 0;
        }
    }
}
