//! `cargo xtask bench [--quick]`: libfetch side by side with libcurl and
//! a raw epoll floor, against one local nginx.
//!
//! Clients (all the same command line and JSON result, see
//! `bench/bench_common.h`):
//! - `libcurl`: `bench/driver.c` built against the system libcurl;
//! - `libfetch`: the same source built with `-DUSE_FETCH` against
//!   `target/release/libfetch.a` (names mapped by `bench/fetch_compat.h`);
//! - `rust-driver`: `bench/rust-driver`, fetch-core's Rust API on mio;
//! - `floor`: `bench/floor.c`, a keep-alive HTTP/1.1 client on bare epoll.
//!
//! Each workload runs every client `runs` times, interleaved, and the
//! median of each figure is reported. Instruction counts come from
//! callgrind on workload A at its own size. Writes `docs/bench/RESULTS.md`
//! and `target/bench/results.json`. Not a pass/fail gate: the exit code
//! says only whether the bench itself could run.

#[path = "bench_h2.rs"]
mod h2;
#[path = "bench_report.rs"]
mod report;
#[path = "bench_server.rs"]
mod server;
#[path = "bench_targets13.rs"]
mod targets13;

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Command-line options of `cargo xtask bench`.
#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// Scaled-down workloads, one run each (about two minutes).
    #[arg(long)]
    quick: bool,
    /// Runs per client and workload (default: 3, or 1 with --quick).
    #[arg(long)]
    runs: Option<usize>,
    /// Only these workloads (comma-separated keys: L8,U8,A,B,S100,S10k,C,D,E,G,H2S,H2B).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Skip the callgrind instruction counts.
    #[arg(long)]
    no_callgrind: bool,
}

/// The four clients.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Client {
    Libcurl,
    Libfetch,
    RustDriver,
    Floor,
}

impl Client {
    pub(crate) const ALL: [Self; 4] =
        [Self::Libcurl, Self::Libfetch, Self::RustDriver, Self::Floor];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Libcurl => "libcurl",
            Self::Libfetch => "libfetch",
            Self::RustDriver => "rust-driver",
            Self::Floor => "floor",
        }
    }

    fn is_fetch(self) -> bool {
        matches!(self, Self::Libfetch | Self::RustDriver)
    }
}

/// One workload: `total` GETs of `file` with `concurrency` in flight.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Workload {
    pub(crate) key: &'static str,
    pub(crate) title: String,
    pub(crate) file: &'static str,
    pub(crate) total: u64,
    pub(crate) concurrency: u64,
    pub(crate) tls: bool,
    /// MAX_HOST_CONNECTIONS for the clients (BENCH_MAX_HOST_CONNECTIONS),
    /// 0 for none; the floor uses it as its number of connections.
    pub(crate) max_host: u64,
    /// ACCEPT_ENCODING for the clients (BENCH_ACCEPT_ENCODING).
    pub(crate) encoding: Option<&'static str>,
    /// Over the HTTP/2 listener (TLS, ALPN h2) with PIPEWAIT on every
    /// transfer (BENCH_PIPEWAIT): the issue-15 workloads.
    pub(crate) h2: bool,
    /// The C driver keeps its timer in epoll_wait's timeout instead of a
    /// timerfd (BENCH_LOOP=timeout): the informative AT row, never a
    /// target's measurement.
    pub(crate) timeout_loop: bool,
    /// Only the floor runs, sending each next request from a timerfd armed
    /// at 1 ns (BENCH_FLOOR=rounds): the informative AR row, the floor of
    /// a client that pays the timer round TF-04 asks of an application.
    pub(crate) floor_rounds: bool,
}

