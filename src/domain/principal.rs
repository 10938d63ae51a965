//! Who acts: the caller every rule and every audit event is about.

use uuid::Uuid;

use super::kinds::Role;

/// A member's place in the workspace a request acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub workspace: Uuid,
    pub role: Role,
}

/// An authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// The user acting (for an API key: the user the key acts for).
    pub user_id: Uuid,
    pub api_key: Option<Uuid>,
    /// Creates workspaces and manages their members; by itself, sees no workspace's records.
    pub instance_admin: bool,
    /// The caller's role in the workspace the request names; `None` on routes outside any
    /// workspace (the caller's own account, the list of workspaces).
    pub membership: Option<Membership>,
}

impl Principal {
    pub fn at_least(&self, role: Role) -> bool {
        self.membership.is_some_and(|m| m.role >= role)
    }

    /// The caller's role in the request's workspace (the lowest when outside one).
    pub fn role(&self) -> Role {
        self.membership.map_or(Role::Submitter, |m| m.role)
    }
}
