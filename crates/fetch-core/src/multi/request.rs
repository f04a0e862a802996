//! The request side of the exchange: the head (framing, credentials,
//! Expect), the body from memory or the read callback, and the resend
//! rules (rewind or fail).

use super::*;
use crate::auth::Login;

/// Upstream's rule: ask for "100 Continue" before a body of unknown size
/// or over 1 MiB, unless the application set its own "Expect:" header
/// (then only if that one asks for it).
/// How the request body is framed. The method and body decide; a user
/// `Transfer-Encoding: chunked` line asks for chunked, and a user
/// `Content-Length:` gives the size of a body of unknown size. The head
/// always carries exactly one framing (see `http::encode_request`).
pub(super) fn request_framing(method: &Method, body: &Body, headers: &[String]) -> BodyFraming {
    let sends_body = !matches!(method, Method::Get | Method::Head);
    let post_put = matches!(method, Method::Post | Method::Put);
    match (body, sends_body) {
        (_, false) => return BodyFraming::None,
        (Body::None, _) if !post_put => return BodyFraming::None,
        (Body::None, _) => return BodyFraming::Length(0),
        _ => {}
    }
    let (user_chunked, user_length) = http::user_framing(headers);
    if user_chunked {
        return BodyFraming::Chunked;
    }
    match body {
        Body::Bytes(b) => BodyFraming::Length(b.len() as u64),
        Body::Reader { len: Some(n), .. } => BodyFraming::Length(*n),
        Body::Reader { len: None, .. } => {
            user_length.map_or(BodyFraming::Chunked, BodyFraming::Length)
        }
        Body::None => unreachable!("handled above"),
    }
}

/// The user name and password a request to `dest` may carry: those of
/// USERPWD/USERNAME/PASSWORD (they win, as upstream), else the current
/// URL's, else the first URL's while credentials may go to `dest`.
pub(super) fn login(easy: &Easy, dest: &Dest, first: Option<&Dest>, creds: bool) -> Option<Login> {
    if let (true, Some((name, password))) = (creds, &easy.seldom.credentials) {
        return Some((name.as_bytes().to_vec(), password.as_bytes().to_vec()));
    }
    let url = if dest.has_username {
        &dest.url
    } else {
        first.filter(|f| creds && f.has_username).map(|f| &f.url)?
    };
    let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
    Some((decode(url.username()), decode(url.password().unwrap_or(""))))
}

/// The header lines to send: the application's, without credentials when
/// they may not go to `dest` (`creds`), plus the `Authorization` line of
/// the authentication in use (`auth`) and `Expect: 100-continue`. Borrows
/// when nothing changes.
pub(super) fn request_headers<'a>(
    easy: &'a Easy,
    dest: &Dest,
    auth: Option<String>,
    creds: bool,
    expect: bool,
) -> std::borrow::Cow<'a, [String]> {
    use std::borrow::Cow;
    let user = easy.headers.as_slice();
    let basic = auth;
    let accept = easy
        .accept_encoding
        .as_deref()
        .filter(|_| !user.iter().any(|h| header_is(h, "accept-encoding")))
        .map(|v| {
            format!(
                "Accept-Encoding: {}",
                if v.is_empty() {
                    crate::decode::SUPPORTED
                } else {
                    v
                }
            )
        });
    let add_expect = expect && !user_sets_expect(user);
    let cookie = crate::cookies::request_field(easy, dest);
    let body_type = body_type_line(easy);
    if creds
        && basic.is_none()
        && accept.is_none()
        && !add_expect
        && cookie.is_none()
        && body_type.is_none()
    {
        return Cow::Borrowed(user);
    }
    let mut lines: Vec<String> = user
        .iter()
        .filter(|h| creds || !(header_is(h, "authorization") || header_is(h, "cookie")))
        .cloned()
        .collect();
    lines.extend(basic);
    lines.extend(accept);
    lines.extend(cookie);
    lines.extend(body_type);
    if add_expect {
        lines.push("Expect: 100-continue".to_owned());
    }
    Cow::Owned(lines)
}

