//! The C programs in `examples/` compiled with
//! `gcc -Wall -Wextra -Werror -std=c11` against `<fetch/fetch.h>` and the
//! static library built for this test run, then run against fixture
//! servers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use fixtures::HttpServer;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>/deps: the test binary lives there, and `cargo test`
/// writes the package's staticlib/cdylib there when it compiles the library
/// for the test run. (Only `cargo build` copies them up to target/<profile>,
/// so the copy there may be stale.)
fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().expect("target/<profile>/deps").to_path_buf()
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Compiles one C source into a unique executable and returns its path.
fn compile(source: &Path, name: &str) -> PathBuf {
    let lib = deps_dir().join("libfetch.a");
    assert!(lib.exists(), "{} not built", lib.display());
    let out_dir = deps_dir().join("c-examples");
    std::fs::create_dir_all(&out_dir).unwrap();
    // Unique per call: tests run in parallel and may build the same example.
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let exe = out_dir.join(format!(
        "{name}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let out = Command::new("gcc")
        .args(["-Wall", "-Wextra", "-Werror", "-std=c11", "-g", "-I"])
        .arg(crate_dir().join("include"))
        .arg(source)
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe)
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "gcc failed for {}:\n{}",
        source.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn example(name: &str) -> PathBuf {
    compile(
        &crate_dir().join("examples").join(format!("{name}.c")),
        name,
    )
}

fn run(exe: &Path, args: &[String]) -> Output {
    let out = Command::new(exe).args(args).output().expect("run example");
    eprintln!(
        "--- {} stdout:\n{}--- stderr:\n{}",
        exe.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn seed_socket_action_example_runs() {
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
}

#[test]
fn epoll_timerfd_app_fetches_many_urls() {
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
}

#[test]
fn perform_and_poll_loop() {
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
}

#[test]
fn bad_handles_and_error_strings() {
    let exe = example("bad_handles");
    let out = run(&exe, &[]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("ALL OK"));
    assert!(!text.contains("FAIL"));
}

#[test]
fn upstream_program_renamed_by_sed_compiles_and_runs() {
    let source = std::fs::read_to_string(crate_dir().join("examples/upstream/multi_getinfo.c"))
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
}

#[test]
fn epoll_example_is_clean_under_valgrind() {
    if !have("valgrind") {
        println!("skipped: valgrind is not installed");
        return;
    }
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
}
