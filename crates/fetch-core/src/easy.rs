//! Transfers as the application configures them ("easy handles") and the
//! information it reads back once they ran.

use std::any::Any;
use std::fmt;
use std::io::SeekFrom;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::headers::HeaderLog;
use crate::tls::TlsOptions;

pub use crate::callback_types::*;
pub use crate::method::Method;
pub use crate::transfer_info::TransferInfo;

mod seldom;
pub(crate) use seldom::{Seldom, SeldomHooks};

/// Where the request body comes from.
pub(crate) enum Body {
    None,
    Bytes(Vec<u8>),
    Reader { read: ReadFn, len: Option<u64> },
}

/// The write callback: a closure ([`Easy::write_function`]) or a shared
/// object ([`Easy::shared_io`], whose seek serves too). One slot, so the
/// body's delivery tests one tag whichever it is.
pub(crate) enum Writer {
    Fn(WriteFn),
    Shared(Arc<dyn SharedIo>),
}

/// A transfer's configuration: what upstream calls an easy handle.
///
/// Build it, hand it to [`crate::Multi::add`], and get it back (with its
/// [`TransferInfo`] filled in) from [`crate::Multi::remove`].
///
/// Its state lives in one heap block, so handing it to the multi and back
/// moves a pointer rather than the whole configuration.
pub struct Easy {
    state: Box<EasyState>,
}

impl std::ops::Deref for Easy {
    type Target = EasyState;
    fn deref(&self) -> &EasyState {
        &self.state
    }
}

impl std::ops::DerefMut for Easy {
    fn deref_mut(&mut self) -> &mut EasyState {
        &mut self.state
    }
}

/// The options and results of an [`Easy`]; reached only through it, and
/// only by the crate (its fields are private to it).
#[doc(hidden)]
pub struct EasyState {
    pub(crate) url: Option<String>,
    pub(crate) method: Method,
    pub(crate) headers: Vec<String>,
    pub(crate) body: Body,
    pub(crate) write: Option<Writer>,
    pub(crate) header: Option<HeaderFn>,
    pub(crate) sink: Vec<u8>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Option<Duration>,
    pub(crate) follow: bool,
    pub(crate) max_redirs: Option<u32>,
    pub(crate) info: TransferInfo,
    /// The buffers of the last transfer's info strings.
    pub(crate) spare: crate::transfer_info::SpareStrings,
    /// Out of line while at its defaults (`rare`), as the other groups.
    pub(crate) tls: crate::rare::Rare<TlsOptions>,
    /// String options most transfers never set (`Seldom`), out of line.
    pub(crate) seldom: crate::rare::Rare<Seldom>,
    pub(crate) progress: Option<ProgressFn>,
    pub(crate) debug: Option<DebugFn>,
    pub(crate) max_recv_speed: u64,
    pub(crate) max_send_speed: u64,
    pub(crate) expect_100_timeout: Duration,
    pub(crate) unrestricted_auth: bool,
    pub(crate) live: Option<Arc<crate::live::LiveInfo>>,
    pub(crate) header_log: Option<Arc<Mutex<HeaderLog>>>,
    pub(crate) forbid_reuse: bool,
    /// FETCHOPT_HTTPAUTH, as built in (`HttpAuth::built_in`).
    pub(crate) http_auth: crate::HttpAuth,
    /// FETCHAUTH_DIGEST_IE was asked for: Digest URIs without the query.
    pub(crate) digest_ie: bool,
    pub(crate) accept_encoding: Option<String>,
    pub(crate) content_decoding: bool,
    pub(crate) transfer_decoding: bool,
    pub(crate) max_filesize: Option<u64>,
    pub(crate) fresh_connect: bool,
    /// FETCHOPT_HTTP_VERSION.
    pub(crate) http_version: crate::HttpVersion,
    /// FETCHOPT_PIPEWAIT.
    pub(crate) pipewait: bool,
    /// The socket hooks, PREREQFUNCTION, the HSTS read callback, the seek
    /// closure and the user data: set by few transfers, so out of line
    /// (`SeldomHooks`).
    pub(crate) hooks: SeldomHooks,
    /// `tls.pool_tag()`, cached until the TLS options change.
    pub(crate) tls_tag: Option<u64>,
    /// The URL as last parsed for this transfer, reused while unchanged.
    pub(crate) target_cache: Option<Arc<crate::dest::Dest>>,
    /// Connection control (`connopts`).
    pub(crate) conn: crate::rare::Rare<crate::connopts::ConnOptions>,
    /// The proxy options (`proxy`).
    pub(crate) proxy: crate::rare::Rare<crate::proxy::ProxyOptions>,
    /// The transfer options of `crate::xfer`.
    pub(crate) xfer: crate::rare::Rare<crate::xfer::XferOptions>,
    /// The cookie engine's jar (COOKIEFILE/COOKIEJAR/COOKIELIST started it).
    pub(crate) cookie_jar: Option<crate::cookies::SharedCookieJar>,
    /// FETCHOPT_SHARE: the share this transfer holds.
    pub(crate) share: Option<crate::share::Attached>,
    /// The HSTS cache (FETCHOPT_HSTS_CTRL).
    pub(crate) hsts: Option<crate::hsts::SharedHsts>,
    /// The Alt-Svc cache (FETCHOPT_ALTSVC_CTRL).
    pub(crate) altsvc: Option<crate::altsvc::SharedAltSvc>,
}

