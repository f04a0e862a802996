//! CB-01..CB-06 and docs/decisions.md 25: every exported function that takes a handle, called from
//! inside every callback on the handles in use, under valgrind.
//!
//! `tests/c/reentry.c` runs one real transfer per cell against the fixture
//! server (a POST, so the read callback runs too) and makes the call from
//! the first invocation of the cell's callback. The table below says what
//! each call must return; every cell must also leave valgrind silent: no
//! invalid read or write, no leak. The debug callback does not exist in
//! libfetch yet, so it has no column.
//!
//! Cells are batched one process per (mode, callback) to keep valgrind's
//! start-up cost down; the program marks each cell on stderr, so a valgrind
//! report is attributed to the cell that caused it.

mod cbuild;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use cbuild::{compile, crate_dir, require};
use fixtures::HttpServer;

const OK: i32 = 0;
const FETCHE_FAILED_INIT: i32 = 2;
const FETCHE_ABORTED_BY_CALLBACK: i32 = 42;
const FETCHE_RECURSIVE_API_CALL: i32 = 93;
const FETCHM_RECURSIVE_API_CALL: i32 = 8;

/// Callbacks of a multi transfer driven by socket_action.
const MULTI_CALLBACKS: &[&str] = &[
    "socket", "timer", "write", "header", "read", "xferinfo", "progress",
];
/// Callbacks of a `fetch_easy_perform` (no socket or timer callback there).
const PERFORM_CALLBACKS: &[&str] = &["write", "header", "read", "xferinfo", "progress"];

