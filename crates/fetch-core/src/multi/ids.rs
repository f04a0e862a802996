//! Typed keys for the engine's tables: a [`TransferKey`] names a slot in
//! the transfer table, a [`ConnKey`] one in the connection table. Neither
//! converts from a bare number outside this module, so a connection key can
//! never index the transfer table (or the other way round).

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

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
///
/// The slab crate's layout and key order (a freed slot is the next one
/// used, last freed first), written out here so that an insert picks its
/// slot before the row is stored: the row is then written straight into
/// its slot instead of built aside and copied in (the transfer row is
/// about 530 bytes, and that copy was a `memcpy` call per transfer,
/// issue 13).
pub(crate) struct Table<K, T> {
    entries: Vec<Entry<T>>,
    /// Occupied entries.
    len: usize,
    /// The next insert's slot: the last freed one, or `entries.len()`.
    next: usize,
    key: PhantomData<K>,
}

/// A slot: free (with the free slot after it) or holding a value.
enum Entry<T> {
    Vacant(usize),
    Occupied(T),
}

impl<K, T> Default for Table<K, T> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            len: 0,
            next: 0,
            key: PhantomData,
        }
    }
}

impl<K: Key, T> Table<K, T> {
    pub(crate) fn get(&self, k: K) -> Option<&T> {
        match self.entries.get(k.slot()) {
            Some(Entry::Occupied(v)) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, k: K) -> Option<&mut T> {
        match self.entries.get_mut(k.slot()) {
            Some(Entry::Occupied(v)) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn contains(&self, k: K) -> bool {
        self.get(k).is_some()
    }

    /// Stores `value` in the slot [`Table::vacant_key`] names.
    pub(crate) fn insert(&mut self, value: T) -> K {
        self.insert_with(|| value)
    }

    /// Stores what `make` returns in the slot [`Table::vacant_key`] names,
    /// calling it once that slot is ready: the value can then be written
    /// into its slot in place rather than built aside and copied in.
    #[inline(always)]
    pub(crate) fn insert_with(&mut self, make: impl FnOnce() -> T) -> K {
        let key = self.next;
        if key == self.entries.len() {
            self.entries.push(Entry::Vacant(key + 1));
        }
        let slot = &mut self.entries[key];
        let Entry::Vacant(next) = *slot else {
            unreachable!("the free list names an occupied slot");
        };
        *slot = Entry::Occupied(make());
        self.next = next;
        self.len += 1;
        K::at(key)
    }

    /// The key the next `insert` returns.
    pub(crate) fn vacant_key(&self) -> K {
        K::at(self.next)
    }

    /// Removes the entry; panics when `k` names no entry.
    pub(crate) fn remove(&mut self, k: K) -> T {
        let key = k.slot();
        let Some(slot @ Entry::Occupied(_)) = self.entries.get_mut(key) else {
            panic!("invalid key");
        };
        let Entry::Occupied(v) = std::mem::replace(slot, Entry::Vacant(self.next)) else {
            unreachable!("checked above");
        };
        self.len -= 1;
        self.next = key;
        v
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (K, &T)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Entry::Occupied(v) => Some((K::at(i), v)),
                Entry::Vacant(_) => None,
            })
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = K> + '_ {
        self.iter().map(|(k, _)| k)
    }
}

impl<K: Key, T> Index<K> for Table<K, T> {
    type Output = T;

    fn index(&self, k: K) -> &T {
        match self.entries.get(k.slot()) {
            Some(Entry::Occupied(v)) => v,
            _ => panic!("invalid key"),
        }
    }
}

impl<K: Key, T> IndexMut<K> for Table<K, T> {
    fn index_mut(&mut self, k: K) -> &mut T {
        match self.entries.get_mut(k.slot()) {
            Some(Entry::Occupied(v)) => v,
            _ => panic!("invalid key"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table hands out, reuses and lists keys exactly as the slab
    /// crate it replaced (same slot for every insert, same iteration), over
    /// a long mixed run of inserts and removes.
    #[test]
    fn table_keys_follow_the_slab_crate() {
        let mut table: Table<ConnKey, u64> = Table::default();
        let mut slab: slab::Slab<u64> = slab::Slab::new();
        // A small deterministic generator: the run mixes growing,
        // shrinking to empty and refilling.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for step in 0..20_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let remove = !slab.is_empty() && (seed % 7 < 3 || (step / 2_000) % 2 == 1);
            if remove {
                let nth = (seed >> 8) as usize % slab.len();
                let (k, _) = slab.iter().nth(nth).expect("nth entry");
                let key = ConnKey::at(k);
                assert_eq!(table.remove(key), slab.remove(k));
                assert!(!table.contains(key));
            } else {
                assert_eq!(table.vacant_key().slot(), slab.vacant_key());
                let key = table.insert(step);
                assert_eq!(key.slot(), slab.insert(step));
                assert_eq!(table[key], step);
            }
            assert_eq!(table.len(), slab.len());
            assert_eq!(table.is_empty(), slab.is_empty());
        }
        let listed: Vec<(usize, u64)> = table.iter().map(|(k, v)| (k.slot(), *v)).collect();
        let expected: Vec<(usize, u64)> = slab.iter().map(|(k, v)| (k, *v)).collect();
        assert_eq!(listed, expected);
    }
}
