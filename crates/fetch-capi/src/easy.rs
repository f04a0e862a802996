// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
//! Easy handles (`FETCH *`): C-level options kept in the wrapper, and one
//! [`fetch_core::Easy`] per handle, kept across transfers: it moves into
//! the multi on add (or into the private driver on perform) and back on
//! remove, and only the options changed since its last run are applied to
//! it (`FetchEasy::prepare`), so what the engine worked out once (the
//! parsed URL, the boxed callback closures) is reused. `fetch_easy_getinfo`
//! reads the one item asked for from wherever that transfer is.
//! `fetch_easy_pause` is here too; see [`PauseRequest`] for how it works
//! from inside callbacks.

use std::ffi::{CStr, CString, OsStr, c_char, c_double, c_int, c_long, c_uint, c_void};
use std::io::SeekFrom;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};
use std::time::Duration;

use fetch_core::{
    Easy, Events, Flow, Method, Multi, Pause, Progress, ReadResult, SeekResult, Target, TlsOptions,
    TlsVersion, TransferId, TransferInfo,
};
use fetch_poll::Driver;

use crate::codes::*;
use crate::multi::{
    FetchMulti, detach_easy, is_busy, pause_transfer, retire_added, stop_adding, watch_info,
    with_engine_info,
};
use crate::registry::{self, Kind};
use crate::{SendPtr, guard};

/// `fetch_write_callback` / header callback.
pub type fetch_write_callback =
    unsafe extern "C" fn(*mut c_char, usize, usize, *mut c_void) -> usize;
/// `fetch_read_callback`.
pub type fetch_read_callback =
    unsafe extern "C" fn(*mut c_char, usize, usize, *mut c_void) -> usize;
/// `fetch_seek_callback` (FETCHOPT_SEEKFUNCTION).
pub type fetch_seek_callback = unsafe extern "C" fn(*mut c_void, fetch_off_t, c_int) -> c_int;
/// `fetch_xferinfo_callback` (FETCHOPT_XFERINFOFUNCTION).
pub type fetch_xferinfo_callback =
    unsafe extern "C" fn(*mut c_void, fetch_off_t, fetch_off_t, fetch_off_t, fetch_off_t) -> c_int;
/// `fetch_progress_callback` (FETCHOPT_PROGRESSFUNCTION, deprecated upstream).
pub type fetch_progress_callback =
    unsafe extern "C" fn(*mut c_void, c_double, c_double, c_double, c_double) -> c_int;
/// `fetch_func`: the generic function pointer of `fetch_easy_setopt_func`.
pub type fetch_func = Option<unsafe extern "C" fn()>;

/// `struct fetch_blob` (FETCHOPT_CAINFO_BLOB).
#[repr(C)]
#[derive(Debug)]
pub struct fetch_blob {
    /// The bytes.
    pub data: *mut c_void,
    /// How many.
    pub len: usize,
    /// FETCH_BLOB_COPY or FETCH_BLOB_NOCOPY (libfetch always copies).
    pub flags: c_uint,
}

/// Upstream's limit on a blob (and string) option's length.
const MAX_INPUT_LENGTH: usize = 8_000_000;

/// A `fetch_easy_pause` made while the transfer's engine is borrowed
/// (inside a callback of its multi, or inside its own `fetch_easy_perform`),
/// shared with the engine closures of the transfer (CB-06).
///
/// The engine cannot be told at that moment, so the request is recorded
/// here and applied with [`Multi::pause`] right after the running call
/// returns. Until then the closures honour it: a write callback is not
/// called for data that arrives after a receive pause was requested (the
/// closure returns [`Flow::Pause`], so the engine keeps the data and
/// delivers it on resume), a header callback turns it into a pause before
/// the body, and a read callback is not called after a send pause. The data
/// of the callback that asked for the pause was consumed by it (upstream:
/// the callback returned its length), so it is not delivered again.
#[derive(Debug)]
pub(crate) struct PauseRequest(AtomicI32);

impl PauseRequest {
    const NONE: i32 = -1;

    fn new() -> Arc<Self> {
        Arc::new(Self(AtomicI32::new(Self::NONE)))
    }

    /// Records `bits` (FETCHPAUSE_*), replacing any earlier request.
    pub(crate) fn set(&self, bits: c_int) {
        self.0.store(bits & FETCHPAUSE_ALL, Ordering::Relaxed);
    }

    /// The pending request, cleared.
    pub(crate) fn take(&self) -> Option<Pause> {
        let bits = self.0.swap(Self::NONE, Ordering::Relaxed);
        (bits != Self::NONE).then(|| Pause::from_bits(bits))
    }

    /// Whether a request is waiting.
    pub(crate) fn is_pending(&self) -> bool {
        self.0.load(Ordering::Relaxed) != Self::NONE
    }

    /// Whether a pending request pauses the direction `bit`.
    fn blocks(&self, bit: c_int) -> bool {
        let bits = self.0.load(Ordering::Relaxed);
        bits != Self::NONE && bits & bit != 0
    }
}

/// The C callbacks and their data pointers as the engine closures of a
/// transfer call them, shared with those closures.
///
/// The closures are boxed once per handle (when its engine transfer is
/// built) and read the callbacks from here on every call, so changing a
/// callback or its data needs no new closure. The values are published
/// from the options when the handle is added (or performed), so a
/// `fetch_easy_setopt` made while a transfer runs takes effect with the
/// next one, as before. Relaxed atomics only because the closures must be
/// `Send`; the engine calls them on the thread driving the multi.
#[derive(Debug, Default)]
pub(crate) struct Hooks {
    write_fn: AtomicPtr<c_void>,
    write_data: AtomicPtr<c_void>,
    header_fn: AtomicPtr<c_void>,
    header_data: AtomicPtr<c_void>,
    read_fn: AtomicPtr<c_void>,
    read_data: AtomicPtr<c_void>,
    xferinfo_fn: AtomicPtr<c_void>,
    progress_fn: AtomicPtr<c_void>,
    progress_data: AtomicPtr<c_void>,
    seek_fn: AtomicPtr<c_void>,
    seek_data: AtomicPtr<c_void>,
    /// Set by `fetch_easy_cleanup` while the library still holds the
    /// transfer: the closures then end it without calling the application.
    detached: AtomicBool,
}

/// A callback option's function pointer as stored in [`Hooks`].
fn fn_ptr<F: Copy>(f: Option<F>) -> *mut c_void {
    assert_eq!(size_of::<F>(), size_of::<*mut c_void>());
    match f {
        // SAFETY: `F` is a function pointer type of pointer size (asserted);
        // function and data pointers share a representation on every
        // supported platform.
        Some(f) => unsafe { std::mem::transmute_copy::<F, *mut c_void>(&f) },
        None => ptr::null_mut(),
    }
}

impl Hooks {
    fn load(p: &AtomicPtr<c_void>) -> *mut c_void {
        p.load(Ordering::Relaxed)
    }

    /// No application callback is called for this transfer any more.
    fn detach(&self) {
        self.detached.store(true, Ordering::Relaxed);
    }

    fn is_detached(&self) -> bool {
        self.detached.load(Ordering::Relaxed)
    }

    fn write(&self) -> (Option<fetch_write_callback>, *mut c_void) {
        // SAFETY: `write_fn` only ever holds NULL or a `fetch_write_callback`
        // (stored by `publish`).
        let f = unsafe { callback(Self::load(&self.write_fn)) };
        (f, Self::load(&self.write_data))
    }

    fn header(&self) -> (Option<fetch_write_callback>, *mut c_void) {
        // SAFETY: as for `write`.
        let f = unsafe { callback(Self::load(&self.header_fn)) };
        (f, Self::load(&self.header_data))
    }

    fn read(&self) -> (Option<fetch_read_callback>, *mut c_void) {
        // SAFETY: `read_fn` only holds NULL or a `fetch_read_callback`.
        let f = unsafe { callback(Self::load(&self.read_fn)) };
        (f, Self::load(&self.read_data))
    }

    fn seek(&self) -> (Option<fetch_seek_callback>, *mut c_void) {
        // SAFETY: `seek_fn` only holds NULL or a `fetch_seek_callback`.
        let f = unsafe { callback(Self::load(&self.seek_fn)) };
        (f, Self::load(&self.seek_data))
    }

