//! The response side of the exchange: reading with edge-trigger safety,
//! decoding, and handing heads and body to the application's callbacks.

use super::body::{self, BodyOut};
use super::*;
use crate::headers::origin;
use crate::http::{HttpError, ResponseHead};

/// Bytes read per `read` call into the multi's shared buffer.
pub(super) const READ_BUF: usize = 256 * 1024;

/// Reads per readiness event before yielding to other sockets; the engine
/// then schedules itself with a 0 ms timer (edge-trigger safety).
pub(super) const READS_PER_EVENT: usize = 16;

pub(super) enum Outcome {
    More,
    /// The application paused receiving; the rest waits in the carry.
    Paused,
    /// "100 Continue" arrived for a request waiting to send its body.
    Continue100,
    /// "101 Switching Protocols" took the `Upgrade: h2c` offer: the
    /// connection speaks HTTP/2 from the next byte (`h2upgrade.rs`).
    H2Upgrade,
    /// Decoding had its budget for this call: come back at once.
    Yield,
    Failed(Error),
    Finished {
        reusable: bool,
    },
}

/// What one read from the connection gave.
enum Read {
    /// Bytes were appended (or the carry is decoded first); `true` at EOF.
    Data {
        eof: bool,
    },
    /// Nothing more for now.
    WouldBlock,
    Failed(Error),
}

/// The transfer error for a failed read.
fn recv_error(e: io::Error) -> Error {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(tls_err) => tls::map_error(tls_err, false, "").caused_by(tls_err.clone()),
        None if e.kind() == io::ErrorKind::UnexpectedEof => Error::new(
            ErrorCode::RecvError,
            "TLS connection closed without close_notify",
        )
        .caused_by(e),
        None => Error::new(ErrorCode::RecvError, Detail::recv(&e)).caused_by(e),
    }
}

/// The shared read buffer `rbuf` taken, with the connection's carry moved
/// in front; `limit` is the transfer's MAX_RECV_SPEED, `buffer_size` its
/// BUFFERSIZE. (Inline: once per receive step.)
#[inline(always)]
fn take_input(
    rbuf: &mut Vec<u8>,
    conn: &mut Conn,
    carried: bool,
    limit: u64,
    buffer_size: Option<usize>,
) -> Input {
    let mut buf = std::mem::take(rbuf);
    if buf.len() < READ_BUF {
        buf.resize(READ_BUF, 0);
    }
    let filled = conn.carry.len();
    if filled > 0 {
        buf[..filled].copy_from_slice(&conn.carry);
        conn.carry.clear();
    }
    // A rate-limited transfer reads in small steps so it cannot run far
    // ahead of its limit in one read.
    let read_max = if limit == 0 {
        READ_BUF
    } else {
        (limit as usize / 4).clamp(1024, READ_BUF)
    };
    // FETCHOPT_BUFFERSIZE: no read takes more.
    let read_max = match buffer_size {
        Some(n) => read_max.min(n.max(1)),
        None => read_max,
    };
    Input {
        buf,
        filled,
        carried,
        read_max,
    }
}

/// The read loop's buffer: the multi's shared one, `filled` bytes in use.
struct Input {
    buf: Vec<u8>,
    filled: usize,
    /// Bytes kept from before are decoded before the next read.
    carried: bool,
    read_max: usize,
}

