//! The Rust client of `cargo xtask bench`: fetch-core's Rust API driven by
//! an application-owned mio (epoll, edge-triggered) loop through
//! `socket_action`, with the same command line and the same one-line JSON
//! result as the C clients in `bench/` (see `bench/bench_common.h`).
//!
//! ```text
//! fetch-bench-driver URL TOTAL CONCURRENCY [CAINFO]
//! ```
//!
//! CONCURRENCY transfers are kept in flight; each finished transfer's
//! [`Easy`] is added again until TOTAL have run, as a long-running
//! application would. CAINFO, for the HTTPS workload, becomes the
//! transfers' trusted CA file (`TlsOptions::ca_file`).

use std::os::fd::RawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fetch_core::{Easy, Events, Flow, Interest, Multi, Target};
use mio::unix::SourceFd;
use mio::{Poll, Token};

struct Args {
    url: String,
    total: usize,
    concurrency: usize,
    ca_file: Option<String>,
    /// BENCH_MAX_HOST_CONNECTIONS, as for the C clients.
    max_host: Option<usize>,
    /// BENCH_PIPEWAIT=1: PIPEWAIT on every transfer (the HTTP/2 workloads).
    pipewait: bool,
}

fn parse_args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!("usage: fetch-bench-driver URL TOTAL CONCURRENCY [CAINFO]");
        std::process::exit(2)
    };
    if !(4..=5).contains(&argv.len()) {
        usage();
    }
    let total: usize = argv[2].parse().unwrap_or_else(|_| usage());
    let concurrency: usize = argv[3].parse().unwrap_or_else(|_| usage());
    if total == 0 || concurrency == 0 {
        usage();
    }
    Args {
        url: argv[1].clone(),
        total,
        concurrency: concurrency.min(total),
        ca_file: argv.get(4).cloned(),
        max_host: std::env::var("BENCH_MAX_HOST_CONNECTIONS")
            .ok()
            .map(|v| v.parse().unwrap_or_else(|_| usage()))
            .filter(|&n| n > 0),
        pipewait: std::env::var("BENCH_PIPEWAIT").is_ok_and(|v| v.trim() != "0"),
    }
}

#[derive(Default)]
struct Outcome {
    ok: usize,
    failed: usize,
    first_error: i32,
    first_status: u16,
    bytes: u64,
    stalled: bool,
    /// Sum of the transfers' num_connects: connections opened.
    connects: u64,
    /// Transfers answered over HTTP/2.
    http2: u64,
}

