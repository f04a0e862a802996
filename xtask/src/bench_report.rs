//! The bench's outputs: the targets from issue 8 judged against the
//! measurements, `docs/bench/RESULTS.md` and `target/bench/results.json`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde::Serialize;
use serde_json::json;

use super::{Bench, Client, Figures, Outcome};

/// Where the numbers were taken.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Machine {
    pub(crate) date: String,
    pub(crate) nproc: usize,
    pub(crate) cpu_model: String,
    pub(crate) kernel: String,
    pub(crate) nginx: String,
    pub(crate) curl_config: String,
    pub(crate) load_at_start: String,
    /// `git describe --always --dirty` of the workspace.
    pub(crate) revision: String,
}

impl Machine {
    pub(crate) fn probe(root: &Path, nginx: &str) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|x| x.1.trim())
            })
            .unwrap_or("unknown")
            .to_owned();
        let read = |p: &str| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let cmd = |prog: &str, args: &[&str]| {
            Command::new(prog)
                .args(args)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .unwrap_or_default()
        };
        Self {
            date: cmd("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model,
            kernel: read("/proc/sys/kernel/osrelease"),
            nginx: nginx.to_owned(),
            curl_config: cmd("curl-config", &["--version"]),
            load_at_start: read("/proc/loadavg"),
            revision: Some(cmd(
                "git",
                &[
                    "-C",
                    &root.to_string_lossy(),
                    "describe",
                    "--always",
                    "--dirty",
                ],
            ))
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "unknown".into()),
        }
    }
}

/// One target of the issue and whether the measurement meets it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Target {
    pub(crate) name: &'static str,
    pub(crate) goal: &'static str,
    pub(crate) measured: String,
    /// `None`: not judged (a figure is missing).
    pub(crate) met: Option<bool>,
}

impl Target {
    /// A target that cannot be judged: `what` was not measured.
    pub(crate) fn missing(name: &'static str, goal: &'static str, what: &str) -> Self {
        Self {
            name,
            goal,
            measured: format!("missing figure ({what})"),
            met: None,
        }
    }

    /// CPU per transfer of `client` over `base` on `workload`, met when the
    /// ratio is at most `limit`.
    pub(crate) fn cpu_ratio(
        bench: &Bench,
        (name, goal): (&'static str, &'static str),
        workload: &str,
        (client, base): (Client, Client),
        limit: f64,
    ) -> Self {
        let (Some(n), Some(b)) = (
            figures(bench, workload, client),
            figures(bench, workload, base),
        ) else {
            return Self::missing(name, goal, &format!("workload {workload}"));
        };
        let r = n.cpu_us_per_transfer / b.cpu_us_per_transfer;
        Self {
            name,
            goal,
            measured: format!(
                "{r:.2}× ({:.1} vs {:.1} µs)",
                n.cpu_us_per_transfer, b.cpu_us_per_transfer
            ),
            met: Some(r <= limit),
        }
    }
}

pub(crate) fn figures(bench: &Bench, key: &str, client: Client) -> Option<Figures> {
    let (_, outcomes) = bench.workloads.iter().find(|(w, _)| w.key == key)?;
    match outcomes.iter().find(|(c, _)| *c == client)? {
        (_, Outcome::Measured { median, .. }) => Some(*median),
        _ => None,
    }
}

/// The scaling run's key: S10k, or S2k with --quick.
fn big_scaling_key(bench: &Bench) -> &'static str {
    bench
        .workloads
        .iter()
        .map(|(w, _)| w.key)
        .find(|k| k.starts_with('S') && *k != "S100")
        .unwrap_or("S10k")
}

