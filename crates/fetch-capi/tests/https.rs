//! HTTPS through the C ABI: the TLS options (CAINFO, CAPATH, CAINFO_BLOB,
//! SSL_VERIFYPEER, SSLCERT/SSLKEY, SSLVERSION) against the fixture TLS
//! server and its test CA, the upstream codes for a failed verification,
//! and the argument checks of the TLS options.

mod common;

use std::ffi::{c_long, c_uint, c_void};
use std::ptr::null_mut;

use common::*;
use fetch::*;
use fixtures::{CertKind, TestPki, TlsOptions, TlsServer, TlsVersions};

const FETCHE_SSL_CONNECT_ERROR: FETCHcode = 35;
const FETCHE_PEER_FAILED_VERIFICATION: FETCHcode = 60;

/// `fetch_easy_perform` of a GET of `url` after `setup`; the result code
/// and the body.
fn perform(url: &str, setup: impl FnOnce(*mut c_void)) -> (FETCHcode, Vec<u8>, *mut c_void) {
    let mut body: Vec<u8> = Vec::new();
    let e = get_into(url, &raw mut body);
    setup(e);
    // SAFETY: a live idle handle; `body` outlives the transfer.
    let rc = unsafe { fetch_easy_perform(e) };
    (rc, body, e)
}

fn cleanup(e: *mut c_void) {
    // SAFETY: a live idle handle, not used afterwards.
    unsafe { fetch_easy_cleanup(e) };
}

fn set_str(e: *mut c_void, opt: FETCHoption, s: &str) {
    set_ptr(e, opt, cs(s).as_ptr().cast());
}

#[test]
fn https_get_with_cainfo_file() {
    let server = TlsServer::start(CertKind::Good, TlsOptions::default());
    let files = TestPki::shared().write_temp().unwrap();
    let (rc, body, e) = perform(&server.url("/bytes/5000"), |e| {
        set_str(e, FETCHOPT_CAINFO, files.ca.to_str().unwrap());
    });
    assert_eq!(rc, FETCHE_OK);
    assert_eq!(body, fixtures::pattern(5000));
    assert_eq!(info_long(e, FETCHINFO_RESPONSE_CODE), 200);
    assert_eq!(info_long(e, FETCHINFO_SSL_VERIFYRESULT), 0);
    assert!(
        info_off(e, FETCHINFO_APPCONNECT_TIME_T) > 0,
        "a TLS handshake took place"
    );
    cleanup(e);
    assert_eq!(server.handshakes_completed(), 1);
}

#[test]
fn https_get_with_capath() {
    let server = TlsServer::start(CertKind::Good, TlsOptions::default());
    let files = TestPki::shared().write_temp().unwrap();
    let (rc, body, e) = perform(&server.url("/bytes/100"), |e| {
        set_str(e, FETCHOPT_CAPATH, files.ca_dir.to_str().unwrap());
    });
    assert_eq!(rc, FETCHE_OK);
    assert_eq!(body, fixtures::pattern(100));
    cleanup(e);
}

#[test]
fn https_get_with_cainfo_blob_copied_at_setopt() {
    let server = TlsServer::start(CertKind::Good, TlsOptions::default());
    for flags in [FETCH_BLOB_COPY, FETCH_BLOB_NOCOPY] {
        let (rc, body, e) = perform(&server.url("/bytes/2000"), |e| {
            let mut pem = TestPki::shared().ca_pem().into_bytes();
            let blob = fetch_blob {
                data: pem.as_mut_ptr().cast(),
                len: pem.len(),
                flags: flags as c_uint,
            };
            set_ptr(e, FETCHOPT_CAINFO_BLOB, (&raw const blob).cast());
            // libfetch copies even with NOCOPY: the PEM may go now.
            pem.fill(0);
            drop(pem);
        });
        assert_eq!(rc, FETCHE_OK, "flags {flags}");
        assert_eq!(body, fixtures::pattern(2000));
        cleanup(e);
    }
}

#[test]
fn without_the_test_ca_verification_fails_with_60() {
    let server = TlsServer::start(CertKind::Good, TlsOptions::default());
    let (rc, body, e) = perform(&server.url("/bytes/10"), |_| {});
    assert_eq!(rc, FETCHE_PEER_FAILED_VERIFICATION);
    assert!(body.is_empty());
    cleanup(e);
}

