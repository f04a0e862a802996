//! Unit tests of parsing, matching, the public-suffix refusal and expiry.

use super::date::parse_cookie_date;
use super::parse::{Origin, default_path, domain_match, parse_set_cookie, path_match};
use super::*;

fn http(host: &str, path: &str) -> Origin<'static> {
    let host: &'static str = Box::leak(host.to_owned().into_boxed_str());
    let path: &'static str = Box::leak(path.to_owned().into_boxed_str());
    Origin {
        host,
        path,
        secure: secure_context(host, false),
    }
}

fn https(host: &str, path: &str) -> Origin<'static> {
    Origin {
        secure: true,
        ..http(host, path)
    }
}

#[test]
fn name_value_and_attributes() {
    let c = parse_set_cookie(
        " id = a b ; Path=/app/; HttpOnly; SameSite=Lax",
        Some(http("example.com", "/x/y")),
        1000,
    )
    .unwrap();
    assert_eq!((c.name(), c.value()), ("id", "a b"));
    assert_eq!(c.path(), "/app/");
    assert!(c.http_only() && !c.secure() && !c.include_subdomains());
    assert_eq!(c.domain(), "example.com");
    assert_eq!(c.same_site(), Some(SameSite::Lax));
    assert_eq!(c.expires(), None);
}

#[test]
fn malformed_pairs_are_refused() {
    let o = Some(http("example.com", "/"));
    assert!(parse_set_cookie("novalue", o, 0).is_err());
    assert!(parse_set_cookie("=v", o, 0).is_err());
    assert!(parse_set_cookie("a=b\x01c", o, 0).is_err());
    assert!(parse_set_cookie("a=b\tc", o, 0).is_err());
    let big = format!("n={}", "v".repeat(MAX_NAME_VALUE));
    assert!(parse_set_cookie(&big, o, 0).is_err());
    let fits = format!("n={}", "v".repeat(MAX_NAME_VALUE - 1));
    assert!(parse_set_cookie(&fits, o, 0).is_ok());
}

#[test]
fn default_path_and_path_match() {
    assert_eq!(default_path("/a/b/c"), "/a/b");
    assert_eq!(default_path("/a"), "/");
    assert_eq!(default_path(""), "/");
    assert!(path_match("/a/b", "/a"));
    assert!(path_match("/a", "/a"));
    assert!(path_match("/a/", "/a/"));
    assert!(!path_match("/ab", "/a"));
    assert!(!path_match("/", "/a"));
    // A Path that does not start with '/' gives the default path.
    let c = parse_set_cookie("a=1; Path=x", Some(http("h.test", "/d/e")), 0).unwrap();
    assert_eq!(c.path(), "/d");
}

#[test]
fn domain_attribute_rules() {
    assert!(domain_match("www.example.com", "example.com"));
    assert!(!domain_match("wwwexample.com", "example.com"));
    let ok = parse_set_cookie(
        "a=1; Domain=.Example.COM",
        Some(http("www.example.com", "/")),
        0,
    )
    .unwrap();
    assert_eq!(ok.domain(), "example.com");
    assert!(ok.include_subdomains());
    // Another site's domain.
    assert!(
        parse_set_cookie(
            "a=1; Domain=other.com",
            Some(http("www.example.com", "/")),
            0
        )
        .is_err()
    );
    // A top-level name without a dot.
    assert!(parse_set_cookie("a=1; Domain=com", Some(http("www.example.com", "/")), 0).is_err());
    // An address is host-only and must match exactly.
    let ip = parse_set_cookie("a=1; Domain=127.0.0.1", Some(http("127.0.0.1", "/")), 0).unwrap();
    assert!(!ip.include_subdomains());
    assert!(parse_set_cookie("a=1; Domain=0.0.1", Some(http("127.0.0.1", "/")), 0).is_err());
}

#[test]
fn public_suffixes_are_refused() {
    let o = Some(http("www.example.co.uk", "/"));
    assert!(parse_set_cookie("a=1; Domain=co.uk", o, 0).is_err());
    assert!(parse_set_cookie("a=1; Domain=example.co.uk", o, 0).is_ok());
    // Private section of the list.
    let gh = Some(http("me.github.io", "/"));
    assert!(parse_set_cookie("a=1; Domain=github.io", gh, 0).is_err());
    assert!(parse_set_cookie("a=1; Domain=me.github.io", gh, 0).is_ok());
    // A host that is itself a suffix may set a host cookie for itself.
    assert!(parse_set_cookie("a=1; Domain=github.io", Some(http("github.io", "/")), 0).is_ok());
}

