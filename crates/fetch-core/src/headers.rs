//! The response header lines a transfer received, kept per request for
//! the header API (upstream's `curl_easy_header` / `curl_easy_nextheader`).
//!
//! Storage is the received bytes themselves: each response head, 1xx head
//! and trailer block is appended to one buffer (reused from transfer to
//! transfer, so a steady state allocates nothing) with a small record of
//! where it starts, which request it belongs to and what it is. Nothing
//! is parsed while receiving; a query walks the lines when the API is
//! used (docs/decisions.md, "The header API reads the kept head bytes").
//!
//! While a head is handed to the header callback line by line, only the
//! lines delivered so far are visible, so a query from inside the callback
//! sees the headers received up to that line, as upstream's does.

use std::ops::{ControlFlow, Range};

/// Where a header came from: upstream's `CURLH_*` bits.
pub mod origin {
    /// A header of a final response (FETCHH_HEADER).
    pub const HEADER: u32 = 1 << 0;
    /// A trailer of a chunked body (FETCHH_TRAILER).
    pub const TRAILER: u32 = 1 << 1;
    /// A header of a proxy's CONNECT response (FETCHH_CONNECT; not
    /// recorded: CONNECT replies are not kept in the header log).
    pub const CONNECT: u32 = 1 << 2;
    /// A header of a 1xx response (FETCHH_1XX).
    pub const INFORMATIONAL: u32 = 1 << 3;
    /// An HTTP/2 or HTTP/3 pseudo-header (FETCHH_PSEUDO; none in HTTP/1).
    pub const PSEUDO: u32 = 1 << 4;
    /// Every bit a query may ask for.
    pub const ALL: u32 = HEADER | TRAILER | CONNECT | INFORMATIONAL | PSEUDO;
}

/// Why a header query found nothing: upstream's `CURLHcode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// FETCHHE_BADINDEX: the header exists, but not with this index.
    BadIndex = 1,
    /// FETCHHE_MISSING: no such header in that request and origin.
    Missing = 2,
    /// FETCHHE_NOHEADERS: no headers were received at all.
    NoHeaders = 3,
    /// FETCHHE_NOREQUEST: there is no request with this number.
    NoRequest = 4,
    /// FETCHHE_BAD_ARGUMENT: an origin of 0 or unknown bits, a request
    /// number below -1.
    BadArgument = 6,
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self {
            Self::BadIndex => "no header with that index",
            Self::Missing => "no such header",
            Self::NoHeaders => "no headers were received",
            Self::NoRequest => "no request with that number",
            Self::BadArgument => "bad header query argument",
        };
        write!(f, "{what} (FETCHHcode {})", *self as i32)
    }
}

impl std::error::Error for HeaderError {}

/// One block of received lines.
#[derive(Debug, Clone)]
struct Block {
    range: Range<usize>,
    request: u32,
    origin: u32,
    /// The block starts with a status line (a head, not trailers).
    status_line: bool,
}

/// The blocks of a log, the first one inline: most transfers have one
/// head, so a new handle's first head needs no list on the heap (issue 13,
/// workload L8: one allocation per handle made). Later blocks (1xx heads,
/// trailers, redirects) go to `rest`.
#[derive(Debug, Default)]
struct Blocks {
    first: Option<Block>,
    rest: Vec<Block>,
}

impl Blocks {
    #[inline(always)]
    fn clear(&mut self) {
        self.first = None;
        self.rest.clear();
    }

    /// Whether a push needs no allocation.
    #[inline(always)]
    fn has_room(&self) -> bool {
        self.first.is_none() || self.rest.len() < self.rest.capacity()
    }

    #[inline(always)]
    fn push(&mut self, b: Block) {
        if self.first.is_none() {
            self.first = Some(b);
        } else {
            self.rest.push(b);
        }
    }

    fn last(&self) -> Option<&Block> {
        self.rest.last().or(self.first.as_ref())
    }

    fn iter(&self) -> impl Iterator<Item = &Block> {
        self.first.iter().chain(&self.rest)
    }
}

/// A transfer's received header lines (see the module docs).
#[derive(Debug, Default)]
pub struct HeaderLog {
    bytes: Vec<u8>,
    blocks: Blocks,
    /// Bytes of `bytes` queries may see.
    visible: usize,
    /// The number of the current request (0 for the first).
    request: u32,
}

/// A header field: where its name and value lines are in the log.
#[derive(Debug, Clone)]
struct Raw {
    /// The line's offset: the field's identity for [`HeaderLog::next`].
    pos: usize,
    request: u32,
    origin: u32,
    name: Range<usize>,
    /// From after the colon to the end of its last continuation line.
    value: Range<usize>,
}