#[test]
fn expired_certificate_fails_with_60() {
    let server = TlsServer::start(CertKind::Expired, TlsOptions::default());
    let files = TestPki::shared().write_temp().unwrap();
    let mut errbuf = [0u8; FETCH_ERROR_SIZE];
    let (rc, body, e) = perform(&server.url("/bytes/10"), |e| {
        set_str(e, FETCHOPT_CAINFO, files.ca.to_str().unwrap());
        set_ptr(
            e,
            FETCHOPT_ERRORBUFFER,
            errbuf.as_mut_ptr().cast_const().cast(),
        );
    });
    assert_eq!(rc, FETCHE_PEER_FAILED_VERIFICATION);
    assert!(body.is_empty());
    assert_ne!(info_long(e, FETCHINFO_SSL_VERIFYRESULT), 0);
    assert_ne!(errbuf[0], 0, "ERRORBUFFER has the detail");
    cleanup(e);
}

#[test]
fn verifypeer_off_accepts_an_expired_certificate() {
    let server = TlsServer::start(CertKind::Expired, TlsOptions::default());
    let (rc, body, e) = perform(&server.url("/bytes/300"), |e| {
        set_long(e, FETCHOPT_SSL_VERIFYPEER, 0);
    });
    assert_eq!(rc, FETCHE_OK);
    assert_eq!(body, fixtures::pattern(300));
    assert_eq!(info_long(e, FETCHINFO_SSL_VERIFYRESULT), 0);
    cleanup(e);
}

#[test]
fn client_certificate_from_sslcert_and_sslkey() {
    let opts = TlsOptions {
        require_client_cert: true,
        ..TlsOptions::default()
    };
    let server = TlsServer::start(CertKind::Good, opts);
    let files = TestPki::shared().write_temp().unwrap();
    let (rc, body, e) = perform(&server.url("/bytes/64"), |e| {
        set_str(e, FETCHOPT_CAINFO, files.ca.to_str().unwrap());
        set_str(e, FETCHOPT_SSLCERT, files.client_cert.to_str().unwrap());
        set_str(e, FETCHOPT_SSLKEY, files.client_key.to_str().unwrap());
        set_str(e, FETCHOPT_SSLCERTTYPE, "PEM");
        set_str(e, FETCHOPT_SSLKEYTYPE, "pem");
    });
    assert_eq!(rc, FETCHE_OK);
    assert_eq!(body, fixtures::pattern(64));
    cleanup(e);
}

#[test]
fn sslversion_tls13_against_a_tls12_server_fails() {
    let opts = TlsOptions {
        versions: TlsVersions::Tls12Only,
        ..TlsOptions::default()
    };
    let server = TlsServer::start(CertKind::Good, opts);
    let files = TestPki::shared().write_temp().unwrap();
    for (version, want) in [
        (FETCH_SSLVERSION_TLSv1_2, FETCHE_OK),
        // An old minimum means "1.2 or newer".
        (FETCH_SSLVERSION_TLSv1_0, FETCHE_OK),
        (FETCH_SSLVERSION_TLSv1_3, FETCHE_SSL_CONNECT_ERROR),
    ] {
        let (rc, _, e) = perform(&server.url("/bytes/1"), |e| {
            set_str(e, FETCHOPT_CAINFO, files.ca.to_str().unwrap());
            set_long(e, FETCHOPT_SSLVERSION, version as c_long);
        });
        assert_eq!(rc, want, "SSLVERSION {version}");
        cleanup(e);
    }
}

