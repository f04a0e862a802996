//! The response side of the exchange: reading with edge-trigger safety,
//! decoding, and handing heads and body to the application's callbacks.

use super::*;

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
    Failed(Error),
    Finished {
        reusable: bool,
    },
}

impl Multi {
    pub(super) fn recv(&mut self, ti: usize, events: Events) -> Step {
        let cid = self.transfers[ti].conn.expect("receiving has a connection");
        let conn = &mut self.conns[cid];
        if let Some(tls) = conn.tls.as_mut() {
            // Records left over from sending the request go first.
            match flush_tls(tls, &conn.sock) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    return self.conn_failed(
                        ti,
                        Error::new(ErrorCode::SendError, format!("TLS send: {e}")),
                    );
                }
            }
            self.refresh_interest(ti);
        }
        if self.transfers[ti].paused_recv {
            self.refresh_interest(ti);
            return Step::Wait;
        }
        if let Some(until) = self.throttled_until(ti, true) {
            return self.throttle(ti, until);
        }
        let mut filled = self.conns[cid].carry.len();
        // Bytes kept from before (a pause, a yield) are decoded first even
        // without a readiness event: the socket may never signal them again.
        let mut carried = filled > 0;
        if !events.may_read() && !carried {
            return Step::Wait;
        }
        let mut buf = std::mem::take(&mut self.rbuf);
        if buf.len() < READ_BUF {
            buf.resize(READ_BUF, 0);
        }
        let conn = &mut self.conns[cid];
        buf[..filled].copy_from_slice(&conn.carry);
        conn.carry.clear();
        // A rate-limited transfer reads in small steps so it cannot run far
        // ahead of its limit in one read.
        let limit = self.transfers[ti].easy.max_recv_speed;
        let read_max = if limit == 0 {
            READ_BUF
        } else {
            (limit as usize / 4).clamp(1024, READ_BUF)
        };
        let dl_before = self.transfers[ti].easy.info.size_download;
        let mut step = Step::Wait;
        let mut reads = 0;
        loop {
            let conn = &mut self.conns[cid];
            let eof = if carried {
                carried = false;
                false
            } else {
                let end = (filled + read_max).min(buf.len());
                match conn.recv(&mut buf[filled..end]) {
                    Ok(0) => true,
                    Ok(n) => {
                        filled += n;
                        false
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        conn.carry.extend_from_slice(&buf[..filled]);
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let err = match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
                        {
                            Some(tls_err) => tls::map_error(tls_err, false),
                            None if e.kind() == io::ErrorKind::UnexpectedEof => Error::new(
                                ErrorCode::RecvError,
                                "TLS connection closed without close_notify",
                            ),
                            None => Error::new(ErrorCode::RecvError, format!("Recv failure: {e}")),
                        };
                        step = self.conn_failed(ti, err);
                        break;
                    }
                }
            };
            let (used, outcome) = self.process(ti, &buf[..filled], eof);
            buf.copy_within(used..filled, 0);
            filled -= used;
            match outcome {
                Outcome::More if eof => unreachable!("eof always ends the message"),
                Outcome::More => {}
                Outcome::Paused => {
                    self.conns[cid].carry.extend_from_slice(&buf[..filled]);
                    self.refresh_interest(ti);
                    break;
                }
                Outcome::Continue100 => {
                    self.conns[cid].carry.extend_from_slice(&buf[..filled]);
                    self.send_body_now(ti);
                    step = Step::Continue;
                    break;
                }
                Outcome::Failed(e) => {
                    if eof && matches!(e.code(), ErrorCode::GotNothing) {
                        step = self.conn_failed(ti, e);
                    } else {
                        self.fail(ti, e);
                    }
                    break;
                }
                Outcome::Finished { reusable } => {
                    let refused = self.transfers[ti].expect == Expect::Refused;
                    step = self.complete(ti, reusable && filled == 0 && !refused);
                    break;
                }
            }
            if let Some(until) = self.throttled_until(ti, true) {
                self.conns[cid].carry.extend_from_slice(&buf[..filled]);
                step = self.throttle(ti, until);
                break;
            }
            reads += 1;
            if reads >= READS_PER_EVENT {
                // Yield to other sockets but come back at once: an edge-
                // triggered loop would not tell us about the rest.
                self.conns[cid].carry.extend_from_slice(&buf[..filled]);
                let now = self.now;
                self.set_deadline(ti, Kind::Kick, Some(now));
                break;
            }
        }
        self.rbuf = buf;
        // Progress is reported once per event that moved data, the final
        // one included; an abort only matters while the transfer runs.
        if self.transfers[ti].easy.info.size_download != dl_before {
            if let (Err(e), false) = (self.progress(ti), self.transfers[ti].phase == Phase::Done) {
                self.fail(ti, e);
                return Step::Wait;
            }
        }
        step
    }

    /// Feeds received bytes to the decoder and the application's callbacks.
    pub(super) fn process(&mut self, ti: usize, input: &[u8], eof: bool) -> (usize, Outcome) {
        let mut pos = 0;
        loop {
            let t = &mut self.transfers[ti];
            let decoded = match t.decoder.decode(&input[pos..]) {
                Ok((n, Decoded::NeedMore)) if eof => {
                    pos += n;
                    match t.decoder.eof() {
                        Ok(d) => Ok((0, d)),
                        Err(e) => Err(e),
                    }
                }
                other => other,
            };
            let (n, d) = match decoded {
                Ok(x) => x,
                Err(e) => return (pos, Outcome::Failed(Error::new(e.code(), e.to_string()))),
            };
            match d {
                Decoded::NeedMore => {
                    pos += n;
                    return (pos, Outcome::More);
                }
                Decoded::Head(head) => {
                    pos += n;
                    t.marks.first_byte.get_or_insert_with(|| self.clock.now());
                    t.easy.info.header_size += head.raw.len() as u64;
                    if head.status >= 200 {
                        t.easy.info.response_code = head.status;
                        t.rates.dltotal = head.content_length.unwrap_or(0);
                        t.following = None;
                        t.easy.info.redirect_url = None;
                        if t.expect == Expect::Waiting {
                            // A final answer before the body was sent: the
                            // body is never sent and the connection cannot
                            // be reused.
                            t.expect = Expect::Refused;
                        }
                        if matches!(head.status, 301 | 302 | 303 | 307 | 308) {
                            if let Some(loc) = head.location.as_deref() {
                                let next = t.target().url.join(loc).ok();
                                if let Some(next) = next {
                                    if t.easy.follow {
                                        t.following = Some(next.to_string());
                                    } else {
                                        t.easy.info.redirect_url = Some(next.to_string());
                                    }
                                }
                            }
                        }
                    }
                    let mut paused = false;
                    if let Some(cb) = t.easy.header.as_mut() {
                        for line in head.lines() {
                            match cb(line) {
                                Flow::Continue => {}
                                // The head is delivered whole; the pause
                                // takes effect before the body.
                                Flow::Pause => paused = true,
                                Flow::Abort => {
                                    return (
                                        pos,
                                        Outcome::Failed(Error::new(
                                            ErrorCode::WriteError,
                                            "Failed writing header",
                                        )),
                                    );
                                }
                            }
                        }
                    }
                    if head.status == 100 && t.expect == Expect::Waiting {
                        t.paused_recv |= paused;
                        return (pos, Outcome::Continue100);
                    }
                    if paused {
                        t.paused_recv = true;
                        return (pos, Outcome::Paused);
                    }
                }
                Decoded::Body(range) => {
                    let data = &input[pos..][range];
                    pos += n;
                    if t.following.is_some() {
                        continue;
                    }
                    if let Err(e) = self.deliver(ti, data) {
                        return (pos, Outcome::Failed(e));
                    }
                    if self.transfers[ti].paused_recv {
                        return (pos, Outcome::Paused);
                    }
                }
                Decoded::Done { reusable } => {
                    pos += n;
                    return (pos, Outcome::Finished { reusable });
                }
            }
        }
    }
}