pub(crate) fn targets(bench: &Bench) -> Vec<Target> {
    use Client::{Floor, Libcurl, Libfetch, RustDriver};
    let f = |key, c| figures(bench, key, c);
    let mut out = Vec::new();
    let mut ratio_target = |name,
                            goal,
                            key: &'static str,
                            pick: fn(&Figures) -> f64,
                            den: Client,
                            at_most: Option<f64>,
                            at_least: Option<f64>,
                            unit: &str| {
        let (num, d) = (f(key, Libfetch), f(key, den));
        let (measured, met) = match (num, d) {
            (Some(n), Some(d)) => {
                let r = pick(&n) / pick(&d);
                let rust = f(key, RustDriver)
                    .map(|x| format!("; rust-driver {:.2}×", pick(&x) / pick(&d)))
                    .unwrap_or_default();
                (
                    format!(
                        "{:.2}× ({:.1} vs {:.1} {unit}{rust})",
                        r,
                        pick(&n),
                        pick(&d)
                    ),
                    Some(at_most.is_none_or(|m| r <= m) && at_least.is_none_or(|m| r >= m)),
                )
            }
            _ => ("missing figure".to_owned(), None),
        };
        out.push(Target {
            name,
            goal,
            measured,
            met,
        });
    };
    let cpu = |x: &Figures| x.cpu_us_per_transfer;
    let mbps = |x: &Figures| x.mb_per_s;
    ratio_target(
        "A: CPU per transfer",
        "≤ 0.5 × libcurl",
        "A",
        cpu,
        Libcurl,
        Some(0.5),
        None,
        "µs",
    );
    ratio_target(
        "B: CPU per transfer",
        "≤ 0.5 × libcurl",
        "B",
        cpu,
        Libcurl,
        Some(0.5),
        None,
        "µs",
    );
    ratio_target(
        "C: throughput vs libcurl",
        "≥ 1.5 × libcurl",
        "C",
        mbps,
        Libcurl,
        None,
        Some(1.5),
        "MB/s",
    );
    ratio_target(
        "C: throughput vs floor",
        "≥ 0.9 × floor",
        "C",
        mbps,
        Floor,
        None,
        Some(0.9),
        "MB/s",
    );

    let ir = |c: &str| bench.instructions.iter().find(|i| i.client == c);
    out.insert(
        1,
        match (ir("libfetch"), ir("libcurl")) {
            (Some(n), Some(d)) => {
                let r = n.per_transfer() / d.per_transfer();
                Target {
                    name: "A: instructions per transfer (callgrind)",
                    goal: "≤ 0.35 × libcurl",
                    measured: format!(
                        "{r:.2}× ({:.0} vs {:.0} per transfer, whole process; marginal {:.2}×)",
                        n.per_transfer(),
                        d.per_transfer(),
                        n.marginal() / d.marginal()
                    ),
                    met: Some(r <= 0.35),
                }
            }
            _ => Target {
                name: "A: instructions per transfer (callgrind)",
                goal: "≤ 0.35 × libcurl",
                measured: "not measured".into(),
                met: None,
            },
        },
    );

    let big = big_scaling_key(bench);
    out.push(match (f(big, Libfetch), f("S100", Libfetch)) {
        (Some(b), Some(s)) => {
            let r = b.cpu_us_per_transfer / s.cpu_us_per_transfer;
            let ctx = |c: Client| match (f(big, c), f("S100", c)) {
                (Some(b), Some(s)) => {
                    format!("{:.2}×", b.cpu_us_per_transfer / s.cpu_us_per_transfer)
                }
                _ => "n/a".into(),
            };
            Target {
                name: "Scaling: CPU per transfer, many vs 100 connections",
                goal: "≤ 1.2 × (at 10k vs at 100)",
                measured: format!(
                    "{r:.2}× at {big} ({:.1} vs {:.1} µs); libcurl {}, floor {}",
                    b.cpu_us_per_transfer,
                    s.cpu_us_per_transfer,
                    ctx(Libcurl),
                    ctx(Floor)
                ),
                met: Some(r <= 1.2),
            }
        }
        _ => Target {
            name: "Scaling: CPU per transfer, many vs 100 connections",
            goal: "≤ 1.2 × (at 10k vs at 100)",
            measured: "missing figure".into(),
            met: None,
        },
    });
    out.push(match f(big, Libfetch) {
        Some(b) => {
            let ctx = |c: Client| {
                f(big, c).map_or("n/a".into(), |x| format!("{:.1}", x.rss_per_idle_conn_kib))
            };
            Target {
                name: "RSS per idle connection",
                goal: "≤ 16 KiB",
                measured: format!(
                    "{:.1} KiB at {big}; libcurl {}, rust-driver {}, floor {} KiB",
                    b.rss_per_idle_conn_kib,
                    ctx(Libcurl),
                    ctx(RustDriver),
                    ctx(Floor)
                ),
                met: Some(b.rss_per_idle_conn_kib <= 16.0),
            }
        }
        None => Target {
            name: "RSS per idle connection",
            goal: "≤ 16 KiB",
            measured: "missing figure".into(),
            met: None,
        },
    });
    out
}

/// The top of callgrind_annotate's listing for the libfetch driver.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Profile {
    pub(crate) file: String,
    pub(crate) self_cost: Vec<String>,
    pub(crate) inclusive: Vec<String>,
}

impl Profile {
    const LINES: usize = 30;