#[test]
fn tls_option_argument_checks() {
    let e = easy("https://127.0.0.1:1/");
    let long = |opt, v: i64| {
        // SAFETY: a live handle.
        unsafe { fetch_easy_setopt_long(e, opt, v as c_long) }
    };
    let ptr = |opt, v: *const c_void| {
        // SAFETY: a live handle; the pointer is of the option's type.
        unsafe { fetch_easy_setopt_ptr(e, opt, v) }
    };
    for v in [0, 1, 4, 5, 6, 7] {
        assert_eq!(long(FETCHOPT_SSLVERSION, v), FETCHE_OK, "min {v}");
    }
    for v in [-1, 2, 3, 8, 99] {
        assert_eq!(
            long(FETCHOPT_SSLVERSION, v),
            FETCHE_BAD_FUNCTION_ARGUMENT,
            "min {v}"
        );
    }
    let tls12 = FETCH_SSLVERSION_TLSv1_2;
    let tls13 = FETCH_SSLVERSION_TLSv1_3;
    assert_eq!(
        long(FETCHOPT_SSLVERSION, tls12 | FETCH_SSLVERSION_MAX_DEFAULT),
        FETCHE_OK
    );
    assert_eq!(
        long(FETCHOPT_SSLVERSION, tls12 | FETCH_SSLVERSION_MAX_TLSv1_3),
        FETCHE_OK
    );
    assert_eq!(
        long(FETCHOPT_SSLVERSION, tls12 | FETCH_SSLVERSION_MAX_TLSv1_2),
        FETCHE_NOT_BUILT_IN
    );
    assert_eq!(
        long(FETCHOPT_SSLVERSION, tls13 | FETCH_SSLVERSION_MAX_TLSv1_2),
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    assert_eq!(
        long(FETCHOPT_SSLVERSION, tls12 | FETCH_SSLVERSION_MAX_TLSv1_1),
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    for v in [0, 1, 2] {
        assert_eq!(long(FETCHOPT_SSL_VERIFYHOST, v), FETCHE_OK);
        assert_eq!(long(FETCHOPT_SSL_VERIFYPEER, v), FETCHE_OK);
    }
    for t in ["PEM", "pem"] {
        assert_eq!(ptr(FETCHOPT_SSLCERTTYPE, cs(t).as_ptr().cast()), FETCHE_OK);
        assert_eq!(ptr(FETCHOPT_SSLKEYTYPE, cs(t).as_ptr().cast()), FETCHE_OK);
    }
    for t in ["DER", "P12", "ENG"] {
        assert_eq!(
            ptr(FETCHOPT_SSLCERTTYPE, cs(t).as_ptr().cast()),
            FETCHE_NOT_BUILT_IN
        );
        assert_eq!(
            ptr(FETCHOPT_SSLKEYTYPE, cs(t).as_ptr().cast()),
            FETCHE_NOT_BUILT_IN
        );
    }
    assert_eq!(ptr(FETCHOPT_SSLCERTTYPE, null()), FETCHE_OK);
    // Blobs: NULL clears; no data or a non-pointer are errors.
    assert_eq!(ptr(FETCHOPT_CAINFO_BLOB, null()), FETCHE_OK);
    let mut byte = 0u8;
    let empty = fetch_blob {
        data: (&raw mut byte).cast(),
        len: 0,
        flags: 1,
    };
    // Length 0 is taken, as upstream (the transfer then fails with 77:
    // tls_blobs.rs).
    assert_eq!(
        ptr(FETCHOPT_CAINFO_BLOB, (&raw const empty).cast()),
        FETCHE_OK
    );
    let no_data = fetch_blob {
        data: null_mut(),
        len: 10,
        flags: 1,
    };
    assert_eq!(
        ptr(FETCHOPT_CAINFO_BLOB, (&raw const no_data).cast()),
        FETCHE_BAD_FUNCTION_ARGUMENT
    );
    assert_eq!(long(FETCHOPT_CAINFO_BLOB, 5), FETCHE_BAD_FUNCTION_ARGUMENT);
    assert_eq!(ptr(FETCHOPT_CAINFO, null()), FETCHE_OK);
    // The numbers are upstream's.
    assert_eq!(
        (FETCHOPT_CAINFO, FETCHOPT_CAPATH, FETCHOPT_CAINFO_BLOB),
        (10065, 10097, 40309)
    );
    assert_eq!((FETCHOPT_SSL_VERIFYPEER, FETCHOPT_SSL_VERIFYHOST), (64, 81));
    assert_eq!(
        (
            FETCHOPT_SSLCERT,
            FETCHOPT_SSLKEY,
            FETCHOPT_SSLCERTTYPE,
            FETCHOPT_SSLKEYTYPE,
            FETCHOPT_SSLVERSION
        ),
        (10025, 10087, 10086, 10088, 32)
    );
    assert_eq!(FETCHINFO_SSL_VERIFYRESULT, 0x200000 + 13);
    cleanup(e);
}
