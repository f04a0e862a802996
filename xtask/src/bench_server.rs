//! The bench's server: nginx from the system, with its own configuration
//! (`bench/nginx.conf.in`), document root, certificate and pid file in a
//! temporary directory, started as a child and stopped through its own pid
//! file (`nginx -s stop`), so nothing else on the machine is touched.

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The files the workloads fetch.
pub(crate) struct Files {
    /// Size of `big.bin` (workload C).
    pub(crate) big: u64,
}

/// A running nginx.
pub(crate) struct Nginx {
    bin: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
    /// Plain HTTP port on 127.0.0.1.
    pub(crate) port: u16,
    /// HTTPS port on 127.0.0.1.
    pub(crate) tls_port: u16,
    /// HTTPS port with HTTP/2 (ALPN h2) on 127.0.0.1.
    pub(crate) h2_port: u16,
}

impl Nginx {
    /// Lays out `dir` and starts nginx on three free loopback ports.
    pub(crate) fn start(root: &Path, bin: &Path, dir: &Path, files: &Files) -> io::Result<Self> {
        let _ = std::fs::remove_dir_all(dir);
        let www = dir.join("www");
        std::fs::create_dir_all(&www)?;
        std::fs::create_dir_all(dir.join("tmp"))?;
        write_file(&www.join("1k.bin"), 1024)?;
        write_file(&www.join("64k.bin"), 64 * 1024)?;
        write_file(&www.join("big.bin"), files.big)?;
        std::fs::create_dir_all(www.join("gz"))?;
        write_json(&www.join("gz/1m.json"), 1 << 20)?;
        make_cert(dir)?;

        let port = free_port()?;
        let tls_port = free_port()?;
        let h2_port = free_port()?;
        let template = std::fs::read_to_string(root.join("bench/nginx.conf.in"))?;
        let conf = template
            .replace("@DIR@", &dir.to_string_lossy())
            .replace("@PORT@", &port.to_string())
            .replace("@TLS_PORT@", &tls_port.to_string())
            .replace("@H2_PORT@", &h2_port.to_string())
            // 10,000 client connections plus headroom for the TLS server.
            .replace("@WORKER_CONNECTIONS@", "32768")
            .replace("@NOFILE@", "65536");
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf)?;

        let child = Command::new(bin)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut me = Self {
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            child: Some(child),
            port,
            tls_port,
            h2_port,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err()
            || TcpStream::connect(("127.0.0.1", tls_port)).is_err()
            || TcpStream::connect(("127.0.0.1", h2_port)).is_err()
        {
            if let Some(status) = me.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                me.child = None;
                let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
                return Err(io::Error::other(format!("nginx exited ({status}): {log}")));
            }
            if Instant::now() > deadline {
                return Err(io::Error::other(
                    "nginx did not start listening within 10 s",
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(me)
    }

    /// The plain-HTTP URL of a file in the document root.
    pub(crate) fn url(&self, file: &str) -> String {
        format!("http://127.0.0.1:{}/{file}", self.port)
    }

    /// The HTTPS URL of a file in the document root.
    pub(crate) fn tls_url(&self, file: &str) -> String {
        format!("https://127.0.0.1:{}/{file}", self.tls_port)
    }

    /// The HTTPS URL of a file on the HTTP/2 listener.
    pub(crate) fn h2_url(&self, file: &str) -> String {
        format!("https://127.0.0.1:{}/{file}", self.h2_port)
    }

    /// The CA certificate clients should trust.
    pub(crate) fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// `nginx -v` text, for the report.
    pub(crate) fn version(bin: &Path) -> String {
        Command::new(bin)
            .arg("-v")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_owned())
            .unwrap_or_else(|_| "nginx (unknown version)".into())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // Graceless stop of our master, which takes its worker with it.
        let _ = Command::new(&self.bin)
            .arg("-p")
            .arg(&self.dir)
            .arg("-c")
            .arg(self.dir.join("nginx.conf"))
            .args(["-s", "stop"])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                let _ = std::fs::remove_dir_all(&self.dir);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// A file of `len` non-zero bytes (not sparse, so the page cache holds
/// real data and nothing compresses it).
fn write_file(path: &Path, len: u64) -> io::Result<()> {
    let mut pattern = [0u8; 64 * 1024];
    for (i, b) in pattern.iter_mut().enumerate() {
        *b = b'a' + (i % 26) as u8;
    }
    let mut f = io::BufWriter::new(std::fs::File::create(path)?);
    let mut left = len;
    while left > 0 {
        let n = left.min(pattern.len() as u64) as usize;
        f.write_all(&pattern[..n])?;
        left -= n as u64;
    }
    f.flush()
}

/// About `len` bytes of JSON records with varied numbers and words, which
/// gzip to roughly a fifth as real API responses do (workload G).
fn write_json(path: &Path, len: usize) -> io::Result<()> {
    const WORDS: [&str; 8] = [
        "alpha", "bravo", "charlie", "delta", "echo", "fox", "golf", "hotel",
    ];
    let mut out = String::with_capacity(len + 256);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    out.push('[');
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let word = WORDS[(x % 8) as usize];
        out.push_str(&format!(
            "{{\"id\":{},\"name\":\"{word}-{}\",\"score\":{}.{},\"ok\":{}}},",
            x % 1_000_000,
            (x >> 20) % 9973,
            (x >> 30) % 1000,
            (x >> 40) % 100,
            x & 1 == 0
        ));
    }
    out.pop();
    out.push(']');
    std::fs::write(path, out)
}

/// A test CA (ca.pem) and a server certificate for 127.0.0.1 signed by
/// it (cert.pem, key.pem), made with the `openssl` command. A separate CA
/// rather than one self-signed leaf, because webpki (rustls) refuses a CA
/// certificate used as an end entity.
fn make_cert(dir: &Path) -> io::Result<()> {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )?;
    let steps: [Vec<&str>; 3] = [
        [
            &["req", "-x509", "-days", "2", "-subj", "/CN=fetch-bench CA"][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
        [
            &["req", "-subj", "/CN=127.0.0.1"][..],
            &ec,
            &["-keyout", "key.pem", "-out", "leaf.csr"],
        ]
        .concat(),
        vec![
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
            "-out",
            "cert.pem",
        ],
    ];
    for args in steps {
        let status = Command::new("openssl")
            .current_dir(dir)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        if !status.success() {
            return Err(io::Error::other(format!(
                "openssl {} failed",
                args.join(" ")
            )));
        }
    }
    Ok(())
}