/// (function, code inside a multi's callback, code inside its own perform;
/// `None`: no multi handle is in use there).
const TABLE: &[(&str, i32, Option<i32>)] = &[
    // docs/decisions.md 25: retired at once, freed when the library is done with it.
    ("easy_cleanup", OK, Some(OK)),
    // Options and information: allowed, they touch only the handle's own
    // fields (the running transfer keeps the options it started with).
    ("easy_reset", OK, Some(OK)),
    ("easy_setopt", OK, Some(OK)),
    ("easy_getinfo", OK, Some(OK)),
    ("easy_duphandle", OK, Some(OK)),
    // CB-06: deferred to the end of the running call.
    ("easy_pause", OK, Some(OK)),
    // HM-04 (added: FAILED_INIT) and CB-05 (its own perform).
    (
        "easy_perform",
        FETCHE_FAILED_INIT,
        Some(FETCHE_RECURSIVE_API_CALL),
    ),
    // CB-01/CB-02: refused on the busy multi, as upstream.
    ("multi_add_handle", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_remove_handle", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_cleanup", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_setopt", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_socket_action", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_socket", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_socket_all", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_perform", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_timeout", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_fdset", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_waitfds", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_wait", FETCHM_RECURSIVE_API_CALL, None),
    ("multi_poll", FETCHM_RECURSIVE_API_CALL, None),
    // CB-03/CB-04: allowed.
    ("multi_assign", OK, None),
    ("multi_wakeup", OK, None),
    // No message yet: the transfer is still running.
    ("multi_info_read", 0, None),
    // The one entry names the easy handle (also while it is being added).
    ("multi_get_handles", 1, None),
];

fn compile_reentry() -> PathBuf {
    compile(&crate_dir().join("tests/c/reentry.c"), "reentry")
}

/// `key=N` in a result line.
fn field(line: &str, key: &str) -> i32 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

/// What one valgrind run of a batch said: result line and valgrind report
/// lines per cell, plus the run's own problems.
#[derive(Default)]
struct Batch {
    lines: BTreeMap<String, String>,
    reports: BTreeMap<String, Vec<String>>,
    problems: Vec<String>,
}

fn run_batch(exe: &PathBuf, url: &str, cells: &[String]) -> Batch {
    let out = Command::new("valgrind")
        .args([
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
        ])
        .arg(exe)
        .arg(url)
        .args(cells)
        .output()
        .expect("run valgrind");
    let mut b = Batch::default();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("cell ") {
            let name = rest.split_whitespace().next().unwrap_or_default();
            b.lines.insert(name.to_string(), line.to_string());
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut current = "start".to_string();
    for line in stderr.lines() {
        if let Some(name) = line.strip_prefix("=== cell ") {
            current = name.to_string();
        } else if line.starts_with("=== exit") {
            current = "exit (leaks)".to_string();
        } else if line.starts_with("==") {
            b.reports
                .entry(current.clone())
                .or_default()
                .push(line.to_string());
        }
    }
    if !out.status.success() {
        b.problems.push(format!(
            "batch {:?} exited with {:?}:\n{stderr}",
            cells.first(),
            out.status
        ));
    }
    b
}

/// CB-01..CB-06 and docs/decisions.md 25: the whole (function × callback) table, under valgrind.
#[test]
fn every_function_from_every_callback_is_refused_deferred_or_safe() {
    require("valgrind");
    let started = Instant::now();
    let server = HttpServer::start();
    let url = server.url("/echo");
    let exe = compile_reentry();

    // One batch per (mode, callback); the expected values by cell name.
    let mut batches: Vec<Vec<String>> = Vec::new();
    let mut expected: BTreeMap<String, (&str, &str, i32)> = BTreeMap::new();
    for &cb in MULTI_CALLBACKS {
        let mut batch = Vec::new();
        for &(f, code, _) in TABLE {
            let name = format!("multi/{cb}/{f}");
            expected.insert(name.clone(), ("multi", f, code));
            batch.push(name);
        }
        batches.push(batch);
    }
    for &cb in PERFORM_CALLBACKS {
        let mut batch = Vec::new();
        for &(f, _, code) in TABLE {
            if let Some(code) = code {
                let name = format!("perform/{cb}/{f}");
                expected.insert(name.clone(), ("perform", f, code));
                batch.push(name);
            }
        }
        batches.push(batch);
    }

    // Two workers: the machine has two cores.
    let queue = Mutex::new(batches);
    let results = Mutex::new(Batch::default());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let Some(batch) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let b = run_batch(&exe, &url, &batch);
                    let mut all = results.lock().unwrap();
                    all.lines.extend(b.lines);
                    for (k, v) in b.reports {
                        all.reports
                            .entry(format!("{k} [{}]", batch[0]))
                            .or_default()
                            .extend(v);
                    }
                    all.problems.extend(b.problems);
                }
            });
        }
    });
    let all = results.into_inner().unwrap();

    for line in all.lines.values() {
        eprintln!("{line}");
    }
    let mut failures = Vec::new();
    for (name, &(mode, f, code)) in &expected {
        let Some(line) = all.lines.get(name) else {
            failures.push(format!("{name}: no result line"));
            continue;
        };
        let mut check = |what: &str, got: i32, want: i32| {
            if got != want {
                failures.push(format!("{name}: {what}={got}, want {want} ({line})"));
            }
        };
        check("called", field(line, "called"), 1);
        check("code", field(line, "code"), code);
        let cleaned = f == "easy_cleanup";
        // After a cleanup no callback of the transfer reaches the
        // application again.
        check("after_cleanup", field(line, "after_cleanup"), 0);
        if mode == "multi" {
            check("add", field(line, "add"), OK);
            check("mcleanup", field(line, "mcleanup"), OK);
            // A handle cleaned up inside a callback gets no DONE message
            // and is no longer listed; every other transfer completes.
            check("done", field(line, "done"), i32::from(!cleaned));
            check("listed", field(line, "listed"), i32::from(!cleaned));
            if !cleaned {
                check("result", field(line, "result"), OK);
            }
            if name.starts_with("multi/timer/") {
                // The first timer callback comes from inside add_handle:
                // the case of the original use after free.
                check("in_add", field(line, "in_add"), 1);
            }
        } else {
            let want = if cleaned {
                FETCHE_ABORTED_BY_CALLBACK
            } else {
                OK
            };
            check("perform", field(line, "perform"), want);
        }
    }
    for (cell, report) in &all.reports {
        failures.push(format!("valgrind, {cell}:\n{}", report.join("\n")));
    }
    failures.extend(all.problems);
    eprintln!("{} cells in {:.1?}", expected.len(), started.elapsed());
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
