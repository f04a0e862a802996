//! [`Rare`]: an option group most transfers leave at its defaults, kept
//! out of line so that an [`crate::Easy`] with default options stays small
//! (issue 13: RSS per connection at 10,000 connections).

use std::ops::{Deref, DerefMut};
use std::sync::LazyLock;

/// A type with one shared, never-changed default value.
pub(crate) trait Defaults: Default + Send + Sync + 'static {
    /// The default value, built once.
    fn defaults() -> &'static Self;
}

/// Implements [`Defaults`] for a type with a `LazyLock` of its default.
macro_rules! shared_defaults {
    ($($t:ty),* $(,)?) => {$(
        impl Defaults for $t {
            fn defaults() -> &'static Self {
                static D: LazyLock<$t> = LazyLock::new(<$t>::default);
                &D
            }
        }
    )*};
}

shared_defaults!(
    crate::tls::TlsOptions,
    crate::connopts::ConnOptions,
    crate::proxy::ProxyOptions,
    crate::xfer::XferOptions,
);

/// An option group with no heap block while it is at its defaults: reads
/// of an unset group see the shared default; the first mutable use gives
/// it a block of its own.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rare<T>(Option<Box<T>>);

impl<T: Defaults + PartialEq> Rare<T> {
    /// Sets the whole group; a group equal to the defaults holds no block.
    pub(crate) fn set(&mut self, value: T) {
        self.0 = (value != *T::defaults()).then(|| Box::new(value));
    }
}

impl<T: Defaults> Rare<T> {
    /// Sets one `Option` field of the group, `field` being one whose
    /// default is `None`: `None` into a group without a block leaves it
    /// without one (the field reads as `None` there already).
    #[inline]
    pub(crate) fn set_field<V>(
        &mut self,
        field: impl FnOnce(&mut T) -> &mut Option<V>,
        value: Option<V>,
    ) {
        if value.is_some() || self.0.is_some() {
            *field(self) = value;
        }
    }
}

impl<T> Rare<T> {
    /// Whether the group has no block of its own, so it reads as the
    /// defaults (a group with a block may still hold them): a check once
    /// on a hot path that skips every option of the group.
    #[inline]
    pub(crate) fn is_unset(&self) -> bool {
        self.0.is_none()
    }
}

impl<T: Defaults> Deref for Rare<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match &self.0 {
            Some(t) => t,
            None => T::defaults(),
        }
    }
}

impl<T: Defaults> DerefMut for Rare<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

#[cfg(test)]
mod tests {
    use super::Rare;
    use crate::connopts::ConnOptions;

    #[test]
    fn unset_group_reads_defaults_and_holds_no_block() {
        let mut r: Rare<ConnOptions> = Rare::default();
        assert!(r.0.is_none());
        assert_eq!(*r, ConnOptions::default());
        r.set(ConnOptions::default());
        assert!(r.0.is_none(), "a default group is not stored");
        r.local_port = 4000;
        assert!(r.0.is_some());
        assert_eq!(r.local_port, 4000);
        r.set(ConnOptions {
            local_port: 5000,
            ..ConnOptions::default()
        });
        assert_eq!(r.clone().local_port, 5000);
        r.set(ConnOptions::default());
        assert!(r.0.is_none());
    }

    #[test]
    fn set_field_allocates_only_for_a_value() {
        let mut r: Rare<ConnOptions> = Rare::default();
        r.set_field(|c| &mut c.interface, None);
        assert!(r.0.is_none(), "None into an unset group needs no block");
        r.set_field(|c| &mut c.interface, Some("lo".to_owned()));
        assert_eq!(r.interface.as_deref(), Some("lo"));
        r.set_field(|c| &mut c.interface, None);
        assert_eq!(r.interface, None, "None over a value clears it");
    }
}

/// Issue 13's budget: what an `Easy` with default options costs (its
/// state block, kept by every handle). A new field that is big and rarely
/// used belongs in a [`Rare`] group or a box.
#[cfg(all(test, target_pointer_width = "64"))]
mod budget {
    #[test]
    fn default_easy_state_stays_small() {
        // 1,064 plus the pool key buffer kept between transfers (24 bytes
        // inline, its heap moves to the transfer while one runs); the
        // seldom-set strings are a `Seldom` group.
        let size = size_of::<crate::easy::EasyState>();
        assert!(size <= 1088, "EasyState is {size} bytes (budget 1088)");
        let seldom = size_of::<super::Rare<crate::easy::Seldom>>();
        assert_eq!(seldom, size_of::<usize>());
    }
}
