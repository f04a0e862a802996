//! The processes of `cargo xtask soak` and `cargo xtask netem` (see
//! `xtask/src/soak.rs`, which starts them and judges their output):
//!
//! ```text
//! fetch-soak serve ADDR                                   # the server (server.rs)
//! fetch-soak soak BASE TOTAL IN_FLIGHT TIMEOUT_S CHECK_AT  # memory under sustained load
//! fetch-soak netem BASE TOTAL IN_FLIGHT CONNECT_S TIMEOUT_S SEED  # bodies over a bad link
//! fetch-soak impair TUN_A TUN_B SEED                      # the bad link (impair.rs)
//! ```
//!
//! Both clients are fetch-core's Rust API on an application-owned mio loop
//! (`app_loop.rs`), keep IN_FLIGHT transfers running, a new [`Easy`] for
//! each, and print one JSON object per line on stdout: `checkpoint`s and a
//! final `result`. Details of failed transfers go to stderr. What is not
//! here: no judging (the xtask compares the figures), no TLS.

mod app_loop;
mod impair;
mod server;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fetch_core::{Easy, Flow};

use app_loop::AppLoop;

/// Byte `i` of the body of `/pattern/N/seed` (see `server.rs`): a prime
/// period shifted by the seed, so a misplaced slice or another transfer's
/// body shows up.
pub(crate) fn byte(seed: u64, i: usize) -> u8 {
    ((seed % 251 + (i % 251) as u64) % 251) as u8
}

/// splitmix64: small, seedable, good enough to pick sizes and drop packets.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = argv.iter().map(String::as_str).collect();
    let num = |s: &str| s.parse::<u64>().map_err(|_| format!("not a number: {s}"));
    let run = || -> Result<(), String> {
        match args.as_slice() {
            ["serve", addr] => server::serve(addr),
            ["impair", a, b, seed] => impair::impair(a, b, num(seed)?),
            ["soak", base, total, in_flight, timeout, check_at] => soak(
                base,
                num(total)?,
                num(in_flight)?,
                Duration::from_secs(num(timeout)?),
                num(check_at)?,
            ),
            ["netem", base, total, in_flight, connect, timeout, seed] => netem(
                base,
                num(total)?,
                num(in_flight)?,
                Duration::from_secs(num(connect)?),
                Duration::from_secs(num(timeout)?),
                num(seed)?,
            ),
            _ => Err("usage: see the crate documentation (bench/soak/src/main.rs)".into()),
        }
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fetch-soak: {e}");
            ExitCode::FAILURE
        }
    }
}