impl Multi {
    pub(super) fn recv(&mut self, ti: TransferKey, events: Events) -> Step {
        let cid = self.transfers[ti].conn.expect("receiving has a connection");
        if let Some(step) = self.flush_tls_records(ti, cid) {
            return step;
        }
        // What the checks below read of the transfer, looked up once (each
        // lookup is a bounds and an occupancy check).
        let t = &self.transfers[ti];
        let (paused, limit, dl_before) = (
            t.paused_recv,
            t.easy.max_recv_speed,
            t.easy.info.size_download,
        );
        // (A callback cannot set or clear the progress callback: the
        // multi is borrowed meanwhile.)
        let has_progress = t.easy.progress.is_some();
        // Bytes kept from before (a pause, a yield) are decoded first even
        // without a readiness event: the socket may never signal them again.
        // So is a message whose last body bytes were handed out just as the
        // transfer paused: only its end is left, and no byte will come.
        // So is decoded body a pause or a yield left in the decoders.
        let pending = t.decoder.is_complete() || t.body_out.has_pending();
        let buffer_size = t.easy.conn.buffer_size;
        if paused {
            self.refresh_interest(ti);
            return Step::Wait;
        }
        if limit != 0 {
            if let Some(until) = self.throttled_until(ti, true) {
                return self.throttle(ti, until);
            }
        }
        let conn = &mut self.conns[cid];
        let carried = pending || !conn.carry.is_empty();
        if !events.may_read() && !carried {
            return Step::Wait;
        }
        let mut input = take_input(&mut self.rbuf, conn, carried, limit, buffer_size);
        let step = self.read_loop(ti, cid, &mut input);
        self.rbuf = input.buf;
        // Progress is reported once per event that moved data, the final
        // one included; an abort only matters while the transfer runs.
        // (Without a progress callback, the usual case, there is nothing
        // to tell.)
        if has_progress && self.transfers[ti].easy.info.size_download != dl_before {
            if let (Err(e), false) = (self.progress(ti), self.transfers[ti].phase.is_done()) {
                self.fail(ti, e);
                return Step::Wait;
            }
        }
        step
    }

    /// TLS records left over from sending the request go first; a failure
    /// ends the receive step.
    fn flush_tls_records(&mut self, ti: TransferKey, cid: ConnKey) -> Option<Step> {
        let conn = &mut self.conns[cid];
        if conn.tls.is_none() && conn.proxy_tls.is_none() {
            return None;
        }
        match conn.flush_records() {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => {
                let err = Error::new(ErrorCode::SendError, format!("TLS send: {e}")).caused_by(e);
                return Some(self.conn_failed(ti, err));
            }
        }
        self.refresh_interest(ti);
        None
    }

    /// Keeps what is not decoded yet for the next time.
    fn keep(&mut self, cid: ConnKey, input: &Input) {
        if input.filled == 0 {
            return;
        }
        self.conns[cid]
            .carry
            .extend_from_slice(&input.buf[..input.filled]);
    }

