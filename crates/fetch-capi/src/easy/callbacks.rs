//! The bridge to the application's transfer callbacks: the C callback
//! types, [`Hooks`] (the callbacks as the engine closures read them), the
//! closures themselves (`FetchEasy::fresh`) and the calls into C with
//! upstream's arguments and return-value meanings.

use std::ffi::{c_char, c_double, c_int, c_void};
use std::io::SeekFrom;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use fetch_core::{Easy, Flow, InfoType, Progress, ReadResult, SeekResult, SharedIo};

use super::{FetchEasy, Options, PauseRequest};
use crate::codes::*;

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
/// `fetch_debug_callback` (FETCHOPT_DEBUGFUNCTION).
pub type fetch_debug_callback =
    unsafe extern "C" fn(*mut c_void, fetch_infotype, *mut c_char, usize, *mut c_void) -> c_int;
/// `fetch_func`: the generic function pointer of `fetch_easy_setopt_func`.
pub type fetch_func = Option<unsafe extern "C" fn()>;

/// The C callbacks and their data pointers as the engine closures of a
/// transfer call them, shared with those closures.
///
/// The engine transfer of a handle calls the write and seek callbacks
/// through this very object (`SharedIo`), and the header and progress
/// closures (boxed when the engine transfer is built) read theirs from
/// here on every call, so changing a callback or its data needs no new
/// closure. The values are published
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
    debug_fn: AtomicPtr<c_void>,
    debug_data: AtomicPtr<c_void>,
    stderr: AtomicPtr<c_void>,
    /// The `FETCH *` the debug callback is given.
    handle: AtomicPtr<c_void>,
    /// Set by `fetch_easy_cleanup` while the library still holds the
    /// transfer: the closures then end it without calling the application.
    detached: AtomicBool,
    /// HEADERFUNCTION or HEADERDATA is set: header lines go there.
    header_wanted: AtomicBool,
    /// FETCHOPT_HEADER: header lines also go to the write function.
    include_header: AtomicBool,
    /// `fetch_easy_pause` requests waiting for the engine (CB-06). Here,
    /// not in an `Arc` of its own: the closures read both, and a handle
    /// per transfer then costs one allocation less (issue 13).
    pub(crate) pause: PauseRequest,
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
    pub(super) fn detach(&self) {
        self.detached.store(true, Ordering::Relaxed);
    }

    pub(super) fn is_detached(&self) -> bool {
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

    pub(super) fn read(&self) -> (Option<fetch_read_callback>, *mut c_void) {
        // SAFETY: `read_fn` only holds NULL or a `fetch_read_callback`.
        let f = unsafe { callback(Self::load(&self.read_fn)) };
        (f, Self::load(&self.read_data))
    }

    fn seek(&self) -> (Option<fetch_seek_callback>, *mut c_void) {
        // SAFETY: `seek_fn` only holds NULL or a `fetch_seek_callback`.
        let f = unsafe { callback(Self::load(&self.seek_fn)) };
        (f, Self::load(&self.seek_data))
    }

    /// The debug callback, its data and handle, and the FILE* for the
    /// default output.
    fn debug(
        &self,
    ) -> (
        Option<fetch_debug_callback>,
        *mut c_void,
        *mut c_void,
        *mut c_void,
    ) {
        // SAFETY: `debug_fn` only holds NULL or a `fetch_debug_callback`.
        let f = unsafe { callback(Self::load(&self.debug_fn)) };
        (
            f,
            Self::load(&self.debug_data),
            Self::load(&self.handle),
            Self::load(&self.stderr),
        )
    }

    /// The handle the closures speak for (it may move between boxes only
    /// through duphandle, which builds new hooks).
    pub(super) fn set_handle(&self, h: *mut c_void) {
        self.handle.store(h, Ordering::Relaxed);
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
    pub(super) fn publish(&self, o: &Options) {
        let set = |a: &AtomicPtr<c_void>, p: *mut c_void| a.store(p, Ordering::Relaxed);
        set(&self.write_fn, fn_ptr(o.write_fn));
        set(&self.write_data, o.write_data);
        // Upstream: HEADERDATA without HEADERFUNCTION sends headers through
        // the write function.
        let hf = o.header_fn.or(o.write_fn);
        set(&self.header_fn, fn_ptr(hf));
        set(&self.header_data, o.header_data);
        self.header_wanted.store(
            o.header_fn.is_some() || !o.header_data.is_null(),
            Ordering::Relaxed,
        );
        self.include_header
            .store(o.include_header, Ordering::Relaxed);
        set(&self.read_fn, fn_ptr(o.read_fn));
        set(&self.read_data, o.read_data);
        set(&self.xferinfo_fn, fn_ptr(o.xferinfo_fn));
        set(&self.progress_fn, fn_ptr(o.progress_fn));
        set(&self.progress_data, o.progress_data);
        set(&self.seek_fn, fn_ptr(o.seek_fn));
        set(&self.seek_data, o.seek_data);
        set(&self.debug_fn, fn_ptr(o.debug_fn));
        set(&self.debug_data, o.debug_data);
        set(&self.stderr, o.stderr);
    }
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
    #[cfg_attr(
        any(target_os = "macos", target_os = "ios", target_os = "freebsd"),
        link_name = "__stderrp"
    )]
    static stderr: *mut libc::FILE;
}

