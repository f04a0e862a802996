//! The option directory: `fetch_easy_option_by_name`, `_by_id` and
//! `_next` over every option name the tables know (handled, refused and
//! aliases), sorted by name as upstream's is.

use std::ffi::{CStr, CString, c_char, c_int, c_uint};
use std::ptr;
use std::sync::OnceLock;

use super::options::EASY_OPTIONS;
use super::refused::{OPTION_ALIASES, REFUSED_OPTIONS};
use crate::codes::*;
use crate::guard;

/// `struct fetch_easyoption`.
#[repr(C)]
#[derive(Debug)]
pub struct fetch_easyoption {
    /// The name without its `FETCHOPT_` prefix.
    pub name: *const c_char,
    /// The option number.
    pub id: FETCHoption,
    /// FETCHOT_*.
    pub r#type: c_int,
    /// FETCHOT_FLAG_ALIAS for an older name.
    pub flags: c_uint,
}

/// The entries, ending with an all-zero one, and the names they point to.
struct Directory {
    entries: Vec<fetch_easyoption>,
    _names: Vec<CString>,
}

// SAFETY: built once and never written again; the name pointers point
// into `_names`, which lives as long as the entries.
unsafe impl Sync for Directory {}
// SAFETY: as above.
unsafe impl Send for Directory {}

fn directory() -> &'static Directory {
    static DIR: OnceLock<Directory> = OnceLock::new();
    DIR.get_or_init(|| {
        let ot = |id: FETCHoption| {
            EASY_OPTIONS
                .iter()
                .find(|o| o.number == id)
                .map(|o| o.ot)
                .or_else(|| {
                    REFUSED_OPTIONS
                        .iter()
                        .find(|o| o.number == id)
                        .map(|o| o.ot)
                })
                .unwrap_or(FETCHOT_OBJECT)
        };
        let mut rows: Vec<(&str, FETCHoption, c_int, c_uint)> = EASY_OPTIONS
            .iter()
            .map(|o| (o.name, o.number, o.ot, 0))
            .chain(REFUSED_OPTIONS.iter().map(|o| (o.name, o.number, o.ot, 0)))
            .chain(
                OPTION_ALIASES
                    .iter()
                    .map(|&(name, id)| (name, id, ot(id), FETCHOT_FLAG_ALIAS)),
            )
            .collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        let names: Vec<CString> = rows
            .iter()
            .map(|r| CString::new(r.0.trim_start_matches("FETCHOPT_")).unwrap_or_default())
            .collect();
        let mut entries: Vec<fetch_easyoption> = rows
            .iter()
            .zip(&names)
            .map(|(r, n)| fetch_easyoption {
                name: n.as_ptr(),
                id: r.1,
                r#type: r.2,
                flags: r.3,
            })
            .collect();
        entries.push(fetch_easyoption {
            name: ptr::null(),
            id: 0,
            r#type: 0,
            flags: 0,
        });
        Directory {
            entries,
            _names: names,
        }
    })
}

/// The named options (the terminator left out).
fn named() -> &'static [fetch_easyoption] {
    let e = &directory().entries;
    &e[..e.len() - 1]
}

/// `fetch_easy_option_by_name`: the entry for `name` (without the
/// `FETCHOPT_` prefix, any case), aliases included; NULL when unknown.
///
/// # Safety
/// `name` must be NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_option_by_name(name: *const c_char) -> *const fetch_easyoption {
    guard(ptr::null(), || {
        if name.is_null() {
            return ptr::null();
        }
        // SAFETY: `name` is a C string (checked non-NULL).
        let want = unsafe { CStr::from_ptr(name) }.to_bytes();
        named()
            .iter()
            .find(|e| {
                // SAFETY: every named entry's name is a C string of the
                // directory.
                unsafe { CStr::from_ptr(e.name) }
                    .to_bytes()
                    .eq_ignore_ascii_case(want)
            })
            .map_or(ptr::null(), ptr::from_ref)
    })
}

/// `fetch_easy_option_by_id`: the entry for option number `id` under its
/// current name (not an alias); NULL when unknown.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_option_by_id(id: FETCHoption) -> *const fetch_easyoption {
    guard(ptr::null(), || {
        named()
            .iter()
            .find(|e| e.id == id && e.flags & FETCHOT_FLAG_ALIAS == 0)
            .map_or(ptr::null(), ptr::from_ref)
    })
}

/// `fetch_easy_option_next`: the entry after `prev` (the first for NULL),
/// NULL after the last or for a pointer not into the directory.
///
/// # Safety
/// `prev` must be NULL or an entry returned by these functions.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_option_next(
    prev: *const fetch_easyoption,
) -> *const fetch_easyoption {
    guard(ptr::null(), || {
        let all = named();
        let next = if prev.is_null() {
            0
        } else {
            match all.iter().position(|e| ptr::eq(e, prev)) {
                Some(i) => i + 1,
                None => return ptr::null(),
            }
        };
        all.get(next).map_or(ptr::null(), ptr::from_ref)
    })
}
