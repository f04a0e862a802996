//! Response header fields: collecting a decoded block into a status line
//! and fields, with RFC 9113 section 8.2 and 8.3 validation.

/// One header field as received (names are lowercase on HTTP/2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// Field name.
    pub(crate) name: Vec<u8>,
    /// Field value.
    pub(crate) value: Vec<u8>,
}

/// Names that are meaningful only on HTTP/1.1 connections (RFC 9113
/// 8.2.2): a message carrying one is malformed.
const CONNECTION_SPECIFIC: [&[u8]; 5] = [
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"transfer-encoding",
    b"upgrade",
];

/// The pseudo-headers a pushed request must carry (RFC 9113 8.3.1, 8.4).
const REQUEST_PSEUDO: [&[u8]; 4] = [b"method", b"scheme", b"authority", b"path"];

/// Collects the fields of one header block as HPACK emits them.
#[derive(Debug)]
pub(crate) struct Collector {
    trailers: bool,
    /// A pushed request (PUSH_PROMISE): request pseudo-headers instead of
    /// `:status`, and kept in the fields.
    request: bool,
    /// Request pseudo-headers seen (bits in `REQUEST_PSEUDO` order).
    pseudo_seen: u8,
    limit: usize,
    size: usize,
    regular_seen: bool,
    /// The `:status` value, for a response head.
    pub(crate) status: Option<u16>,
    /// Regular fields, in order; empty once the list grew past the limit.
    pub(crate) fields: Vec<Header>,
    /// Why the block is malformed (a stream error of type PROTOCOL_ERROR).
    pub(crate) malformed: Option<&'static str>,
    /// The decoded list exceeded `limit` (RFC 9113 6.5.2 sizes).
    pub(crate) oversize: bool,
}

impl Collector {
    /// A collector for a response head, or for trailers.
    pub(crate) fn new(trailers: bool, limit: usize) -> Self {
        Self {
            trailers,
            request: false,
            pseudo_seen: 0,
            limit,
            size: 0,
            regular_seen: false,
            status: None,
            fields: Vec::new(),
            malformed: None,
            oversize: false,
        }
    }

    /// A collector for a PUSH_PROMISE's request fields.
    pub(crate) fn request(limit: usize) -> Self {
        Self {
            request: true,
            ..Self::new(false, limit)
        }
    }

    /// One decoded field.
    pub(crate) fn field(&mut self, name: &[u8], value: &[u8]) {
        self.size = self.size.saturating_add(name.len() + value.len() + 32);
        if self.size > self.limit {
            // Keep decoding (HPACK must stay in step) but store nothing more.
            self.oversize = true;
            self.fields = Vec::new();
        }
        if self.malformed.is_some() || self.oversize {
            return;
        }
        if let Err(why) = self.check(name, value) {
            self.malformed = Some(why);
            return;
        }
        if self.request || name.first() != Some(&b':') {
            self.fields.push(Header {
                name: name.to_vec(),
                value: value.to_vec(),
            });
        }
    }

    fn check(&mut self, name: &[u8], value: &[u8]) -> Result<(), &'static str> {
        if value.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n')) {
            return Err("header value with NUL, CR or LF");
        }
        if let Some(pseudo) = name.strip_prefix(b":") {
            if self.trailers || self.regular_seen {
                return Err("pseudo-header after regular fields or in trailers");
            }
            if self.request {
                return self.request_pseudo(pseudo);
            }
            if pseudo != b"status" || self.status.is_some() {
                return Err("unexpected or repeated pseudo-header");
            }
            self.status = Some(parse_status(value).ok_or("invalid :status")?);
            return Ok(());
        }
        self.regular_seen = true;
        if name.is_empty()
            || name
                .iter()
                .any(|&b| b.is_ascii_uppercase() || matches!(b, 0 | b'\r' | b'\n' | b' ' | b':'))
        {
            return Err("invalid header name");
        }
        if CONNECTION_SPECIFIC.contains(&name) {
            return Err("connection-specific header field");
        }
        Ok(())
    }

    /// `:method`, `:scheme`, `:authority` and `:path`, each once.
    fn request_pseudo(&mut self, pseudo: &[u8]) -> Result<(), &'static str> {
        let Some(i) = REQUEST_PSEUDO.iter().position(|p| *p == pseudo) else {
            return Err("unexpected pseudo-header in a pushed request");
        };
        let bit = 1 << i;
        if self.pseudo_seen & bit != 0 {
            return Err("repeated pseudo-header in a pushed request");
        }
        self.pseudo_seen |= bit;
        Ok(())
    }

    /// Checks done once the block is complete.
    pub(crate) fn finish(&mut self) {
        if self.request {
            let all = (1 << REQUEST_PSEUDO.len()) - 1;
            if self.pseudo_seen != all && self.malformed.is_none() && !self.oversize {
                self.malformed =
                    Some("pushed request without :method, :scheme, :authority or :path");
            }
            return;
        }
        if !self.trailers && self.status.is_none() && self.malformed.is_none() && !self.oversize {
            self.malformed = Some("response without :status");
        }
    }
}

/// Three ASCII digits, 100..=999.
fn parse_status(v: &[u8]) -> Option<u16> {
    match v {
        [a @ b'1'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9'] => {
            Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => None,
    }
}