/// The `Authorization` line the authentication in use gives this request
/// (none when the application sets its own).
pub(super) fn auth_line(t: &mut Transfer, dest: &Dest, creds: bool) -> Option<String> {
    if t.easy.headers.iter().any(|h| header_is(h, "authorization")) {
        t.auth = Default::default();
        return None;
    }
    let login = login(&t.easy, dest, t.first.as_deref(), creds);
    let token = t.easy.seldom.bearer.as_deref().filter(|_| creds);
    let req = crate::auth::Request {
        method: t.method.as_str(),
        target: &dest.request_target,
        sends_body: !matches!(t.method, Method::Get | Method::Head),
    };
    t.auth.request_line(&t.easy, login.as_ref(), token, &req)
}

/// The framing of the next request's body, and the exact upload size
/// (`upload_len`) it implies. A Digest probe sends none of the body.
pub(super) fn framing_of(t: &mut Transfer) -> BodyFraming {
    let mut framing = request_framing(&t.method, &t.easy.body, &t.easy.headers);
    if t.auth.probe && framing != BodyFraming::None {
        // Digest before its challenge: the body waits for the answer.
        framing = BodyFraming::Length(0);
    }
    t.ex.upload_len = match (&t.easy.body, framing) {
        (_, BodyFraming::Length(0)) if t.auth.probe => None,
        (Body::Reader { len: Some(n), .. }, _) => Some(*n),
        (Body::Reader { len: None, .. }, BodyFraming::Length(n)) => Some(n),
        _ => None,
    };
    framing
}

/// `Content-Type:` for a multipart body (FETCHOPT_MIMEPOST), unless the
/// application's lines set one (theirs wins, as upstream).
fn body_type_line(easy: &Easy) -> Option<String> {
    let user = easy.headers.as_slice();
    easy.seldom
        .body_type
        .as_deref()
        .filter(|_| !user.iter().any(|h| header_is(h, "content-type")))
        .map(|t| format!("Content-Type: {t}"))
}

/// An application `Content-Type: multipart/...` line without a boundary,
/// sent with a multipart body, gets the body's boundary appended (as
/// upstream), so the server can split the parts.
fn add_user_boundary(easy: &Easy, headers: &mut std::borrow::Cow<'_, [String]>) {
    let Some(boundary) = easy
        .seldom
        .body_type
        .as_deref()
        .and_then(|t| t.split_once("boundary="))
        .map(|(_, b)| b)
    else {
        return;
    };
    let needs = |h: &String| {
        header_is(h, "content-type") && {
            let value = h["content-type:".len()..].trim_start().to_ascii_lowercase();
            value.starts_with("multipart/") && !value.contains("boundary=")
        }
    };
    if let Some(i) = headers.iter().position(needs) {
        let line = &mut headers.to_mut()[i];
        line.push_str("; boundary=");
        line.push_str(boundary);
    }
}

/// Whether header line `line` is named `name` (lower case).
pub(super) fn header_is(line: &str, name: &str) -> bool {
    line.len() > name.len()
        && line.as_bytes()[name.len()] == b':'
        && line[..name.len()].eq_ignore_ascii_case(name)
}

/// A body from memory, as it goes on the wire.
pub(super) fn push_bytes_body(body: &[u8], chunked: bool, out: &mut Vec<u8>) {
    if chunked {
        http::encode_chunk(body, out);
        http::encode_last_chunk(out);
    } else {
        out.extend_from_slice(body);
    }
}

pub(super) fn wants_expect(headers: &[String], body: &Body, framing: BodyFraming) -> bool {
    const THRESHOLD: u64 = 1024 * 1024;
    if framing == BodyFraming::None {
        return false;
    }
    if let Some(line) = headers.iter().find(|h| header_is(h, "expect")) {
        return line.to_ascii_lowercase().contains("100-continue");
    }
    match (body, framing) {
        (Body::Bytes(b), _) => b.len() as u64 > THRESHOLD,
        (Body::Reader { .. }, BodyFraming::Chunked) => true,
        (Body::Reader { len: Some(n), .. }, _) => *n > THRESHOLD,
        _ => false,
    }
}

