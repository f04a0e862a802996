// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! The deprecated form API: `fetch_formadd` (a C inline in the header
//! that turns its variable arguments into an item array for
//! [`fetch_formadd_items`]), `fetch_formfree`, `fetch_formget`, and
//! FETCHOPT_HTTPPOST, which sends the list through the mime machinery.

use std::ffi::{CStr, c_char, c_int, c_long, c_void};
use std::ptr;

use fetch_core::ReadResult;
use fetch_core::mime::Mime;

use super::{CbSource, slist_lines};
use crate::codes::fetch_off_t;
use crate::easy::fetch_read_callback;
use crate::guard;
use crate::slist::fetch_slist;

/// `struct fetch_httppost`, upstream's layout.
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct fetch_httppost {
    /// The next field.
    pub next: *mut Self,
    /// The field name.
    pub name: *mut c_char,
    /// Its length (0: a C string).
    pub namelength: c_long,
    /// The contents, or the file name for file fields.
    pub contents: *mut c_char,
    /// The contents' length (0: a C string).
    pub contentslength: c_long,
    /// FETCHFORM_BUFFERPTR's data.
    pub buffer: *mut c_char,
    /// Its length.
    pub bufferlength: c_long,
    /// The field's Content-Type.
    pub contenttype: *mut c_char,
    /// Extra header lines (the application's list).
    pub contentheader: *mut fetch_slist,
    /// More files of the same field.
    pub more: *mut Self,
    /// FETCH_HTTPPOST_* flags.
    pub flags: c_long,
    /// The file name shown.
    pub showfilename: *mut c_char,
    /// FETCHFORM_STREAM's argument for the read callback.
    pub userp: *mut c_void,
    /// The contents' length with FETCH_HTTPPOST_LARGE.
    pub contentlen: fetch_off_t,
}

const HTTPPOST_FILENAME: c_long = 1;
const HTTPPOST_READFILE: c_long = 1 << 1;
const HTTPPOST_PTRNAME: c_long = 1 << 2;
const HTTPPOST_PTRCONTENTS: c_long = 1 << 3;
const HTTPPOST_BUFFER: c_long = 1 << 4;
const HTTPPOST_PTRBUFFER: c_long = 1 << 5;
const HTTPPOST_CALLBACK: c_long = 1 << 6;
const HTTPPOST_LARGE: c_long = 1 << 7;

/// One `fetch_formadd` argument pair, as the header's inline passes it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct fetch_formadd_item {
    /// The FETCHFORM_* option.
    pub option: c_int,
    /// Its pointer value.
    pub ptr: *const c_void,
    /// Its integer value (lengths).
    pub num: i64,
}

/// `struct fetch_forms` (FETCHFORM_ARRAY's elements).
#[repr(C)]
#[allow(non_camel_case_types)]
struct fetch_forms {
    option: c_int,
    value: *const c_char,
}

// FETCHFORMcode values (upstream's).
const FETCH_FORMADD_OK: c_int = 0;
const FETCH_FORMADD_MEMORY: c_int = 1;
const FETCH_FORMADD_OPTION_TWICE: c_int = 2;
const FETCH_FORMADD_NULL: c_int = 3;
const FETCH_FORMADD_UNKNOWN_OPTION: c_int = 4;
const FETCH_FORMADD_INCOMPLETE: c_int = 5;
const FETCH_FORMADD_ILLEGAL_ARRAY: c_int = 6;

// FETCHformoption numbers (upstream's).
const COPYNAME: c_int = 1;
const PTRNAME: c_int = 2;
const NAMELENGTH: c_int = 3;
const COPYCONTENTS: c_int = 4;
const PTRCONTENTS: c_int = 5;
const CONTENTSLENGTH: c_int = 6;
const FILECONTENT: c_int = 7;
const ARRAY: c_int = 8;
const FILE: c_int = 10;
const BUFFER: c_int = 11;
const BUFFERPTR: c_int = 12;
const BUFFERLENGTH: c_int = 13;
const CONTENTTYPE: c_int = 14;
const CONTENTHEADER: c_int = 15;
const FILENAME: c_int = 16;
const END: c_int = 17;
const STREAM: c_int = 19;
const CONTENTLEN: c_int = 20;

