//! FETCHOPT_ISSUERCERT / ISSUERCERT_BLOB: after the chain is verified (or
//! not, with SSL_VERIFYPEER off), the server's certificate must have been
//! issued by the given certificate, as upstream's OpenSSL backend checks
//! with `X509_check_issued`: the issuer's subject is the certificate's
//! issuer name, the certificate's authority key identifier (when it has
//! one) names the issuer's subject key identifier and serial number, and
//! the issuer's key usage (when it has one) allows signing certificates.
//! Like `X509_check_issued`, no signature is verified. Every failure is
//! FETCHE_SSL_ISSUER_ERROR (83) with upstream's wording.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::TlsOptions;
use crate::pinning::{tbs_fields, tlv};

/// The issuer check failed: upstream's text. (With neither peer nor host
/// verification on, upstream fails the same way but leaves the error
/// buffer empty; the text is kept here.)
#[derive(Debug)]
pub(super) struct IssuerFailed(pub(super) String);

impl std::fmt::Display for IssuerFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IssuerFailed {}

/// `inner` with the issuer check `opts` asks for, or `inner` alone.
pub(super) fn wrap(
    opts: &TlsOptions,
    inner: Arc<dyn ServerCertVerifier>,
) -> Arc<dyn ServerCertVerifier> {
    // The blob wins over the file; upstream names a blob "(nil)".
    let (bytes, name) = match (&opts.issuer_cert_blob, &opts.issuer_cert) {
        (Some(b), _) => (Ok(b.clone()), "(nil)".to_owned()),
        (None, Some(p)) => (std::fs::read(p), p.display().to_string()),
        (None, None) => return inner,
    };
    let issuer = match bytes {
        Err(_) => Err(format!("SSL: Unable to open issuer cert ({name})")),
        // The first certificate, as PEM_read_bio_X509 reads it.
        Ok(pem) => match CertificateDer::pem_slice_iter(&pem).next() {
            Some(Ok(c)) if tbs_fields(&c).is_some() => Ok(c.into_owned()),
            _ => Err(format!("SSL: Unable to read issuer cert ({name})")),
        },
    };
    Arc::new(IssuerCheck {
        inner,
        issuer,
        name,
    })
}

#[derive(Debug)]
struct IssuerCheck {
    inner: Arc<dyn ServerCertVerifier>,
    /// The issuer, or why it could not be used.
    issuer: Result<CertificateDer<'static>, String>,
    /// The file's name ("(nil)" for a blob).
    name: String,
}

impl IssuerCheck {
    fn check(&self, leaf: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        let text = match &self.issuer {
            Ok(issuer) if issued(issuer, leaf) => return Ok(()),
            Ok(_) => format!("SSL: Certificate issuer check failed ({})", self.name),
            Err(text) => text.clone(),
        };
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::Other(rustls::OtherError(Arc::new(IssuerFailed(text)))),
        ))
    }
}

/// OID 2.5.29.35, authorityKeyIdentifier (DER, tag and length included).
const AKID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x23];
/// OID 2.5.29.14, subjectKeyIdentifier.
const SKID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0e];
/// OID 2.5.29.15, keyUsage.
const KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0f];

/// `X509_check_issued(issuer, leaf) == X509_V_OK`, less its check that
/// the leaf's signature algorithm suits the issuer's key type.
fn issued(issuer: &[u8], leaf: &[u8]) -> bool {
    let (Some(i), Some(l)) = (tbs_fields(issuer), tbs_fields(leaf)) else {
        return false;
    };
    // The issuer's subject is the leaf's issuer (byte for byte; OpenSSL
    // compares canonical forms, which agree for the usual encodings).
    if i[4] != l[2] {
        return false;
    }
    if let Some(akid) = extension(leaf, AKID) {
        let Some((_, _, mut ids, _)) = tlv(akid) else {
            return false;
        };
        while let Some((tag, _, value, rest)) = tlv(ids) {
            let ours = match tag {
                // [0] keyIdentifier: against the issuer's SKID, if any.
                0x80 => extension(issuer, SKID).and_then(|s| tlv(s)).map(|s| s.2),
                // [2] authorityCertSerialNumber: the issuer's serial.
                0x82 => tlv(i[0]).map(|s| s.2),
                _ => None,
            };
            if ours.is_some_and(|ours| ours != value) {
                return false;
            }
            ids = rest;
        }
    }
    // keyCertSign (bit 5) when the issuer has a key usage.
    match extension(issuer, KEY_USAGE).and_then(tlv) {
        Some((0x03, _, bits, _)) => bits.get(1).is_some_and(|b| b & 0x04 != 0),
        Some(_) => false,
        None => true,
    }
}

/// The value (inside its OCTET STRING) of the extension `oid` of a DER
/// certificate.
fn extension<'a>(cert: &'a [u8], oid: &[u8]) -> Option<&'a [u8]> {
    let (_, _, cert, _) = tlv(cert)?;
    let (_, _, mut tbs, _) = tlv(cert)?;
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs)?.3;
    }
    // serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
    for _ in 0..6 {
        tbs = tlv(tbs)?.3;
    }
    while let Some((tag, _, content, rest)) = tlv(tbs) {
        tbs = rest;
        if tag != 0xa3 {
            continue;
        }
        let (_, _, mut exts, _) = tlv(content)?;
        while let Some((_, _, ext, rest)) = tlv(exts) {
            exts = rest;
            let (_, id, _, mut r) = tlv(ext)?;
            if id != oid {
                continue;
            }
            // critical BOOLEAN DEFAULT FALSE
            if r.first() == Some(&0x01) {
                r = tlv(r)?.3;
            }
            return tlv(r).map(|v| v.2);
        }
    }
    None
}

impl ServerCertVerifier for IssuerCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // After the chain, as upstream: a chain failure is reported first.
        let verified =
            self.inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)?;
        self.check(end_entity)?;
        Ok(verified)
    }

    signature_checks!(inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made with `openssl req -x509` / `openssl x509 -req` (OpenSSL 3.0):
    /// a leaf (with an authority key identifier), its CA "testca", another
    /// "testca" with another key, the CA's key as "testca" with key usage
    /// digitalSignature only, then with keyCertSign, and "otherca".
    /// libcurl 7.88 answers 0 for the CA and the keyCertSign one, 83 for
    /// the others.
    fn certs() -> Vec<CertificateDer<'static>> {
        let pem = include_bytes!("issuer_test_certs.pem");
        CertificateDer::pem_slice_iter(pem)
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn issued_follows_x509_check_issued() {
        let c = certs();
        let leaf = &c[0];
        assert!(issued(&c[1], leaf), "its CA");
        assert!(!issued(&c[2], leaf), "same name, other key: AKID");
        assert!(!issued(&c[3], leaf), "key usage without keyCertSign");
        assert!(issued(&c[4], leaf), "key usage with keyCertSign");
        assert!(!issued(&c[5], leaf), "another name");
        assert!(!issued(leaf, leaf), "not its own issuer");
        assert!(!issued(b"junk", leaf));
    }

    #[test]
    fn extensions_are_found() {
        let c = certs();
        assert!(extension(&c[0], AKID).is_some());
        assert!(extension(&c[1], SKID).is_some());
        assert!(extension(&c[1], KEY_USAGE).is_none());
        assert!(extension(&c[3], KEY_USAGE).is_some());
    }
}
