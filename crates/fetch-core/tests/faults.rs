//! Bad input and faults: each ends the transfer with the documented code,
//! leaves no socket announced and never hangs.
mod common;

use std::time::Duration;

use common::{App, fill_accept_queue, run_one};
use fetch_core::{Easy, ErrorCode, Events, MultiError, Target};
use fixtures::{Script, ScriptedServer};

/// Runs one transfer and returns its result code; checks hygiene.
fn code_of(easy: Easy) -> Result<(), ErrorCode> {
    let (app, id) = run_one(easy);
    let code = match app.result(id) {
        Ok(()) => Ok(()),
        Err(e) => {
            assert!(!e.detail().is_empty());
            Err(e.code())
        }
    };
    let watched_before_drop = app.watched();
    drop(app);
    assert!(
        watched_before_drop <= 1,
        "only a pooled connection may stay"
    );
    code
}

fn scripted(script: Script) -> (ScriptedServer, Easy) {
    let srv = ScriptedServer::start(script);
    let easy = Easy::with_url(srv.url("/"));
    (srv, easy)
}

/// IR-05: a malformed URL still produces a DONE message.
#[test_log::test]
fn malformed_url_ir05() {
    assert_eq!(
        code_of(Easy::with_url("http://[::1")),
        Err(ErrorCode::UrlMalformat)
    );
    assert_eq!(code_of(Easy::new()), Err(ErrorCode::UrlMalformat));
}

#[test_log::test]
fn unsupported_scheme() {
    assert_eq!(
        code_of(Easy::with_url("gopher://127.0.0.1/")),
        Err(ErrorCode::UnsupportedProtocol)
    );
}

/// The resolver pool answers "no such host" through its wakeup socket.
#[test_log::test]
fn unknown_host() {
    assert_eq!(
        code_of(Easy::with_url("http://no-such-host.invalid/")),
        Err(ErrorCode::CouldntResolveHost)
    );
}

/// SA-06: a refused connection is a transfer failure, not a multi error.
#[test_log::test]
fn connection_refused_sa06() {
    let addr = fixtures::closed_port();
    assert_eq!(
        code_of(Easy::with_url(format!("http://{addr}/"))),
        Err(ErrorCode::CouldntConnect)
    );
}

/// A connect that never completes: a listener whose backlog is full drops
/// SYNs, so the connect timeout (through the app's timer) ends it.
#[test_log::test]
fn connect_timeout() {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let _fillers = fill_accept_queue(addr);
    let mut easy = Easy::with_url(format!("http://{addr}/"));
    easy.connect_timeout(Duration::from_millis(200));
    assert_eq!(code_of(easy), Err(ErrorCode::OperationTimedout));
}

/// SA-09: a stalled server; the total timeout fires through the timer.
#[test_log::test]
fn total_timeout_on_stall_sa09() {
    let srv = fixtures::silent_server();
    let mut easy = Easy::with_url(srv.url("/"));
    easy.timeout(Duration::from_millis(300));
    assert_eq!(code_of(easy), Err(ErrorCode::OperationTimedout));
}

#[test_log::test]
fn closed_before_status_line() {
    let (_srv, easy) = scripted(Script::new().expect_request().close());
    assert_eq!(code_of(easy), Err(ErrorCode::GotNothing));
}

#[test_log::test]
fn closed_mid_headers() {
    let (_srv, easy) = scripted(
        Script::new()
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nContent-Le")
            .close(),
    );
    assert_eq!(code_of(easy), Err(ErrorCode::RecvError));
}

#[test_log::test]
fn closed_mid_body() {
    let (_srv, easy) = scripted(
        Script::new()
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
            .close(),
    );
    assert_eq!(code_of(easy), Err(ErrorCode::PartialFile));
}

#[test_log::test]
fn reset_by_peer() {
    let (_srv, easy) = scripted(
        Script::new()
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
            .sleep(Duration::from_millis(20))
            .reset(),
    );
    let code = code_of(easy);
    assert!(
        matches!(
            code,
            Err(ErrorCode::RecvError) | Err(ErrorCode::PartialFile)
        ),
        "{code:?}"
    );
}

#[test_log::test]
fn malformed_status_line() {
    let (_srv, easy) = scripted(
        Script::new()
            .expect_request()
            .write("HTTX/9 abc\r\n\r\n")
            .close(),
    );
    assert_eq!(code_of(easy), Err(ErrorCode::WeirdServerReply));
}

#[test_log::test]
fn malformed_header() {
    let (_srv, easy) = scripted(
        Script::new()
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")
            .close(),
    );
    assert_eq!(code_of(easy), Err(ErrorCode::WeirdServerReply));
}

#[test_log::test]
fn chunk_size_garbage() {
    let (_srv, easy) = scripted(
        Script::new()
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n")
            .stall(),
    );
    assert_eq!(code_of(easy), Err(ErrorCode::RecvError));
}

