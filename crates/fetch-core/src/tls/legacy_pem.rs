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
    let key_len = match cipher.to_ascii_uppercase().as_str() {
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        "DES-EDE3-CBC" => 24,
        other => return Err(format!("unsupported PEM cipher {other}")),
    };
    let block_len = if key_len == 24 && cipher.eq_ignore_ascii_case("DES-EDE3-CBC") {
        8
    } else {
        16
    };
    if iv.len() != block_len {
        return Err("bad DEK-Info IV".into());
    }
    let key = bytes_to_key(password.as_bytes(), &iv[..8], key_len);
    let bad = |_| "bad decrypt (wrong KEYPASSWD?)".to_owned();
    let plain = match cipher.to_ascii_uppercase().as_str() {
        "AES-128-CBC" => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(|e| e.to_string())?
            .decrypt_padded_mut::<Pkcs7>(&mut data)
            .map_err(bad)?,
        "AES-192-CBC" => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(|e| e.to_string())?
            .decrypt_padded_mut::<Pkcs7>(&mut data)
            .map_err(bad)?,
        "AES-256-CBC" => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(|e| e.to_string())?
            .decrypt_padded_mut::<Pkcs7>(&mut data)
            .map_err(bad)?,
        _ => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|e| e.to_string())?
            .decrypt_padded_mut::<Pkcs7>(&mut data)
            .map_err(bad)?,
    };
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

    #[test]
    fn whole_sequence_checks_lengths() {
        assert!(whole_sequence(&[0x30, 2, 1, 2]));
        assert!(!whole_sequence(&[0x30, 3, 1, 2]));
        assert!(!whole_sequence(&[0x31, 2, 1, 2]));
    }
}
