//! The transfer options and info ids of issue 14 (PATH_AS_IS, REFERER,
//! AUTOREFERER, FAILONERROR, RANGE, RESUME_FROM, FILETIME, PROTOCOLS_STR,
//! REDIR_PROTOCOLS_STR, POSTREDIR, HEADEROPT, TIMECONDITION/TIMEVALUE), the
//! default `FILE *` I/O, and the info ids CONTENT_TYPE, FILETIME, SCHEME,
//! HEADER_SIZE, REQUEST_SIZE, CONDITION_UNMET, RETRY_AFTER,
//! EFFECTIVE_METHOD, PRIVATE, HTTP_VERSION and REFERER, as a C program
//! meets them.
//!
//! `tests/c/xfer_options.c` is compiled twice: against libfetch as written,
//! and renamed by `s/fetch/curl/g; s/FETCH/CURL/g` against the installed
//! upstream libcurl (`.ci/run` installs libcurl4-openssl-dev). Each
//! scenario runs both builds against identical scripted servers and checks
//! libfetch's output for the expected values and against upstream's, and
//! the requests the server got.

mod cbuild;

use std::path::Path;
use std::process::Command;

use cbuild::{Lib, Twin, printed, require};
use fixtures::{CertKind, Script, ScriptedServer, TestPki, TlsOptions, TlsServer};

static PROGRAM: Twin = Twin::new("xfer_options");

fn exe(lib: Lib) -> &'static Path {
    PROGRAM.exe(lib)
}

/// What one run printed and what its server received.
#[derive(Debug)]
struct Run {
    out: String,
    requests: Vec<String>,
}

impl Run {
    /// The value printed for `key` (the first such line).
    fn get(&self, key: &str) -> &str {
        printed(&self.out, key)
    }

    /// The request heads' lines, for one request.
    fn request_lines(&self, i: usize) -> Vec<&str> {
        let head = self.requests[i].split("\r\n\r\n").next().unwrap_or("");
        head.split("\r\n").collect()
    }
}

