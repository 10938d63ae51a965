//! Optimistic concurrency: a write to an existing record names the version its author read.

/// The versions a write may replace (from `If-Match`): any, or one of those the client read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedVersion {
    Any,
    OneOf(Vec<i32>),
}

impl ExpectedVersion {
    /// `current`, if the writer read it; `None` when the writer's copy is stale.
    pub fn admits(&self, current: i32) -> Option<i32> {
        match self {
            Self::Any => Some(current),
            Self::OneOf(versions) => versions.contains(&current).then_some(current),
        }
    }
}
