//! Building the engine transfer from the options: `FetchEasy::prepare`
//! reuses the held [`Easy`] and applies only what the option table marked
//! dirty since it last ran.

use std::borrow::Cow;
use std::ffi::CStr;
use std::sync::Arc;
use std::time::Duration;

use fetch_core::{Easy, HttpAuth, Method, ReadResult};

use super::callbacks::{Hooks, call_read, debug_closure, read_result};
use super::{FetchEasy, Options, PostData, dirty};
use crate::codes::*;

impl FetchEasy {
    /// The engine transfer for the current options, taken out of the
    /// handle to be added to a multi (or performed); it comes back with
    /// [`FetchEasy::restore`]. The held transfer is reused and only what
    /// changed since it last ran is applied to it.
    ///
    /// Inline, with the work for changed options out of line: an unchanged
    /// handle (the usual re-add) then costs the add no call and no frame
    /// of this size (issue 13).
    #[inline]
    pub(crate) fn prepare(&mut self) -> Easy {
        // A request left over from an earlier run means nothing now.
        let _ = self.hooks.pause.take();
        self.snapshot = None;
        self.live.reset();
        if let Some(e) = self.take_unchanged() {
            return e;
        }
        self.prepare_changed()
    }

    /// [`FetchEasy::prepare`] when something is applied: the held
    /// transfer (or a new one) with what changed since it last ran.
    #[inline(never)]
    fn prepare_changed(&mut self) -> Easy {
        let (mut e, fresh) = self.reuse_or_rebuild();
        // `self` is the `FETCH *` the application holds (the handle's box).
        let handle = std::ptr::from_mut(self).cast();
        self.hooks.set_handle(handle);
        let d = self.dirty;
        if d & dirty::SCALARS != 0 {
            if let Some(c) = self.opts.cookies.get_mut() {
                c.load_pending();
            }
            if let Some(h) = self.opts.hsts.get_mut() {
                h.load_pending();
            }
        }
        if d & dirty::HOOKS != 0 {
            self.hooks.publish(&self.opts);
        }
        self.apply_debug(&mut e);
        let o = &self.opts;
        // (A NULL URL rebuilds: a new engine transfer has none.) The same
        // string set again keeps the parsed URL cached in the engine.
        if let (true, Some(u)) = (d & dirty::URL != 0, &o.url) {
            let u = text(u);
            if e.configured_url() != Some(&*u) {
                e.url(u.into_owned());
            }
        }
        // A new engine transfer holds the defaults of every option group
        // already (`unset_groups_are_the_engine_defaults`): a group never
        // set is not built at its defaults, compared and dropped again
        // (issue 13: a fresh handle's first add).
        if d & dirty::TLS != 0 && (!fresh || o.tls.is_set()) {
            e.tls(o.tls.with(Clone::clone));
        }
        if d & dirty::SCALARS != 0 {
            self.apply_scalars(&mut e, fresh);
        }
        if !fresh || o.conn.is_set() {
            self.apply_conn(&mut e, d & dirty::SCALARS != 0);
        }
        if d & dirty::BODY != 0 {
            self.apply_body(&mut e);
        }
        self.apply_headers(&mut e);
        self.base_method = Some(base_method(&self.opts));
        // A borrowed POSTFIELDS buffer may change between transfers
        // without a setopt: read it again next time.
        // A form is built afresh too: its parts may have changed and files
        // their sizes.
        self.dirty = if matches!(self.opts.post_data, PostData::Borrowed(_))
            || !matches!(self.opts.form, crate::mime::FormBody::None)
        {
            dirty::BODY
        } else {
            0
        };
        e
    }

