//! HTTP/2 server push from C (tests/c/push.c, under valgrind):
//! FETCHMOPT_PUSHFUNCTION/PUSHDATA, `fetch_pushheader_bynum`/`_byname`
//! inside and outside the callback, FETCH_PUSH_OK (the duplicated handle
//! is added by the library and ends in info_read with its own body and
//! effective URL), FETCH_PUSH_DENY (RST_STREAM(CANCEL), the handle freed),
//! FETCH_PUSH_ERROROUT (the parent fails) and no PUSHFUNCTION
//! (SETTINGS_ENABLE_PUSH=0, seen by the server; a server pushing anyway
//! ends the connection with PROTOCOL_ERROR). Numbers are checked against
//! upstream's header.

mod cbuild;

use std::path::{Path, PathBuf};

use cbuild::{compile, crate_dir, require};
use fixtures::{HostilePushServer, PushServer};

fn exe() -> PathBuf {
    compile(&crate_dir().join("tests/c/push.c"), "push")
}

fn run(exe: &Path, args: &[&str]) -> Vec<String> {
    require("valgrind");
    let out = cbuild::memcheck(exe).args(args).output().expect("run push");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "--- {stdout}--- stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    stdout.lines().map(str::to_owned).collect()
}

/// Upstream's multi.h, if installed.
fn upstream_multi_h() -> Option<String> {
    ["/usr/include/x86_64-linux-gnu/curl", "/usr/include/curl"]
        .iter()
        .find_map(|dir| std::fs::read_to_string(Path::new(dir).join("multi.h")).ok())
}

/// `#define NAME VALUE` or `CURLOPT(NAME, TYPE, N)` in `text`.
fn upstream_number(text: &str, name: &str) -> Option<i64> {
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#define ") {
            let mut it = rest.split_whitespace();
            if it.next() == Some(name) {
                return it.next()?.parse().ok();
            }
        }
        if let Some(rest) = line.strip_prefix(&format!("CURLOPT({name},")) {
            let (ty, n) = rest.split_once(',')?;
            let base = match ty.trim() {
                "CURLOPTTYPE_FUNCTIONPOINT" => 20000,
                "CURLOPTTYPE_OBJECTPOINT" | "CURLOPTTYPE_CBPOINT" => 10000,
                _ => 0,
            };
            return Some(base + n.trim().trim_end_matches([')', ',']).parse::<i64>().ok()?);
        }
    }
    None
}

#[test]
fn numbers_match_upstream() {
    let header = std::fs::read_to_string(crate_dir().join("include/fetch/fetch.h")).unwrap();
    for (ours, theirs, value) in [
        ("FETCHMOPT_PUSHFUNCTION", "CURLMOPT_PUSHFUNCTION", 20014),
        ("FETCHMOPT_PUSHDATA", "CURLMOPT_PUSHDATA", 10015),
        ("FETCH_PUSH_OK", "CURL_PUSH_OK", 0),
        ("FETCH_PUSH_DENY", "CURL_PUSH_DENY", 1),
        ("FETCH_PUSH_ERROROUT", "CURL_PUSH_ERROROUT", 2),
    ] {
        assert!(header.contains(ours), "{ours} in fetch.h");
        if let Some(up) = upstream_multi_h() {
            assert_eq!(upstream_number(&up, theirs), Some(value), "{theirs}");
        }
    }
    assert_eq!(fetch::FETCHMOPT_PUSHFUNCTION, 20014);
    assert_eq!(fetch::FETCHMOPT_PUSHDATA, 10015);
    assert_eq!(
        (
            fetch::FETCH_PUSH_OK,
            fetch::FETCH_PUSH_DENY,
            fetch::FETCH_PUSH_ERROROUT
        ),
        (0, 1, 2)
    );
}

