//! HTTP Digest (RFC 7616, and RFC 2069 without `qop`): the server's
//! challenge and the `Authorization: Digest` line answering it.

use std::fmt::Write as _;

use super::challenge::Challenge;

/// The hash a challenge asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Md5,
    Sha256,
    Sha512_256,
}

impl Algorithm {
    /// Lower-case hex of the hash of `data`.
    fn hex(self, data: &[u8]) -> String {
        use sha2::Digest as _;
        let bytes: Vec<u8> = match self {
            Self::Md5 => md5::Md5::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha512_256 => sha2::Sha512_256::digest(data).to_vec(),
        };
        let mut out = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            let _ = write!(out, "{b:02x}");
        }
        out
    }
}

/// A Digest challenge libfetch can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DigestChallenge {
    pub(crate) realm: String,
    pub(crate) nonce: String,
    pub(crate) opaque: Option<String>,
    pub(crate) algorithm: Algorithm,
    /// A `-sess` variant: the session key mixes in the nonces.
    pub(crate) sess: bool,
    /// The `algorithm` parameter as it goes back (`None` if the server
    /// gave none: MD5, and none is sent either).
    pub(crate) algorithm_name: Option<String>,
    /// `qop=auth` is used (the server offered it); otherwise RFC 2069.
    pub(crate) qop_auth: bool,
    pub(crate) stale: bool,
    pub(crate) userhash: bool,
}

impl DigestChallenge {
    /// The Digest challenge in `c`, if it is one libfetch can answer: a
    /// nonce, a known algorithm, and either no `qop` or one that allows
    /// `auth` (`auth-int` alone is not supported).
    pub(crate) fn from_challenge(c: &Challenge) -> Option<Self> {
        if !c.is("digest") {
            return None;
        }
        let nonce = c.param("nonce")?.to_owned();
        let name = c.param("algorithm");
        let lower = name.unwrap_or("MD5").to_ascii_lowercase();
        let (base, sess) = match lower.strip_suffix("-sess") {
            Some(base) => (base.to_owned(), true),
            None => (lower, false),
        };
        let algorithm = match base.as_str() {
            "md5" => Algorithm::Md5,
            "sha-256" => Algorithm::Sha256,
            "sha-512-256" => Algorithm::Sha512_256,
            _ => return None,
        };
        let qop_auth = match c.param("qop") {
            None => false,
            Some(list) => {
                if !list
                    .split(',')
                    .any(|q| q.trim().eq_ignore_ascii_case("auth"))
                {
                    return None;
                }
                true
            }
        };
        let flag = |n: &str| c.param(n).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Some(Self {
            realm: c.param("realm").unwrap_or("").to_owned(),
            nonce,
            opaque: c.param("opaque").map(str::to_owned),
            algorithm,
            sess,
            algorithm_name: name.map(|_| canonical_name(algorithm, sess)),
            qop_auth,
            stale: flag("stale"),
            userhash: flag("userhash"),
        })
    }
}

/// The algorithm's name as RFC 7616 spells it.
fn canonical_name(algorithm: Algorithm, sess: bool) -> String {
    let base = match algorithm {
        Algorithm::Md5 => "MD5",
        Algorithm::Sha256 => "SHA-256",
        Algorithm::Sha512_256 => "SHA-512-256",
    };
    if sess {
        format!("{base}-sess")
    } else {
        base.to_owned()
    }
}

/// What one Digest answer is computed from.
pub(crate) struct DigestInput<'a> {
    pub(crate) user: &'a [u8],
    pub(crate) password: &'a [u8],
    pub(crate) method: &'a str,
    /// The request target as sent (`uri` of the answer).
    pub(crate) uri: &'a str,
    /// The nonce count, 1 for the first use of a nonce.
    pub(crate) nc: u32,
    pub(crate) cnonce: &'a str,
}

/// `s` as a quoted string: `"` and `\` escaped with a backslash.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        if matches!(ch, '"' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// The `response` value (RFC 7616 section 3.4.1).
pub(crate) fn response(ch: &DigestChallenge, input: &DigestInput<'_>) -> String {
    let h = |data: &[u8]| ch.algorithm.hex(data);
    let join = |parts: &[&[u8]]| parts.join(&b':');
    let mut ha1 = h(&join(&[input.user, ch.realm.as_bytes(), input.password]));
    if ch.sess {
        ha1 = h(&join(&[
            ha1.as_bytes(),
            ch.nonce.as_bytes(),
            input.cnonce.as_bytes(),
        ]));
    }
    let ha2 = h(&join(&[input.method.as_bytes(), input.uri.as_bytes()]));
    if ch.qop_auth {
        let nc = format!("{:08x}", input.nc);
        h(&join(&[
            ha1.as_bytes(),
            ch.nonce.as_bytes(),
            nc.as_bytes(),
            input.cnonce.as_bytes(),
            b"auth",
            ha2.as_bytes(),
        ]))
    } else {
        h(&join(&[
            ha1.as_bytes(),
            ch.nonce.as_bytes(),
            ha2.as_bytes(),
        ]))
    }
}

