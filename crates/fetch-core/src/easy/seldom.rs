//! The parts of a transfer's options that few transfers set, kept out
//! of line so that every handle does not carry them: option values
//! ([`Seldom`], a `Rare` group) and hooks ([`SeldomHooks`]).

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use crate::callback_types::{CloseSocketFn, OpenSocketFn, SeekFn, SockoptFn};
use crate::http::HeadOptions;

/// Options of an [`EasyState`](super::EasyState) that most transfers never set, kept out
/// of line (a [`crate::rare::Rare`] group) so that every handle does not
/// carry them (issue 13: RSS per connection at 10,000 connections).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Seldom {
    /// The `Content-Type` a multipart body brings (FETCHOPT_MIMEPOST),
    /// sent unless the application sets its own.
    pub(crate) body_type: Option<String>,
    /// FETCHOPT_DEFAULT_PROTOCOL, lowercased.
    pub(crate) default_protocol: Option<String>,
    /// FETCHOPT_USERNAME / FETCHOPT_PASSWORD.
    pub(crate) credentials: Option<(String, String)>,
    /// FETCHOPT_XOAUTH2_BEARER.
    pub(crate) bearer: Option<String>,
    /// FETCHOPT_COOKIE: sent as is after the jar's cookies.
    pub(crate) cookie: Option<String>,
    /// FETCHOPT_LOW_SPEED_LIMIT and _TIME, when both are set.
    pub(crate) low_speed: Option<(u64, Duration)>,
    /// FETCHOPT_IGNORE_CONTENT_LENGTH and FETCHOPT_HTTP200ALIASES, when
    /// either differs from the default (read when a request starts and
    /// when a head is refused).
    pub(crate) head_options: Option<Arc<HeadOptions>>,
}

/// A plain static, not a `LazyLock`: these options are read on every
/// request, and an unset group's read is then one branch.
impl crate::rare::Defaults for Seldom {
    fn defaults() -> &'static Self {
        static D: Seldom = Seldom {
            body_type: None,
            default_protocol: None,
            credentials: None,
            bearer: None,
            cookie: None,
            low_speed: None,
            head_options: None,
        };
        &D
    }
}

/// The hooks and data of an [`EasyState`](super::EasyState) that few transfers set, kept
/// out of line while none is: the state's block (1,088 bytes with them
/// inline) is then within the sizes glibc's malloc serves from its small
/// bins and thread cache (issue 13, workload L8: `Easy::new` about 23
/// instructions cheaper; see `easy_state_is_a_small_request`).
#[derive(Default)]
pub(crate) struct SeldomHooks(Option<Box<HookParts>>);

/// The parts of [`SeldomHooks`].
#[derive(Default)]
pub(crate) struct HookParts {
    pub(crate) user_data: Option<Box<dyn Any + Send>>,
    /// FETCHOPT_SEEKFUNCTION as a closure (a multipart body's own, or an
    /// application's through `seek_function`).
    pub(crate) seek: Option<SeekFn>,
    pub(crate) open_socket: Option<OpenSocketFn>,
    pub(crate) sockopt: Option<SockoptFn>,
    pub(crate) close_socket: Option<CloseSocketFn>,
    /// FETCHOPT_PREREQFUNCTION.
    pub(crate) prereq: Option<crate::connopts::PrereqFn>,
    /// FETCHOPT_HSTSREADFUNCTION.
    pub(crate) hsts_read: Option<crate::hsts::HstsReadFn>,
}

impl SeldomHooks {
    /// The parts, when any was ever set.
    #[inline]
    pub(crate) fn get(&self) -> Option<&HookParts> {
        self.0.as_deref()
    }

    /// The parts for a change, when any was ever set.
    #[inline]
    pub(crate) fn get_mut(&mut self) -> Option<&mut HookParts> {
        self.0.as_deref_mut()
    }

    /// Sets one part; `None` into a group without a block leaves it
    /// without one (the part reads as `None` there already).
    pub(crate) fn set<V>(
        &mut self,
        part: impl FnOnce(&mut HookParts) -> &mut Option<V>,
        value: Option<V>,
    ) {
        if value.is_some() || self.0.is_some() {
            *part(self.0.get_or_insert_with(Default::default)) = value;
        }
    }
}

impl super::Easy {
    /// Ignore the `Content-Length` line of HTTP/1.x responses
    /// (FETCHOPT_IGNORE_CONTENT_LENGTH, default off): a body that is not
    /// chunked is then read until the server closes the connection, which
    /// is not reused, and the content length info reads as unknown. As
    /// upstream: a HEAD response and a 204 or 304 still have no body
    /// (a 204 or 304 reads as length 0), a chunked body still ends with
    /// its last chunk, and over HTTP/2 (where the stream's end ends the
    /// body) only the length info is dropped.
    pub fn ignore_content_length(&mut self, on: bool) -> &mut Self {
        self.set_head_options(|o| o.ignore_content_length = on);
        self
    }

    /// Status line prefixes read as `HTTP/1.0 200`
    /// (FETCHOPT_HTTP200ALIASES, e.g. `ICY` for SHOUTcast servers; empty
    /// for none). An HTTP/1.x response whose first line is not an HTTP
    /// status line and starts with one of them, ignoring ASCII case, is
    /// read as a 200 response in HTTP/1.0 (closed after the body unless
    /// `Connection: keep-alive`); the header callback still gets the line
    /// as sent. An empty alias matches any such line, as upstream's does.
    pub fn http200_aliases(&mut self, aliases: Vec<Vec<u8>>) -> &mut Self {
        self.set_head_options(|o| o.http200_aliases = aliases);
        self
    }

    /// Changes the head options; none is kept when all are the defaults.
    fn set_head_options(&mut self, change: impl FnOnce(&mut HeadOptions)) {
        let mut options = self
            .seldom
            .head_options
            .as_deref()
            .cloned()
            .unwrap_or_default();
        change(&mut options);
        if self.seldom.head_options.as_deref() == Some(&options)
            || (self.seldom.head_options.is_none() && options == HeadOptions::default())
        {
            return;
        }
        let set = (options != HeadOptions::default()).then(|| Arc::new(options));
        self.seldom.set_field(|s| &mut s.head_options, set);
    }
}
