//! The mime API (`fetch_mime_*`) and FETCHOPT_MIMEPOST. A `fetch_mime *`
//! is a [`FetchMime`] the application owns (it frees it with
//! `fetch_mime_free`); its parts are owned by it, and a mime attached as
//! a part's subparts is owned by that part. Each part keeps a
//! [`fetch_core::mime::Part`]; when a transfer starts, the tree is turned
//! into a [`fetch_core::mime::Mime`] (data shared, not copied) that the
//! engine streams. The deprecated form API (`form`) builds the same.

mod form;

pub use form::*;

use std::ffi::{CStr, c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::ptr;

use fetch_core::mime::{Mime, Part, PartSource};
use fetch_core::{ReadResult, SeekResult};

use crate::codes::*;
use crate::easy::{fetch_read_callback, fetch_seek_callback};
use crate::guard;
use crate::slist::{fetch_slist, fetch_slist_free_all};

/// `fetch_free_callback`.
pub type fetch_free_callback = unsafe extern "C" fn(*mut c_void);

/// FETCHE_READ_ERROR (upstream's number).
const FETCHE_READ_ERROR: FETCHcode = 26;

/// FETCH_ZERO_TERMINATED: `fetch_mime_data`'s "the data is a C string".
pub const FETCH_ZERO_TERMINATED: usize = usize::MAX;

/// The object behind `fetch_mime *`.
pub struct FetchMime {
    /// Boxed: `fetch_mimepart *` handles point at them, so they must not
    /// move when the vector grows.
    #[allow(clippy::vec_box)]
    parts: Vec<Box<FetchMimePart>>,
    /// The part this mime is the subparts of (it then owns it), or NULL.
    parent: *mut FetchMimePart,
}

/// The object behind `fetch_mimepart *`.
pub struct FetchMimePart {
    core: Part,
    /// The mime whose part this is.
    owner: *mut FetchMime,
    /// Owned subparts, or NULL.
    sub: *mut FetchMime,
    /// A header list given with `take_ownership`.
    owned_headers: *mut fetch_slist,
    /// `fetch_mime_data_cb`'s free callback and its argument.
    free: Option<(fetch_free_callback, *mut c_void)>,
}

/// What a request body form is (FETCHOPT_MIMEPOST or FETCHOPT_HTTPPOST).
#[derive(Clone, Copy, Default)]
pub(crate) enum FormBody {
    #[default]
    None,
    Mime(*const FetchMime),
    HttpPost(*const fetch_httppost),
}

impl FormBody {
    /// FETCHOPT_MIMEPOST's value (NULL: none).
    pub(crate) fn mime(m: *const FetchMime) -> Self {
        if m.is_null() {
            Self::None
        } else {
            Self::Mime(m)
        }
    }

    /// FETCHOPT_HTTPPOST's value (NULL: none).
    pub(crate) fn http_post(p: *const fetch_httppost) -> Self {
        if p.is_null() {
            Self::None
        } else {
            Self::HttpPost(p)
        }
    }

    /// The engine's multipart body for it, built now; FETCHFORM_STREAM
    /// fields read with `read` (FETCHOPT_READFUNCTION).
    pub(crate) fn build(self, read: Option<fetch_read_callback>) -> Option<Mime> {
        match self {
            Self::None => None,
            // SAFETY: the application keeps the mime set with MIMEPOST
            // alive and unchanged while a transfer uses it (upstream rule).
            Self::Mime(m) => unsafe { m.as_ref() }.map(FetchMime::to_core),
            // SAFETY: as above, for the fetch_formadd list.
            Self::HttpPost(p) => unsafe { to_mime(p, read) },
        }
    }
}

impl FetchMime {
    /// The engine's mime for this tree.
    pub(crate) fn to_core(&self) -> Mime {
        let mut m = Mime::new();
        for p in &self.parts {
            let mut part = p.core.clone();
            // SAFETY: `sub` is owned by the part and alive while it is.
            if let Some(sub) = unsafe { p.sub.as_ref() } {
                part.subparts(sub.to_core());
            }
            m.push_part(part);
        }
        m
    }
}

impl FetchMimePart {
    /// Drops the part's data: subparts freed, data_cb's free callback
    /// called.
    fn clear_data(&mut self) {
        self.core.clear_data();
        if !self.sub.is_null() {
            // SAFETY: owned by this part; detached first so its free does
            // not come back here.
            unsafe {
                (*self.sub).parent = ptr::null_mut();
                drop(Box::from_raw(self.sub));
            }
            self.sub = ptr::null_mut();
        }
        if let Some((f, arg)) = self.free.take() {
            // SAFETY: the application's free callback for its argument.
            unsafe { f(arg) };
        }
    }
}

impl Drop for FetchMimePart {
    fn drop(&mut self) {
        self.clear_data();
        if !self.owned_headers.is_null() {
            // SAFETY: given to the part with take_ownership.
            unsafe { fetch_slist_free_all(self.owned_headers) };
        }
    }
}

impl Drop for FetchMime {
    fn drop(&mut self) {
        // SAFETY: a parent part outlives its subparts (it frees them, after
        // clearing this pointer).
        if let Some(parent) = unsafe { self.parent.as_mut() } {
            parent.sub = ptr::null_mut();
        }
    }
}

/// A C string argument, `None` for NULL.
///
/// # Safety
/// `p` is NULL or a C string.
unsafe fn opt_str(p: *const c_char) -> Option<String> {
    // SAFETY: the caller's contract.
    unsafe { p.as_ref() }.map(|_| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// The part behind a handle, or the error for NULL.
///
/// # Safety
/// `part` is NULL or a live `fetch_mimepart *`.
unsafe fn part_mut<'a>(part: *mut FetchMimePart) -> Result<&'a mut FetchMimePart, FETCHcode> {
    // SAFETY: the caller's contract.
    unsafe { part.as_mut() }.ok_or(FETCHE_BAD_FUNCTION_ARGUMENT)
}

fn code(r: Result<(), FETCHcode>) -> FETCHcode {
    r.err().unwrap_or(FETCHE_OK)
}

/// `fetch_mime_init`: a new, empty mime owned by the application.
///
/// # Safety
/// `easy` is not read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_mime_init(easy: *mut c_void) -> *mut FetchMime {
    let _ = easy;
    guard(ptr::null_mut(), || {
        Box::into_raw(Box::new(FetchMime {
            parts: Vec::new(),
            parent: ptr::null_mut(),
        }))
    })
}

/// `fetch_mime_free`: frees the mime, its parts and what they own;
/// subparts are detached from their part first. NULL does nothing.
///
/// # Safety
/// `mime` is NULL or a live mime not in use by a running transfer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_mime_free(mime: *mut FetchMime) {
    if !mime.is_null() {
        // SAFETY: the caller's contract; the mime was boxed by init.
        guard((), || drop(unsafe { Box::from_raw(mime) }));
    }
}

/// `fetch_mime_addpart`: a new part at the end, owned by the mime.
///
/// # Safety
/// `mime` is NULL or a live mime.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_mime_addpart(mime: *mut FetchMime) -> *mut FetchMimePart {
    // SAFETY: the caller's contract.
    let Some(m) = (unsafe { mime.as_mut() }) else {
        return ptr::null_mut();
    };
    guard(ptr::null_mut(), || {
        let mut part = Box::new(FetchMimePart {
            core: Part::default(),
            owner: mime,
            sub: ptr::null_mut(),
            owned_headers: ptr::null_mut(),
            free: None,
        });
        let p = ptr::from_mut(&mut *part);
        m.parts.push(part);
        p
    })
}