/// VmHWM (peak RSS) and VmRSS of this process, in KiB.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// TOTAL GETs of `BASE/pattern/1024/0`, IN_FLIGHT at a time, each with
/// TIMEOUT; a checkpoint line (peak and current RSS) every CHECK_AT
/// transfers and at the end.
///
/// Beside them runs one long transfer, `BASE/hold` (a response that never
/// ends), with the same TIMEOUT, as an application's stream or slow
/// download would: the deadline of the oldest live transfer sits at the
/// front of the engine's deadline queue for the whole run, which is what
/// let the old queue keep every finished transfer's deadline behind it.
/// It is not counted; when it times out (error 28) another takes its
/// place, any other end of it is a failure.
fn soak(
    base: &str,
    total: u64,
    in_flight: u64,
    timeout: Duration,
    check_at: u64,
) -> Result<(), String> {
    let started_at = Instant::now();
    let mut app = AppLoop::new(in_flight as usize + 1);
    let bytes = Arc::new(AtomicU64::new(0));
    let url = format!("{base}/pattern/1024/0");
    let new_easy = |url: &str| {
        let mut easy = Easy::with_url(url);
        easy.timeout(timeout);
        let b = Arc::clone(&bytes);
        easy.write_function(move |data| {
            b.fetch_add(data.len() as u64, Ordering::Relaxed);
            Flow::Continue
        });
        easy
    };
    let hold_url = format!("{base}/hold");
    let mut hold = app.add(new_easy(&hold_url));
    let mut hold_restarts = 0u64;
    let mut started = 0;
    while started < in_flight.min(total) {
        app.add(new_easy(&url));
        started += 1;
    }
    let (mut ok, mut failed, mut first_error) = (0u64, 0u64, 0i64);
    let mut done = Vec::new();
    while ok + failed < total {
        app.step(&mut done)?;
        for (id, easy, result) in done.drain(..) {
            let status = easy.info().response_code;
            if id == hold {
                match result {
                    Err(e) if e.code().code() == 28 => {
                        hold_restarts += 1;
                        hold = app.add(new_easy(&hold_url));
                        continue;
                    }
                    result => return Err(format!("the long transfer ended: {result:?}")),
                }
            }
            match result {
                Ok(()) if status == 200 => ok += 1,
                result => {
                    failed += 1;
                    if failed <= 10 {
                        eprintln!("transfer failed: {result:?}, HTTP status {status}");
                    }
                    if first_error == 0 {
                        first_error = result.err().map_or(-1, |e| i64::from(e.code().code()));
                    }
                }
            }
            drop(easy);
            let finished = ok + failed;
            if finished % check_at == 0 || finished == total {
                let (hwm, now) = rss();
                println!(
                    "{{\"kind\":\"checkpoint\",\"done\":{finished},\"hwm_kib\":{hwm},\
                     \"rss_kib\":{now},\"elapsed_s\":{:.3}}}",
                    started_at.elapsed().as_secs_f64()
                );
            }
            if started < total {
                app.add(new_easy(&url));
                started += 1;
            }
        }
    }
    println!(
        "{{\"kind\":\"result\",\"ok\":{ok},\"failed\":{failed},\"first_error\":{first_error},\
         \"hold_restarts\":{hold_restarts},\"bytes\":{},\"wall_s\":{:.3}}}",
        bytes.load(Ordering::Relaxed),
        started_at.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A transfer may end this much after its deadline (the loop wakes late
/// on a busy machine), no more.
const SLACK: Duration = Duration::from_millis(250);
/// CONNECTTIMEOUT of the netem transfers that are meant to time out now
/// and then: a lost SYN costs a 1 s retransmission.
const TIGHT_CONNECT: Duration = Duration::from_millis(300);
/// TIMEOUT of the same transfers: the larger bodies need more round trips.
const TIGHT_TOTAL: Duration = Duration::from_millis(400);

/// What a netem transfer's write callback saw.
#[derive(Default)]
struct BodyCheck {
    received: usize,
    /// Offset of the first byte that differs from the pattern.
    mismatch: Option<usize>,
}

/// TOTAL GETs of `/pattern/N/k` (k = 0.., N from 0 to 256 KiB), IN_FLIGHT
/// at a time, each with CONNECTTIMEOUT and TIMEOUT; every body byte is
/// checked and each transfer's times are compared with its timeouts.
///
/// Every tenth transfer instead gets [`TIGHT_CONNECT`] / [`TIGHT_TOTAL`],
/// which the link's delays and losses make some of them miss: those may
/// end with FETCHE_OPERATION_TIMEDOUT (28), but not before the earlier of
/// their two timeouts and not after the later one (plus [`SLACK`]).
/// Anything else that is not a complete, correct body is a failure.
fn netem(
    base: &str,
    total: u64,
    in_flight: u64,
    connect_timeout: Duration,
    timeout: Duration,
    seed: u64,
) -> Result<(), String> {
    let started_at = Instant::now();
    let mut rng = Rng::new(seed);
    let mut app = AppLoop::new(in_flight as usize);
    let mut live = HashMap::new();
    let mut start = |k: u64, app: &mut AppLoop, live: &mut HashMap<_, _>| {
        let size = match rng.below(10) {
            0 => 0,
            1..=3 => rng.below(4096) as usize,
            _ => rng.below(256 * 1024 + 1) as usize,
        };
        let mut easy = Easy::with_url(format!("{base}/pattern/{size}/{k}"));
        let (connect_limit, total_limit) = if k % 10 == 9 {
            (TIGHT_CONNECT, TIGHT_TOTAL)
        } else {
            (connect_timeout, timeout)
        };
        easy.connect_timeout(connect_limit).timeout(total_limit);
        let check = Arc::new(Mutex::new(BodyCheck::default()));
        let c = Arc::clone(&check);
        easy.write_function(move |data| {
            let mut c = c.lock().unwrap_or_else(|e| e.into_inner());
            if c.mismatch.is_none() {
                let at = c.received;
                c.mismatch = data
                    .iter()
                    .enumerate()
                    .find(|&(i, &b)| b != byte(k, at + i))
                    .map(|(i, _)| at + i);
            }
            c.received += data.len();
            Flow::Continue
        });
        let id = app.add(easy);
        live.insert(id, (k, size, connect_limit, total_limit, check));
    };
    let mut started = 0;
    while started < in_flight.min(total) {
        start(started, &mut app, &mut live);
        started += 1;
    }
    let (mut ok, mut failed, mut late, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    let mut timed_out = 0u64;
    // Shortest and longest total_time of the transfers that timed out.
    let mut timed_out_range = (Duration::MAX, Duration::ZERO);
    let mut totals = Vec::with_capacity(total as usize);
    let mut max_connect = Duration::ZERO;
    let mut done = Vec::new();
    while ok + timed_out + failed < total {
        app.step(&mut done)?;
        for (id, easy, result) in done.drain(..) {
            let (k, size, connect_limit, total_limit, check) =
                live.remove(&id).ok_or("a transfer nobody started")?;
            let check = check.lock().unwrap_or_else(|e| e.into_inner());
            let info = easy.info();
            let status = info.response_code;
            totals.push(info.total_time);
            max_connect = max_connect.max(info.connect_time);
            bytes += check.received as u64;
            // A transfer that ends later than its deadlines allow (or whose
            // connect phase outlived CONNECTTIMEOUT) broke a promise, even
            // if it succeeded.
            let overran =
                info.total_time > total_limit + SLACK || info.connect_time > connect_limit + SLACK;
            if overran {
                late += 1;
            }
            let complete = result.is_ok()
                && status == 200
                && check.received == size
                && check.mismatch.is_none();
            // Timed out, and neither early nor late.
            let fair_timeout = matches!(&result, Err(e) if e.code().code() == 28)
                && info.total_time >= connect_limit.min(total_limit)
                && !overran;
            if complete && !overran {
                ok += 1;
            } else if fair_timeout {
                timed_out += 1;
                timed_out_range.0 = timed_out_range.0.min(info.total_time);
                timed_out_range.1 = timed_out_range.1.max(info.total_time);
            } else {
                failed += 1;
                let error = match &result {
                    Ok(()) => "ok".to_owned(),
                    Err(e) => format!("error {} ({e})", e.code().code()),
                };
                eprintln!(
                    "transfer {k} FAILED: size {size}, {error}, HTTP status {status}, \
                     received {} bytes, first wrong byte {:?}, total_time {:.3} s \
                     (TIMEOUT {:.3} s), connect_time {:.3} s (CONNECTTIMEOUT {:.3} s), \
                     at {:.1} s into the run",
                    check.received,
                    check.mismatch,
                    info.total_time.as_secs_f64(),
                    total_limit.as_secs_f64(),
                    info.connect_time.as_secs_f64(),
                    connect_limit.as_secs_f64(),
                    started_at.elapsed().as_secs_f64()
                );
            }
            drop(check);
            if started < total {
                start(started, &mut app, &mut live);
                started += 1;
            }
        }
    }
    totals.sort_unstable();
    let pick = |q: f64| totals[((totals.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "{{\"kind\":\"result\",\"ok\":{ok},\"timed_out\":{timed_out},\"failed\":{failed},\"late\":{late},\
         \"bytes\":{bytes},\"p50_ms\":{:.1},\"p99_ms\":{:.1},\"max_ms\":{:.1},\
         \"max_connect_ms\":{:.1},\"timed_out_min_ms\":{:.1},\"timed_out_max_ms\":{:.1},\
         \"wall_s\":{:.3}}}",
        pick(0.5),
        pick(0.99),
        pick(1.0),
        max_connect.as_secs_f64() * 1e3,
        timed_out_range.0.min(timed_out_range.1).as_secs_f64() * 1e3,
        timed_out_range.1.as_secs_f64() * 1e3,
        started_at.elapsed().as_secs_f64()
    );
    Ok(())
}