fn main() {
    let args = parse_args();
    raise_nofile(args.concurrency as u64 + 64);

    let mut poll = Poll::new().expect("epoll");
    let registry = poll.registry().try_clone().expect("epoll");
    let mut multi = Multi::new();
    // As the C driver: keep every connection, so the idle ones can be
    // measured at the end.
    multi.set_max_connects(Some(args.concurrency));
    if let Some(n) = args.max_host {
        multi.set_max_host_connections(n);
    }

    let sockets_peak = Arc::new(AtomicUsize::new(0));
    let peak = sockets_peak.clone();
    let socket_calls = Arc::new(AtomicUsize::new(0));
    let timer_calls = Arc::new(AtomicUsize::new(0));
    let (sc, tc) = (socket_calls.clone(), timer_calls.clone());
    let mut sockets_now = 0usize;
    let mut registered: Vec<bool> = Vec::new();
    multi.set_socket_function(move |_ctx, ev| {
        sc.fetch_add(1, Ordering::Relaxed);
        let fd = ev.socket;
        let slot = usize::try_from(fd).map_err(|_| fetch_core::Abort)?;
        if registered.len() <= slot {
            registered.resize(slot + 1, false);
        }
        let interest = match ev.interest {
            Interest::In => mio::Interest::READABLE,
            Interest::Out => mio::Interest::WRITABLE,
            Interest::InOut => mio::Interest::READABLE | mio::Interest::WRITABLE,
            Interest::Remove => {
                if std::mem::take(&mut registered[slot]) {
                    sockets_now -= 1;
                    registry
                        .deregister(&mut SourceFd(&fd))
                        .map_err(|_| fetch_core::Abort)?;
                }
                return Ok(());
            }
        };
        let token = Token(slot);
        if registered[slot] {
            registry.reregister(&mut SourceFd(&fd), token, interest)
        } else {
            registered[slot] = true;
            sockets_now += 1;
            peak.fetch_max(sockets_now, Ordering::Relaxed);
            registry.register(&mut SourceFd(&fd), token, interest)
        }
        .map_err(|_| fetch_core::Abort)
    });
    let timer = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let t = timer.clone();
    multi.set_timer_function(move |d| {
        tc.fetch_add(1, Ordering::Relaxed);
        *t.lock().unwrap_or_else(|e| e.into_inner()) = d.map(|d| Instant::now() + d);
        Ok(())
    });

    let rss_base = rss_kib();
    let started_at = Instant::now();
    // Body bytes, counted in the write callback: TransferInfo's
    // size_download keeps growing when an Easy is added again.
    let bytes = Arc::new(AtomicU64::new(0));
    let mut started = 0;
    for _ in 0..args.concurrency {
        let mut easy = Easy::with_url(args.url.clone());
        if let Some(ca) = &args.ca_file {
            easy.tls_mut().ca_file = Some(ca.into());
        }
        // Workload G: ACCEPT_ENCODING, so the body is decoded.
        if let Ok(enc) = std::env::var("BENCH_ACCEPT_ENCODING") {
            easy.accept_encoding(Some(enc));
        }
        let b = bytes.clone();
        easy.write_function(move |data| {
            b.fetch_add(data.len() as u64, Ordering::Relaxed);
            Flow::Continue
        });
        easy.pipewait(args.pipewait);
        multi.add(easy).expect("add");
        started += 1;
    }

    let mut out = Outcome::default();
    let mut events = mio::Events::with_capacity(256);
    while out.ok + out.failed < args.total {
        let wait = timer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map(|at| at.saturating_duration_since(Instant::now()));
        if let Err(e) = poll.poll(&mut events, wait.or(Some(Duration::from_secs(30)))) {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            panic!("epoll_wait: {e}");
        }
        if events.is_empty() && wait.is_none() {
            eprintln!("fetch-core: stalled: nothing happened for 30 s");
            out.stalled = true;
            break;
        }
        for ev in events.iter() {
            let mut bits = Events::NONE;
            if ev.is_readable() || ev.is_read_closed() {
                bits = bits | Events::IN;
            }
            if ev.is_writable() {
                bits = bits | Events::OUT;
            }
            if ev.is_error() {
                bits = bits | Events::ERR;
            }
            multi
                .socket_action(Target::Socket(ev.token().0 as RawFd), bits)
                .expect("socket_action");
        }
        let due = {
            let mut t = timer.lock().unwrap_or_else(|e| e.into_inner());
            let due = t.is_some_and(|at| at <= Instant::now());
            if due {
                *t = None;
            }
            due
        };
        if due {
            multi
                .socket_action(Target::Timeout, Events::NONE)
                .expect("socket_action");
        }
        while let Some((msg, _)) = multi.info_read() {
            let easy = multi.remove(msg.transfer).expect("remove");
            let status = easy.info().response_code;
            out.connects += u64::from(easy.info().num_connects);
            out.http2 += u64::from(easy.info().http_version == 20);
            match msg.result {
                Ok(()) if status == 200 => out.ok += 1,
                result => {
                    if out.first_error == 0 && out.first_status == 0 {
                        out.first_status = status;
                        if let Err(e) = &result {
                            out.first_error = e.code().code();
                            eprintln!("fetch-core: transfer failed: {e} (status {status})");
                        } else {
                            eprintln!("fetch-core: transfer failed: status {status}");
                        }
                    }
                    out.failed += 1;
                }
            }
            if started < args.total {
                multi.add(easy).expect("add");
                started += 1;
            }
        }
    }
    let wall = started_at.elapsed();
    out.bytes = bytes.load(Ordering::Relaxed);

    // Only the multi and its idle connections are left.
    for id in multi.transfer_ids() {
        let _ = multi.remove(id);
    }
    // SAFETY: malloc_trim has no preconditions; it only returns free heap
    // memory to the OS so the idle RSS reflects live data.
    unsafe {
        libc::malloc_trim(0);
    }
    let rss_idle = rss_kib();
    let idle_sockets = count_sockets();
    let (user, sys, max_rss) = rusage();
    println!(
        concat!(
            "{{\"client\":\"rust-driver\",\"library\":\"fetch-core {}\",\"total\":{},",
            "\"concurrency\":{},\"ok\":{},\"failed\":{},\"first_error\":{},",
            "\"first_status\":{},\"bytes\":{},\"wall_s\":{:.6},\"user_s\":{:.6},",
            "\"sys_s\":{:.6},\"max_rss_kib\":{},\"ru_maxrss_kib\":{},\"rss_base_kib\":{},",
            "\"rss_idle_kib\":{},\"peak_sockets\":{},\"idle_sockets\":{},\"stalled\":{},",
            "\"ca_unsupported\":{},\"timer_calls\":{},\"socket_calls\":{},",
            "\"connects\":{},\"http2\":{}}}"
        ),
        env!("CARGO_PKG_VERSION"),
        args.total,
        args.concurrency,
        out.ok,
        out.failed,
        out.first_error,
        out.first_status,
        out.bytes,
        wall.as_secs_f64(),
        user,
        sys,
        peak_rss_kib(),
        max_rss,
        rss_base,
        rss_idle,
        sockets_peak.load(Ordering::Relaxed),
        idle_sockets,
        out.stalled,
        false,
        timer_calls.load(Ordering::Relaxed),
        socket_calls.load(Ordering::Relaxed),
        out.connects,
        out.http2,
    );
    drop(multi);
    if out.failed > 0 || out.stalled {
        std::process::exit(1);
    }
}

/// Room for `want` descriptors: the soft limit up to the hard one, and as
/// root the hard one too (the 10,000-connection run needs it).
fn raise_nofile(want: u64) {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rl` is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } != 0 || rl.rlim_cur >= want {
        return;
    }
    if rl.rlim_max < want {
        let more = libc::rlimit {
            rlim_cur: want,
            rlim_max: want,
        };
        // SAFETY: `more` is a valid rlimit; failure is handled below.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &more) } == 0 {
            return;
        }
    }
    rl.rlim_cur = rl.rlim_max;
    // SAFETY: `rl` is a valid rlimit within the hard limit.
    unsafe {
        libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
    }
}

/// Resident set size now, in KiB.
fn rss_kib() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(-1);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as i64;
    if pages < 0 { -1 } else { pages * page / 1024 }
}

/// Peak RSS of this process image (VmHWM), in KiB. Not ru_maxrss, which
/// also counts the RSS of the parent that spawned this process.
fn peak_rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(-1)
}

/// Open sockets of this process (epoll and similar fds are not sockets).
fn count_sockets() -> i64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return -1;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            std::fs::read_link(e.path()).is_ok_and(|l| l.to_string_lossy().starts_with("socket:"))
        })
        .count() as i64
}

/// User and system CPU seconds and ru_maxrss (KiB) of this process.
fn rusage() -> (f64, f64, i64) {
    // SAFETY: an all-zero rusage is a valid value to be overwritten.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage.
    unsafe {
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(ru.ru_utime), secs(ru.ru_stime), ru.ru_maxrss)
}
