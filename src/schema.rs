// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "claim_qualifier"))]
    pub struct ClaimQualifier;

    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "quote_kind"))]
    pub struct QuoteKind;

    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "source_kind"))]
    pub struct SourceKind;

    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "speaker_kind"))]
    pub struct SpeakerKind;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::ClaimQualifier;

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
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::QuoteKind;

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
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::SourceKind;

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
    }
}

diesel::joinable!(claims -> sources (source_id));
diesel::joinable!(claims -> speakers (claimant_id));
diesel::joinable!(quotes -> sources (source_id));
diesel::joinable!(quotes -> speakers (speaker_id));

diesel::allow_tables_to_appear_in_same_query!(claims, quotes, sources, speakers,);