#[test_log::test]
fn header_section_over_100k() {
    let mut head = String::from("HTTP/1.1 200 OK\r\n");
    while head.len() < 101 * 1024 {
        head.push_str("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    let (_srv, easy) = scripted(Script::new().expect_request().write(head).stall());
    assert_eq!(code_of(easy), Err(ErrorCode::TooLarge));
}

#[test_log::test]
fn redirect_loop_past_maximum() {
    let srv = fixtures::HttpServer::start();
    let mut easy = Easy::with_url(srv.url("/loop"));
    easy.follow_location(true).max_redirs(Some(5));
    let (mut app, id) = run_one(easy);
    assert_eq!(app.code(id), ErrorCode::TooManyRedirects.code());
    assert_eq!(app.multi.remove(id).unwrap().info().redirect_count, 5);
}

/// A write callback that refuses data ends the transfer with WRITE_ERROR.
#[test_log::test]
fn write_callback_abort() {
    let srv = fixtures::HttpServer::start();
    let mut easy = Easy::with_url(srv.url("/bytes/1000"));
    easy.write_function(|_| fetch_core::Flow::Abort);
    assert_eq!(code_of(easy), Err(ErrorCode::WriteError));
}

/// HM-07: removing a transfer mid-body stops it, closes its connection
/// (REMOVE first), and the other transfer still completes.
#[test_log::test]
fn remove_mid_transfer_hm07() {
    let slow = ScriptedServer::start(
        Script::new()
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nabc")
            .stall(),
    );
    let fast = fixtures::HttpServer::start();
    let mut app = App::new();
    let a = app.add(Easy::with_url(slow.url("/")));
    let b = app.add(Easy::with_url(fast.url("/bytes/200000")));
    // Drive until A has received part of its body.
    let mut rounds = 0;
    while app.multi.transfer(a).unwrap().response_body().is_empty() {
        app.step(Duration::from_millis(50));
        rounds += 1;
        assert!(rounds < 400, "A never got data");
    }
    let easy = app.multi.remove(a).unwrap();
    assert_eq!(easy.response_body(), b"abc");
    assert!(fixtures::wait_until(Duration::from_secs(5), || slow
        .closed_by_peer()
        == 1));
    app.run(Duration::from_secs(10));
    assert!(app.result(b).is_ok());
    assert!(
        app.done.iter().all(|m| m.transfer != a),
        "no DONE for a removed transfer"
    );
}

/// SA-08 and AS-02: an fd the library never announced is ignored by
/// socket_action and refused by assign.
#[test_log::test]
fn unknown_fd_sa08_as02() {
    use std::os::fd::AsRawFd;
    let (r, _w) = std::os::unix::net::UnixStream::pair().unwrap();
    let fd = r.as_raw_fd();
    let srv = fixtures::silent_server();
    let mut app = App::new();
    app.add(Easy::with_url(srv.url("/")));
    let before = app.multi.running();
    assert_eq!(
        app.multi.socket_action(Target::Socket(fd), Events::IN),
        Ok(before)
    );
    assert_eq!(
        app.multi.socket_action(Target::Socket(9999), Events::NONE),
        Ok(before)
    );
    assert_eq!(app.multi.assign(fd, Some(1)), Err(MultiError::BadSocket));
}

/// A name with several addresses: one that never answers (its listener's
/// backlog is full, so SYNs are dropped) does not use up the whole connect
/// timeout. (Here the next address is of the other family, so happy
/// eyeballs starts it after 200 ms; within one family the next address is
/// tried after half of the connect timeout.)
#[test_log::test]
fn unanswered_address_falls_through_to_the_next() {
    use socket2::{Domain, Socket, Type};
    // The same port on both loopbacks; another test may hold the IPv4 one,
    // so try fresh ports until one is free on both.
    let (good, stuck, v4) = (0..50)
        .find_map(|_| {
            let good = fixtures::HttpServer::start_on("::1".parse().unwrap());
            let port = good.addr().port();
            let stuck = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
            let v4: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
            stuck.bind(&v4.into()).is_ok().then_some((good, stuck, v4))
        })
        .expect("no port free on both 127.0.0.1 and [::1] in 50 tries");
    let port = good.addr().port();
    stuck.listen(0).unwrap();
    let _fillers = fill_accept_queue(v4);
    // localhost resolves to 127.0.0.1 first, then ::1.
    let mut easy = Easy::with_url(format!("http://localhost:{port}/bytes/10"));
    easy.connect_timeout(Duration::from_secs(4));
    let (mut app, id) = run_one(easy);
    assert!(app.result(id).is_ok(), "{:?}", app.result(id));
    let e = app.multi.remove(id).unwrap();
    assert_eq!(e.info().primary_ip, Some("::1".parse().unwrap()));
    assert_eq!(e.response_body().len(), 10);
}

/// The transfer error keeps the I/O error behind it as its `source()`.
#[test_log::test]
fn errors_keep_their_io_cause() {
    use std::error::Error as _;
    let (app, id) = run_one(Easy::with_url(format!(
        "http://{}/",
        fixtures::closed_port()
    )));
    let err = app.result(id).as_ref().unwrap_err();
    assert_eq!(err.code(), ErrorCode::CouldntConnect);
    let io = err
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("the io::Error is kept");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
}
