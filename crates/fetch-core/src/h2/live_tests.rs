//! The layer against a real HTTP/2 server (hyper's, in `fixtures`), over
//! a blocking loopback socket: h2c with prior knowledge, then TLS with
//! ALPN. The engine is not involved; this checks the protocol layer alone.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use fixtures::{H2Config, H2Server, TestPki, pattern};

use super::*;

#[derive(Debug, Default)]
struct Response {
    status: u16,
    body: Vec<u8>,
    done: bool,
    reset: Option<Reason>,
}

/// A blocking client: writes what the connection queued, reads, feeds.
struct Client<S> {
    io: S,
    conn: Connection,
    buf: Vec<u8>,
    responses: BTreeMap<u32, Response>,
    uploads: BTreeMap<u32, Vec<u8>>,
}

impl<S: Read + Write> Client<S> {
    fn new(io: S) -> Self {
        Self {
            io,
            conn: Connection::new(Config::default()),
            buf: Vec::new(),
            responses: BTreeMap::new(),
            uploads: BTreeMap::new(),
        }
    }

    fn get(&mut self, authority: &str, scheme: &str, path: &str) -> u32 {
        let fields: [(&[u8], &[u8]); 4] = [
            (b":method", b"GET"),
            (b":scheme", scheme.as_bytes()),
            (b":authority", authority.as_bytes()),
            (b":path", path.as_bytes()),
        ];
        let id = self.conn.open_stream(&fields, true).unwrap();
        self.responses.insert(id, Response::default());
        id
    }

    fn post(&mut self, authority: &str, path: &str, body: Vec<u8>) -> u32 {
        let len = body.len().to_string();
        let fields: [(&[u8], &[u8]); 5] = [
            (b":method", b"POST"),
            (b":scheme", b"http"),
            (b":authority", authority.as_bytes()),
            (b":path", path.as_bytes()),
            (b"content-length", len.as_bytes()),
        ];
        let id = self.conn.open_stream(&fields, false).unwrap();
        self.responses.insert(id, Response::default());
        self.uploads.insert(id, body);
        self.pump_uploads();
        id
    }

    fn pump_uploads(&mut self) {
        for (&id, rest) in &mut self.uploads {
            if !rest.is_empty() || self.conn.is_open(id) {
                let n = self.conn.send_data(id, rest, true);
                rest.drain(..n);
            }
        }
        self.uploads.retain(|_, rest| !rest.is_empty());
    }

    fn flush(&mut self) {
        while self.conn.wants_write() {
            let n = self.io.write(self.conn.output()).unwrap();
            self.conn.written(n);
        }
        self.io.flush().unwrap();
    }

