//! Who acts: the caller every rule and every audit event is about.

use uuid::Uuid;

use super::kinds::Role;

/// An authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// The user acting (for an API key: the user the key acts for).
    pub user_id: Uuid,
    pub role: Role,
    pub api_key: Option<Uuid>,
}

impl Principal {
    pub fn at_least(&self, role: Role) -> bool {
        self.role >= role
    }
}