    /// The held engine transfer as it stands, when nothing would be
    /// applied to it: no option changed since it last ran (`dirty` clear,
    /// so the URL, callbacks, method and the rest are as applied, and the
    /// handle, VERBOSE and the method for EFFECTIVE_METHOD as recorded)
    /// and no option read afresh at every add is set (USERAGENT,
    /// HTTPHEADER, the connection lists) or has to be cleared. The common
    /// case of a handle added again as it was (issue 13).
    #[inline]
    fn take_unchanged(&mut self) -> Option<Easy> {
        let o = &self.opts;
        if self.dirty != 0
            || o.user_agent.is_some()
            || !o.headers.is_null()
            || !self.applied_headers.is_empty()
            || o.conn.is_set()
        {
            return None;
        }
        debug_assert_eq!(o.verbose, self.has_debug);
        self.core.take()
    }

    /// The held engine transfer when only appliable options changed;
    /// otherwise a new one, with everything marked dirty (then `true`).
    fn reuse_or_rebuild(&mut self) -> (Easy, bool) {
        let o = &self.opts;
        let want_header = o.header_fn.is_some() || !o.header_data.is_null() || o.include_header;
        let want_progress = !o.noprogress && (o.xferinfo_fn.is_some() || o.progress_fn.is_some());
        // The engine has no "no URL": a NULL URL starts over, for
        // upstream's error.
        let no_url = self.dirty & dirty::URL != 0 && o.url.is_none();
        let reuse = self.dirty & dirty::REBUILD == 0
            && !no_url
            && want_header == self.has_header
            && want_progress == self.has_progress;
        match self.core.take() {
            Some(e) if reuse => (e, false),
            _ => {
                self.dirty = dirty::ALL;
                self.applied_headers.clear();
                // New closures over new hooks: an engine transfer that is
                // still around somewhere keeps calling the old ones. Hooks
                // nothing else holds (a new handle's, or the old closures
                // are gone) are cleared in place instead: the same state
                // without a second allocation for a fresh handle (issue 13).
                match Arc::get_mut(&mut self.hooks) {
                    Some(h) => *h = Hooks::default(),
                    None => self.hooks = Arc::default(),
                }
                (self.fresh(want_header, want_progress), true)
            }
        }
    }

    /// Upstream: nothing is traced, to the debug callback or to STDERR,
    /// unless VERBOSE is on; off, the engine formats nothing.
    fn apply_debug(&mut self, e: &mut Easy) {
        let verbose = self.opts.verbose;
        if verbose != self.has_debug {
            if verbose {
                e.debug_function(debug_closure(self.hooks.clone()));
            } else {
                e.clear_debug_function();
            }
            self.has_debug = verbose;
        }
    }

    /// The options of the SCALARS dirty group. On a new engine transfer
    /// (`fresh`), what the handle left at its defaults is skipped where
    /// the engine starts at the same value (a group never set, no
    /// credentials, no socket hooks, no default scheme or encodings).
    fn apply_scalars(&self, e: &mut Easy, fresh: bool) {
        let o = &self.opts;
        e.follow_location(o.follow);
        e.max_redirs(u32::try_from(o.max_redirs).ok());
        e.timeout(Duration::from_millis(o.timeout_ms));
        e.connect_timeout(Duration::from_millis(o.connect_timeout_ms));
        e.low_speed(o.low_speed_limit, Duration::from_secs(o.low_speed_time));
        e.max_send_speed(o.max_send_speed);
        e.max_recv_speed(o.max_recv_speed);
        e.expect_100_timeout(Duration::from_millis(o.expect_100_timeout_ms));
        e.unrestricted_auth(o.unrestricted_auth);
        e.fresh_connect(o.fresh_connect);
        let apply = |set: bool| set || !fresh;
        if apply(o.httpauth != HttpAuth::BASIC || o.bearer.is_some() || o.username.is_some()) {
            apply_auth(o, e);
        }
        e.http_version(o.http_version);
        e.pipewait(o.pipewait);
        if apply(o.accept_encoding.is_some()) {
            e.accept_encoding(
                o.accept_encoding
                    .as_ref()
                    .map(|v| v.to_string_lossy().into_owned()),
            );
        }
        e.content_decoding(o.content_decoding);
        e.transfer_decoding(o.transfer_decoding);
        e.max_filesize(Some(o.max_filesize));
        e.forbid_reuse(o.forbid_reuse);
        if apply(o.socket_hooks.is_set()) {
            let (open, sockopt, close) = o.socket_hooks.with(|h| h.engine_hooks());
            e.socket_hooks(open, sockopt, close);
        }
        if apply(o.default_protocol.is_some()) {
            let scheme = o.default_protocol.as_ref().map(|s| s.to_string_lossy());
            e.default_protocol(scheme.as_deref());
        }
        self.apply_groups(e, fresh);
    }

