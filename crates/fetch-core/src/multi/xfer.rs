//! What the transfer options of `crate::xfer` do to an exchange, as
//! upstream does it: the request lines they add (Referer, Range, the time
//! condition), the checks on a final response head (FAILONERROR, a 304 or
//! a document that fails the time condition, a resume the server ignored),
//! the info read from heads (Content-Type, Last-Modified, Retry-After, the
//! HTTP version), and the redirect rules (allowed schemes, AUTOREFERER,
//! POSTREDIR).

use super::response::Outcome;
use super::*;
use crate::http::{ResponseHead, date};
use crate::xfer::TimeCondition;
use url::Url;

/// Each `(name, value)` field of a head, values trimmed (lines that are
/// not UTF-8 or have no colon are skipped).
fn head_fields(head: &ResponseHead) -> impl Iterator<Item = (&str, &str)> {
    head.lines().skip(1).filter_map(|line| {
        let line = std::str::from_utf8(line).ok()?;
        let (n, v) = line.split_once(':')?;
        Some((n.trim(), v.trim()))
    })
}

/// The value of the last `name:` field of a head, trimmed.
fn head_value<'h>(head: &'h ResponseHead, name: &str) -> Option<&'h str> {
    head_fields(head)
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .last()
}

/// Whether the application's header lines set (or remove) `name`.
fn user_has(headers: &[String], name: &str) -> bool {
    headers.iter().any(|h| {
        h.len() > name.len()
            && h.is_char_boundary(name.len())
            && h[..name.len()].eq_ignore_ascii_case(name)
            && matches!(h.as_bytes()[name.len()], b':' | b';')
    })
}

/// The request lines the options add, each unless the application sets
/// that header itself.
pub(super) fn request_lines(easy: &Easy, method: &Method) -> Vec<String> {
    let (x, user) = (&easy.xfer, easy.headers.as_slice());
    let mut lines = Vec::new();
    if let Some(r) = &easy.info.referer {
        if !user_has(user, "referer") {
            lines.push(format!("Referer: {r}"));
        }
    }
    // RESUME_FROM wins over RANGE, as upstream; only GET and HEAD ask.
    let range = match (x.resume_from, &x.range) {
        (0, r) => r.clone(),
        (n, _) => Some(format!("{n}-")),
    };
    if let (Some(r), Method::Get | Method::Head) = (range, method) {
        if !user_has(user, "range") {
            lines.push(format!("Range: bytes={r}"));
        }
    }
    let condition = match x.time_condition {
        TimeCondition::None => None,
        TimeCondition::IfModifiedSince => Some("If-Modified-Since"),
        TimeCondition::IfUnmodifiedSince => Some("If-Unmodified-Since"),
        TimeCondition::LastModified => Some("Last-Modified"),
    };
    if let Some(name) = condition {
        if !user_has(user, &name.to_ascii_lowercase()) {
            lines.push(format!("{name}: {}", date::format(x.time_value)));
        }
    }
    lines
}

/// Seconds since the epoch now (the wall clock: Retry-After dates).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `Retry-After`: an HTTP date (as seconds from now) or delay-seconds;
/// 0 when it is neither, as upstream.
fn retry_after(value: &str) -> i64 {
    if let Some(at) = date::parse(value) {
        return at - unix_now();
    }
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    value[..digits].parse().unwrap_or(0)
}

/// Whether a document modified at `doc` meets the time condition.
fn meets(cond: TimeCondition, value: i64, doc: i64) -> bool {
    match cond {
        _ if value == 0 => true,
        TimeCondition::None => true,
        TimeCondition::IfUnmodifiedSince => doc <= value,
        TimeCondition::IfModifiedSince | TimeCondition::LastModified => doc > value,
    }
}

/// Whether a `Content-Range` answers a resume from `offset`: its first
/// byte is `offset`, or it is `*/size` (upstream then gets everything).
fn range_starts_at(head: &ResponseHead, offset: u64) -> bool {
    let Some(v) = head_value(head, "content-range") else {
        return false;
    };
    let v = v.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '*');
    if v.starts_with('*') {
        return true;
    }
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    v[..digits].parse::<u64>().ok() == Some(offset)
}

