//! Every multi shares one process-wide resolver pool: twenty multis that
//! each look up a name add at most the pool's maximum of threads, and once
//! they are gone the pool's threads have been joined (DESIGN: Resolver).
//!
//! This file holds a single test: it counts the threads of the whole test
//! process, so nothing else may run beside it.
mod common;

use std::time::{Duration, Instant};

use common::App;
use fetch_core::{Easy, ErrorCode};

/// The most resolver threads the pool may run at once.
const POOL_MAX: usize = 4;
const MULTIS: usize = 20;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task is readable")
        .count()
}

#[test_log::test]
fn twenty_multis_share_a_bounded_pool_joined_when_done() {
    let before = threads();
    let mut apps: Vec<App> = (0..MULTIS).map(|_| App::new()).collect();
    // `.invalid` never resolves (RFC 6761) and, with no DNS configured,
    // fails fast; a failed lookup is exactly the case that used to leave a
    // thread behind.
    let ids: Vec<_> = apps
        .iter_mut()
        .map(|app| app.add(Easy::with_url("http://nonexistent.invalid/")))
        .collect();
    let mut peak = before;
    let end = Instant::now() + Duration::from_secs(20);
    let finished = |app: &App, id| app.done.iter().any(|m| m.transfer == id);
    while apps.iter().zip(&ids).any(|(a, &id)| !finished(a, id)) {
        assert!(Instant::now() < end, "lookups did not finish in 20 s");
        for (app, &id) in apps.iter_mut().zip(&ids) {
            if !finished(app, id) {
                app.step(Duration::from_millis(5));
            }
            peak = peak.max(threads());
        }
    }
    for (app, &id) in apps.iter().zip(&ids) {
        assert_eq!(app.code(id), ErrorCode::CouldntResolveHost.code());
    }
    let during = threads();
    drop(apps);
    let after = threads();
    eprintln!("threads: before {before}, peak {peak}, all done {during}, multis gone {after}");
    assert!(
        peak <= before + POOL_MAX,
        "{MULTIS} multis ran {} resolver threads at once; the pool allows {POOL_MAX}",
        peak - before
    );
    assert_eq!(
        after, before,
        "resolver threads still running after every multi was dropped"
    );
}
