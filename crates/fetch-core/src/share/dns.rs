//! The DNS cache a share holds: looked-up answers with the time they
//! came, and the names pinned by RESOLVE entries, the same two things a
//! multi keeps for itself when no share is used.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::clock::Moment;

type Key = (String, u16);

/// Answers and pins by host and port.
#[derive(Default)]
pub(crate) struct DnsCache {
    answers: HashMap<Key, (Moment, Vec<SocketAddr>)>,
    pins: HashMap<Key, (Vec<SocketAddr>, Option<Moment>)>,
}

impl DnsCache {
    /// A cached answer no older than `ttl` (`None`: any age); a stale one
    /// is dropped.
    pub(crate) fn cached(
        &mut self,
        host: &str,
        port: u16,
        now: Moment,
        ttl: Option<Duration>,
    ) -> Option<Vec<SocketAddr>> {
        let key = (host.to_owned(), port);
        let (at, addrs) = self.answers.get(&key)?;
        if ttl.is_none_or(|t| now.saturating_duration_since(*at) < t) {
            return Some(addrs.clone());
        }
        self.answers.remove(&key);
        None
    }

    /// Keeps an answer.
    pub(crate) fn store(&mut self, host: String, port: u16, addrs: Vec<SocketAddr>, now: Moment) {
        self.answers.insert((host, port), (now, addrs));
    }

    /// Pins `host`:`port` to `addrs` until `expires` (`None`: for good).
    pub(crate) fn pin(
        &mut self,
        host: String,
        port: u16,
        addrs: Vec<SocketAddr>,
        expires: Option<Moment>,
    ) {
        self.pins.insert((host, port), (addrs, expires));
    }

    /// Drops a pin and an answer (a `-HOST:PORT` RESOLVE entry).
    pub(crate) fn forget(&mut self, host: &str, port: u16) {
        let key = (host.to_owned(), port);
        self.pins.remove(&key);
        self.answers.remove(&key);
    }

    /// The pinned addresses, if any and not expired (an expired pin goes).
    pub(crate) fn pinned(&mut self, host: &str, port: u16, now: Moment) -> Option<Vec<SocketAddr>> {
        let key = (host.to_owned(), port);
        let (addrs, expires) = self.pins.get(&key)?;
        if expires.is_some_and(|at| at <= now) {
            self.pins.remove(&key);
            return None;
        }
        Some(addrs.clone())
    }

    /// How many answers are kept (tests).
    #[cfg(test)]
    pub(crate) fn answers_len(&self) -> usize {
        self.answers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_age_and_pins_expire() {
        let mut c = DnsCache::default();
        let t0 = Moment::from_nanos(1_000_000_000);
        let a = vec![SocketAddr::from(([127, 0, 0, 1], 80))];
        c.store("h".into(), 80, a.clone(), t0);
        let later = t0 + Duration::from_secs(90);
        assert_eq!(c.cached("h", 80, later, None), Some(a.clone()));
        assert_eq!(
            c.cached("h", 80, later, Some(Duration::from_secs(60))),
            None
        );
        assert_eq!(c.cached("h", 80, t0, None), None, "the stale one went");
        c.pin("p".into(), 1, a.clone(), Some(later));
        assert_eq!(c.pinned("p", 1, t0), Some(a.clone()));
        assert_eq!(c.pinned("p", 1, later), None);
        c.pin("q".into(), 1, a, None);
        c.forget("q", 1);
        assert_eq!(c.pinned("q", 1, t0), None);
    }
}
