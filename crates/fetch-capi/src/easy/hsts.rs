//! FETCHOPT_HSTS_CTRL and FETCHOPT_HSTS over the engine's
//! [`fetch_core::HstsCache`]: the cache a handle's transfers use, the
//! files read into it when a transfer is prepared, and the file written
//! when the handle is cleaned up (unless FETCHHSTS_READONLYFILE); the
//! HSTSREADFUNCTION (called by the engine when a transfer starts) and
//! HSTSWRITEFUNCTION (called at cleanup, after the file) callbacks.

use std::ffi::{CStr, OsStr, c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use fetch_core::{HstsCache, HstsEntry, HstsRead, HstsReadFn, SharedHsts};

use super::Options;
use super::options::Arg;
use crate::SendPtr;
use crate::codes::{FETCHSTS_FAIL, FETCHSTS_OK, FETCHcode};

/// `struct fetch_hstsentry`, laid out as upstream's: the
/// `includeSubDomains:1` bit field is bit 0 of the byte after `namelen`
/// and `expire` follows it (size 40 on LP64, `expire` at 17; checked
/// against the installed curl.h by tests/hsts_callbacks.rs).
#[repr(C)]
#[allow(non_camel_case_types)]
pub(crate) struct fetch_hstsentry {
    /// The host name (read: a buffer of `namelen` + 1 bytes to fill).
    pub(crate) name: *mut c_char,
    /// Read: the buffer's room; write: the name's length.
    pub(crate) namelen: usize,
    /// Bit 0: includeSubDomains.
    pub(crate) flags: u8,
    /// `YYYYMMDD HH:MM:SS` (UTC), `unlimited`, or empty.
    pub(crate) expire: [c_char; 18],
}

/// `struct fetch_index`: which entry of how many.
#[repr(C)]
#[allow(non_camel_case_types)]
pub(crate) struct fetch_index {
    /// 0-based.
    pub(crate) index: usize,
    /// How many entries there are.
    pub(crate) total: usize,
}

/// `fetch_hstsread_callback`.
#[allow(non_camel_case_types)]
pub(crate) type fetch_hstsread_callback =
    unsafe extern "C" fn(*mut c_void, *mut fetch_hstsentry, *mut c_void) -> c_int;
/// `fetch_hstswrite_callback`.
#[allow(non_camel_case_types)]
pub(crate) type fetch_hstswrite_callback =
    unsafe extern "C" fn(*mut c_void, *mut fetch_hstsentry, *mut fetch_index, *mut c_void) -> c_int;

/// Upstream's room for a host name handed to the read callback.
const MAX_HOSTLEN: usize = 256;

/// FETCHHSTS_ENABLE.
const ENABLE: i64 = 1;
/// FETCHHSTS_READONLYFILE.
const READONLY: i64 = 2;

/// A handle's HSTS settings and cache.
#[derive(Default)]
pub(crate) struct HstsOptions {
    /// The cache, once enabled.
    pub(super) cache: Option<SharedHsts>,
    /// Every FETCHOPT_HSTS file given, in order.
    files: Vec<PathBuf>,
    /// `files[..loaded]` were read.
    loaded: usize,
    /// FETCHHSTS_READONLYFILE.
    readonly: bool,
    /// FETCHOPT_HSTSREADFUNCTION / DATA.
    pub(super) read_fn: Option<fetch_hstsread_callback>,
    pub(super) read_data: SendPtr<c_void>,
    /// FETCHOPT_HSTSWRITEFUNCTION / DATA.
    pub(super) write_fn: Option<fetch_hstswrite_callback>,
    pub(super) write_data: SendPtr<c_void>,
}

impl Clone for HstsOptions {
    /// `fetch_easy_duphandle`: the same settings and files (read again at
    /// the copy's first transfer) and a cache of its own.
    fn clone(&self) -> Self {
        Self {
            cache: self.cache.as_ref().map(|_| HstsCache::shared()),
            files: self.files.clone(),
            loaded: 0,
            readonly: self.readonly,
            read_fn: self.read_fn,
            read_data: self.read_data,
            write_fn: self.write_fn,
            write_data: self.write_data,
        }
    }
}

impl HstsOptions {
    /// FETCHOPT_HSTS_CTRL: ENABLE starts the cache (kept if there is one),
    /// without it the cache is dropped, as upstream.
    pub(super) fn set_ctrl(&mut self, bits: i64) {
        self.readonly = bits & READONLY != 0;
        if bits & ENABLE != 0 {
            self.cache.get_or_insert_with(HstsCache::shared);
        } else {
            self.cache = None;
        }
    }

    /// FETCHOPT_HSTS: a file to read at the next transfer and to write at
    /// cleanup (the last one given); setting one starts the cache, as
    /// upstream's setopt does. NULL forgets the files and drops the cache.
    pub(super) fn set_file(&mut self, s: Option<&CStr>) {
        match s {
            Some(s) => {
                self.cache.get_or_insert_with(HstsCache::shared);
                self.files
                    .push(PathBuf::from(OsStr::from_bytes(s.to_bytes())));
            }
            None => {
                self.files.clear();
                self.loaded = 0;
                self.cache = None;
            }
        }
    }

    /// What `fetch_easy_reset` keeps: the cache and its entries.
    pub(super) fn after_reset(&self) -> Self {
        Self {
            cache: self.cache.clone(),
            ..Self::default()
        }
    }

    /// Reads the files not read yet (a missing one is skipped).
    pub(super) fn load_pending(&mut self) {
        let Some(cache) = &self.cache else { return };
        if self.loaded >= self.files.len() {
            return;
        }
        let mut c = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for f in &self.files[self.loaded..] {
            let _ = c.load_file(f);
        }
        self.loaded = self.files.len();
    }

    /// Writes the cache to the last file given (cleanup), unless
    /// READONLYFILE; a failed write is ignored, as upstream. Then the
    /// write callback gets each entry (READONLYFILE or not), as upstream.
    pub(super) fn save(&self, handle: *mut c_void) {
        let Some(cache) = &self.cache else { return };
        let entries = {
            let c = cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let (Some(path), false) = (self.files.last(), self.readonly) {
                let _ = c.write_file(path);
            }
            c.entries(fetch_core::hsts_now())
        };
        if let Some(f) = self.write_fn {
            push_entries(f, handle, self.write_data, &entries);
        }
    }

    /// The engine's read callback for HSTSREADFUNCTION (`None` without
    /// one); `handle` is the `FETCH *` passed to it.
    pub(super) fn read_closure(&self, handle: SendPtr<c_void>) -> Option<HstsReadFn> {
        let f = self.read_fn?;
        let data = self.read_data;
        Some(Box::new(move || read_one(f, handle, data)))
    }
}

/// FETCHOPT_HSTSREADFUNCTION.
pub(super) fn set_read_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_hstsread_callback`.
    o.hsts.edit().read_fn = unsafe { a.func() };
    Ok(())
}

/// FETCHOPT_HSTSWRITEFUNCTION.
pub(super) fn set_write_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_hstswrite_callback`.
    o.hsts.edit().write_fn = unsafe { a.func() };
    Ok(())
}