#[test]
fn secure_needs_a_secure_context_and_prefixes() {
    assert!(parse_set_cookie("a=1; Secure", Some(http("example.com", "/")), 0).is_err());
    assert!(parse_set_cookie("a=1; Secure", Some(https("example.com", "/")), 0).is_ok());
    // Loopback names count as secure, as upstream.
    assert!(parse_set_cookie("a=1; Secure", Some(http("localhost", "/")), 0).is_ok());
    let o = Some(https("www.example.com", "/p/q"));
    assert!(parse_set_cookie("__Secure-a=1", o, 0).is_err());
    assert!(parse_set_cookie("__Secure-a=1; Secure", o, 0).is_ok());
    assert!(parse_set_cookie("__Host-a=1; Secure; Path=/", o, 0).is_ok());
    assert!(parse_set_cookie("__Host-a=1; Secure", o, 0).is_err());
    assert!(parse_set_cookie("__Host-a=1; Secure; Path=/; Domain=example.com", o, 0).is_err());
}

#[test]
fn max_age_wins_over_expires() {
    let o = Some(http("h.test", "/"));
    let c = parse_set_cookie(
        "a=1; Max-Age=100; Expires=Wed, 09 Jun 2021 10:18:14 GMT",
        o,
        1000,
    )
    .unwrap();
    assert_eq!(c.expires(), Some(1100));
    let c = parse_set_cookie(
        "a=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=100",
        o,
        1000,
    )
    .unwrap();
    assert_eq!(c.expires(), Some(1100));
    let c = parse_set_cookie("a=1; Max-Age=0", o, 1000).unwrap();
    assert_eq!(c.expires(), Some(1));
    let c = parse_set_cookie("a=1; Max-Age=junk", o, 1000).unwrap();
    assert_eq!(c.expires(), None);
}

#[test]
fn cookie_dates() {
    assert_eq!(
        parse_cookie_date("Wed, 09 Jun 2021 10:18:14 GMT"),
        Some(1_623_233_894)
    );
    assert_eq!(
        parse_cookie_date("Sunday, 06-Nov-94 08:49:37 GMT"),
        Some(784_111_777)
    );
    assert_eq!(
        parse_cookie_date("Sun Nov  6 08:49:37 1994"),
        Some(784_111_777)
    );
    assert_eq!(parse_cookie_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    assert_eq!(parse_cookie_date("not a date"), None);
    assert_eq!(parse_cookie_date("Wed, 32 Jun 2021 10:18:14 GMT"), None);
}

#[test]
fn store_send_replace_and_expire() {
    let mut jar = CookieJar::new();
    let o = http("www.example.com", "/shop/cart");
    jar.store("a=1", o).unwrap();
    jar.store("b=2; Path=/; Domain=example.com", o).unwrap();
    jar.store("a=3", o).unwrap(); // replaces, keeps its place
    assert_eq!(jar.len(), 2);
    assert_eq!(
        jar.cookie_header("www.example.com", "/shop/x", false)
            .as_deref(),
        Some("a=3; b=2")
    );
    // Host-only stays on its host; the domain cookie reaches subdomains.
    assert_eq!(
        jar.cookie_header("example.com", "/shop/x", false)
            .as_deref(),
        Some("b=2")
    );
    assert_eq!(
        jar.cookie_header("x.www.example.com", "/", false)
            .as_deref(),
        Some("b=2")
    );
    assert_eq!(jar.cookie_header("other.com", "/", false), None);
    // An expiry in the past deletes.
    jar.store("b=gone; Path=/; Domain=example.com; Max-Age=0", o)
        .unwrap();
    assert_eq!(jar.cookie_header("example.com", "/", false), None);
    jar.store("old=1; Expires=Thu, 01 Jan 1970 00:00:01 GMT", o)
        .unwrap();
    assert_eq!(jar.len(), 1);
}

#[test]
fn secure_cookies_only_over_https_and_not_shadowed() {
    let mut jar = CookieJar::new();
    jar.store("s=1; Secure; Path=/", https("example.com", "/"))
        .unwrap();
    assert_eq!(jar.cookie_header("example.com", "/", false), None);
    assert_eq!(
        jar.cookie_header("example.com", "/", true).as_deref(),
        Some("s=1")
    );
    // Plain http may not replace it.
    assert!(jar.store("s=2; Path=/", http("example.com", "/")).is_err());
    assert_eq!(
        jar.cookie_header("example.com", "/", true).as_deref(),
        Some("s=1")
    );
}

/// The order libcurl 7.88 sends (checked against it with the same
/// cookies): path length, then domain length, name length, newest first.
#[test]
fn send_order_is_upstreams() {
    let mut jar = CookieJar::new();
    let o = http("www.h.test", "/");
    jar.store("root=1; Path=/", o).unwrap();
    jar.store("deep=1; Path=/a/b", o).unwrap();
    jar.store("mid=1; Path=/a", o).unwrap();
    jar.store("root2=1; Path=/", o).unwrap();
    jar.store("aa=1; Path=/", o).unwrap();
    jar.store("bb=1; Path=/", o).unwrap();
    jar.store("dom=1; Path=/; Domain=h.test", o).unwrap();
    assert_eq!(
        jar.cookie_header("www.h.test", "/a/b/c", false).as_deref(),
        Some("deep=1; mid=1; root2=1; root=1; bb=1; aa=1; dom=1")
    );
}

#[test]
fn limits_per_domain_and_per_request() {
    let mut jar = CookieJar::new();
    let o = http("h.test", "/");
    for i in 0..MAX_COOKIES_PER_DOMAIN + 5 {
        jar.store(&format!("c{i}=v"), o).unwrap();
    }
    assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN);
    assert!(
        jar.iter().all(|c| c.name() != "c0"),
        "the oldest went first"
    );
    let header = jar.cookie_header("h.test", "/", false).unwrap();
    assert_eq!(header.split("; ").count(), MAX_COOKIE_SEND_AMOUNT);
    let mut big = CookieJar::new();
    for i in 0..4 {
        big.store(&format!("b{i}={}", "x".repeat(3000)), o).unwrap();
    }
    let header = big.cookie_header("h.test", "/", false).unwrap();
    assert!(header.len() + "Cookie: ".len() < MAX_COOKIE_HEADER_LEN);
    assert_eq!(header.split("; ").count(), 2);
}

