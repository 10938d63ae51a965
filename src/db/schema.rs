// @generated automatically by Diesel CLI.

pub mod sql_types {
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
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;

    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "user_role"))]
    pub struct UserRole;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::UserRole;

    api_keys (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        role -> UserRole,
        prefix -> Text,
        secret_sha256 -> Text,
        created_by -> Uuid,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> Int8,
        id -> Uuid,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        api_key_id -> Nullable<Uuid>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Uuid,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::ClaimQualifier;
    use super::sql_types::ReviewStatus;
    use super::sql_types::Tsvector;

    claims (id) {
        id -> Uuid,
        source_id -> Uuid,
        claimant_id -> Nullable<Uuid>,
        statement -> Text,
        metric -> Text,
        qualifier -> ClaimQualifier,
        value -> Nullable<Numeric>,
        lower_bound -> Nullable<Numeric>,
        upper_bound -> Nullable<Numeric>,
        unit -> Nullable<Text>,
        as_of -> Nullable<Date>,
        period_start -> Nullable<Date>,
        period_end -> Nullable<Date>,
        place -> Nullable<Text>,
        anchor_prefix -> Nullable<Text>,
        anchor_exact -> Nullable<Text>,
        anchor_suffix -> Nullable<Text>,
        anchor_start -> Nullable<Int4>,
        anchor_end -> Nullable<Int4>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        status -> ReviewStatus,
        assignee_id -> Nullable<Uuid>,
        language -> Nullable<Text>,
        search_vector -> Nullable<Tsvector>,
        reviewed_at -> Nullable<Timestamptz>,
        arrival_slice -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::QuoteKind;
    use super::sql_types::ReviewStatus;
    use super::sql_types::Tsvector;

    quotes (id) {
        id -> Uuid,
        source_id -> Uuid,
        speaker_id -> Uuid,
        text -> Text,
        kind -> QuoteKind,
        anchor_prefix -> Nullable<Text>,
        anchor_exact -> Nullable<Text>,
        anchor_suffix -> Nullable<Text>,
        anchor_start -> Nullable<Int4>,
        anchor_end -> Nullable<Int4>,
        relayed_by -> Nullable<Text>,
        said_at -> Nullable<Timestamptz>,
        language -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        status -> ReviewStatus,
        assignee_id -> Nullable<Uuid>,
        canonical_quote_id -> Nullable<Uuid>,
        search_vector -> Nullable<Tsvector>,
        reviewed_at -> Nullable<Timestamptz>,
        arrival_slice -> Int4,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_sha256 -> Text,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    review_evidence (id) {
        id -> Uuid,
        review_id -> Uuid,
        position -> Int4,
        source_id -> Nullable<Uuid>,
        url -> Nullable<Text>,
        note -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::ReviewStatus;

    reviews (id) {
        id -> Uuid,
        quote_id -> Nullable<Uuid>,
        claim_id -> Nullable<Uuid>,
        reviewer_id -> Uuid,
        status -> ReviewStatus,
        rating_value -> Nullable<Int2>,
        rating_label -> Nullable<Text>,
        rationale -> Nullable<Text>,
        item_version -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::SourceKind;
    use super::sql_types::Tsvector;

    sources (id) {
        id -> Uuid,
        url -> Text,
        canonical_url -> Nullable<Text>,
        title -> Nullable<Text>,
        publisher -> Nullable<Text>,
        author -> Nullable<Text>,
        published_at -> Nullable<Timestamptz>,
        retrieved_at -> Timestamptz,
        language -> Nullable<Text>,
        kind -> SourceKind,
        content -> Nullable<Text>,
        content_sha256 -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        supersedes_id -> Nullable<Uuid>,
        search_vector -> Nullable<Tsvector>,
        arrival_slice -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::SpeakerKind;

    speakers (id) {
        id -> Uuid,
        name -> Text,
        kind -> SpeakerKind,
        description -> Nullable<Text>,
        aliases -> Array<Nullable<Text>>,
        wikidata_qid -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::UserRole;

    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        role -> UserRole,
        password_hash -> Text,
        token_generation -> Int4,
        disabled_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(claims -> sources (source_id));
diesel::joinable!(claims -> speakers (claimant_id));
diesel::joinable!(quotes -> sources (source_id));
diesel::joinable!(quotes -> speakers (speaker_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(review_evidence -> reviews (review_id));
diesel::joinable!(review_evidence -> sources (source_id));
diesel::joinable!(reviews -> claims (claim_id));
diesel::joinable!(reviews -> quotes (quote_id));
diesel::joinable!(reviews -> users (reviewer_id));
diesel::joinable!(sources -> users (created_by));
diesel::joinable!(speakers -> users (created_by));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    audit_events,
    claims,
    quotes,
    refresh_tokens,
    review_evidence,
    reviews,
    sources,
    speakers,
    users,
);
