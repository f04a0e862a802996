//! A C program of the connection-control options (`examples/unix_socket.c`)
//! compiled with `gcc -Wall -Wextra -Werror -std=c11` against
//! `<fetch/fetch.h>`, so the `_Generic` setopt macro routes the new options'
//! arguments, and run under valgrind against a fixture server listening on
//! a Unix socket in a temporary directory.

mod cbuild;

use cbuild::{compile, crate_dir, require};
use fixtures::UnixHttpServer;

#[test]
fn unix_socket_example_gets_twice_over_one_connection() {
    require("valgrind");
    let srv = UnixHttpServer::start();
    let exe = compile(&crate_dir().join("examples/unix_socket.c"), "unix_socket");
    let out = cbuild::memcheck(&exe)
        .arg(srv.path())
        .arg("/info")
        .output()
        .expect("run the example under valgrind");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains("round 0 body='/info' connects=1"), "{text}");
    assert!(text.contains("round 1 body='/info' connects=0"), "{text}");
    assert!(text.contains("prereq ip='' local='' ports=0,0"), "{text}");
    assert!(text.contains("prereq calls=2"), "{text}");
    assert_eq!(srv.accepted(), 1);
}
