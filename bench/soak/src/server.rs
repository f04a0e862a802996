//! `fetch-soak serve ADDR`: a keep-alive HTTP/1.1 server, one thread per
//! connection, with two routes: `GET /pattern/N/S` answers 200 with
//! `Content-Length: N` and the body [`byte(S, i)`](crate::byte) for
//! `i in 0..N`; `GET /hold` answers a 200 head announcing a body that
//! never comes (until the client goes). Anything else is 404. It binds ADDR (port 0: any), prints
//! the bound address on stdout and exits when its stdin closes, so it
//! never outlives the xtask that started it.
//!
//! Its own small server rather than `fixtures::HttpServer`: it must bind a
//! namespace's private address for `netem` (the fixtures bind loopback
//! only, on purpose), and the body depends on S as well as on the offset,
//! so a body delivered to the wrong transfer does not pass the check.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::LazyLock;

/// Connection threads stay small: hundreds of them.
const STACK_SIZE: usize = 128 * 1024;
/// Whole periods of the pattern plus one more, so that any period offset
/// can be followed by a full block.
static BLOCK: LazyLock<Vec<u8>> =
    LazyLock::new(|| (0..251 * 257).map(|i| crate::byte(0, i)).collect());

pub(crate) fn serve(addr: &str) -> Result<(), String> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("{local}");
    io::stdout().flush().map_err(|e| e.to_string())?;
    std::thread::spawn(|| {
        let _ = io::copy(&mut io::stdin(), &mut io::sink());
        std::process::exit(0);
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn(move || {
                let _ = connection(stream);
            })
            .map_err(|e| format!("spawn: {e}"))?;
    }
    Ok(())
}

/// Answers requests until the client closes.
fn connection(mut s: TcpStream) -> io::Result<()> {
    s.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(4096);
    let mut out = Vec::with_capacity(4096);
    let mut tmp = [0u8; 4096];
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            respond(&buf[..end], &mut out);
            buf.drain(..end + 4);
        }
        if !out.is_empty() {
            s.write_all(&out)?;
            out.clear();
            out.shrink_to(64 * 1024);
        }
        let n = s.read(&mut tmp)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&tmp[..n]);
    }
}

fn respond(head: &[u8], out: &mut Vec<u8>) {
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let target = std::str::from_utf8(line)
        .ok()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.split(' ').next());
    let parsed = target
        .and_then(|t| t.strip_prefix("/pattern/"))
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(n, seed)| Some((n.parse::<usize>().ok()?, seed.parse::<u64>().ok()?)));
    if target == Some("/hold") {
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
        return;
    }
    let Some((n, seed)) = parsed else {
        out.extend_from_slice(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let _ = write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n");
    let mut at = (seed % 251) as usize;
    let mut left = n;
    while left > 0 {
        let k = left.min(BLOCK.len() - at);
        out.extend_from_slice(&BLOCK[at..at + k]);
        left -= k;
        at = (at + k) % 251;
    }
}