impl EasyState {
    /// Sets the credentials; none over none leaves the group unset.
    pub(crate) fn set_credentials(&mut self, credentials: Option<(String, String)>) {
        self.seldom.set_field(|s| &mut s.credentials, credentials);
    }

    /// Sets the bearer token; none over none leaves the group unset.
    pub(crate) fn set_bearer(&mut self, token: Option<String>) {
        self.seldom.set_field(|s| &mut s.bearer, token);
    }

    /// Forgets a multipart body's content type (another body was set).
    fn clear_body_type(&mut self) {
        self.seldom.set_field(|s| &mut s.body_type, None);
    }
}

/// Upstream's wait for "100 Continue" before sending the body anyway.
pub const DEFAULT_EXPECT_100_TIMEOUT: Duration = Duration::from_secs(1);

/// Upstream's default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(300);
/// Upstream's default redirect limit (FETCHOPT_MAXREDIRS).
pub const DEFAULT_MAX_REDIRS: u32 = 30;

impl Default for Easy {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Easy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Easy")
            .field("url", &self.url)
            .field("method", &self.method)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Default for EasyState {
    /// Upstream's defaults. (Inline, for `Box::default` to write them into
    /// the block it allocated: see `Easy::new`.)
    #[inline]
    fn default() -> Self {
        Self {
            url: None,
            method: Method::Get,
            headers: Vec::new(),
            body: Body::None,
            write: None,
            header: None,
            sink: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: None,
            follow: false,
            max_redirs: Some(DEFAULT_MAX_REDIRS),
            info: TransferInfo::default(),
            spare: Default::default(),
            tls: Default::default(),
            seldom: Default::default(),
            progress: None,
            debug: None,
            max_recv_speed: 0,
            max_send_speed: 0,
            expect_100_timeout: DEFAULT_EXPECT_100_TIMEOUT,
            unrestricted_auth: false,
            tls_tag: None,
            live: None,
            header_log: None,
            forbid_reuse: false,
            http_auth: crate::HttpAuth::BASIC,
            digest_ie: false,
            accept_encoding: None,
            content_decoding: true,
            transfer_decoding: true,
            max_filesize: None,
            fresh_connect: false,
            http_version: crate::HttpVersion::None,
            pipewait: false,
            target_cache: None,
            hooks: SeldomHooks::default(),
            conn: Default::default(),
            proxy: Default::default(),
            xfer: Default::default(),
            cookie_jar: None,
            share: None,
            hsts: None,
            altsvc: None,
        }
    }
}

impl Easy {
    /// A GET transfer with no URL yet and upstream defaults.
    pub fn new() -> Self {
        // `Box::default` allocates first and writes the state into the
        // block; a state built aside and boxed was built on the stack and
        // copied in (a 1,000-byte `memcpy` per handle made).
        Self {
            state: Box::default(),
        }
    }

    /// A transfer of `url` with every other option at its default (a GET).
    pub fn with_url(url: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.url(url);
        e
    }

    /// Turns the cookie engine on with `jar` (or off with `None`): each
    /// request gets a `Cookie:` field from the cookies that match it, and
    /// every response head, redirects included, stores its `Set-Cookie`
    /// fields in the jar. Several transfers may hold the same jar.
    pub fn cookie_jar(&mut self, jar: Option<crate::cookies::SharedCookieJar>) -> &mut Self {
        self.cookie_jar = jar;
        self
    }

