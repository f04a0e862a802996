//! The share interface: `fetch_share_init`, `fetch_share_setopt` (the
//! header's inline dispatches to `fetch_share_setopt_long`/`_ptr`),
//! `fetch_share_cleanup` and FETCHOPT_SHARE on easy handles, over
//! [`fetch_core::Share`]. The application's lock and unlock callbacks are
//! the engine's [`ShareLock`] hooks; the engine calls them around every
//! access to shared data, this file around attaching and detaching
//! handles and around cleanup (FETCH_LOCK_DATA_SHARE), as upstream.

use std::ffi::{c_int, c_long, c_void};
use std::ptr;
use std::sync::Arc;

use fetch_core::{LockAccess, LockData, Share, ShareError, ShareLock};

use crate::codes::*;
use crate::guard;
use crate::registry::{self, Kind};

/// `fetch_lock_function`.
type LockFn = unsafe extern "C" fn(*mut c_void, c_int, c_int, *mut c_void);
/// `fetch_unlock_function`.
type UnlockFn = unsafe extern "C" fn(*mut c_void, c_int, *mut c_void);

/// A `FETCHSH *`.
pub(crate) struct FetchShare {
    share: Share,
    lock: Option<LockFn>,
    unlock: Option<UnlockFn>,
    user: *mut c_void,
}

/// The application's callbacks as engine hooks.
struct CHooks {
    lock: Option<LockFn>,
    unlock: Option<UnlockFn>,
    /// FETCHSHOPT_USERDATA, as an address (the application decides which
    /// threads may use it; upstream passes it the same way).
    user: usize,
}

impl ShareLock for CHooks {
    fn lock(&self, handle: usize, data: LockData, access: LockAccess) {
        if let Some(f) = self.lock {
            // SAFETY: the application's FETCHSHOPT_LOCKFUNC, called with
            // upstream's arguments.
            unsafe {
                f(
                    handle as *mut c_void,
                    data as c_int,
                    access as c_int,
                    self.user as _,
                )
            };
        }
    }

    fn unlock(&self, handle: usize, data: LockData) {
        if let Some(f) = self.unlock {
            // SAFETY: as above, FETCHSHOPT_UNLOCKFUNC.
            unsafe { f(handle as *mut c_void, data as c_int, self.user as _) };
        }
    }
}

impl FetchShare {
    /// Calls the lock callback for FETCH_LOCK_DATA_SHARE around `f`.
    fn share_locked<R>(&self, handle: *mut c_void, f: impl FnOnce() -> R) -> R {
        self.share.locked(handle as usize, LockData::Share, f)
    }

    /// Hands the callbacks to the engine.
    fn publish_hooks(&mut self) -> Result<(), ShareError> {
        let hooks: Option<Arc<dyn ShareLock>> = if self.lock.is_some() || self.unlock.is_some() {
            Some(Arc::new(CHooks {
                lock: self.lock,
                unlock: self.unlock,
                user: self.user as usize,
            }))
        } else {
            None
        };
        self.share.lock_hooks(hooks)
    }
}

/// The share behind `p`, if `p` is a live share handle.
///
/// # Safety
/// The caller has no other reference to the share.
unsafe fn share_ref<'a>(p: *mut c_void) -> Option<&'a mut FetchShare> {
    // SAFETY: a registered address is a live FetchShare (it leaves the
    // registry before its memory is released).
    registry::is_live(p, Kind::Share).then(|| unsafe { &mut *p.cast::<FetchShare>() })
}

fn code(r: Result<(), ShareError>) -> c_int {
    r.map_or_else(ShareError::code, |()| FETCHSHE_OK)
}

/// `fetch_share_init`: a share that shares nothing yet.
///
/// # Safety
/// Always safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_share_init() -> *mut c_void {
    guard(ptr::null_mut(), || {
        let h = Box::into_raw(Box::new(FetchShare {
            share: Share::new(),
            lock: None,
            unlock: None,
            user: ptr::null_mut(),
        }));
        registry::insert(h, Kind::Share);
        h.cast()
    })
}

/// `fetch_share_setopt` with an integer argument (FETCHSHOPT_SHARE and
/// UNSHARE take a `fetch_lock_data`).
///
/// # Safety
/// `share` may be anything: it is looked up before use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_share_setopt_long(
    share: *mut c_void,
    option: c_int,
    value: c_long,
) -> c_int {
    guard(FETCHSHE_BAD_OPTION, || {
        // SAFETY: looked up in the registry first.
        let Some(s) = (unsafe { share_ref(share) }) else {
            return FETCHSHE_INVALID;
        };
        if s.share.in_use() {
            return FETCHSHE_IN_USE;
        }
        let data = LockData::from_raw(value);
        match (option, data) {
            (FETCHSHOPT_SHARE | FETCHSHOPT_UNSHARE, None) => FETCHSHE_BAD_OPTION,
            (FETCHSHOPT_SHARE, Some(d)) => code(s.share.share(d)),
            (FETCHSHOPT_UNSHARE, Some(d)) => code(s.share.unshare(d)),
            // Pointer options given 0: NULL.
            (FETCHSHOPT_LOCKFUNC | FETCHSHOPT_UNLOCKFUNC | FETCHSHOPT_USERDATA, _)
                if value == 0 =>
            {
                // SAFETY: NULL is always a valid value for these.
                unsafe { fetch_share_setopt_ptr(share, option, ptr::null_mut()) }
            }
            _ => FETCHSHE_BAD_OPTION,
        }
    })
}

