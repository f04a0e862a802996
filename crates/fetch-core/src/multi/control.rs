//! Transfer control: pause and resume, progress, speed limits, the
//! "Expect: 100-continue" wait, and the timing info. Everything here works
//! by changing interest and deadlines, never by sleeping, and a paused
//! direction leaves nothing registered and no timer running for it.

use std::time::Duration;

/// How often a paused transfer's progress callback is called.
const PAUSED_PROGRESS: Duration = Duration::from_secs(1);

/// The longest a rate limit holds a transfer back before checking again.
const MAX_THROTTLE: Duration = Duration::from_secs(86_400);

use super::ticks::Tick;
use super::{Expect, Kind, Multi, Phase, Step, TransferId, TransferKey};
use crate::clock::Moment;
use crate::easy::{Body, Flow, InfoType, Progress};
use crate::error::{Error, ErrorCode, MultiError};
use crate::socket::{SocketTable, WANT_READ, WANT_WRITE};

/// Which directions to pause (FETCHPAUSE_* bits: RECV 1, SEND 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pause {
    /// Stop receiving.
    pub recv: bool,
    /// Stop sending.
    pub send: bool,
}

impl Pause {
    /// FETCHPAUSE_CONT: run both directions.
    pub const CONT: Self = Self {
        recv: false,
        send: false,
    };
    /// FETCHPAUSE_RECV.
    pub const RECV: Self = Self {
        recv: true,
        send: false,
    };
    /// FETCHPAUSE_SEND.
    pub const SEND: Self = Self {
        recv: false,
        send: true,
    };
    /// FETCHPAUSE_ALL.
    pub const ALL: Self = Self {
        recv: true,
        send: true,
    };

    /// From the upstream bitmask (RECV 1, SEND 4).
    pub const fn from_bits(bits: i32) -> Self {
        Self {
            recv: bits & 1 != 0,
            send: bits & 4 != 0,
        }
    }
}

/// Instants of a transfer's milestones, for the timing info.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Marks {
    pub(super) resolved: Tick,
    pub(super) connected: Tick,
    pub(super) tls_done: Tick,
    pub(super) pretransfer: Tick,
    pub(super) first_byte: Tick,
}

/// Speed bookkeeping of a transfer, from its request on.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Rates {
    /// When the request started, as a tick of the transfer's clock
    /// ([`Tick::NONE`] before it does), and the byte counts (down, up)
    /// then.
    pub(super) start: (Tick, u64, u64),
    /// The low-speed window: the bytes moved by its start (its end is the
    /// LowSpeed deadline).
    pub(super) window: Option<u64>,
    /// Expected body size from the response head, for progress.
    pub(super) dltotal: u64,
}

impl Multi {
    /// `fetch_easy_pause`: pause or resume a transfer's directions. On
    /// resume, data held back while paused is delivered first and the
    /// engine asks to be called again at once (a 0 ms timer), so the
    /// application need not know anything happened. While a direction is
    /// paused its socket interest is dropped (REMOVE when nothing is left),
    /// so a level-triggered loop cannot spin on it.
    pub fn pause(&mut self, id: TransferId, pause: Pause) -> Result<(), MultiError> {
        let ti = self.index_of(id).ok_or(MultiError::BadEasyHandle)?;
        self.begin();
        let now = self.now;
        let t = &mut self.transfers[ti];
        if t.phase.is_done() {
            return Ok(());
        }
        let resumed = (t.paused_recv && !pause.recv) || (t.paused_send && !pause.send);
        t.paused_recv = pause.recv;
        t.paused_send = pause.send;
        if !pause.recv && !t.held.is_empty() {
            let held = std::mem::take(&mut t.held);
            if let Err(e) = self.deliver(ti, &held) {
                self.fail(ti, e);
                return self.finish_call().map(drop);
            }
        }
        let t = &mut self.transfers[ti];
        if t.paused_recv || t.paused_send {
            // No timer runs for a paused transfer's speed check.
            t.rates.window = None;
            self.set_deadline(ti, Kind::LowSpeed, None);
        } else if resumed {
            self.start_low_speed_window(ti);
        }
        self.refresh_interest(ti);
        if resumed {
            self.set_deadline(ti, Kind::Kick, Some(now));
        }
        self.finish_call().map(drop)
    }

