//! Names the application pinned (FETCHOPT_RESOLVE) and the address filter
//! of FETCHOPT_IPRESOLVE.

use super::*;
use crate::connopts::ResolveEntry;

/// A pinned name: its addresses and when it expires (`None`: never).
pub(super) type Pin = (Vec<SocketAddr>, Option<Moment>);

impl Multi {
    /// Loads a transfer's RESOLVE entries into this multi's names, as
    /// upstream loads them into the multi's DNS cache when a transfer
    /// starts: later transfers of the multi see them too. `-HOST:PORT`
    /// removes an entry (pinned or looked up).
    pub(super) fn load_resolve(&mut self, ti: TransferKey) {
        let now = self.now;
        let t = &mut self.transfers[ti];
        let ttl = t.easy.conn.dns_cache_timeout;
        let entries = t.easy.conn.resolve.clone();
        for raw in &entries {
            // Checked when set; a bad entry cannot get here.
            let Ok(Some(e)) = ResolveEntry::parse(raw) else {
                continue;
            };
            let key = (e.host.clone(), e.port);
            let share = t.easy.share.clone();
            let share = share.as_ref();
            if e.remove {
                if share
                    .and_then(|s| s.dns(|c| c.forget(&e.host, e.port)))
                    .is_some()
                {
                    continue;
                }
                self.dns_pins.remove(&key);
                if let Some(r) = self.resolver.as_mut() {
                    r.forget(&e.host, e.port);
                }
                continue;
            }
            let addrs = e.addrs.iter().map(|&ip| SocketAddr::new(ip, e.port));
            let expires = match (e.permanent, ttl) {
                (false, Some(ttl)) => now.checked_add(ttl),
                _ => None,
            };
            t.easy.trace_text(|| {
                format!("Added {}:{}:{} to DNS cache", e.host, e.port, {
                    let v: Vec<String> = e.addrs.iter().map(ToString::to_string).collect();
                    v.join(",")
                })
            });
            let mut addrs: Vec<SocketAddr> = addrs.collect();
            if t.easy.conn.dns_shuffle {
                crate::connopts::shuffle(&mut addrs);
            }
            let pinned = share
                .and_then(|s| s.dns(|c| c.pin(e.host.clone(), e.port, addrs.clone(), expires)));
            if pinned.is_none() {
                self.dns_pins.insert(key, (addrs, expires));
            }
        }
    }

    /// The pinned addresses of `host`:`port`, if any (expired ones go).
    pub(super) fn pinned(&mut self, host: &str, port: u16) -> Option<Vec<SocketAddr>> {
        let key = (host.to_owned(), port);
        let (addrs, expires) = self.dns_pins.get(&key)?;
        if expires.is_some_and(|at| at <= self.now) {
            self.dns_pins.remove(&key);
            return None;
        }
        Some(addrs.clone())
    }

    /// Gives a transfer its addresses, keeping only those IPRESOLVE allows;
    /// with none left it fails: COULDNT_RESOLVE_HOST for a name,
    /// COULDNT_CONNECT for an IP address (as upstream). Returns whether it
    /// may go on.
    pub(super) fn set_addrs(&mut self, ti: TransferKey, mut addrs: Vec<SocketAddr>) -> bool {
        let t = &mut self.transfers[ti];
        let allow = t.easy.conn.ip_resolve;
        addrs.retain(|a| allow.allows(a));
        if !addrs.is_empty() && self.took_target_addr(ti, &addrs) {
            return true;
        }
        let t = &mut self.transfers[ti];
        if addrs.is_empty() {
            let (host, port) = t.connect_host();
            let err = if host.parse::<IpAddr>().is_ok() {
                Error::new(
                    ErrorCode::CouldntConnect,
                    format!(
                        "Failed to connect to {host} port {port}: no address of the IPRESOLVE version"
                    ),
                )
            } else {
                t.resolve_error(host)
            };
            self.fail(ti, err);
            return false;
        }
        t.addrs = addrs;
        if t.addrs.len() > 1 {
            self.plan_race(ti);
        }
        true
    }
}
