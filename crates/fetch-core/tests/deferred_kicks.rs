//! Kicks the application was told about with a 0 ms timer wait for its
//! `socket_action(TIMEOUT)` call for one round of its loop (docs/decisions.md,
//! "Kicks told with timer 0 wait for the TIMEOUT call"): a socket call for
//! another socket does not start a newly added transfer, so a batch of adds
//! costs one timer callback, not one per transfer. An application that
//! never makes the TIMEOUT call still progresses.
mod common;

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use common::{App, Ev, timers};
use fetch_core::{Easy, Events, Interest, Target, TransferId};
use fixtures::{HttpServer, Script, ScriptedServer};

/// Whether a socket was announced for `id` in `log`.
fn announced_for(log: &[Ev], id: TransferId) -> bool {
    log.iter()
        .any(|e| matches!(e, Ev::Socket { transfer: Some(t), .. } if *t == id))
}

/// `n` transfers to a server that never answers, started by a TIMEOUT
/// call: each holds one announced socket. Returns their ids and sockets.
fn with_active(app: &mut App, silent: &ScriptedServer, n: usize) -> (Vec<TransferId>, Vec<RawFd>) {
    let ids: Vec<TransferId> = (0..n)
        .map(|_| app.add(Easy::with_url(silent.url("/"))))
        .collect();
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    let fds: Vec<RawFd> = app.multi.sockets().map(|(fd, _)| fd).collect();
    assert_eq!(fds.len(), n, "one socket per active transfer");
    (ids, fds)
}

/// Removes the stalled transfers and runs the rest to their end.
fn finish(mut app: App, stalled: Vec<TransferId>) -> App {
    for id in stalled {
        app.multi.remove(id).unwrap();
    }
    app.run(Duration::from_secs(20));
    app
}

/// SA-01, TF-03, TF-04, TO-05: with two transfers active, a third is
/// added (timer 0). A socket_action on an active socket does not start it:
/// no socket is announced for it, its server sees no connection, and no
/// timer callback fires (the earliest deadline is the same instant). The
/// TIMEOUT call the application was asked for starts it.
#[test_log::test]
fn fd_call_leaves_the_added_transfer_to_the_timeout_call_sa01_tf03_tf04_to05() {
    let silent = fixtures::silent_server();
    let srv = HttpServer::start();
    let mut app = App::new();
    let (active, fds) = with_active(&mut app, &silent, 2);
    let third = app.add(Easy::with_url(srv.url("/bytes/10")));
    let told = app.log();
    assert_eq!(timers(&told).last(), Some(&Some(Duration::ZERO)), "TF-04");

    let running = app
        .multi
        .socket_action(Target::Socket(fds[0]), Events::NONE)
        .unwrap();
    assert_eq!(running, 3);
    let after_fd = app.log()[told.len()..].to_vec();
    assert!(!announced_for(&after_fd, third), "no socket for the third");
    assert!(timers(&after_fd).is_empty(), "no timer callback (TF-03)");
    assert_eq!(
        app.multi.timeout(),
        Some(Duration::ZERO),
        "TO-05: still due"
    );
    assert_eq!(
        srv.accepted_before_probe(),
        0,
        "the third has not connected"
    );

    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    let after = app.log();
    assert!(announced_for(&after[told.len()..], third), "SA-01: started");
    assert_eq!(
        timers(&after[told.len()..]).len(),
        1,
        "the next deadline, once"
    );
    assert_ne!(app.multi.timeout(), Some(Duration::ZERO));

    let app = finish(app, active);
    assert_eq!(app.outcome(third), Ok(()));
}

