//! `WWW-Authenticate` parsing (RFC 9110 section 11.6.1): a list of
//! challenges, each a scheme with a token68 or comma-separated
//! `name=value` parameters whose values are tokens or quoted strings.

/// One challenge: its scheme and parameters (names in lower case, values
/// unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: Vec<(String, String)>,
}

impl Challenge {
    /// The value of parameter `name` (lower case), if given.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the scheme is `name` (case-insensitively).
    pub(crate) fn is(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }
}

/// RFC 9110 `tchar`.
fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn token(&mut self) -> &str {
        let start = self.pos;
        while self.peek().is_some_and(tchar) {
            self.pos += 1;
        }
        // Only tchars: ASCII.
        std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("")
    }

    /// A quoted string after its opening quote; backslash escapes one byte.
    fn quoted(&mut self) -> String {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    if let Some(n) = self.peek() {
                        out.push(n);
                        self.pos += 1;
                    }
                }
                _ => out.push(b),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Whether a `name =` parameter starts here (without moving).
    fn at_param(&mut self) -> bool {
        let start = self.pos;
        let name_len = self.token().len();
        self.skip_ws();
        let mut is = name_len > 0 && self.peek() == Some(b'=');
        if is {
            // `abc==` or `abc=` at an item's end is a token68.
            self.pos += 1;
            self.skip_ws();
            is = !matches!(self.peek(), None | Some(b'=' | b','));
        }
        self.pos = start;
        is
    }

    /// Skips to just after the next comma (or the end).
    fn skip_item(&mut self) {
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b',' => return,
                b'"' => {
                    self.quoted();
                }
                _ => {}
            }
        }
    }
}

/// Every challenge of the given header values, in order. Malformed parts
/// are skipped, never fatal.
pub(crate) fn parse<'v>(values: impl IntoIterator<Item = &'v [u8]>) -> Vec<Challenge> {
    let mut out = Vec::new();
    for value in values {
        parse_value(value, &mut out);
    }
    out
}

fn parse_value(value: &[u8], out: &mut Vec<Challenge>) {
    let mut c = Cursor { s: value, pos: 0 };
    loop {
        while matches!(c.peek(), Some(b' ' | b'\t' | b',')) {
            c.pos += 1;
        }
        if c.peek().is_none() {
            return;
        }
        let scheme = c.token().to_owned();
        if scheme.is_empty() {
            c.skip_item();
            continue;
        }
        let mut challenge = Challenge {
            scheme,
            params: Vec::new(),
        };
        c.skip_ws();
        if !c.at_param() {
            // A token68 (or nothing): up to the next comma.
            if !matches!(c.peek(), None | Some(b',')) {
                c.skip_item();
            }
            out.push(challenge);
            continue;
        }
        params(&mut c, &mut challenge);
        out.push(challenge);
    }
}

/// The `name=value` list of one challenge; stops before the next scheme.
fn params(c: &mut Cursor<'_>, challenge: &mut Challenge) {
    loop {
        c.skip_ws();
        while c.peek() == Some(b',') {
            c.pos += 1;
            c.skip_ws();
        }
        if !c.at_param() {
            return;
        }
        let name = c.token().to_ascii_lowercase();
        c.skip_ws();
        c.pos += 1; // '='
        c.skip_ws();
        let value = if c.peek() == Some(b'"') {
            c.pos += 1;
            c.quoted()
        } else {
            c.token().to_owned()
        };
        challenge.params.push((name, value));
        c.skip_ws();
        match c.peek() {
            Some(b',') => c.pos += 1,
            None => return,
            // Junk after a value: drop the rest of this item.
            Some(_) => c.skip_item(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_challenges_in_one_value() {
        let v: &[u8] =
            br#"Basic realm="a, b", Digest realm="x\"y", nonce=abc, qop="auth,auth-int", Bearer"#;
        let c = parse([v]);
        assert_eq!(c.len(), 3);
        assert!(c[0].is("basic"));
        assert_eq!(c[0].param("realm"), Some("a, b"));
        assert!(c[1].is("Digest"));
        assert_eq!(c[1].param("realm"), Some("x\"y"));
        assert_eq!(c[1].param("nonce"), Some("abc"));
        assert_eq!(c[1].param("qop"), Some("auth,auth-int"));
        assert!(c[2].is("bearer"));
        assert!(c[2].params.is_empty());
    }

    #[test]
    fn token68_and_junk_are_skipped() {
        let v: &[u8] = b"Negotiate abc==, , Digest nonce=\"n\" junk, realm=r";
        let c = parse([v]);
        assert_eq!(c.len(), 2);
        assert!(c[0].is("negotiate"));
        assert_eq!(c[1].param("nonce"), Some("n"));
        assert_eq!(c[1].param("realm"), Some("r"));
    }
}
