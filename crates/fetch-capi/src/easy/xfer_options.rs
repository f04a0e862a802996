// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion)]
//! The transfer options of issue 14 (PATH_AS_IS, REFERER, AUTOREFERER,
//! FAILONERROR, RANGE, RESUME_FROM, FILETIME, PROTOCOLS(_STR),
//! REDIR_PROTOCOLS(_STR), POSTREDIR, HEADEROPT, TIMECONDITION/TIMEVALUE,
//! and later DISALLOW_USERNAME_IN_URL and REQUEST_TARGET, and
//! IGNORE_CONTENT_LENGTH and HTTP200ALIASES of decision 93):
//! their table (a second part of the easy option table, see
//! `EASY_OPTIONS`), what setopt keeps, and how it reaches the engine
//! transfer ([`XferOpts::apply`]). Setopt checks their arguments as
//! upstream's does.

use std::ffi::{CStr, CString};

use fetch_core::{Easy, PostRedirect, Protocols, TimeCondition};

use super::{Arg, EasyOpt};
use crate::codes::*;
use crate::easy::{Options, dirty};
use crate::slist::fetch_slist;

/// What setopt keeps of these options.
#[derive(Clone)]
pub(crate) struct XferOpts {
    path_as_is: bool,
    referer: Option<CString>,
    auto_referer: bool,
    fail_on_error: bool,
    range: Option<CString>,
    resume_from: u64,
    filetime: bool,
    protocols: Protocols,
    redir_protocols: Protocols,
    post_redirect: u8,
    /// FETCHOPT_HEADEROPT: FETCHHEADER_SEPARATE. Only PROXYHEADER makes
    /// the two ways differ, and it is not built, so it is recorded, never
    /// read.
    #[allow(dead_code, reason = "PROXYHEADER is not built: nothing to separate")]
    separate_headers: bool,
    time_condition: TimeCondition,
    time_value: i64,
    disallow_username: bool,
    request_target: Option<CString>,
    ignore_content_length: bool,
    /// FETCHOPT_HTTP200ALIASES: the list's strings, copied at setopt.
    http200_aliases: Vec<Vec<u8>>,
}

impl Default for XferOpts {
    fn default() -> Self {
        Self {
            path_as_is: false,
            referer: None,
            auto_referer: false,
            fail_on_error: false,
            range: None,
            resume_from: 0,
            filetime: false,
            protocols: Protocols::ALL,
            redir_protocols: Protocols::HTTP_HTTPS,
            post_redirect: 0,
            separate_headers: false,
            time_condition: TimeCondition::None,
            time_value: 0,
            disallow_username: false,
            request_target: None,
            ignore_content_length: false,
            http200_aliases: Vec::new(),
        }
    }
}

impl XferOpts {
    /// Brings the engine transfer up to date (with the SCALARS options).
    pub(crate) fn apply(&self, e: &mut Easy) {
        let text = |s: &Option<CString>| s.as_ref().map(|s| s.to_string_lossy().into_owned());
        e.path_as_is(self.path_as_is)
            .referer(text(&self.referer))
            .auto_referer(self.auto_referer)
            .fail_on_error(self.fail_on_error)
            .range(text(&self.range))
            .resume_from(self.resume_from)
            .record_filetime(self.filetime)
            .allowed_protocols(self.protocols)
            .redirect_protocols(self.redir_protocols)
            .post_redirect(PostRedirect(self.post_redirect))
            .time_condition(self.time_condition, self.time_value)
            .disallow_username_in_url(self.disallow_username)
            .request_target(text(&self.request_target))
            .ignore_content_length(self.ignore_content_length)
            .http200_aliases(self.http200_aliases.clone());
    }
}

/// The options' part of `Options`.
fn x(o: &mut Options) -> &mut XferOpts {
    o.xfer.edit()
}