    fn read_some(&mut self, cid: ConnKey, input: &mut Input) -> Read {
        if std::mem::take(&mut input.carried) {
            return Read::Data { eof: false };
        }
        loop {
            let end = (input.filled + input.read_max).min(input.buf.len());
            match self.conns[cid].recv(&mut input.buf[input.filled..end]) {
                Ok(0) => return Read::Data { eof: true },
                Ok(n) => {
                    input.filled += n;
                    return Read::Data { eof: false };
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Read::WouldBlock,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Read::Failed(recv_error(e)),
            }
        }
    }

    /// Reads and decodes until the socket would block, the message ends,
    /// the transfer pauses or is throttled, or it is time to yield.
    fn read_loop(&mut self, ti: TransferKey, cid: ConnKey, input: &mut Input) -> Step {
        for _ in 0..READS_PER_EVENT {
            let eof = match self.read_some(cid, input) {
                Read::Data { eof } => eof,
                Read::WouldBlock => {
                    self.keep(cid, input);
                    return Step::Wait;
                }
                Read::Failed(err) => return self.conn_failed(ti, err),
            };
            let (used, outcome) = self.process(ti, &input.buf[..input.filled], eof);
            if used < input.filled {
                input.buf.copy_within(used..input.filled, 0);
            }
            input.filled -= used;
            if let Some(step) = self.after_decode(ti, cid, input, outcome, eof) {
                return step;
            }
            if let Some(until) = self.throttled_until(ti, true) {
                self.keep(cid, input);
                return self.throttle(ti, until);
            }
        }
        // Yield to other sockets but come back at once: an edge-triggered
        // loop would not tell us about the rest.
        self.keep(cid, input);
        let now = self.now;
        self.set_deadline(ti, Kind::Kick, Some(now));
        Step::Wait
    }

    /// What a decoding outcome means for the read loop: `None` to go on.
    fn after_decode(
        &mut self,
        ti: TransferKey,
        cid: ConnKey,
        input: &Input,
        outcome: Outcome,
        eof: bool,
    ) -> Option<Step> {
        Some(match outcome {
            Outcome::More if eof => unreachable!("eof always ends the message"),
            Outcome::More => return None,
            Outcome::Paused => {
                self.keep(cid, input);
                self.refresh_interest(ti);
                Step::Wait
            }
            Outcome::Continue100 => {
                self.keep(cid, input);
                self.send_body_now(ti);
                Step::Continue
            }
            Outcome::H2Upgrade => self.h2_upgraded(ti, cid, &input.buf[..input.filled]),
            Outcome::Yield => {
                self.keep(cid, input);
                let now = self.now;
                self.set_deadline(ti, Kind::Kick, Some(now));
                Step::Wait
            }
            Outcome::Failed(e) if eof && matches!(e.code(), ErrorCode::GotNothing) => {
                self.conn_failed(ti, e)
            }
            Outcome::Failed(e) => {
                self.fail(ti, e);
                Step::Wait
            }
            Outcome::Finished { reusable } => {
                let refused = self.transfers[ti].ex.expect == Expect::Refused;
                self.complete(ti, reusable && input.filled == 0 && !refused)
            }
        })
    }

    /// Feeds received bytes to the decoder and the application's callbacks.
    pub(super) fn process(&mut self, ti: TransferKey, input: &[u8], eof: bool) -> (usize, Outcome) {
        // The row is looked up again only after a head, whose steps need
        // the whole multi.
        let mut t = &mut self.transfers[ti];
        if let Some(outcome) = t.resume_body(&mut self.piece) {
            return (0, outcome);
        }
        let mut pos = 0;
        loop {
            // The multi's one spare head is lent for a call that may make
            // a head (a head made in it allocates nothing) and taken back
            // if unused.
            let lend = t.decoder.awaits_head();
            if lend {
                t.decoder.lend(self.head_spare.take());
            }
            let mut decoded = t.decoder.decode(&input[pos..]);
            if lend {
                self.head_spare = t.decoder.take_spare();
                if decoded.is_err() && !t.easy.seldom.is_unset() {
                    decoded = aliased(t, &input[pos..]).unwrap_or(decoded);
                }
            }
            // (One match: a second one over a rebuilt result moved it.)
            let failed = |e: HttpError| Outcome::Failed(Error::new(e.code(), e.to_string()));
            let (n, d) = match decoded {
                Ok((n, Decoded::NeedMore)) if eof => {
                    pos += n;
                    match t.decoder.eof() {
                        Ok(d) => (0, d),
                        Err(e) => return (pos, failed(e)),
                    }
                }
                Ok(x) => x,
                Err(e) => return (pos, failed(e)),
            };
            let raw = &input[pos..pos + n];
            pos += n;
            // HTTP_TRANSFER_DECODING off: every byte after the head as is.
            if matches!(t.body_out, BodyOut::Raw { .. })
                && !t.discarding()
                && !matches!(d, Decoded::Head(_))
            {
                let end = match d {
                    Decoded::Done { reusable } => Some(reusable),
                    _ => None,
                };
                if let Some(outcome) = t.on_raw(raw, end) {
                    return (pos, outcome);
                }
            }
            if let Decoded::Head(mut head) = d {
                let outcome = self.on_head(ti, &mut head);
                self.head_spare = Some(head);
                if let Some(outcome) = outcome {
                    return (pos, outcome);
                }
                t = &mut self.transfers[ti];
            } else if let Some(outcome) = t.on_decoded(&mut self.piece, raw, d) {
                return (pos, outcome);
            }
        }
    }
}

impl Transfer {
    /// One thing the HTTP codec found in `raw` after the head, the bytes
    /// it used for it. `Some` stops the decoding loop. (Inline: its own
    /// frame cost about 15 instructions per call.)
    #[inline(always)]
    fn on_decoded(&mut self, piece: &mut Vec<u8>, raw: &[u8], d: Decoded) -> Option<Outcome> {
        let t = self;
        match d {
            Decoded::NeedMore => Some(Outcome::More),
            Decoded::Head(_) => unreachable!("heads are taken by `Multi::process`"),
            Decoded::Body(range) => {
                let data = &raw[range];
                t.easy.trace(InfoType::DataIn, data);
                if !t.discarding() {
                    if let Some(outcome) = t.on_body(piece, data) {
                        return Some(outcome);
                    }
                }
                // The last body bytes: the message ends here, without
                // asking the decoder again for the `Done` it would give
                // (with the raw framing kept, that `Done` brings no bytes).
                let reusable = t.decoder.take_done()?;
                Some(Outcome::Finished { reusable })
            }
            Decoded::Trailers(range) => t.on_trailers(&raw[range]),
            Decoded::Done { reusable } => Some(Outcome::Finished { reusable }),
        }
    }

