//! What HTTP/2 streams mean to their transfers: the request head as
//! fields, response heads and body bytes handed to the callbacks (with
//! pauses and stream windows), uploads, resets and GOAWAY.

use super::h2conn::Upload;
use super::request::{auth_line, framing_of, request_headers};
use super::*;
use crate::connopts::DEFAULT_UPLOAD_BUFFER;
use crate::h2::{Header, Reason, Recv};
use crate::headers::origin;

/// Request fields that only mean something on an HTTP/1.1 connection
/// (RFC 9113 8.2.2); `host` becomes `:authority`.
const NOT_ON_H2: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
    "te",
];

type Field = (Vec<u8>, Vec<u8>);

impl Multi {
    /// The request head as HTTP/2 fields: pseudo-headers, then the same
    /// defaults and HTTPHEADER rules as the HTTP/1.1 head.
    pub(super) fn h2_request_fields(&mut self, ti: TransferKey) -> Vec<Field> {
        let creds = self.credentials_allowed(ti);
        let t = &mut self.transfers[ti];
        let dest = t.target.clone().expect("a started transfer has a target");
        let auth = auth_line(t, &dest, creds);
        // A Digest probe sends no body (content-length: 0), as over HTTP/1.1.
        let framing = framing_of(t);
        let headers = request_headers(&t.easy, &dest, auth, creds, false);
        let user: Vec<(String, Option<&str>)> =
            headers.iter().filter_map(|l| user_line(l)).collect();
        let names = |name: &str| user.iter().any(|(n, _)| n == name);
        let authority = user
            .iter()
            .find(|(n, v)| n == "host" && v.is_some())
            .and_then(|(_, v)| *v)
            .unwrap_or(&dest.host_header);
        let scheme: &[u8] = if dest.https { b"https" } else { b"http" };
        let mut fields: Vec<Field> = vec![
            (b":method".to_vec(), t.method.as_str().as_bytes().to_vec()),
            (b":scheme".to_vec(), scheme.to_vec()),
            (b":authority".to_vec(), authority.as_bytes().to_vec()),
            (
                b":path".to_vec(),
                h2_path(&t.easy, &dest).as_bytes().to_vec(),
            ),
        ];
        if !names("accept") {
            fields.push((b"accept".to_vec(), b"*/*".to_vec()));
        }
        if let BodyFraming::Length(n) = framing {
            fields.push((b"content-length".to_vec(), n.to_string().into_bytes()));
        }
        if t.method.as_str() == "POST" && framing != BodyFraming::None && !names("content-type") {
            fields.push((
                b"content-type".to_vec(),
                b"application/x-www-form-urlencoded".to_vec(),
            ));
        }
        for (name, value) in &user {
            if NOT_ON_H2.contains(&name.as_str()) || name == "content-length" {
                continue;
            }
            if let Some(v) = value {
                fields.push((name.clone().into_bytes(), v.as_bytes().to_vec()));
            }
        }
        fields
    }

