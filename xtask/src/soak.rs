//! `cargo xtask soak` and `cargo xtask netem`: the engine under sustained
//! load and over a hostile link. Both build `bench/soak` (`fetch-soak`,
//! release) and run its server and its client as two processes, so the
//! client's RSS is its own; the client is fetch-core's Rust API on an
//! application-owned mio loop.
//!
//! - `soak`: N transfers of a 1 KiB body at K in flight, each with
//!   TIMEOUT T, against `fetch-soak serve` on loopback, beside one long
//!   transfer (a response that never ends, also with TIMEOUT T) whose
//!   deadline stays at the front of the engine's deadline queue. Fails when any
//!   transfer fails or when the client's peak RSS (VmHWM) after N exceeds
//!   its peak after the first check (100k) by more than 10 %: with one
//!   deadline-queue entry per live transfer, memory must not grow with
//!   rate × timeout.
//! - `netem`: two network namespaces joined by a userspace impairing link
//!   (`fetch-soak impair`: two TUN devices, 20 ms ± 10 ms delay, 1 % loss,
//!   5 % reordered), the server in one and the client in the other;
//!   N transfers of 0 B–256 KiB with CONNECTTIMEOUT and TIMEOUT, every
//!   body byte checked, every transfer's times checked against its
//!   timeouts. Every tenth transfer has timeouts of 300 / 400 ms that the
//!   link makes some of them miss: those may time out (error 28), but
//!   neither early nor late. Needs root and `ip`. The namespaces are deleted on exit;
//!   ones left by a killed run are swept at the next start.

use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// Command-line options of `cargo xtask soak`.
#[derive(clap::Args)]
pub(crate) struct SoakArgs {
    /// Transfers in all (default 1,000,000; 200,000 with --quick).
    #[arg(long)]
    transfers: Option<u64>,
    /// Transfers kept in flight.
    #[arg(long, default_value_t = 100)]
    in_flight: u64,
    /// TIMEOUT of every transfer, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
    /// Where the reference peak RSS is taken (default 100,000; 20,000
    /// with --quick).
    #[arg(long)]
    check_at: Option<u64>,
    /// 200,000 transfers, reference at 20,000 (for CI).
    #[arg(long)]
    quick: bool,
}

