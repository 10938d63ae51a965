use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::references::References;
use super::{Page, PageRequest};
use crate::db::schema::claims;
use crate::domain::FieldError;
use crate::domain::anchor::{Anchor, anchor_record};
use crate::domain::claim::{ClaimDraft, ClaimedAmount, TimeReference};
use crate::domain::consistency::ClaimFigure;
use crate::domain::kinds::{ClaimQualifier, ReviewStatus};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = claims, check_for_backend(diesel::pg::Pg))]
pub struct Claim {
    pub id: Uuid,
    pub source_id: Uuid,
    #[diesel(embed)]
    pub fields: ClaimFields,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub status: ReviewStatus,
    pub assignee_id: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The language is the source's (none was given), and follows it.
    pub language_inherited: bool,
    /// Why the latest verdict no longer matches what was judged (covered fields changed since,
    /// or the source); none while it holds.
    pub stale_reasons: Option<Vec<String>>,
    pub stale_since: Option<DateTime<Utc>>,
    /// Whom the claimant, anonymous, was identified as (see `db::speaker::identify`).
    pub claimant_identified_as: Option<Uuid>,
}

impl Claim {
    pub fn anchor(&self) -> Option<Anchor> {
        let f = &self.fields;
        Anchor::from_columns(
            &f.anchor_prefix,
            &f.anchor_exact,
            &f.anchor_suffix,
            f.anchor_start,
            f.anchor_end,
        )
    }
}

/// The fields a client sets, with the anchor checked. `source_id` is set at insert only.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = claims, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct ClaimFields {
    pub claimant_id: Option<Uuid>,
    pub statement: String,
    pub metric: String,
    pub qualifier: ClaimQualifier,
    pub value: Option<BigDecimal>,
    pub lower_bound: Option<BigDecimal>,
    pub upper_bound: Option<BigDecimal>,
    pub unit: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub place: Option<String>,
    pub claimant_role: Option<String>,
    pub anchor_prefix: Option<String>,
    pub anchor_exact: Option<String>,
    pub anchor_suffix: Option<String>,
    pub anchor_start: Option<i32>,
    pub anchor_end: Option<i32>,
    pub language: Option<String>,
}

impl ClaimFields {
    /// The claimed figure, as evidence figures are compared with it.
    pub fn figure(&self) -> ClaimFigure {
        let time = match (self.as_of, self.period_start, self.period_end) {
            (Some(date), _, _) => TimeReference::AsOf(date),
            (None, None, None) => TimeReference::Unstated,
            (None, start, end) => TimeReference::Period { start, end },
        };
        ClaimFigure {
            qualifier: self.qualifier,
            value: self.value.clone(),
            lower_bound: self.lower_bound.clone(),
            upper_bound: self.upper_bound.clone(),
            unit: self.unit.clone(),
            time,
        }
    }

    /// Checks the draft's references and anchors it in its source's text.
    pub fn resolve(draft: ClaimDraft, references: &References) -> Result<(Uuid, Self), FieldError> {
        let source_text = references.source_text(draft.source_id)?;
        if let Some(claimant) = draft.claimant_id {
            references.check_speaker(claimant, "/claimant_id")?;
        }
        let anchor = anchor_record(source_text, draft.anchor_exact(), draft.anchor.as_ref(), "/statement")?;
        let (anchor_prefix, anchor_exact, anchor_suffix, anchor_start, anchor_end) =
            Anchor::into_columns(anchor);
        let (qualifier, value, lower_bound, upper_bound) = match draft.amount {
            ClaimedAmount::Value(qualifier, value) => (qualifier, Some(value), None, None),
            ClaimedAmount::Range { lower, upper } => (ClaimQualifier::Range, None, Some(lower), Some(upper)),
        };
        let (as_of, period_start, period_end) = match draft.time {
            TimeReference::Unstated => (None, None, None),
            TimeReference::AsOf(date) => (Some(date), None, None),
            TimeReference::Period { start, end } => (None, start, end),
        };
        Ok((
            draft.source_id,
            Self {
                claimant_id: draft.claimant_id,
                statement: draft.statement.into_inner(),
                metric: draft.metric.into_inner(),
                qualifier,
                value,
                lower_bound,
                upper_bound,
                unit: draft.unit.map(|u| u.into_inner()),
                as_of,
                period_start,
                period_end,
                place: draft.place.map(|p| p.into_inner()),
                claimant_role: draft.claimant_role.map(|r| r.into_inner()),
                anchor_prefix,
                anchor_exact,
                anchor_suffix,
                anchor_start,
                anchor_end,
                language: draft.language.map(|l| l.into_inner()),
            },
        ))
    }
}