    /// The request head goes to the debug callback as HTTP/1.1-style lines,
    /// `GET /path HTTP/2` and `Host:` first (upstream shows its HTTP/2
    /// requests the same way); INFO_REQUEST_SIZE counts the head in that
    /// form, as upstream.
    pub(super) fn trace_request_fields(&mut self, ti: TransferKey, fields: &[Field]) {
        let t = &mut self.transfers[ti];
        let pseudo = |name: &[u8]| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map_or(&[][..], |(_, v)| v.as_slice())
        };
        let mut text = Vec::new();
        text.extend_from_slice(pseudo(b":method"));
        text.push(b' ');
        text.extend_from_slice(pseudo(b":path"));
        text.extend_from_slice(b" HTTP/2\r\nHost: ");
        text.extend_from_slice(pseudo(b":authority"));
        text.extend_from_slice(b"\r\n");
        for (n, v) in fields.iter().filter(|(n, _)| !n.starts_with(b":")) {
            text.extend_from_slice(n);
            text.extend_from_slice(b": ");
            text.extend_from_slice(v);
            text.extend_from_slice(b"\r\n");
        }
        text.extend_from_slice(b"\r\n");
        t.easy.info.request_size += text.len() as u64;
        t.easy.trace(InfoType::HeaderOut, &text);
    }

    /// One event of the connection, for the transfer of its stream.
    pub(super) fn h2_dispatch(&mut self, cid: ConnKey, ev: Recv, input: &[u8]) {
        match ev {
            Recv::Head {
                stream,
                status,
                fields,
                end_stream,
            } => {
                let Some(ti) = self.slot_ti(cid, stream) else {
                    return;
                };
                self.h2_head(ti, status, &fields);
                if end_stream {
                    self.h2_stream_end(cid, stream);
                }
            }
            Recv::Trailers { stream, fields } => self.h2_trailers(cid, stream, &fields),
            Recv::Data {
                stream,
                data,
                end_stream,
            } => {
                self.h2_data(cid, stream, &input[data]);
                if end_stream {
                    self.h2_stream_end(cid, stream);
                }
            }
            Recv::Reset {
                stream,
                reason,
                detail,
                remote,
            } => self.h2_reset(cid, stream, reason, remote, detail),
            Recv::GoAway {
                last_stream,
                reason,
            } => self.h2_goaway(cid, last_stream, reason),
            Recv::Promise {
                stream,
                promised,
                fields,
            } => self.h2_promise(cid, stream, promised, &fields),
            Recv::WindowOpened { .. } | Recv::Control | Recv::NeedMore => {}
        }
    }

    /// Trailer fields end a stream: into the header API and the header
    /// callback as over HTTP/1.1.
    fn h2_trailers(&mut self, cid: ConnKey, stream: u32, fields: &[Header]) {
        let Some(ti) = self.slot_ti(cid, stream) else {
            return;
        };
        let lines = header_lines(fields);
        let t = &mut self.transfers[ti];
        t.easy.info.header_size += lines.iter().map(|l| l.len() as u64).sum::<u64>();
        // Into the header API as over HTTP/1.1: the fields, without the
        // blank line.
        let reveal = t.easy.header.is_none() || t.ex.following.is_some();
        let fields_only = lines[..lines.len() - 1].concat();
        t.easy
            .with_header_log(|log| log.push(origin::TRAILER, &fields_only, false, reveal));
        let to_app = !t.discarding();
        let lines = lines.iter().map(Vec::as_slice);
        match response::pass_header_lines(&mut t.easy, lines, to_app) {
            Ok(paused) => t.paused_recv |= paused,
            Err(e) => return self.fail(ti, e),
        }
        self.h2_stream_end(cid, stream);
    }

    /// A stream ended before its end: a refused stream goes again (it was
    /// never processed), any other reset fails its transfer.
    fn h2_reset(&mut self, cid: ConnKey, stream: u32, reason: Reason, remote: bool, detail: &str) {
        let Some(ti) = self.slot_ti(cid, stream) else {
            return;
        };
        self.forget_slot(cid, stream, ti);
        if remote && reason == Reason::REFUSED_STREAM {
            self.h2_retry(ti);
            return;
        }
        let why = if remote {
            "reset by the server"
        } else {
            detail
        };
        let msg = format!("HTTP/2 stream {stream} was not closed cleanly: {reason}: {why}");
        self.fail(ti, Error::new(ErrorCode::Http2Stream, msg));
    }

    fn slot_ti(&self, cid: ConnKey, stream: u32) -> Option<TransferKey> {
        self.h2.by_conn.get(&cid)?.slots.get(&stream).map(|s| s.ti)
    }

    fn forget_slot(&mut self, cid: ConnKey, stream: u32, ti: TransferKey) {
        if let Some(s) = self.h2.by_conn.get_mut(&cid) {
            s.slots.remove(&stream);
        }
        self.h2.by_transfer.remove(&ti);
    }

    /// The transfer goes back to the start and looks for a connection
    /// again (streams the server did not process), once: a server that
    /// refuses it again ends it.
    fn h2_retry(&mut self, ti: TransferKey) {
        let now = self.now;
        let t = &mut self.transfers[ti];
        if std::mem::replace(&mut t.retried, true) {
            let err = Error::new(
                ErrorCode::Http2,
                "HTTP/2 stream refused by the server again (REFUSED_STREAM or GOAWAY)",
            );
            self.fail(ti, err);
            return;
        }
        t.phase = Phase::Init;
        t.conn = None;
        t.easy.info.size_upload = 0;
        if let Err(e) = self.rewind_upload(ti) {
            self.fail(ti, e);
            return;
        }
        self.set_deadline(ti, Kind::Kick, Some(now));
    }

    /// GOAWAY: streams above `last` were not processed and go again on a
    /// new connection; the others may finish. Without streams left the
    /// connection closes.
    fn h2_goaway(&mut self, cid: ConnKey, last: u32, reason: Reason) {
        tracing::debug!(%cid, last, %reason, "HTTP/2 GOAWAY");
        let Some(s) = self.h2.by_conn.get(&cid) else {
            return;
        };
        let refused: Vec<(u32, TransferKey)> = s
            .slots
            .iter()
            .filter(|(id, _)| **id > last)
            .map(|(id, slot)| (*id, slot.ti))
            .collect();
        for (stream, ti) in refused {
            self.forget_slot(cid, stream, ti);
            self.h2_retry(ti);
        }
        if reason != Reason::NO_ERROR {
            let err = Error::new(
                ErrorCode::Http2,
                format!("HTTP/2 GOAWAY from the server: {reason}"),
            );
            let left: Vec<(u32, TransferKey)> = self.h2.by_conn[&cid]
                .slots
                .iter()
                .map(|(id, s)| (*id, s.ti))
                .collect();
            for (stream, ti) in left {
                self.forget_slot(cid, stream, ti);
                self.fail(ti, Error::new(err.code(), err.detail().to_owned()));
            }
        }
        if self
            .h2
            .by_conn
            .get(&cid)
            .is_some_and(|s| s.slots.is_empty())
        {
            self.h2_close(cid);
        }
    }

    /// A response head, through the same steps as an HTTP/1.1 head:
    /// cookies, HSTS, Alt-Svc (as learnt over h2), the info fields, authentication and redirects, the
    /// header API and callback, then the final-head checks (FAILONERROR).
    fn h2_head(&mut self, ti: TransferKey, status: u16, fields: &[Header]) {
        self.mark_first_byte(ti);
        let mut head = h2head::response_head(status, fields);
        let t = &mut self.transfers[ti];
        if let Some(options) = &t.easy.seldom.head_options {
            // FETCHOPT_IGNORE_CONTENT_LENGTH: the stream's end ends the
            // body anyway; the length is not read (as upstream).
            if options.ignore_content_length {
                head.content_length = matches!(status, 204 | 304).then_some(0);
            }
        }
        t.easy.info.header_size += head.raw.len() as u64;
        if t.easy.jar().is_some() {
            response::store_cookies(t, &head);
        }
        if let (Some(cache), Some(dest)) = (t.easy.hsts_cache(), &t.target) {
            if dest.https {
                t.easy.share_locked(crate::share::LockData::Hsts, || {
                    crate::hsts::store_response(cache, &dest.host, head.lines());
                });
            }
        }
        response::store_alt_svc(t, &head, crate::altsvc::Alpn::H2);
        if status >= 200 {
            response::note_final_head(t, &head);
            xfer::note_head_info(t, &head);
            t.easy.info.http_version = 20;
            // Content decoding (ACCEPT_ENCODING) and MAXFILESIZE.
            if let Some(e) = body::choose(t, &head) {
                return self.fail(ti, e);
            }
        }
        let kind = if status < 200 {
            origin::INFORMATIONAL
        } else {
            origin::HEADER
        };
        let reveal = t.easy.header.is_none();
        t.easy
            .with_header_log(|log| log.push(kind, &head.raw, true, reveal));
        let paused = match response::pass_header_lines(&mut t.easy, head.lines(), true) {
            Ok(paused) => paused,
            Err(e) => return self.fail(ti, e),
        };
        t.paused_recv |= paused;
        if status >= 200 {
            match xfer::check_final_head(t, &head) {
                Some(response::Outcome::Failed(e)) => return self.fail(ti, e),
                Some(response::Outcome::Finished { .. }) => {
                    // Done without the body (a time condition the document
                    // fails, a resume already complete): the stream is
                    // reset, the connection carries on.
                    self.h2_detach(ti);
                    if matches!(self.complete(ti, true), Step::Continue) {
                        self.drive(ti, Events::NONE);
                    }
                    return;
                }
                _ => {}
            }
        }
        if self.transfers[ti].paused_recv {
            self.refresh_interest(ti);
        }
    }

    /// Body bytes: delivered unless the transfer is paused (then kept,
    /// and the stream window stays closed by that much).
    fn h2_data(&mut self, cid: ConnKey, stream: u32, data: &[u8]) {
        let Some(ti) = self.slot_ti(cid, stream) else {
            return;
        };
        // MAX_RECV_SPEED: ahead of the limit, bytes wait in the slot and
        // the stream window stays closed until the kick at `until`.
        let throttled = self.throttled_until(ti, true);
        if let Some(until) = throttled {
            self.set_deadline(ti, Kind::Kick, Some(until));
        }
        let Some(slot) = self
            .h2
            .by_conn
            .get_mut(&cid)
            .and_then(|s| s.slots.get_mut(&stream))
        else {
            return;
        };
        slot.unreleased += data.len();
        let t = &mut self.transfers[ti];
        t.easy.trace(InfoType::DataIn, data);
        let behind = !slot.buffered.is_empty() || t.body_out.has_pending();
        if t.paused_recv || throttled.is_some() || behind {
            slot.buffered.extend_from_slice(data);
            return;
        }
        if !t.discarding() {
            if let Err(e) = self.h2_hand_over(ti, data) {
                self.fail(ti, e);
                return;
            }
            if self.transfers[ti].paused_recv {
                // Paused now: the once-a-second progress tick starts.
                self.refresh_interest(ti);
            }
        }
        self.h2_release(cid, stream);
        if let Err(e) = self.progress(ti) {
            self.fail(ti, e);
        }
    }

    /// Body bytes to the application as over HTTP/1.1: decoded when the
    /// response has a content coding to undo; a decoder that had its
    /// budget for this call keeps the rest and the transfer is kicked.
    fn h2_hand_over(&mut self, ti: TransferKey, data: &[u8]) -> Result<(), Error> {
        match self.on_body(ti, data) {
            Some(response::Outcome::Failed(e)) => Err(e),
            Some(response::Outcome::Yield) => {
                let now = self.now;
                self.set_deadline(ti, Kind::Kick, Some(now));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Gives consumed bytes back to the stream window, unless the transfer
    /// is paused (its window stays closed while the others flow).
    fn h2_release(&mut self, cid: ConnKey, stream: u32) {
        let Some(s) = self.h2.by_conn.get_mut(&cid) else {
            return;
        };
        let Some(slot) = s.slots.get_mut(&stream) else {
            return;
        };
        if self.transfers[slot.ti].paused_recv {
            return;
        }
        let n = slot.unreleased - slot.buffered.len();
        slot.unreleased -= n;
        s.conn.release(stream, n);
    }

    /// On resume: the bytes kept while paused go first; a stream whose end
    /// already arrived completes once they are out.
    pub(super) fn h2_deliver_buffered(&mut self, cid: ConnKey, stream: u32) {
        let Some(ti) = self.slot_ti(cid, stream) else {
            return;
        };
        // Rate-limited transfers get the kept bytes in pieces, re-checking
        // the limit between them, as their HTTP/1.1 reads are small.
        let limit = self.transfers[ti].easy.max_recv_speed;
        let piece = match limit {
            0 => usize::MAX,
            l => usize::try_from(l / 4)
                .unwrap_or(usize::MAX)
                .clamp(1024, response::READ_BUF),
        };
        loop {
            if self.transfers[ti].paused_recv {
                break;
            }
            if let Some(until) = self.throttled_until(ti, true) {
                self.set_deadline(ti, Kind::Kick, Some(until));
                break;
            }
            // What the content decoder kept (a pause or a yield) first.
            if self.transfers[ti].body_out.has_pending() {
                match self.resume_body(ti) {
                    None => {}
                    Some(response::Outcome::Failed(e)) => return self.fail(ti, e),
                    Some(response::Outcome::Yield) => {
                        let now = self.now;
                        self.set_deadline(ti, Kind::Kick, Some(now));
                        break;
                    }
                    Some(_) => break,
                }
            }
            let Some(slot) = self
                .h2
                .by_conn
                .get_mut(&cid)
                .and_then(|s| s.slots.get_mut(&stream))
            else {
                return;
            };
            if slot.buffered.is_empty() {
                break;
            }
            let data: Vec<u8> = if slot.buffered.len() <= piece {
                std::mem::take(&mut slot.buffered)
            } else {
                slot.buffered.drain(..piece).collect()
            };
            if !self.transfers[ti].discarding() {
                if let Err(e) = self.h2_hand_over(ti, &data) {
                    self.fail(ti, e);
                    return;
                }
            }
        }
        self.h2_release(cid, stream);
        let ended = self
            .h2
            .by_conn
            .get(&cid)
            .and_then(|s| s.slots.get(&stream))
            .is_some_and(|s| s.ended && s.buffered.is_empty());
        if ended && !self.transfers[ti].body_out.has_pending() {
            self.h2_stream_end(cid, stream);
        }
    }

    /// END_STREAM: the response is complete once the application has all
    /// of it (redirects are followed from here as over HTTP/1.1).
    fn h2_stream_end(&mut self, cid: ConnKey, stream: u32) {
        let Some(slot) = self
            .h2
            .by_conn
            .get_mut(&cid)
            .and_then(|s| s.slots.get_mut(&stream))
        else {
            return;
        };
        let ti = slot.ti;
        let t = &self.transfers[ti];
        if !slot.buffered.is_empty() || t.paused_recv || t.body_out.has_pending() {
            slot.ended = true;
            return;
        }
        if let Some(s) = self.h2.by_conn.get_mut(&cid) {
            s.slots.remove(&stream);
        }
        self.h2.by_transfer.remove(&ti);
        self.h2_close_if_spent(cid);
        if let Err(e) = self.progress(ti) {
            self.fail(ti, e);
            return;
        }
        if matches!(self.complete(ti, true), Step::Continue) {
            self.drive(ti, Events::NONE);
        }
    }

    /// Sends request body bytes on every stream of the connection as far
    /// as the windows allow.
    pub(super) fn h2_pump_uploads(&mut self, cid: ConnKey) {
        let Some(s) = self.h2.by_conn.get(&cid) else {
            return;
        };
        let sending: Vec<u32> = s
            .slots
            .iter()
            .filter(|(_, slot)| !matches!(slot.upload, Upload::Done))
            .map(|(id, _)| *id)
            .collect();
        for stream in sending {
            let Some(ti) = self.slot_ti(cid, stream) else {
                continue;
            };
            let before = self.transfers[ti].easy.info.size_upload;
            let mut outcome = self.h2_pump_upload(cid, stream);
            if outcome.is_ok() && self.transfers[ti].easy.info.size_upload != before {
                // Upload progress is told as over HTTP/1.1.
                outcome = self.progress(ti).map_err(|e| (ti, e));
            }
            if let Err((ti, e)) = outcome {
                self.h2_detach(ti);
                self.fail(ti, e);
            }
        }
    }

    fn h2_pump_upload(&mut self, cid: ConnKey, stream: u32) -> Result<(), (TransferKey, Error)> {
        loop {
            let Some(ti) = self.slot_ti(cid, stream) else {
                return Ok(());
            };
            // MAX_SEND_SPEED: ahead of the limit, the next piece waits for
            // the kick at `until`.
            if let Some(until) = self.throttled_until(ti, false) {
                self.set_deadline(ti, Kind::Kick, Some(until));
                return Ok(());
            }
            let Some(s) = self.h2.by_conn.get_mut(&cid) else {
                return Ok(());
            };
            let Some(slot) = s.slots.get_mut(&stream) else {
                return Ok(());
            };
            let ti = slot.ti;
            let t = &mut self.transfers[ti];
            if s.conn.send_capacity(stream) == 0 {
                return Ok(());
            }
            match &mut slot.upload {
                Upload::Done => return Ok(()),
                Upload::Bytes(pos) => {
                    let easy = &mut *t.easy;
                    let Body::Bytes(b) = &easy.body else {
                        unreachable!("bytes upload")
                    };
                    // A rate-limited upload goes in pieces, the limit
                    // re-checked between them.
                    let end = b
                        .len()
                        .min(pos.saturating_add(send_piece(easy.max_send_speed)));
                    let n = s.conn.send_data(stream, &b[*pos..end], end == b.len());
                    if let Some(debug) = easy.debug.as_mut() {
                        debug(InfoType::DataOut, &b[*pos..*pos + n]);
                    }
                    *pos += n;
                    easy.info.size_upload += n as u64;
                    if *pos == b.len() {
                        slot.upload = Upload::Done;
                        t.ex.upload_done = true;
                    }
                }
                Upload::Reader { pending, eof } => {
                    if !pending.is_empty() || *eof {
                        let take = pending.len().min(send_piece(t.easy.max_send_speed));
                        let last = *eof && take == pending.len();
                        let n = s.conn.send_data(stream, &pending[..take], last);
                        pending.drain(..n);
                        if pending.is_empty() && *eof {
                            slot.upload = Upload::Done;
                            t.ex.upload_done = true;
                        }
                        if n == 0 && !matches!(slot.upload, Upload::Done) {
                            return Ok(());
                        }
                        continue;
                    }
                    if t.paused_send {
                        return Ok(());
                    }
                    let (data, end) = read_body(t).map_err(|e| (ti, e))?;
                    match data {
                        None => {
                            // Paused by the read callback.
                            self.refresh_interest(ti);
                            return Ok(());
                        }
                        Some(d) => {
                            *pending = d;
                            *eof = end;
                        }
                    }
                }
            }
        }
    }
}

/// The `:path` of a request: FETCHOPT_REQUEST_TARGET when set, as is;
/// otherwise the URL's path and query.
fn h2_path<'a>(easy: &'a Easy, dest: &'a Dest) -> &'a str {
    easy.xfer
        .request_target
        .as_deref()
        .unwrap_or(&dest.request_target)
}

/// How much of a request body goes out before the send limit is checked
/// again (everything the windows allow without a limit).
fn send_piece(limit: u64) -> usize {
    match limit {
        0 => usize::MAX,
        l => usize::try_from(l / 4)
            .unwrap_or(usize::MAX)
            .clamp(1024, DEFAULT_UPLOAD_BUFFER),
    }
}

/// One call of the read callback: `(None, _)` when it paused, else the
/// bytes and whether the body ended.
fn read_body(t: &mut Transfer) -> Result<(Option<Vec<u8>>, bool), Error> {
    // FETCHOPT_UPLOAD_BUFFERSIZE: the most the callback is offered.
    let chunk_max = t.easy.conn.upload_buffer_size.max(1);
    let room = match t.ex.upload_len {
        Some(len) => len.saturating_sub(t.ex.upload_read).min(chunk_max as u64) as usize,
        None => chunk_max,
    };
    if room == 0 {
        return Ok((Some(Vec::new()), true));
    }
    t.easy.publish_live();
    let Body::Reader { read, len } = &mut t.easy.body else {
        unreachable!("reader upload")
    };
    let len = *len;
    let mut chunk = vec![0u8; room];
    match read(&mut chunk) {
        ReadResult::Data(0) => {
            if let Some(len) = len.filter(|&len| t.ex.upload_read < len) {
                return Err(Error::new(
                    ErrorCode::ReadError,
                    format!(
                        "client read function EOF fail, only {}/{len} of needed bytes read",
                        t.ex.upload_read
                    ),
                ));
            }
            Ok((Some(Vec::new()), true))
        }
        ReadResult::Data(n) => {
            let n = n.min(room);
            chunk.truncate(n);
            t.ex.upload_read += n as u64;
            t.easy.info.size_upload += n as u64;
            t.easy.trace(InfoType::DataOut, &chunk);
            let end = len.is_some_and(|len| t.ex.upload_read >= len);
            Ok((Some(chunk), end))
        }
        ReadResult::Fail => Err(Error::new(
            ErrorCode::ReadError,
            "could not read the request body",
        )),
        ReadResult::Pause => {
            t.paused_send = true;
            Ok((None, false))
        }
        ReadResult::Abort => Err(Error::new(
            ErrorCode::AbortedByCallback,
            "read callback aborted",
        )),
    }
}

/// A user header line as (lowercase name, value); `None` value removes a
/// default. Lines with CR or LF are never sent.
fn user_line(line: &str) -> Option<(String, Option<&str>)> {
    if line.contains(['\r', '\n']) {
        return None;
    }
    if let Some(colon) = line.find(':') {
        let name = &line[..colon];
        let value = line[colon + 1..].trim();
        return (!name.is_empty()).then(|| {
            (
                name.to_ascii_lowercase(),
                (!value.is_empty()).then_some(value),
            )
        });
    }
    let semi = line.find(';')?;
    let name = &line[..semi];
    (!name.is_empty() && line[semi + 1..].trim().is_empty())
        .then(|| (name.to_ascii_lowercase(), Some("")))
}

/// Trailers as the lines the header callback gets: the fields and a
/// blank line.
fn header_lines(fields: &[Header]) -> Vec<Vec<u8>> {
    let mut lines = Vec::with_capacity(fields.len() + 1);
    for h in fields {
        let mut l = Vec::with_capacity(h.name.len() + h.value.len() + 4);
        l.extend_from_slice(&h.name);
        l.extend_from_slice(b": ");
        l.extend_from_slice(&h.value);
        l.extend_from_slice(b"\r\n");
        lines.push(l);
    }
    lines.push(b"\r\n".to_vec());
    lines
}
