// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
//! `fetch_easy_getinfo_ptr`: the info table (one entry per id: name,
//! number, where the answer comes from) and where each answer is read (the
//! engine, the held transfer, or the in-callback snapshot).

use std::borrow::Cow;
use std::ffi::{CStr, CString, c_char, c_double, c_long, c_void};
use std::ptr;
use std::time::Duration;

use fetch_core::TransferInfo;

use super::{FetchEasy, State, easy_ref};
use crate::codes::*;
use crate::guard;
use crate::multi::{watch_info, with_engine_info};

/// A `fetch_easy_getinfo` answer; its variant matches the id's type base.
#[derive(Debug)]
enum Out {
    Str(*const c_char),
    Long(c_long),
    Double(c_double),
    Off(fetch_off_t),
    Ptr(*mut c_void),
    Socket(fetch_socket_t),
}

/// Where the string answers live (until the next getinfo of the same id).
struct Strings<'a> {
    slots: &'a mut Option<Box<StringSlots>>,
    /// The method the options gave the last transfer, CUSTOMREQUEST aside
    /// (upstream keeps the two apart for EFFECTIVE_METHOD).
    base_method: Option<&'static str>,
}

impl Strings<'_> {
    /// The slots, made at the first string answer.
    fn get(&mut self) -> &mut StringSlots {
        self.slots.get_or_insert_with(Box::default)
    }
}

/// The string answers of the transfer info ids, out of line in the handle:
/// most handles never ask for one (issue 13).
#[derive(Default)]
pub(crate) struct StringSlots {
    effective_url: CString,
    primary_ip: CString,
    redirect_url: CString,
    local_ip: CString,
    content_type: CString,
    method: CString,
    referer: CString,
}

/// What a transfer-information getter reads: the information, FETCHOPT_URL
/// (the effective URL before a transfer ran) and the string slots.
struct Ctx<'a, 'b> {
    i: &'a TransferInfo,
    url: Option<&'a CStr>,
    /// The method the options name whatever ran (CUSTOMREQUEST, or HEAD
    /// for NOBODY): upstream's EFFECTIVE_METHOD reads them first.
    forced_method: Option<&'a [u8]>,
    strings: &'a mut Strings<'b>,
}

/// Where an info id's answer comes from. (The variants the usual DONE
/// loop asks for come first: the entry point tests them first.)
enum Get {
    /// A `long` of the transfer information alone: read in place, in the
    /// engine, by the entry point itself in the common case.
    Long(fn(&TransferInfo) -> c_long),
    /// FETCHINFO_PRIVATE, the handle's pointer: read by the entry point
    /// itself, without the getter's call and the answer's variant switch
    /// (asked once per transfer by the usual DONE loop; issue 13).
    Private,
    /// The handle itself (no need to reach the engine).
    Handle(fn(&FetchEasy) -> Out),
    /// The transfer information alone, wherever the transfer is.
    Info(fn(&TransferInfo) -> Out),
    /// The transfer information with the options and string slots.
    Transfer(fn(&mut Ctx<'_, '_>) -> Out),
}

/// What [`FetchEasy::transfer_info`] runs on the transfer information.
#[derive(Clone, Copy)]
enum Read {
    Long(fn(&TransferInfo) -> c_long),
    Info(fn(&TransferInfo) -> Out),
    Ctx(fn(&mut Ctx<'_, '_>) -> Out),
}

/// One info id.
pub(crate) struct InfoItem {
    /// The C name.
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the header check"))]
    pub(crate) name: &'static str,
    /// Its number (type base + index, as upstream).
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the header check"))]
    pub(crate) number: FETCHINFO,
    get: Get,
}