    /// Trailer fields of a chunked body go to the header callback, line by
    /// line (upstream does the same). A pause takes effect at once.
    fn on_trailers(&mut self, fields: &[u8]) -> Option<Outcome> {
        let t = self;
        t.easy.info.header_size += fields.len() as u64;
        let reveal = t.easy.header.is_none() || t.ex.following.is_some();
        t.easy
            .with_header_log(|log| log.push(origin::TRAILER, fields, false, reveal));
        let lines = fields.split_inclusive(|&b| b == b'\n');
        let to_app = !t.discarding();
        match pass_header_lines(&mut t.easy, lines, to_app) {
            Err(e) => Some(Outcome::Failed(e)),
            Ok(paused) => {
                t.paused_recv |= paused;
                t.paused_recv.then_some(Outcome::Paused)
            }
        }
    }
}

impl Multi {
    /// A response head arrived: note what it says, hand its lines to the
    /// header callback. `Some` stops decoding (pause, 100, failure).
    /// (`head` is the decoder's, lent: its lines may be handed to the
    /// header log, see below.)
    fn on_head(&mut self, ti: TransferKey, head: &mut ResponseHead) -> Option<Outcome> {
        self.mark_first_byte(ti);
        let t = &mut self.transfers[ti];
        t.easy.info.header_size += head.raw.len() as u64;
        if t.easy.jar().is_some() {
            store_cookies(t, head);
        }
        if let (Some(cache), Some(dest)) = (t.easy.hsts_cache(), &t.target) {
            if dest.https {
                t.easy.share_locked(crate::share::LockData::Hsts, || {
                    crate::hsts::store_response(cache, &dest.host, head.lines());
                });
            }
        }
        store_alt_svc(t, head, crate::altsvc::Alpn::H1);
        if head.status >= 200 {
            note_final_head(t, head);
            xfer::note_head_info(t, head);
            if let Some(err) = body::choose(t, head) {
                return Some(Outcome::Failed(err));
            }
        }
        let kind = if head.status < 200 {
            origin::INFORMATIONAL
        } else {
            origin::HEADER
        };
        let reveal = t.easy.header.is_none();
        // Without a debug or a header callback, and with the final head's
        // checks at their defaults, nothing below reads the head's lines:
        // the log takes them instead of a copy (the usual case; only the
        // status is read after this).
        let lines_read_below = t.easy.debug.is_some()
            || t.easy.header.is_some()
            || (head.status >= 200 && !t.easy.xfer.is_unset());
        if lines_read_below {
            t.easy
                .with_header_log(|log| log.push(kind, &head.raw, true, reveal));
        } else {
            t.easy.log_head_taken(kind, &mut head.raw, reveal);
        }
        let head: &ResponseHead = head;
        // The head is delivered whole; a pause takes effect before the body.
        let paused = match pass_header_lines(&mut t.easy, head.lines(), true) {
            Ok(paused) => paused,
            Err(e) => return Some(Outcome::Failed(e)),
        };
        // (The row is looked up again only after an h2c answer's steps.)
        let t = if (head.status == 101 || head.status >= 200) && h2upgrade::offers_h2c(t) {
            if let Some(outcome) = self.h2c_answered(ti, head.status) {
                // A pause asked for by the header callback holds the
                // HTTP/2 stream's body instead.
                self.transfers[ti].paused_recv |= paused;
                return Some(outcome);
            }
            &mut self.transfers[ti]
        } else {
            t
        };
        if head.status >= 200 {
            if let Some(outcome) = xfer::check_final_head(t, head) {
                return Some(outcome);
            }
        }
        if head.status == 100 && t.ex.expect == Expect::Waiting {
            t.paused_recv |= paused;
            return Some(Outcome::Continue100);
        }
        if paused {
            t.paused_recv = true;
            return Some(Outcome::Paused);
        }
        None
    }
}

/// Stores the head's `Alt-Svc` fields in the transfer's cache, keyed by
/// the protocol the head came over (`src`): only for heads received over
/// TLS, as upstream. (Inline: without an Alt-Svc cache, the usual case,
/// it is one test.)
#[inline]
pub(super) fn store_alt_svc(t: &Transfer, head: &ResponseHead, src: crate::altsvc::Alpn) {
    if let (Some(cache), Some(dest)) = (&t.easy.altsvc, &t.target) {
        if dest.https {
            crate::altsvc::store_response(cache, src, &dest.host, dest.port, head.lines());
        }
    }
}

/// Stores the head's `Set-Cookie` fields in the transfer's jar (every
/// head, redirects included), tracing the refused ones.
pub(super) fn store_cookies(t: &mut Transfer, head: &ResponseHead) {
    let (Some(jar), Some(dest)) = (t.easy.jar().cloned(), t.target.clone()) else {
        return;
    };
    let mut refused = Vec::new();
    let tracing = t.easy.debug.is_some();
    t.easy.share_locked(crate::share::LockData::Cookie, || {
        crate::cookies::store_response(&jar, &dest, head.lines(), |value, why| {
            if tracing {
                refused.push(format!("skipped cookie '{value}': {why}\n"));
            }
        });
    });
    for line in refused {
        t.easy.trace_text(|| line);
    }
}

/// Traces header lines (head or trailers) and, with `to_app`, hands each
/// to the header callback: `Ok(true)` when the callback asked to pause.
/// (Inline: with neither a debug nor a header callback, the usual case,
/// there is nothing to do and no call is made.)
#[inline]
pub(super) fn pass_header_lines<'l>(
    easy: &mut Easy,
    lines: impl Iterator<Item = &'l [u8]> + Clone,
    to_app: bool,
) -> Result<bool, Error> {
    if easy.debug.is_none() && easy.header.is_none() {
        return Ok(false);
    }
    trace_and_pass_header_lines(easy, lines, to_app)
}

