//! The share interface from C (tests/c/share.c, under valgrind): setopt
//! and cleanup answers as upstream's, cookies set by one handle sent by
//! another, a name looked up once for two handles and a RESOLVE pin found
//! by a handle that did not set it, TLS sessions resumed across handles;
//! each handle runs in `fetch_easy_perform`, with a multi of its own. The
//! lock callbacks are checked to pair, never nest and carry the handle.

mod cbuild;

use std::path::{Path, PathBuf};

use cbuild::{compile, crate_dir, require};
use fixtures::{CertKind, HttpServer, Script, ScriptedServer, TestPki, TlsOptions, TlsServer};

fn exe() -> PathBuf {
    compile(&crate_dir().join("tests/c/share.c"), "share")
}

/// Runs the program under valgrind (leaks and errors fail it).
fn run(exe: &Path, args: &[&str]) -> Vec<String> {
    require("valgrind");
    let out = cbuild::memcheck(exe)
        .args(args)
        .output()
        .expect("run valgrind");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "--- {}\n{stdout}--- stderr:\n{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    stdout.lines().map(str::to_owned).collect()
}

fn cookie_of(request: &[u8]) -> Option<String> {
    String::from_utf8_lossy(request)
        .split("\r\n")
        .find_map(|l| l.strip_prefix("Cookie: ").map(str::to_owned))
}

fn answer(extra: &str) -> Script {
    Script::new()
        .expect_request()
        .write_str(&format!(
            "HTTP/1.1 200 OK\r\n{extra}Content-Length: 2\r\nConnection: close\r\n\r\nok"
        ))
        .close()
}

#[test]
fn setopt_and_cleanup_answer_as_upstream() {
    let out = run(&exe(), &["codes"]);
    // Checked against libcurl 7.88: NONE, SHARE and LAST are bad options;
    // PSL, HSTS and CONNECT are accepted.
    let expected = [
        "share 0=1",
        "share 1=1",
        "share 2=0",
        "share 3=0",
        "share 4=0",
        "share 5=0",
        "share 6=0",
        "share 7=0",
        "share 8=1",
        "unshare psl=0",
        "option 99=1",
        "null share=3",
        "null cleanup=3",
        "attach=0",
        "setopt in use=2",
        "cleanup in use=2",
        "after reset=2",
        "detach=0",
        "setopt free=0",
        "cleanup=0",
        "again=3",
    ];
    assert_eq!(out, expected);
}

#[test]
fn cookies_set_by_one_handle_go_with_another() {
    let setter = ScriptedServer::start(answer("Set-Cookie: sid=7; Path=/\r\n"));
    let reader = ScriptedServer::start(answer(""));
    let out = run(
        &exe(),
        &["cookies", &setter.url("/login"), &reader.url("/next")],
    );
    assert_eq!(cookie_of(&setter.requests()[0]), None);
    assert_eq!(cookie_of(&reader.requests()[0]).as_deref(), Some("sid=7"));
    assert!(out.contains(&"perform1=0".to_owned()), "{out:?}");
    assert!(out.contains(&"perform2=0".to_owned()), "{out:?}");
    assert!(
        out.iter()
            .any(|l| l.starts_with("cookie: 127.0.0.1\t") && l.ends_with("\tsid\t7")),
        "{out:?}"
    );
    assert!(out.contains(&"cleanup in use=2".to_owned()));
    assert!(out.contains(&"cleanup still in use=2".to_owned()));
    assert_eq!(out.last().unwrap(), "cleanup=0");
    // Attach (at setopt) and detach (at cleanup) of two handles and two
    // refused cleanups take the SHARE lock; request and response of each
    // transfer and the COOKIEJAR flush at each cleanup the COOKIE lock
    // (the pattern libcurl 7.88 shows); DNS is not shared, so not locked.
    let locks = out.iter().find(|l| l.starts_with("locks ")).unwrap();
    assert_eq!(
        locks, "locks share=6 cookie=6 dns=0 ssl=0 nested=0 unpaired=0 open=0 bad=0",
        "{out:?}"
    );
    let handles: Vec<&str> = out
        .iter()
        .filter_map(|l| l.strip_prefix("handle "))
        .collect();
    assert_eq!(handles, ["first", "second", "null"]);
}

#[test]
fn a_name_and_a_pin_found_through_the_dns_share() {
    let srv = HttpServer::start();
    let port = srv.addr().port();
    let name = fixtures::loopback_alias();
    let url = format!("http://{name}:{port}/bytes/5");
    let pin_url = format!("http://pinned.invalid:{port}/bytes/5");
    let pin = format!("pinned.invalid:{port}:127.0.0.1");
    let out = run(&exe(), &["dns", &url, &pin_url, &pin]);
    let expected_start = [
        "share=0",
        "perform1=0",
        "perform2=0",
        "cache hit=1",
        "pinned1=0",
        "pinned2=0",
        // FETCHE_COULDNT_RESOLVE_HOST without the share.
        "unshared=6",
    ];
    assert_eq!(out[..expected_start.len()], expected_start, "{out:?}");
    let locks = out.iter().find(|l| l.starts_with("locks ")).unwrap();
    assert!(
        locks.contains(" nested=0 unpaired=0 open=0 bad=0"),
        "{locks}"
    );
    assert!(!locks.contains(" dns=0 "), "{locks}");
    assert_eq!(out.last().unwrap(), "cleanup=0");
}

#[test]
fn tls_sessions_resume_across_handles_through_the_share() {
    let srv = TlsServer::start(CertKind::Good, TlsOptions::default());
    let files = TestPki::shared().write_temp().unwrap();
    let out = run(
        &exe(),
        &["tls", &srv.url("/bytes/10"), files.ca.to_str().unwrap()],
    );
    assert!(out.contains(&"perform1=0".to_owned()), "{out:?}");
    assert!(out.contains(&"perform2=0".to_owned()), "{out:?}");
    assert_eq!(srv.handshakes_completed(), 2, "two connections");
    assert_eq!(srv.resumed_sessions(), 1, "the second resumed the first's");
    let locks = out.iter().find(|l| l.starts_with("locks ")).unwrap();
    assert!(
        locks.contains(" nested=0 unpaired=0 open=0 bad=0"),
        "{locks}"
    );
    assert!(!locks.contains(" ssl=0 "), "{locks}");
    assert_eq!(out.last().unwrap(), "cleanup=0");
}
