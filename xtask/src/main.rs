//! `cargo xtask`: the project's own commands.
//!
//! - `test [--backend epoll|poll|all]`: the workspace tests once per
//!   readiness backend, each in its own target directory.
//! - `conformance [--backend …] [--format md|json]`: the conformance suite
//!   once per backend, then the rule-by-rule report (see `report.rs`).

//! - `soak [--quick] [--transfers N] …`: memory stays bounded under
//!   sustained load (see `soak.rs`).
//! - `netem [--transfers N] …`: transfers over a lossy, delaying,
//!   reordering link between two network namespaces (see `soak.rs`).
//! - `fuzz [--time S] [--target NAME]`: each cargo-fuzz target for S
//!   seconds, with the executions per target (see `fuzz.rs`).
//! - `miri`: fetch-core's socket-free unit tests under Miri.
//! - `install --prefix DIR [--debug]`: libfetch.so (with soname),
//!   libfetch.a, the headers and a pkg-config file under DIR.

mod bench;
mod fuzz;
mod install;
mod report;
mod soak;

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "libfetch project commands")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the workspace tests once per readiness backend.
    Test {
        /// Which backend build(s) to test.
        #[arg(long, value_enum, default_value = "all")]
        backend: BackendArg,
        /// Extra arguments passed to `cargo test` (after `--`).
        #[arg(last = true)]
        rest: Vec<String>,
    },
    /// Install lib/libfetch.so, lib/libfetch.a, include/fetch/*.h and
    /// lib/pkgconfig/fetch.pc under a prefix.
    Install {
        /// The installation prefix.
        #[arg(long)]
        prefix: PathBuf,
        /// Install the debug build instead of the release build.
        #[arg(long)]
        debug: bool,
    },
    /// Run the conformance suite per backend and write the report.
    Conformance {
        /// Which backend build(s) to run.
        #[arg(long, value_enum, default_value = "all")]
        backend: BackendArg,
        /// What to print on stdout (both files are always written).
        #[arg(long, value_enum, default_value = "md")]
        format: report::Format,
    },
    /// Benchmark libfetch against libcurl and a raw epoll floor
    /// (docs/bench/RESULTS.md).
    Bench(bench::BenchArgs),
    /// Fault torture: every socket operation of the engine fails in turn
    /// (feature `fault-injection`), then a run with a tiny RLIMIT_NOFILE.
    Torture,
    /// N transfers with TIMEOUT at K in flight; fails if the client's
    /// peak RSS keeps growing or any transfer fails.
    Soak(soak::SoakArgs),
    /// Transfers between two network namespaces over a lossy, delaying,
    /// reordering link; checks every body byte and every timeout (root).
    Netem(soak::NetemArgs),
    /// Build and run each fuzz target (nightly, cargo-fuzz; installs
    /// cargo-fuzz if missing) and print its executions.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        time: u64,
        /// Only this target (default: all).
        #[arg(long)]
        target: Option<String>,
    },
    /// Run fetch-core's socket-free unit tests (codec, URL, codes) under
    /// Miri (nightly with the miri and rust-src components).
    Miri,
}

/// A backend choice on the command line.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Epoll,
    Poll,
    All,
}

/// A readiness backend build of the workspace.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Epoll,
    Poll,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Epoll => "epoll",
            Self::Poll => "poll",
        }
    }

    /// Extra RUSTFLAGS that select this backend in the `polling` crate.
    fn rustflags(self) -> &'static str {
        match self {
            Self::Epoll => "",
            Self::Poll => "--cfg polling_test_poll_backend",
        }
    }

    /// Separate target dirs so the two builds do not thrash each other.
    fn target_dir(self, root: &Path) -> PathBuf {
        match self {
            Self::Epoll => root.join("target"),
            Self::Poll => root.join("target").join("backend-poll"),
        }
    }
}

fn backends(arg: BackendArg) -> Vec<Backend> {
    match arg {
        BackendArg::Epoll => vec![Backend::Epoll],
        BackendArg::Poll => vec![Backend::Poll],
        BackendArg::All => vec![Backend::Epoll, Backend::Poll],
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// A `cargo` command configured for one backend build.
/// This process's stderr, for a child's stdout.
fn stderr_stdio() -> Stdio {
    std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map_or_else(|_| Stdio::inherit(), Stdio::from)
}

fn cargo_for(backend: Backend, root: &Path) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root);
    cmd.env("CARGO_TARGET_DIR", backend.target_dir(root));
    let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
    if !backend.rustflags().is_empty() {
        flags.push(' ');
        flags.push_str(backend.rustflags());
    }
    cmd.env("RUSTFLAGS", flags.trim());
    cmd.env("FETCH_EXPECT_BACKEND", backend.name());
    cmd
}

