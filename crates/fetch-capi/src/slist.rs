//! `struct fetch_slist` and its two functions (malloc'd nodes, so C code
//! may walk and free them as upstream's).

use std::ffi::c_char;
use std::ptr;

use crate::guard;

/// `struct fetch_slist`.
#[repr(C)]
#[derive(Debug)]
pub struct fetch_slist {
    /// The string (owned by the list).
    pub data: *mut c_char,
    /// The next node, or NULL.
    pub next: *mut Self,
}

/// `fetch_slist_append`: appends a copy of `s` to `list` (NULL starts a
/// new list) and returns the list head, or NULL on failure (the old list
/// is then untouched).
///
/// # Safety
/// `list` must be NULL or a list from this function; `s` a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_slist_append(
    list: *mut fetch_slist,
    s: *const c_char,
) -> *mut fetch_slist {
    guard(ptr::null_mut(), || {
        if s.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: `s` is a NUL-terminated string (checked non-NULL).
        let data = unsafe { libc::strdup(s) };
        if data.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: malloc of the node size; checked below.
        let node = unsafe { libc::malloc(size_of::<fetch_slist>()) }.cast::<fetch_slist>();
        if node.is_null() {
            // SAFETY: `data` came from strdup.
            unsafe { libc::free(data.cast()) };
            return ptr::null_mut();
        }
        // SAFETY: `node` is a fresh allocation of the right size and
        // alignment (malloc's alignment suffices for two pointers).
        unsafe {
            node.write(fetch_slist {
                data,
                next: ptr::null_mut(),
            })
        };
        if list.is_null() {
            return node;
        }
        let mut last = list;
        // SAFETY: `list` is a well-formed list from this function.
        unsafe {
            while !(*last).next.is_null() {
                last = (*last).next;
            }
            (*last).next = node;
        }
        list
    })
}

/// `fetch_slist_free_all`: frees every node and string of a list.
///
/// # Safety
/// `list` must be NULL or a list from `fetch_slist_append`, not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_slist_free_all(list: *mut fetch_slist) {
    guard((), || {
        let mut node = list;
        while !node.is_null() {
            // SAFETY: nodes and strings were malloc'd by fetch_slist_append.
            unsafe {
                let next = (*node).next;
                libc::free((*node).data.cast());
                libc::free(node.cast());
                node = next;
            }
        }
    })
}
