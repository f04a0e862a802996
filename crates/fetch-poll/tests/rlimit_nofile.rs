//! Out of descriptors: with a tiny RLIMIT_NOFILE, the transfers that
//! cannot get a socket fail with a connect error, the others complete,
//! nothing panics, spins or leaks.
//!
//! The limit is process-wide, so this is a test binary of its own; it is
//! set with util-linux's `prlimit` on this process (no unsafe code), and the
//! server runs in a child process so that only client sockets count.
mod common;

use std::process::Command;
use std::time::Duration;

use fetch_core::{Easy, ErrorCode};

fn set_nofile(soft: usize, hard: &str) {
    let pid = std::process::id().to_string();
    let status = Command::new("prlimit")
        .args(["--pid", &pid, &format!("--nofile={soft}:{hard}")])
        .status()
        .expect("prlimit (util-linux) is needed for this test");
    assert!(status.success(), "prlimit failed");
}

/// The current hard limit, to restore the soft one to.
fn hard_limit() -> String {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("Max open files in /proc/self/limits");
    line.split_whitespace().nth(4).unwrap().to_owned()
}

/// An HTTP server in a child process (python3's http.server), so that the
/// limit counts only this process's client sockets.
struct ChildServer {
    child: std::process::Child,
    port: u16,
}

impl ChildServer {
    fn start() -> Self {
        const SERVER: &str = r#"
import http.server
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
        let mut child = Command::new("python3")
            .args(["-c", SERVER])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 is needed for this test's server");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let port = line.trim().parse().expect("the server prints its port");
        Self { child, port }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test_log::test]
fn transfers_fail_cleanly_when_descriptors_run_out() {
    let server = ChildServer::start();
    let url = format!("http://127.0.0.1:{}/", server.port);
    let mut driver = common::driver();
    let hard = hard_limit();
    let ids: Vec<_> = (0..20)
        .map(|_| driver.multi_mut().add(Easy::with_url(url.clone())).unwrap())
        .collect();
    let before = common::open_fds();
    // Room for at least six client sockets (the limit is on descriptor
    // numbers, and the table may have gaps below it).
    set_nofile(before + 6, &hard);
    let run = common::run(&mut driver, Duration::from_secs(30));
    set_nofile(hard.parse().unwrap_or(1 << 20), &hard);
    assert_eq!(run.done.len(), ids.len());
    let ok = run.done.iter().filter(|m| m.result.is_ok()).count();
    let refused: Vec<_> = run
        .done
        .iter()
        .filter_map(|m| m.result.as_ref().err())
        .collect();
    assert!(
        ok >= 6,
        "the transfers with a socket completed: {:?}",
        run.done
    );
    assert!(!refused.is_empty(), "the limit was hit: {:?}", run.done);
    for e in &refused {
        assert_eq!(e.code(), ErrorCode::CouldntConnect, "{e:?}");
        assert!(e.detail().contains("Too many open files"), "{e:?}");
    }
    assert!(run.performs < 500, "no spin: {} loop turns", run.performs);
    drop(driver);
    assert!(common::open_fds() <= before, "every client socket closed");
}
