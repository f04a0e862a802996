//! The C programs in `examples/` compiled with
//! `gcc -Wall -Wextra -Werror -std=c11` against `<fetch/fetch.h>` and the
//! static library built for this test run, then run against fixture
//! servers. Each test records the conformance scenario `capi_<test name>`.

mod cbuild;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cbuild::{compile, crate_dir, deps_dir, require};

use conformance::record::scenario;
use fixtures::HttpServer;

fn example(name: &str) -> PathBuf {
    compile(
        &crate_dir().join("examples").join(format!("{name}.c")),
        name,
    )
}

/// Runs an example under valgrind's memcheck: any memory error or
/// definite/indirect leak fails the test (exit code 99), whatever the
/// example itself checks.
fn run(exe: &Path, args: &[String]) -> Output {
    require("valgrind");
    let out = cbuild::memcheck(exe)
        .args(args)
        .output()
        .expect("run example under valgrind");
    eprintln!(
        "--- {} stdout:\n{}--- stderr:\n{}",
        exe.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(
        out.status.code(),
        Some(99),
        "valgrind reported errors in {}",
        exe.display()
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// IR-04: socket_action.c reads `msg->easy_handle` and `msg->data.result`
/// before `fetch_multi_remove_handle` (its info_read loop).
#[test]
fn seed_socket_action_example_runs() {
    scenario("capi_seed_socket_action_example_runs", &["IR-04"], || {
        let server = HttpServer::start();
        let exe = example("socket_action");
        let urls = vec![
            server.url("/bytes/1000"),
            server.url("/chunked/50000"),
            server.url("/bytes/0"),
        ];
        let out = run(&exe, &urls);
        assert!(out.status.success());
        let text = stdout(&out);
        assert_eq!(text.matches("result=0 (No error) status=200").count(), 3);
        assert!(text.contains("received 51000 bytes"));
    });
}

/// IR-04: epoll_timerfd.c (`check_done`) reads the message fields before
/// `fetch_multi_remove_handle`.
#[test]
fn epoll_timerfd_app_fetches_many_urls() {
    scenario(
        "capi_epoll_timerfd_app_fetches_many_urls",
        &["IR-04"],
        || {
            let server = HttpServer::start();
            let exe = example("epoll_timerfd");
            let mut args = vec!["-n".to_string(), "50".to_string()];
            args.push(server.url("/bytes/2000"));
            args.push(server.url("/chunked/3000"));
            let out = run(&exe, &args);
            assert!(out.status.success());
            let text = stdout(&out);
            assert!(
                text.contains("transfers=100 failed=0 bytes=250000"),
                "{text}"
            );
            // Every socket announced was REMOVEd by the end (SF-07 at cleanup).
            assert!(text.contains("open_sockets=0"), "{text}");
        },
    );
}

/// IR-04: perform_poll.c reads `msg->data.result` before
/// `fetch_multi_remove_handle`.
#[test]
fn perform_and_poll_loop() {
    scenario("capi_perform_and_poll_loop", &["IR-04"], || {
        let server = HttpServer::start();
        let exe = example("perform_poll");
        let out = run(
            &exe,
            &[server.url("/bytes/12345"), server.url("/redirect/0")],
        );
        assert!(out.status.success());
        let text = stdout(&out);
        assert!(
            text.contains("result=0 status=200 size=12345 got=12345"),
            "{text}"
        );
    });
}

/// bad_handles.c compares every return value with the exact expected code
/// (so also ERR-02), from NULL/freed/foreign handles to options and fdset.
/// It runs under valgrind: freed and foreign handles must be refused
/// without reading the memory behind them (no valgrind error at all).
#[test]
fn bad_handles_and_error_strings() {
    scenario(
        "capi_bad_handles_and_error_strings",
        &[
            "ERR-02", "ERR-03", "ERR-04", "AS-05", "HM-03", "HM-08", "HM-09", "OPT-01", "OPT-09",
            "FD-01", "FD-12",
        ],
        || {
            require("valgrind");
            let exe = example("bad_handles");
            let out = Command::new("valgrind")
                .args(["-q", "--error-exitcode=99", "--leak-check=full"])
                .arg(&exe)
                .output()
                .expect("run valgrind");
            eprintln!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert_ne!(out.status.code(), Some(99), "valgrind reported errors");
            assert!(out.status.success());
            let text = stdout(&out);
            assert!(text.contains("ALL OK"));
            assert!(!text.contains("FAIL"));
        },
    );
}

/// IR-04: multi_getinfo.c reads `msg->data.result` before
/// `curl_multi_remove_handle`.
#[test]
fn upstream_program_renamed_by_sed_compiles_and_runs() {
    scenario(
        "capi_upstream_program_renamed_by_sed_compiles_and_runs",
        &["IR-04"],
        || {
            let source =
                std::fs::read_to_string(crate_dir().join("examples/upstream/multi_getinfo.c"))
                    .expect("read upstream-style source");
            // Exactly `sed -e 's/curl/fetch/g' -e 's/CURL/FETCH/g'`.
            let renamed = source.replace("curl", "fetch").replace("CURL", "FETCH");
            let dir = deps_dir().join("c-examples");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("multi_getinfo_renamed.c");
            std::fs::write(&path, renamed).unwrap();
            let exe = compile(&path, "multi_getinfo_renamed");
            let server = HttpServer::start();
            let out = run(
                &exe,
                &[
                    server.url("/bytes/777"),
                    server.url("/redirect/2"),
                    server.url("/chunked/4321"),
                ],
            );
            assert!(out.status.success());
            let text = stdout(&out);
            assert!(text.contains("-> 200 from 127.0.0.1, 777 bytes"), "{text}");
            assert!(text.contains("/redirect/0 -> 200"), "{text}");
            assert!(text.contains("easy_perform: 0 (ok) 777 bytes"), "{text}");
        },
    );
}

#[test]
fn epoll_example_is_clean_under_valgrind() {
    require("valgrind");
    // HM-01: init/cleanup pairs leave no leaks under a leak checker.
    scenario(
        "capi_epoll_example_is_clean_under_valgrind",
        &["HM-01"],
        || {
            let server = HttpServer::start();
            let exe = example("epoll_timerfd");
            let out = Command::new("valgrind")
                .args([
                    "--error-exitcode=1",
                    "--leak-check=full",
                    "--errors-for-leak-kinds=definite",
                    "-q",
                ])
                .arg(&exe)
                .args(["-n", "3"])
                .arg(server.url("/bytes/5000"))
                .arg(server.url("/chunked/5000"))
                .output()
                .expect("run valgrind");
            eprintln!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success(), "valgrind reported errors");
        },
    );
}

/// A failed lookup through `fetch_easy_perform` leaves nothing behind at
/// exit: no resolver thread still running, no block lost (HM-01). This is
/// what a detached resolver thread used to leak.
#[test]
fn failed_lookup_then_exit_is_clean_under_valgrind() {
    require("valgrind");
    scenario(
        "capi_failed_lookup_then_exit_is_clean_under_valgrind",
        &["HM-01"],
        || {
            let exe = compile(
                &crate_dir().join("tests/c/failed_lookup.c"),
                "failed_lookup",
            );
            let out = Command::new("valgrind")
                .args([
                    "--error-exitcode=1",
                    "--leak-check=full",
                    "--errors-for-leak-kinds=definite,indirect",
                ])
                .arg(&exe)
                // `.invalid` never resolves (RFC 6761).
                .arg("http://nonexistent.invalid/")
                .output()
                .expect("run valgrind");
            let report = String::from_utf8_lossy(&out.stderr);
            eprintln!("{}\n{report}", String::from_utf8_lossy(&out.stdout));
            assert!(
                stdout(&out).contains("result=6 "),
                "the lookup must fail with FETCHE_COULDNT_RESOLVE_HOST"
            );
            // Checked directly: whether valgrind sees a still-running
            // thread's blocks as lost depends on scheduling at exit.
            assert_eq!(
                field(&stdout(&out), "threads_at_exit"),
                Some(1),
                "a resolver thread outlived fetch_easy_cleanup"
            );
            assert!(out.status.success(), "valgrind reported errors");
            assert!(report.contains("ERROR SUMMARY: 0 errors"), "{report}");
            for kind in ["definitely lost", "indirectly lost"] {
                let leaked = report
                    .lines()
                    .find(|l| l.contains(kind))
                    .is_some_and(|l| !l.contains(&format!("{kind}: 0 bytes")));
                assert!(!leaked, "{kind}: {report}");
            }
        },
    );
}

/// The number after `key=` in `text`.
fn field(text: &str, key: &str) -> Option<i64> {
    let start = text.find(&format!("{key}="))? + key.len() + 1;
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().ok()
}

/// pause_epoll.c pauses an 8 MiB download from its write callback
/// (returning FETCH_WRITEFUNC_PAUSE, and with `-e` calling
/// `fetch_easy_pause` there, CB-06), loops ~300 ms, resumes from outside:
/// nothing may wake the loop while paused and every byte must arrive.
#[test]
fn pause_epoll_example_sleeps_while_paused() {
    scenario(
        "capi_pause_epoll_example_sleeps_while_paused",
        &["CB-06"],
        || {
            let server = HttpServer::start();
            let exe = example("pause_epoll");
            let n = 8 * 1024 * 1024;
            for mode in [None, Some("-e")] {
                let mut args: Vec<String> = mode.iter().map(|m| m.to_string()).collect();
                args.push(server.url(&format!("/bytes/{n}")));
                args.push(n.to_string());
                let out = run(&exe, &args);
                let text = stdout(&out);
                assert!(out.status.success(), "{mode:?}: {text}");
                assert_eq!(field(&text, "wakeups_while_paused"), Some(0), "{text}");
                assert_eq!(
                    field(&text, "socket_actions_while_paused"),
                    Some(0),
                    "{text}"
                );
                assert_eq!(field(&text, "sockets_at_resume"), Some(0), "{text}");
                assert!(
                    field(&text, "paused_ms").is_some_and(|ms| ms >= 250),
                    "{text}"
                );
                assert!(
                    text.contains(&format!("result=0 bytes={n} expected={n}")),
                    "{text}"
                );
            }
        },
    );
}

/// https_get.c: CAINFO from argv against the fixture TLS server; an expired
/// certificate gives 60 unless `-k` turns SSL_VERIFYPEER off.
#[test]
fn https_example_verifies_with_cainfo() {
    use fixtures::{CertKind, TestPki, TlsOptions, TlsServer};
    let files = TestPki::shared().write_temp().unwrap();
    let ca = files.ca.to_string_lossy().into_owned();
    let exe = example("https_get");
    let good = TlsServer::start(CertKind::Good, TlsOptions::default());
    let out = run(&exe, &[ca.clone(), good.url("/bytes/40000")]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("result=0 (No error) status=200 bytes=40000 verifyresult=0"),
        "{text}"
    );
    assert!(text.contains("ordered=1"), "{text}");
    let expired = TlsServer::start(CertKind::Expired, TlsOptions::default());
    let out = run(&exe, &[ca.clone(), expired.url("/bytes/10")]);
    assert!(!out.status.success());
    assert_eq!(field(&stdout(&out), "result"), Some(60));
    let out = run(&exe, &["-k".to_string(), ca, expired.url("/bytes/10")]);
    assert!(out.status.success(), "{}", stdout(&out));
}
