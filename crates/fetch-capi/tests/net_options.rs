//! FETCHOPT_DISALLOW_USERNAME_IN_URL, FETCHOPT_REQUEST_TARGET and
//! FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS as a C program meets them.
//!
//! `tests/c/net_options.c` is compiled twice: against libfetch as written,
//! and renamed by `s/fetch/curl/g; s/FETCH/CURL/g` against the installed
//! upstream libcurl (`.ci/run` installs libcurl4-openssl-dev). Each
//! scenario runs both builds against identical scripted servers, checks
//! libfetch's output and the requests its server got for the expected
//! values, and compares them with upstream's.

mod cbuild;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cbuild::{Lib, Twin, printed};
use fixtures::{Script, ScriptedServer};

static PROGRAM: Twin = Twin::new("net_options");

fn exe(lib: Lib) -> &'static Path {
    PROGRAM.exe(lib)
}

/// What one run printed and the request lines its server got.
#[derive(Debug)]
struct Run {
    out: String,
    /// The first line of each request the server read.
    lines: Vec<String>,
    /// Each request's head, whole.
    heads: Vec<String>,
}

impl Run {
    /// The value printed for `key` (the first such line).
    fn get(&self, key: &str) -> &str {
        printed(&self.out, key)
    }
}

/// Runs the build for `lib` with `steps` against a fresh server playing
/// `script` on every connection. In the URL and the steps, `ADDR` is the
/// server's `127.0.0.1:PORT`; in the output and requests, the reverse.
fn run_one(lib: Lib, script: &Script, url: &str, steps: &[&str]) -> Run {
    let server = ScriptedServer::start(script.clone());
    let addr = server.addr().to_string();
    let url = url.replace("ADDR", &addr);
    let steps: Vec<String> = steps.iter().map(|s| s.replace("ADDR", &addr)).collect();
    let out = Command::new(exe(lib))
        .arg(&url)
        .args(&steps)
        .output()
        .expect("run the C program");
    // (The upstream build prints upstream's option names.)
    let text = String::from_utf8_lossy(&out.stdout)
        .replace(&addr, "ADDR")
        .replace("CURLOPT_", "FETCHOPT_");
    assert!(
        out.status.success(),
        "{lib:?} {steps:?}: exit {:?}\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let heads: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            let r = String::from_utf8_lossy(r).replace(&addr, "ADDR");
            r.split("\r\n\r\n").next().unwrap_or("").to_owned()
        })
        .collect();
    let lines = heads
        .iter()
        .map(|h| h.split("\r\n").next().unwrap_or("").to_owned())
        .collect();
    Run {
        out: text,
        lines,
        heads,
    }
}