/// A malloc'd copy of a C string (freed by `fetch_formfree`).
///
/// # Safety
/// `s` is a C string.
unsafe fn dup(s: *const c_void) -> *mut c_char {
    // SAFETY: the caller's contract.
    unsafe { libc::strdup(s.cast()) }
}

/// A malloc'd copy of `len` bytes plus a NUL.
///
/// # Safety
/// `p` has `len` readable bytes.
unsafe fn dup_len(p: *const c_void, len: usize) -> *mut c_char {
    // SAFETY: a fresh allocation of len + 1 bytes, filled from `p`.
    unsafe {
        let out = libc::malloc(len + 1).cast::<c_char>();
        if !out.is_null() {
            ptr::copy_nonoverlapping(p.cast::<c_char>(), out, len);
            *out.add(len) = 0;
        }
        out
    }
}

fn blank() -> fetch_httppost {
    fetch_httppost {
        next: ptr::null_mut(),
        name: ptr::null_mut(),
        namelength: 0,
        contents: ptr::null_mut(),
        contentslength: 0,
        buffer: ptr::null_mut(),
        bufferlength: 0,
        contenttype: ptr::null_mut(),
        contentheader: ptr::null_mut(),
        more: ptr::null_mut(),
        flags: 0,
        showfilename: ptr::null_mut(),
        userp: ptr::null_mut(),
        contentlen: 0,
    }
}

/// The items with FETCHFORM_ARRAY expanded.
///
/// # Safety
/// ARRAY values point to `fetch_forms` arrays ending with FETCHFORM_END.
unsafe fn expand(items: &[fetch_formadd_item]) -> Result<Vec<fetch_formadd_item>, c_int> {
    let mut out = Vec::new();
    for it in items {
        if it.option != ARRAY {
            out.push(*it);
            continue;
        }
        let mut f = it.ptr.cast::<fetch_forms>();
        loop {
            // SAFETY: the caller's contract.
            let e = unsafe { &*f };
            match e.option {
                END => break,
                ARRAY => return Err(FETCH_FORMADD_ILLEGAL_ARRAY),
                o => out.push(fetch_formadd_item {
                    option: o,
                    ptr: e.value.cast(),
                    // Lengths come cast to a pointer, as upstream.
                    num: e.value as usize as i64,
                }),
            }
            // SAFETY: inside the array until END.
            f = unsafe { f.add(1) };
        }
    }
    Ok(out)
}

/// OPTION_TWICE when `set`.
fn twice(set: bool) -> Result<(), c_int> {
    if set {
        Err(FETCH_FORMADD_OPTION_TWICE)
    } else {
        Ok(())
    }
}

/// One field being built by a `fetch_formadd` call.
struct Field {
    /// The field's node.
    p: fetch_httppost,
    /// Its further files (`more`).
    more: Vec<fetch_httppost>,
    /// COPYNAME / COPYCONTENTS: copied at the end, once the lengths
    /// (which may come after them) are known.
    copy_name: bool,
    copy_contents: bool,
}