    /// Upstream: XFERINFOFUNCTION wins over PROGRESSFUNCTION.
    fn progress(&self) -> (Option<ProgressCb>, *mut c_void) {
        // SAFETY: `xferinfo_fn` and `progress_fn` only hold NULL or a
        // callback of their type.
        let (x, p) = unsafe {
            (
                callback(Self::load(&self.xferinfo_fn)),
                callback(Self::load(&self.progress_fn)),
            )
        };
        let cb = x.map(ProgressCb::XferInfo).or(p.map(ProgressCb::Old));
        (cb, Self::load(&self.progress_data))
    }

    /// Makes the closures call what `o` says from now on.
    fn publish(&self, o: &Options) {
        let set = |a: &AtomicPtr<c_void>, p: *mut c_void| a.store(p, Ordering::Relaxed);
        set(&self.write_fn, fn_ptr(o.write_fn));
        set(&self.write_data, o.write_data);
        // Upstream: HEADERDATA without HEADERFUNCTION sends headers through
        // the write function.
        let hf = o.header_fn.or(o.write_fn);
        set(&self.header_fn, fn_ptr(hf));
        set(&self.header_data, o.header_data);
        set(&self.read_fn, fn_ptr(o.read_fn));
        set(&self.read_data, o.read_data);
        set(&self.xferinfo_fn, fn_ptr(o.xferinfo_fn));
        set(&self.progress_fn, fn_ptr(o.progress_fn));
        set(&self.progress_data, o.progress_data);
        set(&self.seek_fn, fn_ptr(o.seek_fn));
        set(&self.seek_data, o.seek_data);
    }
}

/// `struct fetch_slist`.
#[repr(C)]
#[derive(Debug)]
pub struct fetch_slist {
    /// The string (owned by the list).
    pub data: *mut c_char,
    /// The next node, or NULL.
    pub next: *mut Self,
}

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
    tls: TlsOptions,
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
    unrestricted_auth: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            url: None,
            write_fn: None,
            write_data: ptr::null_mut(),
            header_fn: None,
            header_data: ptr::null_mut(),
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
            tls: TlsOptions::default(),
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
            unrestricted_auth: false,
        }
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
    /// The request header lines last given to `core`.
    applied_headers: Vec<String>,
    /// The callbacks `core`'s closures call.
    hooks: Arc<Hooks>,
    /// What `fetch_easy_getinfo` answers from inside a callback of the
    /// handle's multi (the engine is borrowed then): refreshed at the end
    /// of every multi call once such a call was made (`watched`).
    snapshot: Option<TransferInfo>,
    pub(crate) watched: bool,
    /// The code the last transfer ended with (for FETCHINFO_SSL_VERIFYRESULT).
    last_result: FETCHcode,
    /// `fetch_easy_pause` requests waiting for the engine (CB-06).
    pub(crate) pause: Arc<PauseRequest>,
    effective_url: CString,
    primary_ip: CString,
    redirect_url: CString,
    /// The private driver (and multi) of `fetch_easy_perform`, kept for
    /// connection reuse.
    perform_multi: Option<Driver>,
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
pub(crate) unsafe fn release(h: *mut c_void) -> bool {
    // SAFETY: the caller's promise.
    let e = unsafe { easy_mut(h) };
    if !(e.retired && e.pins == 0 && matches!(e.state, State::Idle)) {
        return false;
    }
    // SAFETY: retired handles are out of the registry, unpinned and out of
    // every engine and multi map, so this is the last use of the Box made
    // by fetch_easy_init/duphandle.
    drop(unsafe { Box::from_raw(h.cast::<FetchEasy>()) });
    true
}

unsafe extern "C" {
    #[cfg_attr(
        any(target_os = "macos", target_os = "ios", target_os = "freebsd"),
        link_name = "__stdoutp"
    )]
    static stdout: *mut libc::FILE;
    #[cfg_attr(
        any(target_os = "macos", target_os = "ios", target_os = "freebsd"),
        link_name = "__stdinp"
    )]
    static stdin: *mut libc::FILE;
}

/// Calls a C write callback (or the default: fwrite to the FILE* given as
/// data, stdout without one) with exactly upstream's arguments.
fn call_write(f: Option<fetch_write_callback>, data: *mut c_void, buf: &[u8]) -> usize {
    match f {
        // SAFETY: the application set this callback for this purpose; the
        // buffer is valid for `buf.len()` bytes for the call. Upstream
        // passes a non-const pointer; callbacks must not write to it.
        Some(f) => unsafe { f(buf.as_ptr().cast_mut().cast(), 1, buf.len(), data) },
        None => {
            let file = if data.is_null() {
                // SAFETY: reading the C library's `stdout` pointer.
                unsafe { stdout }
            } else {
                data.cast()
            };
            // SAFETY: upstream's default: WRITEDATA is a FILE* when no write
            // callback is set (the application's contract).
            unsafe { libc::fwrite(buf.as_ptr().cast(), 1, buf.len(), file) }
        }
    }
}

/// Calls the seek callback (FETCHOPT_SEEKFUNCTION) to `offset` from the
/// start; a panic-free mapping of its FETCH_SEEKFUNC_* answer.
fn call_seek(f: fetch_seek_callback, data: *mut c_void, offset: u64) -> SeekResult {
    let Ok(offset) = fetch_off_t::try_from(offset) else {
        return SeekResult::CantSeek;
    };
    // SAFETY: `f` is the application's FETCHOPT_SEEKFUNCTION with its
    // FETCHOPT_SEEKDATA, called as documented (SEEK_SET is 0).
    match unsafe { f(data, offset, 0) } {
        FETCH_SEEKFUNC_OK => SeekResult::Ok,
        FETCH_SEEKFUNC_FAIL => SeekResult::Fail,
        _ => SeekResult::CantSeek,
    }
}

fn call_read(f: Option<fetch_read_callback>, data: *mut c_void, buf: &mut [u8]) -> usize {
    match f {
        // SAFETY: the application's read callback, given a writable buffer
        // of `buf.len()` bytes.
        Some(f) => unsafe { f(buf.as_mut_ptr().cast(), 1, buf.len(), data) },
        None => {
            let file = if data.is_null() {
                // SAFETY: reading the C library's `stdin` pointer.
                unsafe { stdin }
            } else {
                data.cast()
            };
            // SAFETY: upstream's default: READDATA is a FILE*.
            unsafe { libc::fread(buf.as_mut_ptr().cast(), 1, buf.len(), file) }
        }
    }
}

fn read_result(n: usize, len: usize) -> ReadResult {
    match n {
        FETCH_READFUNC_PAUSE => ReadResult::Pause,
        FETCH_READFUNC_ABORT => ReadResult::Abort,
        n if n > len => ReadResult::Abort,
        n => ReadResult::Data(n),
    }
}

/// What a write or header callback's return value means; `len` is the
/// size of the data it was given.
fn write_flow(n: usize, len: usize) -> Flow {
    if n == len {
        Flow::Continue
    } else if n == FETCH_WRITEFUNC_PAUSE {
        Flow::Pause
    } else {
        Flow::Abort
    }
}

/// The engine's progress as the C progress callbacks want it.
#[derive(Clone, Copy)]
enum ProgressCb {
    XferInfo(fetch_xferinfo_callback),
    Old(fetch_progress_callback),
}

impl ProgressCb {
    fn call(self, data: *mut c_void, p: &Progress) -> Flow {
        let off = |n: u64| fetch_off_t::try_from(n).unwrap_or(fetch_off_t::MAX);
        let rc = match self {
            // SAFETY: the application's xferinfo callback with upstream's
            // arguments.
            Self::XferInfo(f) => unsafe {
                f(
                    data,
                    off(p.dltotal),
                    off(p.dlnow),
                    off(p.ultotal),
                    off(p.ulnow),
                )
            },
            // SAFETY: the application's progress callback with upstream's
            // arguments.
            Self::Old(f) => unsafe {
                f(
                    data,
                    p.dltotal as f64,
                    p.dlnow as f64,
                    p.ultotal as f64,
                    p.ulnow as f64,
                )
            },
        };
        // FETCH_PROGRESSFUNC_CONTINUE asks for the built-in meter, which
        // libfetch does not have: it is "carry on".
        if rc == 0 || rc == FETCH_PROGRESSFUNC_CONTINUE {
            Flow::Continue
        } else {
            Flow::Abort
        }
    }
}

