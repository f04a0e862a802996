//! The fast reader of plain heads (see the parent module's docs): one pass
//! over the head, the common header names told apart by their first eight
//! bytes and never scanned, values checked eight bytes at a time, and only
//! the lines the facts keep looked at again.

use super::{Field, HeadFacts, Parsed, name_run};

/// The first eight bytes of `s` (zero-padded) as a little-endian word.
pub(super) const fn word(s: &[u8]) -> u64 {
    let mut w = 0;
    let mut i = 0;
    while i < s.len() && i < 8 {
        w |= (s[i] as u64) << (8 * i);
        i += 1;
    }
    w
}

/// Where the value starts when `line` starts with one of the header names
/// servers send most, spelled as they spell them, its colon and the usual
/// single space (every byte before that colon is a tchar, so [`name_run`]
/// would stop at the same place), with the field it is. `None` otherwise
/// (then [`other_name`] looks). Names are told apart by their first eight
/// bytes, compared as one word; the space is compared with the rest of
/// the name, so that the value needs no trimming where the facts keep it.
#[inline(always)]
pub(super) fn known_name(line: &[u8]) -> Option<(usize, Field)> {
    let first = u64::from_le_bytes(line.get(..8)?.try_into().ok()?);
    // The rest of the name after its first eight bytes, the colon and
    // the space.
    let whole = |name: &[u8], field: Field| {
        (line.get(8..name.len()) == name.get(8..)).then_some((name.len(), field))
    };
    const SIX: u64 = (1 << 48) - 1;
    const CONTENT: u64 = word(b"Content-");
    const CONNECTI: u64 = word(b"Connecti");
    const LASTMOD: u64 = word(b"Last-Mod");
    const ACCEPTR: u64 = word(b"Accept-R");
    const CACHECO: u64 = word(b"Cache-Co");
    const TRANSFER: u64 = word(b"Transfer");
    const LOCATION: u64 = word(b"Location");
    const KEEPALI: u64 = word(b"Keep-Ali");
    const SETCOOK: u64 = word(b"Set-Cook");
    const EXPIRES: u64 = word(b"Expires:");
    const SERVER: u64 = word(b"Server: ");
    match first {
        CONTENT => match line.get(8)? {
            b'T' => whole(b"Content-Type: ", Field::ContentType),
            b'L' => whole(b"Content-Length: ", Field::ContentLength),
            b'E' => whole(b"Content-Encoding: ", Field::ContentEncoding),
            _ => None,
        },
        CONNECTI => whole(b"Connection: ", Field::Connection),
        LASTMOD => whole(b"Last-Modified: ", Field::LastModified),
        ACCEPTR => whole(b"Accept-Ranges: ", Field::Other),
        CACHECO => whole(b"Cache-Control: ", Field::Other),
        TRANSFER => whole(b"Transfer-Encoding: ", Field::TransferEncoding),
        LOCATION => whole(b"Location: ", Field::Location),
        KEEPALI => whole(b"Keep-Alive: ", Field::Other),
        SETCOOK => whole(b"Set-Cookie: ", Field::Other),
        EXPIRES => whole(b"Expires: ", Field::Other),
        SERVER => Some((8, Field::Other)),
        _ if first & SIX == word(b"Date: ") => Some((6, Field::Other)),
        _ if first & SIX == word(b"ETag: ") || first & SIX == word(b"Vary: ") => {
            Some((6, Field::Other))
        }
        _ => None,
    }
}

/// The length of the run of value bytes (see [`super::CLASS`]) at the
/// start of `s`, eight bytes at a time while they are all visible ASCII
/// or space. (Inlined: the fast reader calls it once per line.)
#[inline(always)]
pub(super) fn text_run(s: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = s.chunks_exact(8);
    let mut i = 0;
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // A high bit per byte below 0x20 or above 0x7e. The lowest flagged
        // byte is exact (borrows and carries only move upwards).
        let below = w.wrapping_sub(ONES * 0x20) & !w;
        let above = w.wrapping_add(ONES) | w;
        let bad = (below | above) & HIGH;
        if bad != 0 {
            let k = (bad.trailing_zeros() / 8) as usize;
            let at = i + k;
            // A tab is a value byte too; the rest is looked at byte by byte.
            return match chunk.get(k) {
                Some(b'\t') => at + 1 + text_bytes(&s[at + 1..]),
                _ => at,
            };
        }
        i += 8;
    }
    i + text_bytes(chunks.remainder())
}

