//! HTTP/2 server push (FETCHMOPT_PUSHFUNCTION's Rust form,
//! `Multi::set_push_handler`) against fixtures::PushServer (the `h2`
//! crate's server side, which pushes) and a raw peer that pushes without
//! being allowed to.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::App;
use fetch_core::{Easy, ErrorCode, HttpVersion, Multi, PushAction, TransferId};
use fixtures::{HostilePushServer, PushServer};

fn h2c(url: String) -> Easy {
    let mut e = Easy::with_url(url);
    e.http_version(HttpVersion::V2PriorKnowledge);
    e
}

/// What the handler saw of one promise.
#[derive(Debug, Clone)]
struct Seen {
    parent: TransferId,
    pushed: TransferId,
    url: String,
    count: usize,
    fields: Vec<(String, String)>,
    path: Option<String>,
    push_id: Option<String>,
    past_end: bool,
    missing: bool,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A multi whose push handler records each promise and answers `action`.
fn app_with(action: fn() -> PushAction) -> (App, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let mut multi = Multi::new();
    multi.set_push_handler(move |p| {
        let fields = (0..p.header_count())
            .map(|i| p.header(i).map(|(n, v)| (text(n), text(v))).unwrap())
            .collect();
        log.lock().unwrap().push(Seen {
            parent: p.parent(),
            pushed: p.pushed_id(),
            url: p.url().to_owned(),
            count: p.header_count(),
            fields,
            path: p.header_by_name(":path").map(text),
            push_id: p.header_by_name("x-push-id").map(text),
            past_end: p.header(p.header_count()).is_none(),
            missing: p.header_by_name("x-not-there").is_none(),
        });
        action()
    });
    (App::with_multi(multi), seen)
}

#[test_log::test]
fn accepted_pushes_become_transfers_with_their_own_done_message() {
    let srv = PushServer::start();
    let (mut app, seen) = app_with(|| PushAction::Accept(Box::new(Easy::new())));
    let parent = app.add(h2c(srv.url("/push?n=2")));
    app.run(Duration::from_secs(20));
    assert!(app.result(parent).is_ok(), "{:?}", app.result(parent));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(srv.pushes(), 2);
    assert_eq!(srv.push_refused(), 0);
    for (i, s) in seen.iter().enumerate() {
        assert_eq!(s.parent, parent);
        assert_eq!(s.url, srv.url(&format!("/pushed/{i}")));
        // The promised request: pseudo-headers first, as received.
        let names: Vec<&str> = s.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [":method", ":scheme", ":authority", ":path", "x-push-id"]
        );
        assert_eq!(s.count, 5);
        assert_eq!(s.path.as_deref(), Some(format!("/pushed/{i}").as_str()));
        assert_eq!(s.push_id.as_deref(), Some(i.to_string().as_str()));
        assert!(s.past_end && s.missing);
        // Each accepted push is a transfer of the multi: DONE, its own
        // body and effective URL.
        assert!(app.result(s.pushed).is_ok(), "{:?}", app.result(s.pushed));
        let e = app.multi.remove(s.pushed).unwrap();
        assert_eq!(text(e.response_body()), format!("pushed body {i}"));
        assert_eq!(
            e.info().effective_url.as_deref(),
            Some(srv.url(&format!("/pushed/{i}")).as_str())
        );
        assert_eq!(e.info().response_code, 200);
        assert_eq!(e.info().http_version, 20);
    }
    let e = app.multi.remove(parent).unwrap();
    assert_eq!(text(e.response_body()), "parent body");
    assert_eq!(app.done.len(), 3);
    // One connection for all three streams.
    assert_eq!(srv.requests(), 1);
}

#[test_log::test]
fn denied_pushes_are_reset_with_cancel() {
    let srv = PushServer::start();
    let (mut app, seen) = app_with(|| PushAction::Deny);
    let parent = app.add(h2c(srv.url("/push?n=2&hold=1")));
    app.run(Duration::from_secs(20));
    assert!(app.result(parent).is_ok(), "{:?}", app.result(parent));
    assert_eq!(seen.lock().unwrap().len(), 2);
    // Only the parent ends in info_read; the server saw RST_STREAM(CANCEL)
    // on both promised streams.
    assert_eq!(app.done.len(), 1);
    let mut resets = srv.wait_resets(2);
    resets.sort();
    assert_eq!(
        resets,
        [("/pushed/0".to_owned(), 8), ("/pushed/1".to_owned(), 8)]
    );
    assert_eq!(
        text(app.multi.remove(parent).unwrap().response_body()),
        "parent body"
    );
}

