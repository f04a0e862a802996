//! `backend_name()` says which readiness backend this build runs, and it is
//! the one the build was asked for (`cargo xtask test --backend ...` sets
//! FETCH_EXPECT_BACKEND), so a passing run proves which backend was tested.

/// The reported backend equals FETCH_EXPECT_BACKEND when that is set.
#[test_log::test]
fn backend_name_is_the_expected_one() {
    let name = fetch_poll::backend_name();
    let expected = std::env::var("FETCH_EXPECT_BACKEND")
        .ok()
        .or_else(|| option_env!("FETCH_EXPECT_BACKEND").map(str::to_owned));
    tracing::info!(backend = name, ?expected, "fetch-poll backend");
    if let Some(expected) = expected {
        assert_eq!(
            name, expected,
            "built backend differs from the requested one"
        );
    }
    if cfg!(polling_test_poll_backend) {
        assert_eq!(name, "poll");
    } else if cfg!(target_os = "linux") {
        assert_eq!(name, "epoll");
    }
}

/// polling really compiled that backend: of the three, only poll(2) cannot
/// watch edge-triggered; all watch level-triggered (which the driver uses).
#[test_log::test]
fn backend_name_agrees_with_the_poller() {
    let poller = polling::Poller::new().unwrap();
    assert!(poller.supports_level());
    assert_eq!(poller.supports_edge(), fetch_poll::backend_name() != "poll");
}
