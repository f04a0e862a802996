//! The TLS session cache a share holds: rustls' in-memory store, with the
//! share's lock hooks called around every access rustls makes (rustls
//! reaches the store on its own, so no transfer is known: tag 0).

use std::sync::{Arc, Mutex, PoisonError};

use rustls::ClientConfig;

use rustls::NamedGroup;
use rustls::client::{
    ClientSessionMemoryCache, ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue,
};
use rustls::pki_types::ServerName;

use super::{Hooks, LockData, with_hooks};
use crate::{Error, TlsOptions};

/// Sessions kept per share (rustls' default for one configuration).
const SESSIONS: usize = 256;

/// A session store shared by every configuration built for a share.
pub(crate) struct SharedSessions {
    /// Held by the configurations too (a separate `Arc`, so that the
    /// configurations kept here make no cycle).
    store: Arc<SessionStore>,
    /// The configurations built for holders, by TLS options: rustls
    /// resumes a session only under the verifier that checked it, so
    /// every multi of the share must use the same configuration.
    configs: Mutex<Vec<(TlsOptions, Arc<ClientConfig>)>>,
}

/// rustls' in-memory store behind the share's lock hooks.
pub(crate) struct SessionStore {
    cache: ClientSessionMemoryCache,
    hooks: Hooks,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore").finish_non_exhaustive()
    }
}

impl SharedSessions {
    pub(crate) fn new(hooks: Hooks) -> Self {
        Self {
            store: Arc::new(SessionStore {
                cache: ClientSessionMemoryCache::new(SESSIONS),
                hooks,
            }),
            configs: Mutex::new(Vec::new()),
        }
    }

    /// The share's configuration for `opts`, built on first use with its
    /// sessions kept here.
    pub(crate) fn config(&self, opts: &TlsOptions) -> Result<Arc<ClientConfig>, Error> {
        let mut configs = self.configs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, c)) = configs.iter().find(|(o, _)| o == opts) {
            return Ok(c.clone());
        }
        let mut c = (*crate::tls::client_config(opts)?).clone();
        c.resumption = rustls::client::Resumption::store(self.store.clone());
        let c = Arc::new(c);
        configs.push((opts.clone(), c.clone()));
        Ok(c)
    }
}

impl SessionStore {
    fn locked<R>(&self, f: impl FnOnce(&ClientSessionMemoryCache) -> R) -> R {
        with_hooks(&self.hooks, 0, LockData::SslSession, || f(&self.cache))
    }
}

impl ClientSessionStore for SessionStore {
    fn set_kx_hint(&self, name: ServerName<'static>, group: NamedGroup) {
        self.locked(|s| s.set_kx_hint(name, group));
    }

    fn kx_hint(&self, name: &ServerName<'_>) -> Option<NamedGroup> {
        self.locked(|s| s.kx_hint(name))
    }

    fn set_tls12_session(&self, name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.locked(|s| s.set_tls12_session(name, value));
    }

    fn tls12_session(&self, name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.locked(|s| s.tls12_session(name))
    }

    fn remove_tls12_session(&self, name: &ServerName<'static>) {
        self.locked(|s| s.remove_tls12_session(name));
    }

    fn insert_tls13_ticket(&self, name: ServerName<'static>, value: Tls13ClientSessionValue) {
        self.locked(|s| s.insert_tls13_ticket(name, value));
    }

    fn take_tls13_ticket(&self, name: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        self.locked(|s| s.take_tls13_ticket(name))
    }
}