pub(super) fn user_sets_expect(headers: &[String]) -> bool {
    headers.iter().any(|h| header_is(h, "expect"))
}

/// A request whose head is the request line, `Host` and `Accept` alone:
/// a GET or HEAD without a body, header lines, credentials (options or
/// URL), cookies, Accept-Encoding, a proxy, an h2c offer or any option of
/// the `Seldom` and `crate::xfer` groups (referer, range, time condition,
/// path as is), and no automatic referer. Every step of the general head
/// adds nothing to such a request; testing this once skips them (issue
/// 13: instructions per transfer). Anything else takes the general path.
fn plain_request(t: &Transfer) -> bool {
    let e = &t.easy;
    matches!(t.method, Method::Get | Method::Head)
        && e.headers.is_empty()
        && matches!(e.body, Body::None)
        && e.seldom.is_unset()
        && e.xfer.is_unset()
        && e.accept_encoding.is_none()
        && e.info.referer.is_none()
        && e.jar().is_none()
        && t.px.proxy.is_none()
        && t.target.as_deref().is_some_and(|d| !d.has_username)
        && !t.first.as_deref().is_some_and(|f| f.has_username)
        && !h2upgrade::offers_h2c(t)
}

impl Multi {
    /// Puts a connected connection to work for a transfer: the request is
    /// built and the transfer moves to Sending. (The transfer's and the
    /// connection's rows are looked up once and lent to the steps: each
    /// lookup is a bounds and an occupancy check.)
    pub(super) fn attach(&mut self, ti: TransferKey, cid: ConnKey) -> Step {
        // PIPEWAIT: the connection turned out HTTP/1.1.
        self.h2_wake_pipe_waiters(cid);
        let t = &mut self.transfers[ti];
        let conn = &mut self.conns[cid];
        t.conn = Some(cid);
        conn_info(&mut t.easy.info, conn);
        if !prereq_allows(t, conn) {
            conn_state_busy(conn, ti);
            self.fail(
                ti,
                Error::new(
                    ErrorCode::AbortedByCallback,
                    "operation aborted by pre-request callback",
                ),
            );
            return Step::Wait;
        }
        t.phase = Phase::Sending;
        // A new exchange: nothing of the previous request's carries over.
        t.ex = Exchange::default();
        t.decoder.reset(t.method == Method::Head);
        if let Some(options) = &t.easy.seldom.head_options {
            t.decoder.set_options(options);
        }
        if !matches!(t.body_out, body::BodyOut::Plain) {
            t.body_out = body::BodyOut::Plain;
        }
        let t = if plain_request(t) {
            write_plain_head(t, conn, ti);
            queue_bytes_body(t, conn, BodyFraming::None, false);
            // Upstream counts the head and a body sent along with it.
            t.easy.info.request_size += conn.out.len() as u64;
            t
        } else {
            let (framing, expect) = self.write_head(ti, cid);
            let t = &mut self.transfers[ti];
            let conn = &mut self.conns[cid];
            queue_bytes_body(t, conn, framing, expect);
            t.easy.info.request_size += conn.out.len() as u64;
            t
        };
        // `Multi::start_rates` with the row at hand.
        let mark = self.clock.moment();
        if control::start_rates_of(t, mark, self.now) {
            self.start_low_speed_window(ti);
        }
        Step::Continue
    }