    /// Runs until every response is done or reset.
    fn run(&mut self) {
        let mut chunk = vec![0u8; 64 * 1024];
        while self
            .responses
            .values()
            .any(|r| !r.done && r.reset.is_none())
        {
            self.flush();
            let n = self.io.read(&mut chunk).unwrap();
            assert!(n > 0, "server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
            self.feed();
            self.pump_uploads();
        }
        self.flush();
    }

    fn feed(&mut self) {
        let mut pos = 0;
        loop {
            let (n, ev) = self
                .conn
                .recv(&self.buf[pos..])
                .expect("no connection error");
            match ev {
                Recv::NeedMore => break,
                Recv::Head {
                    stream,
                    status,
                    end_stream,
                    ..
                } if status >= 200 => {
                    let r = self.responses.get_mut(&stream).unwrap();
                    r.status = status;
                    r.done = end_stream;
                }
                Recv::Data {
                    stream,
                    data,
                    end_stream,
                } => {
                    let bytes = &self.buf[pos + data.start..pos + data.end];
                    let r = self.responses.get_mut(&stream).unwrap();
                    r.body.extend_from_slice(bytes);
                    r.done = end_stream;
                    self.conn.release(stream, data.len());
                }
                Recv::Trailers { stream, .. } => {
                    self.responses.get_mut(&stream).unwrap().done = true
                }
                Recv::Reset { stream, reason, .. } => {
                    self.responses.get_mut(&stream).unwrap().reset = Some(reason);
                }
                _ => {}
            }
            pos += n;
        }
        self.buf.drain(..pos);
    }
}

fn tcp(server: &H2Server) -> TcpStream {
    let s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

#[test]
fn h2c_get_with_prior_knowledge() {
    let server = H2Server::start();
    let mut c = Client::new(tcp(&server));
    let auth = server.addr().to_string();
    let id = c.get(&auth, "http", "/bytes/100000");
    c.run();
    let r = &c.responses[&id];
    assert_eq!((r.status, r.reset), (200, None));
    assert_eq!(r.body, pattern(100_000));
    assert_eq!((server.h2_requests(), server.accepted()), (1, 1));
}

#[test]
fn many_streams_share_one_connection() {
    let server = H2Server::start();
    let mut c = Client::new(tcp(&server));
    let auth = server.addr().to_string();
    let ids: Vec<(u32, usize)> = (0..50)
        .map(|i| {
            let n = i * 997;
            (c.get(&auth, "http", &format!("/bytes/{n}")), n)
        })
        .collect();
    let drip = c.get(&auth, "http", "/drip/30000");
    c.run();
    for (id, n) in ids {
        assert_eq!(c.responses[&id].body, pattern(n), "stream {id}");
    }
    assert_eq!(c.responses[&drip].body, pattern(30_000));
    assert_eq!((server.h2_requests(), server.accepted()), (51, 1));
}

#[test]
fn upload_larger_than_the_servers_window_is_echoed() {
    // The server opens 16 KiB per stream: the upload waits for its
    // WINDOW_UPDATEs (Recv::WindowOpened) many times over.
    let server = H2Server::start_with(H2Config {
        initial_stream_window: Some(16_384),
        ..H2Config::h2c()
    });
    let mut c = Client::new(tcp(&server));
    let auth = server.addr().to_string();
    let body = pattern(300_000);
    let id = c.post(&auth, "/echo", body.clone());
    c.run();
    assert_eq!(c.responses[&id].status, 200);
    assert_eq!(c.responses[&id].body, body);
}

#[test]
fn unknown_path_and_status_routes() {
    let server = H2Server::start();
    let mut c = Client::new(tcp(&server));
    let auth = server.addr().to_string();
    let a = c.get(&auth, "http", "/status/204");
    let b = c.get(&auth, "http", "/nope");
    c.run();
    assert_eq!(c.responses[&a].status, 204);
    assert!(c.responses[&a].body.is_empty());
    assert_eq!(c.responses[&b].status, 404);
}

#[test]
fn tls_with_alpn_h2() {
    let server = H2Server::start_tls();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(TestPki::shared().root_store())
    .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_H2.to_vec(), b"http/1.1".to_vec()];
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut io = rustls::StreamOwned::new(tls, tcp(&server));
    io.flush().unwrap();
    while io.conn.is_handshaking() {
        io.conn.complete_io(&mut io.sock).unwrap();
    }
    assert_eq!(io.conn.alpn_protocol(), Some(ALPN_H2));
    let mut c = Client::new(io);
    let auth = format!("localhost:{}", server.addr().port());
    let ids: Vec<u32> = (0..10)
        .map(|_| c.get(&auth, "https", "/bytes/40000"))
        .collect();
    c.run();
    for id in ids {
        assert_eq!(c.responses[&id].body, pattern(40_000));
    }
    assert_eq!(server.alpn_seen(), vec![Some(b"h2".to_vec())]);
    assert_eq!((server.h2_requests(), server.accepted()), (10, 1));
}

#[test]
fn close_sends_goaway_and_the_server_closes() {
    let server = H2Server::start();
    let mut c = Client::new(tcp(&server));
    let auth = server.addr().to_string();
    c.get(&auth, "http", "/bytes/10");
    c.run();
    c.conn.close();
    c.flush();
    let mut rest = Vec::new();
    // The server answers GOAWAY by closing; reading reaches EOF.
    c.io.read_to_end(&mut rest)
        .expect("EOF after GOAWAY, not a read timeout");
    assert_eq!(server.accepted(), 1);
}