    /// The option groups of the SCALARS dirty group; on a new engine
    /// transfer only those the handle set (see `prepare_changed`).
    fn apply_groups(&self, e: &mut Easy, fresh: bool) {
        let o = &self.opts;
        let apply = |set: bool| set || !fresh;
        if apply(o.xfer.is_set()) {
            o.xfer.with(|x| x.apply(e));
        }
        if apply(o.proxy.is_set()) {
            o.proxy.with(|p| p.apply(e));
        }
        e.share_tagged(o.share.as_ref(), std::ptr::from_ref(self) as usize);
        if apply(o.cookies.is_set()) {
            e.cookie_jar(o.cookies.with(|c| c.jar.clone()));
            e.cookie(o.cookies.with(|c| c.fixed.clone()));
        }
        if apply(o.hsts.is_set()) {
            e.hsts(o.hsts.with(|h| h.cache.clone()));
            let me = crate::SendPtr(std::ptr::from_ref(self).cast_mut().cast());
            e.hsts_read_function(o.hsts.with(|h| h.read_closure(me)));
        }
        if apply(o.altsvc.is_set()) {
            e.alt_svc(o.altsvc.with(|a| a.cache.clone()));
        }
    }

    /// The method and request body.
    fn apply_body(&self, e: &mut Easy) {
        let o = &self.opts;
        let reader = || {
            let hooks = self.hooks.clone();
            move |buf: &mut [u8]| {
                if hooks.is_detached() {
                    ReadResult::Abort
                } else if hooks.pause.blocks(FETCHPAUSE_SEND) {
                    ReadResult::Pause
                } else {
                    let (f, data) = hooks.read();
                    read_result(call_read(f, data, buf), buf.len())
                }
            }
        };
        if o.nobody {
            e.method(Method::Head);
        } else if o.upload {
            e.body_reader(u64::try_from(o.infilesize).ok(), reader());
            e.method(Method::Put);
        } else if let Some(body) = self.post_body() {
            e.post(body);
        } else if let Some(mime) = o.form.build(o.read_fn) {
            e.mime_post(mime);
        } else if o.post {
            e.body_reader(u64::try_from(o.post_size).ok(), reader());
            e.method(Method::Post);
        } else {
            e.method(Method::Get);
        }
        if let Some(c) = &o.custom {
            e.method(Method::Custom(c.to_string_lossy().into_owned()));
        }
    }

    /// USERAGENT and HTTPHEADER, read at every add: the application may
    /// append to the list it gave without a new setopt.
    fn apply_headers(&mut self, e: &mut Easy) {
        let o = &self.opts;
        if o.user_agent.is_none() && o.headers.is_null() {
            if !self.applied_headers.is_empty() {
                self.applied_headers.clear();
                e.headers(Vec::new());
            }
            return;
        }
        let mut lines = Vec::new();
        if let Some(ua) = &o.user_agent {
            lines.push(format!("User-Agent: {}", ua.to_string_lossy()));
        }
        let mut node = o.headers;
        while !node.is_null() {
            // SAFETY: FETCHOPT_HTTPHEADER's list must stay valid while the
            // transfer is set up (upstream contract); nodes come from
            // fetch_slist_append.
            let n = unsafe { &*node };
            if !n.data.is_null() {
                // SAFETY: slist data are NUL-terminated strings.
                let s = unsafe { CStr::from_ptr(n.data) };
                lines.push(s.to_string_lossy().into_owned());
            }
            node = n.next;
        }
        if lines != self.applied_headers {
            e.headers(lines.clone());
            self.applied_headers = lines;
        }
    }

