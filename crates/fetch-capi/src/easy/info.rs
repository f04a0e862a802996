// c_long is 32-bit on some targets, so its conversions are not useless.
#![allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
//! `fetch_easy_getinfo_ptr`: the info table and where each answer is read
//! (the engine, the held transfer, or the in-callback snapshot).

use std::ffi::{CStr, CString, c_char, c_double, c_long, c_void};
use std::ptr;
use std::time::Duration;

use fetch_core::TransferInfo;

use super::{FetchEasy, State, easy_ref};
use crate::codes::*;
use crate::guard;
use crate::multi::{watch_info, with_engine_info};

impl FetchEasy {
    fn getinfo(&mut self, info: FETCHINFO, out: *mut c_void) -> FETCHcode {
        let value = match info {
            // Not transfer information: no need to reach the engine.
            FETCHINFO_PRIVATE => Ok(Out::Ptr(self.opts.private)),
            // The engine reports no verification detail: 0 (X509_V_OK)
            // unless the last transfer failed verification, then 1
            // (X509_V_ERR_UNSPECIFIED).
            FETCHINFO_SSL_VERIFYRESULT => Ok(Out::Long(c_long::from(
                self.last_result == easy_code(fetch_core::ErrorCode::PeerFailedVerification),
            ))),
            _ => self.transfer_info(info),
        };
        let value = match value {
            Ok(v) => v,
            Err(code) => return code,
        };
        // SAFETY: the caller passes a pointer to a variable of the type the
        // info id's type base names (upstream contract), non-NULL (checked).
        unsafe {
            match value {
                Out::Str(s) => *out.cast::<*const c_char>() = s,
                Out::Long(l) => *out.cast::<c_long>() = l,
                Out::Double(d) => *out.cast::<c_double>() = d,
                Out::Off(o) => *out.cast::<fetch_off_t>() = o,
                Out::Ptr(p) => *out.cast::<*mut c_void>() = p,
            }
        }
        FETCHE_OK
    }

    /// One item of the transfer information, read where it is: in the
    /// engine while the handle is added (outside callbacks), else in the
    /// held engine transfer. Inside a callback of the handle's multi (or of
    /// its own perform) the engine is borrowed, so the answer comes from
    /// the snapshot taken when a multi call returns (see `watch_info`).
    fn transfer_info(&mut self, info: FETCHINFO) -> Result<Out, FETCHcode> {
        let url = self.opts.url.as_deref();
        let mut strings = Strings {
            effective_url: &mut self.effective_url,
            primary_ip: &mut self.primary_ip,
            redirect_url: &mut self.redirect_url,
        };
        match self.state {
            State::Added { multi, id } => {
                // SAFETY: an added handle's multi pointer stays valid while
                // it is added (cleanup detaches every handle first).
                let live = unsafe {
                    with_engine_info(multi, id, |i| info_value(info, i, url, &mut strings))
                };
                if let Some(v) = live {
                    return v;
                }
                // Busy: inside a callback of that multi. From now on the
                // snapshot is kept fresh at the end of each of its calls.
                if !self.watched {
                    // SAFETY: as above; the multi only records the id.
                    self.watched = unsafe { watch_info(multi, id) };
                }
            }
            State::Idle => {
                if let Some(core) = &self.core {
                    return info_value(info, core.info(), url, &mut strings);
                }
            }
            State::Adding { .. } | State::Performing => {}
        }
        match &self.snapshot {
            Some(i) => info_value(info, i, url, &mut strings),
            None => info_value(info, &TransferInfo::default(), url, &mut strings),
        }
    }
}

/// A `fetch_easy_getinfo` answer.
enum Out {
    Str(*const c_char),
    Long(c_long),
    Double(c_double),
    Off(fetch_off_t),
    Ptr(*mut c_void),
}

/// Where the string answers live (until the next getinfo of the same id).
struct Strings<'a> {
    effective_url: &'a mut CString,
    primary_ip: &'a mut CString,
    redirect_url: &'a mut CString,
}

/// `s` into `slot` (reused when it already holds `s`), as a C string.
fn store_str(slot: &mut CString, s: &[u8]) -> *const c_char {
    if slot.to_bytes() != s {
        *slot = CString::new(s).unwrap_or_default();
    }
    slot.as_ptr()
}

