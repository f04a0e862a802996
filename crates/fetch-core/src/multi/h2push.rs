//! HTTP/2 server push (FETCHMOPT_PUSHFUNCTION): the application's push
//! handler, and pushed streams adopted as transfers of the multi.
//!
//! Without a handler, connections announce SETTINGS_ENABLE_PUSH=0 and a
//! PUSH_PROMISE is a connection error (PROTOCOL_ERROR), as RFC 9113
//! requires. With one, new connections announce ENABLE_PUSH=1 and
//! SETTINGS_MAX_CONCURRENT_STREAMS (the multi's MAX_CONCURRENT_STREAMS,
//! which pushed streams count against); each valid promise for a stream
//! of a transfer is offered to the handler:
//!
//! - [`PushAction::Accept`]: the `Easy` becomes a new transfer of the
//!   multi on the promised stream (its URL is the pushed one), reported
//!   by `info_read` like any other and removed by the application;
//! - [`PushAction::Deny`]: RST_STREAM(CANCEL) on the promised stream;
//! - [`PushAction::ErrorOut`]: the promised stream is reset and the
//!   parent transfer fails with [`ErrorCode::Http2`]; the other streams
//!   go on.

use super::h2conn::{Slot, Upload};
use super::*;
use crate::h2::{self, Header, Reason};

/// The push handler (`Multi::set_push_handler`).
pub(super) type PushFn = Box<dyn FnMut(&PushPromise<'_>) -> PushAction + Send>;

/// What the push handler decides for one promise (FETCH_PUSH_OK,
/// FETCH_PUSH_DENY, FETCH_PUSH_ERROROUT).
pub enum PushAction {
    /// Take the pushed response as a new transfer configured by this
    /// `Easy` (callbacks, user data, options); its URL is set to the
    /// pushed one. It gets the id [`PushPromise::pushed_id`].
    Accept(Box<Easy>),
    /// Refuse the push: the promised stream is reset (CANCEL).
    Deny,
    /// Refuse the push and fail the parent transfer.
    ErrorOut,
}

/// A push promise offered to the handler: the parent transfer and the
/// promised request's fields. Valid only during the handler call.
pub struct PushPromise<'a> {
    parent: TransferId,
    parent_easy: &'a Easy,
    pushed: TransferId,
    url: &'a str,
    fields: &'a [Header],
}

impl PushPromise<'_> {
    /// The transfer whose stream the promise came on.
    pub fn parent(&self) -> TransferId {
        self.parent
    }

    /// The parent transfer's configuration (its user data, for one).
    pub fn parent_easy(&self) -> &Easy {
        self.parent_easy
    }

    /// The id the pushed transfer gets if the handler accepts it.
    pub fn pushed_id(&self) -> TransferId {
        self.pushed
    }

    /// The pushed URL (`:scheme://:authority:path`).
    pub fn url(&self) -> &str {
        self.url
    }

    /// How many request fields the promise carries (pseudo-headers
    /// included).
    pub fn header_count(&self) -> usize {
        self.fields.len()
    }

    /// Field `n` as (name, value), in the order received
    /// (`fetch_pushheader_bynum`), or `None` past the end.
    pub fn header(&self, n: usize) -> Option<(&[u8], &[u8])> {
        self.fields
            .get(n)
            .map(|h| (h.name.as_slice(), h.value.as_slice()))
    }

    /// The value of the first field called `name` (lowercase, as HTTP/2
    /// sends them; `":path"` works), as `fetch_pushheader_byname`.
    pub fn header_by_name(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|h| h.name == name.as_bytes())
            .map(|h| h.value.as_slice())
    }
}

/// An accepted push, on its way to becoming a transfer.
struct Adopted {
    easy: Easy,
    dest: Arc<Dest>,
    head: bool,
    url: String,
    /// The id promised to the handler.
    id: TransferId,
}

/// The value of pseudo-header `name` in a promise's fields.
fn pseudo<'f>(fields: &'f [Header], name: &[u8]) -> &'f str {
    fields
        .iter()
        .find(|h| h.name == name)
        .and_then(|h| std::str::from_utf8(&h.value).ok())
        .unwrap_or("")
}

