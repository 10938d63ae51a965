//! "Already fact-checked": the published verdicts on records that say the same thing as a
//! quote or claim, so that a newsroom knows before it starts work. For a claim: this
//! workspace's claims of the same metric and unit whose value is within the workspace's
//! figure tolerance, and any workspace's fact-checks worded like its statement. For a quote:
//! any workspace's fact-checks of the same speaker (by any of their names) worded like it.

use bigdecimal::BigDecimal;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::ServiceResult;
use super::claimreview::FactCheckView;
use crate::db::claim::ClaimFields;
use crate::db::fact_check::{self, Among, Figure, Published};
use crate::db::review::Item;
use crate::db::{claim, quote, speaker};
use crate::domain::decimal::to_plain_string;

/// The least trigram similarity of a wording match (as for fact-checks published elsewhere).
const WORDING_SIMILARITY: f32 = 0.6;
/// Matches of each kind shown.
const MAX_MATCHES: i64 = 10;

/// A published verdict on a record that says the same thing, and why it matches.
#[derive(Serialize)]
pub struct MatchView {
    /// `figure` (same metric and unit, value within tolerance) or `wording`.
    reason: &'static str,
    /// How alike the wordings are (wording matches).
    #[serde(skip_serializing_if = "Option::is_none")]
    similarity: Option<f32>,
    /// The matched claim's value (figure matches).
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    /// Where its ClaimReview is read, in the publishing workspace.
    claimreview: String,
    fact_check: FactCheckView,
}

impl MatchView {
    fn of(
        published: Published,
        reason: &'static str,
        similarity: Option<f32>,
        value: Option<String>,
    ) -> Self {
        let claimreview = match (published.0.claim_id, published.0.quote_id) {
            (Some(id), _) => format!("/claims/{id}/claimreview"),
            (None, Some(id)) => format!("/quotes/{id}/claimreview"),
            (None, None) => String::new(),
        };
        Self { reason, similarity, value, claimreview, fact_check: FactCheckView::from(published) }
    }

    fn fact_check_id(&self) -> Uuid {
        self.fact_check.id()
    }
}

/// What a claim says, as matches compare it.
pub struct ClaimSaid<'a> {
    pub statement: &'a str,
    pub metric: &'a str,
    pub unit: Option<&'a str>,
    /// Its value, for a claim of one number.
    pub value: Option<&'a BigDecimal>,
}

impl<'a> From<&'a ClaimFields> for ClaimSaid<'a> {
    fn from(fields: &'a ClaimFields) -> Self {
        Self {
            statement: &fields.statement,
            metric: &fields.metric,
            unit: fields.unit.as_deref(),
            value: fields.value.as_ref(),
        }
    }
}

/// How far another claim's value may be for a figure match, in percent: the workspace's.
pub async fn figure_tolerance(conn: &mut AsyncPgConnection) -> ServiceResult<BigDecimal> {
    Ok(super::workspaces::current(conn).await?.figure_tolerance_percent)
}

/// The matches of a stored claim.
pub async fn of_claim(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Vec<MatchView>> {
    let row = claim::find(conn, id).await?;
    let tolerance = figure_tolerance(conn).await?;
    for_claim(conn, Some(id), ClaimSaid::from(&row.fields), &tolerance).await
}

/// The matches of what a claim says (`id`: its own, left out, once stored), with figures
/// within `tolerance` percent.
pub async fn for_claim(
    conn: &mut AsyncPgConnection,
    id: Option<Uuid>,
    said: ClaimSaid<'_>,
    tolerance: &BigDecimal,
) -> ServiceResult<Vec<MatchView>> {
    let mut matches = Vec::new();
    if let Some(value) = said.value {
        let figure = Figure { metric: said.metric, unit: said.unit, value, tolerance_percent: tolerance };
        for (published, value) in fact_check::with_figure(conn, figure, id, MAX_MATCHES).await? {
            matches.push(MatchView::of(published, "figure", None, value.as_ref().map(to_plain_string)));
        }
    }
    let among = Among { not_of: id.map(Item::Claim), ..Among::default() };
    for (published, alike) in
        fact_check::worded_like(conn, said.statement, among, WORDING_SIMILARITY, MAX_MATCHES).await?
    {
        if !matches.iter().any(|m: &MatchView| m.fact_check_id() == published.0.id) {
            matches.push(MatchView::of(published, "wording", Some(alike), None));
        }
    }
    Ok(matches)
}

/// The matches of a stored quote.
pub async fn of_quote(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Vec<MatchView>> {
    let row = quote::find(conn, id).await?;
    let names = speaker::identity_names(conn, row.fields.speaker_id).await?;
    for_quote(conn, Some(id), &row.fields.text, names).await
}

/// The matches of a quote's words by a speaker of these folded names (`id`: its own, left
/// out, once stored).
pub async fn for_quote(
    conn: &mut AsyncPgConnection,
    id: Option<Uuid>,
    text: &str,
    speaker_names: Vec<String>,
) -> ServiceResult<Vec<MatchView>> {
    let among = Among { not_of: id.map(Item::Quote), speaker_named: Some(speaker_names), ..Among::default() };
    let found = fact_check::worded_like(conn, text, among, WORDING_SIMILARITY, MAX_MATCHES).await?;
    Ok(found
        .into_iter()
        .map(|(published, alike)| MatchView::of(published, "wording", Some(alike), None))
        .collect())
}
