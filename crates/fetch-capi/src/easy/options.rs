// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! The easy option table and `fetch_easy_setopt_*`.

use std::ffi::{CStr, CString, OsStr, c_char, c_int, c_uint, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::ptr;
use std::sync::LazyLock;

use fetch_core::{HttpVersion, Method};

use super::callbacks::callback;
use super::conn::*;
use super::{Options, PostData, dirty};
use crate::codes::*;

/// `struct fetch_blob` (FETCHOPT_CAINFO_BLOB).
#[repr(C)]
#[derive(Debug)]
pub struct fetch_blob {
    /// The bytes.
    pub data: *mut c_void,
    /// How many.
    pub len: usize,
    /// FETCH_BLOB_COPY or FETCH_BLOB_NOCOPY (libfetch always copies).
    pub flags: c_uint,
}

/// Upstream's limit on a blob (and string) option's length.
const MAX_INPUT_LENGTH: usize = 8_000_000;

/// A NUL-terminated option string as a path.
fn path(s: &CStr) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(s.to_bytes()))
}

/// FETCHOPT_HTTP_VERSION, as upstream's setopt: negative is a bad
/// argument; HTTP/3 (not built in) and numbers past the known ones are
/// FETCHE_UNSUPPORTED_PROTOCOL.
fn http_version(arg: i64) -> Result<HttpVersion, FETCHcode> {
    if arg < FETCH_HTTP_VERSION_NONE {
        return Err(FETCHE_BAD_FUNCTION_ARGUMENT);
    }
    HttpVersion::from_code(arg).ok_or(FETCHE_UNSUPPORTED_PROTOCOL)
}

#[derive(Clone, Copy)]
pub(crate) enum Value {
    Int(i64),
    Ptr(*const c_void),
    /// From `fetch_easy_setopt_func`: only valid for function options.
    Func(*const c_void),
}

/// A setopt argument that passed the option's type check: an integer for
/// LONG and OFF_T options, a pointer (NULL for an integer 0) for the rest.
#[derive(Clone, Copy)]
pub(super) struct Arg {
    int: i64,
    ptr: *const c_void,
}

impl Arg {
    /// Checks `value` against the option type `ty` (upstream's `va_arg`
    /// type; the entry points are lenient as ABI.md describes).
    pub(super) fn check(ty: c_int, value: Value) -> Result<Self, FETCHcode> {
        const POINTERS: [c_int; 3] = [
            FETCHOPTTYPE_OBJECTPOINT,
            FETCHOPTTYPE_FUNCTIONPOINT,
            FETCHOPTTYPE_BLOB,
        ];
        let integer = ty == FETCHOPTTYPE_LONG || ty == FETCHOPTTYPE_OFF_T;
        let (int, ptr) = match value {
            Value::Int(v) if integer => (v, ptr::null()),
            Value::Func(p) if ty == FETCHOPTTYPE_FUNCTIONPOINT => (0, p),
            Value::Ptr(_) | Value::Func(_) if integer => return Err(FETCHE_BAD_FUNCTION_ARGUMENT),
            Value::Func(_) => return Err(FETCHE_BAD_FUNCTION_ARGUMENT),
            Value::Ptr(p) if POINTERS.contains(&ty) => (0, p),
            Value::Int(0) if POINTERS.contains(&ty) => (0, ptr::null()),
            Value::Int(_) if POINTERS.contains(&ty) => return Err(FETCHE_BAD_FUNCTION_ARGUMENT),
            Value::Int(_) | Value::Ptr(_) => (0, ptr::null()),
        };
        Ok(Self { int, ptr })
    }

    pub(super) fn int(self) -> i64 {
        self.int
    }

    pub(super) fn flag(self) -> bool {
        self.int != 0
    }

    pub(super) fn ptr_mut<T>(self) -> *mut T {
        self.ptr.cast_mut().cast()
    }

    /// A non-negative integer.
    pub(super) fn unsigned(self) -> Result<u64, FETCHcode> {
        u64::try_from(self.int).map_err(|_| FETCHE_BAD_FUNCTION_ARGUMENT)
    }

    /// A size or count where -1 means "unknown" / "unlimited".
    fn size(self) -> Result<i64, FETCHcode> {
        if self.int < -1 {
            return Err(FETCHE_BAD_FUNCTION_ARGUMENT);
        }
        Ok(self.int)
    }

    /// The integer times `scale`, as milliseconds.
    fn millis(self, scale: i64) -> Result<u64, FETCHcode> {
        let v = self.int.checked_mul(scale);
        v.and_then(|v| u64::try_from(v).ok())
            .ok_or(FETCHE_BAD_FUNCTION_ARGUMENT)
    }

    /// A copy of a string option (upstream copies them too).
    pub(super) fn string(self) -> Option<CString> {
        // SAFETY: string options take NUL-terminated strings (the setopt
        // entry points' contract).
        (!self.ptr.is_null()).then(|| unsafe { CStr::from_ptr(self.ptr.cast()) }.to_owned())
    }

    /// A string option as Rust text (invalid UTF-8 replaced).
    pub(super) fn text(self) -> Option<String> {
        self.string().map(|s| s.to_string_lossy().into_owned())
    }

    pub(super) fn path(self) -> Option<PathBuf> {
        self.string().as_deref().map(path)
    }