/// [`pass_header_lines`] when a debug or header callback is set.
#[inline(never)]
fn trace_and_pass_header_lines<'l>(
    easy: &mut Easy,
    lines: impl Iterator<Item = &'l [u8]> + Clone,
    to_app: bool,
) -> Result<bool, Error> {
    if easy.debug.is_some() {
        for line in lines.clone() {
            easy.trace(InfoType::HeaderIn, line);
        }
    }
    if !to_app || easy.header.is_none() {
        return Ok(false);
    }
    easy.publish_live();
    let state = &mut **easy;
    let Some(cb) = state.header.as_mut() else {
        return Ok(false);
    };
    let mut paused = false;
    let mut seen = 0;
    for line in lines {
        // The header API sees the lines delivered so far, this one too.
        seen += line.len();
        if let Some(log) = &state.header_log {
            log.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .reveal(seen);
        }
        match cb(line) {
            Flow::Continue => {}
            Flow::Pause => paused = true,
            Flow::Abort => {
                return Err(Error::new(ErrorCode::WriteError, "Failed writing header"));
            }
        }
    }
    Ok(paused)
}

/// What a final (non-1xx) response head sets: the status, the expected
/// size, and where a redirect leads. (Inline: once per final head; a
/// redirect's target is worked out out of line.)
#[inline(always)]
pub(super) fn note_final_head(t: &mut Transfer, head: &ResponseHead) {
    t.easy.info.response_code = head.status;
    t.rates.dltotal = head.content_length.unwrap_or(0);
    t.ex.following = None;
    t.easy.info.redirect_url = None;
    t.easy.info.httpauth_avail |= t.auth.on_final(head.status, head.lines(), t.easy.http_auth);
    if t.ex.expect == Expect::Waiting {
        // A final answer before the body was sent: the body is never sent
        // and the connection cannot be reused.
        t.ex.expect = Expect::Refused;
    }
    if matches!(head.status, 301 | 302 | 303 | 307 | 308) {
        note_redirect(t, head);
    }
}

/// Where the redirect `head` leads: followed, or kept for REDIRECT_URL.
#[inline(never)]
fn note_redirect(t: &mut Transfer, head: &ResponseHead) {
    let next = head
        .location
        .as_deref()
        .and_then(|loc| t.target().join(loc));
    if let Some(next) = next {
        if t.easy.follow {
            t.ex.following = Some(next);
        } else {
            t.easy.info.redirect_url = Some(next);
        }
    }
}

/// FETCHOPT_HTTP200ALIASES: a head the decoder refused, read again with
/// the transfer's aliases (`None`: it has none, or none takes the line).
#[cold]
fn aliased(t: &mut Transfer, input: &[u8]) -> Option<Result<(usize, Decoded), HttpError>> {
    let options = t.easy.seldom.head_options.clone()?;
    t.decoder.decode_aliased(input, &options)
}
