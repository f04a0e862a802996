//! FETCH_HTTP_VERSION_2_0 on http://: the HTTP/1.1 `Upgrade: h2c` offer
//! (RFC 7540 section 3.2) as upstream makes it.
//!
//! Every HTTP/1.1 request of such a transfer carries the offer
//! (`Connection: Upgrade, HTTP2-Settings`, `Upgrade: h2c`, and our
//! SETTINGS payload in base64url as `HTTP2-Settings`; written by
//! `http::encode_request`). A server that ignores it answers in HTTP/1.1
//! and nothing else changes. A `101 Switching Protocols` head goes to the
//! header callback like any interim head, then the connection becomes a
//! shared HTTP/2 one ([`h2::Connection::upgraded`]: our preface and
//! SETTINGS go out, the response arrives on stream 1), the bytes that
//! followed the 101 are its first frames, and later transfers take
//! streams on it (`h2_reuse`). PIPEWAIT transfers wait for the answer to
//! an offer as they wait for ALPN (`upgrade_pending`).

use base64::Engine as _;
use rustc_hash::FxHashMap;

use super::h2conn::{Session, Slot, Upload};
use super::response::Outcome;
use super::*;
use crate::h2;

/// Whether the transfer's HTTP/1.1 requests offer the upgrade: http://
/// and FETCH_HTTP_VERSION_2_0 (upstream: also through a forwarding
/// proxy, and for every method, with or without a body).
pub(super) fn offers_h2c(t: &Transfer) -> bool {
    t.easy.http_version.upgrades_h2c() && t.target.as_ref().is_some_and(|d| !d.https)
}

/// PIPEWAIT: the transfer's request offered the upgrade and no answer
/// arrived yet, so its connection may still become HTTP/2.
pub(super) fn upgrade_pending(t: &Transfer) -> bool {
    offers_h2c(t) && matches!(t.phase, Phase::Sending | Phase::Receiving) && !t.decoder.started()
}

impl Multi {
    /// The `HTTP2-Settings` value for the transfer's request, when it
    /// offers the upgrade.
    pub(super) fn h2c_offer(&self, ti: TransferKey) -> Option<String> {
        if !offers_h2c(&self.transfers[ti]) {
            return None;
        }
        let payload = h2::Connection::settings_payload(&self.h2_config());
        Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload))
    }

    /// A head answering a request that offered the upgrade (its lines
    /// already went to the header callback). A final HTTP/1.1 head settles
    /// the connection as HTTP/1.1 (PIPEWAIT transfers start over); a 101
    /// switches it (`Some(Outcome::H2Upgrade)`), unless the request body
    /// still waits for "100 Continue": HTTP/2 frames may only follow a
    /// request sent whole.
    pub(super) fn h2c_answered(&mut self, ti: TransferKey, status: u16) -> Option<Outcome> {
        let t = &self.transfers[ti];
        if status != 101 {
            if let Some(cid) = t.conn {
                self.h2_wake_pipe_waiters(cid);
            }
            return None;
        }
        // Until an HTTP/2 head says otherwise, the info is the 101's (as
        // upstream's, which a failed switch leaves in place).
        let t = &mut self.transfers[ti];
        t.easy.info.http_version = 11;
        t.easy.info.response_code = 101;
        if t.ex.expect == Expect::Waiting {
            let err = Error::new(
                ErrorCode::Http2,
                "101 Switching Protocols before the request body was sent",
            );
            return Some(Outcome::Failed(err));
        }
        Some(Outcome::H2Upgrade)
    }

    /// The server took the upgrade: connection `cid` becomes a shared
    /// HTTP/2 connection whose stream 1 is the transfer's, and `rest` (the
    /// bytes after the 101 head) are its first frames.
    pub(super) fn h2_upgraded(&mut self, ti: TransferKey, cid: ConnKey, rest: &[u8]) -> Step {
        let session = Session {
            conn: h2::Connection::upgraded(self.h2_config()),
            slots: FxHashMap::default(),
        };
        self.h2.by_conn.insert(cid, session);
        self.conns[cid].state = ConnState::Shared;
        let t = &mut self.transfers[ti];
        t.conn = None;
        t.decoder = ResponseDecoder::new(t.method == Method::Head);
        t.body_out = body::BodyOut::Plain;
        t.ex.upload_done = true;
        t.easy
            .trace_text(|| "Received 101, switching to HTTP/2".to_owned());
        let slot = Slot {
            ti,
            buffered: Vec::new(),
            unreleased: 0,
            ended: false,
            upload: Upload::Done,
        };
        if let Some(s) = self.h2.by_conn.get_mut(&cid) {
            s.slots.insert(1, slot);
        }
        self.h2.by_transfer.insert(ti, (cid, 1));
        self.h2_wake_pipe_waiters(cid);
        if !rest.is_empty() {
            let Some(used) = self.h2_frames(cid, rest) else {
                return Step::Wait;
            };
            self.conns[cid].carry.extend_from_slice(&rest[used..]);
        }
        self.h2_event(cid, Events::NONE);
        Step::Wait
    }
}
