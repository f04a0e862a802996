//! The performance targets of issue 13 (the engine re-laid by concern),
//! judged from the same bench run as issue 8's and, for the timer
//! target, from the last `cargo xtask soak`.

use std::path::Path;

use super::report::{Target, figures};
use super::{Bench, Client};

/// Every issue-13 target, in the order the issue lists them.
pub(crate) fn targets(bench: &Bench, root: &Path) -> Vec<Target> {
    vec![
        instructions(bench),
        cpu_vs_floor(bench),
        limited(bench),
        scaling_vs_floor(bench),
        rss_per_conn(bench),
        timers(root),
    ]
}

fn instructions(bench: &Bench) -> Target {
    const NAME: &str = "A: instructions per transfer (callgrind)";
    const GOAL: &str = "≤ 6,000 (floor about 2,100)";
    let ir = |c: &str| bench.instructions.iter().find(|i| i.client == c);
    let Some(n) = ir("libfetch") else {
        return Target::missing(NAME, GOAL, "no callgrind run");
    };
    let floor = ir("floor").map_or("n/a".into(), |f| format!("{:.0}", f.per_transfer()));
    Target {
        name: NAME,
        goal: GOAL,
        measured: format!(
            "{:.0} per transfer, whole process (marginal {:.0}); floor {floor}",
            n.per_transfer(),
            n.marginal()
        ),
        met: Some(n.per_transfer() <= 6_000.0),
    }
}

fn cpu_vs_floor(bench: &Bench) -> Target {
    const NAME: &str = "A: CPU per transfer vs the floor";
    const GOAL: &str = "≤ 1.2 × floor";
    let mut t = Target::cpu_ratio(
        bench,
        (NAME, GOAL),
        "A",
        (Client::Libfetch, Client::Floor),
        1.2,
    );
    // Informative, not the judged figure: the same against the floor that
    // pays A's timer round for each batch of next requests (row AR).
    if let (Some(n), Some(r)) = (
        figures(bench, "A", Client::Libfetch),
        figures(bench, "AR", Client::Floor),
    ) {
        t.measured.push_str(&format!(
            "; against the floor paying the timer round (AR, {:.1} µs): {:.2}×",
            r.cpu_us_per_transfer,
            n.cpu_us_per_transfer / r.cpu_us_per_transfer
        ));
    }
    t
}

fn limited(bench: &Bench) -> Target {
    const NAME: &str =
        "Limited: CPU per transfer, MAX_HOST_CONNECTIONS 8 with all added vs 8 in flight";
    const GOAL: &str = "≤ 1.2 × (L8 vs U8)";
    let ratio = |c: Client| match (figures(bench, "L8", c), figures(bench, "U8", c)) {
        (Some(l), Some(u)) => Some((
            l.cpu_us_per_transfer / u.cpu_us_per_transfer,
            l.cpu_us_per_transfer,
            u.cpu_us_per_transfer,
        )),
        _ => None,
    };
    let Some((r, l, u)) = ratio(Client::Libfetch) else {
        return Target::missing(NAME, GOAL, "workloads L8 and U8");
    };
    let ctx = |c: Client| ratio(c).map_or("n/a".into(), |(r, _, _)| format!("{r:.2}×"));
    Target {
        name: NAME,
        goal: GOAL,
        measured: format!(
            "{r:.2}× ({l:.1} vs {u:.1} µs); libcurl {}, rust-driver {}",
            ctx(Client::Libcurl),
            ctx(Client::RustDriver)
        ),
        met: Some(r <= 1.2),
    }
}

/// The large scaling run's key: S10k, or S2k with --quick.
fn big_key(bench: &Bench) -> &'static str {
    bench
        .workloads
        .iter()
        .map(|(w, _)| w.key)
        .find(|k| k.starts_with('S') && *k != "S100")
        .unwrap_or("S10k")
}

fn scaling_vs_floor(bench: &Bench) -> Target {
    const NAME: &str =
        "10k connections: CPU per transfer growth (many vs 100 connections) vs the floor's";
    const GOAL: &str = "≤ 1.1 × the floor's growth";
    let big = big_key(bench);
    let growth = |c: Client| match (figures(bench, big, c), figures(bench, "S100", c)) {
        (Some(b), Some(s)) => Some(b.cpu_us_per_transfer / s.cpu_us_per_transfer),
        _ => None,
    };
    match (growth(Client::Libfetch), growth(Client::Floor)) {
        (Some(n), Some(f)) => Target {
            name: NAME,
            goal: GOAL,
            measured: format!(
                "{:.2}× (libfetch grows {n:.2}×, floor {f:.2}× at {big})",
                n / f
            ),
            met: Some(n / f <= 1.1),
        },
        _ => Target::missing(NAME, GOAL, "scaling workloads"),
    }
}

fn rss_per_conn(bench: &Bench) -> Target {
    const NAME: &str = "10k connections: RSS per connection";
    const GOAL: &str = "≤ 4.5 KiB";
    let big = big_key(bench);
    let Some(n) = figures(bench, big, Client::Libfetch) else {
        return Target::missing(NAME, GOAL, "scaling workload");
    };
    let ctx = |c: Client| {
        figures(bench, big, c).map_or("n/a".into(), |x| format!("{:.1}", x.rss_per_conn_kib))
    };
    Target {
        name: NAME,
        goal: GOAL,
        measured: format!(
            "{:.1} KiB at {big}; libcurl {}, floor {} KiB",
            n.rss_per_conn_kib,
            ctx(Client::Libcurl),
            ctx(Client::Floor)
        ),
        met: Some(n.rss_per_conn_kib <= 4.5),
    }
}

fn timers(root: &Path) -> Target {
    const NAME: &str = "Timers: peak RSS with TIMEOUT on every transfer (soak)";
    const GOAL: &str = "< 10 % growth, 100,000 → 1,000,000 transfers";
    let path = crate::soak::soak_record_path(root);
    let Some(v) = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
    else {
        return Target::missing(NAME, GOAL, "run `cargo xtask soak` first");
    };
    let n = |k: &str| v.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let (a, b) = (n("peak_rss_kib_at_check"), n("peak_rss_kib_at_end"));
    let growth = (b as f64 / a.max(1) as f64 - 1.0) * 100.0;
    let full = n("check_at") == 100_000 && n("total") == 1_000_000;
    Target {
        name: NAME,
        goal: GOAL,
        measured: format!(
            "{growth:+.1} % ({a} → {b} KiB between {} and {} transfers, TIMEOUT {} s, {} in flight{})",
            n("check_at"),
            n("total"),
            n("timeout_secs"),
            n("in_flight"),
            if full { "" } else { "; a --quick soak" }
        ),
        met: full.then_some(growth < 10.0),
    }
}