    /// A callback option's function pointer.
    ///
    /// # Safety
    /// The option must document callbacks of type `F` (the setopt entry
    /// points' contract makes the argument one).
    pub(super) unsafe fn func<F: Copy>(self) -> Option<F> {
        // SAFETY: the caller's promise.
        unsafe { callback(self.ptr) }
    }
}

/// What a handler does with its option's argument.
type Handler = fn(&mut Options, Arg) -> Result<(), FETCHcode>;

/// One easy option: everything about it is in its table entry.
pub(crate) struct EasyOpt {
    /// The C name.
    pub(crate) name: &'static str,
    /// Its number (type base + index, as upstream).
    pub(crate) number: FETCHoption,
    /// Its `FETCHOT_*` type, for `fetch_easy_option_*`.
    pub(crate) ot: c_int,
    /// What [`FetchEasy::prepare`] must bring up to date (`dirty::*`).
    pub(super) dirty: u8,
    pub(super) set: Handler,
}

/// The `FETCHOT_*` type of an option type base name.
macro_rules! option_ot {
    (FETCHOPTTYPE_LONG) => {
        FETCHOT_LONG
    };
    (FETCHOPTTYPE_VALUES) => {
        FETCHOT_VALUES
    };
    (FETCHOPTTYPE_OFF_T) => {
        FETCHOT_OFF_T
    };
    (FETCHOPTTYPE_OBJECTPOINT) => {
        FETCHOT_OBJECT
    };
    (FETCHOPTTYPE_STRINGPOINT) => {
        FETCHOT_STRING
    };
    (FETCHOPTTYPE_SLISTPOINT) => {
        FETCHOT_SLIST
    };
    (FETCHOPTTYPE_CBPOINT) => {
        FETCHOT_CBPTR
    };
    (FETCHOPTTYPE_BLOB) => {
        FETCHOT_BLOB
    };
    (FETCHOPTTYPE_FUNCTIONPOINT) => {
        FETCHOT_FUNCTION
    };
}
pub(super) use option_ot;