#[test]
fn netscape_lines_round_trip() {
    let mut jar = CookieJar::new();
    assert!(jar.add_line(".example.com\tTRUE\t/\tFALSE\t0\tsess\tv1"));
    assert!(jar.add_line("#HttpOnly_host.test\tFALSE\t/p\tTRUE\t4102444800\tkeep\tv2"));
    assert!(jar.add_line("Set-Cookie: h=3; Domain=example.com; Path=/"));
    assert!(!jar.add_line("# a comment"));
    // A Set-Cookie line with no request needs a Domain (upstream).
    assert!(!jar.add_line("Set-Cookie: nodomain=1; Path=/"));
    assert!(!jar.add_line("too\tfew\tfields"));
    assert!(jar.add_line("novalue.test\tFALSE\t/\tFALSE\t0\tname"));
    let lines = jar.netscape_lines();
    assert_eq!(lines[0], ".example.com\tTRUE\t/\tFALSE\t0\tsess\tv1");
    assert_eq!(
        lines[1],
        "#HttpOnly_host.test\tFALSE\t/p\tTRUE\t4102444800\tkeep\tv2"
    );
    assert_eq!(lines[2], ".example.com\tTRUE\t/\tFALSE\t0\th\t3");
    assert_eq!(lines[3], "novalue.test\tFALSE\t/\tFALSE\t0\tname\t");
    let mut again = CookieJar::new();
    assert_eq!(again.load_text(&lines.join("\n"), false), 4);
    assert_eq!(again.netscape_lines(), lines);
    // COOKIESESSION: session cookies from a file are skipped.
    let mut no_sess = CookieJar::new();
    assert_eq!(no_sess.load_text(&lines.join("\n"), true), 1);
    jar.clear_session();
    assert_eq!(jar.len(), 1);
    jar.clear();
    assert!(jar.is_empty());
}

#[test]
fn jar_file_write_and_read() {
    let dir = std::env::temp_dir().join(format!("fetch-cookie-unit-{}", std::process::id()));
    let mut jar = CookieJar::new();
    jar.store("a=1; Path=/", http("h.test", "/")).unwrap();
    jar.write_file(&dir).unwrap();
    let text = std::fs::read_to_string(&dir).unwrap();
    assert!(text.starts_with("# Netscape HTTP Cookie File\n"), "{text}");
    let mut back = CookieJar::new();
    assert_eq!(back.load_file(&dir, false).unwrap(), 1);
    assert_eq!(
        back.cookie_header("h.test", "/", false).as_deref(),
        Some("a=1")
    );
    std::fs::remove_file(&dir).unwrap();
}
