//! The connection pool a share holds (FETCH_LOCK_DATA_CONNECT): idle
//! HTTP/1.1 connections (plain or TLS) that no multi watches. A multi
//! parks one here when its transfer ends, after REMOVEing its socket from
//! its own table and callback; a transfer of any multi holding the share
//! takes it back and its multi announces the socket again. A connection in
//! use is never here: it belongs to the one multi running its transfer.

use std::sync::Mutex;

use crate::multi::ParkedConn;

/// The idle connections, oldest first.
#[derive(Default)]
pub(crate) struct SharedConns {
    idle: Mutex<Vec<ParkedConn>>,
}

impl SharedConns {
    /// Parks `conn`. While more than `cap` are parked, the oldest are
    /// taken out and handed back, for the caller to close outside the
    /// share's lock (closing may call the application's close hook).
    pub(crate) fn put(&self, conn: ParkedConn, cap: usize) -> Vec<ParkedConn> {
        let mut idle = super::guard(&self.idle);
        idle.push(conn);
        let over = idle.len().saturating_sub(cap.max(1));
        idle.drain(..over).collect()
    }

    /// The connection for `key` parked most recently, if any.
    pub(crate) fn take(&self, key: &str) -> Option<ParkedConn> {
        let mut idle = super::guard(&self.idle);
        let pos = idle.iter().rposition(|c| c.key() == key)?;
        Some(idle.remove(pos))
    }

    /// How many are parked.
    pub(crate) fn len(&self) -> usize {
        super::guard(&self.idle).len()
    }

    /// Takes every parked connection out (to be closed by dropping them).
    pub(crate) fn drain(&self) -> Vec<ParkedConn> {
        std::mem::take(&mut *super::guard(&self.idle))
    }
}