    /// Recomputes what a sending or receiving transfer's socket is watched
    /// for, taking pauses and pending TLS records into account.
    pub(super) fn refresh_interest(&mut self, ti: TransferKey) {
        if self.on_h2(ti) {
            // A stream's socket is shared (its interest is the union of
            // its streams', `h2_interest`); only the paused-progress tick
            // is this transfer's own.
            let t = &self.transfers[ti];
            let paused = t.paused_recv || t.paused_send;
            self.progress_tick(ti, paused);
            self.h2_interest_of(ti);
            return;
        }
        let t = &self.transfers[ti];
        let Some(cid) = t.conn else { return };
        if let Some(paused) = want_interest(&mut self.sockets, t, &self.conns[cid]) {
            self.progress_tick_of(ti, paused);
        }
    }

    /// While a direction is paused, upstream keeps calling the progress
    /// callback about once a second, and applications resume from there;
    /// so a paused transfer with a progress callback has a 1 s deadline
    /// for it. Without a progress callback a paused transfer wakes nothing.
    /// (Inline: a running transfer without a tick, the usual case, is one
    /// test.)
    #[inline]
    pub(super) fn progress_tick(&mut self, ti: TransferKey, paused: bool) {
        if !paused && self.transfers[ti].deadlines.get(Kind::Progress).is_none() {
            return;
        }
        self.progress_tick_of(ti, paused);
    }

    /// [`Multi::progress_tick`] for a paused transfer or one with a tick.
    pub(super) fn progress_tick_of(&mut self, ti: TransferKey, paused: bool) {
        let t = &self.transfers[ti];
        let due = t.deadlines.get(Kind::Progress);
        let next = if !paused || t.easy.progress.is_none() {
            None
        } else {
            due.or_else(|| self.now.checked_add(PAUSED_PROGRESS))
        };
        if next != due {
            self.set_deadline(ti, Kind::Progress, next);
        }
    }

    /// Calls the progress callback; `Err` when it asked to abort.
    /// (Inlined: without a progress callback, the usual case, it returns
    /// at once.)
    #[inline(always)]
    pub(super) fn progress(&mut self, ti: TransferKey) -> Result<(), Error> {
        if self.transfers[ti].easy.progress.is_none() {
            return Ok(());
        }
        self.call_progress(ti)
    }

    /// [`Multi::progress`] with a progress callback set.
    fn call_progress(&mut self, ti: TransferKey) -> Result<(), Error> {
        let t = &mut self.transfers[ti];
        t.easy.publish_live();
        let easy = &mut *t.easy;
        let Some(cb) = easy.progress.as_mut() else {
            return Ok(());
        };
        let ultotal = match &easy.body {
            // A redirect may have turned the request into a GET.
            _ if matches!(
                t.method,
                crate::easy::Method::Get | crate::easy::Method::Head
            ) =>
            {
                0
            }
            Body::Bytes(b) => b.len() as u64,
            Body::Reader { len: Some(n), .. } => *n,
            _ => 0,
        };
        let p = Progress {
            dltotal: t.rates.dltotal,
            dlnow: easy.info.size_download,
            ultotal,
            ulnow: easy.info.size_upload,
        };
        match cb(&p) {
            Flow::Continue | Flow::Pause => Ok(()),
            Flow::Abort => Err(Error::new(ErrorCode::AbortedByCallback, "Callback aborted")),
        }
    }

    /// The request is about to go out: speed and low-speed bookkeeping
    /// start here.
    pub(super) fn start_rates(&mut self, ti: TransferKey) {
        // Milestones read the clock afresh: several can fall into one call.
        let mark = self.clock.moment();
        if start_rates_of(&mut self.transfers[ti], mark, self.now) {
            self.start_low_speed_window(ti);
        }
    }

    /// Starts the low-speed window (FETCHOPT_LOW_SPEED_*), if one is set.
    pub(super) fn start_low_speed_window(&mut self, ti: TransferKey) {
        let now = self.now;
        let t = &mut self.transfers[ti];
        let Some((_, time)) = t.easy.seldom.low_speed else {
            return;
        };
        let moved = t.easy.info.size_download + t.easy.info.size_upload;
        t.rates.window = Some(moved);
        self.set_deadline(ti, Kind::LowSpeed, now.checked_add(time));
    }

