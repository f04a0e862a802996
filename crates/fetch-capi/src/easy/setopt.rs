//! `fetch_easy_setopt`'s entry points: the typed forms the header's macro
//! picks, each finding the option in the table and applying it.

use std::ffi::{c_long, c_void};
use std::ptr;
use std::sync::LazyLock;

use super::callbacks::fetch_func;
use super::options::*;
use super::refused::REFUSED_OPTIONS;
use super::{FetchEasy, easy_ref};
use crate::codes::*;
use crate::guard;

/// The table entry for `option`.
///
/// Through [`OPTION_INDEX`], not a scan of the table: a scan cost each
/// setopt about 230 instructions, five of them per fresh handle of a
/// program that makes one per transfer (issue 13).
#[inline]
pub(crate) fn find_option(option: FETCHoption) -> Option<&'static EasyOpt> {
    let slot = OPTION_INDEX.get(option_index(option)?)?;
    slot.filter(|o| o.number == option)
}

/// An option number's index (its number without the type base): upstream
/// gives every option an index of its own, whatever its type, so the index
/// alone names at most one entry (the test `every_option_is_found_by_index`
/// holds the table to that).
fn option_index(option: FETCHoption) -> Option<usize> {
    usize::try_from(option.rem_euclid(10000)).ok()
}

/// The option table's entries by index ([`option_index`]).
static OPTION_INDEX: LazyLock<Vec<Option<&'static EasyOpt>>> = LazyLock::new(|| {
    let mut index = Vec::new();
    for &o in EASY_OPTIONS.iter() {
        let Some(i) = option_index(o.number) else {
            continue;
        };
        if index.len() <= i {
            index.resize(i + 1, None);
        }
        index[i] = Some(o);
    }
    index
});

impl FetchEasy {
    /// One `fetch_easy_setopt`: unknown options first, then the argument's
    /// type, then the option's own handler; on success the entry's dirty
    /// bits say what the next add re-applies. (Inline: its one caller,
    /// `easy_setopt`, is the frame every setopt entry point shares.)
    #[inline]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// No two options share an index, so the index finds every one, and
    /// an index with another type base finds none.
    #[test]
    fn every_option_is_found_by_index() {
        for o in EASY_OPTIONS.iter() {
            let found = find_option(o.number).map(|f| f.name);
            assert_eq!(found, Some(o.name), "{}", o.name);
            for other in [0, 10000, 20000, 30000, 40000] {
                let n = other + o.number.rem_euclid(10000);
                if n != o.number {
                    assert!(find_option(n).is_none(), "{} as {n}", o.name);
                }
            }
        }
        for n in [-1, -10000, i32::MIN, i32::MAX, 9999, 50000 + 2] {
            assert!(find_option(n).is_none(), "{n}");
        }
    }
}
