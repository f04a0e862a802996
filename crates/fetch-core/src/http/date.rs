//! HTTP dates: reading `Last-Modified` / `Retry-After` values and writing
//! `If-Modified-Since` ones. Reads the three RFC 9110 forms (IMF-fixdate,
//! RFC 850, asctime) and the usual variations of them (any order of the
//! parts, a numeric zone); writes IMF-fixdate.

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `hh:mm[:ss]`.
fn clock(token: &str) -> Option<i64> {
    let mut parts = token.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m) = (parts.next()??, parts.next()??);
    let s = parts.next().unwrap_or(Some(0))?;
    (parts.next().is_none() && h < 24 && m < 60 && s <= 60).then_some(h * 3600 + m * 60 + s)
}

/// A numeric zone, `+hhmm` / `-hhmm`, as seconds east of UTC.
fn zone(token: &str) -> Option<i64> {
    let (sign, digits) = match token.as_bytes().first()? {
        b'+' => (1, &token[1..]),
        b'-' => (-1, &token[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(sign * ((v / 100) * 3600 + (v % 100) * 60))
}

/// Seconds since the epoch of an HTTP date, `None` when it is not one.
pub(crate) fn parse(text: &str) -> Option<i64> {
    let (mut day, mut month, mut year, mut time, mut offset) = (None, None, None, None, 0);
    let tokens = text
        .split([' ', ',', '\t'])
        .flat_map(|t| {
            // RFC 850 joins the date with dashes: 06-Nov-94.
            if t.starts_with(['+', '-']) {
                vec![t]
            } else {
                t.split('-').collect()
            }
        })
        .filter(|t| !t.is_empty());
    for token in tokens {
        let lower = token.to_ascii_lowercase();
        if let Some(m) = MONTHS.iter().position(|m| lower.starts_with(m)) {
            month = Some(m as i64 + 1);
        } else if WEEKDAYS.iter().any(|d| lower.starts_with(d))
            || matches!(lower.as_str(), "gmt" | "utc" | "ut" | "z")
        {
            // Day names and the UTC zone say nothing more.
        } else if token.contains(':') {
            time = Some(clock(token)?);
        } else if let Some(z) = zone(token) {
            offset = z;
        } else if token.bytes().all(|b| b.is_ascii_digit()) {
            let n: i64 = token.parse().ok()?;
            if day.is_none() && token.len() <= 2 && (1..=31).contains(&n) {
                day = Some(n);
            } else if year.is_none() {
                year = Some(match (token.len(), n) {
                    (2, n) if n < 70 => 2000 + n,
                    (2, n) => 1900 + n,
                    _ => n,
                });
            } else {
                return None;
            }
        } else {
            return None;
        }
    }
    let (day, month, year) = (day?, month?, year?);
    Some(days_from_civil(year, month, day) * 86_400 + time.unwrap_or(0) - offset)
}

/// IMF-fixdate of seconds since the epoch: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn format(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = WEEKDAYS[(days + 4).rem_euclid(7) as usize];
    let month = MONTHS[(m - 1) as usize];
    let cap = |s: &str| format!("{}{}", s[..1].to_ascii_uppercase(), &s[1..]);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        cap(weekday),
        cap(month),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms() {
        let t = 784_111_777;
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(parse("Sun, 06 Nov 1994 09:49:37 +0100"), Some(t));
        assert_eq!(parse("garbage"), None);
        assert_eq!(parse("120"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn formats_imf_fixdate() {
        assert_eq!(format(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(parse(&format(1_700_000_000)), Some(1_700_000_000));
    }
}
