//! FETCHOPT_IGNORE_CONTENT_LENGTH and FETCHOPT_HTTP200ALIASES (decision
//! 93) as a C program meets them.
//!
//! `tests/c/http_opts.c` is compiled twice: against libfetch as written,
//! and renamed against the installed upstream libcurl. Each scenario runs
//! both builds against identical scripted servers; what they print (the
//! result, status, HTTP version, content length, connections made, body
//! and header lines of each transfer) must be the same.

mod cbuild;

use cbuild::{Lib, Twin, printed};
use fixtures::{Script, ScriptedServer};

static PROGRAM: Twin = Twin::new("http_opts");

/// One build run in `mode` for `n` transfers with `aliases`, against a
/// fresh server playing `scripts` (one per connection): what it printed.
fn run(lib: Lib, scripts: &[Script], mode: &str, n: usize, aliases: &[&str]) -> String {
    let server = ScriptedServer::start_seq(scripts.to_vec());
    let url = server.url("/x");
    let n = n.to_string();
    let mut args = vec![mode, n.as_str(), url.as_str()];
    args.extend_from_slice(aliases);
    PROGRAM.run(lib, &args)
}

/// Both builds: libfetch's output, asserted equal to upstream's.
#[track_caller]
fn same(scripts: &[Script], mode: &str, n: usize, aliases: &[&str]) -> String {
    let ours = run(Lib::Fetch, scripts, mode, n, aliases);
    let theirs = run(Lib::Upstream, scripts, mode, n, aliases);
    assert_eq!(ours, theirs, "{mode} {aliases:?}: libfetch, then upstream");
    ours
}

/// The first line of `out` starting with `key[`.
#[track_caller]
fn line<'a>(out: &'a str, key: &str) -> &'a str {
    let start = format!("{key}[");
    out.lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("no {start} in:\n{out}"))
}

/// A connection that answers each request with the next of `responses`,
/// then closes (`close`) or waits for the client to.
fn conn(responses: &[&str], close: bool) -> Script {
    let mut s = Script::new();
    for r in responses {
        s = s.expect_request().write(r.as_bytes());
    }
    if close { s.close() } else { s }
}

#[test]
fn setopt_takes_any_value_as_upstream() {
    let ours = PROGRAM.run(Lib::Fetch, &["setopt"]);
    assert_eq!(ours, PROGRAM.run(Lib::Upstream, &["setopt"]));
    for key in ["icl0", "icl1", "icl-1", "icl2", "aliasnull"] {
        assert_eq!(printed(&ours, key), "0", "{key}");
    }
}

/// Set, the body runs to the close whatever Content-Length says, the
/// length reads as unknown and the next transfer needs a new connection;
/// unset, the length frames the body.
#[test]
fn an_ignored_length_reads_until_the_close() {
    let scripts = [
        conn(
            &["HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhello world"],
            true,
        ),
        conn(
            &["HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\nhello"],
            true,
        ),
    ];
    let out = same(&scripts, "icl", 2, &[]);
    assert_eq!(line(&out, "body"), "body[hello world]");
    for key in ["result0", "result1"] {
        assert_eq!(printed(&out, key), "0");
    }
    assert_eq!(printed(&out, "cl0"), "-1");
    assert_eq!(printed(&out, "connects1"), "1");
    let out = same(&scripts[..1], "plain", 1, &[]);
    assert_eq!(line(&out, "body"), "body[hel]");
    assert_eq!(printed(&out, "cl0"), "3");
    // A Content-Length upstream would refuse is not read at all.
    let bad = [conn(
        &["HTTP/1.1 200 OK\r\nContent-Length: 3x\r\nContent-Length: 5\r\n\r\nhello"],
        true,
    )];
    let out = same(&bad, "icl", 1, &[]);
    assert_eq!(printed(&out, "result0"), "0");
}

/// A HEAD response, a 204 and a 304 have no body, and a chunked body
/// ends with its last chunk: the connection is kept (`connects1=0`).
#[test]
fn head_204_304_and_chunked_keep_their_framing_and_connection() {
    let head = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
    let cases: [(&str, [&str; 2]); 3] = [
        ("iclhead", [head, head]),
        (
            "icl",
            [
                "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n",
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n",
            ],
        ),
        (
            "icl",
            [
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n3\r\nxyz\r\n0\r\n\r\n",
            ],
        ),
    ];
    for (mode, responses) in cases {
        let out = same(&[conn(&responses, false)], mode, 2, &[]);
        assert_eq!(printed(&out, "result1"), "0", "{responses:?}");
        assert_eq!(printed(&out, "connects1"), "0", "{responses:?}");
    }
}