/// The whole `Authorization: Digest ...` line.
pub(crate) fn authorization(ch: &DigestChallenge, input: &DigestInput<'_>) -> String {
    let user = if ch.userhash {
        let mut data = input.user.to_vec();
        data.push(b':');
        data.extend_from_slice(ch.realm.as_bytes());
        ch.algorithm.hex(&data)
    } else {
        String::from_utf8_lossy(input.user).into_owned()
    };
    let mut line = format!(
        "Authorization: Digest username={}, realm={}, nonce={}, uri={}",
        quote(&user),
        quote(&ch.realm),
        quote(&ch.nonce),
        quote(input.uri)
    );
    if ch.qop_auth {
        let _ = write!(
            line,
            ", cnonce={}, nc={:08x}, qop=auth",
            quote(input.cnonce),
            input.nc
        );
    }
    let _ = write!(line, ", response=\"{}\"", response(ch, input));
    if let Some(opaque) = &ch.opaque {
        let _ = write!(line, ", opaque={}", quote(opaque));
    }
    if let Some(name) = &ch.algorithm_name {
        let _ = write!(line, ", algorithm={name}");
    }
    if ch.userhash {
        line.push_str(", userhash=true");
    }
    line
}

/// A fresh client nonce: 16 bytes from the operating system's CSPRNG, in
/// hex. `None` if the CSPRNG failed.
pub(crate) fn cnonce() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).ok()?;
    let mut out = String::with_capacity(32);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::challenge;

    /// RFC 7616 section 3.9.1: the same request answered with MD5 and
    /// SHA-256.
    fn rfc_challenge(algorithm: &str) -> DigestChallenge {
        let value = format!(
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#
        );
        let c = challenge::parse([value.as_bytes()]);
        DigestChallenge::from_challenge(&c[0]).expect("answerable")
    }

    const RFC_INPUT: DigestInput<'static> = DigestInput {
        user: b"Mufasa",
        password: b"Circle of Life",
        method: "GET",
        uri: "/dir/index.html",
        nc: 1,
        cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    };

    #[test]
    fn rfc7616_example_md5() {
        let ch = rfc_challenge("MD5");
        assert_eq!(
            response(&ch, &RFC_INPUT),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
        let line = authorization(&ch, &RFC_INPUT);
        assert!(line.contains(r#"username="Mufasa""#), "{line}");
        assert!(line.contains("nc=00000001, qop=auth"), "{line}");
        assert!(line.contains(r#"opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#));
        assert!(line.ends_with("algorithm=MD5"), "{line}");
    }

    #[test]
    fn rfc7616_example_sha256() {
        let ch = rfc_challenge("SHA-256");
        assert_eq!(
            response(&ch, &RFC_INPUT),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn legacy_without_qop_and_quoting() {
        let c = challenge::parse([&b"Digest realm=\"r\\\"q\", nonce=n"[..]]);
        let ch = DigestChallenge::from_challenge(&c[0]).unwrap();
        assert!(!ch.qop_auth && ch.algorithm_name.is_none());
        let input = DigestInput {
            user: b"a\"b",
            ..RFC_INPUT
        };
        let line = authorization(&ch, &input);
        assert!(line.contains(r#"username="a\"b", realm="r\"q""#), "{line}");
        assert!(!line.contains("cnonce") && !line.contains("qop"), "{line}");
        // RFC 2069: H(HA1:nonce:HA2).
        let ha1 = Algorithm::Md5.hex(b"a\"b:r\"q:Circle of Life");
        let ha2 = Algorithm::Md5.hex(b"GET:/dir/index.html");
        let want = Algorithm::Md5.hex(format!("{ha1}:n:{ha2}").as_bytes());
        assert_eq!(response(&ch, &input), want);
    }

    #[test]
    fn unsupported_challenges_are_refused() {
        for v in [
            "Digest realm=r",
            "Digest nonce=n, algorithm=SHA-1",
            "Digest nonce=n, qop=auth-int",
            "Basic realm=r",
        ] {
            let c = challenge::parse([v.as_bytes()]);
            assert!(DigestChallenge::from_challenge(&c[0]).is_none(), "{v}");
        }
    }

    #[test]
    fn sess_userhash_and_stale() {
        let v =
            b"Digest nonce=n, realm=r, algorithm=sha-256-SESS, qop=auth, userhash=true, stale=TRUE";
        let c = challenge::parse([&v[..]]);
        let ch = DigestChallenge::from_challenge(&c[0]).unwrap();
        assert!(ch.sess && ch.userhash && ch.stale);
        assert_eq!(ch.algorithm_name.as_deref(), Some("SHA-256-sess"));
        let line = authorization(&ch, &RFC_INPUT);
        let hashed = Algorithm::Sha256.hex(b"Mufasa:r");
        assert!(line.contains(&format!("username=\"{hashed}\"")), "{line}");
        assert!(line.ends_with("userhash=true"), "{line}");
    }

    #[test]
    fn cnonces_differ() {
        let (a, b) = (cnonce().unwrap(), cnonce().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