/// What a final response head tells the info (every response of the
/// transfer, redirects included, as upstream reads each header line).
/// (Inline: once per final head, into its HTTP/1.1 and HTTP/2 callers.)
#[inline(always)]
pub(super) fn note_head_info(t: &mut Transfer, head: &ResponseHead) {
    let filetime = !t.easy.xfer.is_unset() && t.easy.xfer.filetime;
    let state = &mut *t.easy;
    let info = &mut state.info;
    info.http_version = if head.minor_version == 0 { 10 } else { 11 };
    info.content_length_download = head.content_length;
    // The fields were found in the framing pass; the last of each wins.
    let f = &head.info_fields;
    if let Some(value) = head.info_bytes(&f.content_type) {
        let spare = &mut state.spare.content_type;
        crate::transfer_info::set_str_bytes(&mut info.content_type, spare, value);
    }
    if let Some(value) = head.info_field(&f.retry_after) {
        info.retry_after = retry_after(value);
    }
    if filetime {
        if let Some(at) = head.info_field(&f.last_modified).and_then(date::parse) {
            info.filetime = Some(at);
        }
    }
}

/// The checks on a final head once its lines were delivered: `Some` ends
/// the exchange (a failure, or a success without the body). (Inline: with
/// the options at their defaults, the usual case, no call is made.)
#[inline]
pub(super) fn check_final_head(t: &mut Transfer, head: &ResponseHead) -> Option<Outcome> {
    // Options at their defaults (no FAILONERROR, time condition or
    // resume): there is nothing to check.
    if t.easy.xfer.is_unset() {
        return None;
    }
    check_final_head_with_options(t, head)
}

/// [`check_final_head`] when a transfer option of the group is set.
#[inline(never)]
fn check_final_head_with_options(t: &mut Transfer, head: &ResponseHead) -> Option<Outcome> {
    let x = &t.easy.xfer;
    let status = head.status;
    // A redirect being followed, or a 401 answered by resending with
    // credentials: this head is not the transfer's last.
    if t.discarding() {
        return None;
    }
    if x.fail_on_error && status >= 400 {
        return Some(Outcome::Failed(Error::new(
            ErrorCode::HttpReturnedError,
            format!("The requested URL returned error: {status}"),
        )));
    }
    let cond = x.time_condition;
    if status == 304 && cond != TimeCondition::None {
        t.easy.info.condition_unmet = true;
        return None;
    }
    let body =
        t.method != Method::Head && !matches!(status, 204 | 304) && head.content_length != Some(0);
    if !body {
        return None;
    }
    if cond != TimeCondition::None && x.range.is_none() && x.resume_from == 0 {
        let doc = head_value(head, "last-modified").and_then(date::parse);
        if doc.is_some_and(|doc| !meets(cond, x.time_value, doc)) {
            // Upstream answers for the server: a 304, no body, and the
            // connection is not reused (the body is left unread).
            t.easy.info.condition_unmet = true;
            t.easy.info.response_code = 304;
            t.easy
                .trace_text(|| "Simulate an HTTP 304 response".to_owned());
            return Some(Outcome::Finished { reusable: false });
        }
    }
    let offset = x.resume_from;
    if offset > 0 && t.method == Method::Get && !range_starts_at(head, offset) {
        if head.content_length == Some(offset) {
            t.easy
                .trace_text(|| "The entire document is already downloaded".to_owned());
            return Some(Outcome::Finished { reusable: false });
        }
        return Some(Outcome::Failed(Error::new(
            ErrorCode::RangeError,
            "HTTP server doesn't seem to support byte ranges. Cannot resume.",
        )));
    }
    None
}

/// The error for a URL whose scheme the options do not allow.
fn disallowed(scheme: &str) -> Error {
    Error::new(
        ErrorCode::UnsupportedProtocol,
        format!("Protocol \"{scheme}\" not supported or disabled in libfetch"),
    )
}