/// A NUL-terminated option string as a path.
fn path(s: &CStr) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(s.to_bytes()))
}

/// FETCHOPT_SSLVERSION: the minimum in the low 16 bits, the maximum above.
/// Minimums below TLS 1.2 mean "1.2 or newer" (rustls has nothing older;
/// upstream's rustls backend does the same). The engine has no maximum, so
/// only "none", "default" and TLS 1.3 are accepted as one.
fn tls_version(arg: i64) -> Result<TlsVersion, FETCHcode> {
    let (min, max) = (arg & 0xffff, arg >> 16);
    let v = match min {
        FETCH_SSLVERSION_DEFAULT => TlsVersion::Default,
        FETCH_SSLVERSION_TLSv1
        | FETCH_SSLVERSION_TLSv1_0
        | FETCH_SSLVERSION_TLSv1_1
        | FETCH_SSLVERSION_TLSv1_2 => TlsVersion::V1_2,
        FETCH_SSLVERSION_TLSv1_3 => TlsVersion::V1_3,
        // SSLv2, SSLv3, negative, LAST and above: as upstream's setopt.
        _ => return Err(FETCHE_BAD_FUNCTION_ARGUMENT),
    };
    match max << 16 {
        FETCH_SSLVERSION_MAX_NONE | FETCH_SSLVERSION_MAX_DEFAULT | FETCH_SSLVERSION_MAX_TLSv1_3 => {
            Ok(v)
        }
        // Capping at 1.2 is something rustls can do but the engine does not
        // offer yet.
        FETCH_SSLVERSION_MAX_TLSv1_2 if v != TlsVersion::V1_3 => Err(FETCHE_NOT_BUILT_IN),
        // Below the minimum, or a version rustls lacks (upstream's rustls
        // backend refuses these too).
        _ => Err(FETCHE_BAD_FUNCTION_ARGUMENT),
    }
}

impl FetchEasy {
    fn new(opts: Options) -> Box<Self> {
        Box::new(Self {
            opts,
            state: State::Idle,
            pins: 0,
            retired: false,
            core: None,
            dirty: dirty::ALL,
            has_header: false,
            has_progress: false,
            applied_headers: Vec::new(),
            hooks: Arc::default(),
            snapshot: None,
            watched: false,
            last_result: FETCHE_OK,
            pause: PauseRequest::new(),
            effective_url: CString::default(),
            primary_ip: CString::default(),
            redirect_url: CString::default(),
            perform_multi: None,
        })
    }

    /// Takes the engine transfer back from a multi (remove) or a perform.
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
            Some(s) => s.clone_from(info),
            None => self.snapshot = Some(info.clone()),
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

    /// The engine transfer for the current options, taken out of the
    /// handle to be added to a multi (or performed); it comes back with
    /// [`FetchEasy::restore`]. The held transfer is reused and only what
    /// changed since it last ran is applied to it.
    pub(crate) fn prepare(&mut self) -> Easy {
        // A request left over from an earlier run means nothing now.
        let _ = self.pause.take();
        self.snapshot = None;
        let o = &self.opts;
        let want_header = o.header_fn.is_some() || !o.header_data.is_null();
        let want_progress = !o.noprogress && (o.xferinfo_fn.is_some() || o.progress_fn.is_some());
        let reuse = self.dirty & dirty::REBUILD == 0
            && want_header == self.has_header
            && want_progress == self.has_progress;
        let mut e = match self.core.take() {
            Some(e) if reuse => e,
            _ => {
                self.dirty = dirty::ALL;
                self.applied_headers.clear();
                // New closures over new hooks: an engine transfer that is
                // still around somewhere keeps calling the old ones.
                self.hooks = Arc::default();
                self.fresh(want_header, want_progress)
            }
        };
        let d = self.dirty;
        let o = &self.opts;
        if d & dirty::HOOKS != 0 {
            self.hooks.publish(o);
        }
        // (A NULL URL rebuilds: a new engine transfer has none.) The same
        // string set again keeps the parsed URL cached in the engine.
        if let (true, Some(u)) = (d & dirty::URL != 0, &o.url) {
            let u = u.to_string_lossy();
            if e.get_url() != Some(&*u) {
                e.url(u.into_owned());
            }
        }
        if d & dirty::TLS != 0 {
            e.tls(o.tls.clone());
        }
        if d & dirty::SCALARS != 0 {
            e.follow_location(o.follow);
            e.max_redirs(u32::try_from(o.max_redirs).ok());
            e.timeout(Duration::from_millis(o.timeout_ms));
            e.connect_timeout(Duration::from_millis(o.connect_timeout_ms));
            e.low_speed(o.low_speed_limit, Duration::from_secs(o.low_speed_time));
            e.max_send_speed(o.max_send_speed);
            e.max_recv_speed(o.max_recv_speed);
            e.expect_100_timeout(Duration::from_millis(o.expect_100_timeout_ms));
            e.unrestricted_auth(o.unrestricted_auth);
        }
        if d & dirty::BODY != 0 {
            self.apply_body(&mut e);
        }
        self.apply_headers(&mut e);
        // A borrowed POSTFIELDS buffer may change between transfers
        // without a setopt: read it again next time.
        self.dirty = if matches!(self.opts.post_data, PostData::Borrowed(_)) {
            dirty::BODY
        } else {
            0
        };
        e
    }

    /// A new engine transfer with the closures (the rest of the options is
    /// applied by `prepare`).
    fn fresh(&mut self, want_header: bool, want_progress: bool) -> Easy {
        let mut e = Easy::new();
        let (hooks, pause) = (self.hooks.clone(), self.pause.clone());
        e.write_function(move |buf| {
            if hooks.is_detached() {
                // Cleaned up from inside a callback: end the transfer
                // without calling the application (docs/decisions.md 25).
                Flow::Abort
            } else if pause.blocks(FETCHPAUSE_RECV) {
                // Paused from inside an earlier callback of this call: the
                // engine keeps the data for the resume.
                Flow::Pause
            } else if buf.is_empty() {
                Flow::Continue
            } else {
                let (f, data) = hooks.write();
                write_flow(call_write(f, data, buf), buf.len())
            }
        });
        if want_header {
            let (hooks, pause) = (self.hooks.clone(), self.pause.clone());
            e.header_function(move |line| {
                // Header lines are not kept for redelivery, so the callback
                // always gets them; a pending receive pause stops the
                // transfer before the body.
                if hooks.is_detached() {
                    return Flow::Abort;
                }
                let (f, data) = hooks.header();
                match write_flow(call_write(f, data, line), line.len()) {
                    Flow::Continue if pause.blocks(FETCHPAUSE_RECV) => Flow::Pause,
                    flow => flow,
                }
            });
        }
        let hooks = self.hooks.clone();
        e.seek_function(move |to| {
            let SeekFrom::Start(offset) = to else {
                return SeekResult::CantSeek;
            };
            match hooks.seek() {
                _ if hooks.is_detached() => SeekResult::Fail,
                (Some(f), data) => call_seek(f, data, offset),
                (None, _) => SeekResult::CantSeek,
            }
        });
        if want_progress {
            let hooks = self.hooks.clone();
            e.progress_function(move |p| match hooks.progress() {
                _ if hooks.is_detached() => Flow::Abort,
                (Some(cb), data) => cb.call(data, p),
                (None, _) => Flow::Continue,
            });
        }
        self.has_header = want_header;
        self.has_progress = want_progress;
        e
    }

    /// The method and request body.
    fn apply_body(&self, e: &mut Easy) {
        let o = &self.opts;
        let reader = || {
            let (hooks, pause) = (self.hooks.clone(), self.pause.clone());
            move |buf: &mut [u8]| {
                if hooks.is_detached() {
                    ReadResult::Abort
                } else if pause.blocks(FETCHPAUSE_SEND) {
                    ReadResult::Pause
                } else {
                    let (f, data) = hooks.read();
                    read_result(call_read(f, data, buf), buf.len())
                }
            }
        };
        if o.nobody {
            e.method(Method::Head);
        } else if o.upload {
            e.body_reader(u64::try_from(o.infilesize).ok(), reader());
            e.method(Method::Put);
        } else if let Some(body) = self.post_body() {
            e.post(body);
        } else if o.post {
            e.body_reader(u64::try_from(o.post_size).ok(), reader());
            e.method(Method::Post);
        } else {
            e.method(Method::Get);
        }
        if let Some(c) = &o.custom {
            e.method(Method::Custom(c.to_string_lossy().into_owned()));
        }
    }