    pub(crate) fn annotate(file: &Path) -> std::io::Result<Self> {
        let listing = |inclusive: &str| -> std::io::Result<Vec<String>> {
            let out = Command::new("callgrind_annotate")
                .arg(format!("--inclusive={inclusive}"))
                .arg(file)
                .output()?;
            let text = String::from_utf8_lossy(&out.stdout);
            // The function table follows the second "Ir ... file:function"
            // header; keep its first lines.
            let lines: Vec<&str> = text.lines().collect();
            let start = lines
                .iter()
                .position(|l| l.contains("file:function"))
                .map_or(0, |i| i + 2);
            Ok(lines[start.min(lines.len())..]
                .iter()
                .take_while(|l| !l.trim().is_empty())
                .take(Self::LINES)
                .map(|l| shorten(l))
                .collect())
        };
        Ok(Self {
            file: file.display().to_string(),
            self_cost: listing("no")?,
            inclusive: listing("yes")?,
        })
    }
}

/// One callgrind_annotate line without the object file in brackets and
/// with the toolchain and registry prefixes of source paths cut.
fn shorten(line: &str) -> String {
    let mut l = line.trim_end();
    if l.ends_with(']') {
        if let Some(i) = l.rfind(" [") {
            l = &l[..i];
        }
    }
    let mut out = l.to_owned();
    for (marker, keep) in [("/library/", "std/"), ("/index.crates.io-", "")] {
        while let Some(i) = out.find(marker) {
            let start = out[..i].rfind(' ').map_or(0, |s| s + 1);
            let end = if keep.is_empty() {
                // skip the registry directory name after the marker
                out[i + marker.len()..]
                    .find('/')
                    .map_or(out.len(), |j| i + marker.len() + j + 1)
            } else {
                i + marker.len()
            };
            out.replace_range(start..end, keep);
        }
    }
    out
}