fn workloads(quick: bool, big: u64) -> Vec<Workload> {
    let big_mib = big >> 20;
    let w = |key, title: String, file, total, concurrency, tls| Workload {
        key,
        title,
        file,
        total,
        concurrency,
        tls,
        max_host: 0,
        encoding: None,
        h2: false,
        timeout_loop: false,
        floor_rounds: false,
    };
    // Scaling pair: the same transfers per connection at both sizes, so
    // the per-transfer share of connection set-up is the same.
    let (s_total, s_conns) = if quick {
        (10_000, 2_000)
    } else {
        (100_000, 10_000)
    };
    let s_key = if quick { "S2k" } else { "S10k" };
    let (a, b, b_conc, s100, d, e) = if quick {
        (2_000, 1_000, 200, 500, 200, 2_000)
    } else {
        (20_000, 5_000, 1_000, 1_000, 2_000, 20_000)
    };
    let c = if quick { (2, 2) } else { (8, 4) };
    // The connection-limited pair: the same transfers over 8 connections,
    // once all added at once behind MAX_HOST_CONNECTIONS 8 (the library
    // queues them) and once with 8 in flight and no limit (no queue).
    let l = if quick { 2_000 } else { 20_000 };
    let limited = Workload {
        max_host: 8,
        ..w(
            "L8",
            format!("Limited: {l} × 1 KiB added at once, MAX_HOST_CONNECTIONS 8"),
            "1k.bin",
            l,
            l,
            false,
        )
    };
    let g = if quick { 100 } else { 1_000 };
    let mut list = vec![
        limited,
        w(
            "U8",
            format!("Unlimited: {l} × 1 KiB, 8 in flight"),
            "1k.bin",
            l,
            8,
            false,
        ),
        w(
            "A",
            format!("A: {a} × 1 KiB, {} in flight", 100),
            "1k.bin",
            a,
            100,
            false,
        ),
        Workload {
            timeout_loop: true,
            ..w(
                "AT",
                format!(
                    "AT (informative): {a} × 1 KiB, 100 in flight, timer in epoll_wait's timeout, no timerfd (BENCH_LOOP=timeout)"
                ),
                "1k.bin",
                a,
                100,
                false,
            )
        },
        Workload {
            floor_rounds: true,
            ..w(
                "AR",
                format!(
                    "AR (informative): {a} × 1 KiB, 100 in flight, the floor sending each next request from a timerfd armed at 1 ns, as A's driver starts a re-added transfer (BENCH_FLOOR=rounds)"
                ),
                "1k.bin",
                a,
                100,
                false,
            )
        },
        w(
            "B",
            format!("B: {b} × 1 KiB, {b_conc} in flight"),
            "1k.bin",
            b,
            b_conc,
            false,
        ),
        w(
            "S100",
            format!("Scaling: {s100} × 1 KiB, 100 connections"),
            "1k.bin",
            s100,
            100,
            false,
        ),
        w(
            s_key,
            format!("Scaling: {s_total} × 1 KiB, {s_conns} connections"),
            "1k.bin",
            s_total,
            s_conns,
            false,
        ),
        w(
            "C",
            format!("C: {} × {big_mib} MiB, {} in flight", c.0, c.1),
            "big.bin",
            c.0,
            c.1,
            false,
        ),
        w(
            "D",
            format!("D: {d} × 64 KiB, 50 in flight"),
            "64k.bin",
            d,
            50,
            false,
        ),
        w(
            "E",
            format!("E: {e} × 1 KiB over HTTPS, 100 in flight"),
            "1k.bin",
            e,
            100,
            true,
        ),
        Workload {
            encoding: Some(""),
            ..w(
                "G",
                format!("G: {g} × 1 MiB JSON, gzip on, 16 in flight"),
                "gz/1m.json",
                g,
                16,
                false,
            )
        },
    ];
    list.extend(h2::workloads(quick, big));
    list
}

/// A client's JSON result line.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct RunResult {
    pub(crate) client: String,
    pub(crate) library: String,
    pub(crate) total: u64,
    pub(crate) concurrency: u64,
    pub(crate) ok: u64,
    pub(crate) failed: u64,
    pub(crate) first_error: i64,
    pub(crate) first_status: i64,
    pub(crate) bytes: u64,
    pub(crate) wall_s: f64,
    pub(crate) user_s: f64,
    pub(crate) sys_s: f64,
    /// VmHWM: the peak RSS of the client's own image.
    pub(crate) max_rss_kib: i64,
    /// getrusage's figure, which also counts the spawning parent's RSS.
    #[serde(default)]
    pub(crate) ru_maxrss_kib: i64,
    pub(crate) rss_base_kib: i64,
    pub(crate) rss_idle_kib: i64,
    pub(crate) peak_sockets: i64,
    pub(crate) idle_sockets: i64,
    pub(crate) stalled: bool,
    /// A CA file was given and the client could not apply it.
    #[serde(default)]
    pub(crate) ca_unsupported: bool,
    /// Timer callback invocations.
    #[serde(default)]
    pub(crate) timer_calls: u64,
    /// Socket callback invocations.
    #[serde(default)]
    pub(crate) socket_calls: u64,
    /// Connections opened: the sum of the transfers' INFO_NUM_CONNECTS
    /// (`None` from a client that does not say).
    #[serde(default)]
    pub(crate) connects: Option<u64>,
    /// Transfers whose INFO_HTTP_VERSION was HTTP/2.
    #[serde(default)]
    pub(crate) http2: Option<u64>,
}