    /// USERAGENT and HTTPHEADER, read at every add: the application may
    /// append to the list it gave without a new setopt.
    fn apply_headers(&mut self, e: &mut Easy) {
        let o = &self.opts;
        if o.user_agent.is_none() && o.headers.is_null() {
            if !self.applied_headers.is_empty() {
                self.applied_headers.clear();
                e.headers(Vec::new());
            }
            return;
        }
        let mut lines = Vec::new();
        if let Some(ua) = &o.user_agent {
            lines.push(format!("User-Agent: {}", ua.to_string_lossy()));
        }
        let mut node = o.headers;
        while !node.is_null() {
            // SAFETY: FETCHOPT_HTTPHEADER's list must stay valid while the
            // transfer is set up (upstream contract); nodes come from
            // fetch_slist_append.
            let n = unsafe { &*node };
            if !n.data.is_null() {
                // SAFETY: slist data are NUL-terminated strings.
                let s = unsafe { CStr::from_ptr(n.data) };
                lines.push(s.to_string_lossy().into_owned());
            }
            node = n.next;
        }
        if lines != self.applied_headers {
            e.headers(lines.clone());
            self.applied_headers = lines;
        }
    }

    fn post_body(&self) -> Option<Vec<u8>> {
        match &self.opts.post_data {
            PostData::None => None,
            PostData::Copied(v) => Some(v.clone()),
            PostData::Borrowed(p) => {
                let len = match usize::try_from(self.opts.post_size) {
                    Ok(n) => n,
                    // SAFETY: without a size, POSTFIELDS is a C string.
                    Err(_) => unsafe { libc::strlen(*p) },
                };
                // SAFETY: the application keeps POSTFIELDS valid for `len`
                // bytes while the transfer runs (upstream contract).
                Some(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) }.to_vec())
            }
        }
    }

    fn setopt(&mut self, option: c_int, value: Value) -> FETCHcode {
        const KNOWN: &[c_int] = &[
            FETCHOPT_URL,
            FETCHOPT_USERAGENT,
            FETCHOPT_CUSTOMREQUEST,
            FETCHOPT_WRITEDATA,
            FETCHOPT_HEADERDATA,
            FETCHOPT_READDATA,
            FETCHOPT_PRIVATE,
            FETCHOPT_ERRORBUFFER,
            FETCHOPT_HTTPHEADER,
            FETCHOPT_WRITEFUNCTION,
            FETCHOPT_HEADERFUNCTION,
            FETCHOPT_READFUNCTION,
            FETCHOPT_POSTFIELDS,
            FETCHOPT_COPYPOSTFIELDS,
            FETCHOPT_POSTFIELDSIZE,
            FETCHOPT_POSTFIELDSIZE_LARGE,
            FETCHOPT_INFILESIZE,
            FETCHOPT_INFILESIZE_LARGE,
            FETCHOPT_POST,
            FETCHOPT_NOBODY,
            FETCHOPT_UPLOAD,
            FETCHOPT_PUT,
            FETCHOPT_HTTPGET,
            FETCHOPT_FOLLOWLOCATION,
            FETCHOPT_MAXREDIRS,
            FETCHOPT_TIMEOUT,
            FETCHOPT_TIMEOUT_MS,
            FETCHOPT_CONNECTTIMEOUT,
            FETCHOPT_CONNECTTIMEOUT_MS,
            FETCHOPT_VERBOSE,
            FETCHOPT_NOSIGNAL,
            FETCHOPT_NOPROGRESS,
            FETCHOPT_CAINFO,
            FETCHOPT_CAPATH,
            FETCHOPT_CAINFO_BLOB,
            FETCHOPT_SSL_VERIFYPEER,
            FETCHOPT_SSL_VERIFYHOST,
            FETCHOPT_SSLCERT,
            FETCHOPT_SSLKEY,
            FETCHOPT_SSLCERTTYPE,
            FETCHOPT_SSLKEYTYPE,
            FETCHOPT_SSLVERSION,
            FETCHOPT_XFERINFOFUNCTION,
            FETCHOPT_XFERINFODATA,
            FETCHOPT_PROGRESSFUNCTION,
            FETCHOPT_LOW_SPEED_LIMIT,
            FETCHOPT_LOW_SPEED_TIME,
            FETCHOPT_MAX_SEND_SPEED_LARGE,
            FETCHOPT_MAX_RECV_SPEED_LARGE,
            FETCHOPT_EXPECT_100_TIMEOUT_MS,
            FETCHOPT_UNRESTRICTED_AUTH,
            FETCHOPT_SEEKFUNCTION,
            FETCHOPT_SEEKDATA,
        ];
        if !KNOWN.contains(&option) {
            return FETCHE_UNKNOWN_OPTION;
        }
        let o = &mut self.opts;
        let ty = option_type(option);
        let int = match (ty, value) {
            (FETCHOPTTYPE_LONG | FETCHOPTTYPE_OFF_T, Value::Int(v)) => Some(v),
            (FETCHOPTTYPE_LONG | FETCHOPTTYPE_OFF_T, Value::Ptr(_) | Value::Func(_)) => {
                return FETCHE_BAD_FUNCTION_ARGUMENT;
            }
            _ => None,
        };
        let ptr = match (ty, value) {
            (FETCHOPTTYPE_FUNCTIONPOINT, Value::Func(p)) => p,
            (_, Value::Func(_)) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            (
                FETCHOPTTYPE_OBJECTPOINT | FETCHOPTTYPE_FUNCTIONPOINT | FETCHOPTTYPE_BLOB,
                Value::Ptr(p),
            ) => p,
            (
                FETCHOPTTYPE_OBJECTPOINT | FETCHOPTTYPE_FUNCTIONPOINT | FETCHOPTTYPE_BLOB,
                Value::Int(0),
            ) => ptr::null(),
            (
                FETCHOPTTYPE_OBJECTPOINT | FETCHOPTTYPE_FUNCTIONPOINT | FETCHOPTTYPE_BLOB,
                Value::Int(_),
            ) => {
                return FETCHE_BAD_FUNCTION_ARGUMENT;
            }
            _ => ptr::null(),
        };
        let v = int.unwrap_or(0);
        let cstring = |p: *const c_void| {
            // SAFETY: string options take NUL-terminated strings, which
            // are copied (upstream copies them too).
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p.cast()) }.to_owned())
        };
        let ms =
            |v: i64, scale: i64| u64::try_from(v.checked_mul(scale).ok_or(())?).map_err(|_| ());
        match option {
            FETCHOPT_URL => o.url = cstring(ptr),
            FETCHOPT_USERAGENT => o.user_agent = cstring(ptr),
            FETCHOPT_CUSTOMREQUEST => {
                let custom = cstring(ptr);
                // A method must be an HTTP token: CR/LF in it would let one
                // transfer send two requests. Refused here, old value kept.
                if let Some(c) = &custom {
                    let name = c.to_str().map_err(|_| ());
                    if name
                        .and_then(|n| Method::custom(n).map_err(|_| ()))
                        .is_err()
                    {
                        return FETCHE_BAD_FUNCTION_ARGUMENT;
                    }
                }
                o.custom = custom;
            }
            FETCHOPT_UNRESTRICTED_AUTH => o.unrestricted_auth = v != 0,
            FETCHOPT_SEEKDATA => o.seek_data = ptr.cast_mut(),
            // SAFETY: as for the other function options.
            FETCHOPT_SEEKFUNCTION => o.seek_fn = unsafe { callback(ptr) },
            FETCHOPT_WRITEDATA => o.write_data = ptr.cast_mut(),
            FETCHOPT_HEADERDATA => o.header_data = ptr.cast_mut(),
            FETCHOPT_READDATA => o.read_data = ptr.cast_mut(),
            FETCHOPT_PRIVATE => o.private = ptr.cast_mut(),
            FETCHOPT_ERRORBUFFER => o.errorbuffer = ptr.cast_mut().cast(),
            FETCHOPT_HTTPHEADER => o.headers = ptr.cast(),
            // SAFETY: function options carry a callback of the documented
            // type, passed as a data pointer.
            FETCHOPT_WRITEFUNCTION => o.write_fn = unsafe { callback(ptr) },
            // SAFETY: as above.
            FETCHOPT_HEADERFUNCTION => o.header_fn = unsafe { callback(ptr) },
            // SAFETY: as above.
            FETCHOPT_READFUNCTION => o.read_fn = unsafe { callback(ptr) },
            FETCHOPT_POSTFIELDS => {
                o.post_data = if ptr.is_null() {
                    PostData::None
                } else {
                    PostData::Borrowed(ptr.cast())
                }
            }
            FETCHOPT_COPYPOSTFIELDS => {
                o.post_data = if ptr.is_null() {
                    PostData::None
                } else {
                    let len = match usize::try_from(o.post_size) {
                        Ok(n) => n,
                        // SAFETY: without a size the data is a C string.
                        Err(_) => unsafe { libc::strlen(ptr.cast()) },
                    };
                    // SAFETY: the application passes `len` readable bytes.
                    PostData::Copied(
                        unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) }.to_vec(),
                    )
                }
            }
            FETCHOPT_POSTFIELDSIZE | FETCHOPT_POSTFIELDSIZE_LARGE => {
                if v < -1 {
                    return FETCHE_BAD_FUNCTION_ARGUMENT;
                }
                o.post_size = v;
            }
            FETCHOPT_INFILESIZE | FETCHOPT_INFILESIZE_LARGE => {
                if v < -1 {
                    return FETCHE_BAD_FUNCTION_ARGUMENT;
                }
                o.infilesize = v;
            }
            FETCHOPT_POST => o.post = v != 0,
            FETCHOPT_NOBODY => o.nobody = v != 0,
            FETCHOPT_UPLOAD | FETCHOPT_PUT => o.upload = v != 0,
            FETCHOPT_HTTPGET => {
                if v != 0 {
                    o.post = false;
                    o.upload = false;
                    o.nobody = false;
                    o.post_data = PostData::None;
                }
            }
            FETCHOPT_FOLLOWLOCATION => o.follow = v != 0,
            FETCHOPT_MAXREDIRS => {
                if v < -1 {
                    return FETCHE_BAD_FUNCTION_ARGUMENT;
                }
                o.max_redirs = v;
            }
            FETCHOPT_TIMEOUT | FETCHOPT_TIMEOUT_MS => {
                let scale = if option == FETCHOPT_TIMEOUT { 1000 } else { 1 };
                match ms(v, scale) {
                    Ok(t) => o.timeout_ms = t,
                    Err(()) => return FETCHE_BAD_FUNCTION_ARGUMENT,
                }
            }
            FETCHOPT_CONNECTTIMEOUT | FETCHOPT_CONNECTTIMEOUT_MS => {
                let scale = if option == FETCHOPT_CONNECTTIMEOUT {
                    1000
                } else {
                    1
                };
                match ms(v, scale) {
                    Ok(t) => o.connect_timeout_ms = t,
                    Err(()) => return FETCHE_BAD_FUNCTION_ARGUMENT,
                }
            }
            FETCHOPT_CAINFO => o.tls.ca_file = cstring(ptr).as_deref().map(path),
            FETCHOPT_CAPATH => o.tls.ca_path = cstring(ptr).as_deref().map(path),
            FETCHOPT_SSLCERT => o.tls.client_cert = cstring(ptr).as_deref().map(path),
            FETCHOPT_SSLKEY => o.tls.client_key = cstring(ptr).as_deref().map(path),
            FETCHOPT_CAINFO_BLOB => {
                let blob = ptr.cast::<fetch_blob>();
                o.tls.ca_blob = if blob.is_null() {
                    None
                } else {
                    // SAFETY: a non-NULL CAINFO_BLOB argument points to a
                    // `struct fetch_blob` (upstream contract).
                    let b = unsafe { &*blob };
                    if b.data.is_null() || b.len == 0 || b.len > MAX_INPUT_LENGTH {
                        return FETCHE_BAD_FUNCTION_ARGUMENT;
                    }
                    // Copied whatever the flags say: FETCH_BLOB_NOCOPY only
                    // allows the library to keep the pointer.
                    // SAFETY: the blob's data is readable for `len` bytes.
                    Some(unsafe { std::slice::from_raw_parts(b.data.cast::<u8>(), b.len) }.to_vec())
                };
            }
            FETCHOPT_SSLCERTTYPE | FETCHOPT_SSLKEYTYPE => {
                // Only PEM files are supported; NULL restores the default.
                // Upstream backends refuse unsupported types when the
                // transfer starts; here setopt says so at once.
                if let Some(t) = cstring(ptr) {
                    if !t.to_bytes().eq_ignore_ascii_case(b"PEM") {
                        return FETCHE_NOT_BUILT_IN;
                    }
                }
            }
            FETCHOPT_SSL_VERIFYPEER => o.tls.verify_peer = v != 0,
            // Modern upstream treats 1 as 2 (verify the name).
            FETCHOPT_SSL_VERIFYHOST => o.tls.verify_host = v != 0,
            FETCHOPT_SSLVERSION => match tls_version(v) {
                Ok(min) => o.tls.min_version = min,
                Err(code) => return code,
            },
            // SAFETY: as for the other function options.
            FETCHOPT_XFERINFOFUNCTION => o.xferinfo_fn = unsafe { callback(ptr) },
            // SAFETY: as above.
            FETCHOPT_PROGRESSFUNCTION => o.progress_fn = unsafe { callback(ptr) },
            FETCHOPT_XFERINFODATA => o.progress_data = ptr.cast_mut(),
            FETCHOPT_NOPROGRESS => o.noprogress = v != 0,
            FETCHOPT_LOW_SPEED_LIMIT => match u64::try_from(v) {
                Ok(n) => o.low_speed_limit = n,
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            // Upstream: negative is an error, above 65535 s is clamped.
            FETCHOPT_LOW_SPEED_TIME => match u64::try_from(v) {
                Ok(n) => o.low_speed_time = n.min(u64::from(u16::MAX)),
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            FETCHOPT_MAX_SEND_SPEED_LARGE => match u64::try_from(v) {
                Ok(n) => o.max_send_speed = n,
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            FETCHOPT_MAX_RECV_SPEED_LARGE => match u64::try_from(v) {
                Ok(n) => o.max_recv_speed = n,
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            // Upstream: negative is an error, above 65535 ms is clamped.
            FETCHOPT_EXPECT_100_TIMEOUT_MS => match u64::try_from(v) {
                Ok(n) => o.expect_100_timeout_ms = n.min(u64::from(u16::MAX)),
                Err(_) => return FETCHE_BAD_FUNCTION_ARGUMENT,
            },
            // Documented no-ops: there is no debug output and no signal use.
            FETCHOPT_VERBOSE | FETCHOPT_NOSIGNAL => {}
            _ => return FETCHE_UNKNOWN_OPTION,
        }
        self.dirty |= match option {
            // The engine has no "no URL": start over for upstream's error.
            FETCHOPT_URL if ptr.is_null() => dirty::REBUILD,
            FETCHOPT_URL => dirty::URL,
            FETCHOPT_CUSTOMREQUEST
            | FETCHOPT_POSTFIELDS
            | FETCHOPT_COPYPOSTFIELDS
            | FETCHOPT_POSTFIELDSIZE
            | FETCHOPT_POSTFIELDSIZE_LARGE
            | FETCHOPT_INFILESIZE
            | FETCHOPT_INFILESIZE_LARGE
            | FETCHOPT_POST
            | FETCHOPT_NOBODY
            | FETCHOPT_UPLOAD
            | FETCHOPT_PUT
            | FETCHOPT_HTTPGET => dirty::REBUILD,
            FETCHOPT_WRITEFUNCTION
            | FETCHOPT_WRITEDATA
            | FETCHOPT_HEADERFUNCTION
            | FETCHOPT_HEADERDATA
            | FETCHOPT_READFUNCTION
            | FETCHOPT_READDATA
            | FETCHOPT_XFERINFOFUNCTION
            | FETCHOPT_PROGRESSFUNCTION
            | FETCHOPT_SEEKFUNCTION
            | FETCHOPT_SEEKDATA
            | FETCHOPT_XFERINFODATA
            | FETCHOPT_NOPROGRESS => dirty::HOOKS,
            FETCHOPT_FOLLOWLOCATION
            | FETCHOPT_MAXREDIRS
            | FETCHOPT_TIMEOUT
            | FETCHOPT_TIMEOUT_MS
            | FETCHOPT_CONNECTTIMEOUT
            | FETCHOPT_CONNECTTIMEOUT_MS
            | FETCHOPT_LOW_SPEED_LIMIT
            | FETCHOPT_LOW_SPEED_TIME
            | FETCHOPT_MAX_SEND_SPEED_LARGE
            | FETCHOPT_MAX_RECV_SPEED_LARGE
            | FETCHOPT_EXPECT_100_TIMEOUT_MS
            | FETCHOPT_UNRESTRICTED_AUTH => dirty::SCALARS,
            FETCHOPT_CAINFO
            | FETCHOPT_CAPATH
            | FETCHOPT_CAINFO_BLOB
            | FETCHOPT_SSLCERT
            | FETCHOPT_SSLKEY
            | FETCHOPT_SSL_VERIFYPEER
            | FETCHOPT_SSL_VERIFYHOST
            | FETCHOPT_SSLVERSION => dirty::TLS,
            // Read at every add (USERAGENT, HTTPHEADER) or not part of the
            // engine transfer (PRIVATE, ERRORBUFFER, the no-ops).
            _ => 0,
        };
        FETCHE_OK
    }

    fn getinfo(&mut self, info: FETCHINFO, out: *mut c_void) -> FETCHcode {
        let value = match info {
            // Not transfer information: no need to reach the engine.
            FETCHINFO_PRIVATE => Ok(Out::Ptr(self.opts.private)),
            // The engine reports no verification detail: 0 (X509_V_OK)
            // unless the last transfer failed verification, then 1
            // (X509_V_ERR_UNSPECIFIED).
            FETCHINFO_SSL_VERIFYRESULT => Ok(Out::Long(c_long::from(
                self.last_result == easy_code(fetch_core::ErrorCode::PeerFailedVerification),
            ))),
            _ => self.transfer_info(info),
        };
        let value = match value {
            Ok(v) => v,
            Err(code) => return code,
        };
        // SAFETY: the caller passes a pointer to a variable of the type the
        // info id's type base names (upstream contract), non-NULL (checked).
        unsafe {
            match value {
                Out::Str(s) => *out.cast::<*const c_char>() = s,
                Out::Long(l) => *out.cast::<c_long>() = l,
                Out::Double(d) => *out.cast::<c_double>() = d,
                Out::Off(o) => *out.cast::<fetch_off_t>() = o,
                Out::Ptr(p) => *out.cast::<*mut c_void>() = p,
            }
        }
        FETCHE_OK
    }

    /// One item of the transfer information, read where it is: in the
    /// engine while the handle is added (outside callbacks), else in the
    /// held engine transfer. Inside a callback of the handle's multi (or of
    /// its own perform) the engine is borrowed, so the answer comes from
    /// the snapshot taken when a multi call returns (see `watch_info`).
    fn transfer_info(&mut self, info: FETCHINFO) -> Result<Out, FETCHcode> {
        let url = self.opts.url.as_deref();
        let mut strings = Strings {
            effective_url: &mut self.effective_url,
            primary_ip: &mut self.primary_ip,
            redirect_url: &mut self.redirect_url,
        };
        match self.state {
            State::Added { multi, id } => {
                // SAFETY: an added handle's multi pointer stays valid while
                // it is added (cleanup detaches every handle first).
                let live = unsafe {
                    with_engine_info(multi, id, |i| info_value(info, i, url, &mut strings))
                };
                if let Some(v) = live {
                    return v;
                }
                // Busy: inside a callback of that multi. From now on the
                // snapshot is kept fresh at the end of each of its calls.
                if !self.watched {
                    // SAFETY: as above; the multi only records the id.
                    self.watched = unsafe { watch_info(multi, id) };
                }
            }
            State::Idle => {
                if let Some(core) = &self.core {
                    return info_value(info, core.info(), url, &mut strings);
                }
            }
            State::Adding { .. } | State::Performing => {}
        }
        match &self.snapshot {
            Some(i) => info_value(info, i, url, &mut strings),
            None => info_value(info, &TransferInfo::default(), url, &mut strings),
        }
    }
}

/// A `fetch_easy_getinfo` answer.
enum Out {
    Str(*const c_char),
    Long(c_long),
    Double(c_double),
    Off(fetch_off_t),
    Ptr(*mut c_void),
}

/// Where the string answers live (until the next getinfo of the same id).
struct Strings<'a> {
    effective_url: &'a mut CString,
    primary_ip: &'a mut CString,
    redirect_url: &'a mut CString,
}

