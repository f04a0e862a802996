//! One transfer's authentication: which method its requests use, the
//! Digest challenge and nonce count, and what a final response means
//! (send again with credentials, or deliver it as the answer).

use super::HttpAuth;
use super::challenge;
use super::digest::{self, DigestChallenge, DigestInput};
use crate::Easy;

/// A user name and password, as bytes.
pub(crate) type Login = (Vec<u8>, Vec<u8>);

/// How many times one transfer sends a request again for authentication
/// (a server answering `stale=true` forever cannot loop).
const MAX_ROUNDS: u32 = 4;

const BASIC: u32 = HttpAuth::BASIC.bits();
const DIGEST: u32 = HttpAuth::DIGEST.bits();
const BEARER: u32 = HttpAuth::BEARER.bits();

/// Per-transfer authentication state (upstream's `authhost`).
#[derive(Debug, Default)]
pub(crate) struct AuthState {
    /// The method chosen after a 401; 0 until then (the allowed set is
    /// used, which sends something only when it is one method).
    picked: u32,
    /// Boxed: most transfers never see a Digest challenge, and every
    /// transfer slot carries this state (issue 13).
    digest: Option<Box<DigestChallenge>>,
    /// Requests sent with the current Digest nonce.
    nc: u32,
    /// The method whose header the current request carries (0: none).
    sent: u32,
    /// The current request had a login / a token to offer.
    had_login: bool,
    had_token: bool,
    /// The current request is a probe without its body: Digest alone is
    /// allowed and no challenge is known yet (upstream sends
    /// `Content-Length: 0` then too).
    pub(crate) probe: bool,
    probe_done: bool,
    /// The server refused what was sent, or offered nothing usable: the
    /// 401 is the transfer's answer, for the rest of the transfer.
    problem: bool,
    rounds: u32,
    /// The last final response is answered by sending the request again.
    pub(crate) resend: bool,
}

/// What the next request is.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    /// The request target as sent.
    pub(crate) target: &'a str,
    /// The method carries a body (not GET or HEAD).
    pub(crate) sends_body: bool,
}

impl AuthState {
    /// The `Authorization` line of the next request, if it gets one.
    /// `login` and `token` are what may go to this request's origin.
    /// Inline: most requests have neither, and end here.
    #[inline]
    pub(crate) fn request_line(
        &mut self,
        easy: &Easy,
        login: Option<&Login>,
        token: Option<&str>,
        req: &Request<'_>,
    ) -> Option<String> {
        self.without_credentials();
        self.had_login = login.is_some();
        self.had_token = token.is_some();
        if login.is_none() && token.is_none() {
            return None;
        }
        self.line_for(easy, login, token, req)
    }

    /// [`AuthState::request_line`] for a request that has neither a login
    /// nor a token to offer: it carries no `Authorization` line.
    #[inline]
    pub(crate) fn without_credentials(&mut self) {
        self.sent = 0;
        self.probe = false;
        self.had_login = false;
        self.had_token = false;
    }

    /// [`AuthState::request_line`] for a request with a login or a token.
    fn line_for(
        &mut self,
        easy: &Easy,
        login: Option<&Login>,
        token: Option<&str>,
        req: &Request<'_>,
    ) -> Option<String> {
        let picked = if self.picked != 0 {
            self.picked
        } else {
            easy.http_auth.bits()
        };
        let line = match picked {
            BASIC => login.map(|(u, p)| basic_line(u, p)),
            BEARER => token.map(|t| format!("Authorization: Bearer {t}")),
            DIGEST => login.and_then(|l| self.digest_line(l, easy.digest_ie, req)),
            _ => None,
        };
        if line.is_some() {
            self.sent = picked;
        } else if picked == DIGEST && login.is_some() && req.sends_body && !self.probe_done {
            self.probe = true;
        }
        line
    }

    fn digest_line(&mut self, login: &Login, ie: bool, req: &Request<'_>) -> Option<String> {
        let ch = self.digest.as_ref()?;
        let cnonce = digest::cnonce()?;
        self.nc += 1;
        let uri = if ie {
            req.target.split('?').next().unwrap_or(req.target)
        } else {
            req.target
        };
        Some(digest::authorization(
            ch,
            &DigestInput {
                user: &login.0,
                password: &login.1,
                method: req.method,
                uri,
                nc: self.nc,
                cnonce: &cnonce,
            },
        ))
    }

