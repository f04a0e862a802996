//! Content decoding and MAXFILESIZE through the C ABI (issue 16):
//! `tests/c/content_encoding.c`, compiled against `<fetch/fetch.h>` and run
//! under valgrind against scripted servers with real compressed bodies.

mod cbuild;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cbuild::{compile, crate_dir, require};
use fixtures::{Script, ScriptedServer};

fn exe() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        compile(
            &crate_dir().join("tests/c/content_encoding.c"),
            "content_encoding",
        )
    })
}

/// The result line of one run (valgrind must stay silent).
struct Run {
    code: i32,
    size: u64,
    fnv: u32,
    largest: u64,
    /// 2 once the write callback paused and the progress callback resumed.
    paused: i32,
    err: String,
}

fn run(url: &str, opts: &[&str]) -> Run {
    require("valgrind");
    let out = cbuild::memcheck(exe())
        .arg(url)
        .args(opts)
        .output()
        .expect("run under valgrind");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}\n{stderr}");
    assert!(text.contains("checks=ok"), "{text}");
    let line = text.lines().find(|l| l.starts_with("code=")).expect(&text);
    let field = |name: &str| {
        let at = line.find(&format!("{name}=")).expect(name) + name.len() + 1;
        line[at..].split(' ').next().unwrap().to_string()
    };
    Run {
        code: field("code").parse().unwrap(),
        size: field("size").parse().unwrap(),
        fnv: u32::from_str_radix(&field("fnv"), 16).unwrap(),
        largest: field("largest").parse().unwrap(),
        paused: field("paused").parse().unwrap(),
        err: line[line.find("err=[").unwrap() + 5..line.len() - 1].to_string(),
    }
}

fn fnv(data: &[u8]) -> u32 {
    data.iter().fold(2_166_136_261u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    })
}

fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8 ^ (i / 3000) as u8).collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A server answering every request with `coding` and `payload`.
fn serve(coding: &str, payload: &[u8], chunked: bool) -> ScriptedServer {
    let mut msg = format!("HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\n").into_bytes();
    if chunked {
        msg.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
        for c in payload.chunks(40_000) {
            msg.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
            msg.extend_from_slice(c);
            msg.extend_from_slice(b"\r\n");
        }
        msg.extend_from_slice(b"0\r\n\r\n");
    } else {
        msg.extend_from_slice(format!("Content-Length: {}\r\n\r\n", payload.len()).as_bytes());
        msg.extend_from_slice(payload);
    }
    ScriptedServer::start(Script::new().expect_request().write(msg).close())
}

/// ACCEPT_ENCODING "" decodes gzip and zstd (chunked too) in pieces of at
/// most 16 KiB; a pause from the write callback resumed from the progress
/// callback loses nothing; HTTP_CONTENT_DECODING 0 hands the body over raw.
#[test]
fn decoding_options() {
    let data = body(400_000);
    let gz = gzip(&data);
    let zs =
        ruzstd::encoding::compress_to_vec(&data[..], ruzstd::encoding::CompressionLevel::Fastest);
    for (srv, opts) in [
        (serve("gzip", &gz, false), &["enc="][..]),
        (serve("zstd", &zs, true), &["enc="][..]),
        (serve("gzip", &gz, true), &["enc=gzip", "pause"][..]),
    ] {
        let r = run(&srv.url("/"), opts);
        assert_eq!(
            (r.code, r.size),
            (0, data.len() as u64),
            "{opts:?}: {}",
            r.err
        );
        assert_eq!(r.fnv, fnv(&data), "{opts:?}");
        assert!(r.largest <= 16 * 1024, "{opts:?}: piece of {}", r.largest);
        assert_eq!(r.paused, if opts.contains(&"pause") { 2 } else { 0 });
    }
    let srv = serve("gzip", &gz, false);
    let r = run(&srv.url("/"), &["enc=", "cd=0"]);
    assert_eq!((r.code, r.size, r.fnv), (0, gz.len() as u64, fnv(&gz)));
}

/// HTTP_TRANSFER_DECODING 0 hands the chunked framing over as received.
#[test]
fn transfer_decoding_off() {
    let framed = b"3\r\nabc\r\n0\r\n\r\n";
    let mut msg = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    msg.extend_from_slice(framed);
    let srv = ScriptedServer::start(Script::new().expect_request().write(msg).close());
    let r = run(&srv.url("/"), &["te=0"]);
    assert_eq!(
        (r.code, r.size, r.fnv),
        (0, framed.len() as u64, fnv(framed))
    );
}

/// Corrupt and unknown codings answer FETCHE_BAD_CONTENT_ENCODING (61)
/// with upstream's error-buffer wording.
#[test]
fn bad_encodings() {
    let mut bad = gzip(&body(100_000));
    let n = bad.len();
    bad[n / 3..n / 2].fill(0x33);
    let srv = serve("gzip", &bad, false);
    let r = run(&srv.url("/"), &["enc="]);
    assert_eq!(r.code, 61);
    assert!(
        r.err
            .starts_with("Error while processing content unencoding"),
        "{}",
        r.err
    );
    let srv = serve("snappy", b"data", false);
    let r = run(&srv.url("/"), &["enc="]);
    assert_eq!(r.code, 61);
    assert!(
        r.err.starts_with("Unrecognized content encoding type"),
        "{}",
        r.err
    );
}

/// MAXFILESIZE: a Content-Length above it fails before the body; a gzip
/// bomb without one stops at the limit of decoded bytes (63).
#[test]
fn max_filesize() {
    let data = body(100_000);
    let srv = serve("identity", &data, false);
    let r = run(&srv.url("/"), &["max=99999"]);
    assert_eq!((r.code, r.size), (63, 0));
    assert_eq!(r.err, "Maximum file size exceeded");
    let bomb = gzip(&vec![0u8; 64 << 20]);
    let srv = serve("gzip", &bomb, true);
    let r = run(&srv.url("/"), &["enc=", "maxl=1000000"]);
    assert_eq!(r.code, 63, "{}", r.err);
    assert!(r.size <= 1_000_000, "{} bytes handed over", r.size);
}
