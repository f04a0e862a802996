//! The socket table and the vocabulary of readiness: what the engine wants
//! watched ([`Interest`]) and what the application saw ([`Events`]).
//!
//! The table is indexed by fd (fds are small dense integers), so lookups
//! are O(1) without hashing. Interest changes are collected in a dirty list
//! and reported by [`crate::Multi`] in one place.

use std::ops::BitOr;
use std::os::fd::RawFd;

use crate::error::MultiError;
use crate::multi::TransferId;

/// A socket (file descriptor) as the application sees it.
pub type Socket = RawFd;

/// The upstream FETCH_SOCKET_TIMEOUT / FETCH_SOCKET_BAD value.
pub const SOCKET_TIMEOUT: Socket = -1;

/// What the engine wants watched on a socket (FETCH_POLL_*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interest {
    /// FETCH_POLL_IN (1): wait for readability.
    In,
    /// FETCH_POLL_OUT (2): wait for writability.
    Out,
    /// FETCH_POLL_INOUT (3): wait for either.
    InOut,
    /// FETCH_POLL_REMOVE (4): stop watching; the fd may be closed next.
    Remove,
}

impl Interest {
    /// The upstream FETCH_POLL_* number.
    pub const fn as_raw(self) -> i32 {
        match self {
            Self::In => 1,
            Self::Out => 2,
            Self::InOut => 3,
            Self::Remove => 4,
        }
    }

    /// Whether readability is wanted.
    pub const fn is_readable(self) -> bool {
        matches!(self, Self::In | Self::InOut)
    }

    /// Whether writability is wanted.
    pub const fn is_writable(self) -> bool {
        matches!(self, Self::Out | Self::InOut)
    }

    pub(crate) const fn from_bits(bits: u8) -> Self {
        match bits & (WANT_READ | WANT_WRITE) {
            WANT_READ => Self::In,
            WANT_WRITE => Self::Out,
            0 => Self::Remove,
            _ => Self::InOut,
        }
    }
}

/// Readiness the application observed (FETCH_CSELECT_* bits). Empty means
/// "unknown: find out yourself" (SA-02).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Events(u8);

impl Events {
    /// No knowledge: the engine tries the I/O itself.
    pub const NONE: Self = Self(0);
    /// FETCH_CSELECT_IN.
    pub const IN: Self = Self(0x01);
    /// FETCH_CSELECT_OUT.
    pub const OUT: Self = Self(0x02);
    /// FETCH_CSELECT_ERR.
    pub const ERR: Self = Self(0x04);

    /// From the upstream bitmask; unknown bits are ignored.
    pub const fn from_raw(bits: i32) -> Self {
        Self((bits & 0x07) as u8)
    }

    /// The upstream bitmask.
    pub const fn as_raw(self) -> i32 {
        self.0 as i32
    }

    /// True when no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every bit of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether reading may make progress (IN or ERR, or unknown).
    pub(crate) const fn may_read(self) -> bool {
        self.0 == 0 || self.0 & (0x01 | 0x04) != 0
    }

    /// Whether writing may make progress (OUT or ERR, or unknown).
    pub(crate) const fn may_write(self) -> bool {
        self.0 == 0 || self.0 & (0x02 | 0x04) != 0
    }
}

impl BitOr for Events {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// What `socket_action` acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// FETCH_SOCKET_TIMEOUT: run expired timers and start due transfers.
    Timeout,
    /// A socket the application saw activity on.
    Socket(Socket),
}

impl Target {
    /// From the C value, mapping FETCH_SOCKET_TIMEOUT.
    pub const fn from_raw(fd: Socket) -> Self {
        if fd == SOCKET_TIMEOUT {
            Self::Timeout
        } else {
            Self::Socket(fd)
        }
    }
}

/// One call of the socket callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketEvent {
    /// The socket.
    pub socket: Socket,
    /// What to watch it for now (SF-02), or REMOVE (SF-03).
    pub interest: Interest,
    /// The transfer it serves, when it serves one (SF-08: pooled connections
    /// and the resolver's wakeup socket serve none).
    pub transfer: Option<TransferId>,
    /// The value last set with `assign` for this socket (SF-01).
    pub assigned: Option<usize>,
}

pub(crate) const WANT_READ: u8 = 1;
pub(crate) const WANT_WRITE: u8 = 2;

/// Who a socket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Conn(crate::multi::ConnKey),
    Resolver,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) owner: Owner,
    pub(crate) wanted: u8,
    /// Interest bits last reported; 0 = not announced to the application.
    pub(crate) reported: u8,
    pub(crate) assigned: Option<usize>,
    dirty: bool,
}

