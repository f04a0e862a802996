//! The event-library programs in `examples/` (libevent_multi.c, which can
//! also read URLs from a FIFO, libuv_multi.c, glib_multi.c): each drives
//! libfetch's multi_socket interface from its library's loop, frees its
//! event objects on REMOVE and must end as soon as its transfers are done. They are compiled against
//! the library's pkg-config flags (a missing dev package fails the test and
//! names it) and run under valgrind against fixture servers.
//!
//! The fixture server never closes an idle keep-alive connection, so a
//! program whose loop still had a libfetch socket or timer registered after
//! its last transfer would wait forever: the hang guard below (far longer
//! than any run needs) turns that into a failure. libevent's and libuv's
//! loops return by themselves when nothing is registered; the GLib program
//! quits only when it has no socket and no timer left.

mod cbuild;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cbuild::{compile_with, crate_dir, pkg_flags, require};
use conformance::record::scenario;
use fixtures::HttpServer;

/// Far beyond a run's real length (a few seconds under valgrind): only a
/// program that waits on the server's idle connection gets near it.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// The example programs and the pkg-config module / Debian package each
/// needs.
const LIBEVENT: (&str, &str, &str) = ("libevent_multi", "libevent", "libevent-dev");
const LIBUV: (&str, &str, &str) = ("libuv_multi", "libuv", "libuv1-dev");
const GLIB: (&str, &str, &str) = ("glib_multi", "glib-2.0", "libglib2.0-dev");

fn build(example: (&str, &str, &str)) -> PathBuf {
    let (name, module, apt) = example;
    let (cflags, libs) = pkg_flags(module, apt);
    compile_with(
        &crate_dir().join("examples").join(format!("{name}.c")),
        name,
        &cflags,
        &libs,
    )
}

/// What one run printed and how it ended.
struct Run {
    stdout: String,
    status: std::process::ExitStatus,
}

/// Runs `exe` under valgrind (memory errors and definite/indirect leaks
/// exit with 99) and kills it if it outlives [`HANG_GUARD`].
fn run(exe: &Path, args: &[String]) -> Run {
    require("valgrind");
    let mut child = cbuild::memcheck(exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start valgrind");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + HANG_GUARD;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the example") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    eprintln!(
        "--- {} stdout:\n{stdout}--- stderr:\n{stderr}",
        exe.display()
    );
    let Some(status) = status else {
        panic!(
            "{} did not exit within {HANG_GUARD:?} after starting: its loop kept waiting \
             although the transfers were done (output so far:\n{stdout})",
            exe.display()
        );
    };
    assert_ne!(
        status.code(),
        Some(99),
        "valgrind reported errors in {}:\n{stderr}",
        exe.display()
    );
    Run { stdout, status }
}

/// The `done` line printed for `url`.
fn done_line<'a>(text: &'a str, url: &str) -> &'a str {
    let prefix = format!("done {url} ");
    text.lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line for {url} in:\n{text}"))
}

/// Several URLs at once: plain, chunked, a redirect chain, an HTTP error
/// status and a refused connection. Every one gets its line; afterwards no
/// socket is announced and no timer is set (SF-03, TF-02), and cleanup
/// calls back for no socket the program already freed (SF-07, HM-09).
fn mixed_urls(exe: &Path) {
    let srv = HttpServer::start();
    let refused = format!("http://{}/", fixtures::closed_port());
    let urls = [
        srv.url("/bytes/1000"),
        srv.url("/chunked/50000"),
        srv.url("/redirect/2"),
        srv.url("/status/404"),
        refused.clone(),
        srv.url("/bytes/0"),
    ];
    let r = run(exe, &urls);
    let text = &r.stdout;
    assert!(r.status.success(), "{text}");
    // The strerror text between result and code is the api helper's
    // business; only the numbers are checked here.
    let expect = [
        (&urls[0], "result=0", "code=200 bytes=1000 "),
        (&urls[1], "result=0", "code=200 bytes=50000 "),
        (&urls[2], "result=0", "code=200 bytes=4 "),
        (&urls[3], "result=0", "code=404 bytes=0 "),
        (&refused, "result=7", "code=0 bytes=0 "),
        (&urls[5], "result=0", "code=200 bytes=0 "),
    ];
    for (url, result, rest) in expect {
        let line = done_line(text, url);
        assert!(
            line.contains(&format!(" {result} (")) && line.contains(&format!(") {rest}")),
            "{line}: want {result} ... {rest}"
        );
    }
    assert!(
        text.contains("transfers=6 failed=1 sockets_left=0 timer_pending=0"),
        "{text}"
    );
    assert!(text.contains("late_socket_callbacks=0"), "{text}");
}