/// Defines a string setter: NULL part is an error, NULL value clears.
macro_rules! string_setter {
    ($(#[$doc:meta] $name:ident => $method:ident;)*) => {$(
        #[$doc]
        ///
        /// # Safety
        /// `part` is NULL or a live part; the value NULL or a C string.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(part: *mut FetchMimePart, value: *const c_char) -> FETCHcode {
            guard(FETCHE_OUT_OF_MEMORY, || code((|| {
                // SAFETY: the caller's contract.
                let p = unsafe { part_mut(part) }?;
                // SAFETY: the caller's contract.
                let v = unsafe { opt_str(value) };
                p.core.$method(v.as_deref());
                Ok(())
            })()))
        }
    )*};
}

string_setter! {
    /// `fetch_mime_name`: the form field name.
    fetch_mime_name => name;
    /// `fetch_mime_filename`: the file name shown.
    fetch_mime_filename => filename;
    /// `fetch_mime_type`: the part's Content-Type.
    fetch_mime_type => mime_type;
}

/// `fetch_mime_encoder`: binary, 8bit, 7bit, base64 or quoted-printable;
/// another name is FETCHE_BAD_FUNCTION_ARGUMENT, NULL removes it.
///
/// # Safety
/// `part` is NULL or a live part; `encoding` NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_mime_encoder(
    part: *mut FetchMimePart,
    encoding: *const c_char,
) -> FETCHcode {
    guard(FETCHE_OUT_OF_MEMORY, || {
        code((|| {
            // SAFETY: the caller's contract.
            let p = unsafe { part_mut(part) }?;
            // SAFETY: the caller's contract.
            let e = unsafe { opt_str(encoding) };
            p.core
                .encoder(None)
                .and_then(|c| c.encoder(e.as_deref()))
                .map(|_| ())
                .map_err(|_| FETCHE_BAD_FUNCTION_ARGUMENT)
        })())
    })
}