/// Command-line options of `cargo xtask netem`.
#[derive(clap::Args)]
pub(crate) struct NetemArgs {
    /// Transfers in all.
    #[arg(long, default_value_t = 10_000)]
    transfers: u64,
    /// Transfers kept in flight.
    #[arg(long, default_value_t = 100)]
    in_flight: u64,
    /// CONNECTTIMEOUT of every transfer, in seconds.
    #[arg(long, default_value_t = 10)]
    connect_timeout_secs: u64,
    /// TIMEOUT of every transfer, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
    /// Seed of the body sizes and of the link's losses and delays.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Allowed growth of the peak RSS from the reference check to the end.
const MAX_GROWTH: f64 = 1.10;

#[derive(Deserialize)]
struct Line {
    kind: String,
    #[serde(default)]
    done: u64,
    #[serde(default)]
    hwm_kib: u64,
    #[serde(default)]
    rss_kib: u64,
    #[serde(default)]
    elapsed_s: f64,
    #[serde(default)]
    ok: u64,
    #[serde(default)]
    failed: u64,
    #[serde(default)]
    first_error: i64,
    #[serde(default)]
    hold_restarts: u64,
    #[serde(default)]
    late: u64,
    #[serde(default)]
    timed_out: u64,
    #[serde(default)]
    timed_out_min_ms: f64,
    #[serde(default)]
    timed_out_max_ms: f64,
    #[serde(default)]
    bytes: u64,
    #[serde(default)]
    p50_ms: f64,
    #[serde(default)]
    p99_ms: f64,
    #[serde(default)]
    max_ms: f64,
    #[serde(default)]
    max_connect_ms: f64,
    #[serde(default)]
    wall_s: f64,
}

pub(crate) fn soak(root: &Path, args: &SoakArgs) -> ExitCode {
    verdict("soak", soak_inner(root, args))
}

pub(crate) fn netem(root: &Path, args: &NetemArgs) -> ExitCode {
    verdict("netem", netem_inner(root, args))
}

fn verdict(what: &str, r: Result<(), String>) -> ExitCode {
    match r {
        Ok(()) => {
            eprintln!("==> {what}: PASS");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("==> {what}: FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}

fn soak_inner(root: &Path, args: &SoakArgs) -> Result<(), String> {
    let total = args
        .transfers
        .unwrap_or(if args.quick { 200_000 } else { 1_000_000 });
    let check_at = args
        .check_at
        .unwrap_or(if args.quick { 20_000 } else { 100_000 });
    if check_at == 0 || check_at >= total || args.in_flight == 0 {
        return Err("need 0 < --check-at < --transfers and --in-flight > 0".into());
    }
    let bin = build(root)?;
    let mut server = Server::start(Command::new(&bin).args(["serve", "127.0.0.1:0"]))?;
    let url = format!("http://{}", server.addr);
    eprintln!(
        "==> soak: {total} × 1 KiB at {} in flight and one long transfer, TIMEOUT {} s, \
         against {url}",
        args.in_flight, args.timeout_secs
    );
    let lines = run_client(
        Command::new(&bin).args([
            "soak",
            &url,
            &total.to_string(),
            &args.in_flight.to_string(),
            &args.timeout_secs.to_string(),
            &check_at.to_string(),
        ]),
        Duration::from_secs(30 * 60),
        |l| {
            if l.kind == "checkpoint" {
                eprintln!(
                    "    {:>9} done  peak RSS {:>7} KiB  RSS {:>7} KiB  {:>7.1} s",
                    l.done, l.hwm_kib, l.rss_kib, l.elapsed_s
                );
            }
        },
    )?;
    server.stop();
    let at = |n: u64| {
        lines
            .iter()
            .find(|l| l.kind == "checkpoint" && l.done == n)
            .ok_or(format!("no checkpoint at {n} transfers"))
    };
    let (first, last) = (at(check_at)?, at(total)?);
    let result = lines
        .iter()
        .find(|l| l.kind == "result")
        .ok_or("no result line")?;
    let ratio = last.hwm_kib as f64 / first.hwm_kib.max(1) as f64;
    println!(
        "soak: {} ok, {} failed in {:.1} s ({:.0} transfers/s); the long transfer timed out \
         and was replaced {} times",
        result.ok,
        result.failed,
        result.wall_s,
        result.ok as f64 / result.wall_s.max(1e-9),
        result.hold_restarts
    );
    println!(
        "peak RSS: {} KiB after {check_at}, {} KiB after {total} (ratio {ratio:.3}, limit {MAX_GROWTH:.2})",
        first.hwm_kib, last.hwm_kib
    );
    println!(
        "RSS:      {} KiB after {check_at}, {} KiB after {total}",
        first.rss_kib, last.rss_kib
    );
    record_soak(root, args, check_at, total, first.hwm_kib, last.hwm_kib);
    if result.failed > 0 || result.ok != total {
        return Err(format!(
            "{} of {total} transfers failed (first error {})",
            total - result.ok,
            result.first_error
        ));
    }
    if ratio > MAX_GROWTH {
        return Err(format!(
            "peak RSS grew by {:.1} % between {check_at} and {total} transfers",
            (ratio - 1.0) * 100.0
        ));
    }
    Ok(())
}

fn netem_inner(root: &Path, args: &NetemArgs) -> Result<(), String> {
    if !is_root() {
        return Err("needs root (network namespaces and TUN devices)".into());
    }
    if find_in_path("ip").is_none() {
        return Err("needs `ip` (apt-get install -y iproute2)".into());
    }
    if !Path::new("/dev/net/tun").exists() {
        return Err("needs /dev/net/tun (the kernel's TUN driver)".into());
    }
    sweep_stale_namespaces();
    let bin = build(root)?;
    let started = Instant::now();
    let net = Net::create(&bin, args.seed)?;
    let mut server = Server::start(
        Command::new("ip")
            .args(["netns", "exec", &net.server_ns])
            .arg(&bin)
            .args(["serve", &format!("{SERVER_IP}:0")]),
    )?;
    let base = format!("http://{}", server.addr);
    eprintln!(
        "==> netem: {} transfers (0 B–256 KiB) at {} in flight, CONNECTTIMEOUT {} s, \
         TIMEOUT {} s, from {} to {base} in {}",
        args.transfers,
        args.in_flight,
        args.connect_timeout_secs,
        args.timeout_secs,
        CLIENT_IP,
        net.server_ns
    );
    let lines = run_client(
        Command::new("ip")
            .args(["netns", "exec", &net.client_ns])
            .arg(&bin)
            .args([
                "netem",
                &base,
                &args.transfers.to_string(),
                &args.in_flight.to_string(),
                &args.connect_timeout_secs.to_string(),
                &args.timeout_secs.to_string(),
                &args.seed.to_string(),
            ]),
        Duration::from_secs(30 * 60),
        |_| {},
    );
    server.stop();
    drop(net);
    let lines = lines?;
    let r = lines
        .iter()
        .find(|l| l.kind == "result")
        .ok_or("no result line")?;
    println!(
        "netem: {} transfers, {} ok, {} timed out as allowed, {} failed ({} past their \
         timeouts), {:.1} MB; \
         total_time p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (TIMEOUT {} s); \
         max connect_time {:.0} ms (CONNECTTIMEOUT {} s); client {:.1} s, whole run {:.1} s",
        args.transfers,
        r.ok,
        r.timed_out,
        r.failed,
        r.late,
        r.bytes as f64 / 1e6,
        r.p50_ms,
        r.p99_ms,
        r.max_ms,
        args.timeout_secs,
        r.max_connect_ms,
        args.connect_timeout_secs,
        r.wall_s,
        started.elapsed().as_secs_f64()
    );
    if r.timed_out > 0 {
        println!(
            "netem: the {} that timed out (limits 300 ms connect / 400 ms total) ended after \
             {:.0}–{:.0} ms",
            r.timed_out, r.timed_out_min_ms, r.timed_out_max_ms
        );
    }
    if r.failed > 0 || r.ok + r.timed_out != args.transfers {
        return Err(format!(
            "{} of {} transfers failed (see the lines above)",
            args.transfers - r.ok - r.timed_out,
            args.transfers
        ));
    }
    Ok(())
}

/// Where the last soak's memory figures are kept for `cargo xtask bench`'s
/// report (the timer target of issue 13 is a soak figure).
pub(crate) fn soak_record_path(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("soak")
        .join("last.json")
}

fn record_soak(root: &Path, args: &SoakArgs, check_at: u64, total: u64, first: u64, last: u64) {
    let path = soak_record_path(root);
    let v = serde_json::json!({
        "check_at": check_at,
        "total": total,
        "in_flight": args.in_flight,
        "timeout_secs": args.timeout_secs,
        "peak_rss_kib_at_check": first,
        "peak_rss_kib_at_end": last,
    });
    let written = path
        .parent()
        .map(std::fs::create_dir_all)
        .transpose()
        .and_then(|_| std::fs::write(&path, v.to_string()));
    if let Err(e) = written {
        eprintln!("soak: cannot record {}: {e}", path.display());
    }
}

/// The server namespace's end of the link.
const SERVER_IP: &str = "10.199.0.1";
/// The client namespace's end of the link.
const CLIENT_IP: &str = "10.199.0.2";
/// Prefix of the namespaces this command makes (then its pid).
const NS_PREFIX: &str = "fetch-netem-";

/// `cargo build --release -p fetch-soak`; the binary's path.
fn build(root: &Path) -> Result<PathBuf, String> {
    eprintln!("==> cargo build --release -p fetch-soak");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "fetch-soak"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return Err("cargo build --release -p fetch-soak failed".into());
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("release").join("fetch-soak"))
}

/// `fetch-soak serve` as a child: it prints its address, and exits when
/// its stdin (held here) closes.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    addr: String,
}

impl Server {
    fn start(cmd: &mut Command) -> Result<Self, String> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let stdin = child.stdin.take();
        let mut out = BufReader::new(child.stdout.take().expect("piped"));
        let mut addr = String::new();
        let _ = out.read_line(&mut addr);
        let mut me = Self {
            child,
            stdin,
            addr: addr.trim().to_owned(),
        };
        if me.addr.is_empty() {
            me.stop();
            return Err("the server did not start".into());
        }
        Ok(me)
    }

    fn stop(&mut self) {
        drop(self.stdin.take());
        wait_or_kill(&mut self.child, Duration::from_secs(5));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn wait_or_kill(child: &mut Child, grace: Duration) {
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs a client to its end (killed after `limit`), passing its stderr
/// through, and returns its JSON lines, each also shown to `progress`.
fn run_client(
    cmd: &mut Command,
    limit: Duration,
    mut progress: impl FnMut(&Line),
) -> Result<Vec<Line>, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the client: {e}"))?;
    let out = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + limit;
    let mut lines = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(text) => match serde_json::from_str::<Line>(&text) {
                Ok(l) => {
                    progress(&l);
                    lines.push(l);
                }
                Err(_) => eprintln!("    client: {text}"),
            },
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the client ran longer than {} s", limit.as_secs()));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
    let _ = reader.join();
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("the client exited with {status}"));
    }
    Ok(lines)
}

/// Two namespaces and the impairing link between them; `Drop` stops the
/// link and deletes the namespaces.
struct Net {
    server_ns: String,
    client_ns: String,
    link: Option<Child>,
    link_stdin: Option<ChildStdin>,
}

impl Net {
    fn create(bin: &Path, seed: u64) -> Result<Self, String> {
        let pid = std::process::id();
        let mut me = Self {
            server_ns: format!("{NS_PREFIX}{pid}-s"),
            client_ns: format!("{NS_PREFIX}{pid}-c"),
            link: None,
            link_stdin: None,
        };
        let (tun_s, tun_c) = (format!("fnm{pid}s"), format!("fnm{pid}c"));
        for ns in [&me.server_ns, &me.client_ns] {
            ip(&["netns", "add", ns])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        eprintln!(
            "==> namespaces {} and {}, link {tun_s} <-> {tun_c}: delay 20 ms ± 10 ms, \
             loss 1 %, 5 % reordered",
            me.server_ns, me.client_ns
        );
        let mut link = Command::new(bin)
            .args(["impair", &tun_s, &tun_c, &seed.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the link: {e}"))?;
        me.link_stdin = link.stdin.take();
        let mut ready = String::new();
        let mut out = link.stdout.take().expect("piped");
        me.link = Some(link);
        let _ = BufReader::new(&mut out).read_line(&mut ready);
        if ready.trim() != "ready" {
            return Err("the impairing link did not start".into());
        }
        // Its stdout is not needed any more; drain it so it never blocks.
        std::thread::spawn(move || {
            let _ = io::copy(&mut out, &mut io::sink());
        });
        for (tun, ns, me_ip, peer) in [
            (&tun_s, &me.server_ns, SERVER_IP, CLIENT_IP),
            (&tun_c, &me.client_ns, CLIENT_IP, SERVER_IP),
        ] {
            ip(&["link", "set", tun, "netns", ns])?;
            ip(&["-n", ns, "addr", "add", me_ip, "peer", peer, "dev", tun])?;
            ip(&["-n", ns, "link", "set", tun, "up"])?;
        }
        Ok(me)
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        drop(self.link_stdin.take());
        if let Some(mut link) = self.link.take() {
            wait_or_kill(&mut link, Duration::from_secs(5));
        }
        for ns in [&self.server_ns, &self.client_ns] {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Runs `ip ARGS`; its stderr is the error.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Deletes namespaces of earlier runs whose xtask is gone (killed before
/// its `Drop` ran, e.g. by ctrl-c).
fn sweep_stale_namespaces() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        let Some(pid) = name
            .strip_prefix(NS_PREFIX)
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            eprintln!("==> deleting namespace {name}, left by an earlier run");
            let _ = ip(&["netns", "del", name]);
        }
    }
}

/// Effective uid 0, from /proc (no libc in the xtask).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().nth(1).map(|e| e == "0"))
        .unwrap_or(false)
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