/// The figures of one run, derived from its result line.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct Figures {
    pub(crate) cpu_s: f64,
    pub(crate) wall_s: f64,
    pub(crate) cpu_us_per_transfer: f64,
    pub(crate) transfers_per_s: f64,
    pub(crate) mb_per_s: f64,
    pub(crate) peak_rss_mib: f64,
    /// (peak RSS − RSS before the first transfer) / peak sockets.
    pub(crate) rss_per_conn_kib: f64,
    /// (RSS with only idle connections left − base) / idle sockets.
    pub(crate) rss_per_idle_conn_kib: f64,
    /// Timer / socket callback invocations per transfer (NaN: the floor
    /// has no callbacks; in AR its timer arms).
    pub(crate) timer_calls_per_transfer: f64,
    pub(crate) socket_calls_per_transfer: f64,
    pub(crate) failed: f64,
}

impl Figures {
    fn of(r: &RunResult) -> Self {
        let done = (r.ok + r.failed).max(1) as f64;
        let cpu = r.user_s + r.sys_s;
        // (The floor has no callbacks; with BENCH_FLOOR=rounds it counts
        // its timerfd arms as timer calls, the AR row's rounds.)
        let calls = |n: u64| {
            if r.client == "floor" && n == 0 {
                f64::NAN
            } else {
                n as f64 / done
            }
        };
        let per = |num: i64, den: i64| {
            if den > 0 {
                (num - r.rss_base_kib).max(0) as f64 / den as f64
            } else {
                f64::NAN
            }
        };
        Self {
            cpu_s: cpu,
            wall_s: r.wall_s,
            cpu_us_per_transfer: cpu * 1e6 / done,
            transfers_per_s: r.ok as f64 / r.wall_s.max(1e-9),
            mb_per_s: r.bytes as f64 / 1e6 / r.wall_s.max(1e-9),
            peak_rss_mib: r.max_rss_kib as f64 / 1024.0,
            rss_per_conn_kib: per(r.max_rss_kib, r.peak_sockets),
            rss_per_idle_conn_kib: per(r.rss_idle_kib, r.idle_sockets),
            timer_calls_per_transfer: calls(r.timer_calls),
            socket_calls_per_transfer: calls(r.socket_calls),
            failed: r.failed as f64,
        }
    }

    /// The median of each figure on its own.
    fn median(all: &[Self]) -> Self {
        let m = |f: fn(&Self) -> f64| median(all.iter().map(f).collect());
        Self {
            cpu_s: m(|x| x.cpu_s),
            wall_s: m(|x| x.wall_s),
            cpu_us_per_transfer: m(|x| x.cpu_us_per_transfer),
            transfers_per_s: m(|x| x.transfers_per_s),
            mb_per_s: m(|x| x.mb_per_s),
            peak_rss_mib: m(|x| x.peak_rss_mib),
            rss_per_conn_kib: m(|x| x.rss_per_conn_kib),
            rss_per_idle_conn_kib: m(|x| x.rss_per_idle_conn_kib),
            timer_calls_per_transfer: m(|x| x.timer_calls_per_transfer),
            socket_calls_per_transfer: m(|x| x.socket_calls_per_transfer),
            failed: all.iter().map(|x| x.failed).sum(),
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// What one client did in one workload.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// Medians over the runs (`runs` of them).
    Measured {
        runs: usize,
        median: Figures,
        all: Vec<RunResult>,
    },
    /// Not run, and why (e.g. libfetch has no HTTPS yet).
    NotRun { reason: String },
    /// Ran and failed.
    Failed { reason: String },
}

/// Callgrind's whole-process instruction counts of one client.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Instructions {
    pub(crate) client: &'static str,
    /// Transfers in the counted run (and half as many in the second).
    pub(crate) transfers: u64,
    pub(crate) total_ir: u64,
    pub(crate) half_ir: u64,
    pub(crate) out_file: PathBuf,
}

impl Instructions {
    /// Whole process, divided by the transfers.
    pub(crate) fn per_transfer(&self) -> f64 {
        self.total_ir as f64 / self.transfers as f64
    }