/// One transfer at a time (`-p 1`), a redirect among them: every request
/// after the first reuses the one keep-alive connection, which is REMOVEd
/// while idle between transfers and announced again on reuse (SF-03,
/// SF-04, HM-05), and the program still exits as soon as the last transfer
/// is done although the server keeps that connection open.
fn sequential_reuse(exe: &Path) {
    let srv = HttpServer::start();
    let urls = [
        srv.url("/bytes/3000"),
        srv.url("/redirect/1"),
        srv.url("/chunked/2500"),
        srv.url("/bytes/10"),
    ];
    let mut args = vec!["-p".to_string(), "1".to_string()];
    args.extend(urls.iter().cloned());
    let r = run(exe, &args);
    let text = &r.stdout;
    assert!(r.status.success(), "{text}");
    assert!(done_line(text, &urls[0]).contains("code=200 bytes=3000 connects=1"));
    assert!(done_line(text, &urls[1]).contains("code=200 bytes=4 connects=0"));
    assert!(done_line(text, &urls[2]).contains("code=200 bytes=2500 connects=0"));
    assert!(done_line(text, &urls[3]).contains("code=200 bytes=10 connects=0"));
    assert!(
        text.contains("transfers=4 failed=0 sockets_left=0 timer_pending=0"),
        "{text}"
    );
    assert!(text.contains("late_socket_callbacks=0"), "{text}");
    assert_eq!(
        srv.accepted(),
        1,
        "one keep-alive connection for all five requests"
    );
}

/// The rules these programs exercise: they act on socket and timer
/// callbacks only from their loop (TF-07, CB-07), attach their state with
/// assign (AS-01, AS-04), and rely on REMOVE when idle (SF-03) and on
/// cleanup not calling back for freed sockets (SF-07, HM-09).
const RULES: &[&str] = &[
    "SF-03", "SF-04", "SF-07", "HM-05", "HM-09", "AS-01", "AS-04", "TF-07", "CB-07",
];

#[test]
fn libevent_example_exits_when_transfers_are_done() {
    scenario(
        "capi_libevent_example_exits_when_transfers_are_done",
        RULES,
        || {
            let exe = build(LIBEVENT);
            mixed_urls(&exe);
            sequential_reuse(&exe);
        },
    );
}

#[test]
fn libuv_example_exits_when_transfers_are_done() {
    scenario(
        "capi_libuv_example_exits_when_transfers_are_done",
        RULES,
        || {
            let exe = build(LIBUV);
            mixed_urls(&exe);
            sequential_reuse(&exe);
        },
    );
}

#[test]
fn glib_example_exits_when_transfers_are_done() {
    scenario(
        "capi_glib_example_exits_when_transfers_are_done",
        RULES,
        || {
            let exe = build(GLIB);
            mixed_urls(&exe);
            sequential_reuse(&exe);
        },
    );
}

/// libevent_multi.c with `-f FIFO` (as upstream's hiperfifo example reads
/// its URLs): URLs written to a named pipe start as their lines arrive,
/// beside one from argv; the FIFO's event is freed at end of file, and the
/// program exits once those transfers are done.
#[test]
fn libevent_example_reads_urls_from_a_fifo() {
    scenario(
        "capi_libevent_example_reads_urls_from_a_fifo",
        &["SF-03", "AS-01", "TF-07", "CB-07"],
        || {
            let exe = build(LIBEVENT);
            let srv = HttpServer::start();
            let dir = exe.with_extension("fifo.d");
            std::fs::create_dir_all(&dir).unwrap();
            let fifo = dir.join("urls");
            let _ = std::fs::remove_file(&fifo);
            let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
            assert!(made.success(), "mkfifo {}", fifo.display());
            let refused = format!("http://{}/", fixtures::closed_port());
            let from_fifo = [
                srv.url("/bytes/4321"),
                srv.url("/redirect/1"),
                refused.clone(),
            ];
            let lines: String = from_fifo.iter().map(|u| format!("{u}\n")).collect();
            let path = fifo.clone();
            // Opening for writing waits for the program to open it for
            // reading; closing it (the end of this thread) is its EOF.
            let writer = std::thread::spawn(move || {
                use std::io::Write;
                let mut w = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .expect("open the FIFO for writing");
                w.write_all(lines.as_bytes()).expect("write the URLs");
            });
            let argv_url = srv.url("/chunked/1500");
            let args = [
                "-f".to_string(),
                fifo.display().to_string(),
                argv_url.clone(),
            ];
            let r = run(&exe, &args);
            writer.join().expect("writer thread");
            let _ = std::fs::remove_dir_all(&dir);
            let text = &r.stdout;
            assert!(r.status.success(), "{text}");
            assert!(done_line(text, &argv_url).contains("result=0 "), "{text}");
            assert!(done_line(text, &argv_url).contains("code=200 bytes=1500 "));
            assert!(done_line(text, &from_fifo[0]).contains("code=200 bytes=4321 "));
            assert!(done_line(text, &from_fifo[1]).contains("code=200 bytes=4 "));
            assert!(done_line(text, &refused).contains("result=7 "), "{text}");
            assert!(
                text.contains("transfers=4 failed=1 sockets_left=0 timer_pending=0"),
                "{text}"
            );
            assert!(text.contains("late_socket_callbacks=0"), "{text}");
        },
    );
}