    /// Writes the request head of a request that is not a
    /// [`plain_request`] into connection `cid`'s output buffer and marks
    /// the connection busy with the transfer. Returns the body's framing
    /// and whether the body waits for "100 Continue".
    fn write_head(&mut self, ti: TransferKey, cid: ConnKey) -> (BodyFraming, bool) {
        let dest = self.transfers[ti]
            .target
            .clone()
            .expect("a started transfer has a target");
        let creds = self.credentials_allowed(ti);
        let h2c = self.h2c_offer(ti);
        let t = &mut self.transfers[ti];
        let auth = auth_line(t, &dest, creds);
        let framing = framing_of(t);
        t.easy.info.content_length_upload = match framing {
            BodyFraming::Length(n) => Some(n),
            _ => None,
        };
        // FETCH_HTTP_VERSION_1_0: an HTTP/1.0 request line, and no
        // "Expect: 100-continue" (HTTP/1.1 only), as upstream.
        let http10 = t.easy.http_version == crate::HttpVersion::V1_0;
        let expect =
            !http10 && !t.auth.probe && wants_expect(&t.easy.headers, &t.easy.body, framing);
        t.easy.info.note_request(t.method.as_str(), dest.https);
        let mut headers = request_headers(&t.easy, &dest, auth, creds, expect);
        if framing == BodyFraming::None && t.easy.seldom.body_type.is_some() {
            // A 303 turned the multipart POST into a GET: no body, no type.
            let ours = body_type_line(&t.easy);
            headers.to_mut().retain(|h| Some(h) != ours.as_ref());
        } else {
            add_user_boundary(&t.easy, &mut headers);
        }
        let mut extra = xfer::request_lines(&t.easy, &t.method);
        extra.extend(t.forward_lines());
        let headers = if extra.is_empty() {
            headers
        } else {
            std::borrow::Cow::Owned(headers.iter().cloned().chain(extra).collect())
        };
        let raw_target;
        let absolute = t.absolute_target();
        let target = if let Some(r) = &t.easy.xfer.request_target {
            // REQUEST_TARGET: as is, even to a forwarding proxy (upstream).
            r.as_str()
        } else if let Some(a) = &absolute {
            a.as_str()
        } else if t.easy.xfer.path_as_is {
            raw_target = dest.raw_request_target();
            raw_target.as_str()
        } else {
            dest.request_target.as_str()
        };
        t.ex.expect = if expect { Expect::Waiting } else { Expect::No };
        let conn = &mut self.conns[cid];
        conn.begin_request(ti);
        http::encode_request(
            &RequestParts {
                method: t.method.as_str(),
                target,
                host: &dest.host_header,
                headers: &headers,
                body: framing,
                http10,
                h2c_settings: h2c.as_deref(),
            },
            &mut conn.out,
        );
        t.easy.trace(InfoType::HeaderOut, &conn.out);
        (framing, expect)
    }

    /// Whether credentials (`Authorization:`/`Cookie:` lines, URL user and
    /// password) may go to the current target: only to the scheme, host
    /// and port of the first URL, unless FETCHOPT_UNRESTRICTED_AUTH is on;
    /// and never over http once the chain of redirects went through https.
    pub(super) fn credentials_allowed(&self, ti: TransferKey) -> bool {
        let t = &self.transfers[ti];
        let (Some(first), Some(now)) = (t.first.as_deref(), t.target.as_deref()) else {
            return true;
        };
        let same = first.https == now.https && first.host == now.host && first.port == now.port;
        same || (t.easy.unrestricted_auth && (now.https || !t.seen_https))
    }

    /// Makes a streamed body start again from its first byte before the
    /// request is sent again (retry, redirect). A body never read needs no
    /// rewind; otherwise the seek callback must succeed.
    pub(super) fn rewind_upload(&mut self, ti: TransferKey) -> Result<(), Error> {
        let t = &mut self.transfers[ti];
        if !matches!(t.easy.body, Body::Reader { .. }) || t.ex.upload_read == 0 {
            return Ok(());
        }
        let outcome = t.easy.seek_to(io::SeekFrom::Start(0));
        if outcome == Some(SeekResult::Ok) {
            t.ex.upload_read = 0;
            t.easy.info.size_upload = 0;
            return Ok(());
        }
        let why = match outcome {
            None => "necessary data rewind was not possible (no seek callback)",
            _ => "seek callback returned an error",
        };
        Err(Error::new(ErrorCode::SendFailRewind, why))
    }