option_part! {
    /// The transfer options' part of the easy option table.
    XFER_OPTIONS, dirty::SCALARS;
    /// FETCHOPT_RANGE: "A-B" asks for `Range: bytes=A-B` (NULL: none).
    FETCHOPT_RANGE = FETCHOPTTYPE_STRINGPOINT + 7,
        |o, a| { x(o).range = a.string(); Ok(()) };
    /// FETCHOPT_REFERER.
    FETCHOPT_REFERER = FETCHOPTTYPE_STRINGPOINT + 16,
        |o, a| { x(o).referer = a.string(); Ok(()) };
    /// FETCHOPT_RESUME_FROM (as upstream: below -1 is an error; -1, "from
    /// the end", only means something to uploads over FTP: no resume).
    FETCHOPT_RESUME_FROM = FETCHOPTTYPE_LONG + 21, set_resume;
    /// FETCHOPT_TIMECONDITION (`FETCH_TIMECOND_*`).
    FETCHOPT_TIMECONDITION = FETCHOPTTYPE_VALUES + 33, set_time_condition;
    /// FETCHOPT_TIMEVALUE (seconds since the epoch).
    FETCHOPT_TIMEVALUE = FETCHOPTTYPE_LONG + 34,
        |o, a| { x(o).time_value = a.int(); Ok(()) };
    /// FETCHOPT_FAILONERROR.
    FETCHOPT_FAILONERROR = FETCHOPTTYPE_LONG + 45,
        |o, a| { x(o).fail_on_error = a.flag(); Ok(()) };
    /// FETCHOPT_AUTOREFERER.
    FETCHOPT_AUTOREFERER = FETCHOPTTYPE_LONG + 58,
        |o, a| { x(o).auto_referer = a.flag(); Ok(()) };
    /// FETCHOPT_FILETIME.
    FETCHOPT_FILETIME = FETCHOPTTYPE_LONG + 69,
        |o, a| { x(o).filetime = a.flag(); Ok(()) };
    /// FETCHOPT_RESUME_FROM_LARGE.
    FETCHOPT_RESUME_FROM_LARGE = FETCHOPTTYPE_OFF_T + 116, set_resume;
    /// FETCHOPT_POSTREDIR (`FETCH_REDIR_POST_*` bits; negative is an error).
    FETCHOPT_POSTREDIR = FETCHOPTTYPE_VALUES + 161, set_post_redirect;
    /// FETCHOPT_PROTOCOLS (deprecated upstream: a `FETCHPROTO_*` mask).
    FETCHOPT_PROTOCOLS = FETCHOPTTYPE_LONG + 181,
        |o, a| { x(o).protocols = Protocols::from_bits(a.int() as u64); Ok(()) };
    /// FETCHOPT_REDIR_PROTOCOLS (deprecated upstream: a mask).
    FETCHOPT_REDIR_PROTOCOLS = FETCHOPTTYPE_LONG + 182,
        |o, a| { x(o).redir_protocols = Protocols::from_bits(a.int() as u64); Ok(()) };
    /// FETCHOPT_HEADEROPT (FETCHHEADER_UNIFIED / SEPARATE; any value).
    FETCHOPT_HEADEROPT = FETCHOPTTYPE_VALUES + 229,
        |o, a| { x(o).separate_headers = a.int() & 1 != 0; Ok(()) };
    /// FETCHOPT_PATH_AS_IS.
    FETCHOPT_PATH_AS_IS = FETCHOPTTYPE_LONG + 234,
        |o, a| { x(o).path_as_is = a.flag(); Ok(()) };
    /// FETCHOPT_REQUEST_TARGET: sent instead of the URL's path and query,
    /// as is (NULL: the URL's).
    FETCHOPT_REQUEST_TARGET = FETCHOPTTYPE_STRINGPOINT + 266,
        |o, a| { x(o).request_target = a.string(); Ok(()) };
    /// FETCHOPT_TIMEVALUE_LARGE.
    FETCHOPT_TIMEVALUE_LARGE = FETCHOPTTYPE_OFF_T + 270,
        |o, a| { x(o).time_value = a.int(); Ok(()) };
    /// FETCHOPT_DISALLOW_USERNAME_IN_URL: a URL with user information
    /// fails with FETCHE_LOGIN_DENIED (any non-zero value is on, as
    /// upstream).
    FETCHOPT_DISALLOW_USERNAME_IN_URL = FETCHOPTTYPE_LONG + 278,
        |o, a| { x(o).disallow_username = a.flag(); Ok(()) };
    /// FETCHOPT_HTTP200ALIASES: status line prefixes read as
    /// `HTTP/1.0 200` (NULL: none). The strings are copied here: later
    /// changes to the list need another setopt (upstream reads the list
    /// it was given while a response arrives).
    FETCHOPT_HTTP200ALIASES = FETCHOPTTYPE_SLISTPOINT + 104,
        |o, a| { x(o).http200_aliases = slist_bytes(a.ptr.cast()); Ok(()) };
    /// FETCHOPT_IGNORE_CONTENT_LENGTH: an HTTP/1.x body that is not
    /// chunked is read until the server closes (any non-zero value is
    /// on, as upstream).
    FETCHOPT_IGNORE_CONTENT_LENGTH = FETCHOPTTYPE_LONG + 136,
        |o, a| { x(o).ignore_content_length = a.flag(); Ok(()) };
    /// FETCHOPT_PROTOCOLS_STR ("http,https", "all").
    FETCHOPT_PROTOCOLS_STR = FETCHOPTTYPE_STRINGPOINT + 318,
        |o, a| { x(o).protocols = protocol_list(a)?; Ok(()) };
    /// FETCHOPT_REDIR_PROTOCOLS_STR.
    FETCHOPT_REDIR_PROTOCOLS_STR = FETCHOPTTYPE_STRINGPOINT + 319,
        |o, a| { x(o).redir_protocols = protocol_list(a)?; Ok(()) };
}