/// `s` into `slot` (reused when it already holds `s`), as a C string.
fn store_str(slot: &mut CString, s: &[u8]) -> *const c_char {
    if slot.to_bytes() != s {
        *slot = CString::new(s).unwrap_or_default();
    }
    slot.as_ptr()
}

/// The answer for `info` from `i`; `url` is FETCHOPT_URL (the effective URL
/// before a transfer ran).
fn info_value(
    info: FETCHINFO,
    i: &TransferInfo,
    url: Option<&CStr>,
    strings: &mut Strings<'_>,
) -> Result<Out, FETCHcode> {
    let secs = |d: Duration| d.as_secs_f64();
    let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
    let off = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(match info {
        FETCHINFO_RESPONSE_CODE => Out::Long(c_long::from(i.response_code)),
        FETCHINFO_EFFECTIVE_URL => {
            let s = match (&i.effective_url, url) {
                (Some(u), _) => std::borrow::Cow::Borrowed(u.as_str()),
                (None, Some(u)) => u.to_string_lossy(),
                (None, None) => std::borrow::Cow::Borrowed(""),
            };
            Out::Str(store_str(strings.effective_url, s.as_bytes()))
        }
        FETCHINFO_TOTAL_TIME => Out::Double(secs(i.total_time)),
        FETCHINFO_TOTAL_TIME_T => Out::Off(micros(i.total_time)),
        FETCHINFO_SIZE_DOWNLOAD => Out::Double(i.size_download as f64),
        FETCHINFO_SIZE_DOWNLOAD_T => Out::Off(off(i.size_download)),
        FETCHINFO_SIZE_UPLOAD => Out::Double(i.size_upload as f64),
        FETCHINFO_SIZE_UPLOAD_T => Out::Off(off(i.size_upload)),
        FETCHINFO_HEADER_SIZE => Out::Long(c_long::try_from(i.header_size).unwrap_or(c_long::MAX)),
        FETCHINFO_PRIMARY_IP => {
            let ip = i.primary_ip.map(|ip| ip.to_string()).unwrap_or_default();
            Out::Str(store_str(strings.primary_ip, ip.as_bytes()))
        }
        FETCHINFO_PRIMARY_PORT => Out::Long(c_long::from(i.primary_port)),
        FETCHINFO_REDIRECT_COUNT => {
            Out::Long(c_long::try_from(i.redirect_count).unwrap_or(c_long::MAX))
        }
        FETCHINFO_NUM_CONNECTS => {
            Out::Long(c_long::try_from(i.num_connects).unwrap_or(c_long::MAX))
        }
        FETCHINFO_REDIRECT_URL => match &i.redirect_url {
            Some(u) => Out::Str(store_str(strings.redirect_url, u.as_bytes())),
            None => Out::Str(ptr::null()),
        },
        FETCHINFO_NAMELOOKUP_TIME => Out::Double(secs(i.namelookup_time)),
        FETCHINFO_NAMELOOKUP_TIME_T => Out::Off(micros(i.namelookup_time)),
        FETCHINFO_CONNECT_TIME => Out::Double(secs(i.connect_time)),
        FETCHINFO_CONNECT_TIME_T => Out::Off(micros(i.connect_time)),
        FETCHINFO_APPCONNECT_TIME => Out::Double(secs(i.appconnect_time)),
        FETCHINFO_APPCONNECT_TIME_T => Out::Off(micros(i.appconnect_time)),
        FETCHINFO_PRETRANSFER_TIME => Out::Double(secs(i.pretransfer_time)),
        FETCHINFO_PRETRANSFER_TIME_T => Out::Off(micros(i.pretransfer_time)),
        FETCHINFO_STARTTRANSFER_TIME => Out::Double(secs(i.starttransfer_time)),
        FETCHINFO_STARTTRANSFER_TIME_T => Out::Off(micros(i.starttransfer_time)),
        FETCHINFO_SPEED_DOWNLOAD => Out::Double(i.speed_download as f64),
        FETCHINFO_SPEED_DOWNLOAD_T => Out::Off(off(i.speed_download)),
        FETCHINFO_SPEED_UPLOAD => Out::Double(i.speed_upload as f64),
        FETCHINFO_SPEED_UPLOAD_T => Out::Off(off(i.speed_upload)),
        _ => return Err(FETCHE_UNKNOWN_OPTION),
    })
}

