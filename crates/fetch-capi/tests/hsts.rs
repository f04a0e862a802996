//! HSTS from C (tests/c/hsts.c): HSTS_CTRL and HSTS with upstream's file
//! format. An https response's Strict-Transport-Security is written to
//! the file at cleanup; a later handle reading the file goes to https for
//! an http:// URL of that host (under valgrind); READONLYFILE leaves the
//! file alone; without HSTS the URL is sent in clear.

mod cbuild;

use std::path::{Path, PathBuf};
use std::process::Command;

use cbuild::{compile, crate_dir};
use fixtures::{CertKind, TestPki, TlsOptions, TlsServer};

fn exe() -> PathBuf {
    compile(&crate_dir().join("tests/c/hsts.c"), "hsts")
}

fn run(exe: &Path, args: &[&str], valgrind: bool) -> Vec<String> {
    let mut cmd = if valgrind {
        cbuild::memcheck(exe)
    } else {
        Command::new(exe)
    };
    let out = cmd.args(args).output().expect("run hsts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "--- {}\n{stdout}--- stderr:\n{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    stdout.lines().map(str::to_owned).collect()
}

#[test]
fn learnt_over_https_written_read_back_and_used() {
    let exe = exe();
    let srv = TlsServer::start(CertKind::Good, TlsOptions::default());
    let port = srv.addr().port();
    let files = TestPki::shared().write_temp().unwrap();
    let ca = files.ca.to_str().unwrap();
    let file = std::env::temp_dir().join(format!("fetch-hsts-c-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let file_s = file.to_str().unwrap();
    let plain = format!("http://localhost:{port}/bytes/5");

    // Without HSTS the http:// URL goes in clear to a TLS server: fails.
    let out = run(&exe, &["get", &plain, ca, "0"], false);
    assert_ne!(out[1], "perform=0", "{out:?}");

    // Learn: FETCHHSTS_ENABLE and a file (not there yet).
    let learn = srv.url_host("localhost", "/hsts?max-age=31536000;includeSubDomains");
    let out = run(&exe, &["get", &learn, ca, "1", file_s], false);
    assert_eq!(out[..3], ["ctrl=0", "file=0", "perform=0"], "{out:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].starts_with(".localhost \""), "{text}");

    // Use, read-only: the http:// URL goes to https on the same port.
    std::fs::write(&file, "localhost \"unlimited\"\n").unwrap();
    let out = run(&exe, &["get", &plain, ca, "3", file_s], true);
    assert_eq!(out[2], "perform=0", "{out:?}");
    assert_eq!(
        out[3],
        format!("effective=https://localhost:{port}/bytes/5")
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "localhost \"unlimited\"\n",
        "READONLYFILE: not rewritten"
    );
    std::fs::remove_file(&file).unwrap();
}
