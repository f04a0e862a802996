//! Dates as upstream's `getdate` reads them: HTTP's three formats (RFC
//! 1123 `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94
//! 08:49:37 GMT`, asctime `Sun Nov  6 08:49:37 1994`) and the looser
//! forms the same reader accepts: the parts in any order, a missing time
//! (midnight) or zone (GMT), `+hhmm`/`-hhmm` offsets, zone names, military
//! letters, `YYYYMMDD`. `fetch_getdate` is this function; the engine uses
//! it for date headers.
//!
//! The reader takes at most six parts (weekday, day, month, year, time,
//! zone) and ignores what follows them; a word it does not know before
//! then makes the whole date invalid. These rules and the zone table are
//! facts checked against the installed libcurl at test time
//! (crates/fetch-capi/tests/upstream_texts.rs).

/// Zone names and the minutes to add to their local time to get GMT.
const ZONES: &[(&str, i64)] = &[
    ("GMT", 0),
    ("UT", 0),
    ("UTC", 0),
    ("WET", 0),
    ("BST", -60),
    ("WAT", 60),
    ("AST", 240),
    ("ADT", 180),
    ("EST", 300),
    ("EDT", 240),
    ("CST", 360),
    ("CDT", 300),
    ("MST", 420),
    ("MDT", 360),
    ("PST", 480),
    ("PDT", 420),
    ("YST", 540),
    ("YDT", 480),
    ("HST", 600),
    ("HDT", 540),
    ("CAT", 600),
    ("AHST", 600),
    ("NT", 660),
    ("IDLW", 720),
    ("CET", -60),
    ("MET", -60),
    ("MEWT", -60),
    ("MEST", -120),
    ("CEST", -120),
    ("MESZ", -120),
    ("FWT", -60),
    ("FST", -120),
    ("EET", -120),
    ("WAST", -420),
    ("WADT", -480),
    ("CCT", -480),
    ("JST", -540),
    ("EAST", -600),
    ("EADT", -660),
    ("GST", -600),
    ("NZT", -720),
    ("NZST", -720),
    ("NZDT", -780),
    ("IDLE", -720),
];

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A weekday: its three-letter abbreviation or its full name.
fn is_day(word: &[u8]) -> bool {
    DAYS.iter().any(|d| match word.len() {
        3 => d.as_bytes()[..3].eq_ignore_ascii_case(word),
        n if n > 3 => d.as_bytes().eq_ignore_ascii_case(word),
        _ => false,
    })
}

/// A month (0-based) from its three-letter abbreviation only.
fn month(word: &[u8]) -> Option<i64> {
    MONTHS
        .iter()
        .position(|m| m.as_bytes().eq_ignore_ascii_case(word))
        .map(|m| m as i64)
}