fn run_tests(arg: BackendArg, rest: &[String]) -> ExitCode {
    let root = workspace_root();
    let mut failed = Vec::new();
    for backend in backends(arg) {
        println!("==> cargo test --workspace  [backend: {}]", backend.name());
        let status = cargo_for(backend, &root)
            .args(["test", "--workspace"])
            .args(rest)
            .status();
        match status {
            Ok(s) if s.success() => println!("==> backend {}: tests passed", backend.name()),
            Ok(_) | Err(_) => {
                println!("==> backend {}: tests FAILED", backend.name());
                failed.push(backend.name());
            }
        }
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("failed backends: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

fn run_conformance(arg: BackendArg, format: report::Format) -> ExitCode {
    let root = workspace_root();
    let out_dir = root.join("target").join("conformance");
    if let Err(e) = std::fs::create_dir_all(&out_dir) {
        eprintln!("cannot create {}: {e}", out_dir.display());
        return ExitCode::FAILURE;
    }
    let mut runs = Vec::new();
    for backend in backends(arg) {
        let results = out_dir.join(format!("{}.jsonl", backend.name()));
        let _ = std::fs::remove_file(&results);
        eprintln!("==> conformance suite  [backend: {}]", backend.name());
        // fetch-capi's tests record the C-level rules (boundary.rs,
        // c_rules.rs, ...). Its C example tests find libfetch.a next to
        // their own executable, so they work in either target dir.
        // The tests' own output goes to stderr: stdout carries only the
        // report, and CI sends stdout elsewhere, so a failing test must
        // still show its panic message in the log.
        let status = cargo_for(backend, &root)
            .args(["test", "-p", "conformance", "-p", "fetch-capi", "--tests"])
            .env("FETCH_CONFORMANCE_OUT", &results)
            .stdout(stderr_stdio())
            .status();
        let suite_ok = matches!(status, Ok(s) if s.success());
        let outcomes = report::read_outcomes(&results);
        runs.push(report::BackendRun {
            backend: backend.name(),
            suite_ok,
            outcomes,
        });
    }
    let rules = match conformance::rules::load(&root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot read docs/rules.md: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = report::build(&rules, &runs);
    let md = report.markdown();
    let json = report.json();
    let md_path = root.join("docs").join("conformance").join("REPORT.md");
    let written = std::fs::create_dir_all(md_path.parent().expect("has parent"))
        .and_then(|()| std::fs::write(&md_path, &md))
        .and_then(|()| std::fs::write(out_dir.join("report.json"), &json));
    if let Err(e) = written {
        eprintln!("cannot write the report: {e}");
        return ExitCode::FAILURE;
    }
    match format {
        report::Format::Md => println!("{md}"),
        report::Format::Json => println!("{json}"),
    }
    eprintln!("{}", report.summary());
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `cargo xtask torture`: the fault-injection test and the descriptor
/// exhaustion test, with their figures printed.
fn run_torture() -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "test",
            "-p",
            "fetch-poll",
            "--features",
            "fault-injection",
            "--test",
            "torture",
            "--test",
            "rlimit_nofile",
            "--",
            "--nocapture",
        ])
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Test { backend, rest } => run_tests(backend, &rest),
        Cmd::Conformance { backend, format } => run_conformance(backend, format),
        Cmd::Bench(args) => bench::run(&workspace_root(), &args),
        Cmd::Torture => run_torture(),
        Cmd::Soak(args) => soak::soak(&workspace_root(), &args),
        Cmd::Netem(args) => soak::netem(&workspace_root(), &args),
        Cmd::Fuzz { time, target } => fuzz::run(&workspace_root(), time, target.as_deref()),
        Cmd::Miri => fuzz::miri(&workspace_root()),
        Cmd::Install { prefix, debug } => match install::install(&workspace_root(), &prefix, debug)
        {
            Ok(()) => {
                println!("installed libfetch under {}", prefix.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("install failed: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