/// A first line starting with an alias (ignoring case) reads as
/// `HTTP/1.0 200`; the header callback gets it as sent.
#[test]
fn an_aliased_status_line_reads_as_http_1_0_200() {
    let rest = "\r\nContent-Type: audio/mpeg\r\nContent-Length: 2\r\n\r\nhi";
    let cases: &[(&[&str], &str)] = &[
        (&["ICY"], "ICY 200 OK"),
        (&["ICY"], "icy 404 Nope"),
        (&["X", "icy 200 ok"], "ICY 200 OK"),
        (&["ICY"], "ICYX 500"),
        (&["ICY"], "ICY"),
        (&[""], "FOO 1"),
        (&["HTTP/1.1"], "HTTP/1.1 404 X"),
        (&["HT"], "HTTP/1.1  404 X"),
    ];
    for (aliases, first) in cases {
        let response = format!("{first}{rest}");
        let out = same(&[conn(&[&response], false)], "alias", 1, aliases);
        assert_eq!(printed(&out, "result0"), "0", "{first}");
        assert_eq!(line(&out, "header"), format!("header[{first}]"));
        assert_eq!(line(&out, "body"), "body[hi]");
        if !first.starts_with("HTTP/") {
            assert_eq!(printed(&out, "code0"), "200", "{first}");
            assert_eq!(printed(&out, "version0"), "1", "{first}");
        }
    }
}

/// HTTP/1.0 framing: closed after the body unless `keep-alive`.
#[test]
fn an_aliased_response_keeps_the_connection_only_with_keep_alive() {
    for (ka, connects) in [("Connection: keep-alive\r\n", "0"), ("", "1")] {
        let r = format!("ICY 200 OK\r\n{ka}Content-Length: 2\r\n\r\nhi");
        let scripts = [conn(&[&r, &r], false), conn(&[&r], false)];
        let out = same(&scripts, "alias", 2, &["ICY"]);
        assert_eq!(printed(&out, "connects1"), connects, "{ka:?}");
    }
}

/// No alias matches: the response fails as without the option (libfetch
/// says FETCHE_WEIRD_SERVER_REPLY where upstream says
/// FETCHE_UNSUPPORTED_PROTOCOL, decision 40), also for a list set and
/// then replaced by NULL and for an HTTP status line that does not parse.
#[test]
fn no_alias_no_response() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("alias", &["ICY 200 OK"], "ICY 200"),
        ("alias", &["I"], " ICY 200"),
        ("aliasnull", &["ICY"], "ICY 200 OK"),
        ("plain", &[], "ICY 200 OK"),
        ("alias", &["HTTP/1."], "HTTP/1.1 20"),
    ];
    for (mode, aliases, line) in cases {
        let response = format!("{line}\r\nContent-Length: 2\r\n\r\nhi");
        let scripts = [conn(&[&response], false)];
        let ours = run(Lib::Fetch, &scripts, mode, 1, aliases);
        let theirs = run(Lib::Upstream, &scripts, mode, 1, aliases);
        assert_eq!(printed(&theirs, "result0"), "1", "{line}");
        assert_eq!(printed(&ours, "result0"), "8", "{line}");
        assert_eq!(printed(&ours, "code0"), printed(&theirs, "code0"));
        assert!(!ours.contains("body["), "{ours}");
    }
}

/// The aliases are copied at setopt and freed with the handle: clean
/// under valgrind.
#[test]
fn http_opts_program_is_clean_under_valgrind() {
    let server = ScriptedServer::start_seq(vec![conn(
        &["ICY 200 OK\r\nContent-Length: 2\r\n\r\nhi"],
        false,
    )]);
    let url = server.url("/x");
    let lines = PROGRAM.ours(&["alias", "1", &url, "ICY", "SHOUT"]);
    assert!(lines.iter().any(|l| l == "body[hi]"), "{lines:?}");
    let lines = PROGRAM.ours(&["setopt"]);
    assert!(lines.iter().any(|l| l == "aliasnull=0"), "{lines:?}");
}