/// [`text_run`] byte by byte: after a tab, and for the last bytes.
#[inline(never)]
fn text_bytes(s: &[u8]) -> usize {
    s.iter()
        .position(|&b| super::CLASS[usize::from(b)] & super::TEXT == 0)
        .unwrap_or(s.len())
}

const HTTP11: u64 = u64::from_le_bytes(*b"HTTP/1.1");
const HTTP10: u64 = u64::from_le_bytes(*b"HTTP/1.0");

/// The status line at the front of `buf`: `HTTP/1.x NNN`, then nothing or
/// one space and a reason, then CRLF. The version, the status and where
/// the line ends (after its CRLF).
#[inline(always)]
fn status_line(buf: &[u8]) -> Option<(u8, u16, usize)> {
    // The status line most responses have, compared whole.
    if buf.first_chunk::<17>() == Some(b"HTTP/1.1 200 OK\r\n") {
        return Some((1, 200, 17));
    }
    // The version as one word.
    let version = u64::from_le_bytes(*buf.first_chunk::<8>()?);
    let minor_version = match version {
        HTTP11 => 1,
        HTTP10 => 0,
        _ => return None,
    };
    if buf.get(8)? != &b' ' {
        return None;
    }
    let code = buf.get(9..12)?;
    if !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let status = code
        .iter()
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    let end = match buf.get(12..14)? {
        b"\r\n" => 14,
        // One space, then the reason up to CRLF (a second space would be
        // another delimiter: httparse's business).
        [b' ', b' '] => return None,
        [b' ', _] => {
            let len = text_run(&buf[13..]);
            if buf.get(13 + len..15 + len)? != b"\r\n" {
                return None;
            }
            15 + len
        }
        _ => return None,
    };
    Some((minor_version, status, end))
}

/// Where the value starts when `line` starts with a name and its colon
/// (after the colon and one space, if there is one), and the field the
/// name is: for a line [`known_name`] does not know. (Out of line, so
/// that the byte-class table and the name compare take no registers in
/// the reader's loop.)
#[inline(never)]
pub(super) fn other_name(line: &[u8]) -> Option<(usize, Field)> {
    let n = name_run(line);
    if n == 0 || line.get(n)? != &b':' {
        return None;
    }
    let space = usize::from(line.get(n + 1) == Some(&b' '));
    Some((n + 1 + space, Field::of(&line[..n])))
}

/// Reads a plain head (see the module docs) or says `None` for anything
/// else; never an error, so httparse words every refusal.
pub(in crate::http) fn fast(raw: &[u8]) -> Option<Parsed<'_>> {
    let mut facts = HeadFacts::new();
    let (end, minor_version, status) = fast_prefix(raw, &mut facts)?;
    (end == raw.len()).then_some(Parsed {
        minor_version,
        status,
        facts,
    })
}

/// [`fast`] on the front of `buf`: a plain head there, and where it ends
/// (after its empty line), whatever follows it: `(end, minor version,
/// status)`, with what its header lines say noted in `facts` (a new
/// [`HeadFacts`]; filled in place, so the caller reads it where it is).
/// `None` also for a head not complete in `buf` (then `facts` holds
/// whatever its lines said, to be thrown away). Since a plain head has no
/// bare LF, its empty line is the first empty line in `buf`: the end a
/// search for it finds. (Inline: the decoder's one call of it is the
/// hot one.)
#[inline(always)]
pub(in crate::http) fn fast_prefix<'h>(
    buf: &'h [u8],
    facts: &mut HeadFacts<'h>,
) -> Option<(usize, u8, u16)> {
    let (minor_version, status, start) = status_line(buf)?;
    // The rest of `buf` from the start of the current line.
    let mut line = buf.get(start..)?;
    loop {
        let (value_at, field) = match known_name(line) {
            Some(known) => known,
            // The empty line ends the head.
            None if line.starts_with(b"\r\n") => {
                return Some((buf.len() - line.len() + 2, minor_version, status));
            }
            None => other_name(line)?,
        };
        let rest = line.get(value_at..)?;
        let len = text_run(rest);
        let (value, after) = rest.split_at_checked(len)?;
        // CRLF. (An obs-fold continuation on the next line is refused
        // there: a line starting with a space or tab has no known name,
        // is not the empty line and has no name for `other_name`.)
        if !after.starts_with(b"\r\n") {
            return None;
        }
        if field != Field::Other {
            // Without the usual single space after the colon (not part of
            // the value), so that the common values compare whole (the
            // rest is trimmed where used).
            facts.note(field, value);
        }
        line = &after[2..];
    }
}