    /// A fixed cookie string (FETCHOPT_COOKIE, `"name=value; n2=v2"`),
    /// sent as is in the `Cookie:` field after the jar's cookies, unless an
    /// application `Cookie:` header line is set.
    pub fn cookie(&mut self, cookies: Option<String>) -> &mut Self {
        self.seldom.set_field(|s| &mut s.cookie, cookies);
        self
    }

    /// Sets the URL (FETCHOPT_URL). It is checked when the transfer starts;
    /// a bad one ends it with FETCHE_URL_MALFORMAT.
    pub fn url(&mut self, url: impl Into<String>) -> &mut Self {
        self.url = Some(url.into());
        // The cached target is this URL's parse: the engine reuses it
        // without comparing the URL (`Multi::start`).
        self.target_cache = None;
        self
    }

    /// Sets the method. Bodies are sent only with a body set. A
    /// [`Method::Custom`] that is not an HTTP token fails the transfer with
    /// FETCHE_BAD_FUNCTION_ARGUMENT when it starts; [`Method::custom`]
    /// checks it up front.
    pub fn method(&mut self, method: Method) -> &mut Self {
        self.method = method;
        self
    }

    /// POST the given bytes (FETCHOPT_POSTFIELDS with its size).
    pub fn post(&mut self, body: impl Into<Vec<u8>>) -> &mut Self {
        self.method = Method::Post;
        self.body = Body::Bytes(body.into());
        self.clear_body_type();
        self
    }

    /// PUT the given bytes.
    pub fn put(&mut self, body: impl Into<Vec<u8>>) -> &mut Self {
        self.method = Method::Put;
        self.body = Body::Bytes(body.into());
        self.clear_body_type();
        self
    }

    /// Send a body produced by `read` (FETCHOPT_READFUNCTION). With a known
    /// length it is sent with Content-Length, otherwise chunked.
    pub fn body_reader<F>(&mut self, len: Option<u64>, read: F) -> &mut Self
    where
        F: FnMut(&mut [u8]) -> ReadResult + Send + 'static,
    {
        if self.method == Method::Get {
            self.method = Method::Post;
        }
        self.body = Body::Reader {
            read: Box::new(read),
            len,
        };
        self.clear_body_type();
        self
    }

    /// POST `mime` as `multipart/form-data` (FETCHOPT_MIMEPOST), streamed:
    /// part data is read while the body is sent. Sent with Content-Length
    /// when every part's size is known, else chunked. The body rewinds
    /// for a resend (retry, 307/308) by rewinding its parts; a part
    /// source that cannot ends such a resend with FETCHE_SEND_FAIL_REWIND.
    /// The request's `Content-Type` carries the boundary unless the
    /// application sets its own `Content-Type:` header line. Sizes (files
    /// included) are taken now; the body restarts with every transfer the
    /// `Easy` is added for, so call this again if a file's size changed.
    pub fn mime_post(&mut self, mime: crate::mime::Mime) -> &mut Self {
        let len = mime.size();
        let content_type = mime.content_type();
        let reader = Arc::new(Mutex::new(mime.reader()));
        let r = reader.clone();
        self.body_reader(len, move |buf| {
            r.lock().map_or(ReadResult::Fail, |mut r| r.read(buf))
        });
        self.method = Method::Post;
        self.seek_function(move |to| match to {
            SeekFrom::Start(0) => reader.lock().map_or(SeekResult::Fail, |mut r| r.rewind()),
            _ => SeekResult::CantSeek,
        });
        self.seldom.body_type = Some(content_type);
        self
    }

    /// Sets the seek callback (FETCHOPT_SEEKFUNCTION). The engine calls it
    /// with `SeekFrom::Start(0)` to rewind a streamed body before sending
    /// the request again: on a retry after a reused connection died, and on
    /// a 307/308 redirect. Without it (or when it fails) such a resend ends
    /// the transfer with FETCHE_SEND_FAIL_REWIND; a different body is never
    /// sent.
    pub fn seek_function<F>(&mut self, f: F) -> &mut Self
    where
        F: FnMut(SeekFrom) -> SeekResult + Send + 'static,
    {
        let f: SeekFn = Box::new(f);
        self.hooks.set(|h| &mut h.seek, Some(f));
        self
    }

