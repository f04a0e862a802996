//! HTTP/2 server push: FETCHMOPT_PUSHFUNCTION / PUSHDATA and
//! `fetch_pushheader_bynum` / `_byname` (docs/decisions.md: "HTTP/2
//! server push").
//!
//! The engine's push handler (`Multi::set_push_handler`) is installed
//! while a PUSHFUNCTION is set. For each promise it duplicates the parent's
//! handle (`fetch_easy_duphandle` semantics) with the pushed URL, calls the
//! application with it and the promise's fields, and then:
//! FETCH_PUSH_OK adds the new handle to the multi (the engine adopts it on
//! the promised stream; it ends in `info_read` like any transfer and the
//! application removes and cleans it up); any other answer frees it, and
//! FETCH_PUSH_ERROROUT also fails the parent.
//!
//! The `struct fetch_pushheaders *` is only valid during the callback:
//! the accessors compare it with the one the running callback got (a
//! thread-local), so a pointer kept past the callback gives NULL without
//! being read.

use std::cell::Cell;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::ptr;

use fetch_core::{Multi, PushAction, PushPromise};

use super::FetchMulti;
use crate::SendPtr;
use crate::codes::*;
use crate::easy::{State, dup_for_push, easy_mut, fetch_easy_cleanup};
use crate::guard;
use crate::registry::{self, Kind};

/// `fetch_push_callback`.
pub type fetch_push_callback =
    unsafe extern "C" fn(*mut c_void, *mut c_void, usize, *mut c_void, *mut c_void) -> c_int;

/// The object behind `struct fetch_pushheaders *`: each field as a
/// `name:value` string, and where its value starts.
struct PushHeaders {
    lines: Vec<(CString, usize)>,
}

impl PushHeaders {
    fn new(p: &PushPromise<'_>) -> Self {
        let lines = (0..p.header_count())
            .filter_map(|i| p.header(i))
            .filter_map(|(name, value)| {
                let mut line = Vec::with_capacity(name.len() + value.len() + 1);
                line.extend_from_slice(name);
                line.push(b':');
                line.extend_from_slice(value);
                // HTTP/2 field values never hold NUL (checked on receipt).
                CString::new(line).ok().map(|c| (c, name.len() + 1))
            })
            .collect();
        Self { lines }
    }
}

thread_local! {
    /// The headers of the push callback running on this thread, or NULL.
    static CURRENT: Cell<*const PushHeaders> = const { Cell::new(ptr::null()) };
}

/// The running callback's headers if `h` is them.
fn current<'a>(h: *mut c_void) -> Option<&'a PushHeaders> {
    let cur = CURRENT.with(Cell::get);
    // SAFETY: CURRENT points at the `PushHeaders` on the stack of the
    // push-callback call below, and is reset before that frame ends.
    (!h.is_null() && ptr::eq(h.cast_const().cast(), cur)).then(|| unsafe { &*cur })
}

/// FETCHMOPT_PUSHFUNCTION: the engine asks `m` about each push while a
/// function is set, and refuses pushes in SETTINGS otherwise.
pub(super) fn set_push_fn(m: &FetchMulti, f: Option<fetch_push_callback>, engine: &mut Multi) {
    m.push_fn.set(f);
    if f.is_none() {
        engine.clear_push_handler();
        return;
    }
    let mp = SendPtr(ptr::from_ref(m).cast_mut());
    engine.set_push_handler(move |p| {
        // SAFETY: the wrapper owns the engine that owns this closure, so
        // it is alive whenever the engine calls it; only shared access.
        let m = unsafe { &*mp.get() };
        m.on_push(p)
    });
}

impl FetchMulti {
    fn on_push(&self, p: &PushPromise<'_>) -> PushAction {
        let (Some(cb), Some(parent)) = (self.push_fn.get(), self.lookup(p.parent())) else {
            return PushAction::Deny;
        };
        let Some(child) = dup_for_push(parent, p.url()) else {
            return PushAction::Deny;
        };
        let headers = PushHeaders::new(p);
        let hp: *const PushHeaders = &headers;
        let prev = CURRENT.with(|c| c.replace(hp));
        // SAFETY: the application's callback with the documented
        // arguments; `headers` outlives the call.
        let rc = unsafe {
            cb(
                parent,
                child,
                headers.lines.len(),
                hp.cast_mut().cast(),
                self.push_data.get(),
            )
        };
        CURRENT.with(|c| c.set(prev));
        // The callback may have cleaned the new handle up.
        let live = registry::is_live(child, Kind::Easy);
        if rc == FETCH_PUSH_OK && live {
            // SAFETY: live and not added anywhere (adding from inside the
            // callback is refused); no other reference to it exists now.
            let e = unsafe { easy_mut(child) };
            e.clear_error();
            let easy = e.prepare();
            let id = p.pushed_id();
            e.state = State::Added {
                multi: ptr::from_ref(self),
                id,
            };
            self.register(id, child);
            return PushAction::Accept(Box::new(easy));
        }
        if live {
            // SAFETY: a live idle handle of ours; freed here.
            unsafe { fetch_easy_cleanup(child) };
        }
        if rc == FETCH_PUSH_ERROROUT {
            PushAction::ErrorOut
        } else {
            PushAction::Deny
        }
    }
}

/// `fetch_pushheader_bynum`: field `num` of the push being offered as
/// `name:value`, or NULL (past the end, or outside the push callback).
///
/// # Safety
/// `h` may be anything; it is compared, not read, unless it is the
/// running callback's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_pushheader_bynum(h: *mut c_void, num: usize) -> *mut c_char {
    guard(ptr::null_mut(), || match current(h) {
        Some(ph) => ph
            .lines
            .get(num)
            .map_or(ptr::null_mut(), |(line, _)| line.as_ptr().cast_mut()),
        None => ptr::null_mut(),
    })
}

/// `fetch_pushheader_byname`: the value of the first field called `name`
/// (exact match; pseudo-headers such as `:path` included), or NULL. As
/// upstream, an empty name, `":"` and names with a `:` after the first
/// character give NULL.
///
/// # Safety
/// `h` as for `fetch_pushheader_bynum`; `name` NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_pushheader_byname(
    h: *mut c_void,
    name: *const c_char,
) -> *mut c_char {
    guard(ptr::null_mut(), || {
        let Some(ph) = current(h) else {
            return ptr::null_mut();
        };
        if name.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: a C string, per the contract.
        let name = unsafe { CStr::from_ptr(name) }.to_bytes();
        if name.is_empty() || name == b":" || name[1..].contains(&b':') {
            return ptr::null_mut();
        }
        ph.lines
            .iter()
            .find(|(line, at)| line.as_bytes().get(..at - 1) == Some(name))
            .map_or(ptr::null_mut(), |(line, at)| {
                // SAFETY: `at` is within the line (name, ':', value, NUL).
                unsafe { line.as_ptr().add(*at) }.cast_mut()
            })
    })
}
