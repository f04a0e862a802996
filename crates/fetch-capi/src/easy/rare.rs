//! [`Rare`]: an option group most handles leave at its defaults, kept out
//! of line so that an easy handle with default options stays small (issue
//! 13: RSS per connection at 10,000 connections).

/// An option group with no heap block until one of its options is set;
/// reads of an unset group see `T::default()`.
#[derive(Clone, Default)]
pub(crate) struct Rare<T>(Option<Box<T>>);

impl<T: Default> Rare<T> {
    /// The group, allocated (at its defaults) on first use.
    pub(crate) fn edit(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }

    /// Whether one of the group's options was set.
    pub(crate) fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// The group, if one of its options was set.
    pub(crate) fn get_mut(&mut self) -> Option<&mut T> {
        self.0.as_deref_mut()
    }

    /// A group made from this one by `f`; an unset group stays unset.
    pub(crate) fn map(&self, f: impl FnOnce(&T) -> T) -> Self {
        Self(self.0.as_deref().map(|t| Box::new(f(t))))
    }

    /// `f` applied to the group, or to its defaults while it is unset.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        match &self.0 {
            Some(t) => f(t),
            None => f(&T::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rare;

    #[test]
    fn unset_reads_defaults_and_edit_allocates_once() {
        let mut r: Rare<(u32, String)> = Rare::default();
        assert!(r.0.is_none());
        assert_eq!(r.with(|t| t.0), 0);
        r.edit().0 = 7;
        r.edit().1.push('x');
        assert_eq!(r.with(|t| (t.0, t.1.clone())), (7, "x".to_owned()));
        let copy = r.clone();
        assert_eq!(copy.with(|t| t.0), 7);
    }
}

/// Issue 13's budget: what an easy handle with default options costs
/// before its first transfer (the `Box<FetchEasy>` itself). A new field
/// that is big and rarely used belongs in a [`Rare`] group or a box.
#[cfg(all(test, target_pointer_width = "64"))]
mod budget {
    #[test]
    fn default_easy_handle_stays_small() {
        let size = size_of::<super::super::FetchEasy>();
        assert!(size <= 640, "FetchEasy is {size} bytes (budget 640)");
        let opts = size_of::<super::super::Options>();
        assert!(opts <= 488, "Options is {opts} bytes (budget 488)");
    }
}