/// `fetch_share_setopt` with a pointer argument (FETCHSHOPT_LOCKFUNC,
/// UNLOCKFUNC: function pointers; USERDATA).
///
/// # Safety
/// `share` may be anything; a LOCKFUNC or UNLOCKFUNC value must be NULL or
/// a function of that type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_share_setopt_ptr(
    share: *mut c_void,
    option: c_int,
    value: *mut c_void,
) -> c_int {
    guard(FETCHSHE_BAD_OPTION, || {
        // SAFETY: looked up in the registry first.
        let Some(s) = (unsafe { share_ref(share) }) else {
            return FETCHSHE_INVALID;
        };
        if s.share.in_use() {
            return FETCHSHE_IN_USE;
        }
        match option {
            FETCHSHOPT_LOCKFUNC => {
                // SAFETY: the application passes a function of the
                // option's type, or NULL (None); both are pointer-sized.
                s.lock = unsafe { std::mem::transmute::<*mut c_void, Option<LockFn>>(value) }
            }
            FETCHSHOPT_UNLOCKFUNC => {
                // SAFETY: as above, for the unlock function's type.
                s.unlock = unsafe { std::mem::transmute::<*mut c_void, Option<UnlockFn>>(value) }
            }
            FETCHSHOPT_USERDATA => s.user = value,
            FETCHSHOPT_SHARE | FETCHSHOPT_UNSHARE => {
                // SAFETY: the integer route; a pointer-sized value is
                // what a `long` becomes through `_Generic` misuse.
                return unsafe { fetch_share_setopt_long(share, option, value as c_long) };
            }
            _ => return FETCHSHE_BAD_OPTION,
        }
        code(s.publish_hooks())
    })
}

/// `fetch_share_cleanup`: frees the share, or FETCHSHE_IN_USE while an
/// easy handle holds it (FETCHOPT_SHARE set and not cleared, handle not
/// cleaned up). The lock callback is called for FETCH_LOCK_DATA_SHARE
/// (with a NULL handle) around the check, as upstream.
///
/// # Safety
/// `share` may be anything: it is looked up before use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_share_cleanup(share: *mut c_void) -> c_int {
    guard(FETCHSHE_INVALID, || {
        // SAFETY: looked up in the registry first.
        let Some(s) = (unsafe { share_ref(share) }) else {
            return FETCHSHE_INVALID;
        };
        if s.share_locked(ptr::null_mut(), || s.share.in_use()) {
            return FETCHSHE_IN_USE;
        }
        registry::remove(share, Kind::Share);
        // SAFETY: registered by `fetch_share_init` from a Box and now
        // unregistered, so this is the only release.
        drop(unsafe { Box::from_raw(share.cast::<FetchShare>()) });
        FETCHSHE_OK
    })
}

/// FETCHOPT_SHARE on the easy handle `handle`: attaches `share` (NULL
/// detaches), with the SHARE lock held around it. With cookies shared, the
/// share's jar becomes the handle's (COOKIELIST, INFO_COOKIELIST and
/// COOKIEJAR then work on it, as upstream); detaching drops it. The same
/// for the HSTS cache (the HSTS files are read into and written from it).
pub(crate) fn set_easy_share(
    slot: &mut Option<Share>,
    jar: &mut Option<fetch_core::SharedCookieJar>,
    hsts: &mut Option<fetch_core::SharedHsts>,
    share: *mut c_void,
    handle: *mut c_void,
) -> Result<(), FETCHcode> {
    let new = if share.is_null() {
        None
    } else {
        // SAFETY: looked up in the registry first.
        let Some(s) = (unsafe { share_ref(share) }) else {
            return Err(FETCHE_BAD_FUNCTION_ARGUMENT);
        };
        Some(s.share_locked(handle, || s.share.clone()))
    };
    if let Some(old) = slot.take() {
        old.locked(handle as usize, LockData::Share, || {
            if let (Some(a), Some(b)) = (old.cookie_jar(), jar.as_ref()) {
                if Arc::ptr_eq(a, b) {
                    *jar = None;
                }
            }
            if let (Some(a), Some(b)) = (old.hsts_cache(), hsts.as_ref()) {
                if Arc::ptr_eq(a, b) {
                    *hsts = None;
                }
            }
        });
    }
    if let Some(j) = new.as_ref().and_then(Share::cookie_jar) {
        *jar = Some(j.clone());
    }
    if let Some(c) = new.as_ref().and_then(Share::hsts_cache) {
        *hsts = Some(c.clone());
    }
    *slot = new;
    Ok(())
}