/// One call of the read callback.
fn read_one(
    f: fetch_hstsread_callback,
    handle: SendPtr<c_void>,
    data: SendPtr<c_void>,
) -> HstsRead {
    let mut name = [0 as c_char; MAX_HOSTLEN + 1];
    let mut e = fetch_hstsentry {
        name: name.as_mut_ptr(),
        namelen: MAX_HOSTLEN,
        flags: 0,
        expire: [0; 18],
    };
    // SAFETY: HSTSREADFUNCTION with its data; the entry and its name
    // buffer (namelen + 1 bytes) live for the call.
    let rc = unsafe { f(handle.get(), &mut e, data.get()) };
    match rc {
        FETCHSTS_OK => {
            // The callback may have written anything: the last byte of
            // each buffer stays a terminator.
            name[MAX_HOSTLEN] = 0;
            e.expire[17] = 0;
            // SAFETY: both buffers are NUL-terminated (just ensured).
            let host = unsafe { CStr::from_ptr(name.as_ptr()) }.to_string_lossy();
            // SAFETY: as above.
            let expire = unsafe { CStr::from_ptr(e.expire.as_ptr()) }.to_string_lossy();
            HstsRead::Entry(HstsEntry::from_parts(&host, e.flags & 1 != 0, &expire))
        }
        FETCHSTS_FAIL => HstsRead::Fail,
        _ => HstsRead::Done,
    }
}

/// Hands every entry to the write callback, until it answers other than
/// FETCHSTS_OK.
fn push_entries(
    f: fetch_hstswrite_callback,
    handle: *mut c_void,
    data: SendPtr<c_void>,
    entries: &[HstsEntry],
) {
    for (i, entry) in entries.iter().enumerate() {
        let mut name: Vec<u8> = entry.host.as_bytes().to_vec();
        name.push(0);
        let mut e = fetch_hstsentry {
            name: name.as_mut_ptr().cast(),
            namelen: entry.host.len(),
            flags: u8::from(entry.include_subdomains),
            expire: [0; 18],
        };
        for (d, s) in e
            .expire
            .iter_mut()
            .zip(entry.expire_text().bytes().take(17))
        {
            *d = s as c_char;
        }
        let mut index = fetch_index {
            index: i,
            total: entries.len(),
        };
        // SAFETY: HSTSWRITEFUNCTION with its data; entry, name and index
        // live for the call.
        let rc = unsafe { f(handle, &mut e, &mut index, data.get()) };
        if rc != FETCHSTS_OK {
            break;
        }
    }
}