impl Entry {
    /// Marks the entry for reconciliation when what is wanted differs from
    /// what was reported and it is not marked yet; whether it was marked
    /// now (then its socket joins the dirty list).
    #[inline]
    fn mark_dirty(&mut self) -> bool {
        let now = !self.dirty && self.wanted != self.reported;
        self.dirty |= now;
        now
    }
}

/// fd -> entry, plus the list of entries whose wanted interest changed.
#[derive(Debug, Default)]
pub(crate) struct SocketTable {
    entries: Vec<Option<Entry>>,
    dirty: Vec<Socket>,
    announced: usize,
}

impl SocketTable {
    pub(crate) fn insert(&mut self, fd: Socket, owner: Owner) {
        let idx = usize::try_from(fd).expect("fds are non-negative");
        if self.entries.len() <= idx {
            self.entries.resize_with(idx + 1, || None);
        }
        self.entries[idx] = Some(Entry {
            owner,
            wanted: 0,
            reported: 0,
            assigned: None,
            dirty: false,
        });
    }

    pub(crate) fn get(&self, fd: Socket) -> Option<&Entry> {
        self.entries.get(usize::try_from(fd).ok()?)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, fd: Socket) -> Option<&mut Entry> {
        self.entries.get_mut(usize::try_from(fd).ok()?)?.as_mut()
    }

    /// Sets what the state machine wants; queued for reconciliation.
    pub(crate) fn want(&mut self, fd: Socket, bits: u8) {
        if let Some(e) = self.entries.get_mut(fd as usize).and_then(Option::as_mut) {
            e.wanted = bits;
            if e.mark_dirty() {
                self.dirty.push(fd);
            }
        }
    }

    /// Queues `fd` for reconciliation when what is wanted differs from
    /// what was reported: [`SocketTable::want`] with the interest already
    /// wanted, in one lookup (the end of an idle socket's hold).
    pub(crate) fn requeue(&mut self, fd: Socket) {
        if let Some(e) = self.entries.get_mut(fd as usize).and_then(Option::as_mut) {
            if e.mark_dirty() {
                self.dirty.push(fd);
            }
        }
    }

    /// Some interest change waits to be reported (none does between
    /// calls: every call ends by reporting them).
    pub(crate) fn has_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Takes the next fd whose wanted interest differs from what was
    /// reported, with the interest to report.
    pub(crate) fn next_dirty(&mut self) -> Option<(Socket, Interest)> {
        while let Some(fd) = self.dirty.pop() {
            if let Some(e) = self.get_mut(fd) {
                e.dirty = false;
                if e.wanted != e.reported {
                    return Some((fd, Interest::from_bits(e.wanted)));
                }
            }
        }
        None
    }

    /// Records that `interest` was reported for `fd`.
    pub(crate) fn mark_reported(&mut self, fd: Socket, interest: Interest) {
        let Some(e) = self.get_mut(fd) else { return };
        let was = e.reported;
        e.reported = match interest {
            Interest::Remove => 0,
            i => i.as_raw() as u8,
        };
        if interest == Interest::Remove {
            e.assigned = None;
        }
        match (was, e.reported) {
            (0, r) if r != 0 => self.announced += 1,
            (w, 0) if w != 0 => self.announced -= 1,
            _ => {}
        }
    }

    pub(crate) fn remove(&mut self, fd: Socket) -> Option<Entry> {
        let e = self.entries.get_mut(usize::try_from(fd).ok()?)?.take()?;
        if e.reported != 0 {
            self.announced -= 1;
        }
        Some(e)
    }

    /// The sockets currently announced to the application, with interest.
    pub(crate) fn announced(&self) -> impl Iterator<Item = (Socket, Interest)> + '_ {
        self.entries.iter().enumerate().filter_map(|(fd, e)| {
            let e = e.as_ref()?;
            (e.reported != 0).then(|| (fd as Socket, Interest::from_bits(e.reported)))
        })
    }

    /// How many sockets are announced.
    pub(crate) fn announced_count(&self) -> usize {
        self.announced
    }

    /// AS-01..AS-03: attach a value to an announced socket.
    pub(crate) fn assign(&mut self, fd: Socket, value: Option<usize>) -> Result<(), MultiError> {
        match self.get_mut(fd) {
            Some(e) if e.reported != 0 => {
                e.assigned = value;
                Ok(())
            }
            _ => Err(MultiError::BadSocket),
        }
    }
}

/// Handed to the socket callback: lets it `assign` (CB-03, AS-04), the one
/// multi operation allowed from inside a callback.
pub struct SocketContext<'a> {
    pub(crate) table: &'a mut SocketTable,
}

impl SocketContext<'_> {
    /// `fetch_multi_assign` from inside the callback. Assigning to the socket
    /// being reported takes effect for its next callback.
    pub fn assign(&mut self, socket: Socket, value: Option<usize>) -> Result<(), MultiError> {
        self.table.assign(socket, value)
    }
}