    /// The difference between the full and the half run per transfer:
    /// steady state, without start-up and connection set-up.
    pub(crate) fn marginal(&self) -> f64 {
        let extra = self.transfers - self.transfers / 2;
        self.total_ir.saturating_sub(self.half_ir) as f64 / extra as f64
    }
}

/// Everything the report needs.
pub(crate) struct Bench {
    pub(crate) quick: bool,
    pub(crate) runs: usize,
    pub(crate) workloads: Vec<(Workload, Vec<(Client, Outcome)>)>,
    pub(crate) instructions: Vec<Instructions>,
    pub(crate) callgrind_note: Option<String>,
    pub(crate) machine: report::Machine,
    pub(crate) profile: Option<report::Profile>,
    pub(crate) took: Duration,
}

struct Bins {
    libcurl: PathBuf,
    libfetch: PathBuf,
    rust: PathBuf,
    floor: PathBuf,
}

impl Bins {
    fn of(&self, c: Client) -> &Path {
        match c {
            Client::Libcurl => &self.libcurl,
            Client::Libfetch => &self.libfetch,
            Client::RustDriver => &self.rust,
            Client::Floor => &self.floor,
        }
    }
}

pub(crate) fn run(root: &Path, args: &BenchArgs) -> ExitCode {
    match run_inner(root, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_inner(root: &Path, args: &BenchArgs) -> io::Result<()> {
    let started = Instant::now();
    let nginx_bin = ensure_tools()?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let out = target.join("bench");
    std::fs::create_dir_all(out.join("runs"))?;
    let bins = build(root, &target, &out)?;

    let big: u64 = if args.quick { 32 << 20 } else { 256 << 20 };
    let runs = args.runs.unwrap_or(if args.quick { 1 } else { 3 }).max(1);
    let mut list = workloads(args.quick, big);
    if !args.only.is_empty() {
        list.retain(|w| args.only.iter().any(|o| o.eq_ignore_ascii_case(w.key)));
    }
    let dir = std::env::temp_dir().join(format!("fetch-bench-{}", std::process::id()));
    eprintln!("==> nginx in {}", dir.display());
    let nginx = server::Nginx::start(root, &nginx_bin, &dir, &server::Files { big })?;
    let machine = report::Machine::probe(root, &server::Nginx::version(&nginx_bin));

    let timeout = Duration::from_secs(if args.quick { 90 } else { 240 });
    let mut results = Vec::new();
    for w in &list {
        let url = if w.h2 {
            nginx.h2_url(w.file)
        } else if w.tls {
            nginx.tls_url(w.file)
        } else {
            nginx.url(w.file)
        };
        let ca = w.tls.then(|| nginx.ca_file());
        let mut per: Vec<(Client, Vec<RunResult>, Option<Outcome>)> =
            Client::ALL.iter().map(|&c| (c, Vec::new(), None)).collect();
        if w.tls || w.encoding.is_some() {
            let reason = if w.tls {
                "has no TLS"
            } else {
                "does not decode"
            };
            per[3].2 = Some(Outcome::NotRun {
                reason: format!("the floor client {reason}"),
            });
        }
        if w.floor_rounds {
            for (_, _, verdict) in &mut per[..3] {
                *verdict = Some(Outcome::NotRun {
                    reason: "the same run as row A: only the floor differs here".into(),
                });
            }
        }
        for run in 0..runs {
            // Rotate the order so no client always runs first (cold caches)
            // or last.
            for k in 0..Client::ALL.len() {
                let (client, results, verdict) = &mut per[(k + run) % Client::ALL.len()];
                if verdict.is_some() {
                    continue;
                }
                let tag = format!("{}-{}-{run}", w.key, client.name());
                eprintln!("==> {} [{}] run {}/{runs}", w.title, client.name(), run + 1);
                match run_client(
                    bins.of(*client),
                    &url,
                    w,
                    ca.as_deref(),
                    &out.join("runs").join(&tag),
                    timeout,
                ) {
                    Ok(r) => {
                        eprintln!(
                            "    ok {} failed {} in {:.2} s, cpu {:.2} s, max rss {} KiB",
                            r.ok,
                            r.failed,
                            r.wall_s,
                            r.user_s + r.sys_s,
                            r.max_rss_kib
                        );
                        if r.ok == 0 {
                            *verdict = Some(classify_failure(*client, &r));
                        } else {
                            results.push(r);
                        }
                    }
                    Err(e) => {
                        eprintln!("    {e}");
                        *verdict = Some(Outcome::Failed { reason: e });
                    }
                }
            }
        }
        let outcomes = per
            .into_iter()
            .map(|(c, rs, verdict)| {
                let o = match verdict {
                    Some(v) if rs.is_empty() => v,
                    _ if rs.is_empty() => Outcome::Failed {
                        reason: "no run".into(),
                    },
                    _ => {
                        let figs: Vec<Figures> = rs.iter().map(Figures::of).collect();
                        Outcome::Measured {
                            runs: rs.len(),
                            median: Figures::median(&figs),
                            all: rs,
                        }
                    }
                };
                (c, o)
            })
            .collect();
        results.push((w.clone(), outcomes));
    }

    let (instructions, callgrind_note) = if args.no_callgrind {
        (Vec::new(), Some("skipped (--no-callgrind)".to_owned()))
    } else {
        // At workload A's own size (the figure is per transfer of
        // A's whole run; a scaled-down run would weigh start-up ten times).
        let a_total = results
            .iter()
            .find(|(w, _)| w.key == "A")
            .map_or(if args.quick { 2_000 } else { 20_000 }, |(w, _)| w.total);
        match callgrind_all(&bins, &nginx.url("1k.bin"), a_total, &out) {
            Ok(v) => (v, None),
            Err(e) => {
                eprintln!("callgrind: {e}");
                (Vec::new(), Some(format!("not run: {e}")))
            }
        }
    };
    drop(nginx);

    let mut bench = Bench {
        quick: args.quick,
        runs,
        workloads: results,
        instructions,
        callgrind_note,
        machine,
        profile: None,
        took: Duration::ZERO,
    };
    let targets = report::targets(&bench);
    let targets13 = targets13::targets(&bench, root);
    let targets15 = h2::targets(&bench);
    if targets
        .iter()
        .chain(&targets13)
        .chain(&targets15)
        .any(|t| t.met == Some(false))
    {
        if let Some(i) = bench.instructions.iter().find(|i| i.client == "libfetch") {
            bench.profile = report::Profile::annotate(&i.out_file).ok();
        }
    }
    bench.took = started.elapsed();
    let md = report::markdown(&bench, &targets, &targets13, &targets15);
    let json = report::json(&bench, &targets, &targets13, &targets15);
    let md_path = root.join("docs/bench/RESULTS.md");
    std::fs::create_dir_all(md_path.parent().expect("has a parent"))?;
    let kept = std::fs::read_to_string(&md_path)
        .ok()
        .and_then(|old| old.find(KEPT_SECTION).map(|at| old[at..].to_owned()))
        .unwrap_or_default();
    std::fs::write(&md_path, format!("{md}{kept}"))?;
    std::fs::write(out.join("results.json"), json)?;
    println!("{md}");
    eprintln!(
        "==> wrote {} and {} in {:.0} s",
        md_path.display(),
        out.join("results.json").display(),
        bench.took.as_secs_f64()
    );
    Ok(())
}

/// RESULTS.md from this heading on is written by hand (the soak and netem
/// figures) and kept when the bench rewrites the rest.
const KEPT_SECTION: &str = "\n## Soak and hostile network";

/// A run where no transfer succeeded: "not run" when libfetch says the
/// protocol is unsupported (HTTPS before it lands) or could not be given
/// the test CA and so rejected the certificate; else a failure.
fn classify_failure(client: Client, r: &RunResult) -> Outcome {
    const UNSUPPORTED_PROTOCOL: i64 = 1;
    const PEER_FAILED_VERIFICATION: i64 = 60;
    if client.is_fetch() && r.first_error == UNSUPPORTED_PROTOCOL {
        Outcome::NotRun {
            reason: "libfetch HTTPS not available".into(),
        }
    } else if client.is_fetch() && r.ca_unsupported && r.first_error == PEER_FAILED_VERIFICATION {
        Outcome::NotRun {
            reason: "libfetch cannot be given the test CA yet (FETCHOPT_CAINFO refused; \
                     certificate rejected, error 60)"
                .into(),
        }
    } else if r.stalled {
        Outcome::Failed {
            reason: "stalled".into(),
        }
    } else {
        Outcome::Failed {
            reason: format!(
                "all {} transfers failed (first: error {}, HTTP status {})",
                r.failed, r.first_error, r.first_status
            ),
        }
    }
}

/// Runs one client; `base` + .json/.err keep its output.
fn run_client(
    bin: &Path,
    url: &str,
    w: &Workload,
    ca: Option<&Path>,
    base: &Path,
    timeout: Duration,
) -> Result<RunResult, String> {
    let json_path = base.with_extension("json");
    let err_path = base.with_extension("err");
    let io = |e: io::Error| e.to_string();
    let mut cmd = Command::new(bin);
    cmd.arg(url)
        .arg(w.total.to_string())
        .arg(w.concurrency.to_string());
    if w.max_host > 0 {
        cmd.env("BENCH_MAX_HOST_CONNECTIONS", w.max_host.to_string());
    } else {
        cmd.env_remove("BENCH_MAX_HOST_CONNECTIONS");
    }
    if let Some(enc) = w.encoding {
        cmd.env("BENCH_ACCEPT_ENCODING", enc);
    }
    if w.h2 {
        cmd.env("BENCH_PIPEWAIT", "1");
    } else {
        cmd.env_remove("BENCH_PIPEWAIT");
    }
    if w.timeout_loop {
        cmd.env("BENCH_LOOP", "timeout");
    } else {
        cmd.env_remove("BENCH_LOOP");
    }
    if w.floor_rounds {
        cmd.env("BENCH_FLOOR", "rounds");
    } else {
        cmd.env_remove("BENCH_FLOOR");
    }
    if let Some(ca) = ca {
        cmd.arg(ca);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&json_path).map_err(io)?)
        .stderr(std::fs::File::create(&err_path).map_err(io)?)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().map_err(io)? {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("timed out after {} s", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = std::fs::read_to_string(&json_path).unwrap_or_default();
    let line = text.lines().rev().find(|l| l.starts_with('{'));
    match line.map(serde_json::from_str::<RunResult>) {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(format!("bad result line: {e}")),
        None => {
            let err = std::fs::read_to_string(&err_path).unwrap_or_default();
            let tail: Vec<&str> = err.lines().rev().take(5).collect();
            Err(format!(
                "no result ({status}); stderr: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ))
        }
    }
}

/// Instruction counts for workload A: every client at `total` transfers (A's
/// own size) and at half of it, 100 in flight, under callgrind.
fn callgrind_all(bins: &Bins, url: &str, total: u64, out: &Path) -> io::Result<Vec<Instructions>> {
    let dir = out.join("callgrind");
    std::fs::create_dir_all(&dir)?;
    let mut all = Vec::new();
    for c in Client::ALL {
        let mut irs = [0u64; 2];
        let mut file = PathBuf::new();
        for (slot, n) in [total, total / 2].into_iter().enumerate() {
            eprintln!("==> callgrind [{}] {n} transfers", c.name());
            let path = dir.join(format!("{}-{n}.out", c.name()));
            let status = Command::new("valgrind")
                .arg("--tool=callgrind")
                .arg(format!("--callgrind-out-file={}", path.display()))
                .arg(bins.of(c))
                .args([url, &n.to_string(), "100"])
                // Workload A's own loop (a timerfd), whatever the shell set.
                .env_remove("BENCH_LOOP")
                .env_remove("BENCH_FLOOR")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()?;
            if !status.success() {
                return Err(io::Error::other(format!(
                    "{} under callgrind exited with {status}",
                    c.name()
                )));
            }
            irs[slot] = read_callgrind_total(&path)?;
            if slot == 0 {
                file = path;
            }
        }
        all.push(Instructions {
            client: c.name(),
            transfers: total,
            total_ir: irs[0],
            half_ir: irs[1],
            out_file: file,
        });
    }
    Ok(all)
}

/// The `totals:` (or `summary:`) line of a callgrind output file.
fn read_callgrind_total(path: &Path) -> io::Result<u64> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .find_map(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| io::Error::other(format!("no totals in {}", path.display())))
}

/// nginx, the libcurl headers, a C compiler, openssl and valgrind; installs
/// the missing ones from the distribution (we run as root here).
fn ensure_tools() -> io::Result<PathBuf> {
    let nginx = || {
        find_in_path("nginx").or_else(|| {
            ["/usr/sbin/nginx", "/usr/local/sbin/nginx"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.exists())
        })
    };
    let curl_h = || {
        [
            "/usr/include/curl/curl.h",
            "/usr/include/x86_64-linux-gnu/curl/curl.h",
        ]
        .iter()
        .any(|p| Path::new(p).exists())
            || Command::new("pkg-config")
                .args(["--exists", "libcurl"])
                .status()
                .is_ok_and(|s| s.success())
    };
    let mut missing = Vec::new();
    if nginx().is_none() {
        missing.push("nginx");
    }
    if !curl_h() {
        missing.push("libcurl4-openssl-dev");
    }
    for (tool, package) in [
        ("cc", "gcc"),
        ("openssl", "openssl"),
        ("valgrind", "valgrind"),
    ] {
        if find_in_path(tool).is_none() {
            missing.push(package);
        }
    }
    if !missing.is_empty() {
        eprintln!("==> apt-get install -y {}", missing.join(" "));
        let ok = Command::new("apt-get")
            .arg("update")
            .status()
            .is_ok_and(|s| s.success())
            && Command::new("apt-get")
                .args(["install", "-y"])
                .args(&missing)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            return Err(io::Error::other(format!(
                "could not install {}",
                missing.join(" ")
            )));
        }
    }
    nginx().ok_or_else(|| io::Error::other("nginx not found after install"))
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Builds libfetch and the Rust driver (release), then the C clients.
fn build(root: &Path, target: &Path, out: &Path) -> io::Result<Bins> {
    eprintln!("==> cargo build --release -p fetch-capi -p fetch-bench-driver");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "fetch-capi",
            "-p",
            "fetch-bench-driver",
        ])
        .status()?
        .success();
    if !ok {
        return Err(io::Error::other("cargo build --release failed"));
    }
    let release = target.join("release");
    let bin = out.join("bin");
    std::fs::create_dir_all(&bin)?;
    let bins = Bins {
        libcurl: bin.join("driver-libcurl"),
        libfetch: bin.join("driver-libfetch"),
        rust: release.join("fetch-bench-driver"),
        floor: bin.join("floor"),
    };
    let src = root.join("bench");
    let cc = |args: &[&std::ffi::OsStr]| -> io::Result<()> {
        let mut cmd = Command::new("cc");
        cmd.args(["-O2", "-g", "-Wall", "-Wextra", "-Werror"])
            .args(args);
        if cmd.status()?.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!("cc failed: {cmd:?}")))
        }
    };
    let s = |p: &Path| p.as_os_str().to_owned();
    let driver = s(&src.join("driver.c"));
    cc(&[
        "-o".as_ref(),
        s(&bins.libcurl).as_ref(),
        driver.as_ref(),
        "-lcurl".as_ref(),
    ])?;
    let include = format!("-I{}", root.join("crates/fetch-capi/include").display());
    cc(&[
        "-DUSE_FETCH".as_ref(),
        include.as_ref(),
        "-o".as_ref(),
        s(&bins.libfetch).as_ref(),
        driver.as_ref(),
        s(&release.join("libfetch.a")).as_ref(),
        "-lpthread".as_ref(),
        "-ldl".as_ref(),
        "-lm".as_ref(),
    ])?;
    cc(&[
        "-o".as_ref(),
        s(&bins.floor).as_ref(),
        s(&src.join("floor.c")).as_ref(),
    ])?;
    Ok(bins)
}