/// A header a query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'a> {
    /// The name as the server spelled it.
    pub name: &'a [u8],
    /// The value: surrounding whitespace removed, continuation lines
    /// joined (each keeps one whitespace byte before its text).
    pub value: Vec<u8>,
    /// How many headers of this name the request has in the asked origins.
    pub amount: usize,
    /// This one's index among them.
    pub index: usize,
    /// Its origin bit.
    pub origin: u32,
    /// Where it is, for [`HeaderLog::next`].
    pub anchor: usize,
}

impl HeaderLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything (a new transfer starts); keeps the memory.
    /// (Inline: at every transfer's start, in the engine's step.)
    #[inline]
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.blocks.clear();
        self.visible = 0;
        self.request = 0;
    }

    /// The next request of the transfer begins (a redirect is followed).
    pub(crate) fn next_request(&mut self) {
        self.request += 1;
    }

    /// Appends a received block: a head (`status_line`) or trailer
    /// fields. With `reveal` it is visible at once; otherwise lines become
    /// visible through [`HeaderLog::reveal`]. (Inline: once per head, into
    /// the locked section of its caller.)
    #[inline]
    pub(crate) fn push(&mut self, origin: u32, bytes: &[u8], status_line: bool, reveal: bool) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        self.push_block(origin, start, status_line, reveal);
    }

    /// [`HeaderLog::push`] of a head the caller is done with: `raw`'s
    /// bytes are taken, and `raw` is left empty (with the log's old buffer
    /// when the log was empty, the usual case of a transfer's one head, so
    /// the head is handed over instead of copied; issue 13). (Inline: once
    /// per head, into the locked section of its caller.)
    #[inline]
    pub(crate) fn push_taken(&mut self, origin: u32, raw: &mut Vec<u8>, reveal: bool) {
        // (Only the usual case inline, with room for its block: it then
        // makes no call and needs few registers saved.)
        if self.bytes.is_empty() && self.blocks.has_room() {
            // The log's buffer, cleared, goes to the head for its next use.
            std::mem::swap(&mut self.bytes, raw);
            self.push_block(origin, 0, true, reveal);
        } else {
            self.push_taken_other(origin, raw, reveal);
        }
    }

    /// [`HeaderLog::push_taken`] into a log with other blocks (copied), or
    /// with no room for another block.
    #[inline(never)]
    fn push_taken_other(&mut self, origin: u32, raw: &mut Vec<u8>, reveal: bool) {
        if self.bytes.is_empty() {
            std::mem::swap(&mut self.bytes, raw);
            self.push_block(origin, 0, true, reveal);
        } else {
            self.push(origin, raw, true, reveal);
            raw.clear();
        }
    }

    /// The block of the bytes from `start` to the end, pushed last.
    #[inline(always)]
    fn push_block(&mut self, origin: u32, start: usize, status_line: bool, reveal: bool) {
        self.blocks.push(Block {
            range: start..self.bytes.len(),
            request: self.request,
            origin,
            status_line,
        });
        self.visible = if reveal { self.bytes.len() } else { start };
    }

    /// Makes the last block's first `n` bytes visible.
    pub(crate) fn reveal(&mut self, n: usize) {
        if let Some(b) = self.blocks.last() {
            self.visible = (b.range.start + n).min(b.range.end);
        }
    }

    /// Calls `f` with each visible field in arrival order.
    fn walk(&self, mut f: impl FnMut(&Raw) -> ControlFlow<()>) {
        for b in self.blocks.iter() {
            let end = b.range.end.min(self.visible);
            let mut pos = b.range.start;
            let mut pending: Option<Raw> = None;
            let mut first = b.status_line;
            while pos < end {
                let line_end =
                    memchr::memchr(b'\n', &self.bytes[pos..end]).map_or(end, |i| pos + i + 1);
                let line = &self.bytes[pos..line_end];
                let start = pos;
                pos = line_end;
                if std::mem::take(&mut first) || line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                if matches!(line[0], b' ' | b'\t') {
                    if let Some(p) = &mut pending {
                        p.value.end = line_end;
                    }
                    continue;
                }
                let Some(colon) = memchr::memchr(b':', line) else {
                    continue;
                };
                if let Some(p) = pending.take() {
                    if f(&p).is_break() {
                        return;
                    }
                }
                let name = &line[..colon];
                let trimmed = name.len()
                    - name
                        .iter()
                        .rev()
                        .take_while(|c| matches!(c, b' ' | b'\t'))
                        .count();
                pending = Some(Raw {
                    pos: start,
                    request: b.request,
                    origin: b.origin,
                    name: start..start + trimmed,
                    value: start + colon + 1..line_end,
                });
            }
            if let Some(p) = pending {
                if f(&p).is_break() {
                    return;
                }
            }
        }
    }

    /// The request number a query means (-1: the current one), checking
    /// the arguments as upstream does.
    fn request_of(&self, origins: u32, request: i32) -> Result<u32, HeaderError> {
        if origins == 0 || origins & !origin::ALL != 0 || request < -1 {
            return Err(HeaderError::BadArgument);
        }
        let mut any = false;
        self.walk(|_| {
            any = true;
            ControlFlow::Break(())
        });
        if !any {
            return Err(HeaderError::NoHeaders);
        }
        match u32::try_from(request) {
            Err(_) => Ok(self.request),
            Ok(r) if r > self.request => Err(HeaderError::NoRequest),
            Ok(r) => Ok(r),
        }
    }

    fn name(&self, r: &Raw) -> &[u8] {
        &self.bytes[r.name.clone()]
    }

    /// The value of `r`, trimmed and unfolded.
    fn value(&self, r: &Raw) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, line) in self.bytes[r.value.clone()]
            .split_inclusive(|&c| c == b'\n')
            .enumerate()
        {
            let end = line.len()
                - line
                    .iter()
                    .rev()
                    .take_while(|c| c.is_ascii_whitespace())
                    .count();
            let line = &line[..end];
            let lead = line.iter().take_while(|c| c.is_ascii_whitespace()).count();
            // The first line loses its leading blanks; a continuation keeps
            // the last one.
            let keep = if i == 0 || lead == 0 { lead } else { lead - 1 };
            out.extend_from_slice(&line[keep..]);
        }
        out
    }

    /// The `index`th header called `name` (ASCII case ignored) among
    /// those of `request` (-1: the current one) whose origin is in
    /// `origins`.
    pub fn header(
        &self,
        name: &[u8],
        index: usize,
        origins: u32,
        request: i32,
    ) -> Result<Found<'_>, HeaderError> {
        let request = self.request_of(origins, request)?;
        let mut amount = 0;
        let mut pick = None;
        self.walk(|r| {
            if r.request == request
                && r.origin & origins != 0
                && self.name(r).eq_ignore_ascii_case(name)
            {
                if amount == index {
                    pick = Some(r.clone());
                }
                amount += 1;
            }
            ControlFlow::Continue(())
        });
        match pick {
            _ if amount == 0 => Err(HeaderError::Missing),
            None => Err(HeaderError::BadIndex),
            Some(r) => Ok(self.found(&r, amount, index)),
        }
    }

    /// The header after the one at `prev` (an anchor; None: the first)
    /// among those of `request` (-1: the current one) whose origin is in
    /// `origins`, with its name's amount and index counted likewise.
    pub fn next(&self, origins: u32, request: i32, prev: Option<usize>) -> Option<Found<'_>> {
        let request = self.request_of(origins, request).ok()?;
        let wanted = |r: &Raw| r.request == request && r.origin & origins != 0;
        let mut pick = None;
        self.walk(|r| {
            if wanted(r) && prev.is_none_or(|p| r.pos > p) {
                pick = Some(r.clone());
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        let pick = pick?;
        let name = self.name(&pick);
        let (mut amount, mut index) = (0, 0);
        self.walk(|r| {
            if wanted(r) && self.name(r).eq_ignore_ascii_case(name) {
                if r.pos == pick.pos {
                    index = amount;
                }
                amount += 1;
            }
            ControlFlow::Continue(())
        });
        Some(self.found(&pick, amount, index))
    }

    fn found(&self, r: &Raw, amount: usize, index: usize) -> Found<'_> {
        Found {
            name: self.name(r),
            value: self.value(r),
            amount,
            index,
            origin: r.origin,
            anchor: r.pos,
        }
    }
}