    /// What comes before [`Multi::send`] writes: the first progress
    /// report, a pause, a rate limit, the socket's readiness. `Ok` gives
    /// the connection and the upload count before this step; `Err` the
    /// step's answer. (Inline: part of `send`.)
    #[inline(always)]
    fn send_gate(&mut self, ti: TransferKey, events: Events) -> Result<(ConnKey, u64), Step> {
        // What the steps below read of the transfer, looked up once (each
        // lookup is a bounds and an occupancy check; a callback cannot
        // change the row meanwhile, the multi is borrowed).
        let t = &mut self.transfers[ti];
        let (paused, limit, cid, ul_before) = (
            t.paused_send,
            t.easy.max_send_speed,
            t.conn,
            t.easy.info.size_upload,
        );
        if !t.ex.progress_told {
            // Upstream reports progress once before a request goes out, so
            // an application can abort even a transfer that would finish
            // within one event.
            t.ex.progress_told = true;
            if let Err(e) = self.progress(ti) {
                self.fail(ti, e);
                return Err(Step::Wait);
            }
        }
        if paused {
            self.refresh_interest(ti);
            return Err(Step::Wait);
        }
        if limit != 0 {
            if let Some(until) = self.throttled_until(ti, false) {
                return Err(self.throttle(ti, until));
            }
        }
        if !events.may_write() {
            return Err(Step::Wait);
        }
        Ok((cid.expect("sending has a connection"), ul_before))
    }

    pub(super) fn send(&mut self, ti: TransferKey, events: Events) -> Step {
        let (cid, ul_before) = match self.send_gate(ti, events) {
            Ok(go) => go,
            Err(step) => return step,
        };
        loop {
            let conn = &mut self.conns[cid];
            match flush_out(conn, &mut self.sockets) {
                Ok(true) => {}
                Ok(false) => return self.after_upload(ti, ul_before, Step::Wait),
                Err(e) => {
                    let err = Error::new(ErrorCode::SendError, Detail::send(&e)).caused_by(e);
                    return self.conn_failed(ti, err);
                }
            }
            let t = &mut self.transfers[ti];
            if t.ex.expect == Expect::Waiting {
                // Head sent: wait for "100 Continue" (or a final answer)
                // before the body, at most the expect timeout.
                t.phase = Phase::Receiving;
                let at = self.now.checked_add(t.easy.expect_100_timeout);
                self.set_deadline(ti, Kind::Expect, at);
                self.refresh_interest(ti);
                return Step::Wait;
            }
            if !t.ex.upload_done {
                if self.throttled_until(ti, false).is_some() {
                    return self.after_upload(ti, ul_before, Step::Continue);
                }
                match self.read_upload(ti, cid) {
                    Ok(Step::Continue) => {}
                    Ok(Step::Wait) => return self.after_upload(ti, ul_before, Step::Wait),
                    Err(e) => {
                        self.fail(ti, e);
                        return Step::Wait;
                    }
                }
                continue;
            }
            // Keep a small request buffer for the next request on this
            // connection; give back a large one (an upload body).
            if conn.out.capacity() > 4096 {
                conn.out = Vec::new();
            } else {
                conn.out.clear();
            }
            conn.out_pos = 0;
            t.phase = Phase::Receiving;
            // `refresh_interest` with the rows at hand (HTTP/2 streams do
            // not come here: their transfers are driven by `h2_drive`).
            let moved = t.easy.info.size_upload != ul_before;
            if let Some(paused) = control::want_interest(&mut self.sockets, t, conn) {
                self.progress_tick_of(ti, paused);
            }
            if !moved {
                return Step::Wait;
            }
            return self.after_upload(ti, ul_before, Step::Wait);
        }
    }