    /// FETCHOPT_LOW_SPEED_*: the window ended; too few bytes fail the
    /// transfer, enough start the next window.
    pub(super) fn low_speed_due(&mut self, ti: TransferKey) {
        let t = &mut self.transfers[ti];
        t.deadlines.clear(Kind::LowSpeed);
        let (Some((limit, time)), Some(at_start)) = (t.easy.seldom.low_speed, t.rates.window)
        else {
            return;
        };
        // Saturating: a retried request starts its upload count afresh.
        let moved = (t.easy.info.size_download + t.easy.info.size_upload).saturating_sub(at_start);
        if (moved as f64) < limit as f64 * time.as_secs_f64() {
            let secs = time.as_secs();
            self.fail(
                ti,
                Error::new(
                    ErrorCode::OperationTimedout,
                    format!(
                        "Operation too slow. Less than {limit} bytes/sec transferred the last {secs} seconds"
                    ),
                ),
            );
            return;
        }
        self.start_low_speed_window(ti);
    }

    /// When a rate-limited direction may move again, if it is ahead of its
    /// limit now (FETCHOPT_MAX_RECV_SPEED / MAX_SEND_SPEED).
    /// (Inlined: without a limit, the usual case, nothing else is read.)
    #[inline(always)]
    pub(super) fn throttled_until(&self, ti: TransferKey, recv: bool) -> Option<Moment> {
        let easy = &self.transfers[ti].easy;
        let limit = if recv {
            easy.max_recv_speed
        } else {
            easy.max_send_speed
        };
        if limit == 0 {
            return None;
        }
        self.limited_until(ti, recv, limit)
    }

    /// [`Multi::throttled_until`] for a direction limited to `limit`
    /// bytes per second (not 0).
    fn limited_until(&self, ti: TransferKey, recv: bool, limit: u64) -> Option<Moment> {
        let t = &self.transfers[ti];
        let (start, dl0, ul0) = t.rates.start;
        let moved = if recv {
            t.easy.info.size_download.saturating_sub(dl0)
        } else {
            t.easy.info.size_upload.saturating_sub(ul0)
        };
        let start = start.moment(t.started?)?;
        // Far beyond any real limit the wait saturates at a day (re-checked
        // then) instead of overflowing.
        let wait = Duration::try_from_secs_f64(moved as f64 / limit as f64)
            .unwrap_or(Duration::MAX)
            .min(MAX_THROTTLE);
        let due = start.checked_add(wait).unwrap_or(self.now + MAX_THROTTLE);
        (due > self.now).then_some(due)
    }

    /// Holds a rate-limited direction back: interest dropped, a timer set.
    pub(super) fn throttle(&mut self, ti: TransferKey, until: Moment) -> Step {
        let cid = self.transfers[ti]
            .conn
            .expect("throttled transfers have a connection");
        let conn = &self.conns[cid];
        let bits = if conn.tls_wants_write() {
            WANT_WRITE
        } else {
            0
        };
        let fd = conn.fd;
        self.sockets.want(fd, bits);
        self.set_deadline(ti, Kind::Kick, Some(until));
        Step::Wait
    }

    /// The 100-continue wait ended (a 100 arrived or the timeout passed):
    /// the body goes out now.
    pub(super) fn send_body_now(&mut self, ti: TransferKey) {
        let t = &mut self.transfers[ti];
        if t.ex.expect != Expect::Waiting {
            return;
        }
        t.ex.expect = Expect::Sent;
        t.deadlines.clear(Kind::Expect);
        t.phase = Phase::Sending;
        let cid = t.conn.expect("a waiting transfer has a connection");
        let easy = &mut *t.easy;
        if let Body::Bytes(b) = &easy.body {
            if let Some(debug) = easy.debug.as_mut() {
                debug(InfoType::DataOut, b);
            }
            let conn = &mut self.conns[cid];
            conn.out.clear();
            super::request::push_bytes_body(b, t.ex.chunked_upload, &mut conn.out);
            conn.out_pos = 0;
            easy.info.size_upload = b.len() as u64;
        }
        self.schedule(ti);
        self.refresh_interest(ti);
    }