/// The trimmed values of the header lines named `name` (given lowercase
/// with its colon, e.g. `"alt-svc:"`) among raw head `lines`, in order.
pub(crate) fn field_values<'l>(
    lines: impl Iterator<Item = &'l [u8]>,
    name: &'static str,
) -> impl Iterator<Item = &'l str> {
    lines
        .filter_map(|l| std::str::from_utf8(l).ok())
        .filter(move |line| {
            line.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
        })
        .map(move |line| line[name.len()..].trim_matches([' ', '\t', '\r', '\n']))
}

#[cfg(test)]
mod tests {
    use super::origin::*;
    use super::*;

    fn log() -> HeaderLog {
        let mut l = HeaderLog::new();
        l.push(
            HEADER,
            b"HTTP/1.1 302 Found\r\nLocation: /f\r\nX-Multi: one\r\n\r\n",
            true,
            true,
        );
        l.next_request();
        l.push(
            INFORMATIONAL,
            b"HTTP/1.1 100 Continue\r\nX-Info: early\r\n\r\n",
            true,
            true,
        );
        l.push(
            HEADER,
            b"HTTP/1.1 200 OK\r\nx-multi: a  \r\nX-Fold: one\r\n   two \r\n\tthree\r\nX-MULTI:\tb\r\nEmpty:\r\n\r\n",
            true,
            true,
        );
        l.push(TRAILER, b"X-T: tail\r\n\r\n", false, true);
        l
    }

