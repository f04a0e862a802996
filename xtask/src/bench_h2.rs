//! The HTTP/2 workloads of issue 15 and their targets: nginx's HTTP/2
//! listener (TLS, ALPN h2), every transfer with PIPEWAIT and the clients
//! held to one connection per host (MAX_HOST_CONNECTIONS 1), so all the
//! streams of a workload multiplex on one TCP connection.
//!
//! - H2S: 20,000 × 1 KiB (2,000 with --quick), 100 streams in flight:
//!   the per-stream cost (HEADERS, HPACK, DATA, WINDOW_UPDATE, stream
//!   set-up and tear-down).
//! - H2B: 8 × 256 MiB (2 × 32 MiB with --quick), 4 streams in flight:
//!   bulk throughput through TLS and HTTP/2 framing and flow control.

use std::fmt::Write as _;

use super::report::{Target, figures, fmt_num};
use super::{Bench, Client, Outcome, Workload};

/// The two HTTP/2 workloads; `big` is the size of `big.bin`.
pub(crate) fn workloads(quick: bool, big: u64) -> Vec<Workload> {
    let (small, bulk) = if quick { (2_000, 2) } else { (20_000, 8) };
    let w = |key, title: String, file, total, concurrency| Workload {
        key,
        title,
        file,
        total,
        concurrency,
        tls: true,
        max_host: 1,
        encoding: None,
        h2: true,
        timeout_loop: false,
        floor_rounds: false,
    };
    vec![
        w(
            "H2S",
            format!("H2S: {small} × 1 KiB over HTTPS with HTTP/2, 100 streams on one connection"),
            "1k.bin",
            small,
            100,
        ),
        w(
            "H2B",
            format!(
                "H2B: {bulk} × {} MiB over HTTPS with HTTP/2, 4 streams on one connection",
                big >> 20
            ),
            "big.bin",
            bulk,
            4,
        ),
    ]
}

/// Every issue-15 target, in the order the issue lists them.
pub(crate) fn targets(bench: &Bench) -> Vec<Target> {
    vec![
        small_cpu(bench),
        bulk_throughput(bench),
        one_connection(bench),
    ]
}

fn small_cpu(bench: &Bench) -> Target {
    const NAME: &str = "H2S: CPU per transfer over HTTP/2";
    const GOAL: &str = "≤ 0.5 × libcurl";
    Target::cpu_ratio(
        bench,
        (NAME, GOAL),
        "H2S",
        (Client::Libfetch, Client::Libcurl),
        0.5,
    )
}

fn bulk_throughput(bench: &Bench) -> Target {
    const NAME: &str = "H2B: bulk throughput over HTTP/2";
    const GOAL: &str = "≥ 1 × libcurl";
    match (
        figures(bench, "H2B", Client::Libfetch),
        figures(bench, "H2B", Client::Libcurl),
    ) {
        (Some(n), Some(c)) => {
            let r = n.mb_per_s / c.mb_per_s;
            Target {
                name: NAME,
                goal: GOAL,
                measured: format!(
                    "{r:.2}× ({:.1} vs {:.1} MB/s; CPU {:.2} vs {:.2} s)",
                    n.mb_per_s, c.mb_per_s, n.cpu_s, c.cpu_s
                ),
                met: Some(r >= 1.0),
            }
        }
        _ => Target::missing(NAME, GOAL, "workload H2B"),
    }
}

/// The largest connection count and the fewest HTTP/2 transfers over a
/// client's runs of a workload.
fn conns(bench: &Bench, key: &str, client: Client) -> Option<(u64, u64, u64)> {
    let (_, outcomes) = bench.workloads.iter().find(|(w, _)| w.key == key)?;
    let Some((_, Outcome::Measured { all, .. })) = outcomes.iter().find(|(c, _)| *c == client)
    else {
        return None;
    };
    let connects = all.iter().map(|r| r.connects).max()??;
    let http2 = all.iter().map(|r| r.http2.unwrap_or(0)).min()?;
    let done = all.iter().map(|r| r.ok + r.failed).min()?;
    Some((connects, http2, done))
}

fn one_connection(bench: &Bench) -> Target {
    const NAME: &str = "H2S: TCP connections for the whole small workload";
    const GOAL: &str = "1, every transfer over HTTP/2";
    let Some((n, h2, done)) = conns(bench, "H2S", Client::Libfetch) else {
        return Target::missing(NAME, GOAL, "workload H2S with connection counts");
    };
    let curl = conns(bench, "H2S", Client::Libcurl).map_or("n/a".into(), |(c, h, d)| {
        format!("{c} ({h} of {d} over HTTP/2)")
    });
    Target {
        name: NAME,
        goal: GOAL,
        measured: format!("{n} ({h2} of {done} transfers over HTTP/2, worst run); libcurl {curl}"),
        met: Some(n == 1 && h2 == done),
    }
}

/// Per client and HTTP/2 workload: connections opened (the sum of
/// INFO_NUM_CONNECTS over the transfers), peak sockets, and how many
/// transfers were answered over HTTP/2; worst of the runs.
pub(crate) fn connections_table(s: &mut String, bench: &Bench) {
    let keys: Vec<&str> = bench
        .workloads
        .iter()
        .filter(|(w, _)| w.h2)
        .map(|(w, _)| w.key)
        .collect();
    if keys.is_empty() {
        return;
    }
    let _ = writeln!(s, "### HTTP/2 connections\n");
    let _ = writeln!(
        s,
        "Connections opened is the sum of INFO_NUM_CONNECTS over every transfer of the run; \
         peak sockets is the most sockets the socket callback had registered at once; \
         HTTP/2 transfers are those whose INFO_HTTP_VERSION said 2. The worst run of each \
         client is shown.\n"
    );
    let _ = writeln!(
        s,
        "| Workload | Client | Connections opened | Peak sockets | HTTP/2 transfers |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|");
    for key in keys {
        for c in [Client::Libcurl, Client::Libfetch, Client::RustDriver] {
            let Some((n, h2, done)) = conns(bench, key, c) else {
                continue;
            };
            let peak = figures_peak(bench, key, c);
            let _ = writeln!(
                s,
                "| {key} | {} | {} | {} | {} of {} |",
                c.name(),
                fmt_num(n as f64, 0),
                fmt_num(peak as f64, 0),
                fmt_num(h2 as f64, 0),
                fmt_num(done as f64, 0)
            );
        }
    }
    s.push('\n');
}

fn figures_peak(bench: &Bench, key: &str, client: Client) -> i64 {
    bench
        .workloads
        .iter()
        .find(|(w, _)| w.key == key)
        .and_then(|(_, o)| o.iter().find(|(c, _)| *c == client))
        .and_then(|(_, o)| match o {
            Outcome::Measured { all, .. } => all.iter().map(|r| r.peak_sockets).max(),
            _ => None,
        })
        .unwrap_or(-1)
}