impl Field {
    /// Name, contents and length options; `Ok(false)` for another option.
    fn set_value(&mut self, it: &fetch_formadd_item) -> Result<bool, c_int> {
        let p = &mut self.p;
        match it.option {
            COPYNAME | PTRNAME => {
                twice(!p.name.is_null())?;
                p.name = it.ptr.cast_mut().cast();
                p.flags |= HTTPPOST_PTRNAME;
                self.copy_name = it.option == COPYNAME;
            }
            NAMELENGTH => p.namelength = it.num as c_long,
            COPYCONTENTS | PTRCONTENTS => {
                twice(!p.contents.is_null())?;
                p.contents = it.ptr.cast_mut().cast();
                p.flags |= HTTPPOST_PTRCONTENTS;
                self.copy_contents = it.option == COPYCONTENTS;
            }
            CONTENTSLENGTH => p.contentslength = it.num as c_long,
            CONTENTLEN => {
                p.contentlen = it.num;
                p.flags |= HTTPPOST_LARGE;
            }
            BUFFERPTR => {
                twice(!p.buffer.is_null())?;
                p.buffer = it.ptr.cast_mut().cast();
                p.flags |= HTTPPOST_PTRBUFFER;
            }
            BUFFERLENGTH => p.bufferlength = it.num as c_long,
            STREAM => {
                p.userp = it.ptr.cast_mut();
                p.flags |= HTTPPOST_CALLBACK;
            }
            CONTENTHEADER => p.contentheader = it.ptr.cast_mut().cast(),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// File, buffer name, type and file name options (copied strings).
    ///
    /// # Safety
    /// The value is a C string.
    unsafe fn set_file(&mut self, it: &fetch_formadd_item) -> Result<(), c_int> {
        let p = &mut self.p;
        match it.option {
            FILECONTENT => {
                twice(!p.contents.is_null())?;
                // SAFETY: the caller's contract.
                p.contents = unsafe { dup(it.ptr) };
                p.flags |= HTTPPOST_READFILE;
            }
            FILE if p.flags & HTTPPOST_FILENAME != 0 => {
                // Another file of the same field.
                let mut more = blank();
                // SAFETY: the caller's contract.
                more.contents = unsafe { dup(it.ptr) };
                more.flags = HTTPPOST_FILENAME;
                self.more.push(more);
            }
            FILE => {
                twice(!p.contents.is_null())?;
                // SAFETY: the caller's contract.
                p.contents = unsafe { dup(it.ptr) };
                p.flags |= HTTPPOST_FILENAME;
            }
            BUFFER => {
                twice(!p.showfilename.is_null())?;
                // SAFETY: the caller's contract.
                p.showfilename = unsafe { dup(it.ptr) };
                p.flags |= HTTPPOST_BUFFER;
            }
            CONTENTTYPE | FILENAME => {
                // They apply to the last file given.
                let target = self.more.last_mut().unwrap_or(p);
                let slot = if it.option == CONTENTTYPE {
                    &mut target.contenttype
                } else {
                    &mut target.showfilename
                };
                twice(!slot.is_null())?;
                // SAFETY: the caller's contract.
                *slot = unsafe { dup(it.ptr) };
            }
            _ => return Err(FETCH_FORMADD_UNKNOWN_OPTION),
        }
        Ok(())
    }

    /// Makes the deferred copies.
    ///
    /// # Safety
    /// The name and contents pointers and lengths are the application's.
    unsafe fn copy(&mut self) {
        let p = &mut self.p;
        // SAFETY: the caller's contract.
        unsafe {
            if self.copy_name {
                let b = bytes(p.name, i64::from(p.namelength));
                p.name = dup_len(b.as_ptr().cast(), b.len());
                p.flags &= !HTTPPOST_PTRNAME;
            }
            if self.copy_contents {
                let len = if p.flags & HTTPPOST_LARGE != 0 {
                    p.contentlen
                } else {
                    i64::from(p.contentslength)
                };
                let b = bytes(p.contents, len);
                p.contents = dup_len(b.as_ptr().cast(), b.len());
                p.flags &= !HTTPPOST_PTRCONTENTS;
            }
        }
        self.copy_name = false;
        self.copy_contents = false;
    }

    fn complete(&self) -> bool {
        let p = &self.p;
        !p.name.is_null()
            && (!p.contents.is_null()
                || p.flags & (HTTPPOST_CALLBACK | HTTPPOST_PTRBUFFER | HTTPPOST_BUFFER) != 0)
    }
}

/// Fills `posts` (the field, then one per extra file) from the items.
///
/// # Safety
/// Pointer values are C strings or buffers of the given lengths.
unsafe fn fill(items: &[fetch_formadd_item], posts: &mut Vec<fetch_httppost>) -> c_int {
    let mut f = Field {
        p: blank(),
        more: Vec::new(),
        copy_name: false,
        copy_contents: false,
    };
    let mut result = FETCH_FORMADD_OK;
    for it in items {
        let needs_ptr = !matches!(
            it.option,
            NAMELENGTH | CONTENTSLENGTH | BUFFERLENGTH | CONTENTLEN
        );
        let step = if needs_ptr && it.ptr.is_null() {
            Err(FETCH_FORMADD_NULL)
        } else {
            match f.set_value(it) {
                Ok(true) => Ok(()),
                // SAFETY: a pointer option's value is a C string (the
                // caller's contract).
                Ok(false) => unsafe { f.set_file(it) },
                Err(code) => Err(code),
            }
        };
        if let Err(code) = step {
            result = code;
            break;
        }
    }
    // SAFETY: the caller's contract.
    unsafe { f.copy() };
    if result == FETCH_FORMADD_OK && !f.complete() {
        result = FETCH_FORMADD_INCOMPLETE;
    }
    posts.push(f.p);
    posts.append(&mut f.more);
    result
}

/// `fetch_formadd`'s work, called by the header's inline with the
/// arguments gathered: adds one field (with all its files) to the list.
///
/// # Safety
/// `httppost` and `last_post` point to the list's first and last pointers;
/// the items' values are what each FETCHFORM option takes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_formadd_items(
    httppost: *mut *mut fetch_httppost,
    last_post: *mut *mut fetch_httppost,
    items: *const fetch_formadd_item,
    count: usize,
) -> c_int {
    if httppost.is_null() || last_post.is_null() || (items.is_null() && count > 0) {
        return FETCH_FORMADD_NULL;
    }
    guard(FETCH_FORMADD_MEMORY, || {
        // SAFETY: `count` items (the caller's contract).
        let items = unsafe { std::slice::from_raw_parts(items, count) };
        // SAFETY: as above.
        let items = match unsafe { expand(items) } {
            Ok(i) => i,
            Err(code) => return code,
        };
        let mut posts = Vec::new();
        // SAFETY: as above.
        let code = unsafe { fill(&items, &mut posts) };
        let mut boxed: Vec<*mut fetch_httppost> = posts
            .into_iter()
            .map(|p| Box::into_raw(Box::new(p)))
            .collect();
        if code != FETCH_FORMADD_OK {
            for p in boxed {
                // SAFETY: just made, linked nowhere.
                unsafe { free_post(p) };
            }
            return code;
        }
        for w in 1..boxed.len() {
            // SAFETY: just made.
            unsafe { (*boxed[w - 1]).more = boxed[w] };
        }
        let first = boxed.swap_remove(0);
        // SAFETY: the list pointers (the caller's contract).
        unsafe {
            if (*httppost).is_null() {
                *httppost = first;
            } else if let Some(last) = (*last_post).as_mut() {
                last.next = first;
            } else {
                let mut p = *httppost;
                while !(*p).next.is_null() {
                    p = (*p).next;
                }
                (*p).next = first;
            }
            *last_post = first;
        }
        FETCH_FORMADD_OK
    })
}

/// Frees one node (not its `next`/`more`).
///
/// # Safety
/// `p` came from `fetch_formadd_items`.
unsafe fn free_post(p: *mut fetch_httppost) {
    // SAFETY: the caller's contract; copies were malloc'd.
    unsafe {
        let b = Box::from_raw(p);
        if b.flags & HTTPPOST_PTRNAME == 0 {
            libc::free(b.name.cast());
        }
        if b.flags & HTTPPOST_PTRCONTENTS == 0 {
            libc::free(b.contents.cast());
        }
        libc::free(b.contenttype.cast());
        libc::free(b.showfilename.cast());
    }
}

/// `fetch_formfree`: frees a list built by `fetch_formadd` (NULL: nothing).
///
/// # Safety
/// `form` is NULL or a list's first node, not in use by a transfer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_formfree(form: *mut fetch_httppost) {
    let mut p = form;
    while !p.is_null() {
        // SAFETY: nodes of the list (the caller's contract).
        unsafe {
            let next = (*p).next;
            let mut m = (*p).more;
            while !m.is_null() {
                let after = (*m).more;
                free_post(m);
                m = after;
            }
            free_post(p);
            p = next;
        }
    }
}