    /// Takes the next piece of a streamed body from the read callback into
    /// the connection's output. A body of known size gets exactly that many
    /// bytes: the callback is never offered more room than is left, and an
    /// early end fails the transfer (FETCHE_READ_ERROR, as upstream).
    /// `Wait` means the callback paused.
    pub(super) fn read_upload(&mut self, ti: TransferKey, cid: ConnKey) -> Result<Step, Error> {
        let t = &mut self.transfers[ti];
        let conn = &mut self.conns[cid];
        conn.out.clear();
        conn.out_pos = 0;
        // FETCHOPT_UPLOAD_BUFFERSIZE: the most the callback is offered.
        let chunk_max = t.easy.conn.upload_buffer_size.max(1);
        let room = match t.ex.upload_len {
            Some(len) => len.saturating_sub(t.ex.upload_read).min(chunk_max as u64) as usize,
            None => chunk_max,
        };
        t.easy.publish_live();
        let Body::Reader { read, .. } = &mut t.easy.body else {
            unreachable!("upload_done is false only with a reader")
        };
        let result = if room == 0 {
            // The whole announced size went out: the body is complete.
            ReadResult::Data(0)
        } else {
            let mut chunk = std::mem::take(&mut self.ubuf);
            chunk.resize(room, 0);
            let r = read(&mut chunk);
            if let ReadResult::Data(n) = r {
                let n = n.min(room);
                t.ex.upload_read += n as u64;
                t.easy.info.size_upload += n as u64;
                t.easy.trace(InfoType::DataOut, &chunk[..n]);
                if t.ex.chunked_upload {
                    http::encode_chunk(&chunk[..n], &mut conn.out);
                } else {
                    conn.out.extend_from_slice(&chunk[..n]);
                }
            }
            self.ubuf = chunk;
            r
        };
        match result {
            ReadResult::Data(0) => {
                if let Some(len) = t.ex.upload_len.filter(|&len| t.ex.upload_read < len) {
                    return Err(Error::new(
                        ErrorCode::ReadError,
                        format!(
                            "client read function EOF fail, only {}/{len} of needed bytes read",
                            t.ex.upload_read
                        ),
                    ));
                }
                t.ex.upload_done = true;
                if t.ex.chunked_upload {
                    http::encode_last_chunk(&mut conn.out);
                }
                Ok(Step::Continue)
            }
            ReadResult::Data(_) => Ok(Step::Continue),
            ReadResult::Pause => {
                t.paused_send = true;
                self.refresh_interest(ti);
                Ok(Step::Wait)
            }
            ReadResult::Abort => Err(Error::new(
                ErrorCode::AbortedByCallback,
                "operation aborted by callback",
            )),
            ReadResult::Fail => Err(Error::new(
                ErrorCode::ReadError,
                "could not read the request body",
            )),
        }
    }

    /// After upload progress: tell the progress callback. `step` is what the
    /// caller returns unless the callback aborts. (Inline: without upload
    /// progress, every GET, it is one comparison.)
    #[inline]
    pub(super) fn after_upload(&mut self, ti: TransferKey, before: u64, step: Step) -> Step {
        if self.transfers[ti].easy.info.size_upload == before {
            return step;
        }
        match self.progress(ti) {
            Ok(()) => step,
            Err(e) => {
                self.fail(ti, e);
                Step::Wait
            }
        }
    }

    /// A connection failed under a transfer. A reused connection that died
    /// before any response byte arrived is retried once on a new one.
    /// (Out of line: an error path.)
    #[inline(never)]
    pub(super) fn conn_failed(&mut self, ti: TransferKey, err: Error) -> Step {
        let t = &mut self.transfers[ti];
        let cid = t.conn.expect("failing transfer has a connection");
        let retry = self.conns[cid].requests > 1 && !t.decoder.started() && !t.retried;
        if retry {
            // The request goes again: with the same body or not at all.
            if let Err(e) = self.rewind_upload(ti) {
                self.fail(ti, e);
                return Step::Wait;
            }
            let t = &mut self.transfers[ti];
            tracing::debug!(
                transfer = %ti,
                "reused connection died; retrying on a new one"
            );
            t.retried = true;
            t.conn = None;
            t.phase = Phase::Init;
            t.easy.info.size_upload = 0;
            self.close_conn(cid);
            return Step::Continue;
        }
        self.fail(ti, err);
        Step::Wait
    }
}

