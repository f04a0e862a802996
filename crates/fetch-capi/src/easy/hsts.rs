//! FETCHOPT_HSTS_CTRL and FETCHOPT_HSTS over the engine's
//! [`fetch_core::HstsCache`]: the cache a handle's transfers use, the
//! files read into it when a transfer is prepared, and the file written
//! when the handle is cleaned up (unless FETCHHSTS_READONLYFILE).

use std::ffi::{CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use fetch_core::{HstsCache, SharedHsts};

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
    /// READONLYFILE; a failed write is ignored, as upstream.
    pub(super) fn save(&self) {
        if let (Some(cache), Some(path), false) = (&self.cache, self.files.last(), self.readonly) {
            let c = cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = c.write_file(path);
        }
    }
}