/// Runs the build for `lib` in `mode` against a fresh server running
/// `scripts`; `path` is the URL's path (`{base}` in `arg` becomes the
/// server's URL without a path).
fn run_one(lib: Lib, scripts: &[Script], mode: &str, path: &str, arg: &str) -> Run {
    let server = ScriptedServer::start_seq(scripts.to_vec());
    let base = server.url("");
    let base = base.trim_end_matches('/');
    let url = if path.contains("://") {
        path.to_owned()
    } else {
        format!("{base}{path}")
    };
    let arg = arg.replace("{base}", base);
    let exe = exe(lib);
    let out = Command::new(exe)
        .args([mode, url.as_str(), arg.as_str()])
        .output()
        .expect("run the C program");
    let text = String::from_utf8_lossy(&out.stdout).replace(base, "BASE");
    assert!(
        out.status.success(),
        "{lib:?} {mode}: exit {:?}\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = server
        .requests()
        .iter()
        .map(|r| {
            String::from_utf8_lossy(r)
                .replace(base, "BASE")
                .replace(&addr_of(base), "ADDR")
        })
        .collect();
    drop(server);
    Run {
        out: text.replace(&addr_of(base), "ADDR"),
        requests,
    }
}

/// `127.0.0.1:PORT` of a base URL.
fn addr_of(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// Runs both builds; returns (libfetch, upstream).
fn both(scripts: &[Script], mode: &str, path: &str, arg: &str) -> (Run, Run) {
    let ours = run_one(Lib::Fetch, scripts, mode, path, arg);
    let theirs = run_one(Lib::Upstream, scripts, mode, path, arg);
    eprintln!(
        "--- libfetch {mode} {arg}:\n{}{:?}\n--- upstream:\n{}{:?}",
        ours.out, ours.requests, theirs.out, theirs.requests
    );
    (ours, theirs)
}

/// Asserts that both printed the same for each key.
#[track_caller]
fn same(ours: &Run, theirs: &Run, keys: &[&str]) {
    for key in keys {
        assert_eq!(
            ours.get(key),
            theirs.get(key),
            "{key} differs from upstream"
        );
    }
}

fn response(status: &str, headers: &[&str], body: &str) -> String {
    let mut r = format!("HTTP/1.1 {status}\r\n");
    for h in headers {
        r.push_str(h);
        r.push_str("\r\n");
    }
    r.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    r
}

fn serve(responses: &[String]) -> Vec<Script> {
    let mut s = Script::new();
    for r in responses {
        s = s.expect_request().write(r.as_bytes());
    }
    vec![s]
}

/// The sorted lines of request `i`'s head: the order of header lines
/// differs between the libraries and does not matter.
fn sorted_head(run: &Run, i: usize) -> Vec<String> {
    let mut lines: Vec<String> = run.request_lines(i).iter().map(|l| l.to_string()).collect();
    lines[1..].sort();
    lines
}

fn ok_body(body: &str) -> String {
    response("200 OK", &[], body)
}

/// Every header line both delivered to the header callback.
fn header_lines(run: &Run) -> Vec<&str> {
    run.out
        .lines()
        .filter(|l| l.starts_with("header["))
        .collect()
}

#[test]
fn failonerror_stops_at_the_head_with_22() {
    for mode in ["fail", "failuser"] {
        for status in ["404 Not Found", "401 Unauthorized", "500 Oops"] {
            let (o, t) = both(
                &serve(&[response(status, &["X-A: 1"], "missing")]),
                mode,
                "/x",
                "",
            );
            assert_eq!(o.get("result"), "22");
            let code = &status[..3];
            assert_eq!(
                o.get("error"),
                format!("The requested URL returned error: {code}")
            );
            assert_eq!(o.get("body"), "", "the body is not delivered");
            assert_eq!(o.get("code"), format!("{code} (rc 0)"));
            same(&o, &t, &["result", "error", "body", "code"]);
            assert_eq!(header_lines(&o), header_lines(&t), "head delivered whole");
        }
    }
    // Below 400 nothing changes.
    let (o, t) = both(
        &serve(&[response("302 Found", &[], "moved")]),
        "fail",
        "/x",
        "",
    );
    assert_eq!(o.get("result"), "0");
    assert_eq!(o.get("body"), "moved");
    same(&o, &t, &["result", "body", "code"]);
}

#[test]
fn range_asks_for_bytes_and_takes_a_200_whole() {
    let partial = response(
        "206 Partial Content",
        &["Content-Range: bytes 0-4/10"],
        "hello",
    );
    let (o, t) = both(&serve(&[partial]), "range", "/x", "0-4");
    assert!(o.request_lines(0).contains(&"Range: bytes=0-4"));
    assert_eq!(sorted_head(&o, 0), sorted_head(&t, 0));
    assert_eq!(o.get("body"), "hello");
    same(&o, &t, &["result", "body", "code"]);
    // An empty range is sent empty, as upstream does.
    let (o, t) = both(&serve(&[ok_body("ok")]), "range", "/x", "");
    assert!(o.request_lines(0).contains(&"Range: bytes="));
    assert_eq!(sorted_head(&o, 0), sorted_head(&t, 0));
    // A server that ignores the range: the whole document, no error.
    let (o, t) = both(&serve(&[ok_body("helloworld")]), "range", "/x", "0-4");
    assert_eq!((o.get("result"), o.get("body")), ("0", "helloworld"));
    same(&o, &t, &["result", "body", "code"]);
}

#[test]
fn resume_from_asks_from_the_offset_and_needs_the_range() {
    let cases = [
        // (mode, offset, response, result, body)
        (
            "resume",
            "5",
            response("206 Partial", &["Content-Range: bytes 5-9/10"], "world"),
            "0",
            "world",
        ),
        ("resume", "5", ok_body("helloworld"), "33", ""),
        (
            "resume",
            "5",
            response("206 Partial", &["Content-Range: bytes 3-9/10"], "loworld"),
            "33",
            "",
        ),
        // Nothing left to fetch: the whole document is the offset long.
        ("resume", "10", ok_body("helloworld"), "0", ""),
        (
            "resume_long",
            "5",
            response("206 Partial", &["Content-Range: bytes 5-9/10"], "world"),
            "0",
            "world",
        ),
        ("resume_long", "3", ok_body("helloworld"), "33", ""),
    ];
    for (mode, offset, resp, result, body) in cases {
        let (o, t) = both(&serve(&[resp]), mode, "/x", offset);
        let range = format!("Range: bytes={offset}-");
        assert!(
            o.request_lines(0).contains(&range.as_str()),
            "{:?}",
            o.requests
        );
        assert_eq!(sorted_head(&o, 0), sorted_head(&t, 0));
        assert_eq!(
            (o.get("result"), o.get("body")),
            (result, body),
            "{mode} {offset}"
        );
        same(&o, &t, &["result", "body", "code", "error"]);
    }
}

#[test]
fn filetime_reads_last_modified_or_minus_one() {
    let dated = response(
        "200 OK",
        &["Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT"],
        "ok",
    );
    let (o, t) = both(&serve(std::slice::from_ref(&dated)), "filetime", "/x", "");
    assert_eq!(o.get("filetime_t"), "784111777 (rc 0)");
    assert_eq!(o.get("filetime"), "784111777 (rc 0)");
    same(&o, &t, &["filetime", "filetime_t"]);
    // Without FETCHOPT_FILETIME, and with a date that is not one: -1.
    let (o, t) = both(&serve(&[dated]), "plain", "/x", "");
    assert_eq!(o.get("filetime_t"), "-1 (rc 0)");
    same(&o, &t, &["filetime", "filetime_t"]);
    let bad = response("200 OK", &["Last-Modified: garbage"], "ok");
    let (o, t) = both(&serve(&[bad]), "filetime", "/x", "");
    assert_eq!(o.get("filetime"), "-1 (rc 0)");
    same(&o, &t, &["filetime", "filetime_t"]);
}

/// Upstream names itself in this message; the rest is the same.
fn error_text(run: &Run) -> String {
    run.get("error").replace("libcurl", "libfetch")
}

#[test]
fn protocols_refuse_other_schemes_with_1() {
    let (o, t) = both(&serve(&[ok_body("ok")]), "protocols", "/x", "https");
    let setopts: Vec<&str> = o.out.lines().filter(|l| l.starts_with("setopt")).collect();
    assert_eq!(
        setopts,
        [
            "setopt FETCHOPT_PROTOCOLS_STR=1",
            "setopt FETCHOPT_PROTOCOLS_STR=43",
            "setopt FETCHOPT_PROTOCOLS_STR=0"
        ]
    );
    assert_eq!(o.get("result"), "1");
    assert!(o.requests.is_empty(), "nothing is sent");
    assert_eq!(
        o.get("error"),
        "Protocol \"http\" not supported or disabled in libfetch"
    );
    same(&o, &t, &["result"]);
    assert_eq!(error_text(&o), error_text(&t));
    // Names are case-insensitive; known upstream names that are not built
    // in are accepted; a refused list keeps the old one.
    for list in ["HTTP,ftp", "all", "http, https"] {
        let (o, t) = both(&serve(&[ok_body("ok")]), "protocols", "/x", list);
        assert_eq!(o.get("result"), "0", "{list}");
        let ours: Vec<&str> = o.out.lines().filter(|l| l.starts_with("setopt")).collect();
        let theirs: Vec<String> = t
            .out
            .lines()
            .filter(|l| l.starts_with("setopt"))
            .map(|l| l.replace("CURL", "FETCH"))
            .collect();
        assert_eq!(ours, theirs, "{list}");
    }
    // The deprecated mask: FETCHPROTO_HTTPS only.
    let (o, t) = both(&serve(&[ok_body("ok")]), "protomask", "/x", "2");
    assert_eq!(o.get("result"), "1");
    same(&o, &t, &["result"]);
}

fn redirect(status: &str, to: &str) -> String {
    response(
        status,
        &[&format!("Location: {to}"), "Content-Type: text/html"],
        "",
    )
}

#[test]
fn redir_protocols_refuse_a_redirect_with_1() {
    let scripts = serve(&[redirect("302 Found", "/next"), ok_body("ok")]);
    let (o, t) = both(&scripts, "redirproto", "/x", "https");
    assert_eq!(o.get("result"), "1");
    assert_eq!(o.requests.len(), 1, "the redirect is not followed");
    assert_eq!(o.get("redirects"), "1 (rc 0)");
    same(&o, &t, &["result", "code", "redirects"]);
    assert_eq!(error_text(&o), error_text(&t));
    // The default allows http.
    let (o, _) = both(&scripts, "redirproto", "/x", "");
    assert_eq!((o.get("result"), o.get("body")), ("0", "ok"));
    let (o, t) = both(&scripts, "redirmask", "/x", "1");
    assert_eq!(o.get("result"), "0");
    same(&o, &t, &["result", "body"]);
}

#[test]
fn postredir_keeps_post_on_the_chosen_redirects() {
    for status in ["301 Moved", "302 Found", "303 See Other"] {
        for bits in ["0", "1", "2", "4", "7"] {
            let scripts = serve(&[redirect(status, "/next"), ok_body("ok")]);
            let (o, t) = both(&scripts, "postredir", "/x", bits);
            assert_eq!(o.requests.len(), 2);
            assert_eq!(
                o.request_lines(1)[0],
                t.request_lines(1)[0],
                "{status} {bits}"
            );
            let body = |r: &Run| r.requests[1].split("\r\n\r\n").nth(1).map(str::to_owned);
            assert_eq!(body(&o), body(&t), "{status} {bits}");
            same(&o, &t, &["result", "method"]);
        }
    }
}

#[test]
fn referer_and_autoreferer() {
    let scripts = serve(&[redirect("302 Found", "/next"), ok_body("ok")]);
    for auto in ["0", "1"] {
        let (o, t) = both(&scripts, "referer", "/x?q=1#frag", auto);
        assert_eq!(o.get("referer_before"), "(null) (rc 0)");
        assert!(
            o.request_lines(0)
                .contains(&"Referer: http://from.example/page")
        );
        let second = if auto == "1" {
            "Referer: BASE/x?q=1"
        } else {
            "Referer: http://from.example/page"
        };
        assert!(o.request_lines(1).contains(&second), "{:?}", o.requests);
        assert_eq!(sorted_head(&o, 1), sorted_head(&t, 1));
        same(&o, &t, &["referer_before", "referer", "result"]);
        // Sizes add up over the redirect; the redirect's type stays when
        // the final response has none.
        same(&o, &t, &["header_size", "request_size", "content_type"]);
    }
    // Never the user, password or fragment of the URL redirected from.
    let (o, t) = both(&scripts, "referer", "/x#frag", "1");
    let _ = t;
    assert!(!o.requests[1].contains("frag"));
}

#[test]
fn autoreferer_drops_credentials() {
    let scripts = serve(&[redirect("302 Found", "/next"), ok_body("ok")]);
    let server = ScriptedServer::start_seq(scripts);
    let url = server.url("/x").replace("http://", "http://user:pw@");
    let out = Command::new(exe(Lib::Fetch))
        .args(["referer", url.as_str(), "1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let requests = server.requests();
    let second = String::from_utf8_lossy(&requests[1]);
    let base = server.url("/x");
    assert!(second.contains(&format!("Referer: {base}\r\n")), "{second}");
}

#[test]
fn time_conditions_as_upstream() {
    let doc = |d: &str| response("200 OK", &[&format!("Last-Modified: {d}")], "ok");
    let nov6 = "Sun, 06 Nov 1994 08:49:37 GMT";
    let cases = [
        // (condition and value, response, header sent, code, unmet, body)
        (
            "1 784111777",
            "HTTP/1.1 304 Not Modified\r\n\r\n".to_owned(),
            format!("If-Modified-Since: {nov6}"),
            "304",
            "1",
            "",
        ),
        // The server ignores the condition: upstream answers for it.
        (
            "1 784111777",
            doc(nov6),
            format!("If-Modified-Since: {nov6}"),
            "304",
            "1",
            "",
        ),
        (
            "1 784111776",
            doc(nov6),
            "If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT".to_owned(),
            "200",
            "0",
            "ok",
        ),
        (
            "2 784111776",
            doc(nov6),
            "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT".to_owned(),
            "304",
            "1",
            "",
        ),
        (
            "3 784111777",
            ok_body("ok"),
            format!("Last-Modified: {nov6}"),
            "200",
            "0",
            "ok",
        ),
    ];
    for (arg, resp, line, code, unmet, body) in cases {
        let (o, t) = both(&serve(&[resp]), "timecond", "/x", arg);
        assert!(
            o.out.contains("setopt FETCHOPT_TIMECONDITION=43\n"),
            "bad value refused"
        );
        assert!(
            o.request_lines(0).contains(&line.as_str()),
            "{arg}: {:?}",
            o.requests
        );
        assert_eq!(sorted_head(&o, 0), sorted_head(&t, 0));
        assert_eq!(o.get("result"), "0");
        assert_eq!(o.get("code"), format!("{code} (rc 0)"), "{arg}");
        assert_eq!(o.get("condition_unmet"), format!("{unmet} (rc 0)"), "{arg}");
        assert_eq!(o.get("body"), body, "{arg}");
        same(&o, &t, &["result", "code", "condition_unmet", "body"]);
    }
    let (o, t) = both(&serve(&[ok_body("ok")]), "timevalue_long", "/x", "0");
    assert!(
        o.request_lines(0)
            .contains(&"If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT")
    );
    assert_eq!(sorted_head(&o, 0), sorted_head(&t, 0));
}

#[test]
fn path_as_is_keeps_dot_segments() {
    for (on, line) in [
        ("1", "GET /a/../b/./c HTTP/1.1"),
        ("0", "GET /b/c HTTP/1.1"),
    ] {
        let (o, t) = both(&serve(&[ok_body("ok")]), "pathasis", "/a/../b/./c", on);
        assert_eq!(o.request_lines(0)[0], line);
        assert_eq!(t.request_lines(0)[0], line);
    }
}

#[test]
fn headeropt_values_are_accepted() {
    let (o, t) = both(&serve(&[ok_body("ok")]), "headeropt", "/x", "");
    assert!(
        o.out
            .contains("setopt FETCHOPT_HEADEROPT=0\nsetopt FETCHOPT_HEADEROPT=0\n")
    );
    same(&o, &t, &["result", "body"]);
}

/// Without write, header and read callbacks the body goes to WRITEDATA,
/// the head to HEADERDATA and the upload comes from READDATA, each a
/// `FILE *` (here from tmpfile()).
#[test]
fn default_io_uses_the_files() {
    let resp = response("200 OK", &[], "stored");
    let (o, t) = both(&serve(&[resp]), "defaultio", "/up", "");
    assert_eq!(o.get("result"), "0");
    assert_eq!(o.get("written"), "stored");
    assert_eq!(o.get("headers"), "HTTP/1.1 200 OK||Content-Length: 6||||");
    same(&o, &t, &["result", "written"]);
    // Upstream 7.88 asks for 100-continue before any PUT body; later
    // versions and libfetch only before large ones.
    let head = t.get("headers");
    assert_eq!(
        o.get("headers"),
        head.strip_prefix("HTTP/1.1 100 Continue||||")
            .unwrap_or(head)
    );
    let body = o.requests[0].split("\r\n\r\n").nth(1).unwrap();
    assert_eq!(body, "uploaded from a FILE");
    assert!(o.request_lines(0)[0].starts_with("PUT /up "));
}

#[test]
fn info_ids_as_upstream() {
    let resp = response(
        "200 OK",
        &[
            "Content-Type:  text/html; charset=utf-8 ",
            "Retry-After: 120",
        ],
        "ok",
    );
    let (o, t) = both(&serve(&[resp]), "info", "/x", "");
    let expect = [
        ("content_type_before", "(null) (rc 0)"),
        ("method_before", "GET (rc 0)"),
        ("filetime_before", "-1 (rc 0)"),
        ("version_before", "0 (rc 0)"),
        ("private_matches", "1"),
        ("content_type", "text/html; charset=utf-8 (rc 0)"),
        ("scheme", "HTTP (rc 0)"),
        ("request_size", "55 (rc 0)"),
        ("http_version", "2 (rc 0)"),
        ("method", "GET (rc 0)"),
        ("retry_after", "120 (rc 0)"),
        ("condition_unmet", "0 (rc 0)"),
        ("ssl_verifyresult", "0 (rc 0)"),
        ("referer", "(null) (rc 0)"),
    ];
    for (key, value) in expect {
        assert_eq!(o.get(key), value, "{key}");
    }
    let keys: Vec<&str> = expect.iter().map(|(k, _)| *k).collect();
    same(&o, &t, &keys);
    same(&o, &t, &["header_size"]);
    // A POST answered by HTTP/1.0, with a Retry-After date in the past.
    let resp = "HTTP/1.0 200 OK\r\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
                Content-Length: 2\r\n\r\nok"
        .to_owned();
    let (o, t) = both(&serve(&[resp]), "info", "/x", "post");
    assert_eq!(o.get("method"), "POST (rc 0)");
    assert_eq!(o.get("http_version"), "1 (rc 0)");
    assert_eq!(o.get("content_type"), "(null) (rc 0)");
    assert!(o.get("retry_after").starts_with('-'));
    same(
        &o,
        &t,
        &[
            "method",
            "http_version",
            "content_type",
            "header_size",
            "request_size",
        ],
    );
}

/// Runs `lib`'s build in `mode` against `url`, with `arg`.
fn run_url(lib: Lib, mode: &str, url: &str, arg: &str) -> Run {
    let exe = exe(lib);
    let out = Command::new(exe).args([mode, url, arg]).output().unwrap();
    assert!(out.status.success());
    Run {
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        requests: Vec::new(),
    }
}

/// FETCHINFO_SSL_VERIFYRESULT carries OpenSSL's reason when verification
/// fails (upstream's with OpenSSL), 0 otherwise; FETCHINFO_SCHEME says
/// HTTPS.
#[test]
fn ssl_verifyresult_names_the_reason() {
    let files = TestPki::shared().write_temp().unwrap();
    let ca = files.ca.to_str().unwrap();
    // (certificate, libfetch's result, its verify result, upstream's verify
    // result when it differs: OpenSSL tells a self-signed certificate from
    // an unknown issuer, rustls does not)
    let cases = [
        (CertKind::Good, "0", "0", None),
        (CertKind::Expired, "60", "10", None),
        (CertKind::SelfSigned, "60", "20", Some("18")),
        (CertKind::WrongHost, "60", "1", None),
    ];
    for (kind, result, verify, upstream) in cases {
        let server = TlsServer::start(kind, TlsOptions::default());
        let url = server.url("/bytes/3");
        let o = run_url(Lib::Fetch, "tls", &url, ca);
        let t = run_url(Lib::Upstream, "tls", &url, ca);
        eprintln!("{kind:?}:\n{}\n{}", o.out, t.out);
        assert_eq!(o.get("result"), result, "{kind:?}");
        assert_eq!(
            o.get("ssl_verifyresult"),
            format!("{verify} (rc 0)"),
            "{kind:?}"
        );
        same(&o, &t, &["result"]);
        let theirs = upstream.unwrap_or(verify);
        assert_eq!(
            t.get("ssl_verifyresult"),
            format!("{theirs} (rc 0)"),
            "{kind:?}"
        );
        // Known once connected, even when the handshake then fails.
        assert_eq!(o.get("scheme"), "HTTPS (rc 0)");
        same(&o, &t, &["scheme"]);
    }
}

/// No connection, no scheme: FETCHINFO_SCHEME stays NULL when the connect
/// fails, and the method is still the one asked for.
#[test]
fn scheme_is_null_without_a_connection() {
    let url = format!("http://{}/", fixtures::closed_port());
    let o = run_url(Lib::Fetch, "plain", &url, "");
    let t = run_url(Lib::Upstream, "plain", &url, "");
    assert_eq!(o.get("result"), "7");
    assert_eq!(o.get("scheme"), "(null) (rc 0)");
    same(&o, &t, &["result", "scheme", "method", "ssl_verifyresult"]);
}

/// Inside the write callback the new info ids already answer for the
/// response being delivered, as upstream's do.
#[test]
fn info_inside_the_write_callback_is_current() {
    let resp = response(
        "200 OK",
        &["Content-Type: application/json", "Retry-After: 7"],
        "{}",
    );
    let (o, t) = both(&serve(&[resp]), "incallback", "/x", "");
    assert_eq!(o.get("in_write"), "application/json/GET/2/7");
    same(&o, &t, &["in_write"]);
}

/// Without WRITEDATA and READDATA the defaults are stdout and stdin.
#[test]
fn default_io_without_data_is_stdout_and_stdin() {
    use std::io::Write;
    use std::process::Stdio;
    let resp = response("200 OK", &[], "to stdout");
    for lib in [Lib::Fetch, Lib::Upstream] {
        let server = ScriptedServer::start_seq(serve(std::slice::from_ref(&resp)));
        let exe = exe(lib);
        let mut child = Command::new(exe)
            .args(["stdio", server.url("/in").as_str(), "10"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"from stdin")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("body_starts=to stdout\nresult=0\n"),
            "{lib:?}: {text}"
        );
        let requests = server.requests();
        let body = String::from_utf8_lossy(&requests[0]);
        assert!(body.ends_with("\r\n\r\nfrom stdin"), "{lib:?}: {body}");
    }
}

/// EFFECTIVE_METHOD reads CUSTOMREQUEST and NOBODY first, then the method
/// of the last transfer (set when it starts, even if it cannot connect).
#[test]
fn effective_method_as_upstream() {
    let url = format!("http://{}/", fixtures::closed_port());
    let o = run_url(Lib::Fetch, "method", &url, "");
    let t = run_url(Lib::Upstream, "method", &url, "");
    let expect = [
        ("plain", "GET (rc 0)"),
        ("nobody", "HEAD (rc 0)"),
        ("custom", "PATCH (rc 0)"),
        ("custom_after", "PATCH (rc 0)"),
        ("post_set", "HEAD (rc 0)"),
        ("post_after", "POST (rc 0)"),
    ];
    for (key, value) in expect {
        assert_eq!(o.get(key), value, "{key}\n{}", o.out);
    }
    let keys: Vec<&str> = expect.iter().map(|(k, _)| *k).collect();
    same(&o, &t, &keys);
}

/// The string answers (CONTENT_TYPE, REFERER, EFFECTIVE_METHOD, SCHEME)
/// and the new options leave no invalid access or leak behind.
#[test]
fn xfer_program_is_clean_under_valgrind() {
    require("valgrind");
    let scripts = serve(&[
        redirect("302 Found", "/next"),
        response("200 OK", &["Content-Type: text/plain"], "ok"),
    ]);
    let server = ScriptedServer::start_seq(scripts);
    let out = Command::new("valgrind")
        .args([
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
        ])
        .arg(exe(Lib::Fetch))
        .args(["referer", server.url("/x").as_str(), "1"])
        .output()
        .expect("run valgrind");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "valgrind reported errors");
    assert!(text.contains("referer=http://"), "{text}");
}
