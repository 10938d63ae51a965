//! The closed vocabularies of the data model, shared by the API (snake_case JSON strings)
//! and the database (PostgreSQL enums of the same names).

use diesel_derive_enum::DbEnum;
use serde::{Deserialize, Serialize};

/// The PostgreSQL enum types these map to, declared here with the vocabularies so the
/// domain depends on no other layer; `db::schema` uses them in its tables.
pub mod sql {
    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "claim_qualifier"))]
    pub struct ClaimQualifier;

    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "quote_kind"))]
    pub struct QuoteKind;

    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "review_status"))]
    pub struct ReviewStatus;

    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "source_kind"))]
    pub struct SourceKind;

    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "speaker_kind"))]
    pub struct SpeakerKind;

    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "user_role"))]
    pub struct UserRole;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, DbEnum)]
#[serde(rename_all = "snake_case")]
#[ExistingTypePath = "crate::domain::kinds::sql::SourceKind"]
pub enum SourceKind {
    Article,
    Transcript,
    SocialPost,
    PressRelease,
    Dataset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, DbEnum)]
#[serde(rename_all = "snake_case")]
#[ExistingTypePath = "crate::domain::kinds::sql::SpeakerKind"]
pub enum SpeakerKind {
    Person,
    Organisation,
    Anonymous,
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, DbEnum)]
#[serde(rename_all = "snake_case")]
#[ExistingTypePath = "crate::domain::kinds::sql::QuoteKind"]
pub enum QuoteKind {
    /// The speaker's exact words, in quotation marks.
    Direct,
    /// A fragment of the speaker's words inside the reporter's sentence.
    Partial,
    /// Reported speech: a paraphrase, not the speaker's words.
    Indirect,
}

impl QuoteKind {
    /// Direct and partial quotes are the speaker's words, so they must appear in the source.
    pub fn is_verbatim(self) -> bool {
        matches!(self, Self::Direct | Self::Partial)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, DbEnum)]
#[serde(rename_all = "snake_case")]
#[ExistingTypePath = "crate::domain::kinds::sql::ClaimQualifier"]
pub enum ClaimQualifier {
    Exact,
    Approximately,
    MoreThan,
    AtLeast,
    LessThan,
    AtMost,
    Almost,
    /// Between `lower_bound` and `upper_bound`.
    Range,
}

/// What a user (or an API key) may do; each role may do everything the ones below it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, DbEnum)]
#[serde(rename_all = "snake_case")]
#[ExistingTypePath = "crate::domain::kinds::sql::UserRole"]
pub enum Role {
    /// Creates sources, speakers, quotes and claims; changes only its own.
    Submitter,
    /// Claims review work and records verdicts.
    Reviewer,
    /// Resolves disputes, overrides verdicts, retracts.
    Editor,
    /// Manages users and API keys.
    Admin,
}

/// Where a quote or claim stands; its latest review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, DbEnum)]
#[serde(rename_all = "snake_case")]
#[ExistingTypePath = "crate::domain::kinds::sql::ReviewStatus"]
pub enum ReviewStatus {
    Unreviewed,
    InReview,
    Verified,
    Disputed,
    False,
    Misleading,
    Unverifiable,
    Retracted,
}

impl ReviewStatus {
    /// A reviewer's conclusion about the item (as opposed to workflow states).
    pub fn is_verdict(self) -> bool {
        matches!(self, Self::Verified | Self::Disputed | Self::False | Self::Misleading | Self::Unverifiable)
    }
}