#[test_log::test]
fn errorout_fails_the_parent_and_resets_the_push() {
    let srv = PushServer::start();
    let (mut app, seen) = app_with(|| PushAction::ErrorOut);
    let parent = app.add(h2c(srv.url("/push?n=1&hold=1")));
    app.run(Duration::from_secs(20));
    assert_eq!(seen.lock().unwrap().len(), 1);
    let err = app.result(parent).as_ref().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Http2);
    assert_eq!(app.done.len(), 1);
    assert_eq!(srv.wait_resets(1), [("/pushed/0".to_owned(), 8)]);
}

#[test_log::test]
fn without_a_handler_push_is_disabled_in_settings() {
    let srv = PushServer::start();
    let mut app = App::new();
    let parent = app.add(h2c(srv.url("/push?n=1")));
    app.run(Duration::from_secs(20));
    assert!(app.result(parent).is_ok(), "{:?}", app.result(parent));
    // The h2 server read SETTINGS_ENABLE_PUSH=0 and refused to push.
    assert_eq!((srv.push_refused(), srv.pushes()), (1, 0));
    assert_eq!(
        text(app.multi.remove(parent).unwrap().response_body()),
        "parent body"
    );
}

#[test_log::test]
fn a_push_after_enable_push_0_is_a_connection_error_for_that_multi_only() {
    let hostile = HostilePushServer::start();
    let srv = PushServer::start();
    let mut bad = App::new();
    let (mut good, _seen) = app_with(|| PushAction::Accept(Box::new(Easy::new())));
    let victim = bad.add(h2c(hostile.url("/")));
    let fine = good.add(h2c(srv.url("/push?n=1")));
    for _ in 0..2000 {
        let a = bad.step(Duration::from_millis(10));
        let b = good.step(Duration::from_millis(10));
        if a == 0 && b == 0 {
            break;
        }
    }
    assert_eq!(bad.multi.running() + good.multi.running(), 0);
    let err = bad.result(victim).as_ref().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Http2, "{err}");
    assert!(err.detail().contains("PUSH_PROMISE"), "{err}");
    // GOAWAY(PROTOCOL_ERROR) told the server why.
    drop(bad);
    assert_eq!(hostile.finish(), [1]);
    // The other multi (push allowed) was not disturbed.
    assert!(good.result(fine).is_ok(), "{:?}", good.result(fine));
    assert_eq!(good.done.len(), 2);
}

#[test_log::test]
fn removing_an_accepted_push_resets_only_its_stream() {
    let srv = PushServer::start();
    let (mut app, seen) = app_with(|| PushAction::Accept(Box::new(Easy::new())));
    // hold=1: the pushed response never ends on its own.
    let parent = app.add(h2c(srv.url("/push?n=1&hold=1")));
    for _ in 0..2000 {
        app.step(Duration::from_millis(10));
        if app.done.iter().any(|m| m.transfer == parent) {
            break;
        }
    }
    assert!(app.result(parent).is_ok(), "{:?}", app.result(parent));
    let pushed = seen.lock().unwrap()[0].pushed;
    // Still running: the parent's end does not end it.
    assert_eq!(app.multi.running(), 1);
    let e = app.multi.remove(pushed).unwrap();
    assert_eq!(text(e.response_body()), "pushed");
    assert_eq!(app.multi.running(), 0);
    // The removal sent RST_STREAM(CANCEL) for the pushed stream.
    app.step(Duration::from_millis(10));
    assert_eq!(srv.wait_resets(1), [("/pushed/0".to_owned(), 8)]);
    // The multi goes on: a new transfer to the server completes.
    let again = app.add(h2c(srv.url("/plain")));
    app.run(Duration::from_secs(20));
    assert!(app.result(again).is_ok(), "{:?}", app.result(again));
    assert_eq!(
        text(app.multi.remove(again).unwrap().response_body()),
        "plain body"
    );
}