/// The answer for `info` from `i`; `url` is FETCHOPT_URL (the effective URL
/// before a transfer ran).
fn info_value(
    info: FETCHINFO,
    i: &TransferInfo,
    url: Option<&CStr>,
    strings: &mut Strings<'_>,
) -> Result<Out, FETCHcode> {
    let secs = |d: Duration| d.as_secs_f64();
    let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
    let off = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(match info {
        FETCHINFO_RESPONSE_CODE => Out::Long(c_long::from(i.response_code)),
        FETCHINFO_EFFECTIVE_URL => {
            let s = match (&i.effective_url, url) {
                (Some(u), _) => std::borrow::Cow::Borrowed(u.as_str()),
                (None, Some(u)) => u.to_string_lossy(),
                (None, None) => std::borrow::Cow::Borrowed(""),
            };
            Out::Str(store_str(strings.effective_url, s.as_bytes()))
        }
        FETCHINFO_TOTAL_TIME => Out::Double(secs(i.total_time)),
        FETCHINFO_TOTAL_TIME_T => Out::Off(micros(i.total_time)),
        FETCHINFO_SIZE_DOWNLOAD => Out::Double(i.size_download as f64),
        FETCHINFO_SIZE_DOWNLOAD_T => Out::Off(off(i.size_download)),
        FETCHINFO_SIZE_UPLOAD => Out::Double(i.size_upload as f64),
        FETCHINFO_SIZE_UPLOAD_T => Out::Off(off(i.size_upload)),
        FETCHINFO_HEADER_SIZE => Out::Long(c_long::try_from(i.header_size).unwrap_or(c_long::MAX)),
        FETCHINFO_PRIMARY_IP => {
            let ip = i.primary_ip.map(|ip| ip.to_string()).unwrap_or_default();
            Out::Str(store_str(strings.primary_ip, ip.as_bytes()))
        }
        FETCHINFO_PRIMARY_PORT => Out::Long(c_long::from(i.primary_port)),
        FETCHINFO_REDIRECT_COUNT => {
            Out::Long(c_long::try_from(i.redirect_count).unwrap_or(c_long::MAX))
        }
        FETCHINFO_NUM_CONNECTS => {
            Out::Long(c_long::try_from(i.num_connects).unwrap_or(c_long::MAX))
        }
        FETCHINFO_REDIRECT_URL => match &i.redirect_url {
            Some(u) => Out::Str(store_str(strings.redirect_url, u.as_bytes())),
            None => Out::Str(ptr::null()),
        },
        FETCHINFO_NAMELOOKUP_TIME => Out::Double(secs(i.namelookup_time)),
        FETCHINFO_NAMELOOKUP_TIME_T => Out::Off(micros(i.namelookup_time)),
        FETCHINFO_CONNECT_TIME => Out::Double(secs(i.connect_time)),
        FETCHINFO_CONNECT_TIME_T => Out::Off(micros(i.connect_time)),
        FETCHINFO_APPCONNECT_TIME => Out::Double(secs(i.appconnect_time)),
        FETCHINFO_APPCONNECT_TIME_T => Out::Off(micros(i.appconnect_time)),
        FETCHINFO_PRETRANSFER_TIME => Out::Double(secs(i.pretransfer_time)),
        FETCHINFO_PRETRANSFER_TIME_T => Out::Off(micros(i.pretransfer_time)),
        FETCHINFO_STARTTRANSFER_TIME => Out::Double(secs(i.starttransfer_time)),
        FETCHINFO_STARTTRANSFER_TIME_T => Out::Off(micros(i.starttransfer_time)),
        FETCHINFO_SPEED_DOWNLOAD => Out::Double(i.speed_download as f64),
        FETCHINFO_SPEED_DOWNLOAD_T => Out::Off(off(i.speed_download)),
        FETCHINFO_SPEED_UPLOAD => Out::Double(i.speed_upload as f64),
        FETCHINFO_SPEED_UPLOAD_T => Out::Off(off(i.speed_upload)),
        _ => return Err(FETCHE_UNKNOWN_OPTION),
    })
}

/// `fetch_easy_getinfo`: the `_Generic`-free entry point; the info id's
/// type base says what `out` points to.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library; `out` must be
/// NULL or point to a variable of the type the info id documents.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_getinfo_ptr(
    h: *mut c_void,
    info: FETCHINFO,
    out: *mut c_void,
) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        if out.is_null() {
            return FETCHE_BAD_FUNCTION_ARGUMENT;
        }
        // SAFETY: as documented above.
        match unsafe { easy_ref(h) } {
            Some(e) => e.getinfo(info, out),
            None => FETCHE_BAD_FUNCTION_ARGUMENT,
        }
    })
}
