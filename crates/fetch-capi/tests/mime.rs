//! The mime and form C APIs (`tests/c/mime.c`) under valgrind against a
//! recording server whose bodies are parsed part by part, and the shape of
//! a small form compared with upstream libcurl's (boundaries aside).

mod cbuild;

use std::path::PathBuf;
use std::process::Command;

use cbuild::{compile, compile_with, require};
use fixtures::multipart::{parse, split_request};
use fixtures::{Script, ScriptedServer};

const OK_EMPTY: &str = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

fn source() -> PathBuf {
    cbuild::crate_dir().join("tests/c/mime.c")
}

fn attachment() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fetch-capi-mime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("attach.txt");
    std::fs::write(&p, "file line\n").unwrap();
    p
}

/// Runs the program under valgrind (leaks and invalid accesses fail).
fn valgrind(exe: &PathBuf, url: &str, mode: &str, file: &PathBuf) -> String {
    require("valgrind");
    let out = Command::new("valgrind")
        .args([
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
        ])
        .arg(exe)
        .args([url, mode])
        .arg(file)
        .output()
        .expect("run valgrind");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn mime_api_from_c_under_valgrind() {
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n",
            )
            .expect_request()
            .write(OK_EMPTY)
            .close(),
    );
    let exe = compile(&source(), "mime");
    let file = attachment();
    let out = valgrind(&exe, &srv.url("/up"), "mime", &file);
    // Encoder names, subparts rules, NULL part: upstream's codes.
    assert!(out.contains("encoder_base64=0 encoder_bad=43"), "{out}");
    assert!(out.contains("subparts=0 loop=43 twice=43"), "{out}");
    assert!(out.contains("null_part=43"), "{out}");
    // The 307 resend rewound the data_cb part through its seek callback.
    assert!(out.contains("result=0 seeks=1"), "{out}");
    assert!(
        out.contains("freed=1"),
        "free callback once, at mime free: {out}"
    );
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    let (a, b) = (split_request(&reqs[0]), split_request(&reqs[1]));
    assert_eq!(a.body, b.body);
    let parts = parse(&b.body, b.boundary().unwrap());
    assert_eq!(
        parts.len(),
        5,
        "the part added by the refused subparts call is empty"
    );
    assert_eq!(parts[0].disposition_param("name").as_deref(), Some("cb"));
    assert_eq!(parts[0].body, b"callback data");
    assert_eq!(
        parts[1].disposition_param("filename").as_deref(),
        Some("attach.txt")
    );
    assert_eq!(parts[1].header("Content-Type"), Some("text/plain"));
    assert_eq!(parts[1].header("X-Owned"), Some("yes"));
    assert_eq!(parts[1].body, b"file line\n");
    assert_eq!(parts[2].header("Content-Transfer-Encoding"), Some("base64"));
    assert_eq!(parts[2].body, b"aGVsbG8gd29ybGQ=");
    let ct = parts[3].header("Content-Type").unwrap();
    let inner_boundary = ct.strip_prefix("multipart/mixed; boundary=").unwrap();
    let inner = parse(&parts[3].body, inner_boundary);
    assert_eq!(
        inner[0].disposition_param("filename").as_deref(),
        Some("inner.txt")
    );
    assert_eq!(inner[0].body, b"inner");
}

#[test]
fn formadd_and_httppost_from_c_under_valgrind() {
    let srv = ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY).close());
    let exe = compile(&source(), "form");
    let file = attachment();
    let out = valgrind(&exe, &srv.url("/form"), "form", &file);
    assert!(
        out.contains("add1=0 add2=0 add3=0 add4=0 add5=0 add6=0 add7=0 incomplete=5 twice=2"),
        "{out}"
    );
    assert!(out.contains("result=0"), "{out}");
    let req = split_request(&srv.requests()[0]);
    let formget_total: usize = out
        .split("total=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .unwrap();
    // formget serializes the same form (the stream field is empty there:
    // it has no easy handle to read from).
    assert!(formget_total > 0 && formget_total < req.body.len(), "{out}");
    let parts = parse(&req.body, req.boundary().unwrap());
    let names: Vec<_> = parts
        .iter()
        .map(|p| p.disposition_param("name").unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        ["name", "bin", "files", "content", "buf", "arr", "stream"]
    );
    assert_eq!(parts[0].body, b"daniel");
    assert_eq!(parts[1].body, b"b\0n");
    assert_eq!(parts[1].header("X-Form"), Some("1"));
    let ct = parts[2].header("Content-Type").unwrap();
    let files = parse(
        &parts[2].body,
        ct.strip_prefix("multipart/mixed; boundary=").unwrap(),
    );
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].header("Content-Type"), Some("text/x-one"));
    assert_eq!(
        files[0].disposition_param("filename").as_deref(),
        Some("attach.txt")
    );
    assert_eq!(
        files[1].disposition_param("filename").as_deref(),
        Some("second.txt")
    );
    assert_eq!(files[1].body, b"file line\n");
    assert_eq!(
        parts[3].disposition_param("filename"),
        None,
        "FILECONTENT: no file name"
    );
    assert_eq!(parts[3].body, b"file line\n");
    assert_eq!(
        parts[4].disposition_param("filename").as_deref(),
        Some("buf.dat")
    );
    assert_eq!(parts[4].body, b"xyz");
    assert_eq!(parts[5].body, b"from array");
    assert_eq!(parts[6].body, b"streamed");
}