/// The engine's debug closure: FETCHOPT_DEBUGFUNCTION when set, otherwise
/// upstream's verbose output to FETCHOPT_STDERR (`* ` text, `> ` request
/// head lines, `< ` response header lines; body bytes are not written).
/// Installed only while FETCHOPT_VERBOSE is on.
pub(super) fn debug_closure(hooks: Arc<Hooks>) -> impl FnMut(InfoType, &[u8]) + Send + 'static {
    move |kind, bytes| {
        if hooks.is_detached() {
            return;
        }
        match hooks.debug() {
            (Some(f), data, handle, _) => {
                let kind = fetch_infotype::try_from(kind.as_raw()).unwrap_or(FETCHINFO_TEXT);
                // SAFETY: the application's debug callback with upstream's
                // arguments; the buffer is valid for `bytes.len()` bytes for
                // the call (non-const upstream too; it must not be written).
                // Its return value is ignored, as upstream does.
                let _ = unsafe {
                    f(
                        handle,
                        kind,
                        bytes.as_ptr().cast_mut().cast(),
                        bytes.len(),
                        data,
                    )
                };
            }
            (None, _, _, file) => {
                let prefix: &[u8] = match kind {
                    InfoType::Text => b"* ",
                    InfoType::HeaderOut => b"> ",
                    InfoType::HeaderIn => b"< ",
                    _ => return,
                };
                let file = if file.is_null() {
                    // SAFETY: reading the C library's `stderr` pointer.
                    unsafe { stderr }
                } else {
                    file.cast()
                };
                for line in bytes.split_inclusive(|&b| b == b'\n') {
                    // SAFETY: FETCHOPT_STDERR is a FILE* open for writing
                    // (the application's contract), or the C library's
                    // stderr; both buffers are valid for their lengths.
                    unsafe {
                        libc::fwrite(prefix.as_ptr().cast(), 1, prefix.len(), file);
                        libc::fwrite(line.as_ptr().cast(), 1, line.len(), file);
                    }
                }
            }
        }
    }
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

pub(super) fn call_read(
    f: Option<fetch_read_callback>,
    data: *mut c_void,
    buf: &mut [u8],
) -> usize {
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

pub(super) fn read_result(n: usize, len: usize) -> ReadResult {
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

/// The write and seek callbacks of the handle's engine transfers.
impl SharedIo for Hooks {
    fn write(&self, buf: &[u8]) -> Flow {
        if self.is_detached() {
            // Cleaned up from inside a callback: end the transfer without
            // calling the application (docs/decisions.md 25).
            Flow::Abort
        } else if self.pause.blocks(FETCHPAUSE_RECV) {
            // Paused from inside an earlier callback of this call: the
            // engine keeps the data for the resume.
            Flow::Pause
        } else if buf.is_empty() {
            Flow::Continue
        } else {
            let (f, data) = Self::write(self);
            write_flow(call_write(f, data, buf), buf.len())
        }
    }

    fn seek(&self, to: SeekFrom) -> SeekResult {
        let SeekFrom::Start(offset) = to else {
            return SeekResult::CantSeek;
        };
        match Self::seek(self) {
            _ if self.is_detached() => SeekResult::Fail,
            (Some(f), data) => call_seek(f, data, offset),
            (None, _) => SeekResult::CantSeek,
        }
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

impl FetchEasy {
    /// A new engine transfer with the closures (the rest of the options is
    /// applied by `prepare`).
    pub(super) fn fresh(&mut self, want_header: bool, want_progress: bool) -> Easy {
        let mut e = Easy::new();
        e.live_info(Some(self.live.clone()));
        e.header_log(Some(self.header_api.log.clone()));
        // The write and seek callbacks are `Hooks`' own (`SharedIo`): the
        // engine transfer holds one more reference to them, where two
        // closures were two heap blocks per handle (issue 13, workload L8).
        e.shared_io(Some(self.hooks.clone()));
        if want_header {
            let hooks = self.hooks.clone();
            e.header_function(move |line| {
                // Header lines are not kept for redelivery, so the callback
                // always gets them; a pending receive pause stops the
                // transfer before the body.
                if hooks.is_detached() {
                    return Flow::Abort;
                }
                let mut flow = Flow::Continue;
                if hooks.header_wanted.load(Ordering::Relaxed) {
                    let (f, data) = hooks.header();
                    flow = write_flow(call_write(f, data, line), line.len());
                }
                if matches!(flow, Flow::Continue) && hooks.include_header.load(Ordering::Relaxed) {
                    // FETCHOPT_HEADER: the head is part of what is written.
                    let (f, data) = hooks.write();
                    flow = write_flow(call_write(f, data, line), line.len());
                }
                match flow {
                    Flow::Continue if hooks.pause.blocks(FETCHPAUSE_RECV) => Flow::Pause,
                    flow => flow,
                }
            });
        }
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
        self.has_debug = false;
        e
    }
}