/// `fetch_mime_data`: a copy of `datasize` bytes (FETCH_ZERO_TERMINATED:
/// a C string); NULL removes the data.
///
/// # Safety
/// `part` is NULL or a live part; `data` NULL or `datasize` readable
/// bytes (a C string with FETCH_ZERO_TERMINATED).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_mime_data(
    part: *mut FetchMimePart,
    data: *const c_char,
    datasize: usize,
) -> FETCHcode {
    guard(FETCHE_OUT_OF_MEMORY, || {
        code((|| {
            // SAFETY: the caller's contract.
            let p = unsafe { part_mut(part) }?;
            p.clear_data();
            if data.is_null() {
                return Ok(());
            }
            let len = if datasize == FETCH_ZERO_TERMINATED {
                // SAFETY: a C string then.
                unsafe { libc::strlen(data) }
            } else {
                datasize
            };
            // SAFETY: `len` readable bytes (the caller's contract).
            let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) };
            p.core.data(bytes.to_vec());
            Ok(())
        })())
    })
}

/// `fetch_mime_filedata`: data read from the file when sent, file name
/// its base name; FETCHE_READ_ERROR if it cannot be read now (the part is
/// set anyway, as upstream). NULL removes the data.
///
/// # Safety
/// `part` is NULL or a live part; `filename` NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_mime_filedata(
    part: *mut FetchMimePart,
    filename: *const c_char,
) -> FETCHcode {
    guard(FETCHE_OUT_OF_MEMORY, || {
        code((|| {
            // SAFETY: the caller's contract.
            let p = unsafe { part_mut(part) }?;
            p.clear_data();
            if filename.is_null() {
                return Ok(());
            }
            // SAFETY: a C string (the caller's contract).
            let path = std::ffi::OsStr::from_bytes(unsafe { CStr::from_ptr(filename) }.to_bytes());
            p.core.file(path).map(|_| ()).map_err(|_| FETCHE_READ_ERROR)
        })())
    })
}

/// A `fetch_mime_data_cb` source: the application's callbacks.
struct CbSource {
    read: fetch_read_callback,
    seek: Option<fetch_seek_callback>,
    arg: *mut c_void,
}

// SAFETY: the callbacks run on the thread that drives the transfer; the
// application gave them for that use (upstream has no thread rule here
// beyond "one transfer at a time"), and `arg` is only passed back.
unsafe impl Send for CbSource {}

impl PartSource for CbSource {
    fn read(&mut self, buf: &mut [u8]) -> ReadResult {
        // SAFETY: the application's read callback with a writable buffer.
        let n = unsafe { (self.read)(buf.as_mut_ptr().cast(), 1, buf.len(), self.arg) };
        match n {
            FETCH_READFUNC_PAUSE => ReadResult::Pause,
            FETCH_READFUNC_ABORT => ReadResult::Abort,
            n if n > buf.len() => ReadResult::Fail,
            n => ReadResult::Data(n),
        }
    }

    fn rewind(&mut self) -> SeekResult {
        let Some(seek) = self.seek else {
            return SeekResult::CantSeek;
        };
        // SAFETY: the application's seek callback, to offset 0 (SEEK_SET).
        match unsafe { seek(self.arg, 0, 0) } {
            FETCH_SEEKFUNC_OK => SeekResult::Ok,
            FETCH_SEEKFUNC_FAIL => SeekResult::Fail,
            _ => SeekResult::CantSeek,
        }
    }
}

