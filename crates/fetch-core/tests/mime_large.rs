//! A 50 MiB file part is streamed, not loaded: the server checks every
//! byte against the expected body as it arrives (storing none of it), and
//! the process's peak resident size grows by far less than the file.
//! Alone in its test binary so no other test's memory counts.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use common::run_one;
use fetch_core::Easy;
use fetch_core::mime::Mime;

const SIZE: usize = 50 * 1024 * 1024;

fn byte_at(i: usize) -> u8 {
    (i % 253) as u8
}

/// The peak resident set size (VmHWM) in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn fifty_mib_file_part_is_streamed() {
    let dir = std::env::temp_dir().join(format!("fetch-mime-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.bin");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let block: Vec<u8> = (0..253 * 4096).map(byte_at).collect();
        let mut left = SIZE;
        while left > 0 {
            let n = left.min(block.len());
            f.write_all(&block[..n]).unwrap();
            left -= n;
        }
    }
    let mut m = Mime::new();
    m.add_part().name(Some("big")).file(&path).unwrap();
    let b = m.boundary().to_owned();
    let head = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"big\"; filename=\"big.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{b}--\r\n");
    let total = head.len() + SIZE + tail.len();
    assert_eq!(m.size(), Some(total as u64));

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut length = None;
        loop {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = Some(v.trim().parse::<usize>().unwrap());
            }
        }
        // Compare as it arrives: the head, the file's bytes, the tail.
        let mut buf = vec![0u8; 64 * 1024];
        let mut at = 0usize;
        let mut mismatches = 0usize;
        while at < total {
            let n = r.read(&mut buf).unwrap();
            assert!(n > 0, "body ended at {at}");
            for &got in &buf[..n] {
                let want = if at < head.len() {
                    head.as_bytes()[at]
                } else if at < head.len() + SIZE {
                    byte_at(at - head.len())
                } else {
                    tail.as_bytes()[at - head.len() - SIZE]
                };
                mismatches += usize::from(got != want);
                at += 1;
            }
        }
        let mut s = s;
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        (length, at, mismatches)
    });
    let before = peak_rss_kib();
    let mut e = Easy::with_url(format!("http://{addr}/up"));
    e.mime_post(m).expect_100_timeout(std::time::Duration::ZERO);
    let (app, id) = run_one(e);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let grown = peak_rss_kib().saturating_sub(before);
    eprintln!(
        "peak RSS grew by {grown} KiB sending a {} KiB file part",
        SIZE / 1024
    );
    let (length, got, mismatches) = server.join().unwrap();
    assert_eq!(length, Some(total));
    assert_eq!(got, total);
    assert_eq!(mismatches, 0);
    assert!(
        grown < 16 * 1024,
        "peak RSS grew by {grown} KiB sending a {} KiB file",
        SIZE / 1024
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