    /// Sets the write and seek callbacks as one shared object (`None`:
    /// neither). It replaces the write closure, and a later
    /// [`Easy::write_function`] replaces it, its seek included; a seek
    /// closure ([`Easy::seek_function`], or a multipart body's own rewind)
    /// is used before its seek. Handing over another reference to `io`
    /// allocates nothing, where each closure is a heap block of its own.
    pub fn shared_io(&mut self, io: Option<Arc<dyn SharedIo>>) -> &mut Self {
        self.write = io.map(Writer::Shared);
        self
    }

    /// Runs the seek callback, if there is one: the closure set, else the
    /// shared object's.
    pub(crate) fn seek_to(&mut self, to: SeekFrom) -> Option<SeekResult> {
        if let Some(seek) = self.hooks.get_mut().and_then(|h| h.seek.as_mut()) {
            return Some(seek(to));
        }
        match &self.write {
            Some(Writer::Shared(io)) => Some(io.seek(to)),
            _ => None,
        }
    }

    /// A multipart body starts from its first byte in every transfer (an
    /// `Easy` may be added again after it finished): its own seek rewinds
    /// it, which costs nothing when it was not read.
    pub(crate) fn restart_mime_body(&mut self) {
        if self.seldom.body_type.is_none() {
            return;
        }
        let _ = self.seek_to(SeekFrom::Start(0));
    }

    /// Publishes the transfer's info scalars (status, address, sizes) to
    /// `live` right before each of its callbacks, so a callback can read
    /// where the transfer stands at that moment.
    pub fn live_info(&mut self, live: Option<Arc<crate::live::LiveInfo>>) -> &mut Self {
        self.live = live;
        self
    }

    /// Keeps the received header lines in `log`, per request, for the
    /// header API ([`HeaderLog::header`], [`HeaderLog::next`]). The log is
    /// cleared when the transfer starts; while the header callback runs,
    /// only the lines delivered so far are in it.
    pub fn header_log(&mut self, log: Option<Arc<Mutex<HeaderLog>>>) -> &mut Self {
        self.header_log = log;
        self
    }

    /// Runs `f` on the header log, if there is one.
    pub(crate) fn with_header_log(&self, f: impl FnOnce(&mut HeaderLog)) {
        if let Some(log) = &self.header_log {
            f(&mut log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner));
        }
    }

    /// Empties the header log, if there is one, for a transfer that
    /// starts. (Inline, at every start: through `with_header_log` LLVM
    /// made it a call of its own once the log's clear grew a store.)
    #[inline(always)]
    pub(crate) fn clear_header_log(&self) {
        if let Some(log) = &self.header_log {
            log.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clear();
        }
    }

    /// Hands a head's lines to the header log, if there is one
    /// ([`HeaderLog::push_taken`]). (Not through [`Easy::with_header_log`]:
    /// the arguments come in registers, not as a closure's captures.)
    #[inline(never)]
    pub(crate) fn log_head_taken(&self, origin: u32, raw: &mut Vec<u8>, reveal: bool) {
        if let Some(log) = &self.header_log {
            log.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push_taken(origin, raw, reveal);
        }
    }

    /// Copies the info to the live record, if there is one.
    pub(crate) fn publish_live(&self) {
        if let Some(live) = &self.live {
            live.publish(&self.info);
        }
    }

    /// The user name and password for HTTP authentication (the same as
    /// [`Easy::credentials`]; Basic unless [`Easy::http_auth`] says
    /// otherwise). They win over credentials in the URL and, like them, go
    /// only to the first URL's origin unless [`Easy::unrestricted_auth`]
    /// is on.
    pub fn basic_auth(&mut self, credentials: Option<(String, String)>) -> &mut Self {
        self.set_credentials(credentials);
        self
    }