impl Multi {
    /// FETCHMOPT_PUSHFUNCTION: `f` decides on each HTTP/2 server push.
    /// Connections opened from now on announce SETTINGS_ENABLE_PUSH=1
    /// (those already open keep what they announced).
    ///
    /// ```no_run
    /// use fetch_core::{Easy, Flow, Multi, PushAction};
    /// let mut multi = Multi::new();
    /// multi.set_push_handler(|push| {
    ///     if push.header_by_name(":path") == Some(&b"/style.css"[..]) {
    ///         let mut easy = Easy::new();
    ///         easy.write_function(|bytes| {
    ///             println!("pushed {} bytes", bytes.len());
    ///             Flow::Continue
    ///         });
    ///         PushAction::Accept(Box::new(easy))
    ///     } else {
    ///         PushAction::Deny
    ///     }
    /// });
    /// // Accepted pushes end in `info_read` with their `pushed_id()`;
    /// // `remove` them like any transfer. Pushes need HTTP/2: an https
    /// // URL (ALPN) or prior knowledge on http.
    /// ```
    pub fn set_push_handler<F>(&mut self, f: F)
    where
        F: FnMut(&PushPromise<'_>) -> PushAction + Send + 'static,
    {
        self.h2.push = Some(Box::new(f));
    }

    /// Removes the push handler: new connections refuse pushes in their
    /// SETTINGS again.
    pub fn clear_push_handler(&mut self) {
        self.h2.push = None;
    }

    /// The HTTP/2 settings for a new connection.
    pub(super) fn h2_config(&self) -> h2::Config {
        h2::Config {
            enable_push: self.h2.push.is_some(),
            max_pushed: self.h2_stream_limit(),
            ..h2::Config::default()
        }
    }

    /// A PUSH_PROMISE on `stream` of connection `cid`: offered to the
    /// handler, then adopted or reset.
    pub(super) fn h2_promise(
        &mut self,
        cid: ConnKey,
        stream: u32,
        promised: u32,
        fields: &[Header],
    ) {
        let parent = self
            .h2
            .by_conn
            .get(&cid)
            .and_then(|s| s.slots.get(&stream))
            .map(|slot| slot.ti);
        let (Some(parent), Some(mut handler)) = (parent, self.h2.push.take()) else {
            self.h2_refuse_push(cid, promised, Reason::CANCEL);
            return;
        };
        let url = format!(
            "{}://{}{}",
            pseudo(fields, b":scheme"),
            pseudo(fields, b":authority"),
            pseudo(fields, b":path")
        );
        let tag = self.transfers[parent].easy.tls_tag();
        let dest = Dest::parse(&url, tag, None).ok();
        let parent_origin = self.transfers[parent].target.as_ref().map(|d| &d.origin);
        // RFC 9113 8.4: a push for another origin than the parent's is
        // not trusted (a stream error on the promised stream).
        let Some(dest) = dest.filter(|d| Some(&d.origin) == parent_origin) else {
            self.h2.push = Some(handler);
            self.h2_refuse_push(cid, promised, Reason::PROTOCOL_ERROR);
            return;
        };
        let pushed = TransferId {
            key: self.transfers.vacant_key(),
            generation: self.next_generation,
        };
        let promise = PushPromise {
            parent: self.transfers[parent].id(parent),
            parent_easy: &self.transfers[parent].easy,
            pushed,
            url: &url,
            fields,
        };
        let action = handler(&promise);
        self.h2.push = Some(handler);
        match action {
            PushAction::Accept(easy) => {
                let head = pseudo(fields, b":method") == "HEAD";
                let adopted = Adopted {
                    easy: *easy,
                    dest,
                    head,
                    url,
                    id: pushed,
                };
                self.h2_adopt(cid, promised, adopted);
            }
            PushAction::Deny => self.h2_refuse_push(cid, promised, Reason::CANCEL),
            PushAction::ErrorOut => {
                self.h2_refuse_push(cid, promised, Reason::CANCEL);
                let err = Error::new(
                    ErrorCode::Http2,
                    "the push callback failed the transfer (FETCH_PUSH_ERROROUT)",
                );
                self.fail(parent, err);
            }
        }
    }

    /// RST_STREAM on a promised stream nobody takes.
    fn h2_refuse_push(&mut self, cid: ConnKey, promised: u32, reason: Reason) {
        if let Some(s) = self.h2.by_conn.get_mut(&cid) {
            s.conn.reset(promised, reason);
        }
    }

    /// An accepted push becomes a transfer receiving on stream `promised`.
    fn h2_adopt(&mut self, cid: ConnKey, promised: u32, adopted: Adopted) {
        let Adopted {
            mut easy,
            dest,
            head,
            url,
            id: pushed,
        } = adopted;
        easy.url = Some(url);
        easy.method = if head { Method::Head } else { Method::Get };
        easy.target_cache = None;
        let id = self.insert_transfer(easy, ticks::Deadlines::NONE);
        let ti = id.key;
        debug_assert_eq!(id, pushed, "the id promised to the handler");
        let now = self.now;
        let t = &mut self.transfers[ti];
        t.started = Some(now);
        if let Some(limit) = t.easy.timeout {
            let at = now.checked_add(limit);
            t.deadlines.set(Kind::Total, at);
            self.schedule(ti);
        }
        self.set_target(ti, dest);
        let session = self.h2.by_conn.get_mut(&cid).expect("shared connection");
        session.slots.insert(
            promised,
            Slot {
                ti,
                buffered: Vec::new(),
                unreleased: 0,
                ended: false,
                upload: Upload::Done,
            },
        );
        self.h2.by_transfer.insert(ti, (cid, promised));
        let t = &mut self.transfers[ti];
        t.easy
            .trace_text(|| format!("Accepted HTTP/2 server push on stream {promised}"));
        t.phase = Phase::Receiving;
        t.decoder = ResponseDecoder::new(head);
        request::conn_info(&mut t.easy.info, &self.conns[cid]);
        t.easy.info.scheme = Some(if t.target().https { "HTTPS" } else { "HTTP" });
        t.ex.upload_done = true;
        self.start_rates(ti);
    }
}