/// SA-01: an application that never makes the TIMEOUT call after the
/// first (it calls socket_action on each of its sockets every round, events
/// unknown) still gets the added transfer done: the kick waits one round
/// of its loop (as many socket calls as sockets announced) and then runs on
/// a socket call, as upstream runs it on the first.
#[test_log::test]
fn an_app_that_only_makes_socket_calls_still_progresses_sa01() {
    let silent = fixtures::silent_server();
    let srv = HttpServer::start();
    let mut app = App::new();
    let (active, fds) = with_active(&mut app, &silent, 2);
    let third = app.add(Easy::with_url(srv.url("/bytes/10")));

    let mut calls = 0;
    while !announced_for(&app.log(), third) {
        assert!(calls < 10, "the added transfer never started");
        app.multi
            .socket_action(Target::Socket(fds[calls % fds.len()]), Events::NONE)
            .unwrap();
        calls += 1;
    }
    assert_eq!(calls, fds.len() + 1, "one round of grace, then it runs");

    let end = Instant::now() + Duration::from_secs(20);
    let mut done = None;
    while done.is_none() {
        assert!(Instant::now() < end, "the added transfer hung");
        let sockets: Vec<RawFd> = app.multi.sockets().map(|(fd, _)| fd).collect();
        for fd in sockets {
            app.multi
                .socket_action(Target::Socket(fd), Events::NONE)
                .unwrap();
        }
        while let Some((m, _)) = app.multi.info_read() {
            if m.transfer == third {
                done = Some(m.result);
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(done.unwrap().is_ok());
    for id in active {
        app.multi.remove(id).unwrap();
    }
}

/// TF-03, TF-04, TO-05: as in an event loop that re-adds a handle after
/// each finished one, N adds each followed by a socket call for another
/// socket cost exactly one timer callback (the first add's 0) up to the
/// TIMEOUT call, which starts all N and reports the next deadline once.
#[test_log::test]
fn adds_between_two_timeout_calls_cost_one_timer_callback_tf03_tf04_to05() {
    const N: usize = 4;
    let silent = fixtures::silent_server();
    let srv = HttpServer::start();
    let mut app = App::new();
    let (active, fds) = with_active(&mut app, &silent, N);
    let before = app.log().len();

    let mut added = Vec::new();
    for fd in &fds {
        added.push(app.add(Easy::with_url(srv.url("/bytes/10"))));
        app.multi
            .socket_action(Target::Socket(*fd), Events::NONE)
            .unwrap();
        assert_eq!(app.multi.timeout(), Some(Duration::ZERO), "TO-05");
    }
    let between = app.log()[before..].to_vec();
    assert_eq!(timers(&between), vec![Some(Duration::ZERO)]);
    assert!(added.iter().all(|id| !announced_for(&between, *id)));
    assert_eq!(srv.accepted_before_probe(), 0, "none has connected");

    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    let after = app.log()[before + between.len()..].to_vec();
    assert!(
        added.iter().all(|id| announced_for(&after, *id)),
        "all started"
    );
    assert_eq!(
        timers(&after).len(),
        1,
        "one callback for the next deadline"
    );

    let app = finish(app, active);
    for id in added {
        assert_eq!(app.outcome(id), Ok(()));
    }
}

/// A keep-alive server for two requests on one connection; it answers
/// the first after a pause, so the client has sent it and is waiting when
/// the answer comes.
fn two_requests_server() -> ScriptedServer {
    ScriptedServer::start(
        Script::new()
            .expect_request()
            .sleep(Duration::from_millis(30))
            .respond_ok(b"0123456789")
            .expect_request()
            .respond_ok(b"0123456789"),
    )
}

/// Blocks until `fd` is readable.
fn wait_readable(fd: RawFd) {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call.
    let n = unsafe { libc::poll(&mut p, 1, 20_000) };
    assert_eq!(n, 1, "the answer never came");
}

/// A transfer to `srv` whose request is out and whose answer is waiting
/// on its socket, beside three silent transfers (so the socket calls that
/// follow stay within a round of grace). Returns the silent transfers, the
/// transfer and its socket.
fn answer_waiting(
    app: &mut App,
    silent: &ScriptedServer,
    srv: &ScriptedServer,
) -> (Vec<TransferId>, TransferId, RawFd) {
    let (active, fds) = with_active(app, silent, 3);
    let first = app.add(Easy::with_url(srv.url("/")));
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    let fd = app
        .multi
        .sockets()
        .map(|(fd, _)| fd)
        .find(|fd| !fds.contains(fd))
        .expect("the first transfer's socket");
    // Connect and send; then the request is out and the answer pending.
    let end = Instant::now() + Duration::from_secs(20);
    while app
        .multi
        .sockets()
        .any(|(f, i)| f == fd && i != Interest::In)
    {
        assert!(Instant::now() < end, "the request was never sent");
        app.multi
            .socket_action(Target::Socket(fd), Events::NONE)
            .unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    wait_readable(fd);
    (active, first, fd)
}

/// Reads the waiting answer with a socket call: `first` ends in it.
fn end_first(app: &mut App, first: TransferId, fd: RawFd) {
    app.multi
        .socket_action(Target::Socket(fd), Events::IN)
        .unwrap();
    let (msg, _) = app.multi.info_read().expect("the first transfer ended");
    assert_eq!(msg.transfer, first);
    assert!(msg.result.is_ok());
}

/// A transfer to `srv` that ends during a socket call made while a kick
/// waits for the TIMEOUT call (a second transfer, to `next`, was added
/// just before). Three silent transfers keep that socket call within the
/// round of grace. Returns the silent transfers, the second transfer and
/// the socket the first one used.
fn end_one_while_a_kick_waits(
    app: &mut App,
    silent: &ScriptedServer,
    srv: &ScriptedServer,
    next: &str,
) -> (Vec<TransferId>, TransferId, RawFd) {
    let (active, first, fd) = answer_waiting(app, silent, srv);
    let second = app.add(Easy::with_url(next));
    assert_eq!(timers(&app.log()).last(), Some(&Some(Duration::ZERO)));
    end_first(app, first, fd);
    app.multi.remove(first).unwrap();
    (active, second, fd)
}

fn removes_of(log: &[Ev], fd: RawFd) -> usize {
    log.iter()
        .filter(|e| matches!(e, Ev::Socket { fd: f, interest: Interest::Remove, .. } if *f == fd))
        .count()
}

/// SF-03, TF-03: a keep-alive connection that goes idle while a kick
/// waits for the TIMEOUT call keeps its announcement until that call; the
/// kicked transfer to the same origin takes it there, so the application
/// sees neither a REMOVE nor a new announcement, and no new connection is
/// made. Once everything has ended no socket is announced.
#[test_log::test]
fn an_idle_connection_taken_by_the_waiting_kick_is_never_removed_sf03() {
    let silent = fixtures::silent_server();
    let srv = two_requests_server();
    let mut app = App::new();
    let (active, second, fd) = end_one_while_a_kick_waits(&mut app, &silent, &srv, &srv.url("/"));
    let mark = app.log().len();

    assert_eq!(removes_of(&app.log(), fd), 0, "not REMOVEd while held");
    timeout_call_hands_it_over(app, mark, fd, active, second, &srv);
}

/// SF-03: when the waiting kick goes elsewhere, the idle connection's
/// REMOVE comes with the TIMEOUT call.
#[test_log::test]
fn an_idle_connection_not_taken_is_removed_by_the_timeout_call_sf03() {
    let silent = fixtures::silent_server();
    let srv = two_requests_server();
    let other = HttpServer::start();
    let mut app = App::new();
    let (active, second, fd) =
        end_one_while_a_kick_waits(&mut app, &silent, &srv, &other.url("/bytes/10"));
    let mark = app.log().len();
    assert_eq!(removes_of(&app.log(), fd), 0, "held while the kick waits");
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    assert_eq!(removes_of(&app.log()[mark..], fd), 1, "REMOVEd now");
    let app = finish(app, active);
    assert_eq!(app.outcome(second), Ok(()));
}

/// SF-03, TF-04: as in an event loop that re-adds a transfer after each
/// finished one, the transfer ends in a socket call while no kick waits
/// (the re-add comes after the call). Its idle connection keeps its
/// announcement through that call and the application's remove and add
/// calls; the TIMEOUT call hands it to the re-added transfer, so the
/// application sees neither a REMOVE nor a new announcement
/// (decisions.md 66). Once everything has ended no socket is announced.
#[test_log::test]
fn an_idle_connection_is_held_until_the_next_socket_call_sf03() {
    let silent = fixtures::silent_server();
    let srv = two_requests_server();
    let mut app = App::new();
    let (active, first, fd) = answer_waiting(&mut app, &silent, &srv);
    let mark = app.log().len();
    end_first(&mut app, first, fd);
    app.multi.remove(first).unwrap();
    let second = app.add(Easy::with_url(srv.url("/")));
    assert_eq!(timers(&app.log()).last(), Some(&Some(Duration::ZERO)));
    timeout_call_hands_it_over(app, mark, fd, active, second, &srv);
}

/// SF-03: the hold is bounded. An idle connection no transfer takes is
/// REMOVEd at the end of the next socket call (remove and add calls in
/// between do not end the hold), while other transfers still run.
#[test_log::test]
fn an_idle_connection_not_taken_is_removed_by_the_next_socket_call_sf03() {
    let silent = fixtures::silent_server();
    let srv = two_requests_server();
    let mut app = App::new();
    let (active, first, fd) = answer_waiting(&mut app, &silent, &srv);
    end_first(&mut app, first, fd);
    assert_eq!(removes_of(&app.log(), fd), 0, "held through the call");
    app.multi.remove(first).unwrap();
    assert_eq!(removes_of(&app.log(), fd), 0, "and through a remove");
    let other = app
        .multi
        .sockets()
        .map(|(f, _)| f)
        .find(|&f| f != fd)
        .expect("a silent transfer's socket");
    app.multi
        .socket_action(Target::Socket(other), Events::NONE)
        .unwrap();
    assert_eq!(removes_of(&app.log(), fd), 1, "REMOVEd by the next call");
    assert_eq!(app.multi.running(), 3, "while the others still run");
    finish(app, active);
}

/// SF-03: when the last running transfer ends, its idle connection is
/// REMOVEd in that same call: nothing is held once no transfer runs.
#[test_log::test]
fn nothing_is_held_once_no_transfer_runs_sf03() {
    let srv = two_requests_server();
    let mut app = App::new();
    let id = app.add(Easy::with_url(srv.url("/")));
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    let fd = app
        .multi
        .sockets()
        .map(|(f, _)| f)
        .next()
        .expect("its socket");
    let end = Instant::now() + Duration::from_secs(20);
    while app.multi.running() > 0 {
        assert!(Instant::now() < end, "the transfer hung");
        app.multi
            .socket_action(Target::Socket(fd), Events::NONE)
            .unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(removes_of(&app.log(), fd), 1, "REMOVEd in the last call");
    assert_eq!(app.multi.socket_count(), 0);
    assert_eq!(app.watched(), 0);
    assert!(app.multi.info_read().is_some_and(|(m, _)| m.transfer == id));
}

/// The connection went on to the second transfer with no socket callback
/// for `fd` since `mark` (no REMOVE, no new announcement).
fn assert_not_announced_since(app: &App, mark: usize, fd: RawFd) {
    let after = app.log()[mark..].to_vec();
    assert!(
        !after
            .iter()
            .any(|e| matches!(e, Ev::Socket { fd: f, .. } if *f == fd)),
        "the connection went on to the second transfer unannounced: {after:?}"
    );
}

/// The TIMEOUT call hands the held connection `fd` to `second` with no
/// socket callback for it since `mark`; both transfers end on the one
/// connection and nothing is announced at the end (SF-03).
fn timeout_call_hands_it_over(
    mut app: App,
    mark: usize,
    fd: RawFd,
    active: Vec<TransferId>,
    second: TransferId,
    srv: &ScriptedServer,
) {
    app.multi
        .socket_action(Target::Timeout, Events::NONE)
        .unwrap();
    assert_not_announced_since(&app, mark, fd);
    assert_eq!(removes_of(&app.log(), fd), 0, "never REMOVEd while in use");
    let app = finish(app, active);
    assert_eq!(app.outcome(second), Ok(()));
    assert_eq!(srv.accepted(), 1, "one connection for both");
    assert_eq!(app.watched(), 0, "SF-03: nothing announced at the end");
}