impl<T> SendPtr<T> {
    /// The pointer (a method, so closures capture the whole `SendPtr`).
    pub(crate) fn get(self) -> *mut T {
        self.0
    }
}

/// A callback passed as a data pointer (what the header's `_Generic` macro
/// and `_func` entry points produce), as a typed function pointer.
///
/// # Safety
/// `p` must be NULL or a function pointer of type `F` (a non-null
/// `unsafe extern "C" fn` type of pointer size).
pub(crate) unsafe fn callback<F: Copy>(p: *const c_void) -> Option<F> {
    assert_eq!(size_of::<F>(), size_of::<*const c_void>());
    // SAFETY: per the contract, a non-NULL `p` holds an `F`; function and
    // data pointers share a representation on every supported platform.
    (!p.is_null()).then(|| unsafe { std::mem::transmute_copy::<*const c_void, F>(&p) })
}

#[derive(Clone, Copy)]
pub(crate) enum Value {
    Int(i64),
    Ptr(*const c_void),
    /// From `fetch_easy_setopt_func`: only valid for function options.
    Func(*const c_void),
}

/// `fetch_easy_init`: a new easy handle with default options, or NULL.
///
/// # Safety
/// Always safe to call; the handle must be freed with `fetch_easy_cleanup`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_init() -> *mut c_void {
    guard(ptr::null_mut(), || new_handle(Options::default()))
}