/// A zone name's minutes to GMT; single letters are military zones (A-I,
/// K-M ahead of GMT, N-Y behind, Z is GMT; J is not a zone).
fn zone(word: &[u8]) -> Option<i64> {
    if let [l] = word {
        let l = l.to_ascii_uppercase();
        let n = i64::from(l) - i64::from(b'A');
        return match l {
            b'A'..=b'I' => Some((n + 1) * 60),
            b'K'..=b'M' => Some(n * 60),
            b'N'..=b'Y' => Some(-(n - 12) * 60),
            b'Z' => Some(0),
            _ => None,
        };
    }
    ZONES
        .iter()
        .find(|(z, _)| z.as_bytes().eq_ignore_ascii_case(word))
        .map(|&(_, m)| m)
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian;
/// `m` is 1-based).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One to two digits at `text[*i..]` (after optional blanks when
/// `blanks`), advancing `i`.
fn two_digits(text: &[u8], i: &mut usize, blanks: bool) -> Option<i64> {
    if blanks {
        while text.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    }
    let start = *i;
    while *i - start < 2 && text.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    std::str::from_utf8(&text[start..*i]).ok()?.parse().ok()
}

/// `H:MM:SS` or `H:MM` at `start` (each field one or two digits): the
/// time and where it ends.
fn clock(text: &[u8], start: usize) -> Option<([i64; 3], usize)> {
    let mut i = start;
    let h = two_digits(text, &mut i, false)?;
    if text.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let m = two_digits(text, &mut i, true)?;
    if text.get(i) == Some(&b':') {
        let mut j = i + 1;
        if let Some(s) = two_digits(text, &mut j, true) {
            return Some(([h, m, s], j));
        }
    }
    Some(([h, m, 0], i))
}

/// Which number a bare number is taken as next.
#[derive(PartialEq)]
enum Next {
    Day,
    Year,
}

/// The parts read so far.
struct Parts {
    month: Option<i64>,
    day: Option<i64>,
    year: Option<i64>,
    time: Option<[i64; 3]>,
    /// Seconds to add to reach GMT.
    zone: Option<i64>,
    weekday: bool,
    next: Next,
}

impl Parts {
    /// A word: weekday, month or zone, each once, in that order of trial.
    fn word(&mut self, word: &[u8]) -> bool {
        if !self.weekday && is_day(word) {
            self.weekday = true;
        } else if let (None, Some(m)) = (self.month, month(word)) {
            self.month = Some(m);
        } else if let (None, Some(z)) = (self.zone, zone(word)) {
            self.zone = Some(z * 60);
        } else {
            return false;
        }
        true
    }

    /// A number of `len` digits, `sign` the byte before it (if any).
    fn number(&mut self, val: i64, len: usize, sign: Option<u8>) -> bool {
        if let (None, 4, true, Some(s @ (b'+' | b'-'))) = (self.zone, len, val <= 1400, sign) {
            let secs = (val / 100 * 60 + val % 100) * 60;
            self.zone = Some(if s == b'+' { -secs } else { secs });
            return true;
        }
        if len == 8 && self.year.is_none() && self.month.is_none() && self.day.is_none() {
            self.year = Some(val / 10_000);
            self.month = Some((val % 10_000) / 100 - 1);
            self.day = Some(val % 100);
            return true;
        }
        if self.next == Next::Day && self.day.is_none() {
            self.next = Next::Year;
            if (1..32).contains(&val) {
                self.day = Some(val);
                return true;
            }
        }
        if self.next == Next::Year && self.year.is_none() {
            self.year = Some(match val {
                0..=70 => val + 2000,
                71..=99 => val + 1900,
                _ => val,
            });
            if self.day.is_none() {
                self.next = Next::Day;
            }
            return true;
        }
        false
    }

    /// The parts as seconds since the epoch, when they make a date.
    fn finish(self) -> Option<i64> {
        let [h, mi, s] = self.time.unwrap_or([0; 3]);
        let (day, month, year) = (self.day?, self.month?, self.year?);
        if year < 1583 || day > 31 || !(0..12).contains(&month) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let t = days_from_civil(year, month + 1, day) * 86_400 + h * 3600 + mi * 60 + s;
        let t = t.checked_add(self.zone.unwrap_or(0))?;
        // -1 is how the C function says "failed": a valid date one second
        // before the epoch reads as 0, as upstream.
        Some(if t == -1 { 0 } else { t })
    }
}

/// The date in `text` as seconds since the epoch, or None when upstream's
/// getdate would answer -1.
pub fn getdate(text: &[u8]) -> Option<i64> {
    let mut p = Parts {
        month: None,
        day: None,
        year: None,
        time: None,
        zone: None,
        weekday: false,
        next: Next::Day,
    };
    let mut i = 0;
    for _ in 0..6 {
        while text.get(i).is_some_and(|c| !c.is_ascii_alphanumeric()) {
            i += 1;
        }
        let Some(&c) = text.get(i) else { break };
        let start = i;
        if c.is_ascii_alphabetic() {
            while i - start < 31 && text.get(i).is_some_and(u8::is_ascii_alphabetic) {
                i += 1;
            }
            if !p.word(&text[start..i]) {
                return None;
            }
        } else if let Some((t, end)) = p.time.is_none().then(|| clock(text, start)).flatten() {
            p.time = Some(t);
            i = end;
        } else {
            while text.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let val: i64 = std::str::from_utf8(&text[start..i]).ok()?.parse().ok()?;
            if val > i64::from(i32::MAX) {
                return None;
            }
            let sign = start.checked_sub(1).map(|s| text[s]);
            if !p.number(val, i - start, sign) {
                return None;
            }
        }
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::getdate;

    #[test]
    fn the_three_http_date_formats_agree() {
        let want = Some(784_111_777);
        assert_eq!(getdate(b"Sun, 06 Nov 1994 08:49:37 GMT"), want);
        assert_eq!(getdate(b"Sunday, 06-Nov-94 08:49:37 GMT"), want);
        assert_eq!(getdate(b"Sun Nov  6 08:49:37 1994"), want);
        assert_eq!(getdate(b"Sun, 06 Nov 1994 09:49:37 +0100"), want);
        assert_eq!(getdate(b"Sun, 06 Nov 1994 00:49:37 PST"), want);
        assert_eq!(getdate(b"Sun, 06 Nov 1994 07:49:37 A"), want);
        assert_eq!(getdate(b"Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(getdate(b"Wed, 31 Dec 1969 23:59:59 GMT"), Some(0));
        assert_eq!(getdate(b"not a date"), None);
        assert_eq!(getdate(b""), None);
    }

    #[test]
    fn six_parts_then_anything() {
        let want = Some(784_111_777);
        assert_eq!(getdate(b"Sun, 06 Nov 1994 08:49:37 GMT junk"), want);
        assert_eq!(getdate(b"06 Nov 1994 08:49:37 GMT junk"), None);
        assert_eq!(getdate(b"Sunday, 06-November-1994 08:49:37 GMT"), None);
    }
}