#[test]
fn accepted_push_is_added_by_the_library_and_ends_in_info_read() {
    let exe = exe();
    let srv = PushServer::start();
    let out = run(&exe, &["accept", &srv.url("/push?n=1")]);
    let pushed = srv.url("/pushed/0");
    let expect = [
        "setopt=0,0".to_owned(),
        "push parent_ok=1 num=5 path=/pushed/0".to_owned(),
        "  bynum[0]=:method:GET".to_owned(),
        "  bynum[1]=:scheme:http".to_owned(),
        format!(
            "  bynum[2]=:authority:{}",
            pushed
                .trim_start_matches("http://")
                .trim_end_matches("/pushed/0")
        ),
        "  bynum[3]=:path:/pushed/0".to_owned(),
        "  bynum[4]=x-push-id:0".to_owned(),
        "  past_end_null=1".to_owned(),
        "  x-push-id=0".to_owned(),
        "  missing_null=1 colon_null=1 empty_null=1 inner_colon_null=1".to_owned(),
    ];
    assert_eq!(out[..expect.len()], expect, "{out:?}");
    let mut done: Vec<&str> = out[expect.len()..out.len() - 1]
        .iter()
        .map(String::as_str)
        .collect();
    done.sort_unstable();
    assert_eq!(
        done,
        [
            format!("done parent=0 result=0 url={pushed} body=pushed body 0"),
            format!(
                "done parent=1 result=0 url={} body=parent body",
                srv.url("/push?n=1")
            ),
        ]
    );
    assert_eq!(out.last().unwrap(), "outside_null=1,1");
    assert_eq!(srv.pushes(), 1);
}

#[test]
fn denied_push_is_reset_and_its_handle_freed() {
    let exe = exe();
    let srv = PushServer::start();
    let url = srv.url("/push?n=2&hold=1");
    let out = run(&exe, &["deny", &url]);
    assert_eq!(out.iter().filter(|l| l.starts_with("push ")).count(), 2);
    let done: Vec<&String> = out.iter().filter(|l| l.starts_with("done")).collect();
    assert_eq!(
        done,
        [&format!(
            "done parent=1 result=0 url={url} body=parent body"
        )]
    );
    let mut resets = srv.wait_resets(2);
    resets.sort();
    assert_eq!(
        resets,
        [("/pushed/0".to_owned(), 8), ("/pushed/1".to_owned(), 8)]
    );
}

#[test]
fn errorout_fails_the_parent() {
    let exe = exe();
    let srv = PushServer::start();
    let url = srv.url("/push?n=1&hold=1");
    let out = run(&exe, &["errorout", &url]);
    let done: Vec<&String> = out.iter().filter(|l| l.starts_with("done")).collect();
    assert_eq!(done.len(), 1, "{out:?}");
    // FETCHE_HTTP2 (16).
    assert!(done[0].starts_with("done parent=1 result=16 "), "{out:?}");
}

#[test]
fn without_pushfunction_push_is_refused_in_settings() {
    let exe = exe();
    let srv = PushServer::start();
    let url = srv.url("/push?n=1");
    let out = run(&exe, &["none", &url]);
    assert!(!out.iter().any(|l| l.starts_with("push ")), "{out:?}");
    assert!(
        out.contains(&format!(
            "done parent=1 result=0 url={url} body=parent body"
        )),
        "{out:?}"
    );
    // The server read SETTINGS_ENABLE_PUSH=0: its h2 stack refused to push.
    assert_eq!((srv.push_refused(), srv.pushes()), (1, 0));
}

#[test]
fn a_push_without_pushfunction_ends_the_connection() {
    let exe = exe();
    let hostile = HostilePushServer::start();
    let url = hostile.url("/");
    let out = run(&exe, &["none", &url]);
    // FETCHE_HTTP2 (16), nothing leaked on the way (valgrind).
    assert!(
        out.iter()
            .any(|l| l.starts_with(&format!("done parent=1 result=16 url={url}"))),
        "{out:?}"
    );
    // GOAWAY(PROTOCOL_ERROR).
    assert_eq!(hostile.finish(), [1]);
}