/// A C string or counted bytes.
///
/// # Safety
/// `p` is a C string (len 0) or has `len` readable bytes.
unsafe fn bytes<'a>(p: *const c_char, len: i64) -> &'a [u8] {
    if p.is_null() {
        return &[];
    }
    if len > 0 {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts(p.cast(), len as usize) }
    } else {
        // SAFETY: the caller's contract.
        unsafe { CStr::from_ptr(p) }.to_bytes()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One file or value of a field onto `part`.
///
/// # Safety
/// `p` is a node of a `fetch_formadd` list.
unsafe fn fill_part(
    part: &mut fetch_core::mime::Part,
    p: &fetch_httppost,
    read: Option<fetch_read_callback>,
) {
    use std::os::unix::ffi::OsStrExt;
    let len = if p.flags & HTTPPOST_LARGE != 0 {
        p.contentlen
    } else {
        i64::from(p.contentslength)
    };
    if p.flags & (HTTPPOST_FILENAME | HTTPPOST_READFILE) != 0 {
        // SAFETY: a C string.
        let path = unsafe { bytes(p.contents, 0) };
        let _ = part.file(std::ffi::OsStr::from_bytes(path));
        if p.flags & HTTPPOST_READFILE != 0 {
            part.filename(None);
        }
    } else if p.flags & HTTPPOST_PTRBUFFER != 0 {
        // SAFETY: bufferlength bytes.
        part.data(unsafe { bytes(p.buffer, i64::from(p.bufferlength)) }.to_vec());
    } else if p.flags & HTTPPOST_CALLBACK != 0 {
        if let Some(read) = read {
            let size = u64::try_from(len).ok().filter(|&n| n > 0);
            part.source(
                size,
                CbSource {
                    read,
                    seek: None,
                    arg: p.userp,
                },
            );
        }
    } else {
        // SAFETY: a C string or `len` bytes.
        part.data(unsafe { bytes(p.contents, len) }.to_vec());
    }
    if !p.showfilename.is_null() {
        // SAFETY: a C string.
        part.filename(Some(&text(unsafe { bytes(p.showfilename, 0) })));
    }
    if !p.contenttype.is_null() {
        // SAFETY: a C string.
        part.mime_type(Some(&text(unsafe { bytes(p.contenttype, 0) })));
    }
    // SAFETY: the application's list.
    part.headers(unsafe { slist_lines(p.contentheader) });
}

/// The multipart body of a `fetch_formadd` list (NULL: none); STREAM
/// fields read with `read` (the easy's FETCHOPT_READFUNCTION).
///
/// # Safety
/// `first` is NULL or a list from `fetch_formadd`, alive.
pub(crate) unsafe fn to_mime(
    first: *const fetch_httppost,
    read: Option<fetch_read_callback>,
) -> Option<Mime> {
    let mut mime = Mime::new();
    let mut p = first;
    // SAFETY: the caller's contract.
    while let Some(post) = unsafe { p.as_ref() } {
        let part = mime.add_part();
        // SAFETY: a C string or `namelength` bytes.
        let name = text(unsafe { bytes(post.name, i64::from(post.namelength)) });
        part.name(Some(&name));
        if post.more.is_null() {
            // SAFETY: a node of the list.
            unsafe { fill_part(part, post, read) };
        } else {
            let mut files = Mime::new();
            let mut f: *const fetch_httppost = post;
            // SAFETY: the `more` chain of the node.
            while let Some(file) = unsafe { f.as_ref() } {
                // SAFETY: as above.
                unsafe { fill_part(files.add_part(), file, read) };
                f = file.more;
            }
            part.subparts(files);
        }
        p = post.next;
    }
    Some(mime)
}

/// `fetch_formget`: hands the serialized form to `append` in pieces;
/// 0 when all went out, else non-zero (a short `append` stops it).
///
/// # Safety
/// `form` is NULL or a list from `fetch_formadd`; `append` valid for
/// `arg`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_formget(
    form: *mut fetch_httppost,
    arg: *mut c_void,
    append: Option<unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> usize>,
) -> c_int {
    guard(-1, || {
        // SAFETY: the caller's contract.
        let Some(mime) = (unsafe { to_mime(form, None) }) else {
            return 0;
        };
        let Some(append) = append else {
            return -1;
        };
        let mut reader = mime.reader();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf) {
                ReadResult::Data(0) => return 0,
                ReadResult::Data(n) => {
                    // SAFETY: the application's callback with `n` bytes.
                    if unsafe { append(arg, buf.as_ptr().cast(), n) } != n {
                        return -1;
                    }
                }
                _ => return -1,
            }
        }
    })
}
