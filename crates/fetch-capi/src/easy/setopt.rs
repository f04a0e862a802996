//! `fetch_easy_setopt`'s entry points: the typed forms the header's macro
//! picks, each finding the option in the table and applying it.

use std::ffi::{c_long, c_void};
use std::ptr;

use super::callbacks::fetch_func;
use super::options::*;
use super::refused::REFUSED_OPTIONS;
use super::{FetchEasy, easy_ref};
use crate::codes::*;
use crate::guard;

/// The table entry for `option`.
pub(crate) fn find_option(option: FETCHoption) -> Option<&'static EasyOpt> {
    EASY_OPTIONS.iter().find(|o| o.number == option).copied()
}

impl FetchEasy {
    /// One `fetch_easy_setopt`: unknown options first, then the argument's
    /// type, then the option's own handler; on success the entry's dirty
    /// bits say what the next add re-applies.
    fn setopt(&mut self, option: FETCHoption, value: Value) -> FETCHcode {
        if option == FETCHOPT_SHARE {
            // Set here, not by the table's handler: it needs the handle.
            return Arg::check(FETCHOPTTYPE_OBJECTPOINT, value)
                .map_or_else(|c| c, |a| self.setopt_share(a.ptr_mut()));
        }
        let Some(opt) = find_option(option) else {
            return REFUSED_OPTIONS
                .iter()
                .find(|r| r.number == option)
                .map_or(FETCHE_UNKNOWN_OPTION, |r| r.code);
        };
        let result =
            Arg::check(option_type(option), value).and_then(|a| (opt.set)(&mut self.opts, a));
        match result {
            Ok(()) => {
                self.dirty |= opt.dirty;
                FETCHE_OK
            }
            Err(code) => code,
        }
    }
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
