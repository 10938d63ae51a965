use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::references::References;
use super::{Page, PageRequest};
use crate::domain::anchor::{Anchor, anchor_record};
use crate::domain::kinds::{QuoteKind, ReviewStatus};
use crate::domain::quote::QuoteDraft;
use crate::error::FieldError;
use crate::schema::quotes;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = quotes, check_for_backend(diesel::pg::Pg))]
pub struct Quote {
    pub id: Uuid,
    pub source_id: Uuid,
    pub speaker_id: Uuid,
    pub text: String,
    pub kind: QuoteKind,
    pub anchor_prefix: Option<String>,
    pub anchor_exact: Option<String>,
    pub anchor_suffix: Option<String>,
    pub anchor_start: Option<i32>,
    pub anchor_end: Option<i32>,
    pub relayed_by: Option<String>,
    pub said_at: Option<DateTime<Utc>>,
    pub language: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub status: ReviewStatus,
    pub assignee_id: Option<Uuid>,
}

impl Quote {
    pub fn anchor(&self) -> Option<Anchor> {
        Anchor::from_columns(
            self.anchor_prefix.clone(),
            self.anchor_exact.clone(),
            self.anchor_suffix.clone(),
            self.anchor_start,
            self.anchor_end,
        )
    }
}

/// The fields a client sets, with the anchor already checked against the source text.
/// `source_id` is set at insert only: a quote stays where it was read.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = quotes, treat_none_as_null = true)]
pub struct QuoteFields {
    pub speaker_id: Uuid,
    pub text: String,
    pub kind: QuoteKind,
    pub anchor_prefix: Option<String>,
    pub anchor_exact: Option<String>,
    pub anchor_suffix: Option<String>,
    pub anchor_start: Option<i32>,
    pub anchor_end: Option<i32>,
    pub relayed_by: Option<String>,
    pub said_at: Option<DateTime<Utc>>,
    pub language: Option<String>,
}

impl QuoteFields {
    /// Checks the draft's references and anchors it in its source's text.
    pub fn resolve(draft: QuoteDraft, references: &References) -> Result<(Uuid, Self), FieldError> {
        let source_text = references.source_text(draft.source_id)?;
        references.check_speaker(draft.speaker_id, "/speaker_id")?;
        let anchor = anchor_record(
            source_text,
            draft.anchor_exact(),
            draft.anchor.as_ref(),
            "/text",
        )?;
        let (prefix, exact, suffix, start, end) = Anchor::into_columns(anchor);
        Ok((
            draft.source_id,
            Self {
                speaker_id: draft.speaker_id,
                text: draft.text.into_inner(),
                kind: draft.kind,
                anchor_prefix: prefix,
                anchor_exact: exact,
                anchor_suffix: suffix,
                anchor_start: start,
                anchor_end: end,
                relayed_by: draft.relayed_by.map(|r| r.into_inner()),
                said_at: draft.said_at,
                language: draft.language.map(|l| l.into_inner()),
            },
        ))
    }
}

#[derive(Debug, Default)]
pub struct QuoteFilter {
    pub source_id: Option<Uuid>,
    pub status: Option<ReviewStatus>,
    pub assignee_id: Option<Uuid>,
    pub speaker_id: Option<Uuid>,
    pub kind: Option<QuoteKind>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    rows: Vec<(Uuid, QuoteFields)>,
    created_by: Uuid,
) -> QueryResult<Vec<Quote>> {
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(source_id, fields)| {
            (
                quotes::id.eq(Uuid::now_v7()),
                quotes::source_id.eq(source_id),
                quotes::created_by.eq(created_by),
                fields,
            )
        })
        .collect();
    diesel::insert_into(quotes::table)
        .values(rows)
        .returning(Quote::as_returning())
        .get_results(conn)
        .await
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &QuoteFilter,
    page: PageRequest,
) -> QueryResult<Page<Quote>> {
    let mut query = page_query(page);
    if let Some(source_id) = filter.source_id {
        query = query.filter(quotes::source_id.eq(source_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(quotes::status.eq(status));
    }
    if let Some(assignee_id) = filter.assignee_id {
        query = query.filter(quotes::assignee_id.eq(assignee_id));
    }
    if let Some(speaker_id) = filter.speaker_id {
        query = query.filter(quotes::speaker_id.eq(speaker_id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(quotes::kind.eq(kind));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

super::versioned_queries!(quotes, Quote, QuoteFields);