/// Writes the connection's pending output: `Ok(true)` when all of it
/// went out, `Ok(false)` when the socket would block (OUT is wanted).
/// (Inline: once per request.)
#[inline]
fn flush_out(conn: &mut Conn, sockets: &mut SocketTable) -> io::Result<bool> {
    while conn.out_pos < conn.out.len() {
        match conn.send_out() {
            Ok(n) => conn.out_pos += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                sockets.want(conn.fd, WANT_WRITE);
                return Ok(false);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// FETCHOPT_PREREQFUNCTION, right before the request goes out on
/// connection `conn`: `false` when it refuses. (Inline: without the
/// callback, the usual case, it is one test.)
#[inline]
fn prereq_allows(t: &mut Transfer, conn: &Conn) -> bool {
    if t.easy.hooks.get().is_none_or(|h| h.prereq.is_none()) {
        return true;
    }
    call_prereq(t, conn)
}

/// [`prereq_allows`] with a callback set.
#[inline(never)]
fn call_prereq(t: &mut Transfer, conn: &Conn) -> bool {
    // Info read inside the callback sees this connection.
    t.easy.publish_live();
    let Some(prereq) = t.easy.hooks.get_mut().and_then(|h| h.prereq.as_mut()) else {
        return true;
    };
    let show =
        |a: Option<SocketAddr>| a.map_or((String::new(), 0), |a| (a.ip().to_string(), a.port()));
    let ((primary_ip, primary_port), (local_ip, local_port)) = (show(conn.peer), show(conn.local));
    prereq(&crate::connopts::Prereq {
        primary_ip,
        primary_port,
        local_ip,
        local_port,
    })
}

/// The request head of a [`plain_request`] into `conn`'s output, the
/// connection made busy with transfer `ti`: what every step of the
/// general head (`Multi::write_head`) would decide, decided at once (no
/// body, no `Authorization`, no line beyond `Host` and `Accept`). (Inline:
/// once per transfer, its own frame cost more than its work.)
#[inline(always)]
fn write_plain_head(t: &mut Transfer, conn: &mut Conn, ti: TransferKey) {
    t.auth.without_credentials();
    t.ex.upload_len = None;
    t.ex.expect = Expect::No;
    let dest = t
        .target
        .as_deref()
        .expect("a started transfer has a target");
    let method = t.method.as_str();
    t.easy.info.content_length_upload = None;
    t.easy.info.note_request(method, dest.https);
    conn.begin_request(ti);
    let http10 = t.easy.http_version == crate::HttpVersion::V1_0;
    if t.method == Method::Get && !http10 {
        conn.out.extend_from_slice(dest.plain_get_head());
    } else {
        http::encode_request(
            &RequestParts {
                method,
                target: &dest.request_target,
                host: &dest.host_header,
                headers: &[],
                body: BodyFraming::None,
                http10,
                h2c_settings: None,
            },
            &mut conn.out,
        );
    }
    t.easy.trace(InfoType::HeaderOut, &conn.out);
}

/// A body from memory goes out right behind the head (unless it waits
/// for "100 Continue" or a Digest probe); a read-callback body is read
/// as the connection drains.
fn queue_bytes_body(t: &mut Transfer, conn: &mut Conn, framing: BodyFraming, expect: bool) {
    t.ex.upload_done = true;
    t.ex.chunked_upload = framing == BodyFraming::Chunked;
    let easy = &mut *t.easy;
    match (&easy.body, framing) {
        _ if t.auth.probe => {}
        (Body::Bytes(b), BodyFraming::Length(_) | BodyFraming::Chunked) if !expect => {
            if let Some(debug) = easy.debug.as_mut() {
                debug(InfoType::DataOut, b);
            }
            push_bytes_body(b, t.ex.chunked_upload, &mut conn.out);
            easy.info.size_upload = b.len() as u64;
        }
        (Body::Reader { .. }, BodyFraming::Length(_) | BodyFraming::Chunked) => {
            t.ex.upload_done = false;
        }
        _ => {}
    }
}

/// What a transfer's information says about the connection it uses.
pub(super) fn conn_info(info: &mut TransferInfo, conn: &Conn) {
    if let Some(peer) = conn.peer {
        info.primary_ip = Some(peer.ip());
        info.primary_port = peer.port();
    }
    info.local_ip = conn.local.map(|a| a.ip());
    info.local_port = conn.local.map_or(0, |a| a.port());
    info.active_socket = Some(conn.fd);
}

/// A reused connection is still idle when the transfer fails before using
/// it: it must close as the transfer's.
fn conn_state_busy(conn: &mut Conn, ti: TransferKey) {
    conn.state = ConnState::Busy(ti);
}