fn set_resume(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    if a.int() < -1 {
        return Err(FETCHE_BAD_FUNCTION_ARGUMENT);
    }
    x(o).resume_from = u64::try_from(a.int()).unwrap_or(0);
    Ok(())
}

fn set_time_condition(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    x(o).time_condition = match a.int() {
        0 => TimeCondition::None,
        1 => TimeCondition::IfModifiedSince,
        2 => TimeCondition::IfUnmodifiedSince,
        3 => TimeCondition::LastModified,
        _ => return Err(FETCHE_BAD_FUNCTION_ARGUMENT),
    };
    Ok(())
}

fn set_post_redirect(o: &mut Options, a: Arg) -> Result<(), FETCHcode> {
    if a.int() < 0 {
        return Err(FETCHE_BAD_FUNCTION_ARGUMENT);
    }
    x(o).post_redirect = (a.int() & 7) as u8;
    Ok(())
}

/// A protocol list; a failure keeps the old value (the caller assigns
/// only on success), as upstream.
fn protocol_list(a: Arg) -> Result<Protocols, FETCHcode> {
    let s = a.string().ok_or(FETCHE_BAD_FUNCTION_ARGUMENT)?;
    let s = s
        .to_str()
        .map_err(|_| easy_code(fetch_core::ErrorCode::UnsupportedProtocol))?;
    Protocols::parse(s).map_err(|e| easy_code(e.code()))
}

/// The bytes of each string of the application's list `node` (NULL: none).
fn slist_bytes(mut node: *const fetch_slist) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    // SAFETY: an SLISTPOINT option's argument is NULL or a list from
    // fetch_slist_append (the caller's contract), valid during setopt.
    while let Some(n) = unsafe { node.as_ref() } {
        if !n.data.is_null() {
            // SAFETY: list strings are NUL-terminated C strings.
            out.push(unsafe { CStr::from_ptr(n.data) }.to_bytes().to_vec());
        }
        node = n.next;
    }
    out
}
