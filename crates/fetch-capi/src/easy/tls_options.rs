//! The TLS options (SSLCERT, SSLKEY, SSLCERT_BLOB, SSLKEY_BLOB, KEYPASSWD,
//! SSLVERSION, SSL_VERIFYPEER, SSL_VERIFYHOST, CAINFO, CAINFO_BLOB, CAPATH,
//! ISSUERCERT, ISSUERCERT_BLOB, PINNEDPUBLICKEY, SSL_OPTIONS): their part of the easy option table (see `EASY_OPTIONS`),
//! each marking the TLS options dirty, and the argument readers their
//! https-proxy twins (`proxy_options`) share.

use fetch_core::TlsVersion;

use super::{Arg, EasyOpt, blob_bytes};
use crate::codes::*;
use crate::easy::{Options, dirty};

option_part! {
    /// The TLS options' part of the easy option table.
    TLS_OPTIONS, dirty::TLS;
    /// FETCHOPT_SSLCERT.
    FETCHOPT_SSLCERT = FETCHOPTTYPE_STRINGPOINT + 25,
        |o, a| { o.tls.edit().client_cert = a.path(); Ok(()) };
    /// FETCHOPT_KEYPASSWD: the client key's password (NULL: none).
    FETCHOPT_KEYPASSWD = FETCHOPTTYPE_STRINGPOINT + 26,
        |o, a| { o.tls.edit().key_password = a.text().map(fetch_core::Password::new); Ok(()) };
    /// FETCHOPT_SSLVERSION.
    FETCHOPT_SSLVERSION = FETCHOPTTYPE_VALUES + 32,
        |o, a| { o.tls.edit().min_version = tls_version(a.int())?; Ok(()) };
    /// FETCHOPT_SSL_VERIFYPEER.
    FETCHOPT_SSL_VERIFYPEER = FETCHOPTTYPE_LONG + 64,
        |o, a| { o.tls.edit().verify_peer = a.flag(); Ok(()) };
    /// FETCHOPT_CAINFO.
    FETCHOPT_CAINFO = FETCHOPTTYPE_STRINGPOINT + 65,
        |o, a| { o.tls.edit().ca_file = a.path(); Ok(()) };
    /// FETCHOPT_SSL_VERIFYHOST (modern upstream treats 1 as 2).
    FETCHOPT_SSL_VERIFYHOST = FETCHOPTTYPE_LONG + 81,
        |o, a| { o.tls.edit().verify_host = a.flag(); Ok(()) };
    /// FETCHOPT_SSLKEY.
    FETCHOPT_SSLKEY = FETCHOPTTYPE_STRINGPOINT + 87,
        |o, a| { o.tls.edit().client_key = a.path(); Ok(()) };
    /// FETCHOPT_CAPATH.
    FETCHOPT_CAPATH = FETCHOPTTYPE_STRINGPOINT + 97,
        |o, a| { o.tls.edit().ca_path = a.path(); Ok(()) };
    /// FETCHOPT_ISSUERCERT: PEM file of the server certificate's issuer.
    FETCHOPT_ISSUERCERT = FETCHOPTTYPE_STRINGPOINT + 170,
        |o, a| { o.tls.edit().issuer_cert = a.path(); Ok(()) };
    /// FETCHOPT_PINNEDPUBLICKEY: `sha256//` hashes or a key file.
    FETCHOPT_PINNEDPUBLICKEY = FETCHOPTTYPE_STRINGPOINT + 230,
        |o, a| { o.tls.edit().pinned_pubkey = a.text(); Ok(()) };
    /// FETCHOPT_SSL_OPTIONS (`FETCHSSLOPT_*`; NO_PARTIALCHAIN has effect).
    FETCHOPT_SSL_OPTIONS = FETCHOPTTYPE_VALUES + 216,
        |o, a| { o.tls.edit().partial_chain = partial_chain(a.int()); Ok(()) };
    /// FETCHOPT_SSLCERT_BLOB: client certificate chain, PEM in memory
    /// (copied); wins over SSLCERT.
    FETCHOPT_SSLCERT_BLOB = FETCHOPTTYPE_BLOB + 291,
        |o, a| { o.tls.edit().client_cert_blob = blob_bytes(a)?; Ok(()) };
    /// FETCHOPT_SSLKEY_BLOB: client private key, PEM in memory (copied);
    /// wins over SSLKEY.
    FETCHOPT_SSLKEY_BLOB = FETCHOPTTYPE_BLOB + 292,
        |o, a| { o.tls.edit().client_key_blob = blob_bytes(a)?; Ok(()) };
    /// FETCHOPT_ISSUERCERT_BLOB: the issuer, PEM in memory (copied); wins
    /// over ISSUERCERT.
    FETCHOPT_ISSUERCERT_BLOB = FETCHOPTTYPE_BLOB + 295,
        |o, a| { o.tls.edit().issuer_cert_blob = blob_bytes(a)?; Ok(()) };
    /// FETCHOPT_CAINFO_BLOB.
    FETCHOPT_CAINFO_BLOB = FETCHOPTTYPE_BLOB + 309, set_ca_blob;
}

/// FETCHOPT_SSLVERSION: the minimum in the low 16 bits, the maximum above.
/// Minimums below TLS 1.2 mean "1.2 or newer" (rustls has nothing older;
/// upstream's rustls backend does the same). The engine has no maximum, so
/// only "none", "default" and TLS 1.3 are accepted as one.
pub(super) fn tls_version(arg: i64) -> Result<TlsVersion, FETCHcode> {
    let (min, max) = (arg & 0xffff, arg >> 16);
    let v = match min {
        FETCH_SSLVERSION_DEFAULT => TlsVersion::Default,
        FETCH_SSLVERSION_TLSv1
        | FETCH_SSLVERSION_TLSv1_0
        | FETCH_SSLVERSION_TLSv1_1
        | FETCH_SSLVERSION_TLSv1_2 => TlsVersion::V1_2,
        FETCH_SSLVERSION_TLSv1_3 => TlsVersion::V1_3,
        // SSLv2, SSLv3, negative, LAST and above: as upstream's setopt.
        _ => return Err(FETCHE_BAD_FUNCTION_ARGUMENT),
    };
    match max << 16 {
        FETCH_SSLVERSION_MAX_NONE | FETCH_SSLVERSION_MAX_DEFAULT | FETCH_SSLVERSION_MAX_TLSv1_3 => {
            Ok(v)
        }
        // Capping at 1.2 is something rustls can do but the engine does not
        // offer yet.
        FETCH_SSLVERSION_MAX_TLSv1_2 if v != TlsVersion::V1_3 => Err(FETCHE_NOT_BUILT_IN),
        // Below the minimum, or a version rustls lacks (upstream's rustls
        // backend refuses these too).
        _ => Err(FETCHE_BAD_FUNCTION_ARGUMENT),
    }
}

/// (PROXY_)SSL_OPTIONS: whether partial chains are allowed. As upstream's
/// setopt, any value is taken: unknown bits are ignored, and so are the
/// bits that mean nothing with rustls here (ALLOW_BEAST: no TLS 1.0;
/// NO_REVOKE, REVOKE_BEST_EFFORT: no revocation checks are made;
/// NATIVE_CA: CAINFO or the built-in roots, as upstream's OpenSSL builds
/// off Windows; AUTO_CLIENT_CERT: Schannel only upstream).
pub(super) fn partial_chain(bits: i64) -> bool {
    bits & FETCHSSLOPT_NO_PARTIALCHAIN == 0
}

fn set_ca_blob(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    o.tls.edit().ca_blob = blob_bytes(a)?;
    Ok(())
}