/// Defines each option's constant and its [`EASY_OPTIONS`] entry from one
/// line: `NAME = TYPE + index, dirty bits, handler;`.
macro_rules! easy_options {
    ($($(#[$doc:meta])* $name:ident = $ty:ident + $n:literal, $dirty:expr, $set:expr;)*) => {
        $($(#[$doc])* pub const $name: FETCHoption = $ty + $n;)*
        /// The supported easy options of this file.
        static MAIN_OPTIONS: &[EasyOpt] = &[$(EasyOpt {
            name: stringify!($name),
            number: $name,
            ot: option_ot!($ty),
            dirty: $dirty,
            set: $set,
        }),*];
    };
}

/// Defines a part of the easy option table kept in its own file, whose
/// options all mark the same part of the options dirty: each option's
/// constant and the part's entries.
macro_rules! option_part {
    ($(#[$tdoc:meta])* $table:ident, $dirty:expr; $($(#[$doc:meta])* $name:ident = $ty:ident + $n:literal, $set:expr;)*) => {
        $($(#[$doc])* pub const $name: FETCHoption = $ty + $n;)*
        $(#[$tdoc])*
        pub(super) static $table: &[EasyOpt] = &[$(EasyOpt {
            name: stringify!($name),
            number: $name,
            ot: option_ot!($ty),
            dirty: $dirty,
            set: $set,
        }),*];
    };
}

#[path = "xfer_options.rs"]
mod xfer_options;
pub use xfer_options::*;
#[path = "proxy_options.rs"]
mod proxy_options;
pub use proxy_options::*;
#[path = "tls_options.rs"]
mod tls_options;
pub use tls_options::*;

/// Every supported easy option: this file's table and its parts
/// (`xfer_options`, `proxy_options`, `tls_options`).
pub(crate) static EASY_OPTIONS: LazyLock<Vec<&'static EasyOpt>> = LazyLock::new(|| {
    MAIN_OPTIONS
        .iter()
        .chain(XFER_OPTIONS)
        .chain(PROXY_OPTIONS)
        .chain(TLS_OPTIONS)
        .collect()
});

/// Callbacks and their data, published to the engine closures' hooks.
const HOOKS: u8 = dirty::HOOKS;
/// Method and body: the engine transfer is rebuilt.
const REBUILD: u8 = dirty::REBUILD;
/// Read at every add, or not part of the engine transfer.
const NONE: u8 = 0;

easy_options! {
    /// FETCHOPT_COOKIE: sent as is in the `Cookie:` field.
    FETCHOPT_COOKIE = FETCHOPTTYPE_STRINGPOINT + 22, dirty::SCALARS,
        |o, a| { o.cookies.edit().set_cookie(a.string().as_deref()); Ok(()) };
    /// FETCHOPT_COOKIEFILE: a cookie file read at the next transfer ("":
    /// only start the cookie engine); may be set several times.
    FETCHOPT_COOKIEFILE = FETCHOPTTYPE_STRINGPOINT + 31, dirty::SCALARS,
        |o, a| { o.cookies.edit().set_file(a.string().as_deref()); Ok(()) };
    /// FETCHOPT_COOKIEJAR: where the cookies are written at cleanup.
    FETCHOPT_COOKIEJAR = FETCHOPTTYPE_STRINGPOINT + 82, dirty::SCALARS,
        |o, a| { o.cookies.edit().set_jar(a.string().as_deref()); Ok(()) };
    /// FETCHOPT_COOKIESESSION: skip session cookies read from files.
    FETCHOPT_COOKIESESSION = FETCHOPTTYPE_LONG + 96, NONE,
        |o, a| { o.cookies.edit().set_session(a.flag()); Ok(()) };
    /// FETCHOPT_COOKIELIST: "ALL", "SESS", "FLUSH", "RELOAD" or a cookie
    /// line (Netscape format or `Set-Cookie:`).
    FETCHOPT_COOKIELIST = FETCHOPTTYPE_STRINGPOINT + 135, dirty::SCALARS,
        |o, a| { o.cookies.edit().command(a.string().as_deref()); Ok(()) };
    /// FETCHOPT_HSTS_CTRL: FETCHHSTS_ENABLE, FETCHHSTS_READONLYFILE.
    FETCHOPT_HSTS_CTRL = FETCHOPTTYPE_LONG + 299, dirty::SCALARS,
        |o, a| { o.hsts.edit().set_ctrl(a.int()); Ok(()) };
    /// FETCHOPT_HSTS: the HSTS cache file (read and written).
    FETCHOPT_HSTS = FETCHOPTTYPE_STRINGPOINT + 300, dirty::SCALARS,
        |o, a| { o.hsts.edit().set_file(a.string().as_deref()); Ok(()) };
    /// FETCHOPT_ALTSVC_CTRL: FETCHALTSVC_READONLYFILE, _H1, _H2, _H3.
    FETCHOPT_ALTSVC_CTRL = FETCHOPTTYPE_LONG + 286, dirty::SCALARS, super::altsvc::set_ctrl;
    /// FETCHOPT_ALTSVC: the Alt-Svc cache file (read now, written at
    /// cleanup).
    FETCHOPT_ALTSVC = FETCHOPTTYPE_STRINGPOINT + 287, dirty::SCALARS, super::altsvc::set_file;
    /// FETCHOPT_HSTSREADFUNCTION: entries read when a transfer starts.
    FETCHOPT_HSTSREADFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 301, dirty::SCALARS,
        super::hsts::set_read_fn;
    /// FETCHOPT_HSTSREADDATA.
    FETCHOPT_HSTSREADDATA = FETCHOPTTYPE_CBPOINT + 302, dirty::SCALARS,
        |o, a| { o.hsts.edit().read_data = crate::SendPtr(a.ptr_mut()); Ok(()) };
    /// FETCHOPT_HSTSWRITEFUNCTION: entries handed out at cleanup.
    FETCHOPT_HSTSWRITEFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 303, NONE,
        super::hsts::set_write_fn;
    /// FETCHOPT_HSTSWRITEDATA.
    FETCHOPT_HSTSWRITEDATA = FETCHOPTTYPE_CBPOINT + 304, NONE,
        |o, a| { o.hsts.edit().write_data = crate::SendPtr(a.ptr_mut()); Ok(()) };
    /// FETCHOPT_WRITEDATA.
    FETCHOPT_WRITEDATA = FETCHOPTTYPE_CBPOINT + 1, HOOKS,
        |o, a| { o.write_data = a.ptr_mut(); Ok(()) };
    /// FETCHOPT_URL. (A NULL URL rebuilds the transfer in `prepare`: the
    /// engine has no "no URL".)
    FETCHOPT_URL = FETCHOPTTYPE_STRINGPOINT + 2, dirty::URL,
        |o, a| { o.url = a.string(); Ok(()) };
    /// FETCHOPT_READDATA.
    FETCHOPT_READDATA = FETCHOPTTYPE_CBPOINT + 9, HOOKS,
        |o, a| { o.read_data = a.ptr_mut(); Ok(()) };
    /// FETCHOPT_ERRORBUFFER.
    FETCHOPT_ERRORBUFFER = FETCHOPTTYPE_OBJECTPOINT + 10, NONE,
        |o, a| { o.errorbuffer = a.ptr_mut(); Ok(()) };
    /// FETCHOPT_WRITEFUNCTION.
    FETCHOPT_WRITEFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 11, HOOKS,
        set_write_fn;
    /// FETCHOPT_READFUNCTION.
    FETCHOPT_READFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 12, HOOKS,
        set_read_fn;
    /// FETCHOPT_TIMEOUT (seconds).
    FETCHOPT_TIMEOUT = FETCHOPTTYPE_LONG + 13, dirty::SCALARS,
        |o, a| { o.timeout_ms = a.millis(1000)?; Ok(()) };
    /// FETCHOPT_INFILESIZE.
    FETCHOPT_INFILESIZE = FETCHOPTTYPE_LONG + 14, REBUILD,
        |o, a| { o.infilesize = a.size()?; Ok(()) };
    /// FETCHOPT_POSTFIELDS: the application keeps the data alive.
    FETCHOPT_POSTFIELDS = FETCHOPTTYPE_OBJECTPOINT + 15, REBUILD,
        |o, a| { o.post_data = post_fields(a.ptr_mut()); Ok(()) };
    /// FETCHOPT_USERAGENT.
    FETCHOPT_USERAGENT = FETCHOPTTYPE_STRINGPOINT + 18, NONE,
        |o, a| { o.user_agent = a.string(); Ok(()) };
    /// FETCHOPT_LOW_SPEED_LIMIT (bytes/s).
    FETCHOPT_LOW_SPEED_LIMIT = FETCHOPTTYPE_LONG + 19, dirty::SCALARS,
        |o, a| { o.low_speed_limit = a.unsigned()?; Ok(()) };
    /// FETCHOPT_LOW_SPEED_TIME (s). Upstream: negative is an error, above
    /// 65535 s is clamped.
    FETCHOPT_LOW_SPEED_TIME = FETCHOPTTYPE_LONG + 20, dirty::SCALARS,
        |o, a| { o.low_speed_time = a.unsigned()?.min(u64::from(u16::MAX)); Ok(()) };
    /// FETCHOPT_HTTPHEADER.
    FETCHOPT_HTTPHEADER = FETCHOPTTYPE_SLISTPOINT + 23, NONE,
        |o, a| { o.headers = a.ptr.cast(); Ok(()) };
    /// FETCHOPT_HEADERDATA.
    FETCHOPT_HEADERDATA = FETCHOPTTYPE_CBPOINT + 29, HOOKS,
        |o, a| { o.header_data = a.ptr_mut(); Ok(()) };
    /// FETCHOPT_CUSTOMREQUEST.
    FETCHOPT_CUSTOMREQUEST = FETCHOPTTYPE_STRINGPOINT + 36, REBUILD, set_custom_request;
    /// FETCHOPT_STDERR: the `FILE *` verbose lines go to without a debug
    /// callback (NULL: the process's stderr).
    FETCHOPT_STDERR = FETCHOPTTYPE_OBJECTPOINT + 37, HOOKS,
        |o, a| { o.stderr = a.ptr_mut(); Ok(()) };
    /// FETCHOPT_VERBOSE: trace to the debug callback, or to STDERR.
    FETCHOPT_VERBOSE = FETCHOPTTYPE_LONG + 41, HOOKS,
        |o, a| { o.verbose = a.flag(); Ok(()) };
    /// FETCHOPT_NOPROGRESS.
    FETCHOPT_NOPROGRESS = FETCHOPTTYPE_LONG + 43, HOOKS,
        |o, a| { o.noprogress = a.flag(); Ok(()) };
    /// FETCHOPT_HEADER: header lines also go to the write function.
    FETCHOPT_HEADER = FETCHOPTTYPE_LONG + 42, REBUILD,
        |o, a| { o.include_header = a.flag(); Ok(()) };
    /// FETCHOPT_NOBODY.
    FETCHOPT_NOBODY = FETCHOPTTYPE_LONG + 44, REBUILD,
        |o, a| { o.nobody = a.flag(); Ok(()) };
    /// FETCHOPT_UPLOAD.
    FETCHOPT_UPLOAD = FETCHOPTTYPE_LONG + 46, REBUILD,
        |o, a| { o.upload = a.flag(); Ok(()) };
    /// FETCHOPT_POST.
    FETCHOPT_POST = FETCHOPTTYPE_LONG + 47, REBUILD,
        |o, a| { o.post = a.flag(); Ok(()) };
    /// FETCHOPT_FOLLOWLOCATION.
    FETCHOPT_FOLLOWLOCATION = FETCHOPTTYPE_LONG + 52, dirty::SCALARS,
        |o, a| { o.follow = a.flag(); Ok(()) };
    /// FETCHOPT_PUT (deprecated upstream): FETCHOPT_UPLOAD.
    FETCHOPT_PUT = FETCHOPTTYPE_LONG + 54, REBUILD,
        |o, a| { o.upload = a.flag(); Ok(()) };
    /// FETCHOPT_PROGRESSFUNCTION (deprecated upstream).
    FETCHOPT_PROGRESSFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 56, HOOKS,
        set_progress_fn;
    /// FETCHOPT_XFERINFODATA (also FETCHOPT_PROGRESSDATA).
    FETCHOPT_XFERINFODATA = FETCHOPTTYPE_CBPOINT + 57, HOOKS,
        |o, a| { o.progress_data = a.ptr_mut(); Ok(()) };
    /// FETCHOPT_POSTFIELDSIZE.
    FETCHOPT_POSTFIELDSIZE = FETCHOPTTYPE_LONG + 60, REBUILD,
        |o, a| { o.post_size = a.size()?; Ok(()) };
    /// FETCHOPT_MAXREDIRS (-1 unlimited).
    FETCHOPT_MAXREDIRS = FETCHOPTTYPE_LONG + 68, dirty::SCALARS,
        |o, a| { o.max_redirs = a.size()?; Ok(()) };
    /// FETCHOPT_CONNECTTIMEOUT (seconds).
    FETCHOPT_CONNECTTIMEOUT = FETCHOPTTYPE_LONG + 78, dirty::SCALARS,
        |o, a| { o.connect_timeout_ms = a.millis(1000)?; Ok(()) };
    /// FETCHOPT_HEADERFUNCTION.
    FETCHOPT_HEADERFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 79, HOOKS,
        set_header_fn;
    /// FETCHOPT_HTTPGET: back to a plain GET.
    FETCHOPT_HTTPGET = FETCHOPTTYPE_LONG + 80, REBUILD, set_http_get;
    /// FETCHOPT_SSLCERTTYPE.
    FETCHOPT_SSLCERTTYPE = FETCHOPTTYPE_STRINGPOINT + 86, NONE, only_pem;
    /// FETCHOPT_SSLKEYTYPE.
    FETCHOPT_SSLKEYTYPE = FETCHOPTTYPE_STRINGPOINT + 88, NONE, only_pem;
    /// FETCHOPT_DEBUGFUNCTION (called only with FETCHOPT_VERBOSE on).
    FETCHOPT_DEBUGFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 94, HOOKS,
        set_debug_fn;
    /// FETCHOPT_DEBUGDATA.
    FETCHOPT_DEBUGDATA = FETCHOPTTYPE_CBPOINT + 95, HOOKS,
        |o, a| { o.debug_data = a.ptr_mut(); Ok(()) };
    /// FETCHOPT_NOSIGNAL: a documented no-op (no signals are used).
    FETCHOPT_NOSIGNAL = FETCHOPTTYPE_LONG + 99, NONE, |_, _| Ok(());
    /// FETCHOPT_PRIVATE.
    FETCHOPT_PRIVATE = FETCHOPTTYPE_OBJECTPOINT + 103, NONE,
        |o, a| { o.private = a.ptr_mut(); Ok(()) };
    /// FETCHOPT_UNRESTRICTED_AUTH.
    FETCHOPT_UNRESTRICTED_AUTH = FETCHOPTTYPE_LONG + 105, dirty::SCALARS,
        |o, a| { o.unrestricted_auth = a.flag(); Ok(()) };
    /// FETCHOPT_DEFAULT_PROTOCOL: the scheme for URLs given without one.
    FETCHOPT_DEFAULT_PROTOCOL = FETCHOPTTYPE_STRINGPOINT + 238, dirty::SCALARS,
        |o, a| { o.default_protocol = a.string(); Ok(()) };
    /// FETCHOPT_INFILESIZE_LARGE.
    FETCHOPT_INFILESIZE_LARGE = FETCHOPTTYPE_OFF_T + 115, REBUILD,
        |o, a| { o.infilesize = a.size()?; Ok(()) };
    /// FETCHOPT_POSTFIELDSIZE_LARGE.
    FETCHOPT_POSTFIELDSIZE_LARGE = FETCHOPTTYPE_OFF_T + 120, REBUILD,
        |o, a| { o.post_size = a.size()?; Ok(()) };
    /// FETCHOPT_MAX_SEND_SPEED_LARGE (bytes/s, 0 unlimited).
    FETCHOPT_MAX_SEND_SPEED_LARGE = FETCHOPTTYPE_OFF_T + 145, dirty::SCALARS,
        |o, a| { o.max_send_speed = a.unsigned()?; Ok(()) };
    /// FETCHOPT_MAX_RECV_SPEED_LARGE (bytes/s, 0 unlimited).
    FETCHOPT_MAX_RECV_SPEED_LARGE = FETCHOPTTYPE_OFF_T + 146, dirty::SCALARS,
        |o, a| { o.max_recv_speed = a.unsigned()?; Ok(()) };
    /// FETCHOPT_TIMEOUT_MS.
    FETCHOPT_TIMEOUT_MS = FETCHOPTTYPE_LONG + 155, dirty::SCALARS,
        |o, a| { o.timeout_ms = a.millis(1)?; Ok(()) };
    /// FETCHOPT_CONNECTTIMEOUT_MS.
    FETCHOPT_CONNECTTIMEOUT_MS = FETCHOPTTYPE_LONG + 156, dirty::SCALARS,
        |o, a| { o.connect_timeout_ms = a.millis(1)?; Ok(()) };
    /// FETCHOPT_HTTPPOST: a `fetch_formadd` list, sent as a multipart form.
    FETCHOPT_HTTPPOST = FETCHOPTTYPE_OBJECTPOINT + 24, REBUILD,
        |o, a| { o.form = crate::mime::FormBody::http_post(a.ptr_mut()); o.post_data = PostData::None; Ok(()) };
    /// FETCHOPT_MIMEPOST: a `fetch_mime`, sent as multipart/form-data.
    FETCHOPT_MIMEPOST = FETCHOPTTYPE_OBJECTPOINT + 269, REBUILD,
        |o, a| { o.form = crate::mime::FormBody::mime(a.ptr_mut()); o.post_data = PostData::None; Ok(()) };
    /// FETCHOPT_SHARE: a `fetch_share_init` handle (NULL: none). Set
    /// through `FetchEasy::setopt_share`, which knows the handle.
    FETCHOPT_SHARE = FETCHOPTTYPE_OBJECTPOINT + 100, dirty::SCALARS,
        |o, a| o.set_share(a.ptr_mut(), ptr::null_mut());
    /// FETCHOPT_COPYPOSTFIELDS.
    FETCHOPT_COPYPOSTFIELDS = FETCHOPTTYPE_OBJECTPOINT + 165, REBUILD, copy_post_fields;
    /// FETCHOPT_USERPWD: "user:password" for Basic authentication.
    FETCHOPT_USERPWD = FETCHOPTTYPE_STRINGPOINT + 5, dirty::SCALARS, set_userpwd;
    /// FETCHOPT_USERNAME.
    FETCHOPT_USERNAME = FETCHOPTTYPE_STRINGPOINT + 173, dirty::SCALARS,
        |o, a| { o.username = a.string(); Ok(()) };
    /// FETCHOPT_PASSWORD.
    FETCHOPT_PASSWORD = FETCHOPTTYPE_STRINGPOINT + 174, dirty::SCALARS,
        |o, a| { o.password = a.string(); Ok(()) };
    /// FETCHOPT_HTTPAUTH: a FETCHAUTH_* mask (Basic, Digest, Bearer built in).
    FETCHOPT_HTTPAUTH = FETCHOPTTYPE_VALUES + 107, dirty::SCALARS, set_httpauth;
    /// FETCHOPT_XOAUTH2_BEARER: the token for FETCHAUTH_BEARER.
    FETCHOPT_XOAUTH2_BEARER = FETCHOPTTYPE_STRINGPOINT + 220, dirty::SCALARS,
        |o, a| { o.bearer = a.string(); Ok(()) };
    /// FETCHOPT_ACCEPT_ENCODING ("" for all libfetch decodes: deflate,
    /// gzip, br, zstd) and decoding of the response body.
    FETCHOPT_ACCEPT_ENCODING = FETCHOPTTYPE_STRINGPOINT + 102, dirty::SCALARS,
        |o, a| { o.accept_encoding = a.string(); Ok(()) };
    /// FETCHOPT_HTTP_CONTENT_DECODING: 0 hands an encoded body over raw.
    FETCHOPT_HTTP_CONTENT_DECODING = FETCHOPTTYPE_LONG + 158, dirty::SCALARS,
        |o, a| { o.content_decoding = a.flag(); Ok(()) };
    /// FETCHOPT_HTTP_TRANSFER_DECODING: 0 hands chunked framing over raw.
    FETCHOPT_HTTP_TRANSFER_DECODING = FETCHOPTTYPE_LONG + 157, dirty::SCALARS,
        |o, a| { o.transfer_decoding = a.flag(); Ok(()) };
    /// FETCHOPT_MAXFILESIZE (bytes, 0 no limit; negative refused).
    FETCHOPT_MAXFILESIZE = FETCHOPTTYPE_LONG + 114, dirty::SCALARS,
        |o, a| { o.max_filesize = a.unsigned()?; Ok(()) };
    /// FETCHOPT_MAXFILESIZE_LARGE.
    FETCHOPT_MAXFILESIZE_LARGE = FETCHOPTTYPE_OFF_T + 117, dirty::SCALARS,
        |o, a| { o.max_filesize = a.unsigned()?; Ok(()) };
    /// FETCHOPT_FRESH_CONNECT: a new connection, not a pooled one.
    FETCHOPT_FRESH_CONNECT = FETCHOPTTYPE_LONG + 74, dirty::SCALARS,
        |o, a| { o.fresh_connect = a.flag(); Ok(()) };
    /// FETCHOPT_HTTP_VERSION: which HTTP version to ask for.
    FETCHOPT_HTTP_VERSION = FETCHOPTTYPE_VALUES + 84, dirty::SCALARS,
        |o, a| { o.http_version = http_version(a.int())?; Ok(()) };
    /// FETCHOPT_PIPEWAIT: wait for a connection that may multiplex.
    FETCHOPT_PIPEWAIT = FETCHOPTTYPE_LONG + 237, dirty::SCALARS,
        |o, a| { o.pipewait = a.flag(); Ok(()) };
    /// FETCHOPT_FORBID_REUSE: close the connection after the transfer.
    FETCHOPT_FORBID_REUSE = FETCHOPTTYPE_LONG + 75, dirty::SCALARS,
        |o, a| { o.forbid_reuse = a.flag(); Ok(()) };
    /// FETCHOPT_SOCKOPTFUNCTION: tune each new socket before it connects.
    FETCHOPT_SOCKOPTFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 148, dirty::SCALARS,
        set_sockopt_fn;
    /// FETCHOPT_SOCKOPTDATA.
    FETCHOPT_SOCKOPTDATA = FETCHOPTTYPE_CBPOINT + 149, dirty::SCALARS,
        |o, a| { o.socket_hooks.edit().sockopt_data = crate::SendPtr(a.ptr_mut()); Ok(()) };
    /// FETCHOPT_OPENSOCKETFUNCTION: the application creates each socket.
    FETCHOPT_OPENSOCKETFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 163, dirty::SCALARS,
        set_opensocket_fn;
    /// FETCHOPT_OPENSOCKETDATA.
    FETCHOPT_OPENSOCKETDATA = FETCHOPTTYPE_CBPOINT + 164, dirty::SCALARS,
        |o, a| { o.socket_hooks.edit().open_data = crate::SendPtr(a.ptr_mut()); Ok(()) };
    /// FETCHOPT_CLOSESOCKETFUNCTION: the application closes each socket.
    FETCHOPT_CLOSESOCKETFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 208, dirty::SCALARS,
        set_closesocket_fn;
    /// FETCHOPT_CLOSESOCKETDATA.
    FETCHOPT_CLOSESOCKETDATA = FETCHOPTTYPE_CBPOINT + 209, dirty::SCALARS,
        |o, a| { o.socket_hooks.edit().close_data = crate::SendPtr(a.ptr_mut()); Ok(()) };
    /// FETCHOPT_SEEKFUNCTION.
    FETCHOPT_SEEKFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 167, HOOKS,
        set_seek_fn;
    /// FETCHOPT_SEEKDATA.
    FETCHOPT_SEEKDATA = FETCHOPTTYPE_CBPOINT + 168, HOOKS,
        |o, a| { o.seek_data = a.ptr_mut(); Ok(()) };
    /// FETCHOPT_XFERINFOFUNCTION (wins over PROGRESSFUNCTION).
    FETCHOPT_XFERINFOFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 219, HOOKS,
        set_xferinfo_fn;
    /// FETCHOPT_EXPECT_100_TIMEOUT_MS. Upstream: negative is an error,
    /// above 65535 ms is clamped.
    FETCHOPT_EXPECT_100_TIMEOUT_MS = FETCHOPTTYPE_LONG + 227, dirty::SCALARS,
        |o, a| { o.expect_100_timeout_ms = a.unsigned()?.min(u64::from(u16::MAX)); Ok(()) };
    /// FETCHOPT_PORT: the first URL's port instead of its own (0: the URL's).
    FETCHOPT_PORT = FETCHOPTTYPE_LONG + 3, dirty::SCALARS, set_port;
    /// FETCHOPT_INTERFACE: `if!NAME`, `host!ADDRESS` or either, bound
    /// before connecting (FETCHE_INTERFACE_FAILED if it cannot be).
    FETCHOPT_INTERFACE = FETCHOPTTYPE_STRINGPOINT + 62, dirty::SCALARS, set_interface;
    /// FETCHOPT_MAXCONNECTS: the pool size of `fetch_easy_perform`.
    FETCHOPT_MAXCONNECTS = FETCHOPTTYPE_LONG + 71, NONE, set_maxconnects;
    /// FETCHOPT_DNS_CACHE_TIMEOUT (s; -1 forever, 0 no caching).
    FETCHOPT_DNS_CACHE_TIMEOUT = FETCHOPTTYPE_LONG + 92, dirty::SCALARS, set_dns_cache_timeout;
    /// FETCHOPT_BUFFERSIZE: the most one read takes (clamped to
    /// 1024..=10 MiB as upstream).
    FETCHOPT_BUFFERSIZE = FETCHOPTTYPE_LONG + 98, dirty::SCALARS, set_buffersize;
    /// FETCHOPT_IPRESOLVE (FETCH_IPRESOLVE_WHATEVER/V4/V6).
    FETCHOPT_IPRESOLVE = FETCHOPTTYPE_VALUES + 113, dirty::SCALARS, set_ipresolve;
    /// FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS (default 200; negative is 0).
    FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS = FETCHOPTTYPE_LONG + 271, dirty::SCALARS, set_happy_eyeballs;
    /// FETCHOPT_DNS_SHUFFLE_ADDRESSES (any non-zero value is on).
    FETCHOPT_DNS_SHUFFLE_ADDRESSES = FETCHOPTTYPE_LONG + 275, dirty::SCALARS,
        |o, a| { o.conn.edit().core.dns_shuffle = a.flag(); Ok(()) };
    /// FETCHOPT_TCP_NODELAY (on by default).
    FETCHOPT_TCP_NODELAY = FETCHOPTTYPE_LONG + 121, dirty::SCALARS, set_tcp_nodelay;
    /// FETCHOPT_LOCALPORT.
    FETCHOPT_LOCALPORT = FETCHOPTTYPE_LONG + 139, dirty::SCALARS, set_localport;
    /// FETCHOPT_LOCALPORTRANGE.
    FETCHOPT_LOCALPORTRANGE = FETCHOPTTYPE_LONG + 140, dirty::SCALARS, set_localportrange;
    /// FETCHOPT_RESOLVE: the list is read when each transfer starts.
    FETCHOPT_RESOLVE = FETCHOPTTYPE_SLISTPOINT + 203, dirty::SCALARS, set_resolve;
    /// FETCHOPT_TCP_KEEPALIVE.
    FETCHOPT_TCP_KEEPALIVE = FETCHOPTTYPE_LONG + 213, dirty::SCALARS, set_tcp_keepalive;
    /// FETCHOPT_TCP_KEEPIDLE (s).
    FETCHOPT_TCP_KEEPIDLE = FETCHOPTTYPE_LONG + 214, dirty::SCALARS, set_tcp_keepidle;
    /// FETCHOPT_TCP_KEEPINTVL (s).
    FETCHOPT_TCP_KEEPINTVL = FETCHOPTTYPE_LONG + 215, dirty::SCALARS, set_tcp_keepintvl;
    /// FETCHOPT_UNIX_SOCKET_PATH: HTTP over this Unix socket.
    FETCHOPT_UNIX_SOCKET_PATH = FETCHOPTTYPE_STRINGPOINT + 231, dirty::SCALARS,
        set_unix_socket_path;
    /// FETCHOPT_CONNECT_TO: the list is read when each transfer starts.
    FETCHOPT_CONNECT_TO = FETCHOPTTYPE_SLISTPOINT + 243, dirty::SCALARS, set_connect_to;
    /// FETCHOPT_ABSTRACT_UNIX_SOCKET: HTTP over this abstract socket.
    FETCHOPT_ABSTRACT_UNIX_SOCKET = FETCHOPTTYPE_STRINGPOINT + 264, dirty::SCALARS,
        set_abstract_unix_socket;
    /// FETCHOPT_UPLOAD_BUFFERSIZE (clamped to 16 KiB..=2 MiB as upstream).
    FETCHOPT_UPLOAD_BUFFERSIZE = FETCHOPTTYPE_LONG + 280, dirty::SCALARS,
        set_upload_buffersize;
    /// FETCHOPT_MAXAGE_CONN (s, default 118).
    FETCHOPT_MAXAGE_CONN = FETCHOPTTYPE_LONG + 288, dirty::SCALARS, set_maxage_conn;
    /// FETCHOPT_PREREQFUNCTION: called before each request is sent.
    FETCHOPT_PREREQFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 312, dirty::SCALARS, set_prereq_fn;
    /// FETCHOPT_PREREQDATA.
    FETCHOPT_PREREQDATA = FETCHOPTTYPE_CBPOINT + 313, dirty::SCALARS, set_prereq_data;
    /// FETCHOPT_MAXLIFETIME_CONN (s, 0 no limit).
    FETCHOPT_MAXLIFETIME_CONN = FETCHOPTTYPE_LONG + 314, dirty::SCALARS, set_maxlifetime_conn;
}

fn set_write_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_write_callback`.
    o.write_fn = unsafe { a.func() };
    Ok(())
}

fn set_read_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_read_callback`.
    o.read_fn = unsafe { a.func() };
    Ok(())
}

fn set_progress_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_progress_callback`.
    o.progress_fn = unsafe { a.func() };
    Ok(())
}

fn set_debug_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_debug_callback`.
    o.debug_fn = unsafe { a.func() };
    Ok(())
}

fn set_header_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_write_callback`.
    o.header_fn = unsafe { a.func() };
    Ok(())
}

fn set_userpwd(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // Upstream: the user name up to the first colon, the password after.
    let (user, password) = match a.string() {
        None => (None, None),
        Some(s) => {
            let bytes = s.as_bytes();
            match bytes.iter().position(|&b| b == b':') {
                Some(i) => (
                    CString::new(&bytes[..i]).ok(),
                    CString::new(&bytes[i + 1..]).ok(),
                ),
                None => (Some(s), None),
            }
        }
    };
    o.username = user;
    o.password = password;
    Ok(())
}

fn set_httpauth(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // An `unsigned long`: FETCHAUTH_ANY sets the upper bits too, and only
    // bits 0..=31 mean anything. As upstream, methods not built in are
    // dropped and a mask with none left answers NOT_BUILT_IN (the previous
    // mask stays).
    let mask = fetch_core::HttpAuth::from_bits(a.int as u64 as u32);
    mask.built_in().ok_or(FETCHE_NOT_BUILT_IN)?;
    o.httpauth = mask;
    Ok(())
}

fn set_sockopt_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_sockopt_callback`.
    o.socket_hooks.edit().sockopt = unsafe { a.func() };
    Ok(())
}

fn set_opensocket_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: as above, for `fetch_opensocket_callback`.
    o.socket_hooks.edit().open = unsafe { a.func() };
    Ok(())
}

fn set_closesocket_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: as above, for `fetch_closesocket_callback`.
    o.socket_hooks.edit().close = unsafe { a.func() };
    Ok(())
}

fn set_seek_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_seek_callback`.
    o.seek_fn = unsafe { a.func() };
    Ok(())
}

fn set_xferinfo_fn(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    // SAFETY: the table gives this handler only to the option that
    // documents a `fetch_xferinfo_callback`.
    o.xferinfo_fn = unsafe { a.func() };
    Ok(())
}

fn post_fields(p: *const c_char) -> PostData {
    if p.is_null() {
        PostData::None
    } else {
        PostData::Borrowed(p)
    }
}

fn copy_post_fields(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.post_data = if a.ptr.is_null() {
        PostData::None
    } else {
        let len = match usize::try_from(o.post_size) {
            Ok(n) => n,
            // SAFETY: without a size the data is a C string.
            Err(_) => unsafe { libc::strlen(a.ptr.cast()) },
        };
        // SAFETY: the application passes `len` readable bytes.
        PostData::Copied(unsafe { std::slice::from_raw_parts(a.ptr.cast::<u8>(), len) }.to_vec())
    };
    Ok(())
}

/// A method must be an HTTP token: CR/LF in it would let one transfer send
/// two requests. Refused here, and the old value kept.
fn set_custom_request(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    let custom = a.string();
    if let Some(c) = &custom {
        let name = c.to_str().map_err(|_| ());
        if name
            .and_then(|n| Method::custom(n).map_err(|_| ()))
            .is_err()
        {
            return Err(FETCHE_BAD_FUNCTION_ARGUMENT);
        }
    }
    o.custom = custom;
    Ok(())
}

fn set_http_get(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    if a.flag() {
        o.post = false;
        o.upload = false;
        o.nobody = false;
        o.post_data = PostData::None;
    }
    Ok(())
}

/// SSLCERTTYPE / SSLKEYTYPE: only PEM files are supported; NULL restores
/// the default. Upstream backends refuse unsupported types when the
/// transfer starts; here setopt says so at once.
fn only_pem(_: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    match a.string() {
        Some(t) if !t.to_bytes().eq_ignore_ascii_case(b"PEM") => Err(FETCHE_NOT_BUILT_IN),
        _ => Ok(()),
    }
}

/// A blob option's bytes (copied), `None` for NULL.
fn blob_bytes(a: Arg) -> Result<Option<Vec<u8>>, FETCHcode> {
    let blob = a.ptr.cast::<fetch_blob>();
    Ok(if blob.is_null() {
        None
    } else {
        // SAFETY: a non-NULL CAINFO_BLOB argument points to a
        // `struct fetch_blob` (upstream contract).
        let b = unsafe { &*blob };
        if b.len == 0 {
            // Taken, as upstream; an empty PEM fails where it is used (77
            // for a CA blob, 58 for a client certificate, 83 for an issuer).
            return Ok(Some(Vec::new()));
        }
        // (Upstream copies from a NULL pointer and crashes.)
        if b.data.is_null() || b.len > MAX_INPUT_LENGTH {
            return Err(FETCHE_BAD_FUNCTION_ARGUMENT);
        }
        // Copied whatever the flags say: FETCH_BLOB_NOCOPY only allows the
        // library to keep the pointer.
        // SAFETY: the blob's data is readable for `len` bytes.
        Some(unsafe { std::slice::from_raw_parts(b.data.cast::<u8>(), b.len) }.to_vec())
    })
}