super::reviewable_filter!(
    /// A list's filters.
    ClaimFilter {
        claimant_id: Option<Uuid>,
        qualifier: Option<ClaimQualifier>,
        /// Case-insensitive exact metric.
        metric: Option<String>,
    }
);

pub async fn insert(
    conn: &mut AsyncPgConnection,
    rows: Vec<(Uuid, ClaimFields)>,
    created_by: Uuid,
) -> QueryResult<Vec<Claim>> {
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(source_id, fields)| {
            (
                claims::id.eq(Uuid::now_v7()),
                claims::source_id.eq(source_id),
                claims::created_by.eq(created_by),
                fields,
            )
        })
        .collect();
    diesel::insert_into(claims::table).values(rows).returning(Claim::as_returning()).get_results(conn).await
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ClaimFilter,
    page: PageRequest,
) -> QueryResult<Page<Claim>> {
    let mut query = page_query(page);
    query = super::reviewable_filters!(claims, filter, query);
    if let Some(claimant_id) = filter.claimant_id {
        query = query.filter(claims::claimant_id.eq(claimant_id));
    }
    if let Some(qualifier) = filter.qualifier {
        query = query.filter(claims::qualifier.eq(qualifier));
    }
    if let Some(metric) = &filter.metric {
        query = query.filter(claims::metric_key.eq(super::lower(metric.clone())));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

super::versioned_queries!(claims, Claim, Claim, ClaimFields, (Uuid, ClaimFields), ClaimFilter);

/// For each new claim that would repeat a live stored one (`attest_claim_same_key`: same
/// source, claimant, folded statement, figure and anchor start), its place and the stored
/// one's id.
pub async fn same_as_stored(
    conn: &mut AsyncPgConnection,
    rows: &[(Uuid, ClaimFields)],
) -> QueryResult<Vec<super::SameAsStored>> {
    use diesel::sql_types::{Array, Integer, Nullable, Numeric, Text, Uuid as SqlUuid};
    let sources: Vec<Uuid> = rows.iter().map(|(source, _)| *source).collect();
    let claimants: Vec<Option<Uuid>> = rows.iter().map(|(_, c)| c.claimant_id).collect();
    let statements: Vec<&str> = rows.iter().map(|(_, c)| c.statement.as_str()).collect();
    let metrics: Vec<&str> = rows.iter().map(|(_, c)| c.metric.as_str()).collect();
    let qualifiers: Vec<ClaimQualifier> = rows.iter().map(|(_, c)| c.qualifier).collect();
    let values: Vec<Option<BigDecimal>> = rows.iter().map(|(_, c)| c.value.clone()).collect();
    let lower: Vec<Option<BigDecimal>> = rows.iter().map(|(_, c)| c.lower_bound.clone()).collect();
    let upper: Vec<Option<BigDecimal>> = rows.iter().map(|(_, c)| c.upper_bound.clone()).collect();
    let units: Vec<Option<&str>> = rows.iter().map(|(_, c)| c.unit.as_deref()).collect();
    let starts: Vec<Option<i32>> = rows.iter().map(|(_, c)| c.anchor_start).collect();
    diesel::sql_query(
        "SELECT n.item - 1 AS item, c.id
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::claim_qualifier[], $6::numeric[],
                       $7::numeric[], $8::numeric[], $9::text[], $10::int[])
                WITH ORDINALITY AS n(source_id, claimant_id, statement, metric, qualifier, value, lower_bound,
                                     upper_bound, unit, anchor_start, item)
           JOIN claims c
             ON c.same_key = attest_claim_same_key(n.source_id, n.claimant_id, n.statement, n.metric, n.qualifier,
                                                   n.value, n.lower_bound, n.upper_bound, n.unit, n.anchor_start)
            AND c.deleted_at IS NULL AND c.duplicate_of IS NULL
          ORDER BY 1",
    )
    .bind::<Array<SqlUuid>, _>(sources)
    .bind::<Array<Nullable<SqlUuid>>, _>(claimants)
    .bind::<Array<Text>, _>(statements)
    .bind::<Array<Text>, _>(metrics)
    .bind::<Array<crate::db::schema::sql_types::ClaimQualifier>, _>(qualifiers)
    .bind::<Array<Nullable<Numeric>>, _>(values)
    .bind::<Array<Nullable<Numeric>>, _>(lower)
    .bind::<Array<Nullable<Numeric>>, _>(upper)
    .bind::<Array<Nullable<Text>>, _>(units)
    .bind::<Array<Nullable<Integer>>, _>(starts)
    .load(conn)
    .await
}