/// PROTOCOLS (and DISALLOW_USERNAME_IN_URL) for a transfer's first URL. (Inline: at the default, the
/// usual case, it is one test.)
#[inline]
pub(super) fn check_first_scheme(easy: &Easy, dest: &Dest) -> Result<(), Error> {
    if easy.xfer.is_unset() {
        // The default allows every scheme, and a target is http or https.
        return Ok(());
    }
    check_userinfo(easy, dest)?;
    let scheme = dest.url.scheme();
    if easy.xfer.protocols.allows(scheme) {
        Ok(())
    } else {
        Err(disallowed(scheme))
    }
}

/// DISALLOW_USERNAME_IN_URL: a URL with user information is refused
/// before its scheme is looked at, as upstream's URL parser refuses it
/// (FETCHE_LOGIN_DENIED; the detail is the URL API's text for
/// FETCHUE_USER_NOT_ALLOWED, where upstream 7.88 leaves the error buffer
/// empty).
fn check_userinfo(easy: &Easy, dest: &Dest) -> Result<(), Error> {
    if easy.xfer.disallow_username && dest.has_userinfo {
        return Err(Error::new(
            ErrorCode::LoginDenied,
            "URL rejected: Credentials was passed in the URL when prohibited",
        ));
    }
    Ok(())
}

/// PROTOCOLS and REDIR_PROTOCOLS for a redirect's target (and
/// DISALLOW_USERNAME_IN_URL).
pub(super) fn check_redirect_scheme(easy: &Easy, dest: &Dest) -> Result<(), Error> {
    check_userinfo(easy, dest)?;
    let scheme = dest.url.scheme();
    let x = &easy.xfer;
    if x.protocols.allows(scheme) && x.redir_protocols.allows(scheme) {
        Ok(())
    } else {
        Err(disallowed(scheme))
    }
}

/// Whether a redirect with `status` turns `method` into a GET: a 303
/// (but HEAD), a POST on 301 and 302, each unless POSTREDIR keeps it.
pub(super) fn redirect_to_get(easy: &Easy, status: u16, method: &Method) -> bool {
    let keep = easy.xfer.post_redirect.keeps(status);
    match status {
        303 => *method != Method::Head && !keep,
        301 | 302 => *method == Method::Post && !keep,
        _ => false,
    }
}

/// AUTOREFERER: the URL redirected from, without user, password and
/// fragment, becomes the Referer of what follows.
pub(super) fn auto_referer(easy: &mut Easy, from: &Url) {
    if !easy.xfer.auto_referer {
        return;
    }
    let mut url = from.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    easy.info.referer = Some(url.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_headers_win() {
        let h = vec!["referer: x".to_owned(), "Range;".to_owned()];
        assert!(user_has(&h, "referer") && user_has(&h, "range"));
        assert!(!user_has(&h, "ref"));
    }

    /// `check_final_head` and `note_head_info` skip a group without a
    /// block of its own: its defaults ask for no check and no FILETIME.
    #[test]
    fn unset_transfer_options_ask_for_no_check() {
        let mut easy = Easy::new();
        assert!(easy.xfer.is_unset());
        let x = &*easy.xfer;
        assert!(!x.fail_on_error && !x.filetime && x.range.is_none() && x.resume_from == 0);
        assert_eq!(x.time_condition, TimeCondition::None);
        // Setting an option gives the group a block: the checks run again.
        easy.fail_on_error(true);
        assert!(!easy.xfer.is_unset());
    }

    #[test]
    fn time_conditions() {
        use TimeCondition::*;
        assert!(meets(IfModifiedSince, 10, 11) && !meets(IfModifiedSince, 10, 10));
        assert!(meets(IfUnmodifiedSince, 10, 10) && !meets(IfUnmodifiedSince, 10, 11));
        assert!(meets(IfModifiedSince, 0, 5));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after("120"), 120);
        assert_eq!(retry_after("soon"), 0);
        assert!(retry_after("Sun, 06 Nov 1994 08:49:37 GMT") < 0);
    }
}