    /// Asks for content encodings with `Accept-Encoding` and decodes the
    /// body (FETCHOPT_ACCEPT_ENCODING): `Some("")` asks for every coding
    /// libfetch decodes (`deflate, gzip, br, zstd`); any other value is
    /// sent as given. Whatever was asked, a response in gzip (`x-gzip`),
    /// deflate (zlib or raw), br or zstd, or a chain of them such as
    /// `gzip, br`, is decoded as it streams in, and the write callback sees
    /// the decoded body in pieces of at most 16 KiB. A coding libfetch does
    /// not know, a corrupt stream or more than five codings fail the
    /// transfer with FETCHE_BAD_CONTENT_ENCODING. `None` (the default)
    /// sends nothing and hands the body over as it came.
    ///
    /// ```
    /// use fetch_core::Easy;
    /// let mut easy = Easy::with_url("http://127.0.0.1:8080/data.json");
    /// easy.accept_encoding(Some(String::new())) // "deflate, gzip, br, zstd"
    ///     .max_filesize(Some(100 << 20)); // stops a decompression bomb
    /// ```
    pub fn accept_encoding(&mut self, encodings: Option<String>) -> &mut Self {
        self.accept_encoding = encodings;
        self
    }

    /// Whether a body in a content coding is decoded when
    /// [`Easy::accept_encoding`] is set (FETCHOPT_HTTP_CONTENT_DECODING,
    /// default on). Off, the encoded bytes are handed over as received
    /// while `Accept-Encoding` is still sent.
    pub fn content_decoding(&mut self, on: bool) -> &mut Self {
        self.content_decoding = on;
        self
    }

    /// Whether a chunked body is unframed (FETCHOPT_HTTP_TRANSFER_DECODING,
    /// default on). Off, the write callback gets the chunked framing as
    /// received (size lines, chunk data, the last chunk and any trailer),
    /// as upstream does; the framing is still read to find the end of the
    /// response, trailers still go to the header callback, and such a body
    /// is not content-decoded.
    pub fn transfer_decoding(&mut self, on: bool) -> &mut Self {
        self.transfer_decoding = on;
        self
    }

    /// The largest body accepted (FETCHOPT_MAXFILESIZE(_LARGE); `None` or
    /// `Some(0)`: no limit). A response whose `Content-Length` is larger
    /// fails before its body with FETCHE_FILESIZE_EXCEEDED, and so does a
    /// transfer the moment the body it would hand over (after content
    /// decoding) passes the limit: a decompression bomb stops there.
    pub fn max_filesize(&mut self, limit: Option<u64>) -> &mut Self {
        self.max_filesize = limit.filter(|&n| n > 0);
        self
    }

    /// Close the connection when the transfer ends instead of keeping it
    /// for reuse (FETCHOPT_FORBID_REUSE).
    pub fn forbid_reuse(&mut self, on: bool) -> &mut Self {
        self.forbid_reuse = on;
        self
    }

    /// The HTTP version to ask for (FETCHOPT_HTTP_VERSION).
    pub fn http_version(&mut self, version: crate::HttpVersion) -> &mut Self {
        self.http_version = version;
        self
    }

    /// Wait for a connection to the same origin that is being set up and
    /// may multiplex (HTTP/2), rather than open another (FETCHOPT_PIPEWAIT).
    pub fn pipewait(&mut self, on: bool) -> &mut Self {
        self.pipewait = on;
        self
    }

    /// Open a new connection instead of reusing a pooled one
    /// (FETCHOPT_FRESH_CONNECT).
    pub fn fresh_connect(&mut self, on: bool) -> &mut Self {
        self.fresh_connect = on;
        self
    }

    /// Sets the socket hooks multi-socket programs use to create, tune and
    /// close their own sockets (FETCHOPT_OPENSOCKETFUNCTION,
    /// SOCKOPTFUNCTION, CLOSESOCKETFUNCTION). Each `None` keeps the
    /// engine's own behaviour.
    pub fn socket_hooks(
        &mut self,
        open: Option<OpenSocketFn>,
        sockopt: Option<SockoptFn>,
        close: Option<CloseSocketFn>,
    ) -> &mut Self {
        self.hooks.set(|h| &mut h.open_socket, open);
        self.hooks.set(|h| &mut h.sockopt, sockopt);
        self.hooks.set(|h| &mut h.close_socket, close);
        self
    }

    /// Sends `Authorization:` and `Cookie:` header lines and URL credentials
    /// to every host a redirect leads to (FETCHOPT_UNRESTRICTED_AUTH). Off
    /// by default: they go only to the scheme, host and port of the first
    /// URL. Even when on, they never follow a redirect from https to http.
    pub fn unrestricted_auth(&mut self, on: bool) -> &mut Self {
        self.unrestricted_auth = on;
        self
    }