/// Replaces every boundary (the request's and nested ones) with a name
/// by order of appearance.
fn normalize(req: &fixtures::multipart::Request) -> (String, String) {
    let mut body = String::from_utf8_lossy(&req.body).into_owned();
    let mut ct = req.header("Content-Type").unwrap().to_owned();
    let mut n = 0;
    while let Some(at) = format!("{ct}\n{body}").find("boundary=-") {
        let all = format!("{ct}\n{body}");
        let b: String = all[at + 9..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != ';')
            .collect();
        let name = format!("BOUNDARY{n}");
        body = body.replace(&b, &name);
        ct = ct.replace(&b, &name);
        n += 1;
    }
    (ct, body)
}

#[test]
fn small_form_has_upstreams_shape() {
    require("gcc");
    let file = attachment();
    let run = |exe: &PathBuf| {
        let srv = ScriptedServer::start(Script::new().expect_request().write(OK_EMPTY).close());
        let out = Command::new(exe)
            .args([&srv.url("/f"), "small"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("result=0"));
        split_request(&srv.requests()[0])
    };
    let ours = run(&compile(&source(), "mime-small"));
    let theirs = run(&compile_with(
        &source(),
        "mime-small-curl",
        &["-DUSE_CURL".to_owned()],
        &["-lcurl".to_owned()],
    ));
    assert_eq!(normalize(&ours), normalize(&theirs));
    assert_eq!(
        ours.header("Content-Length"),
        theirs.header("Content-Length")
    );
}

/// The same handle and mime performed twice send the whole form twice
/// (the form is built afresh for each transfer), under valgrind.
#[test]
fn a_form_is_sent_again_by_a_second_perform() {
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(OK_EMPTY)
            .expect_request()
            .write(OK_EMPTY)
            .close(),
    );
    require("valgrind");
    let exe = compile(&source(), "mime-twice");
    let out = Command::new("valgrind")
        .args(["-q", "--error-exitcode=99", "--leak-check=full"])
        .arg(&exe)
        .args([&srv.url("/f"), "small"])
        .arg(attachment())
        .arg("2")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("result=0").count(), 2, "{stdout}");
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    let (a, b) = (split_request(&reqs[0]), split_request(&reqs[1]));
    let (pa, pb) = (
        parse(&a.body, a.boundary().unwrap()),
        parse(&b.body, b.boundary().unwrap()),
    );
    assert_eq!(pa.len(), 6);
    assert_eq!(pa.len(), pb.len());
    for (x, y) in pa.iter().zip(&pb) {
        assert_eq!(x.disposition_param("name"), y.disposition_param("name"));
        if x.header("Content-Type")
            .is_none_or(|t| !t.starts_with("multipart/"))
        {
            assert_eq!(x.body, y.body);
        }
    }
}

/// A `data_cb` part of unknown size goes chunked; without a seek callback
/// a 307 cannot resend it: FETCHE_SEND_FAIL_REWIND (65), nothing resent.
#[test]
fn data_cb_without_seek_fails_a_307_resend() {
    let srv = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n",
            )
            .expect_request()
            .write(OK_EMPTY)
            .close(),
    );
    let exe = compile(&source(), "mime-noseek");
    let out = valgrind(&exe, &srv.url("/up"), "noseek", &attachment());
    assert!(out.contains("result=65"), "{out}");
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1, "nothing was resent");
    let req = split_request(&reqs[0]);
    assert!(req.chunked);
    let parts = parse(&req.body, req.boundary().unwrap());
    assert_eq!(parts[0].body, b"no way back");
}
