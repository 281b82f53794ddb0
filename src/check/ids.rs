//! Typed ids for what the checked model declares: one newtype per kind, so an input's number
//! can never be used where a parameter's is meant.
//!
//! Input: positions the checker hands out while declaring. Output: ids the compiler and the
//! lints read. Guarantee: only the checker makes an id (the constructor is private to it); an
//! id indexes the matching list of the [`super::Model`] it came from.

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(usize);

        impl $name {
            /// The checker's id for the declaration at `index` of its list.
            pub(super) fn new(index: usize) -> Self {
                $name(index)
            }

            /// The position in the model's list.
            // Not every kind of id is read by position (clause ids are only compared).
            #[allow(dead_code)]
            pub fn index(self) -> usize {
                self.0
            }
        }
    )*};
}

ids! {
    /// An input: its position in [`super::Model::inputs`].
    InputId,
    /// A parameter: its position in [`super::Model::params`].
    ParamId,
    /// A policy-wide `let`: its position in [`super::Model::lets`].
    LetId,
    /// A shared limit: its position in [`super::Model::limits`].
    LimitId,
    /// A named table: its position in [`super::Model::tables`].
    TableId,
    /// A clause: its position in [`super::Model::clauses`].
    ClauseId,
    /// A matter (the non-cumulation key in its compared form): its position in
    /// [`super::Model::matters`].
    MatterId,
}