/// Defines each info id's constant and its [`INFO_ITEMS`] entry.
macro_rules! info_items {
    ($($(#[$doc:meta])* $name:ident = $ty:ident + $n:literal, $get:expr;)*) => {
        $($(#[$doc])* pub const $name: FETCHINFO = $ty + $n;)*
        /// Every supported info id.
        pub(crate) static INFO_ITEMS: &[InfoItem] = &[$(InfoItem {
            name: stringify!($name),
            number: $name,
            get: $get,
        }),*];
        /// Where each id is in [`INFO_ITEMS`], by [`info_key`].
        static INFO_INDEX: [u8; INFO_KEYS] = info_index(&[$($name),*]);
    };
}

/// Numbers within a type base: upstream's stay below 128.
const INFO_NUMBERS: usize = 128;
/// Keys of [`info_key`]: the type bases (up to FETCHINFO_OFF_T's 6) times
/// [`INFO_NUMBERS`].
const INFO_KEYS: usize = 8 * INFO_NUMBERS;

/// An info id's slot in [`INFO_INDEX`]: its type base and number, or
/// `None` for an id outside every type base's range.
const fn info_key(info: FETCHINFO) -> Option<usize> {
    let ty = (info as u32 >> 20) as usize;
    let n = (info & 0xfffff) as usize;
    if ty * INFO_NUMBERS >= INFO_KEYS || n >= INFO_NUMBERS {
        None
    } else {
        Some(ty * INFO_NUMBERS + n)
    }
}

/// The table from [`info_key`] to the position in the item list whose
/// numbers are `numbers` (`u8::MAX`, past the list's end, for none), built
/// at compile time so that getinfo finds its entry with one load.
const fn info_index(numbers: &[FETCHINFO]) -> [u8; INFO_KEYS] {
    assert!(numbers.len() < u8::MAX as usize);
    let mut index = [u8::MAX; INFO_KEYS];
    let mut i = 0;
    while i < numbers.len() {
        let Some(k) = info_key(numbers[i]) else {
            panic!("an info id outside the index");
        };
        assert!(index[k] == u8::MAX, "an info id listed twice");
        index[k] = i as u8;
        i += 1;
    }
    index
}

/// The entry of a supported info id.
fn info_item(info: FETCHINFO) -> Option<&'static InfoItem> {
    let k = info_key(info)?;
    INFO_ITEMS.get(usize::from(INFO_INDEX[k]))
}

fn secs(d: Duration) -> Out {
    Out::Double(d.as_secs_f64())
}

fn micros(d: Duration) -> Out {
    Out::Off(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

fn off(n: u64) -> Out {
    Out::Off(i64::try_from(n).unwrap_or(i64::MAX))
}

fn long<T: TryInto<c_long>>(n: T) -> c_long {
    n.try_into().unwrap_or(c_long::MAX)
}

use Get::{Handle, Info, Long, Private, Transfer};

info_items! {
    /// FETCHINFO_EFFECTIVE_URL.
    FETCHINFO_EFFECTIVE_URL = FETCHINFO_STRING + 1, Transfer(effective_url);
    /// FETCHINFO_RESPONSE_CODE.
    FETCHINFO_RESPONSE_CODE = FETCHINFO_LONG + 2, Long(|i| long(i.response_code));
    /// FETCHINFO_HTTP_VERSION (FETCH_HTTP_VERSION_1_0 / _1_1 / _2_0; 0
    /// before a response).
    FETCHINFO_HTTP_VERSION = FETCHINFO_LONG + 46, Long(|i| match i.http_version {
        10 => 1, // FETCH_HTTP_VERSION_1_0
        11 => 2, // FETCH_HTTP_VERSION_1_1
        20 => 3, // FETCH_HTTP_VERSION_2_0
        _ => 0,
    });
    /// FETCHINFO_TOTAL_TIME.
    FETCHINFO_TOTAL_TIME = FETCHINFO_DOUBLE + 3, Info(|i| secs(i.total_time));
    /// FETCHINFO_NAMELOOKUP_TIME.
    FETCHINFO_NAMELOOKUP_TIME = FETCHINFO_DOUBLE + 4, Info(|i| secs(i.namelookup_time));
    /// FETCHINFO_CONNECT_TIME.
    FETCHINFO_CONNECT_TIME = FETCHINFO_DOUBLE + 5, Info(|i| secs(i.connect_time));
    /// FETCHINFO_PRETRANSFER_TIME.
    FETCHINFO_PRETRANSFER_TIME = FETCHINFO_DOUBLE + 6, Info(|i| secs(i.pretransfer_time));
    /// FETCHINFO_SIZE_UPLOAD.
    FETCHINFO_SIZE_UPLOAD = FETCHINFO_DOUBLE + 7,
        Info(|i| Out::Double(i.size_upload as f64));
    /// FETCHINFO_SIZE_UPLOAD_T.
    FETCHINFO_SIZE_UPLOAD_T = FETCHINFO_OFF_T + 7, Info(|i| off(i.size_upload));
    /// FETCHINFO_SIZE_DOWNLOAD.
    FETCHINFO_SIZE_DOWNLOAD = FETCHINFO_DOUBLE + 8,
        Info(|i| Out::Double(i.size_download as f64));
    /// FETCHINFO_SIZE_DOWNLOAD_T.
    FETCHINFO_SIZE_DOWNLOAD_T = FETCHINFO_OFF_T + 8, Info(|i| off(i.size_download));
    /// FETCHINFO_SPEED_DOWNLOAD.
    FETCHINFO_SPEED_DOWNLOAD = FETCHINFO_DOUBLE + 9,
        Info(|i| Out::Double(i.speed_download as f64));
    /// FETCHINFO_SPEED_DOWNLOAD_T.
    FETCHINFO_SPEED_DOWNLOAD_T = FETCHINFO_OFF_T + 9, Info(|i| off(i.speed_download));
    /// FETCHINFO_SPEED_UPLOAD.
    FETCHINFO_SPEED_UPLOAD = FETCHINFO_DOUBLE + 10,
        Info(|i| Out::Double(i.speed_upload as f64));
    /// FETCHINFO_SPEED_UPLOAD_T.
    FETCHINFO_SPEED_UPLOAD_T = FETCHINFO_OFF_T + 10, Info(|i| off(i.speed_upload));
    /// FETCHINFO_HEADER_SIZE.
    FETCHINFO_HEADER_SIZE = FETCHINFO_LONG + 11, Long(|i| long(i.header_size));
    /// FETCHINFO_SSL_VERIFYRESULT: 0 (X509_V_OK), or OpenSSL's number for
    /// why the certificate failed verification (docs/decisions.md).
    FETCHINFO_SSL_VERIFYRESULT = FETCHINFO_LONG + 13,
        Long(|i| long(i.ssl_verify_result));
    /// FETCHINFO_REQUEST_SIZE.
    FETCHINFO_REQUEST_SIZE = FETCHINFO_LONG + 12, Long(|i| long(i.request_size));
    /// FETCHINFO_FILETIME (-1 unknown; FETCHOPT_FILETIME asks for it).
    FETCHINFO_FILETIME = FETCHINFO_LONG + 14, Long(|i| long(i.filetime.unwrap_or(-1)));
    /// FETCHINFO_FILETIME_T.
    FETCHINFO_FILETIME_T = FETCHINFO_OFF_T + 14,
        Info(|i| Out::Off(i.filetime.unwrap_or(-1)));
    /// FETCHINFO_CONTENT_TYPE (NULL without one).
    FETCHINFO_CONTENT_TYPE = FETCHINFO_STRING + 18,
        Transfer(|c| opt_str(&mut c.strings.get().content_type, c.i.content_type.as_deref()));
    /// FETCHINFO_CONDITION_UNMET.
    FETCHINFO_CONDITION_UNMET = FETCHINFO_LONG + 35,
        Long(|i| long(i.condition_unmet));
    /// FETCHINFO_SCHEME ("HTTP" / "HTTPS" as upstream; NULL before a
    /// request).
    FETCHINFO_SCHEME = FETCHINFO_STRING + 49, Info(|i| Out::Str(match i.scheme {
        Some("HTTPS") => c"HTTPS".as_ptr(),
        Some(_) => c"HTTP".as_ptr(),
        None => ptr::null(),
    }));
    /// FETCHINFO_RETRY_AFTER (seconds; 0 without one).
    FETCHINFO_RETRY_AFTER = FETCHINFO_OFF_T + 57, Info(|i| Out::Off(i.retry_after));
    /// FETCHINFO_EFFECTIVE_METHOD, as upstream: CUSTOMREQUEST when set,
    /// else HEAD with NOBODY, else the method of the last transfer as it
    /// stands after redirects ("GET" before one).
    FETCHINFO_EFFECTIVE_METHOD = FETCHINFO_STRING + 58, Transfer(|c| {
        let ran = match c.i.effective_method.as_deref() {
            None => "GET",
            Some(m @ ("GET" | "HEAD" | "POST" | "PUT")) => m,
            // A CUSTOMREQUEST that ran: what the options said besides it.
            Some(_) => c.strings.base_method.unwrap_or("GET"),
        };
        let m = c.forced_method.unwrap_or(ran.as_bytes());
        Out::Str(store_str(&mut c.strings.get().method, m))
    });
    /// FETCHINFO_REFERER (NULL without one).
    FETCHINFO_REFERER = FETCHINFO_STRING + 60,
        Transfer(|c| opt_str(&mut c.strings.get().referer, c.i.referer.as_deref()));
    /// FETCHINFO_STARTTRANSFER_TIME.
    FETCHINFO_STARTTRANSFER_TIME = FETCHINFO_DOUBLE + 17,
        Info(|i| secs(i.starttransfer_time));
    /// FETCHINFO_CONTENT_LENGTH_DOWNLOAD (-1 when unknown).
    FETCHINFO_CONTENT_LENGTH_DOWNLOAD = FETCHINFO_DOUBLE + 15,
        Info(|i| Out::Double(i.content_length_download.map_or(-1.0, |n| n as f64)));
    /// FETCHINFO_CONTENT_LENGTH_DOWNLOAD_T (-1 when unknown).
    FETCHINFO_CONTENT_LENGTH_DOWNLOAD_T = FETCHINFO_OFF_T + 15,
        Info(|i| i.content_length_download.map_or(Out::Off(-1), off));
    /// FETCHINFO_CONTENT_LENGTH_UPLOAD (-1 when unknown).
    FETCHINFO_CONTENT_LENGTH_UPLOAD = FETCHINFO_DOUBLE + 16,
        Info(|i| Out::Double(i.content_length_upload.map_or(-1.0, |n| n as f64)));
    /// FETCHINFO_CONTENT_LENGTH_UPLOAD_T (-1 when unknown).
    FETCHINFO_CONTENT_LENGTH_UPLOAD_T = FETCHINFO_OFF_T + 16,
        Info(|i| i.content_length_upload.map_or(Out::Off(-1), off));
    /// FETCHINFO_REDIRECT_TIME.
    FETCHINFO_REDIRECT_TIME = FETCHINFO_DOUBLE + 19, Info(|i| secs(i.redirect_time));
    /// FETCHINFO_REDIRECT_TIME_T.
    FETCHINFO_REDIRECT_TIME_T = FETCHINFO_OFF_T + 55, Info(|i| micros(i.redirect_time));
    /// FETCHINFO_OS_ERRNO.
    FETCHINFO_OS_ERRNO = FETCHINFO_LONG + 25, Long(|i| long(i.os_errno));
    /// FETCHINFO_PROTOCOL (deprecated upstream): FETCHPROTO_HTTP (1) or
    /// FETCHPROTO_HTTPS (2) of the last request, 0 before one.
    FETCHINFO_PROTOCOL = FETCHINFO_LONG + 48, Long(|i| match i.scheme {
        Some("HTTPS") => 2,
        Some(_) => 1,
        None => 0,
    });
    /// FETCHINFO_CAINFO: no CA file is built in (the default roots are
    /// compiled in), so NULL, as upstream built without a default.
    FETCHINFO_CAINFO = FETCHINFO_STRING + 61, Handle(|_| Out::Str(ptr::null()));
    /// FETCHINFO_CAPATH: NULL, as FETCHINFO_CAINFO.
    FETCHINFO_CAPATH = FETCHINFO_STRING + 62, Handle(|_| Out::Str(ptr::null()));
    /// FETCHINFO_REDIRECT_COUNT.
    FETCHINFO_REDIRECT_COUNT = FETCHINFO_LONG + 20, Long(|i| long(i.redirect_count));
    /// FETCHINFO_PROXY_SSL_VERIFYRESULT: as SSL_VERIFYRESULT, for the
    /// https proxy's certificate.
    FETCHINFO_PROXY_SSL_VERIFYRESULT = FETCHINFO_LONG + 47,
        Long(|i| long(i.proxy_ssl_verify_result));
    /// FETCHINFO_HTTP_CONNECTCODE: the last CONNECT reply's status code.
    FETCHINFO_HTTP_CONNECTCODE = FETCHINFO_LONG + 22,
        Long(|i| long(i.http_connectcode));
    /// FETCHINFO_HTTPAUTH_AVAIL: the FETCHAUTH_* methods servers offered.
    FETCHINFO_HTTPAUTH_AVAIL = FETCHINFO_LONG + 23, Long(|i| long(i.httpauth_avail));
    /// FETCHINFO_PRIVATE (FETCHOPT_PRIVATE, always current).
    FETCHINFO_PRIVATE = FETCHINFO_STRING + 21, Private;
    /// FETCHINFO_NUM_CONNECTS.
    FETCHINFO_NUM_CONNECTS = FETCHINFO_LONG + 26, Long(|i| long(i.num_connects));
    /// FETCHINFO_REDIRECT_URL (NULL without a redirect).
    FETCHINFO_REDIRECT_URL = FETCHINFO_STRING + 31, Transfer(|c| match &c.i.redirect_url {
        Some(u) => Out::Str(store_str(&mut c.strings.get().redirect_url, u.as_bytes())),
        None => Out::Str(ptr::null()),
    });
    /// FETCHINFO_PRIMARY_IP.
    FETCHINFO_PRIMARY_IP = FETCHINFO_STRING + 32, Transfer(|c| {
        let ip = c.i.primary_ip.map(|ip| ip.to_string()).unwrap_or_default();
        Out::Str(store_str(&mut c.strings.get().primary_ip, ip.as_bytes()))
    });
    /// FETCHINFO_APPCONNECT_TIME (0 without TLS).
    FETCHINFO_APPCONNECT_TIME = FETCHINFO_DOUBLE + 33, Info(|i| secs(i.appconnect_time));
    /// FETCHINFO_PRIMARY_PORT.
    FETCHINFO_PRIMARY_PORT = FETCHINFO_LONG + 40, Long(|i| long(i.primary_port));
    /// FETCHINFO_TOTAL_TIME_T.
    FETCHINFO_TOTAL_TIME_T = FETCHINFO_OFF_T + 50, Info(|i| micros(i.total_time));
    /// FETCHINFO_NAMELOOKUP_TIME_T.
    FETCHINFO_NAMELOOKUP_TIME_T = FETCHINFO_OFF_T + 51,
        Info(|i| micros(i.namelookup_time));
    /// FETCHINFO_CONNECT_TIME_T.
    FETCHINFO_CONNECT_TIME_T = FETCHINFO_OFF_T + 52, Info(|i| micros(i.connect_time));
    /// FETCHINFO_PRETRANSFER_TIME_T.
    FETCHINFO_PRETRANSFER_TIME_T = FETCHINFO_OFF_T + 53,
        Info(|i| micros(i.pretransfer_time));
    /// FETCHINFO_STARTTRANSFER_TIME_T.
    FETCHINFO_STARTTRANSFER_TIME_T = FETCHINFO_OFF_T + 54,
        Info(|i| micros(i.starttransfer_time));
    /// FETCHINFO_COOKIELIST: the cookies as Netscape lines, in a new list
    /// the caller frees with `fetch_slist_free_all` (NULL when none).
    FETCHINFO_COOKIELIST = FETCHINFO_SLIST + 28, Handle(|e| Out::Ptr(e.opts.cookies.with(|c| c.info_list())));
    /// FETCHINFO_APPCONNECT_TIME_T.
    FETCHINFO_APPCONNECT_TIME_T = FETCHINFO_OFF_T + 56,
        Info(|i| micros(i.appconnect_time));
    /// FETCHINFO_LASTSOCKET: as ACTIVESOCKET, as a long.
    FETCHINFO_LASTSOCKET = FETCHINFO_LONG + 29,
        Long(|i| i.active_socket.map_or(-1, c_long::from));
    /// FETCHINFO_LOCAL_IP ("" before a connection, and over a Unix socket).
    FETCHINFO_LOCAL_IP = FETCHINFO_STRING + 41, Transfer(|c| {
        let ip = c.i.local_ip.map(|ip| ip.to_string()).unwrap_or_default();
        Out::Str(store_str(&mut c.strings.get().local_ip, ip.as_bytes()))
    });
    /// FETCHINFO_LOCAL_PORT.
    FETCHINFO_LOCAL_PORT = FETCHINFO_LONG + 42, Long(|i| long(i.local_port));
    /// FETCHINFO_ACTIVESOCKET: the last connection's socket while it is
    /// open (in use or pooled), else FETCH_SOCKET_BAD (-1).
    FETCHINFO_ACTIVESOCKET = FETCHINFO_SOCKET + 44,
        Info(|i| Out::Socket(i.active_socket.unwrap_or(-1)));
}

/// An upstream info id libfetch knows by name and number but does not
/// answer: getinfo returns `code` (ABI.md says which and why).
pub(crate) struct RefusedInfo {
    /// The C name.
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the header check"))]
    pub(crate) name: &'static str,
    /// Its number.
    pub(crate) number: FETCHINFO,
    /// `FETCHE_NOT_BUILT_IN` or `FETCHE_UNKNOWN_OPTION`.
    pub(crate) code: FETCHcode,
}

/// Defines each refused info id's constant and its [`REFUSED_INFO`] entry.
macro_rules! refused_info {
    ($($name:ident = $ty:ident + $n:literal, $code:ident;)*) => {
        $(#[doc = concat!("`", stringify!($name), "`: known, not answered.")]
        pub const $name: FETCHINFO = $ty + $n;)*
        /// Every upstream info id getinfo does not answer.
        pub(crate) static REFUSED_INFO: &[RefusedInfo] = &[$(RefusedInfo {
            name: stringify!($name),
            number: $name,
            code: $code,
        }),*];
    };
}

/// About a feature libfetch does not build (FTP, RTSP, proxies,
/// TLS-backend internals, certificate chains).
const NOT_BUILT_IN: FETCHcode = FETCHE_NOT_BUILT_IN;

refused_info! {
    FETCHINFO_PROXYAUTH_AVAIL = FETCHINFO_LONG + 24, NOT_BUILT_IN;
    FETCHINFO_SSL_ENGINES = FETCHINFO_SLIST + 27, NOT_BUILT_IN;
    FETCHINFO_FTP_ENTRY_PATH = FETCHINFO_STRING + 30, NOT_BUILT_IN;
    FETCHINFO_CERTINFO = FETCHINFO_SLIST + 34, NOT_BUILT_IN;
    FETCHINFO_RTSP_SESSION_ID = FETCHINFO_STRING + 36, NOT_BUILT_IN;
    FETCHINFO_RTSP_CLIENT_CSEQ = FETCHINFO_LONG + 37, NOT_BUILT_IN;
    FETCHINFO_RTSP_SERVER_CSEQ = FETCHINFO_LONG + 38, NOT_BUILT_IN;
    FETCHINFO_RTSP_CSEQ_RECV = FETCHINFO_LONG + 39, NOT_BUILT_IN;
    FETCHINFO_TLS_SESSION = FETCHINFO_SLIST + 43, NOT_BUILT_IN;
    FETCHINFO_TLS_SSL_PTR = FETCHINFO_SLIST + 45, NOT_BUILT_IN;
    FETCHINFO_PROXY_ERROR = FETCHINFO_LONG + 59, NOT_BUILT_IN;
}

fn effective_url(c: &mut Ctx<'_, '_>) -> Out {
    let s = match (&c.i.effective_url, c.url) {
        (Some(u), _) => Cow::Borrowed(u.as_str()),
        (None, Some(u)) => u.to_string_lossy(),
        (None, None) => Cow::Borrowed(""),
    };
    Out::Str(store_str(&mut c.strings.get().effective_url, s.as_bytes()))
}

/// `s` into `slot` as a C string, NULL for `None`.
fn opt_str(slot: &mut CString, s: Option<&str>) -> Out {
    Out::Str(s.map_or(ptr::null(), |s| store_str(slot, s.as_bytes())))
}

/// `s` into `slot` (reused when it already holds `s`), as a C string.
fn store_str(slot: &mut CString, s: &[u8]) -> *const c_char {
    if slot.to_bytes() != s {
        *slot = CString::new(s).unwrap_or_default();
    }
    slot.as_ptr()
}

/// The answer of an info id not in [`INFO_ITEMS`]: its code when it is a
/// refused one, else FETCHE_UNKNOWN_OPTION.
#[cold]
fn refused(info: FETCHINFO) -> FETCHcode {
    REFUSED_INFO
        .iter()
        .find(|r| r.number == info)
        .map_or(FETCHE_UNKNOWN_OPTION, |r| r.code)
}

/// Writes `value` where the caller's `out` points.
///
/// # Safety
/// `out` must be non-NULL and point to a variable of the type `value`'s
/// variant stands for.
#[inline]
unsafe fn write_out(out: *mut c_void, value: Out) {
    // SAFETY: the caller's promise.
    unsafe {
        match value {
            Out::Str(s) => *out.cast::<*const c_char>() = s,
            Out::Long(l) => *out.cast::<c_long>() = l,
            Out::Double(d) => *out.cast::<c_double>() = d,
            Out::Off(o) => *out.cast::<fetch_off_t>() = o,
            Out::Ptr(p) => *out.cast::<*mut c_void>() = p,
            Out::Socket(fd) => *out.cast::<fetch_socket_t>() = fd,
        }
    }
}

impl FetchEasy {
    /// `item`'s answer wherever the transfer is (the entry point answers
    /// the common cases itself).
    #[inline(never)]
    fn getinfo(&mut self, item: &InfoItem) -> Out {
        match item.get {
            Handle(f) => f(self),
            Private => Out::Ptr(self.opts.private),
            Long(f) => self.transfer_info(Read::Long(f)),
            Info(f) => self.info_of(f),
            Transfer(f) => self.transfer_info(Read::Ctx(f)),
        }
    }

    /// A number from the transfer information: straight from the engine
    /// in the common case (added, outside callbacks), else as
    /// [`FetchEasy::transfer_info`] finds it.
    fn info_of(&mut self, f: fn(&TransferInfo) -> Out) -> Out {
        if let State::Added { multi, id } = self.state {
            // SAFETY: an added handle's multi pointer stays valid while it
            // is added (cleanup detaches every handle first).
            if let Some(v) = unsafe { with_engine_info(multi, id, f) } {
                return v;
            }
        }
        self.transfer_info(Read::Info(f))
    }

    /// One item of the transfer information, read where it is: in the
    /// engine while the handle is added (outside callbacks), else in the
    /// held engine transfer. Inside a callback of the handle's multi (or of
    /// its own perform) the engine is borrowed, so the answer comes from
    /// the snapshot taken when a multi call returns (see `watch_info`).
    fn transfer_info(&mut self, get: Read) -> Out {
        // (Captures only the fields it names, so the information may be
        // borrowed from `core` or `snapshot` meanwhile.)
        let mut read = |i: &TransferInfo| match get {
            Read::Long(f) => Out::Long(f(i)),
            Read::Info(f) => f(i),
            Read::Ctx(f) => f(&mut Ctx {
                i,
                url: self.opts.url.as_deref(),
                forced_method: match (&self.opts.custom, self.opts.nobody) {
                    (Some(c), _) => Some(c.to_bytes()),
                    (None, true) => Some(&b"HEAD"[..]),
                    (None, false) => None,
                },
                strings: &mut Strings {
                    slots: &mut self.info_strings,
                    base_method: self.base_method,
                },
            }),
        };
        match self.state {
            State::Added { multi, id } => {
                // SAFETY: an added handle's multi pointer stays valid while
                // it is added (cleanup detaches every handle first).
                if let Some(v) = unsafe { with_engine_info(multi, id, &mut read) } {
                    return v;
                }
                // Busy: inside a callback of that multi. From now on the
                // snapshot is kept fresh at the end of each of its calls.
                if !self.watched {
                    // SAFETY: as above; the multi only records the id.
                    self.watched = unsafe { watch_info(multi, id) };
                }
            }
            State::Idle => {
                if let Some(core) = &self.core {
                    return read(core.info());
                }
            }
            State::Adding { .. } | State::Performing => {}
        }
        // The snapshot, brought up to where the transfer stands in the
        // callback now running (status, address, sizes).
        let mut info = self.snapshot.as_deref().cloned().unwrap_or_default();
        self.live.overlay(&mut info);
        read(&info)
    }
}

/// `fetch_easy_getinfo`: the `_Generic`-free entry point; the info id's
/// type base says what `out` points to.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library; `out` must be
/// NULL or point to a variable of the type the info id documents.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_getinfo_ptr(
    h: *mut c_void,
    info: FETCHINFO,
    out: *mut c_void,
) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        if out.is_null() {
            return FETCHE_BAD_FUNCTION_ARGUMENT;
        }
        // SAFETY: as documented above.
        let Some(e) = (unsafe { easy_ref(h) }) else {
            return FETCHE_BAD_FUNCTION_ARGUMENT;
        };
        let Some(item) = info_item(info) else {
            return refused(info);
        };
        let value = match item.get {
            // The common cases here, without a call: a number read in
            // place in the engine (added, outside callbacks), the handle's
            // own fields.
            Long(f) => match e.state {
                // SAFETY: an added handle's multi pointer stays valid while
                // it is added (cleanup detaches every handle first).
                State::Added { multi, id } => match unsafe { with_engine_info(multi, id, f) } {
                    Some(v) => Out::Long(v),
                    None => e.getinfo(item),
                },
                _ => e.getinfo(item),
            },
            Private => Out::Ptr(e.opts.private),
            Handle(f) => f(e),
            _ => e.getinfo(item),
        };
        // SAFETY: the caller passes a pointer to a variable of the type the
        // info id's type base names (upstream contract), non-NULL (checked);
        // the table's getters answer with that type (`info_types_match`).
        unsafe { write_out(out, value) };
        FETCHE_OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::easy::Options;

    /// Every getter answers with the type its id's type base names, which
    /// is what `getinfo` writes through the caller's pointer.
    #[test]
    fn info_types_match() {
        let mut e = FetchEasy::new(Options::default);
        for item in INFO_ITEMS {
            let v = match item.get {
                Handle(f) => f(&e),
                Private => Out::Ptr(e.opts.private),
                Long(f) => e.transfer_info(Read::Long(f)),
                Info(f) => e.transfer_info(Read::Info(f)),
                Transfer(f) => e.transfer_info(Read::Ctx(f)),
            };
            let ok = match item.number & FETCHINFO_TYPEMASK {
                FETCHINFO_STRING => matches!(v, Out::Str(_) | Out::Ptr(_)),
                FETCHINFO_LONG => matches!(v, Out::Long(_)),
                FETCHINFO_DOUBLE => matches!(v, Out::Double(_)),
                FETCHINFO_OFF_T => matches!(v, Out::Off(_)),
                FETCHINFO_SOCKET => matches!(v, Out::Socket(_)),
                FETCHINFO_SLIST => matches!(v, Out::Ptr(_)),
                _ => false,
            };
            assert!(ok, "{}: {v:?}", item.name);
        }
    }

    /// The index finds exactly the listed ids: every one of them, and for
    /// any other number (in or out of the type bases' ranges) nothing.
    #[test]
    fn info_index_finds_listed_ids() {
        for item in INFO_ITEMS {
            let found = info_item(item.number).map(|i| i.number);
            assert_eq!(found, Some(item.number), "{}", item.name);
        }
        let mut probes: Vec<FETCHINFO> = (0..8)
            .flat_map(|ty| (0..300).map(move |n| (ty << 20) + n))
            .collect();
        probes.extend([
            -1,
            FETCHINFO::MIN,
            FETCHINFO::MAX,
            0x1000000 + FETCHINFO_LONG + 2,
        ]);
        for info in probes {
            let listed = INFO_ITEMS
                .iter()
                .find(|i| i.number == info)
                .map(|i| i.number);
            assert_eq!(info_item(info).map(|i| i.number), listed, "{info:#x}");
        }
    }
}
