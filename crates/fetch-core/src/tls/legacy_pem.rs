//! OpenSSL's legacy ("traditional") encrypted PEM private keys: a
//! `Proc-Type: 4,ENCRYPTED` header, a `DEK-Info: CIPHER,IV` header, and the
//! PKCS#1 (RSA) or SEC1 (EC) key encrypted in CBC mode under a key derived
//! from the password by `EVP_BytesToKey` (MD5, one round, the IV's first
//! 8 bytes as salt). What `openssl rsa -aes256` / `openssl ec -des3` write.

use base64::Engine;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use md5::{Digest, Md5};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};

/// Whether a PEM block carries the legacy encryption header.
pub(super) fn is_encrypted(block: &[u8]) -> bool {
    block.split(|&b| b == b'\n').take(3).any(|l| {
        l.trim_ascii()
            .eq_ignore_ascii_case(b"Proc-Type: 4,ENCRYPTED")
    })
}

/// Decrypts the legacy-encrypted block `block` (label `label`) with
/// `password`.
pub(super) fn decrypt(
    label: &str,
    block: &[u8],
    password: &str,
) -> Result<PrivateKeyDer<'static>, String> {
    let text = std::str::from_utf8(block).map_err(|e| e.to_string())?;
    let mut lines = text.lines().skip(1);
    let mut dek = None;
    for line in lines.by_ref() {
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("DEK-Info:") {
            dek = Some(v.trim().to_owned());
        }
    }
    let dek = dek.ok_or("no DEK-Info header")?;
    let (cipher, iv_hex) = dek.split_once(',').ok_or("bad DEK-Info header")?;
    let iv = hex(iv_hex.trim()).ok_or("bad DEK-Info IV")?;
    let body: String = lines
        .take_while(|l| !l.starts_with("-----END "))
        .flat_map(|l| l.trim().chars())
        .collect();
    let mut data = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| e.to_string())?;
    let cipher = cipher.to_ascii_uppercase();
    let (key_len, iv_len) = match cipher.as_str() {
        "AES-128-CBC" => (16, 16),
        "AES-192-CBC" => (24, 16),
        "AES-256-CBC" => (32, 16),
        "DES-EDE3-CBC" => (24, 8),
        other => return Err(format!("unsupported PEM cipher {other}")),
    };
    if iv.len() != iv_len {
        return Err("bad DEK-Info IV".into());
    }
    let key = bytes_to_key(password.as_bytes(), &iv[..8], key_len);
    let plain = cbc_decrypt(&cipher, &key, &iv, &mut data)
        .ok_or_else(|| "bad decrypt (wrong KEYPASSWD?)".to_owned())?;
    // A wrong password that happens to leave valid padding leaves no DER
    // SEQUENCE spanning the whole text.
    if !whole_sequence(plain) {
        return Err("bad decrypt (wrong KEYPASSWD?)".into());
    }
    let der = plain.to_vec();
    Ok(match label {
        "RSA PRIVATE KEY" => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der)),
        "EC PRIVATE KEY" => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(der)),
        "PRIVATE KEY" => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)),
        other => return Err(format!("unsupported key type {other}")),
    })
}

/// Decrypts `data` in place with `cipher` (a DEK-Info name, upper case)
/// in CBC mode and removes the PKCS#7 padding; `None` for bad padding.
fn cbc_decrypt<'a>(cipher: &str, key: &[u8], iv: &[u8], data: &'a mut [u8]) -> Option<&'a [u8]> {
    fn run<'d, C: BlockDecryptMut + KeyIvInit>(
        key: &[u8],
        iv: &[u8],
        data: &'d mut [u8],
    ) -> Option<&'d [u8]> {
        let d = C::new_from_slices(key, iv).ok()?;
        d.decrypt_padded_mut::<Pkcs7>(data).ok()
    }
    match cipher {
        "AES-128-CBC" => run::<cbc::Decryptor<aes::Aes128>>(key, iv, data),
        "AES-192-CBC" => run::<cbc::Decryptor<aes::Aes192>>(key, iv, data),
        "AES-256-CBC" => run::<cbc::Decryptor<aes::Aes256>>(key, iv, data),
        _ => run::<cbc::Decryptor<des::TdesEde3>>(key, iv, data),
    }
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one round: `D_i = MD5(D_(i-1)
/// || password || salt)`, concatenated to `len` bytes.
fn bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut prev: Vec<u8> = Vec::new();
    while out.len() < len {
        let mut h = Md5::new();
        h.update(&prev);
        h.update(password);
        h.update(salt);
        prev = h.finalize().to_vec();
        out.extend_from_slice(&prev);
    }
    out.truncate(len);
    out
}