/// `fetch_mime_data_cb`: data from the application's read callback
/// (`datasize` bytes, -1 unknown: the body goes chunked), rewound with
/// `seekfunc`; `freefunc(arg)` runs when the part is freed or its data
/// replaced.
///
/// # Safety
/// `part` is NULL or a live part; the callbacks valid for `arg`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_mime_data_cb(
    part: *mut FetchMimePart,
    datasize: fetch_off_t,
    readfunc: Option<fetch_read_callback>,
    seekfunc: Option<fetch_seek_callback>,
    freefunc: Option<fetch_free_callback>,
    arg: *mut c_void,
) -> FETCHcode {
    guard(FETCHE_OUT_OF_MEMORY, || {
        code((|| {
            // SAFETY: the caller's contract.
            let p = unsafe { part_mut(part) }?;
            p.clear_data();
            let Some(read) = readfunc else {
                return Ok(());
            };
            let size = u64::try_from(datasize).ok();
            p.core.source(
                size,
                CbSource {
                    read,
                    seek: seekfunc,
                    arg,
                },
            );
            p.free = freefunc.map(|f| (f, arg));
            Ok(())
        })())
    })
}

/// Whether `mime` is `part`'s own mime or one of its ancestors' (which
/// would make the tree a loop).
///
/// # Safety
/// `part` is a live part.
unsafe fn is_ancestor(mime: *const FetchMime, part: *const FetchMimePart) -> bool {
    // SAFETY: `part` is live (the caller's contract).
    let mut m = unsafe { (*part).owner };
    while !m.is_null() {
        if ptr::eq(m, mime) {
            return true;
        }
        // SAFETY: owners and parents of live parts are live.
        let parent = unsafe { (*m).parent };
        if parent.is_null() {
            return false;
        }
        // SAFETY: as above.
        m = unsafe { (*parent).owner };
    }
    false
}

/// `fetch_mime_subparts`: the part's data becomes `subparts`, which the
/// part then owns (freed with it). A mime already attached elsewhere, or
/// one the part belongs to, is FETCHE_BAD_FUNCTION_ARGUMENT. NULL removes
/// the data.
///
/// # Safety
/// `part` is NULL or a live part; `subparts` NULL or a live mime.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_mime_subparts(
    part: *mut FetchMimePart,
    subparts: *mut FetchMime,
) -> FETCHcode {
    guard(FETCHE_OUT_OF_MEMORY, || {
        code((|| {
            // SAFETY: the caller's contract.
            let p = unsafe { part_mut(part) }?;
            if !subparts.is_null() && ptr::eq(p.sub, subparts) {
                return Ok(());
            }
            // SAFETY: NULL or a live mime (the caller's contract).
            if let Some(s) = unsafe { subparts.as_ref() } {
                // SAFETY: `part` is live.
                if !s.parent.is_null() || unsafe { is_ancestor(subparts, part) } {
                    return Err(FETCHE_BAD_FUNCTION_ARGUMENT);
                }
            }
            p.clear_data();
            // SAFETY: as above.
            if let Some(s) = unsafe { subparts.as_mut() } {
                s.parent = part;
                p.sub = subparts;
            }
            Ok(())
        })())
    })
}

/// `fetch_mime_headers`: extra header lines for the part (copied now);
/// with `take_ownership` the list is freed with the part.
///
/// # Safety
/// `part` is NULL or a live part; `headers` NULL or a list.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_mime_headers(
    part: *mut FetchMimePart,
    headers: *mut fetch_slist,
    take_ownership: c_int,
) -> FETCHcode {
    guard(FETCHE_OUT_OF_MEMORY, || {
        code((|| {
            // SAFETY: the caller's contract.
            let p = unsafe { part_mut(part) }?;
            if !p.owned_headers.is_null() && !ptr::eq(p.owned_headers, headers) {
                // SAFETY: owned by the part.
                unsafe { fetch_slist_free_all(p.owned_headers) };
            }
            p.owned_headers = if take_ownership != 0 {
                headers
            } else {
                ptr::null_mut()
            };
            // SAFETY: a list from fetch_slist_append (the caller's contract).
            p.core.headers(unsafe { slist_lines(headers) });
            Ok(())
        })())
    })
}

/// The strings of a list.
///
/// # Safety
/// `list` is NULL or a list from `fetch_slist_append`.
pub(crate) unsafe fn slist_lines(mut list: *const fetch_slist) -> Vec<String> {
    let mut lines = Vec::new();
    // SAFETY: the caller's contract.
    while let Some(node) = unsafe { list.as_ref() } {
        if !node.data.is_null() {
            // SAFETY: list strings are C strings.
            lines.push(
                unsafe { CStr::from_ptr(node.data) }
                    .to_string_lossy()
                    .into_owned(),
            );
        }
        list = node.next;
    }
    lines
}
