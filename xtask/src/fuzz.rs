//! `cargo xtask fuzz` and `cargo xtask miri`: the nightly-only checks.
//!
//! Both run through `rustup run nightly` because `cargo xtask` itself runs
//! on the stable toolchain (its `CARGO` points at stable's cargo, and `+nightly`
//! only works through the rustup proxy).

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// The fuzz targets in `fuzz/` and the sanitizer each is built with. The
/// codec and URL targets run safe code only (fetch-core forbids unsafe), so
/// they go without a sanitizer for throughput; the C ABI target runs with
/// AddressSanitizer (and its leak checker), which is what it is for.
pub(crate) const TARGETS: &[(&str, &str)] = &[
    ("response_decoder", "none"),
    ("chunked", "none"),
    ("header_lines", "none"),
    ("redirect_location", "none"),
    ("capi_sequence", "address"),
];

/// A nightly `cargo` with the variables the stable `cargo xtask` set removed.
fn nightly_cargo(root: &Path) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", "nightly", "cargo"]).current_dir(root);
    for var in [
        "CARGO",
        "RUSTC",
        "RUSTDOC",
        "RUSTUP_TOOLCHAIN",
        "CARGO_TARGET_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure the nightly toolchain and cargo-fuzz are there.
fn ensure_cargo_fuzz(root: &Path) -> Result<(), String> {
    if !succeeds(Command::new("rustup").args(["run", "nightly", "rustc", "--version"])) {
        eprintln!("==> installing the nightly toolchain");
        let ok = Command::new("rustup")
            .args(["toolchain", "install", "nightly", "--profile", "minimal"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("cannot install the nightly toolchain".into());
        }
    }
    if !succeeds(nightly_cargo(root).args(["fuzz", "--version"])) {
        eprintln!("==> installing cargo-fuzz");
        let ok = nightly_cargo(root)
            .args(["install", "cargo-fuzz", "--locked"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("cannot install cargo-fuzz".into());
        }
    }
    Ok(())
}

/// One libFuzzer `stat::NAME: VALUE` line's value from `-print_final_stats`.
pub(crate) fn final_stat(output: &str, name: &str) -> Option<u64> {
    let key = format!("stat::{name}:");
    output
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix(&key)?.trim().parse().ok())
}

/// Builds and runs each selected target for `secs` seconds; prints the
/// executions per target. Fails if a target fails to build or finds a crash.
pub(crate) fn run(root: &Path, secs: u64, only: Option<&str>) -> ExitCode {
    let targets: Vec<_> = TARGETS
        .iter()
        .filter(|(name, _)| only.is_none_or(|o| o == *name))
        .collect();
    if targets.is_empty() {
        let names: Vec<_> = TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!("unknown fuzz target; known: {}", names.join(", "));
        return ExitCode::FAILURE;
    }
    if let Err(e) = ensure_cargo_fuzz(root) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for &&(name, sanitizer) in &targets {
        // One target dir per sanitizer: switching flags in one dir would
        // rebuild every dependency each time.
        let target_dir = root.join("fuzz").join("target").join(sanitizer);
        let mut build = nightly_cargo(root);
        build
            .args(["fuzz", "build", "-O", "-a", "-s", sanitizer, "--target-dir"])
            .arg(&target_dir)
            .arg(name);
        eprintln!("==> building fuzz target {name} (sanitizer: {sanitizer})");
        if !build.status().is_ok_and(|s| s.success()) {
            failed.push(name);
            continue;
        }
        // New inputs go to a scratch corpus; the committed seeds in
        // fuzz/corpus/<target> are read, never written.
        let scratch = target_dir.join("corpus").join(name);
        let _ = std::fs::create_dir_all(&scratch);
        let seeds = root.join("fuzz").join("corpus").join(name);
        eprintln!("==> fuzzing {name} for {secs} s");
        let started = Instant::now();
        let mut cmd = nightly_cargo(root);
        cmd.args(["fuzz", "run", "-O", "-a", "-s", sanitizer, "--target-dir"])
            .arg(&target_dir)
            .arg(name)
            .arg(&scratch)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={secs}"))
            // One in-process fuzzer (no -jobs: that forks workers and moves
            // the output to fuzz-N.log); the machine is shared.
            .arg("-print_final_stats=1");
        let output = match cmd.stderr(Stdio::piped()).stdout(Stdio::piped()).output() {
            Ok(o) => o,
            Err(e) => {
                eprintln!("cannot run cargo fuzz: {e}");
                return ExitCode::FAILURE;
            }
        };
        let log = String::from_utf8_lossy(&output.stderr);
        let elapsed = started.elapsed().as_secs().max(1);
        let execs = final_stat(&log, "number_of_executed_units");
        let rate = final_stat(&log, "average_exec_per_sec");
        if !output.status.success() {
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            for line in tail.iter().rev() {
                eprintln!("    {line}");
            }
            eprintln!("==> {name}: FAILED (artifacts under fuzz/artifacts/{name}/)");
            failed.push(name);
        }
        rows.push((name, execs, rate, elapsed));
    }
    println!(
        "{:<20} {:>14} {:>10} {:>8}",
        "target", "executions", "exec/s", "seconds"
    );
    for (name, execs, rate, elapsed) in &rows {
        let show = |v: &Option<u64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
        println!(
            "{name:<20} {:>14} {:>10} {elapsed:>8}",
            show(execs),
            show(rate)
        );
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("failed fuzz targets: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

/// The fetch-core unit tests Miri runs: the ones that need no socket or
/// thread (Miri has no network). The socket table and the deadline queue
/// have no unit tests of their own yet; they are exercised only by the
/// integration tests, which use real sockets.
pub(crate) const MIRI_FILTERS: &[&str] = &["http::", "dest::", "error::", "multi::deadlines::"];

/// `cargo +nightly miri test -p fetch-core --lib` over [`MIRI_FILTERS`].
pub(crate) fn miri(root: &Path) -> ExitCode {
    let mut cmd = nightly_cargo(root);
    cmd.args(["miri", "test", "-p", "fetch-core", "--lib", "--"])
        .args(MIRI_FILTERS)
        .env("CARGO_TARGET_DIR", root.join("target").join("miri"));
    eprintln!(
        "==> cargo +nightly miri test -p fetch-core --lib -- {}",
        MIRI_FILTERS.join(" ")
    );
    match cmd.status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!(
                "cannot run cargo miri (rustup component add --toolchain nightly miri rust-src): {e}"
            );
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libfuzzer_final_stats() {
        let log = "#1000\tDONE   cov: 5 ft: 6 corp: 1/1b exec/s: 10 rss: 45Mb\n\
                   Done 1000 runs in 1 second(s)\n\
                   stat::number_of_executed_units: 123304\n\
                   stat::average_exec_per_sec:     5871\n\
                   stat::new_units_added:          2\n";
        assert_eq!(final_stat(log, "number_of_executed_units"), Some(123_304));
        assert_eq!(final_stat(log, "average_exec_per_sec"), Some(5871));
        assert_eq!(final_stat(log, "peak_rss_mb"), None);
    }

    #[test]
    fn every_fuzz_target_is_declared() {
        let manifest = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/Cargo.toml"),
        )
        .unwrap();
        for (name, _) in TARGETS {
            assert!(manifest.contains(&format!("name = \"{name}\"")), "{name}");
        }
    }
}
