//! FETCHOPT_ALTSVC_CTRL and FETCHOPT_ALTSVC over the engine's
//! [`fetch_core::AltSvcCache`]: the cache a handle's transfers use, the
//! file read into it when FETCHOPT_ALTSVC is set (as upstream reads it at
//! setopt) and written when the handle is cleaned up (unless
//! FETCHALTSVC_READONLYFILE).

use std::path::PathBuf;

use fetch_core::{AltSvcCache, SharedAltSvc};

use super::Options;
use super::options::Arg;
use crate::codes::{FETCHE_BAD_FUNCTION_ARGUMENT, FETCHcode};

/// FETCHALTSVC_READONLYFILE.
const READONLY: i64 = 1 << 2;
/// FETCHALTSVC_H1, _H2, _H3.
const H1: i64 = 1 << 3;
const H2: i64 = 1 << 4;
const H3: i64 = 1 << 5;

/// A handle's Alt-Svc settings and cache.
#[derive(Default)]
pub(crate) struct AltSvcOptions {
    /// The cache, once started.
    pub(super) cache: Option<SharedAltSvc>,
    /// The file given last (written at cleanup).
    file: Option<PathBuf>,
    /// FETCHALTSVC_READONLYFILE.
    readonly: bool,
}

impl Clone for AltSvcOptions {
    /// `fetch_easy_duphandle`: the same settings, a copy of the entries.
    fn clone(&self) -> Self {
        Self {
            cache: self.cache.as_ref().map(|c| {
                let c = c.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                std::sync::Arc::new(std::sync::Mutex::new(c.clone()))
            }),
            file: self.file.clone(),
            readonly: self.readonly,
        }
    }
}

impl AltSvcOptions {
    fn cache(&mut self) -> &SharedAltSvc {
        self.cache.get_or_insert_with(AltSvcCache::shared)
    }

    /// What `fetch_easy_reset` keeps: the cache and its entries.
    pub(super) fn after_reset(&self) -> Self {
        Self {
            cache: self.cache.clone(),
            ..Self::default()
        }
    }

    /// Writes the cache to the file given (cleanup), unless READONLYFILE;
    /// a failed write is ignored, as upstream.
    pub(super) fn save(&self) {
        if let (Some(cache), Some(path), false) = (&self.cache, &self.file, self.readonly) {
            let c = cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = c.write_file(path);
        }
    }
}

/// FETCHOPT_ALTSVC_CTRL: 0 is a bad argument (as upstream); anything
/// else starts the cache and sets which alternatives may be used.
pub(super) fn set_ctrl(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    let bits = a.int();
    if bits == 0 {
        return Err(FETCHE_BAD_FUNCTION_ARGUMENT);
    }
    let s = o.altsvc.edit();
    s.readonly = bits & READONLY != 0;
    s.cache()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .allow(bits & H1 != 0, bits & H2 != 0, bits & H3 != 0);
    Ok(())
}

/// FETCHOPT_ALTSVC: starts the cache and reads the file now (a missing
/// one is fine), as upstream's setopt does; NULL forgets the file name.
pub(super) fn set_file(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    let s = o.altsvc.edit();
    s.cache();
    s.file = a.path();
    if let (Some(path), Some(cache)) = (&s.file, &s.cache) {
        let _ = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .load_file(path);
    }
    Ok(())
}