/// A new registered handle with `opts`.
fn new_handle(opts: Options) -> *mut c_void {
    let h = Box::into_raw(FetchEasy::new(opts));
    registry::insert(h, Kind::Easy);
    h.cast()
}

/// `fetch_easy_cleanup`: frees an easy handle, removing it from its multi
/// first. NULL, freed and foreign pointers are ignored.
///
/// docs/decisions.md 25: from inside a callback the handle may still be in use by the
/// running library call (its multi is being driven, it is being added or
/// removed, or it is inside its own `fetch_easy_perform`). It is then
/// retired at once (every entry point refuses it from now on, its transfer
/// calls no more application callbacks, no DONE message and no
/// `fetch_multi_get_handles` entry appear for it) and freed as soon as the
/// library is done with it: when the running multi call or
/// `fetch_easy_perform` returns (the latter then returns
/// FETCHE_ABORTED_BY_CALLBACK).
///
/// # Safety
/// `h` must be NULL or a pointer (freed or not; see `ABI.md` on address
/// reuse); after this call it must not be used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_cleanup(h: *mut c_void) {
    guard((), || {
        // SAFETY: the registry is checked before anything behind `h` is read.
        let Some(e) = (unsafe { easy_ref(h) }) else {
            return;
        };
        registry::remove(h, Kind::Easy);
        e.retired = true;
        e.hooks.detach();
        match e.state {
            // SAFETY: an added handle's multi is live (its cleanup detaches
            // every handle first).
            State::Added { multi, .. } if e.pins == 0 && !unsafe { is_busy(multi) } => {
                e.pins += 1;
                // SAFETY: as above; `e` is not used across this call, which
                // may run callbacks (they see the handle as freed).
                unsafe { detach_easy(multi, h) };
                // SAFETY: pinned above, so still ours; this frees it.
                unsafe { unpin(h) };
            }
            // The multi is being driven: it takes the transfer out of the
            // engine and frees the handle when the running call is done.
            // SAFETY: as above; `e` is not used after this.
            State::Added { multi, id } => unsafe { retire_added(multi, id, h) },
            // SAFETY: `multi` is inside `fetch_multi_add_handle` with this
            // handle; only its add-in-progress slot is cleared.
            State::Adding { multi } => unsafe { stop_adding(multi, h) },
            // SAFETY: registered until just now; `e` is not used after this.
            State::Idle => drop(unsafe { release(h) }),
            // Freed when the perform returns.
            State::Performing => {}
        }
    })
}

/// `fetch_easy_reset`: restores every option to its default. Information
/// from the last transfer is cleared too.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_reset(h: *mut c_void) {
    guard((), || {
        // SAFETY: as documented above.
        if let Some(e) = unsafe { easy_ref(h) } {
            e.opts = Options::default();
            // Rebuilt at the next add; with no engine transfer held, the
            // information reads as zeros. (An added handle's transfer goes
            // on with the options it started with, as before.)
            e.core = None;
            e.dirty = dirty::ALL;
            e.snapshot = None;
            e.last_result = FETCHE_OK;
        }
    })
}

/// `fetch_easy_duphandle`: a new handle with the same options (not added
/// anywhere), or NULL for an invalid handle.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_duphandle(h: *mut c_void) -> *mut c_void {
    guard(ptr::null_mut(), || {
        // SAFETY: as documented above.
        match unsafe { easy_ref(h) } {
            Some(e) => new_handle(e.opts.clone()),
            None => ptr::null_mut(),
        }
    })
}

fn easy_setopt(h: *mut c_void, option: FETCHoption, value: Value) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        // SAFETY: the exported wrappers require `h` to be NULL or a handle.
        match unsafe { easy_ref(h) } {
            Some(e) => e.setopt(option, value),
            None => FETCHE_BAD_FUNCTION_ARGUMENT,
        }
    })
}

/// `fetch_easy_setopt` for `long` (and other integer) arguments. Also
/// accepts OFF_T options, and 0 as NULL for pointer options.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_setopt_long(
    h: *mut c_void,
    option: FETCHoption,
    value: c_long,
) -> FETCHcode {
    easy_setopt(h, option, Value::Int(i64::from(value)))
}

/// `fetch_easy_setopt` for `fetch_off_t` arguments (LONG options too).
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_setopt_off_t(
    h: *mut c_void,
    option: FETCHoption,
    value: fetch_off_t,
) -> FETCHcode {
    easy_setopt(h, option, Value::Int(value))
}

/// `fetch_easy_setopt` for object pointers (and function pointers passed
/// as data pointers, which is what the `_Generic` macro does).
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library; `value` must
/// be what the option documents (a C string, a callback, user data...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_setopt_ptr(
    h: *mut c_void,
    option: FETCHoption,
    value: *const c_void,
) -> FETCHcode {
    easy_setopt(h, option, Value::Ptr(value))
}

/// `fetch_easy_setopt` for function pointers cast to `fetch_func`.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library; `value` must
/// be a callback of the type the option documents.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_setopt_func(
    h: *mut c_void,
    option: FETCHoption,
    value: fetch_func,
) -> FETCHcode {
    let p = value.map_or(ptr::null(), |f| f as *const c_void);
    easy_setopt(h, option, Value::Func(p))
}

/// `fetch_easy_getinfo`: the `_Generic`-free entry point; the info id's
/// type base says what `out` points to.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library; `out` must be
/// NULL or point to a variable of the type the info id documents.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_getinfo_ptr(
    h: *mut c_void,
    info: FETCHINFO,
    out: *mut c_void,
) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        if out.is_null() {
            return FETCHE_BAD_FUNCTION_ARGUMENT;
        }
        // SAFETY: as documented above.
        match unsafe { easy_ref(h) } {
            Some(e) => e.getinfo(info, out),
            None => FETCHE_BAD_FUNCTION_ARGUMENT,
        }
    })
}