    /// The scheme for a URL given without one (FETCHOPT_DEFAULT_PROTOCOL).
    /// Without it the scheme is guessed as upstream does: from the host
    /// name's first label (`ftp.` is ftp, and so on), http otherwise.
    pub fn default_protocol(&mut self, scheme: Option<&str>) -> &mut Self {
        let scheme = scheme.map(str::to_ascii_lowercase);
        self.seldom.set_field(|s| &mut s.default_protocol, scheme);
        // A cached parse may rest on the old default.
        self.target_cache = None;
        self
    }

    /// Adds request header lines (FETCHOPT_HTTPHEADER semantics: "Name:"
    /// removes an internal header, "Name;" sends it empty).
    pub fn header_line(&mut self, line: impl Into<String>) -> &mut Self {
        self.headers.push(line.into());
        self
    }

    /// Replaces all request header lines.
    pub fn headers(&mut self, lines: Vec<String>) -> &mut Self {
        self.headers = lines;
        self
    }

    /// Sets the body write callback (FETCHOPT_WRITEFUNCTION). Without one the
    /// body is collected in memory; see [`Easy::take_response_body`].
    pub fn write_function<F>(&mut self, f: F) -> &mut Self
    where
        F: FnMut(&[u8]) -> Flow + Send + 'static,
    {
        self.write = Some(Writer::Fn(Box::new(f)));
        self
    }

    /// Sets the header callback (FETCHOPT_HEADERFUNCTION).
    pub fn header_function<F>(&mut self, f: F) -> &mut Self
    where
        F: FnMut(&[u8]) -> Flow + Send + 'static,
    {
        self.header = Some(Box::new(f));
        self
    }

    /// Attaches a value of the application's (FETCHOPT_PRIVATE).
    pub fn set_user_data<T: Any + Send>(&mut self, value: T) -> &mut Self {
        let value: Box<dyn Any + Send> = Box::new(value);
        self.hooks.set(|h| &mut h.user_data, Some(value));
        self
    }

    /// The value set with [`Easy::set_user_data`], if it is a `T`.
    pub fn user_data<T: Any>(&self) -> Option<&T> {
        self.hooks.get()?.user_data.as_ref()?.downcast_ref()
    }

    /// Limits the time to resolve and connect (FETCHOPT_CONNECTTIMEOUT_MS).
    /// Zero restores the default (300 s).
    pub fn connect_timeout(&mut self, d: Duration) -> &mut Self {
        self.connect_timeout = if d.is_zero() {
            DEFAULT_CONNECT_TIMEOUT
        } else {
            d
        };
        self
    }

    /// Limits the whole transfer (FETCHOPT_TIMEOUT_MS). Zero means none.
    pub fn timeout(&mut self, d: Duration) -> &mut Self {
        self.timeout = (!d.is_zero()).then_some(d);
        self
    }

    /// Follow redirects (FETCHOPT_FOLLOWLOCATION).
    pub fn follow_location(&mut self, on: bool) -> &mut Self {
        self.follow = on;
        self
    }

    /// The most redirects to follow (FETCHOPT_MAXREDIRS); `None` is unlimited.
    pub fn max_redirs(&mut self, max: Option<u32>) -> &mut Self {
        self.max_redirs = max;
        self
    }

    /// Sets the TLS options for `https://` URLs.
    pub fn tls(&mut self, opts: TlsOptions) -> &mut Self {
        self.tls.set(opts);
        self.tls_tag = None;
        self
    }

    /// The TLS options, to change one in place.
    pub fn tls_mut(&mut self) -> &mut TlsOptions {
        self.tls_tag = None;
        &mut self.tls
    }

    /// The TLS options' pool tag, worked out once per change of the
    /// options (hashing them, a CA blob included, is not per transfer).
    pub(crate) fn tls_tag(&mut self) -> u64 {
        let s = &mut *self.state;
        if let Some(tag) = s.tls_tag {
            return tag;
        }
        // Options never set are the defaults, whose tag is 0: no compare
        // with a default value made for it (issue 13, workload L8: a new
        // handle's first transfer works its tag out).
        let tag = if s.tls.is_unset() {
            0
        } else {
            s.tls.pool_tag()
        };
        s.tls_tag = Some(tag);
        tag
    }