/// Hex digits to bytes.
fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether `der` is one DER SEQUENCE and nothing else.
fn whole_sequence(der: &[u8]) -> bool {
    let [0x30, first, rest @ ..] = der else {
        return false;
    };
    let (len, rest) = match *first {
        n if n < 0x80 => (usize::from(n), rest),
        0x81 => match rest {
            [n, rest @ ..] => (usize::from(*n), rest),
            _ => return false,
        },
        0x82 => match rest {
            [a, b, rest @ ..] => (usize::from(*a) << 8 | usize::from(*b), rest),
            _ => return false,
        },
        _ => return false,
    };
    len == rest.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_to_key_matches_openssl() {
        // `openssl enc -aes-256-cbc -md md5 -pass pass:secret -S 0001020304050607 -P`
        let key = bytes_to_key(b"secret", &[0, 1, 2, 3, 4, 5, 6, 7], 32);
        assert_eq!(key.len(), 32);
        let expected = hex(KEY_HEX).unwrap();
        assert_eq!(key, expected);
    }

    const KEY_HEX: &str = "035FB8145B73CF111570DC936112BE9C375A5D3D8B915BC213BDBEF9DBFB7851";

    /// `openssl ec -des3`, `openssl ec -aes128` (one P-256 key) and
    /// `openssl genrsa -aes192 -traditional 1024`, password "secret".
    fn blocks() -> Vec<(&'static str, &'static [u8])> {
        let mut pem: &[u8] = include_bytes!("legacy_test_keys.pem");
        let mut out = Vec::new();
        while let Some(end) = pem.windows(20).position(|w| w.starts_with(b"-----END ")) {
            let stop = end + pem[end..].iter().position(|&b| b == b'\n').unwrap();
            let block = &pem[..stop];
            let label = if block.starts_with(b"-----BEGIN RSA") {
                "RSA PRIVATE KEY"
            } else {
                "EC PRIVATE KEY"
            };
            out.push((label, block));
            pem = &pem[stop + 1..];
        }
        out
    }

    #[test]
    fn openssl_legacy_keys_decrypt() {
        let keys = blocks();
        assert_eq!(keys.len(), 3);
        for (label, block) in &keys {
            assert!(is_encrypted(block));
            let key = decrypt(label, block, "secret").unwrap();
            let plain = match &key {
                PrivateKeyDer::Sec1(k) => k.secret_sec1_der(),
                PrivateKeyDer::Pkcs1(k) => k.secret_pkcs1_der(),
                _ => panic!("{label}"),
            };
            assert!(whole_sequence(plain));
            assert!(decrypt(label, block, "wrong").is_err());
        }
        // The two P-256 blocks hold one key.
        assert_eq!(
            decrypt(keys[0].0, keys[0].1, "secret").unwrap(),
            decrypt(keys[1].0, keys[1].1, "secret").unwrap()
        );
    }

    #[test]
    fn whole_sequence_checks_lengths() {
        assert!(whole_sequence(&[0x30, 2, 1, 2]));
        assert!(!whole_sequence(&[0x30, 3, 1, 2]));
        assert!(!whole_sequence(&[0x31, 2, 1, 2]));
    }
}
