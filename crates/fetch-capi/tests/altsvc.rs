//! ALTSVC_CTRL and ALTSVC from C (tests/c/altsvc.c): the program runs
//! against libfetch under valgrind and, renamed, against the installed
//! libcurl; the setopt answers, the transfer through the alternative (an
//! HTTP/2 server on another port) and the files written must agree.

mod cbuild;

use std::path::Path;

use cbuild::Twin;
use fixtures::{CertKind, H2Server, TestPki, TlsOptions, TlsServer};

static PROGRAM: Twin = Twin::new("altsvc");

fn ours(args: &[&str]) -> Vec<String> {
    PROGRAM.ours(args)
}

fn theirs(args: &[&str]) -> Vec<String> {
    PROGRAM.theirs(args)
}

/// The entries of a written file (comments dropped), with the expiry
/// left out when `dates` is false (it depends on the second of writing).
fn entries(path: &Path, dates: bool) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            if dates {
                l.to_owned()
            } else {
                let (head, rest) = l.split_once('"').unwrap();
                let tail = rest.split_once('"').unwrap().1;
                format!("{head}DATE{tail}")
            }
        })
        .collect()
}

#[test]
fn setopt_answers_as_upstream() {
    let expected = ["ctrl0=43", "ctrl=0", "ro=0", "file=0", "null=0"];
    assert_eq!(ours(&["ctrl"]), expected);
    assert_eq!(theirs(&["ctrl"]), expected);
}

#[test]
fn an_alternative_read_from_the_file_is_used_and_written_back() {
    let origin = TlsServer::start(CertKind::Good, TlsOptions::default());
    let alt = H2Server::start_tls();
    let files = TestPki::shared().write_temp().unwrap();
    let ca = files.ca.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("altsvc-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.txt");
    let line = format!(
        "h1 localhost {} h2 localhost {} \"20991231 23:59:59\" 0 0",
        origin.addr().port(),
        alt.addr().port()
    );
    std::fs::write(&input, format!("# a comment\n{line}\n")).unwrap();
    let url = origin.url_host("localhost", "/bytes/5");
    let mut outs = Vec::new();
    for (name, run) in [
        ("fetch", ours as fn(&[&str]) -> Vec<String>),
        ("curl", theirs),
    ] {
        let out = dir.join(format!("out-{name}.txt"));
        let printed = run(&[
            "use",
            &url,
            ca,
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ]);
        // FETCH_HTTP_VERSION_2_0 (3): the h2 alternative answered.
        assert_eq!(
            printed,
            ["ctrl=0", "in=0", "out=0", "perform=0 version=3"],
            "{name}"
        );
        outs.push(entries(&out, true));
    }
    assert_eq!(alt.accepted(), 2, "both libraries went to the alternative");
    assert_eq!(origin.accepted(), 0);
    assert_eq!(outs[0], [line]);
    assert_eq!(outs[0], outs[1], "the same file lines");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_alt_svc_field_is_learnt_and_written_as_upstream_writes_it() {
    let origin = TlsServer::start(CertKind::Good, TlsOptions::default());
    let files = TestPki::shared().write_temp().unwrap();
    let ca = files.ca.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("altsvc-learn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = origin.url_host(
        "localhost",
        "/altsvc?h2=%22alt.test:8443%22;%20ma=3600;%20persist=1,%20h3=%22:443%22",
    );
    let mut outs = Vec::new();
    for (name, run) in [
        ("fetch", ours as fn(&[&str]) -> Vec<String>),
        ("curl", theirs),
    ] {
        let out = dir.join(format!("learn-{name}.txt"));
        let printed = run(&["learn", &url, ca, out.to_str().unwrap()]);
        assert_eq!(
            printed,
            ["ctrl=0", "out=0", "perform=0 version=2"],
            "{name}"
        );
        outs.push(entries(&out, false));
        let ro = dir.join(format!("ro-{name}.txt"));
        run(&["readonly", &url, ca, ro.to_str().unwrap()]);
        assert!(!ro.exists(), "READONLYFILE: nothing written ({name})");
    }
    let port = origin.addr().port();
    assert_eq!(
        outs[0],
        [
            format!("h1 localhost {port} h2 alt.test 8443 DATE 1 0"),
            format!("h1 localhost {port} h3 localhost 443 DATE 0 0"),
        ]
    );
    assert_eq!(outs[0], outs[1], "the same file lines as libcurl");
    let _ = std::fs::remove_dir_all(&dir);
}
