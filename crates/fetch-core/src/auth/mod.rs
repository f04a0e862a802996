//! HTTP authentication: the methods an application allows
//! (FETCHOPT_HTTPAUTH, [`HttpAuth`]), the credentials and token it gives,
//! and per transfer the choice among what a server offers after a 401
//! (`state`). Basic and Bearer go up front when they are the only method
//! allowed; otherwise the first request goes without credentials and the
//! 401's `WWW-Authenticate` decides, as upstream.

pub(crate) mod challenge;
pub(crate) mod digest;
mod state;

use std::ops::BitOr;

pub(crate) use state::{AuthState, Login, Request};

use crate::{Easy, Error, ErrorCode};

/// A set of HTTP authentication methods (FETCHOPT_HTTPAUTH), with
/// upstream's bit values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HttpAuth(u32);

impl HttpAuth {
    /// No method: credentials are never sent (FETCHAUTH_NONE).
    pub const NONE: Self = Self(0);
    /// Basic (FETCHAUTH_BASIC), the default.
    pub const BASIC: Self = Self(1);
    /// Digest, RFC 7616 (FETCHAUTH_DIGEST).
    pub const DIGEST: Self = Self(1 << 1);
    /// SPNEGO (FETCHAUTH_NEGOTIATE): not built in.
    pub const NEGOTIATE: Self = Self(1 << 2);
    /// NTLM (FETCHAUTH_NTLM): not built in.
    pub const NTLM: Self = Self(1 << 3);
    /// Digest with the request URI sent without its query, as old
    /// Internet Explorer did (FETCHAUTH_DIGEST_IE).
    pub const DIGEST_IE: Self = Self(1 << 4);
    /// NTLM through winbind (FETCHAUTH_NTLM_WB): not built in.
    pub const NTLM_WB: Self = Self(1 << 5);
    /// A bearer token, [`Easy::bearer_token`] (FETCHAUTH_BEARER).
    pub const BEARER: Self = Self(1 << 6);
    /// AWS signature version 4 (FETCHAUTH_AWS_SIGV4): not built in.
    pub const AWS_SIGV4: Self = Self(1 << 7);
    /// With one other method: probe without credentials first, then use
    /// only that method (FETCHAUTH_ONLY).
    pub const ONLY: Self = Self(1 << 31);
    /// Every method (FETCHAUTH_ANY).
    pub const ANY: Self = Self(!(1 << 4));
    /// Every method but Basic (FETCHAUTH_ANYSAFE).
    pub const ANYSAFE: Self = Self(!((1 << 4) | 1));

    /// The methods of a bit mask (upper bits of a C `unsigned long` are
    /// ignored by the caller).
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// The bit mask.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every method of `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// What libfetch uses of this set, as upstream's setopt does:
    /// DIGEST_IE becomes DIGEST (the second value says IE-style URIs were
    /// asked for) and methods not built in are dropped. `None` when no
    /// method is left; NONE stays NONE.
    pub fn built_in(self) -> Option<(Self, bool)> {
        if self == Self::NONE {
            return Some((self, false));
        }
        let ie = self.0 & Self::DIGEST_IE.0 != 0;
        let mut bits = self.0;
        if ie {
            bits = (bits | Self::DIGEST.0) & !Self::DIGEST_IE.0;
        }
        bits &= !(Self::NEGOTIATE.0 | Self::NTLM.0 | Self::NTLM_WB.0 | Self::AWS_SIGV4.0);
        // Some method below ONLY must be left.
        (bits & !Self::ONLY.0 != 0).then_some((Self(bits), ie))
    }
}

impl BitOr for HttpAuth {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl Default for HttpAuth {
    fn default() -> Self {
        Self::BASIC
    }
}

impl Easy {
    /// The user name and password for HTTP authentication (FETCHOPT_USERPWD,
    /// FETCHOPT_USERNAME and FETCHOPT_PASSWORD); they win over those of the
    /// URL. Which method carries them is [`Easy::http_auth`]'s choice
    /// (Basic by default). `None` leaves only the URL's.
    ///
    /// ```
    /// use fetch_core::{Easy, HttpAuth};
    /// let mut easy = Easy::with_url("http://127.0.0.1:1/private");
    /// easy.credentials(Some(("user".into(), "secret".into())));
    /// easy.http_auth(HttpAuth::ANY).unwrap();
    /// ```
    pub fn credentials(&mut self, credentials: Option<(String, String)>) -> &mut Self {
        self.set_credentials(credentials);
        self
    }

    /// The authentication methods allowed (FETCHOPT_HTTPAUTH); Basic by
    /// default. One method alone (Basic, Bearer) is used on the first
    /// request; several, or Digest, wait for the server's 401 and use the
    /// best it offers: Digest, then Basic, then Bearer. Methods not built
    /// in are dropped; a set with none left fails with
    /// [`ErrorCode::NotBuiltIn`] and keeps the previous one.
    pub fn http_auth(&mut self, methods: HttpAuth) -> Result<&mut Self, Error> {
        let (mask, ie) = methods.built_in().ok_or_else(|| {
            Error::new(
                ErrorCode::NotBuiltIn,
                "none of the requested authentication methods is built in",
            )
        })?;
        self.http_auth = mask;
        self.digest_ie = ie;
        Ok(self)
    }

    /// The OAuth 2.0 bearer token (FETCHOPT_XOAUTH2_BEARER), sent as
    /// `Authorization: Bearer <token>` when [`Easy::http_auth`] allows
    /// [`HttpAuth::BEARER`].
    pub fn bearer_token(&mut self, token: Option<String>) -> &mut Self {
        self.set_bearer(token);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_follow_upstream_setopt() {
        assert_eq!(HttpAuth::NONE.built_in(), Some((HttpAuth::NONE, false)));
        assert_eq!(HttpAuth::NTLM.built_in(), None);
        assert_eq!((HttpAuth::NTLM | HttpAuth::ONLY).built_in(), None);
        assert_eq!(
            HttpAuth::DIGEST_IE.built_in(),
            Some((HttpAuth::DIGEST, true))
        );
        let (any, ie) = HttpAuth::ANY.built_in().unwrap();
        assert!(!ie && any.contains(HttpAuth::BASIC | HttpAuth::DIGEST | HttpAuth::BEARER));
        assert!(!any.contains(HttpAuth::NTLM));
        let (safe, _) = HttpAuth::ANYSAFE.built_in().unwrap();
        assert!(!safe.contains(HttpAuth::BASIC));
    }
}
