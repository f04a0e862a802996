//! The client certificate chain and private key a transfer presents
//! (FETCHOPT_SSLCERT, SSLKEY, their `_BLOB` twins, KEYPASSWD), chosen and
//! read as upstream's OpenSSL backend does: a blob wins over a file; with
//! no key given, the key is read from the certificate's source; a key
//! without a certificate is ignored. Keys may be encrypted: PKCS#8
//! `ENCRYPTED PRIVATE KEY` blocks (PBES2) and OpenSSL's legacy
//! `Proc-Type: 4,ENCRYPTED` blocks are decrypted with KEYPASSWD.

use std::borrow::Cow;
use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::legacy_pem;
use super::{Password, TlsOptions};
use crate::error::{Error, ErrorCode};

/// Where a certificate or key comes from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Blob(&'a [u8]),
    File(&'a Path),
}

impl Source<'_> {
    /// The bytes, read now for a file.
    fn bytes(&self, what: &str) -> Result<Cow<'_, [u8]>, Error> {
        match self {
            Source::Blob(b) => Ok(Cow::Borrowed(b)),
            Source::File(p) => std::fs::read(p).map(Cow::Owned).map_err(|e| {
                problem(format!("could not load PEM {what} file {}", p.display())).caused_by(e)
            }),
        }
    }
}

/// FETCHE_SSL_CERTPROBLEM (58), upstream's code for every failure to use
/// the client certificate or key.
fn problem(text: String) -> Error {
    Error::new(
        ErrorCode::SslCertproblem,
        format!("client certificate: {text}"),
    )
}

/// The blob if set, else the file.
fn source<'a>(
    blob: &'a Option<Vec<u8>>,
    file: &'a Option<std::path::PathBuf>,
) -> Option<Source<'a>> {
    match (blob, file) {
        (Some(b), _) => Some(Source::Blob(b)),
        (None, Some(f)) => Some(Source::File(f)),
        (None, None) => None,
    }
}

/// The certificate chain and key to present, `None` for no client
/// certificate (none set: a key alone is ignored, as upstream).
pub(super) type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// Reads and decrypts the client identity `opts` names.
pub(super) fn identity(opts: &TlsOptions) -> Result<Option<Identity>, Error> {
    let Some(cert) = source(&opts.client_cert_blob, &opts.client_cert) else {
        return Ok(None);
    };
    let key = source(&opts.client_key_blob, &opts.client_key).unwrap_or(cert);
    let chain = CertificateDer::pem_slice_iter(&cert.bytes("client certificate")?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| problem(format!("unable to use client certificate: {e}")))?;
    if chain.is_empty() {
        return Err(problem(
            "unable to use client certificate: no certificate".into(),
        ));
    }
    let key = private_key(
        &key.bytes("private key")?,
        opts.key_password.as_ref().map(Password::as_str),
    )?;
    Ok(Some((chain, key)))
}

/// The first private key block in `pem`, decrypted with `password` when it
/// is encrypted.
fn private_key(pem: &[u8], password: Option<&str>) -> Result<PrivateKeyDer<'static>, Error> {
    let unusable = |e: &dyn std::fmt::Display| problem(format!("unable to set private key: {e}"));
    let Some((label, block)) = key_block(pem) else {
        return Err(unusable(&"no private key found"));
    };
    let encrypted = label == "ENCRYPTED PRIVATE KEY" || legacy_pem::is_encrypted(block);
    // Upstream (OpenSSL) asks the terminal when no password is set, and
    // fails without one.
    let password = match (encrypted, password) {
        (false, _) => None,
        (true, Some(p)) => Some(p),
        (true, None) => return Err(unusable(&"the key is encrypted and KEYPASSWD is not set")),
    };
    match password {
        None => PrivateKeyDer::from_pem_slice(block).map_err(|e| unusable(&e)),
        Some(p) if label == "ENCRYPTED PRIVATE KEY" => {
            pkcs8_decrypt(block, p).map_err(|e| unusable(&e))
        }
        Some(p) => legacy_pem::decrypt(label, block, p).map_err(|e| unusable(&e)),
    }
}

/// Decrypts a PEM `ENCRYPTED PRIVATE KEY` block (PKCS#8, PBES2).
fn pkcs8_decrypt(block: &[u8], password: &str) -> Result<PrivateKeyDer<'static>, String> {
    let text = std::str::from_utf8(block).map_err(|e| e.to_string())?;
    let (_, doc) = pkcs8::SecretDocument::from_pem(text).map_err(|e| e.to_string())?;
    let info =
        pkcs8::EncryptedPrivateKeyInfo::try_from(doc.as_bytes()).map_err(|e| e.to_string())?;
    // A wrong password mostly shows as bad padding; say what it means.
    let plain = info
        .decrypt(password)
        .map_err(|_| "bad decrypt (wrong KEYPASSWD?)".to_owned())?;
    // The decrypted bytes must be a PKCS#8 PrivateKeyInfo.
    pkcs8::PrivateKeyInfo::try_from(plain.as_bytes())
        .map_err(|_| "bad decrypt (wrong KEYPASSWD?)".to_owned())?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        plain.as_bytes().to_vec(),
    )))
}

/// The first PEM block whose label ends in `PRIVATE KEY`: its label, and
/// the block from its BEGIN line through its END line.
fn key_block(pem: &[u8]) -> Option<(&str, &[u8])> {
    let text = std::str::from_utf8(pem).ok()?;
    let mut at = 0;
    while let Some(i) = text[at..].find("-----BEGIN ") {
        let start = at + i;
        let rest = &text[start + 11..];
        let label = &rest[..rest.find("-----")?];
        let end_line = format!("-----END {label}-----");
        at = start + 11;
        if !label.ends_with("PRIVATE KEY") {
            continue;
        }
        let end = text[start..].find(&end_line)? + start + end_line.len();
        return Some((label, &pem[start..end]));
    }
    None
}
