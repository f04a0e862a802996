//! Public key pinning (FETCHOPT_PINNEDPUBLICKEY and its proxy twin): after
//! a TLS handshake, the end-entity certificate's SubjectPublicKeyInfo is
//! compared with the pin, as upstream's `Curl_pin_peer_pubkey` does. A pin
//! is either `sha256//<base64>` hashes joined by `;`, or the name of a file
//! holding the key in DER or as a PEM `PUBLIC KEY` block. Anything that
//! does not match, a file that cannot be read included, is
//! FETCHE_SSL_PINNEDPUBKEYNOTMATCH.

use std::io::Read;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use memchr::memmem;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorCode};

/// Upstream's limit on a pinned key file (MAX_PINNED_PUBKEY_SIZE).
const MAX_PINNED_PUBKEY_SIZE: u64 = 1_048_576;

/// The `sha256//<base64>` pin of a DER SubjectPublicKeyInfo: what upstream
/// prints as the "public key hash" in its verbose output.
pub(crate) fn sha256_pin(spki: &[u8]) -> String {
    format!("sha256//{}", STANDARD.encode(Sha256::digest(spki)))
}

/// Checks the peer's end-entity certificate (DER; `None` when the peer
/// sent none) against `pin`. `trace` receives upstream's verbose line with
/// the key's hash.
pub(crate) fn check(
    pin: &str,
    leaf: Option<&[u8]>,
    trace: impl FnOnce(String),
) -> Result<(), Error> {
    let spki = leaf.and_then(subject_public_key_info);
    let ok = spki.is_some_and(|key| match pin.strip_prefix("sha256//") {
        Some(hashes) => {
            let ours = sha256_pin(key);
            trace(format!(" public key hash: {ours}"));
            // Upstream splits at ";sha256//" and compares each whole piece.
            hashes
                .split(";sha256//")
                .any(|h| Some(h) == ours.strip_prefix("sha256//"))
        }
        None => file_matches(pin, key),
    });
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::SslPinnedpubkeynotmatch,
            "SSL: public key does not match pinned public key",
        ))
    }
}

/// A pinned key file: DER when it is exactly as long as the key, else a
/// PEM `PUBLIC KEY` block (upstream's rule).
fn file_matches(path: &str, key: &[u8]) -> bool {
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut buf = Vec::new();
    if f.take(MAX_PINNED_PUBKEY_SIZE + 1)
        .read_to_end(&mut buf)
        .is_err()
        || buf.len() as u64 > MAX_PINNED_PUBKEY_SIZE
        || buf.len() < key.len()
    {
        return false;
    }
    if buf.len() == key.len() {
        return buf == key;
    }
    pem_public_key(&buf).is_some_and(|der| der == key)
}

/// The DER inside a PEM `PUBLIC KEY` block, as upstream's
/// `pubkey_pem_to_der`: the BEGIN line at the start or after a newline, the
/// END line right after a newline, CR and LF dropped in between.
fn pem_public_key(pem: &[u8]) -> Option<Vec<u8>> {
    const BEGIN: &[u8] = b"-----BEGIN PUBLIC KEY-----";
    const END: &[u8] = b"\n-----END PUBLIC KEY-----";
    let start = memmem::find(pem, BEGIN)?;
    if start > 0 && pem[start - 1] != b'\n' {
        return None;
    }
    let body = &pem[start + BEGIN.len()..];
    let end = memmem::find(body, END)?;
    let text: Vec<u8> = body[..end]
        .iter()
        .copied()
        .filter(|&b| b != b'\n' && b != b'\r')
        .collect();
    STANDARD.decode(text).ok()
}

/// One DER element: (tag, the whole element, its contents, what follows).
pub(crate) type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

/// Splits the first DER element off `input` (definite lengths only).
pub(crate) fn tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((tag, &input[..header + len], &rest[..len], &rest[len..]))
}

/// The fields of an X.509 certificate's TBSCertificate, `[0] version`
/// skipped: serial, signature, issuer, validity, subject,
/// subjectPublicKeyInfo, each as a whole DER element.
pub(crate) fn tbs_fields(cert: &[u8]) -> Option<[&[u8]; 6]> {
    const SEQUENCE: u8 = 0x30;
    let (tag, _, cert, _) = tlv(cert)?;
    let (tbs_tag, _, mut tbs, _) = tlv(cert)?;
    if tag != SEQUENCE || tbs_tag != SEQUENCE {
        return None;
    }
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs)?.3;
    }
    let mut out: [&[u8]; 6] = [&[]; 6];
    for field in &mut out {
        let (_, whole, _, rest) = tlv(tbs)?;
        *field = whole;
        tbs = rest;
    }
    Some(out)
}

/// A DER certificate's SubjectPublicKeyInfo (the whole DER element).
pub(crate) fn subject_public_key_info(cert: &[u8]) -> Option<&[u8]> {
    tbs_fields(cert).map(|f| f[5])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_follow_upstreams_rules() {
        let der = b"\x30\x03\x02\x01\x05";
        let b64 = STANDARD.encode(der);
        let good = format!("-----BEGIN PUBLIC KEY-----\r\n{b64}\r\n-----END PUBLIC KEY-----\n");
        assert_eq!(pem_public_key(good.as_bytes()).as_deref(), Some(&der[..]));
        let after_text = format!("junk\n{good}");
        assert!(pem_public_key(after_text.as_bytes()).is_some());
        let glued = format!("junk{good}");
        assert!(pem_public_key(glued.as_bytes()).is_none());
        let no_end = format!("-----BEGIN PUBLIC KEY-----\n{b64}");
        assert!(pem_public_key(no_end.as_bytes()).is_none());
    }

    #[test]
    fn no_certificate_never_matches() {
        let leaf = None::<&[u8]>;
        assert_eq!(
            check("sha256//x", leaf, |_| {}).unwrap_err().code(),
            ErrorCode::SslPinnedpubkeynotmatch
        );
    }

    #[test]
    fn der_lengths_are_checked() {
        assert!(tlv(b"\x30\x05\x01").is_none());
        assert!(tlv(b"\x30\x81").is_none());
        let (tag, whole, body, rest) = tlv(b"\x30\x81\x01\x07\x09").unwrap();
        assert_eq!(
            (tag, whole.len(), body, rest),
            (0x30, 4, &b"\x07"[..], &b"\x09"[..])
        );
    }
}