/// `fetch_easy_pause`: pauses or resumes a transfer's directions
/// (FETCHPAUSE_RECV 1, FETCHPAUSE_SEND 4, FETCHPAUSE_ALL, FETCHPAUSE_CONT;
/// other bits are ignored). Data held back while receiving was paused is
/// delivered first on resume.
///
/// CB-06: callable from every callback but the socket callback. Inside a
/// callback of the transfer's multi (or of its own `fetch_easy_perform`) the
/// request is recorded and applied right after the running call returns
/// (see `PauseRequest`); outside callbacks it acts at once, and the socket and
/// timer callbacks may fire from inside this call (a paused transfer's
/// socket is REMOVEd when nothing is left to watch). A handle that is not in
/// a transfer gives FETCHE_BAD_FUNCTION_ARGUMENT (upstream: no connection).
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_pause(h: *mut c_void, bitmask: c_int) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        // SAFETY: as documented above; the reference is not used after the
        // state and request are copied out, so callbacks run below may
        // reach the handle again.
        let (state, pause) = match unsafe { easy_ref(h) } {
            Some(e) => (e.state, e.pause.clone()),
            None => return FETCHE_BAD_FUNCTION_ARGUMENT,
        };
        match state {
            State::Idle => FETCHE_BAD_FUNCTION_ARGUMENT,
            // Applied by the add once the transfer has an id.
            State::Adding { .. } | State::Performing => {
                pause.set(bitmask);
                FETCHE_OK
            }
            // SAFETY: an added handle's multi is live (see refresh_info).
            State::Added { multi, id } => unsafe { pause_transfer(multi, id, &pause, bitmask) },
        }
    })
}

/// `fetch_easy_strerror`: a static text for any code (never NULL).
///
/// # Safety
/// Always safe to call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_strerror(code: FETCHcode) -> *const c_char {
    guard(ptr::null(), || cstr_ptr(easy_strerror(code)))
}

/// `fetch_easy_perform`: runs the transfer to completion on a private
/// multi (kept in the handle for connection reuse). A handle added to a
/// multi gives FETCHE_FAILED_INIT (HM-04); one already inside its own
/// perform gives FETCHE_RECURSIVE_API_CALL (CB-05). A handle cleaned up
/// from one of its callbacks (docs/decisions.md 25) ends the transfer, is freed here, and
/// gives FETCHE_ABORTED_BY_CALLBACK.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_perform(h: *mut c_void) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        // SAFETY: checked against the registry; the reference is dropped
        // before any callback can run.
        let (easy, multi, pause, hooks) = match unsafe { easy_ref(h) } {
            None => return FETCHE_BAD_FUNCTION_ARGUMENT,
            Some(e) => match e.state {
                State::Added { .. } | State::Adding { .. } => return FETCHE_FAILED_INIT,
                State::Performing => return FETCHE_RECURSIVE_API_CALL,
                State::Idle => {
                    e.clear_error();
                    let Ok(multi) = e
                        .perform_multi
                        .take()
                        .map_or_else(|| Driver::new(Multi::new()), Ok)
                    else {
                        return FETCHE_FAILED_INIT;
                    };
                    e.state = State::Performing;
                    e.pins += 1;
                    let easy = e.prepare();
                    (easy, multi, e.pause.clone(), e.hooks.clone())
                }
            },
        };
        let mut multi = multi;
        let (easy, outcome) = run_to_completion(&mut multi, easy, &pause, &hooks);
        // SAFETY: pinned above, so still ours even if a callback retired it.
        let e = unsafe { easy_mut(h) };
        e.state = State::Idle;
        e.perform_multi = Some(multi);
        if let Some(easy) = easy {
            e.restore(easy);
        }
        let finished = outcome.is_ok();
        let code = match outcome {
            _ if e.retired => FETCHE_ABORTED_BY_CALLBACK,
            Ok(Ok(())) => FETCHE_OK,
            Ok(Err(err)) => {
                e.set_error(err.detail());
                easy_code(err.code())
            }
            Err(code) => code,
        };
        if finished {
            e.last_result = code;
        }
        // SAFETY: pinned above; frees the handle if it was retired.
        unsafe { unpin(h) };
        code
    })
}

/// The engine transfer back (when the engine still had it) and how the
/// transfer ended.
type Outcome = (
    Option<Easy>,
    Result<Result<(), fetch_core::Error>, FETCHcode>,
);

/// Runs one transfer on a private driver. Pauses requested from its
/// callbacks (`pause`) are applied after each step (CB-06).
fn run_to_completion(
    driver: &mut Driver,
    easy: Easy,
    pause: &PauseRequest,
    hooks: &Hooks,
) -> Outcome {
    let id = match driver.multi_mut().add(easy) {
        Ok(id) => id,
        Err(e) => return (Some(*e.easy), Err(FETCHE_FAILED_INIT)),
    };
    let mut result = None;
    let mut step = driver
        .multi_mut()
        .socket_action(Target::Timeout, Events::NONE);
    loop {
        if step.is_err() {
            break;
        }
        // Bounded: each resume may deliver held data to a callback that
        // pauses again; what is left waits for the next step.
        if hooks.is_detached() {
            // Cleaned up from a callback (docs/decisions.md 25): stop here.
            let easy = driver.multi_mut().remove(id).ok();
            return (easy, Err(FETCHE_ABORTED_BY_CALLBACK));
        }
        for _ in 0..8 {
            match pause.take() {
                Some(p) => {
                    let _ = driver.multi_mut().pause(id, p);
                }
                None => break,
            }
        }
        while let Some((msg, _)) = driver.multi_mut().info_read() {
            if msg.transfer == id {
                result = Some(msg.result);
            }
        }
        if result.is_some() {
            break;
        }
        if driver.poll(&mut [], Duration::from_secs(1)).is_err() {
            let easy = driver.multi_mut().remove(id).ok();
            return (easy, Err(FETCHE_UNRECOVERABLE_POLL));
        }
        step = driver.perform();
    }
    let easy = driver.multi_mut().remove(id);
    let result = match easy {
        Ok(_) => result.ok_or(FETCHE_FAILED_INIT),
        Err(_) => Err(FETCHE_FAILED_INIT),
    };
    (easy.ok(), result)
}

/// `fetch_slist_append`: appends a copy of `s` to `list` (NULL starts a
/// new list) and returns the list head, or NULL on failure (the old list
/// is then untouched).
///
/// # Safety
/// `list` must be NULL or a list from this function; `s` a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_slist_append(
    list: *mut fetch_slist,
    s: *const c_char,
) -> *mut fetch_slist {
    guard(ptr::null_mut(), || {
        if s.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: `s` is a NUL-terminated string (checked non-NULL).
        let data = unsafe { libc::strdup(s) };
        if data.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: malloc of the node size; checked below.
        let node = unsafe { libc::malloc(size_of::<fetch_slist>()) }.cast::<fetch_slist>();
        if node.is_null() {
            // SAFETY: `data` came from strdup.
            unsafe { libc::free(data.cast()) };
            return ptr::null_mut();
        }
        // SAFETY: `node` is a fresh allocation of the right size and
        // alignment (malloc's alignment suffices for two pointers).
        unsafe {
            node.write(fetch_slist {
                data,
                next: ptr::null_mut(),
            })
        };
        if list.is_null() {
            return node;
        }
        let mut last = list;
        // SAFETY: `list` is a well-formed list from this function.
        unsafe {
            while !(*last).next.is_null() {
                last = (*last).next;
            }
            (*last).next = node;
        }
        list
    })
}

/// `fetch_slist_free_all`: frees every node and string of a list.
///
/// # Safety
/// `list` must be NULL or a list from `fetch_slist_append`, not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_slist_free_all(list: *mut fetch_slist) {
    guard((), || {
        let mut node = list;
        while !node.is_null() {
            // SAFETY: nodes and strings were malloc'd by fetch_slist_append.
            unsafe {
                let next = (*node).next;
                libc::free((*node).data.cast());
                libc::free(node.cast());
                node = next;
            }
        }
    })
}