    #[test]
    fn finds_by_name_index_origin_and_request() {
        let l = log();
        let h = l.header(b"X-MULTI", 1, HEADER, -1).unwrap();
        assert_eq!(
            (h.name, &h.value[..], h.amount, h.index, h.origin),
            (&b"X-MULTI"[..], &b"b"[..], 2, 1, HEADER)
        );
        assert_eq!(l.header(b"x-multi", 0, HEADER, 0).unwrap().value, b"one");
        assert_eq!(
            l.header(b"x-multi", 1, HEADER, 0),
            Err(HeaderError::BadIndex)
        );
        assert_eq!(l.header(b"x-t", 0, HEADER, -1), Err(HeaderError::Missing));
        assert_eq!(l.header(b"x-t", 0, TRAILER, -1).unwrap().value, b"tail");
        assert_eq!(
            l.header(b"x-info", 0, INFORMATIONAL, 1).unwrap().value,
            b"early"
        );
        assert_eq!(l.header(b"empty", 0, HEADER, 1).unwrap().value, b"");
        assert_eq!(
            l.header(b"x-fold", 0, HEADER, 1).unwrap().value,
            b"one two\tthree"
        );
        assert_eq!(l.header(b"x", 0, HEADER, 2), Err(HeaderError::NoRequest));
        assert_eq!(l.header(b"x", 0, 0, -1), Err(HeaderError::BadArgument));
        assert_eq!(l.header(b"x", 0, 64, -1), Err(HeaderError::BadArgument));
        assert_eq!(l.header(b"x", 0, HEADER, -2), Err(HeaderError::BadArgument));
        assert_eq!(
            HeaderLog::new().header(b"x", 0, HEADER, -1),
            Err(HeaderError::NoHeaders)
        );
    }

    #[test]
    fn next_walks_in_arrival_order() {
        let l = log();
        let mut names = Vec::new();
        let mut prev = None;
        while let Some(h) = l.next(HEADER | TRAILER | INFORMATIONAL, -1, prev) {
            names.push(format!(
                "{}={}/{}",
                String::from_utf8_lossy(h.name),
                h.index,
                h.amount
            ));
            prev = Some(h.anchor);
        }
        assert_eq!(
            names,
            [
                "X-Info=0/1",
                "x-multi=0/2",
                "X-Fold=0/1",
                "X-MULTI=1/2",
                "Empty=0/1",
                "X-T=0/1"
            ]
        );
        assert!(l.next(HEADER, 2, None).is_none());
    }

    /// A head taken into the log ends up as a copy would: into an empty
    /// log (handed over; new, or cleared after use) and after other
    /// blocks (copied), revealed or not; the taken buffer is left empty
    /// either way.
    #[test]
    fn push_taken_logs_what_push_logs() {
        let heads: [&[u8]; 2] = [
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n",
        ];
        for (reveal, used) in [(true, false), (false, false), (true, true), (false, true)] {
            let (mut copied, mut taken) = (HeaderLog::new(), HeaderLog::new());
            // A buffer the log had before: it goes to the head.
            taken.bytes = Vec::with_capacity(64);
            if used {
                // A log cleared after a transfer: room for a block (the
                // inline way), as a reused handle's log has.
                taken.push(HEADER, b"HTTP/1.1 204 No Content\r\n\r\n", true, true);
                taken.clear();
            }
            for (i, head) in heads.iter().enumerate() {
                let origin = if i == 0 { INFORMATIONAL } else { HEADER };
                copied.push(origin, head, true, reveal);
                let mut raw = head.to_vec();
                taken.push_taken(origin, &mut raw, reveal);
                assert!(raw.is_empty(), "head {i}: the buffer is left empty");
                assert_eq!(taken.bytes, copied.bytes, "head {i}");
                assert_eq!(taken.visible, copied.visible, "head {i}");
                assert_eq!(
                    format!("{:?}", taken.blocks),
                    format!("{:?}", copied.blocks),
                    "head {i}"
                );
            }
        }
    }

    #[test]
    fn only_revealed_lines_are_seen() {
        let mut l = HeaderLog::new();
        let head = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n";
        l.push(HEADER, head, true, false);
        assert_eq!(l.header(b"a", 0, HEADER, -1), Err(HeaderError::NoHeaders));
        l.reveal(b"HTTP/1.1 200 OK\r\nA: 1\r\n".len());
        assert_eq!(l.header(b"a", 0, HEADER, -1).unwrap().value, b"1");
        assert_eq!(l.header(b"b", 0, HEADER, -1), Err(HeaderError::Missing));
        l.clear();
        assert_eq!(l.header(b"a", 0, HEADER, -1), Err(HeaderError::NoHeaders));
    }
}