    /// Sets the progress callback (FETCHOPT_XFERINFOFUNCTION). It is called
    /// when data moves, at most once per readiness event, and never makes
    /// the engine wake up on its own.
    pub fn progress_function<F>(&mut self, f: F) -> &mut Self
    where
        F: FnMut(&Progress) -> Flow + Send + 'static,
    {
        self.progress = Some(Box::new(f));
        self
    }

    /// Sets the debug callback (FETCHOPT_DEBUGFUNCTION): informational
    /// lines, the request head, response header lines and body bytes in
    /// both directions, in the order they happen (see [`InfoType`]). Without
    /// one, tracing costs a branch per step and nothing is formatted.
    pub fn debug_function<F>(&mut self, f: F) -> &mut Self
    where
        F: FnMut(InfoType, &[u8]) + Send + 'static,
    {
        self.debug = Some(Box::new(f));
        self
    }

    /// Removes the debug callback.
    pub fn clear_debug_function(&mut self) -> &mut Self {
        self.debug = None;
        self
    }

    /// Hands `data` to the debug callback, if there is one.
    pub(crate) fn trace(&mut self, kind: InfoType, data: &[u8]) {
        if let Some(f) = self.debug.as_mut() {
            f(kind, data);
        }
    }

    /// An informational line for the debug callback; `text` runs (and
    /// allocates) only when there is one. The line ending is added here.
    pub(crate) fn trace_text(&mut self, text: impl FnOnce() -> String) {
        if let Some(f) = self.debug.as_mut() {
            let mut line = text();
            line.push('\n');
            f(InfoType::Text, line.as_bytes());
        }
    }

    /// Abort a transfer slower than `bytes_per_sec` for `time`
    /// (FETCHOPT_LOW_SPEED_LIMIT / _TIME): FETCHE_OPERATION_TIMEDOUT.
    /// A zero limit or time turns the check off.
    pub fn low_speed(&mut self, bytes_per_sec: u64, time: Duration) -> &mut Self {
        let low_speed = (bytes_per_sec > 0 && !time.is_zero()).then_some((bytes_per_sec, time));
        self.seldom.set_field(|s| &mut s.low_speed, low_speed);
        self
    }

    /// Cap the download rate in bytes/s (FETCHOPT_MAX_RECV_SPEED_LARGE);
    /// 0 is unlimited. Throttling drops read interest and sets a timer.
    pub fn max_recv_speed(&mut self, bytes_per_sec: u64) -> &mut Self {
        self.max_recv_speed = bytes_per_sec;
        self
    }

    /// Cap the upload rate in bytes/s (FETCHOPT_MAX_SEND_SPEED_LARGE).
    pub fn max_send_speed(&mut self, bytes_per_sec: u64) -> &mut Self {
        self.max_send_speed = bytes_per_sec;
        self
    }

    /// How long to wait for "100 Continue" before sending a body anyway
    /// (FETCHOPT_EXPECT_100_TIMEOUT_MS). Upstream asks for it for bodies of
    /// unknown size or over 1 MiB; a user header "Expect:" turns it off.
    pub fn expect_100_timeout(&mut self, d: Duration) -> &mut Self {
        self.expect_100_timeout = d;
        self
    }

    /// Information about the last run of this transfer.
    #[inline]
    pub fn info(&self) -> &TransferInfo {
        &self.info
    }

    /// The response body collected when no write callback is set.
    pub fn response_body(&self) -> &[u8] {
        &self.sink
    }

    /// Takes the response body collected when no write callback is set.
    pub fn take_response_body(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.sink)
    }

    /// The URL as set with [`Easy::url`] (not the effective URL after
    /// redirects, which is in [`Easy::info`]).
    pub fn configured_url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Easy::new`'s block stays a small-bin request for glibc's malloc:
    /// at most 1,000 bytes (1,008 with its chunk header, under 1,024, and
    /// within the thread cache's 1,032). Larger requests take the slower
    /// large-bin path for every handle made (issue 13, workload L8). Move
    /// a seldom-used field out of line (`SeldomHooks`, `Seldom`) rather
    /// than raise this.
    #[test]
    fn easy_state_is_a_small_request() {
        let size = size_of::<EasyState>();
        assert!(size <= 1000, "EasyState is {size} bytes");
    }
}
