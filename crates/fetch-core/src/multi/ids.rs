//! Typed keys for the engine's tables: a [`TransferKey`] names a slot in
//! the transfer table, a [`ConnKey`] one in the connection table. Neither
//! converts from a bare number outside this module, so a connection key can
//! never index the transfer table (or the other way round).

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use slab::Slab;

/// A key that names a slot of a [`Table`].
pub(crate) trait Key: Copy {
    /// The key of slot `slot`.
    fn at(slot: usize) -> Self;
    /// The slot this key names.
    fn slot(self) -> usize;
}

macro_rules! key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) struct $name(u32);

        impl Key for $name {
            fn at(slot: usize) -> Self {
                Self(u32::try_from(slot).expect("fewer than 2^32 slots"))
            }

            fn slot(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

key! {
    /// Names a transfer in the multi's transfer table (the public
    /// [`TransferId`](super::TransferId) adds a generation to it).
    TransferKey
}

impl TransferKey {
    /// The slot number, for side tables indexed like the transfer table.
    pub(crate) fn slot(self) -> usize {
        Key::slot(self)
    }

    /// The key of slot `slot` (side tables that store slots compactly,
    /// like the resolver's request keys, give them back through this).
    pub(crate) fn from_slot(slot: usize) -> Self {
        Key::at(slot)
    }
}

key! {
    /// Names a connection in the multi's connection table.
    ConnKey
}

/// A slab whose slots are named by keys of type `K` only.
pub(crate) struct Table<K, T> {
    slab: Slab<T>,
    key: PhantomData<K>,
}

impl<K, T> Default for Table<K, T> {
    fn default() -> Self {
        Self {
            slab: Slab::new(),
            key: PhantomData,
        }
    }
}

impl<K: Key, T> Table<K, T> {
    pub(crate) fn get(&self, k: K) -> Option<&T> {
        self.slab.get(k.slot())
    }

    pub(crate) fn get_mut(&mut self, k: K) -> Option<&mut T> {
        self.slab.get_mut(k.slot())
    }

    pub(crate) fn contains(&self, k: K) -> bool {
        self.slab.contains(k.slot())
    }

    pub(crate) fn insert(&mut self, value: T) -> K {
        K::at(self.slab.insert(value))
    }

    /// The key the next `insert` returns.
    pub(crate) fn vacant_key(&self) -> K {
        K::at(self.slab.vacant_key())
    }

    /// Removes the entry; panics when `k` names no entry.
    pub(crate) fn remove(&mut self, k: K) -> T {
        self.slab.remove(k.slot())
    }

    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slab.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (K, &T)> {
        self.slab.iter().map(|(i, v)| (K::at(i), v))
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = K> + '_ {
        self.slab.iter().map(|(i, _)| K::at(i))
    }
}

impl<K: Key, T> Index<K> for Table<K, T> {
    type Output = T;

    fn index(&self, k: K) -> &T {
        &self.slab[k.slot()]
    }
}

impl<K: Key, T> IndexMut<K> for Table<K, T> {
    fn index_mut(&mut self, k: K) -> &mut T {
        &mut self.slab[k.slot()]
    }
}
