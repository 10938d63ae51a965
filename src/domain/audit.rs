//! What the audit trail records, typed: each action with the payload it carries. Services
//! build these inside their transactions; `db::audit` stores them hash-chained.

use serde_json::{Value, json};
use uuid::Uuid;

/// The kinds of record the trail speaks of, by their names in `entity_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Source,
    Speaker,
    Quote,
    Claim,
    User,
    ApiKey,
    Workspace,
    /// A user's membership of a workspace (the entity id is the user's).
    Membership,
    /// A webhook subscription (never its secret).
    Webhook,
}

impl Entity {
    pub fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Speaker => "speaker",
            Self::Quote => "quote",
            Self::Claim => "claim",
            Self::User => "user",
            Self::ApiKey => "api_key",
            Self::Workspace => "workspace",
            Self::Membership => "membership",
            Self::Webhook => "webhook",
        }
    }
}

/// What happened to the record. Record states are the API's views as JSON (a source's text
/// by its hash only).
#[derive(Debug, Clone)]
pub enum Action {
    Create {
        after: Value,
    },
    Update {
        before: Value,
        after: Value,
    },
    Delete {
        before: Value,
    },
    /// A verdict on a quote or claim: the item's status, assignee and version before; after,
    /// those with the review and its evidence.
    Review {
        before: Value,
        after: Value,
    },
    /// A quote joined a cluster of variants, or left one.
    LinkVariant {
        before: QuoteCluster,
        after: QuoteCluster,
    },
    UnlinkVariant {
        before: QuoteCluster,
        after: QuoteCluster,
    },
    /// The hash never enters the trail; only that the password changed, by the versions.
    ChangePassword {
        version_before: i32,
        version_after: i32,
    },
    Revoke {
        before: Value,
        after: Value,
    },
    /// A verdict became stale without an edit of the item: its words changed in its source's
    /// new version. The item's version and stale reasons before and after, and the cause.
    MarkStale {
        before: Value,
        after: Value,
    },
    /// A speaker merged into another (its survivor), or brought back by undoing the merge.
    Merge {
        before: Value,
        after: Value,
    },
    UndoMerge {
        before: Value,
        after: Value,
    },
    /// An anonymous speaker identified as a named one, or its identification withdrawn.
    Identify {
        before: Value,
        after: Value,
    },
    /// An approval or objection of a quote's or claim's verdict: the sign-off state before,
    /// and after it with the sign-off.
    SignOff {
        before: Value,
        after: Value,
    },
    /// The item's fact-check published, corrected (with the correction's note), unpublished
    /// or retracted (with the public notice): the publication before and after.
    Publish {
        before: Value,
        after: Value,
    },
    Correct {
        before: Value,
        after: Value,
    },
    Unpublish {
        before: Value,
        after: Value,
    },
    Retract {
        before: Value,
        after: Value,
    },
}

/// Which cluster a quote belongs to, at a version.
#[derive(Debug, Clone, Copy)]
pub struct QuoteCluster {
    pub canonical_quote_id: Option<Uuid>,
    pub version: i32,
}

impl QuoteCluster {
    fn to_json(self) -> Value {
        json!({ "canonical_quote_id": self.canonical_quote_id, "version": self.version })
    }
}

impl Action {
    /// The name stored in `action`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create { .. } => "create",
            Self::Update { .. } => "update",
            Self::Delete { .. } => "delete",
            Self::Review { .. } => "review",
            Self::LinkVariant { .. } => "link_variant",
            Self::UnlinkVariant { .. } => "unlink_variant",
            Self::ChangePassword { .. } => "change_password",
            Self::Revoke { .. } => "revoke",
            Self::MarkStale { .. } => "mark_stale",
            Self::Merge { .. } => "merge",
            Self::UndoMerge { .. } => "undo_merge",
            Self::Identify { .. } => "identify",
            Self::SignOff { .. } => "sign_off",
            Self::Publish { .. } => "publish",
            Self::Correct { .. } => "correct",
            Self::Unpublish { .. } => "unpublish",
            Self::Retract { .. } => "retract",
        }
    }

    /// The record before and after, as stored in `before` and `after`.
    pub fn into_states(self) -> (Option<Value>, Option<Value>) {
        match self {
            Self::Create { after } => (None, Some(after)),
            Self::Delete { before } => (Some(before), None),
            Self::Update { before, after }
            | Self::Review { before, after }
            | Self::Revoke { before, after }
            | Self::MarkStale { before, after }
            | Self::Merge { before, after }
            | Self::UndoMerge { before, after }
            | Self::Identify { before, after }
            | Self::SignOff { before, after }
            | Self::Publish { before, after }
            | Self::Correct { before, after }
            | Self::Unpublish { before, after }
            | Self::Retract { before, after } => (Some(before), Some(after)),
            Self::LinkVariant { before, after } | Self::UnlinkVariant { before, after } => {
                (Some(before.to_json()), Some(after.to_json()))
            }
            Self::ChangePassword { version_before, version_after } => {
                (Some(json!({ "version": version_before })), Some(json!({ "version": version_after })))
            }
        }
    }
}

/// One change to one record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub entity: Entity,
    pub entity_id: Uuid,
    pub action: Action,
}

impl AuditEvent {
    pub fn new(entity: Entity, entity_id: Uuid, action: Action) -> Self {
        Self { entity, entity_id, action }
    }
}
