//! The cookie options from C (tests/c/cookies.c): a login redirect chain
//! that sets and sends cookies, COOKIEJAR written at cleanup and read back
//! with COOKIEFILE (with and without COOKIESESSION), the COOKIELIST
//! commands and FETCHINFO_COOKIELIST (under valgrind: the list is the
//! caller's to free).

mod cbuild;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cbuild::{compile, crate_dir, require};
use fixtures::{Script, ScriptedServer};

fn exe() -> PathBuf {
    compile(&crate_dir().join("tests/c/cookies.c"), "cookies")
}

fn run(exe: &Path, args: &[&str]) -> String {
    let out = Command::new(exe).args(args).output().expect("run cookies");
    report(exe, &out)
}

fn report(exe: &Path, out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "--- {}\n{stdout}--- stderr:\n{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    stdout
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("fetch-cookies-{}-{name}", std::process::id()))
}

/// The `Cookie:` value of a recorded request, if any.
fn cookie_of(request: &[u8]) -> Option<String> {
    String::from_utf8_lossy(request)
        .split("\r\n")
        .find_map(|l| l.strip_prefix("Cookie: ").map(str::to_owned))
}

fn respond(extra: &str) -> Script {
    Script::new()
        .expect_request()
        .write_str(&format!(
            "HTTP/1.1 200 OK\r\n{extra}Content-Length: 2\r\nConnection: close\r\n\r\nok"
        ))
        .close()
}

#[test]
fn login_redirect_chain_sets_and_sends_cookies_and_the_jar_survives() {
    let exe = exe();
    let login = Script::new()
        .expect_request()
        .write_str(
            "HTTP/1.1 302 Found\r\nLocation: /home\r\n\
             Set-Cookie: sid=abc; Path=/; HttpOnly\r\n\
             Set-Cookie: evil=1; Domain=example.com\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .close();
    let home = respond("Set-Cookie: pref=dark; Max-Age=3600; Path=/\r\n");
    let srv = ScriptedServer::start_seq(vec![login, home, respond("")]);
    let jar = temp_path("chain.txt");
    let jar_s = jar.to_str().unwrap();

    let out = run(&exe, &["chain", &srv.url("/login"), jar_s]);
    assert!(out.contains("perform=0"), "{out}");
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    // COOKIE goes as is, after the jar's cookies.
    assert_eq!(cookie_of(&reqs[0]).as_deref(), Some("fixed=1"));
    // The cookie set by the redirect goes with the followed request.
    assert_eq!(cookie_of(&reqs[1]).as_deref(), Some("sid=abc; fixed=1"));
    let listed: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("cookie: "))
        .collect();
    assert_eq!(listed.len(), 2, "evil=1 (another domain) is refused: {out}");
    assert_eq!(
        listed[0],
        "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tabc"
    );
    assert!(
        listed[1].starts_with("127.0.0.1\tFALSE\t/\tFALSE\t")
            && listed[1].ends_with("\tpref\tdark"),
        "{}",
        listed[1]
    );

    // Cleanup wrote the jar.
    let text = std::fs::read_to_string(&jar).expect("COOKIEJAR written at cleanup");
    assert!(text.starts_with("# Netscape HTTP Cookie File\n"), "{text}");
    assert!(
        text.contains(listed[0]) && text.contains(listed[1]),
        "{text}"
    );

    // Read back with COOKIEFILE, then with COOKIESESSION (no session cookie).
    let url = srv.url("/again");
    assert!(run(&exe, &["reload", &url, jar_s, "0"]).contains("perform=0"));
    assert!(run(&exe, &["reload", &url, jar_s, "1"]).contains("perform=0"));
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(cookie_of(&reqs[2]).as_deref(), Some("pref=dark; sid=abc"));
    assert_eq!(cookie_of(&reqs[3]).as_deref(), Some("pref=dark"));
    std::fs::remove_file(&jar).unwrap();
}

#[test]
fn cookielist_commands_and_info_cookielist_under_valgrind() {
    require("valgrind");
    let exe = exe();
    let jar = temp_path("list.txt");
    let out = cbuild::memcheck(&exe)
        .args(["list", jar.to_str().unwrap()])
        .output()
        .expect("run valgrind");
    let out = report(&exe, &out);
    let kept = "example.com\tFALSE\t/\tFALSE\t4102444800\tkept\tv";
    let expected = [
        "fresh rc=0 empty".to_owned(),
        "added rc=0".to_owned(),
        "cookie: .example.com\tTRUE\t/\tFALSE\t0\thdr\t1".to_owned(),
        format!("cookie: {kept}"),
        "cookie: #HttpOnly_.example.com\tTRUE\t/p\tTRUE\t0\tsess\tv".to_owned(),
        "sess rc=0".to_owned(),
        format!("cookie: {kept}"),
        "flushed".to_owned(),
        format!("file: {kept}"),
        "all rc=0 empty".to_owned(),
        "reload rc=0".to_owned(),
        format!("cookie: {kept}"),
        "dup rc=0 empty".to_owned(),
        "reset rc=0".to_owned(),
        format!("cookie: {kept}"),
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    // The duplicate kept COOKIEJAR (reset dropped it from the original) and
    // wrote its own jar, still empty, at its cleanup.
    let text = std::fs::read_to_string(&jar).unwrap();
    assert!(text.starts_with("# Netscape HTTP Cookie File\n"), "{text}");
    assert!(
        text.lines().all(|l| l.starts_with('#') || l.is_empty()),
        "{text}"
    );
    std::fs::remove_file(&jar).unwrap();
}
