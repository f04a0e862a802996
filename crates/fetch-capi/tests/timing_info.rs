//! The timing, speed and size information through `fetch_easy_getinfo`:
//! the milestones are ordered (name lookup <= connect <= TLS <= pretransfer
//! <= first byte <= total), the `double` seconds and `_T` microseconds
//! agree, and the speeds and sizes match the transfer.

mod common;

use std::ffi::c_void;

use common::*;
use fetch::*;
use fixtures::{CertKind, HttpServer, TestPki, TlsOptions, TlsServer};

/// (double id, _T id) pairs, in milestone order.
const MILESTONES: [(FETCHINFO, FETCHINFO); 6] = [
    (FETCHINFO_NAMELOOKUP_TIME, FETCHINFO_NAMELOOKUP_TIME_T),
    (FETCHINFO_CONNECT_TIME, FETCHINFO_CONNECT_TIME_T),
    (FETCHINFO_APPCONNECT_TIME, FETCHINFO_APPCONNECT_TIME_T),
    (FETCHINFO_PRETRANSFER_TIME, FETCHINFO_PRETRANSFER_TIME_T),
    (FETCHINFO_STARTTRANSFER_TIME, FETCHINFO_STARTTRANSFER_TIME_T),
    (FETCHINFO_TOTAL_TIME, FETCHINFO_TOTAL_TIME_T),
];

/// The milestones in microseconds, checking each double against its `_T`.
fn milestones(e: *mut c_void) -> Vec<fetch_off_t> {
    MILESTONES
        .iter()
        .map(|&(d, t)| {
            let us = info_off(e, t);
            let secs = info_double(e, d);
            assert!(
                (secs * 1e6 - us as f64).abs() < 2.0,
                "{d:#x}: {secs} s vs {us} us"
            );
            us
        })
        .collect()
}

#[test]
fn https_timings_are_ordered() {
    let server = TlsServer::start(CertKind::Good, TlsOptions::default());
    let files = TestPki::shared().write_temp().unwrap();
    let n = 1_000_000;
    let mut body: Vec<u8> = Vec::new();
    let e = get_into(&server.url(&format!("/bytes/{n}")), &raw mut body);
    set_ptr(
        e,
        FETCHOPT_CAINFO,
        cs(files.ca.to_str().unwrap()).as_ptr().cast(),
    );
    // SAFETY: a live idle handle; `body` outlives the transfer.
    assert_eq!(unsafe { fetch_easy_perform(e) }, FETCHE_OK);
    let t = milestones(e);
    println!("namelookup, connect, appconnect, pretransfer, starttransfer, total (us): {t:?}");
    assert!(t.windows(2).all(|w| w[0] <= w[1]), "ordered: {t:?}");
    assert!(t[2] > 0, "TLS took time");
    let speed = info_off(e, FETCHINFO_SPEED_DOWNLOAD_T);
    assert!(speed > 0);
    assert_eq!(info_double(e, FETCHINFO_SPEED_DOWNLOAD), speed as f64);
    let expect = n as f64 / (t[5] as f64 / 1e6);
    assert!(
        (speed as f64 - expect).abs() / expect < 0.01,
        "{speed} vs {expect}"
    );
    assert_eq!(info_off(e, FETCHINFO_SIZE_DOWNLOAD_T), n as fetch_off_t);
    assert!(info_long(e, FETCHINFO_HEADER_SIZE) > 0);
    // SAFETY: freed once.
    unsafe { fetch_easy_cleanup(e) };
}

#[test]
fn plain_http_upload_sizes_and_no_tls_time() {
    let server = HttpServer::start();
    let n = 50_000;
    let data = fixtures::pattern(n);
    let mut echo: Vec<u8> = Vec::new();
    let e = get_into(&server.url("/echo"), &raw mut echo);
    // SAFETY: a live handle; COPYPOSTFIELDS copies `n` bytes.
    unsafe {
        assert_eq!(
            fetch_easy_setopt_off_t(e, FETCHOPT_POSTFIELDSIZE_LARGE, n as i64),
            FETCHE_OK
        );
        assert_eq!(
            fetch_easy_setopt_ptr(e, FETCHOPT_COPYPOSTFIELDS, data.as_ptr().cast()),
            FETCHE_OK
        );
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
    }
    assert_eq!(echo, data);
    let t = milestones(e);
    assert_eq!(t[2], 0, "APPCONNECT is 0 without TLS");
    let mut without_tls = t.clone();
    without_tls.remove(2);
    assert!(
        without_tls.windows(2).all(|w| w[0] <= w[1]),
        "ordered: {t:?}"
    );
    assert_eq!(info_off(e, FETCHINFO_SIZE_UPLOAD_T), n as fetch_off_t);
    assert_eq!(info_double(e, FETCHINFO_SIZE_UPLOAD), n as f64);
    assert!(info_off(e, FETCHINFO_SPEED_UPLOAD_T) > 0);
    assert_eq!(
        info_double(e, FETCHINFO_SPEED_UPLOAD),
        info_off(e, FETCHINFO_SPEED_UPLOAD_T) as f64
    );
    assert_eq!(info_long(e, FETCHINFO_SSL_VERIFYRESULT), 0);
    // SAFETY: freed once.
    unsafe { fetch_easy_cleanup(e) };
}

#[test]
fn info_ids_are_upstreams() {
    let ids = [
        (FETCHINFO_NAMELOOKUP_TIME, 0x300004),
        (FETCHINFO_CONNECT_TIME, 0x300005),
        (FETCHINFO_PRETRANSFER_TIME, 0x300006),
        (FETCHINFO_SPEED_DOWNLOAD, 0x300009),
        (FETCHINFO_SPEED_DOWNLOAD_T, 0x600009),
        (FETCHINFO_SPEED_UPLOAD, 0x30000a),
        (FETCHINFO_SPEED_UPLOAD_T, 0x60000a),
        (FETCHINFO_HEADER_SIZE, 0x20000b),
        (FETCHINFO_SSL_VERIFYRESULT, 0x20000d),
        (FETCHINFO_STARTTRANSFER_TIME, 0x300011),
        (FETCHINFO_APPCONNECT_TIME, 0x300021),
        (FETCHINFO_NAMELOOKUP_TIME_T, 0x600033),
        (FETCHINFO_CONNECT_TIME_T, 0x600034),
        (FETCHINFO_PRETRANSFER_TIME_T, 0x600035),
        (FETCHINFO_STARTTRANSFER_TIME_T, 0x600036),
        (FETCHINFO_APPCONNECT_TIME_T, 0x600038),
    ];
    for (id, want) in ids {
        assert_eq!(id, want);
    }
}
