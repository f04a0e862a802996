//! The header API: `fetch_easy_header` and `fetch_easy_nextheader` over
//! the engine's [`HeaderLog`] (the received header lines, per request).
//! Usable from inside the transfer's callbacks (the lines received so far)
//! and after it, until the handle starts another transfer or is cleaned
//! up (a reset keeps them, as upstream's does). The `struct fetch_header` handed out and the strings it
//! points to live in the handle and stay valid until the next header API
//! call on it, as upstream documents.

use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
use std::ptr;
use std::sync::{Mutex, PoisonError};

use fetch_core::HeaderLog;
use fetch_core::headers::Found;

use super::{FetchEasy, easy_ref};
use crate::codes::*;
use crate::guard;

/// `struct fetch_header`.
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct fetch_header {
    /// The name as received.
    pub name: *mut c_char,
    /// The value, trimmed, continuation lines joined.
    pub value: *mut c_char,
    /// How many headers of this name the request has (in the origins asked).
    pub amount: usize,
    /// This one's index among them.
    pub index: usize,
    /// Its FETCHH_* bit, with bit 27 set as upstream sets it.
    pub origin: c_uint,
    /// Where it is in the log (for `fetch_easy_nextheader`).
    pub anchor: *mut c_void,
}

/// Upstream marks every origin it hands out with this bit, which no query
/// may ask for (so a returned origin cannot be passed back as input).
const ORIGIN_MARK: c_uint = 1 << 27;

/// A handle's header log and the answer it last handed out.
#[derive(Debug, Default)]
pub(crate) struct HeaderApi {
    /// Shared with the engine transfer, which appends to it.
    pub(crate) log: std::sync::Arc<Mutex<HeaderLog>>,
    /// Out of line: most handles never use the header API (issue 13).
    answer: Option<Box<Answer>>,
}

/// The `struct fetch_header` last handed out and the text it points to.
#[derive(Debug)]
struct Answer {
    out: fetch_header,
    /// `name\0value\0` of `out`.
    text: Vec<u8>,
}

impl HeaderApi {
    /// Copies `found` into the handle's answer and returns it.
    fn hand_out(&mut self, found: &Found<'_>) -> *mut fetch_header {
        let a = self.answer.get_or_insert_with(|| {
            Box::new(Answer {
                out: fetch_header {
                    name: ptr::null_mut(),
                    value: ptr::null_mut(),
                    amount: 0,
                    index: 0,
                    origin: 0,
                    anchor: ptr::null_mut(),
                },
                text: Vec::new(),
            })
        });
        a.text.clear();
        a.text.extend_from_slice(found.name);
        a.text.push(0);
        let value_at = a.text.len();
        a.text.extend_from_slice(&found.value);
        a.text.push(0);
        let base = a.text.as_mut_ptr();
        a.out = fetch_header {
            name: base.cast(),
            // SAFETY: `value_at` is within `text`.
            value: unsafe { base.add(value_at) }.cast(),
            amount: found.amount,
            index: found.index,
            origin: found.origin | ORIGIN_MARK,
            // The anchor is the header's offset in the log plus one (so the
            // first header's is not NULL), as an address-sized number.
            anchor: ptr::without_provenance_mut(found.anchor + 1),
        };
        &mut a.out
    }
}

impl FetchEasy {
    fn header(
        &mut self,
        name: &[u8],
        index: usize,
        origin: c_uint,
        request: c_int,
    ) -> Result<*mut fetch_header, c_int> {
        let api = &mut self.header_api;
        let log = api.log.clone();
        let log = log.lock().unwrap_or_else(PoisonError::into_inner);
        match log.header(name, index, origin, request) {
            Ok(found) => Ok(api.hand_out(&found)),
            Err(e) => Err(e as c_int),
        }
    }

    fn next_header(
        &mut self,
        origin: c_uint,
        request: c_int,
        prev: Option<usize>,
    ) -> *mut fetch_header {
        let api = &mut self.header_api;
        let log = api.log.clone();
        let log = log.lock().unwrap_or_else(PoisonError::into_inner);
        log.next(origin, request, prev)
            .map_or(ptr::null_mut(), |found| api.hand_out(&found))
    }
}

/// `fetch_easy_header`: the `index`th header called `name` (ASCII case
/// ignored) of request `request` (-1: the last one; 0 the first of a
/// redirect chain) among those whose FETCHH_* origin is in `origin`.
/// FETCHHE_OK with `*hout` set, or FETCHHE_BADINDEX, _MISSING,
/// _NOHEADERS, _NOREQUEST, _BAD_ARGUMENT.
///
/// # Safety
/// `easy` may be anything (it is looked up); `name` must be NULL or a C
/// string; `hout` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_header(
    easy: *mut c_void,
    name: *const c_char,
    index: usize,
    origin: c_uint,
    request: c_int,
    hout: *mut *mut fetch_header,
) -> c_int {
    guard(FETCHHE_BAD_ARGUMENT, || {
        if name.is_null() || hout.is_null() {
            return FETCHHE_BAD_ARGUMENT;
        }
        // SAFETY: looked up in the registry; the engine holds no reference
        // into the handle while it calls the application.
        let Some(e) = (unsafe { easy_ref(easy) }) else {
            return FETCHHE_BAD_ARGUMENT;
        };
        // SAFETY: `name` is a C string (checked non-NULL).
        let name = unsafe { CStr::from_ptr(name) }.to_bytes();
        match e.header(name, index, origin, request) {
            Ok(h) => {
                // SAFETY: `hout` is writable (checked non-NULL).
                unsafe { *hout = h };
                FETCHHE_OK
            }
            Err(code) => code,
        }
    })
}

/// `fetch_easy_nextheader`: the header after `prev` (NULL: the first)
/// among those of request `request` (-1: the last one) whose origin is in
/// `origin`, in the order received; NULL at the end or on a bad argument.
///
/// # Safety
/// `easy` may be anything (it is looked up); `prev` must be NULL or the
/// last answer of the header API on this handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_nextheader(
    easy: *mut c_void,
    origin: c_uint,
    request: c_int,
    prev: *mut fetch_header,
) -> *mut fetch_header {
    guard(ptr::null_mut(), || {
        // SAFETY: looked up in the registry; see fetch_easy_header.
        let Some(e) = (unsafe { easy_ref(easy) }) else {
            return ptr::null_mut();
        };
        let prev = if prev.is_null() {
            None
        } else {
            // SAFETY: the caller passes a header this API handed out (it
            // lives in the handle); only its anchor number is read.
            let anchor = unsafe { (*prev).anchor }.addr();
            match anchor.checked_sub(1) {
                Some(pos) => Some(pos),
                None => return ptr::null_mut(),
            }
        };
        e.next_header(origin, request, prev)
    })
}