    /// A final response arrived (header lines `lines`, status line
    /// first): sets `resend` when the request goes again, and returns
    /// the methods the server offered (FETCHINFO_HTTPAUTH_AVAIL bits).
    /// (Inline: every final head comes here, and only a 401 has more to
    /// do than two flags.)
    #[inline]
    pub(crate) fn on_final<'l>(
        &mut self,
        status: u16,
        lines: impl Iterator<Item = &'l [u8]>,
        allowed: HttpAuth,
    ) -> u32 {
        self.resend = false;
        if status != 401 {
            if self.probe && status < 300 {
                // No authentication asked for: send the real body now.
                self.probe_done = true;
                self.resend = true;
            }
            return 0;
        }
        self.on_401(lines, allowed)
    }

    /// [`Self::on_final`] for a 401: the challenges offered, and whether
    /// to answer one.
    #[inline(never)]
    fn on_401<'l>(&mut self, lines: impl Iterator<Item = &'l [u8]>, allowed: HttpAuth) -> u32 {
        let values = lines.skip(1).filter_map(www_authenticate);
        let challenges = challenge::parse(values);
        let avail = challenges.iter().fold(0, |bits, c| bits | method_bit(c));
        if self.problem || !(self.had_login || self.had_token) {
            return avail;
        }
        let digest = challenges.iter().find_map(DigestChallenge::from_challenge);
        self.resend = self.decide(avail, digest, allowed.bits());
        if self.resend {
            self.rounds += 1;
            if self.rounds > MAX_ROUNDS {
                self.resend = false;
                self.problem = true;
            }
        }
        avail
    }

    /// After a 401: whether to send again, with which method.
    fn decide(&mut self, avail: u32, digest: Option<DigestChallenge>, allowed: u32) -> bool {
        match self.sent {
            0 => {}
            DIGEST => {
                // Refused, unless only the nonce was stale (RFC 7616
                // section 3.3): then once more with the new one.
                if let Some(d) = digest.filter(|d| d.stale) {
                    self.use_digest(d);
                    return true;
                }
                self.problem = true;
                return false;
            }
            _ => {
                // Basic or Bearer sent and refused: wrong credentials.
                self.problem = true;
                return false;
            }
        }
        let mut usable = avail & allowed;
        if !self.had_login || digest.is_none() {
            usable &= !DIGEST;
        }
        if !self.had_login {
            usable &= !BASIC;
        }
        if !self.had_token {
            usable &= !BEARER;
        }
        // Upstream's order of preference among what is built in.
        let Some(pick) = [DIGEST, BASIC, BEARER]
            .into_iter()
            .find(|m| usable & m != 0)
        else {
            self.problem = true;
            return false;
        };
        self.picked = pick;
        if let (DIGEST, Some(d)) = (pick, digest) {
            self.use_digest(d);
        }
        true
    }

    fn use_digest(&mut self, d: DigestChallenge) {
        if self.digest.as_ref().is_none_or(|old| old.nonce != d.nonce) {
            self.nc = 0;
        }
        self.digest = Some(Box::new(d));
    }
}

/// The value of a `WWW-Authenticate` header line.
fn www_authenticate(line: &[u8]) -> Option<&[u8]> {
    const NAME: &[u8] = b"www-authenticate:";
    if line.len() < NAME.len() || !line[..NAME.len()].eq_ignore_ascii_case(NAME) {
        return None;
    }
    Some(line[NAME.len()..].trim_ascii())
}

/// The FETCHAUTH bit of a challenge's scheme (0 if unknown).
fn method_bit(c: &challenge::Challenge) -> u32 {
    [
        ("basic", BASIC),
        ("digest", DIGEST),
        ("bearer", BEARER),
        ("negotiate", HttpAuth::NEGOTIATE.bits()),
        ("ntlm", HttpAuth::NTLM.bits()),
    ]
    .into_iter()
    .find(|(name, _)| c.is(name))
    .map_or(0, |(_, bit)| bit)
}

/// `Authorization: Basic` for a user name and password.
pub(crate) fn basic_line(name: &[u8], password: &[u8]) -> String {
    use base64::Engine as _;
    let mut pair = name.to_vec();
    pair.push(b':');
    pair.extend_from_slice(password);
    format!(
        "Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}
