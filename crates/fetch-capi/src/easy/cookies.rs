//! The cookie options (COOKIE, COOKIEFILE, COOKIEJAR, COOKIELIST,
//! COOKIESESSION) and FETCHINFO_COOKIELIST. The jar is the engine's
//! [`fetch_core::CookieJar`], held behind an `Arc<Mutex>` that each
//! transfer of the handle shares; nothing here runs for a handle that set
//! no cookie option.

use std::ffi::{CStr, CString, OsStr, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::ptr;

use fetch_core::{CookieJar, SharedCookieJar};

use crate::slist::{fetch_slist, fetch_slist_append};

/// A handle's cookie settings and jar.
#[derive(Default)]
pub(crate) struct CookieOptions {
    /// The jar, once any cookie option started the engine.
    pub(super) jar: Option<SharedCookieJar>,
    /// Every COOKIEFILE given (for RELOAD), in order.
    files: Vec<PathBuf>,
    /// `files[..loaded]` were read into the jar.
    loaded: usize,
    /// FETCHOPT_COOKIEJAR.
    jar_path: Option<PathBuf>,
    /// FETCHOPT_COOKIESESSION: skip session cookies when reading files.
    session: bool,
    /// FETCHOPT_COOKIE.
    pub(super) fixed: Option<String>,
}

impl Clone for CookieOptions {
    /// `fetch_easy_duphandle`, as upstream: the copy has the same settings
    /// and files (read again at its first transfer) and a jar of its own,
    /// empty.
    fn clone(&self) -> Self {
        Self {
            jar: self.jar.as_ref().map(|_| CookieJar::shared()),
            files: self.files.clone(),
            loaded: 0,
            jar_path: self.jar_path.clone(),
            session: self.session,
            fixed: self.fixed.clone(),
        }
    }
}

fn path(s: &CStr) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(s.to_bytes()))
}

fn lock(jar: &SharedCookieJar) -> std::sync::MutexGuard<'_, CookieJar> {
    jar.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl CookieOptions {
    /// The jar, started if it was not.
    fn engine(&mut self) -> &SharedCookieJar {
        self.jar.get_or_insert_with(CookieJar::shared)
    }

    /// What `fetch_easy_reset` keeps: the jar and its cookies (upstream).
    pub(super) fn after_reset(&self) -> Self {
        Self {
            jar: self.jar.clone(),
            ..Self::default()
        }
    }

    /// FETCHOPT_COOKIE.
    pub(super) fn set_cookie(&mut self, s: Option<&CStr>) {
        self.fixed = s.map(|s| s.to_string_lossy().into_owned());
    }

    /// FETCHOPT_COOKIEFILE: a file to read at the next transfer ("" only
    /// starts the engine); NULL forgets the files not read yet and those
    /// RELOAD would read (upstream).
    pub(super) fn set_file(&mut self, s: Option<&CStr>) {
        match s {
            None => {
                self.files.clear();
                self.loaded = 0;
            }
            Some(s) => {
                self.engine();
                if !s.is_empty() {
                    self.files.push(path(s));
                }
            }
        }
    }

    /// FETCHOPT_COOKIEJAR: where the jar is written at cleanup (and on
    /// FLUSH); setting one starts the engine.
    pub(super) fn set_jar(&mut self, s: Option<&CStr>) {
        self.jar_path = s.map(path);
        if self.jar_path.is_some() {
            self.engine();
        }
    }

    /// FETCHOPT_COOKIESESSION.
    pub(super) fn set_session(&mut self, on: bool) {
        self.session = on;
    }

    /// FETCHOPT_COOKIELIST: a command ("ALL", "SESS", "FLUSH", "RELOAD",
    /// matched without case) or a cookie line (Netscape or `Set-Cookie:`).
    pub(super) fn command(&mut self, s: Option<&CStr>) {
        let Some(s) = s else { return };
        let text = s.to_string_lossy();
        let is = |c: &str| text.eq_ignore_ascii_case(c);
        if is("ALL") {
            if let Some(jar) = &self.jar {
                lock(jar).clear();
            }
        } else if is("SESS") {
            if let Some(jar) = &self.jar {
                lock(jar).clear_session();
            }
        } else if is("FLUSH") {
            self.flush();
        } else if is("RELOAD") {
            self.loaded = 0;
            self.load_pending();
        } else {
            lock(self.engine()).add_line(&text);
        }
    }

    /// Reads the COOKIEFILE files not read yet (at the start of a
    /// transfer, as upstream: a file may be written between setopt and
    /// perform). A file that cannot be read is skipped.
    pub(super) fn load_pending(&mut self) {
        if self.loaded >= self.files.len() {
            return;
        }
        let session = self.session;
        let jar = self.engine().clone();
        let mut jar = lock(&jar);
        for file in &self.files[self.loaded..] {
            let _ = jar.load_file(file, session);
        }
        self.loaded = self.files.len();
    }

    /// Writes the jar to COOKIEJAR, if both exist (cleanup, FLUSH). A write
    /// that fails is ignored, as upstream (it only warns).
    pub(super) fn flush(&mut self) {
        if let (Some(jar), Some(path)) = (&self.jar, &self.jar_path) {
            let _ = lock(jar).write_file(path);
        }
    }

    /// FETCHINFO_COOKIELIST: every cookie as a Netscape line in a new
    /// list the caller frees with `fetch_slist_free_all`; NULL when there
    /// is none.
    pub(super) fn info_list(&self) -> *mut c_void {
        let Some(jar) = &self.jar else {
            return ptr::null_mut();
        };
        let lines = lock(jar).netscape_lines();
        let (mut head, mut tail): (*mut fetch_slist, *mut fetch_slist) =
            (ptr::null_mut(), ptr::null_mut());
        for line in lines {
            let Ok(c) = CString::new(line) else { continue };
            // SAFETY: a NUL-terminated string; NULL starts a one-node list.
            let node = unsafe { fetch_slist_append(ptr::null_mut(), c.as_ptr()) };
            if node.is_null() {
                break;
            }
            if tail.is_null() {
                head = node;
            } else {
                // SAFETY: `tail` is the last node of the list being built.
                unsafe { (*tail).next = node };
            }
            tail = node;
        }
        head.cast()
    }
}