pub(crate) fn fmt_num(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    let s = format!("{x:.decimals$}");
    // thousands separators on the integer part
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn ratio(n: Option<f64>, d: Option<f64>) -> String {
    match (n, d) {
        (Some(n), Some(d)) if d > 0.0 && !n.is_nan() && !d.is_nan() => format!("{:.2}", n / d),
        _ => "—".into(),
    }
}

fn libcurl_version(bench: &Bench) -> String {
    bench
        .workloads
        .iter()
        .flat_map(|(_, o)| o.iter())
        .find_map(|(c, o)| match (c, o) {
            (Client::Libcurl, Outcome::Measured { all, .. }) => {
                all.first().map(|r| r.library.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| format!("libcurl {}", bench.machine.curl_config))
}

pub(crate) fn markdown(
    bench: &Bench,
    targets: &[Target],
    targets13: &[Target],
    targets15: &[Target],
) -> String {
    let m = &bench.machine;
    let mut s = String::new();
    let cmd = if bench.quick {
        "cargo xtask bench --quick"
    } else {
        "cargo xtask bench"
    };
    let _ = writeln!(s, "# libfetch benchmark results\n");
    let _ = writeln!(
        s,
        "Written by `{cmd}` on {}. Not a CI gate: the numbers come from a shared \
         {}-core machine with other builds running, so wall-clock and CPU figures are noisy; \
         the callgrind instruction counts are the robust figure.\n",
        m.date, m.nproc
    );
    let _ = writeln!(s, "## Setup\n");
    let _ = writeln!(
        s,
        "- Machine: {} × {} ({} cores seen), Linux {}",
        m.nproc, m.cpu_model, m.nproc, m.kernel
    );
    let _ = writeln!(
        s,
        "- Load average when the bench started: {}",
        m.load_at_start
    );
    let _ = writeln!(s, "- libcurl: {}", libcurl_version(bench));
    let _ = writeln!(
        s,
        "- libfetch: {} at {} (release build, `target/release/libfetch.a`)",
        env!("CARGO_PKG_VERSION"),
        m.revision
    );
    let _ = writeln!(
        s,
        "- Server: {} on 127.0.0.1, 1 worker, keep-alive (no request limit), access_log off, sendfile on",
        m.nginx
    );
    let _ = writeln!(
        s,
        "- Backend: epoll. The C clients (libcurl, libfetch) run one app-owned epoll + timerfd \
         loop through socket_action (`bench/driver.c`, one source for both); the Rust driver \
         runs fetch-core's Rust API on mio (epoll, edge-triggered); the floor is a bare \
         epoll keep-alive client (`bench/floor.c`)"
    );
    let _ = writeln!(
        s,
        "- Figures: median of {} run(s) per client and workload, clients interleaved; \
         whole bench took {:.0} s\n",
        bench.runs,
        bench.took.as_secs_f64()
    );

    target_table(&mut s, "Targets (issue 8)", targets);
    target_table(&mut s, "Targets (issue 13)", targets13);
    target_table(&mut s, "Targets (issue 15)", targets15);
    super::h2::connections_table(&mut s, bench);
    if bench.quick {
        let _ = writeln!(
            s,
            "\n--quick scales every workload down (one run each, scaling at 2,000 \
             connections): its verdicts are indicative only."
        );
    }

    let _ = writeln!(s, "\n## Results\n");
    let _ = writeln!(
        s,
        "CPU is user + system time of the client process (getrusage) over the transfers it \
         completed; transfers/s and MB/s use its wall time; peak RSS is VmHWM from /proc/self/status (ru_maxrss would also count the RSS of the \
         spawning xtask, which Linux carries across exec); RSS/conn is \
         (peak RSS − RSS before the first transfer) ÷ peak sockets; RSS/idle conn is (RSS with \
         only idle pooled connections left, after freeing the transfers and `malloc_trim` − \
         RSS before the first transfer) ÷ open sockets; callbacks/transfer count the \
         application's timer and socket callback invocations (each timer callback costs the C \
         driver one timerfd_settime). Ratios are libfetch ÷ libcurl etc.: \
         below 1 is better for CPU and RSS, above 1 is better for transfers/s and MB/s.\n"
    );
    let _ = writeln!(
        s,
        "| Workload | Figure | libcurl | libfetch | rust-driver | floor | libfetch/libcurl | libfetch/floor | rust-driver/libcurl |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    type Pick = fn(&Figures) -> f64;
    let rows: [(&str, Pick, usize); 8] = [
        ("CPU µs/transfer", |x| x.cpu_us_per_transfer, 1),
        ("transfers/s", |x| x.transfers_per_s, 0),
        ("MB/s", |x| x.mb_per_s, 1),
        ("peak RSS MiB", |x| x.peak_rss_mib, 1),
        ("RSS/conn KiB", |x| x.rss_per_conn_kib, 1),
        ("RSS/idle conn KiB", |x| x.rss_per_idle_conn_kib, 1),
        (
            "timer callbacks/transfer",
            |x| x.timer_calls_per_transfer,
            2,
        ),
        (
            "socket callbacks/transfer",
            |x| x.socket_calls_per_transfer,
            2,
        ),
    ];
    let mut notes = Vec::new();
    for (w, outcomes) in &bench.workloads {
        let get = |c: Client| outcomes.iter().find(|(x, _)| *x == c).map(|(_, o)| o);
        for (i, (label, pick, dec)) in rows.iter().enumerate() {
            let val = |c: Client| match get(c) {
                Some(Outcome::Measured { median, .. }) => Some(pick(median)),
                _ => None,
            };
            let cell = |c: Client| match get(c) {
                Some(Outcome::Measured { median, .. }) => {
                    let mark = if median.failed > 0.0 { " †" } else { "" };
                    format!("{}{mark}", fmt_num(pick(median), *dec))
                }
                Some(Outcome::NotRun { reason }) if i == 0 => format!("not run: {reason}"),
                Some(Outcome::Failed { reason }) if i == 0 => format!("failed: {reason}"),
                Some(_) => "″".into(),
                None => "—".into(),
            };
            let first = if i == 0 { w.title.as_str() } else { "" };
            let _ = writeln!(
                s,
                "| {first} | {label} | {} | {} | {} | {} | {} | {} | {} |",
                cell(Client::Libcurl),
                cell(Client::Libfetch),
                cell(Client::RustDriver),
                cell(Client::Floor),
                ratio(val(Client::Libfetch), val(Client::Libcurl)),
                ratio(val(Client::Libfetch), val(Client::Floor)),
                ratio(val(Client::RustDriver), val(Client::Libcurl)),
            );
        }
        for (c, o) in outcomes {
            if let Outcome::Measured { median, .. } = o {
                if median.failed > 0.0 {
                    notes.push(format!(
                        "† {} in {}: {} failed transfers over all runs",
                        c.name(),
                        w.key,
                        median.failed
                    ));
                }
            }
        }
    }
    for n in notes {
        let _ = writeln!(s, "\n{n}");
    }

    let _ = writeln!(s, "\n## Instructions (callgrind, workload A)\n");
    match &bench.callgrind_note {
        Some(note) => {
            let _ = writeln!(s, "{note}");
        }
        None => {
            let n = bench.instructions.first().map_or(0, |i| i.transfers);
            let _ = writeln!(
                s,
                "`valgrind --tool=callgrind CLIENT URL N 100` for 1 KiB GETs, whole process \
                 (start-up, library init and connection set-up included), N = {n}; \
                 \"marginal\" is (Ir at N − Ir at N/2) ÷ (N/2): the steady-state cost of one \
                 more transfer on warm keep-alive connections.\n"
            );
            let _ = writeln!(
                s,
                "| Client | Ir (N = {n}) | Ir/transfer | vs libcurl | marginal Ir/transfer | vs libcurl |"
            );
            let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
            let curl = bench.instructions.iter().find(|i| i.client == "libcurl");
            for i in &bench.instructions {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} |",
                    i.client,
                    fmt_num(i.total_ir as f64, 0),
                    fmt_num(i.per_transfer(), 0),
                    ratio(Some(i.per_transfer()), curl.map(|c| c.per_transfer())),
                    fmt_num(i.marginal(), 0),
                    ratio(Some(i.marginal()), curl.map(|c| c.marginal())),
                );
            }
        }
    }

    if let Some(p) = &bench.profile {
        let _ = writeln!(
            s,
            "\n## Profile of the libfetch driver (a target is not met)\n"
        );
        let _ = writeln!(
            s,
            "`callgrind_annotate` of `{}` (the N-transfer run above). Self cost, top {}:\n",
            p.file,
            p.self_cost.len()
        );
        let _ = writeln!(s, "```text\n{}\n```\n", p.self_cost.join("\n"));
        let _ = writeln!(s, "Inclusive cost, top {}:\n", p.inclusive.len());
        let _ = writeln!(s, "```text\n{}\n```", p.inclusive.join("\n"));
    }

    let _ = writeln!(s, "\n## Workloads\n");
    for (w, _) in &bench.workloads {
        let _ = writeln!(
            s,
            "- **{}**: `{}`{}, {} transfers, {} in flight",
            w.key,
            w.file,
            if w.tls {
                " over HTTPS (a test CA made with openssl)"
            } else {
                ""
            },
            w.total,
            w.concurrency
        );
    }
    let _ = writeln!(
        s,
        "\nThe scaling pair (S100 and the many-connection run) keeps 10 transfers per \
         connection (5 with --quick) at both sizes, so connection set-up weighs the same \
         per transfer; the target compares libfetch's CPU per transfer between the two. \
         Raw per-run JSON lines are in `target/bench/runs/` and everything above in \
         `target/bench/results.json`."
    );
    s
}

pub(crate) fn target_table(s: &mut String, title: &str, targets: &[Target]) {
    let _ = writeln!(s, "## {title}\n");
    let _ = writeln!(s, "| Target | Goal | Measured (libfetch C ABI) | Status |");
    let _ = writeln!(s, "|---|---|---|---|");
    for t in targets {
        let status = match t.met {
            Some(true) => "met",
            Some(false) => "**not met**",
            None => "not judged",
        };
        let _ = writeln!(s, "| {} | {} | {} | {status} |", t.name, t.goal, t.measured);
    }
    s.push('\n');
}

pub(crate) fn json(
    bench: &Bench,
    targets: &[Target],
    targets13: &[Target],
    targets15: &[Target],
) -> String {
    let workloads: Vec<_> = bench
        .workloads
        .iter()
        .map(|(w, outcomes)| {
            let clients: serde_json::Map<String, serde_json::Value> = outcomes
                .iter()
                .map(|(c, o)| {
                    (
                        c.name().to_owned(),
                        serde_json::to_value(o).unwrap_or_default(),
                    )
                })
                .collect();
            json!({ "workload": w, "clients": clients })
        })
        .collect();
    let instructions: Vec<_> = bench
        .instructions
        .iter()
        .map(|i| {
            json!({
                "client": i.client,
                "transfers": i.transfers,
                "ir_total": i.total_ir,
                "ir_half": i.half_ir,
                "ir_per_transfer": i.per_transfer(),
                "ir_marginal_per_transfer": i.marginal(),
                "out_file": i.out_file,
            })
        })
        .collect();
    let v = json!({
        "quick": bench.quick,
        "runs": bench.runs,
        "machine": bench.machine,
        "libcurl": libcurl_version(bench),
        "libfetch": env!("CARGO_PKG_VERSION"),
        "backend": "epoll",
        "seconds": bench.took.as_secs_f64(),
        "targets": targets,
        "targets_issue13": targets13,
        "targets_issue15": targets15,
        "workloads": workloads,
        "instructions": instructions,
        "callgrind_note": bench.callgrind_note,
        "profile": bench.profile,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