    fn post_body(&self) -> Option<Vec<u8>> {
        match &self.opts.post_data {
            PostData::None => None,
            PostData::Copied(v) => Some(v.clone()),
            PostData::Borrowed(p) => {
                let len = match usize::try_from(self.opts.post_size) {
                    Ok(n) => n,
                    // SAFETY: without a size, POSTFIELDS is a C string.
                    Err(_) => unsafe { libc::strlen(*p) },
                };
                // SAFETY: the application keeps POSTFIELDS valid for `len`
                // bytes while the transfer runs (upstream contract).
                Some(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) }.to_vec())
            }
        }
    }
}

/// A C string as text, invalid UTF-8 replaced as `to_string_lossy` does.
/// ASCII (any usual URL) is recognised by `is_ascii`, a word at a time,
/// and other text checked by `str::from_utf8`, not by the lossy decoder's
/// byte loop (about 200 instructions for a short URL at a fresh handle's
/// first add; `from_utf8` alone took about 110; issue 13).
fn text(s: &CStr) -> Cow<'_, str> {
    let bytes = s.to_bytes();
    if bytes.is_ascii() {
        // SAFETY: ASCII is valid UTF-8.
        return Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    match s.to_str() {
        Ok(t) => Cow::Borrowed(t),
        Err(_) => s.to_string_lossy(),
    }
}

/// The method the options ask for, CUSTOMREQUEST aside (for
/// FETCHINFO_EFFECTIVE_METHOD).
fn base_method(o: &Options) -> &'static str {
    if o.nobody {
        "HEAD"
    } else if o.upload {
        "PUT"
    } else if o.post || !matches!(o.post_data, PostData::None) {
        "POST"
    } else {
        "GET"
    }
}

/// USERPWD/USERNAME/PASSWORD, HTTPAUTH and XOAUTH2_BEARER.
fn apply_auth(o: &Options, e: &mut Easy) {
    // Checked at setopt time: only masks with a built-in method get here.
    let _ = e.http_auth(o.httpauth);
    e.bearer_token(o.bearer.as_ref().map(|t| t.to_string_lossy().into_owned()));
    e.credentials(o.username.as_ref().map(|u| {
        let p = o
            .password
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned());
        (u.to_string_lossy().into_owned(), p.unwrap_or_default())
    }));
}

#[cfg(test)]
mod tests {
    use fetch_core::{Easy, TlsOptions};

    use super::super::{FetchEasy, Options};
    use super::text;

    /// `prepare_changed` skips the option groups a handle never set when
    /// it builds a new engine transfer: applying them at their defaults
    /// must leave a new engine transfer as it is. (The transfer options,
    /// `XferOpts`, have no getter in the engine: their defaults are
    /// `XferOptions::default`'s field for field, and each setter stores
    /// only a changed value.)
    #[test]
    fn unset_groups_are_the_engine_defaults() {
        let h = FetchEasy::new(Options::default);
        let mut e = Easy::new();
        let (proxy, conn) = (e.get_proxy_options().clone(), e.get_conn_options().clone());
        h.opts.proxy.with(|p| p.apply(&mut e));
        h.apply_conn(&mut e, true);
        assert!(*e.get_proxy_options() == proxy);
        assert!(*e.get_conn_options() == conn);
        assert!(*Easy::new().tls_mut() == h.opts.tls.with(TlsOptions::clone));
        assert!(!h.opts.cookies.is_set() && !h.opts.hsts.is_set() && !h.opts.altsvc.is_set());
        // Authentication: the engine starts at Basic with no credentials.
        assert!(h.opts.httpauth == fetch_core::HttpAuth::default());
        assert!(h.opts.username.is_none() && h.opts.bearer.is_none());
    }

    #[test]
    fn text_is_to_string_lossy() {
        for bytes in [
            &b"http://a/"[..],
            b"",
            b"\xff",
            b"a\xc3\x28b",
            "\u{e9}t\u{e9}".as_bytes(),
        ] {
            let c = std::ffi::CString::new(bytes).unwrap();
            assert_eq!(text(&c), c.to_string_lossy());
        }
    }
}