    /// Marks the first response byte (FETCHINFO_STARTTRANSFER_TIME), once
    /// per transfer. When the request went out in an earlier call, the
    /// byte was already waiting when this call began (the application saw
    /// the socket readable), so the call's time stands for it and the
    /// clock is not read again; a response read in the call that sent the
    /// request reads the clock afresh, so it never precedes PRETRANSFER.
    #[inline]
    pub(super) fn mark_first_byte(&mut self, ti: TransferKey) {
        let now = self.now;
        let t = &mut self.transfers[ti];
        if t.marks.first_byte.is_some() {
            return;
        }
        let call = t.tick(now);
        let at = if t.marks.pretransfer.is_some() && t.marks.pretransfer < call {
            call
        } else {
            t.tick(self.clock.moment().max(now))
        };
        t.marks.first_byte = at;
    }

    /// Fills in the timing and speed info when a transfer ends.
    pub(super) fn settle_info(&mut self, ti: TransferKey) {
        let now = self.clock.moment().max(self.now);
        let t = &mut self.transfers[ti];
        let Some(start) = t.started else { return };
        let since = |at: Tick| at.elapsed().unwrap_or(Duration::ZERO);
        let info = &mut t.easy.info;
        info.total_time = now.saturating_duration_since(start);
        info.namelookup_time = since(t.marks.resolved);
        info.connect_time = since(t.marks.connected);
        info.appconnect_time = since(t.marks.tls_done);
        info.pretransfer_time = since(t.marks.pretransfer);
        info.starttransfer_time = since(t.marks.first_byte);
        let secs = info.total_time.as_secs_f64();
        if secs > 0.0 {
            // (No bytes is a speed of 0, with no float conversions: the
            // usual upload of a GET. The division is out of line, or the
            // compiler works out both and picks one.)
            let speed = |size: u64| if size == 0 { 0 } else { speed(size, secs) };
            info.speed_download = speed(info.size_download);
            info.speed_upload = speed(info.size_upload);
        }
    }
}

/// [`Multi::start_rates`] on transfer `t`'s row: `mark` is the clock read
/// for PRETRANSFER, `now` the call's time. Returns whether a low-speed
/// window is to start (`Multi::start_low_speed_window`). (Inline: once per
/// request, with the row at hand.)
#[inline]
pub(super) fn start_rates_of(t: &mut super::Transfer, mark: Moment, now: Moment) -> bool {
    if t.marks.pretransfer.is_none() {
        t.marks.pretransfer = t.tick(mark);
    }
    // The speed bookkeeping starts at the call's time, never later: a
    // rate limit compares it with that time (a start after it would
    // wait for nothing, and the timer loop would run it again at once).
    let start = t.tick(now);
    t.rates.start = (start, t.easy.info.size_download, t.easy.info.size_upload);
    t.easy.seldom.low_speed.is_some()
}

/// `size` bytes in `secs` seconds as bytes per second (upstream's
/// formula: the float quotient, truncated).
#[inline(never)]
fn speed(size: u64, secs: f64) -> u64 {
    (size as f64 / secs) as u64
}

/// [`Multi::refresh_interest`] for a transfer `t` on its own connection
/// `conn` (HTTP/1.1), with the rows at hand: tells `sockets` what the
/// socket is watched for. `Some(paused)` when the progress tick needs
/// [`Multi::progress_tick_of`] (a paused direction, or a tick set), which
/// the caller runs once the rows are let go. (Inline: a few tests, at two
/// call sites, one of them `send`'s end of a request.)
#[inline]
pub(super) fn want_interest(
    sockets: &mut SocketTable,
    t: &super::Transfer,
    conn: &super::Conn,
) -> Option<bool> {
    let (bits, paused) = interest_bits(t, conn)?;
    sockets.want(conn.fd, bits);
    (paused || t.deadlines.get(Kind::Progress).is_some()).then_some(paused)
}

/// What a transfer on its own connection `conn` (HTTP/1.1) watches its
/// socket for in its phase, taking pauses and pending TLS records into
/// account, and whether that direction is paused; `None` outside sending
/// and receiving.
#[inline]
fn interest_bits(t: &super::Transfer, conn: &super::Conn) -> Option<(u8, bool)> {
    let tls = if conn.tls_wants_write() {
        WANT_WRITE
    } else {
        0
    };
    let bits = match t.phase {
        Phase::Sending if t.paused_send => tls,
        Phase::Sending => WANT_WRITE,
        Phase::Receiving if t.paused_recv => tls,
        Phase::Receiving => WANT_READ | tls,
        _ => return None,
    };
    let paused = match t.phase {
        Phase::Sending => t.paused_send,
        _ => t.paused_recv,
    };
    Some((bits, paused))
}