/// Runs both builds; returns (libfetch, upstream), having checked that
/// they printed the same setopt answers and result, and that their servers
/// got the same request lines.
#[track_caller]
fn both(script: &Script, url: &str, steps: &[&str]) -> (Run, Run) {
    let ours = run_one(Lib::Fetch, script, url, steps);
    let theirs = run_one(Lib::Upstream, script, url, steps);
    eprintln!(
        "--- libfetch {url} {steps:?}:\n{}{:?}\n--- upstream:\n{}{:?}",
        ours.out, ours.heads, theirs.out, theirs.heads
    );
    let answers = |r: &Run| -> Vec<String> {
        r.out
            .lines()
            .filter(|l| l.starts_with("setopt ") || l.starts_with("result="))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(answers(&ours), answers(&theirs), "setopt/perform answers");
    assert_eq!(ours.lines, theirs.lines, "request lines");
    (ours, theirs)
}

/// A keep-alive server answering every request with a small 200.
fn ok_server() -> Script {
    let mut s = Script::new();
    for _ in 0..4 {
        s = s
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
    s
}

/// A redirect to `location`, then 200s.
fn redirect_server(location: &str) -> Script {
    let first = format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n");
    let mut s = Script::new().expect_request().write(first);
    for _ in 0..3 {
        s = s
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
    s
}

// ---- FETCHOPT_DISALLOW_USERNAME_IN_URL ----

/// URLs with user information, empty ones included: refused with
/// FETCHE_LOGIN_DENIED (67) before a connection is made when the option is
/// on (any non-zero value), sent as usual when it is off or unset.
#[test]
fn disallow_username_refuses_user_information() {
    let urls = [
        "http://user@ADDR/a",
        "http://user:secret@ADDR/a",
        "http://:secret@ADDR/a",
        "http://@ADDR/a",
    ];
    for url in urls {
        for value in ["1", "2", "-1"] {
            let (o, _) = both(
                &ok_server(),
                url,
                &[&format!("disallow={value}"), "perform"],
            );
            assert_eq!(o.get("setopt FETCHOPT_DISALLOW_USERNAME_IN_URL"), "0");
            assert_eq!(o.get("result"), "67", "{url} with {value}");
            assert!(o.lines.is_empty(), "{url}: nothing is sent: {:?}", o.lines);
        }
        for steps in [
            &["disallow=0", "perform"][..],
            &["perform"],
            &["disallow=1", "disallow=0", "perform"],
        ] {
            let (o, _) = both(&ok_server(), url, steps);
            assert_eq!(o.get("result"), "0", "{url} {steps:?}");
            assert_eq!(o.lines, ["GET /a HTTP/1.1"]);
            assert_eq!(o.get("body"), "ok");
        }
    }
}

/// A URL without user information is fetched with the option on.
#[test]
fn disallow_username_lets_plain_urls_through() {
    let (o, _) = both(
        &ok_server(),
        "http://ADDR/a?x=1",
        &["disallow=1", "perform"],
    );
    assert_eq!(o.get("result"), "0");
    assert_eq!(o.lines, ["GET /a?x=1 HTTP/1.1"]);
    assert_eq!(o.get("body"), "ok");
}

/// A redirect to a URL with a user name fails with 67 when the option is
/// on, before connecting to it (the target, port 1, would answer
/// FETCHE_COULDNT_CONNECT); a redirect to a plain URL is followed.
#[test]
fn disallow_username_applies_to_redirects() {
    let to_user = redirect_server("//user:pw@127.0.0.1:1/b");
    let (o, _) = both(
        &to_user,
        "http://ADDR/a",
        &["disallow=1", "follow", "perform"],
    );
    assert_eq!(o.get("result"), "67");
    assert_eq!(o.lines, ["GET /a HTTP/1.1"]);
    let (o, _) = both(
        &to_user,
        "http://ADDR/a",
        &["disallow=0", "follow", "perform"],
    );
    assert_eq!(o.get("result"), "7", "followed: port 1 refuses");
    let plain = redirect_server("/b");
    let (o, _) = both(
        &plain,
        "http://ADDR/a",
        &["disallow=1", "follow", "perform"],
    );
    assert_eq!(o.get("result"), "0");
    assert_eq!(o.lines, ["GET /a HTTP/1.1", "GET /b HTTP/1.1"]);
}

/// The same handle: refused, then allowed once the option is cleared.
#[test]
fn disallow_username_is_read_at_each_perform() {
    let (o, _) = both(
        &ok_server(),
        "http://u@ADDR/a",
        &["disallow=1", "perform", "disallow=0", "perform"],
    );
    let results: Vec<&str> = o.out.lines().filter(|l| l.starts_with("result=")).collect();
    assert_eq!(results, ["result=67", "result=0"]);
    assert_eq!(o.lines, ["GET /a HTTP/1.1"]);
}

// ---- FETCHOPT_REQUEST_TARGET ----

/// The target replaces the URL's path and query in the request line, as
/// given; the Host header still comes from the URL.
#[test]
fn request_target_replaces_path_and_query() {
    let (o, _) = both(
        &ok_server(),
        "http://ADDR/a?q=1#frag",
        &["target=/other?x=y", "perform"],
    );
    assert_eq!(o.get("setopt FETCHOPT_REQUEST_TARGET"), "0");
    assert_eq!(o.get("result"), "0");
    assert_eq!(o.lines, ["GET /other?x=y HTTP/1.1"]);
    assert!(o.heads[0].contains("\r\nHost: ADDR\r\n"), "{:?}", o.heads);
    assert_eq!(o.get("body"), "ok");
}

/// `OPTIONS *`, the case the option exists for.
#[test]
fn request_target_star_with_options() {
    let (o, _) = both(
        &ok_server(),
        "http://ADDR/",
        &["method=OPTIONS", "target=*", "perform"],
    );
    assert_eq!(o.get("result"), "0");
    assert_eq!(o.lines, ["OPTIONS * HTTP/1.1"]);
}

/// Sent as is: no encoding, no dot-segment removal, even empty.
#[test]
fn request_target_is_sent_unchanged() {
    for (target, line) in [
        ("/a/../b/./c", "GET /a/../b/./c HTTP/1.1"),
        ("/x y", "GET /x y HTTP/1.1"),
        ("no-slash", "GET no-slash HTTP/1.1"),
    ] {
        let (o, _) = both(
            &ok_server(),
            "http://ADDR/a",
            &[&format!("target={target}"), "perform"],
        );
        assert_eq!(o.lines, [line], "{target:?}");
    }
    // An empty target is sent as is too ("GET  HTTP/1.1"): the fixture
    // server takes that for no request and hangs up, on both libraries
    // alike (`both` compares the results).
    let (o, _) = both(&ok_server(), "http://ADDR/a", &["target=", "perform"]);
    assert_eq!(o.get("result"), "52");
}

/// Setting it back to NULL sends the URL's path again.
#[test]
fn request_target_null_goes_back_to_the_url() {
    let (o, _) = both(
        &ok_server(),
        "http://ADDR/a?q",
        &["target=/t", "perform", "target=NULL", "perform"],
    );
    assert_eq!(o.lines, ["GET /t HTTP/1.1", "GET /a?q HTTP/1.1"]);
}

/// Every request of the transfer uses it, a followed redirect's too.
#[test]
fn request_target_applies_to_redirects() {
    let (o, _) = both(
        &redirect_server("/b"),
        "http://ADDR/a",
        &["target=/t", "follow", "perform"],
    );
    assert_eq!(o.get("result"), "0");
    assert_eq!(o.lines, ["GET /t HTTP/1.1", "GET /t HTTP/1.1"]);
}

/// A forwarding proxy gets the target too, instead of the absolute URL.
#[test]
fn request_target_replaces_the_absolute_url_to_a_proxy() {
    let url = "http://origin.example/a?q";
    let (o, _) = both(&ok_server(), url, &["proxy=http://ADDR", "perform"]);
    assert_eq!(o.lines, ["GET http://origin.example/a?q HTTP/1.1"]);
    let (o, _) = both(
        &ok_server(),
        url,
        &["proxy=http://ADDR", "target=/t", "perform"],
    );
    assert_eq!(o.get("result"), "0");
    assert_eq!(o.lines, ["GET /t HTTP/1.1"]);
    assert!(
        o.heads[0].contains("\r\nHost: origin.example\r\n"),
        "{:?}",
        o.heads
    );
}

// ---- FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS ----

/// Setopt takes any value, as upstream 7.88 does (a negative one is 0).
#[test]
fn happy_eyeballs_setopt_answers_as_upstream() {
    let steps = ["he=200", "he=0", "he=-1", "he=9223372036854775807", "he=1"];
    let (o, t) = both(&ok_server(), "http://ADDR/a", &steps);
    let answers = |r: &Run| -> Vec<String> {
        r.out
            .lines()
            .filter(|l| l.starts_with("setopt "))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(answers(&o), answers(&t));
    assert!(
        answers(&o).iter().all(|l| l.ends_with("=0")),
        "{:?}",
        answers(&o)
    );
}

/// A listener on 127.0.0.1 that never answers (its accept queue is full,
/// so SYNs are dropped) on the port of `server`, which listens on [::1].
/// Returns the sockets to keep.
fn stuck_v4_beside(server: &ScriptedServer) -> Option<Vec<socket2::Socket>> {
    use socket2::{Domain, Socket, Type};
    let v4: std::net::SocketAddr = format!("127.0.0.1:{}", server.addr().port())
        .parse()
        .unwrap();
    let stuck = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    stuck.bind(&v4.into()).ok()?;
    stuck.listen(0).unwrap();
    let mut keep = vec![stuck];
    for _ in 0..64 {
        let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        let answered = s
            .connect_timeout(&v4.into(), Duration::from_millis(200))
            .is_ok();
        keep.push(s);
        if !answered {
            return Some(keep);
        }
    }
    panic!("64 connects to {v4} were all answered: its accept queue never filled");
}

/// Runs `lib` against a name whose first address (127.0.0.1) never
/// answers and whose second (::1) serves.
fn run_dual(lib: Lib, he: &str) -> Run {
    for _ in 0..50 {
        let server =
            ScriptedServer::start_on(std::net::Ipv6Addr::LOCALHOST.into(), vec![ok_server()]);
        let Some(_keep) = stuck_v4_beside(&server) else {
            continue; // the IPv4 port is taken: another port
        };
        let port = server.addr().port();
        let url = format!("http://dual.test:{port}/a");
        let resolve = format!("resolve=dual.test:{port}:127.0.0.1,[::1]");
        let he = format!("he={he}");
        let out = Command::new(exe(lib))
            .args([url.as_str(), &resolve, &he, "timeout=20000", "perform"])
            .output()
            .expect("run the C program");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        eprintln!("--- {lib:?} {he}:\n{text}");
        return Run {
            out: text,
            lines: Vec::new(),
            heads: Vec::new(),
        };
    }
    panic!("no port free on both 127.0.0.1 and [::1] in 50 tries");
}

/// The first family does not answer: both libraries start the other
/// family's attempt after the timeout and connect over IPv6, no sooner.
#[test]
fn happy_eyeballs_head_start_as_upstream() {
    for (he, at_least, below) in [("100", 100, 1500), ("1500", 1500, 4000)] {
        for lib in [Lib::Fetch, Lib::Upstream] {
            let r = run_dual(lib, he);
            assert_eq!(r.get("result"), "0", "{lib:?} {he}");
            assert_eq!(r.get("body"), "ok");
            assert_eq!(r.get("ip"), "::1", "{lib:?} {he}");
            let ms: u64 = r.get("connect_ms").parse().unwrap();
            assert!((at_least..below).contains(&ms), "{lib:?} {he}: {ms} ms");
        }
    }
}

// ---- FETCHOPT_DNS_SHUFFLE_ADDRESSES ----

/// Setopt takes any value, as upstream (non-zero is on).
#[test]
fn dns_shuffle_setopt_answers_as_upstream() {
    let steps = ["shuffle=1", "shuffle=0", "shuffle=7", "shuffle=-1"];
    let (o, _) = both(&ok_server(), "http://ADDR/a", &steps);
    assert_eq!(
        o.out.lines().filter(|l| l.ends_with("=0")).count(),
        4,
        "{}",
        o.out
    );
}

/// How many addresses `lib` tried in a transfer of a name pinned
/// (RESOLVE) to 127.0.0.1, where the server is, then 127.0.0.2..=`n`,
/// where nothing listens.
fn tries(lib: Lib, shuffle: &str, n: usize) -> usize {
    let server = ScriptedServer::start(ok_server());
    let port = server.addr().port();
    let ips: Vec<String> = (1..=n).map(|i| format!("127.0.0.{i}")).collect();
    let resolve = format!("resolve=shuf.test:{port}:{}", ips.join(","));
    let url = format!("http://shuf.test:{port}/a");
    let shuffle = format!("shuffle={shuffle}");
    let out = Command::new(exe(lib))
        .args([url.as_str(), &resolve, &shuffle, "count", "perform"])
        .output()
        .expect("run the C program");
    let run = Run {
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        lines: Vec::new(),
        heads: Vec::new(),
    };
    assert_eq!(run.get("result"), "0", "{lib:?}\n{}", run.out);
    assert_eq!(run.get("ip"), "127.0.0.1");
    run.get("tried").parse().unwrap()
}

/// Both libraries shuffle RESOLVE's addresses when the option is on, and
/// try them in order when it is off. libfetch: six runs with 20 addresses
/// all trying the server's first by chance is about one in 64 million.
/// Upstream spends about a second on each refused address, so it gets 3
/// addresses and up to 12 runs, stopping at the first shuffled one (all
/// twelve unshuffled by chance: about one in 530,000).
#[test]
fn dns_shuffle_reorders_pinned_addresses_as_upstream() {
    for lib in [Lib::Fetch, Lib::Upstream] {
        assert_eq!(tries(lib, "0", 20), 1, "{lib:?}: in order");
        assert_eq!(tries(lib, "0", 20), 1, "{lib:?}: in order");
    }
    let ours: Vec<usize> = (0..6).map(|_| tries(Lib::Fetch, "1", 20)).collect();
    assert!(ours.iter().any(|&n| n > 1), "{ours:?}");
    assert!(
        (0..12).any(|_| tries(Lib::Upstream, "1", 3) > 1),
        "upstream shuffles too"
    );
}
