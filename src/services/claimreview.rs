//! schema.org ClaimReview (JSON-LD) for reviewed quotes and claims, one at a time or as a
//! feed of everything reviewed since a given time.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::workspaces::Settings;
use super::{ServiceError, ServiceResult};
use crate::db::fact_check::{self, Published, Verdict};
use crate::db::review::{self, Item, Review};
use crate::db::source::SourceListed;
use crate::db::speaker::Speaker;
use crate::db::{Page, PageRequest, claim, quote, source, speaker, workspace};
use crate::domain::Principal;
use crate::domain::kinds::SpeakerKind;
use crate::domain::review::Rating;
use crate::domain::workspace::RatingScale;

/// Who publishes the ClaimReview documents, and where: from configuration, never from a
/// request's headers, which a client chooses.
#[derive(Debug, Clone)]
pub struct Publisher {
    /// The public address of the API, without a trailing slash (`https://facts.example.org`).
    pub base_url: String,
    /// The organisation that stands behind the verdicts of a workspace that names none.
    pub name: String,
}

/// The organisation a workspace's documents name as their author: its own settings, else
/// the server's.
struct Author {
    name: String,
    url: String,
}

impl Author {
    fn of(publisher: &Publisher, settings: &Settings) -> Self {
        Self {
            name: settings.publisher_name.clone().unwrap_or_else(|| publisher.name.clone()),
            url: settings.publisher_url.clone().unwrap_or_else(|| publisher.base_url.clone()),
        }
    }
}

/// The rating a published verdict carries: the reviewer's, else the one its status stands for
/// on the workspace's scale.
pub fn rating_of(verdict: &Review, scale: &RatingScale) -> Option<Rating> {
    match (verdict.rating_value, &verdict.rating_label, verdict.rating_worst, verdict.rating_best) {
        (Some(value), Some(label), Some(worst), Some(best)) => {
            Some(Rating { value, label: label.clone(), worst, best })
        }
        _ => scale.for_status(verdict.status),
    }
}

fn creative_work(source: &SourceListed) -> Value {
    let mut work = json!({
        "@type": "CreativeWork",
        "url": source.fields.url,
    });
    if let Some(title) = &source.fields.title {
        work["headline"] = json!(title);
    }
    if let Some(published) = source.fields.published_at {
        work["datePublished"] = json!(published.to_rfc3339());
    }
    if let Some(publisher) = &source.fields.publisher {
        work["publisher"] = json!({"@type": "Organization", "name": publisher});
    }
    if let Some(author) = &source.fields.author {
        work["author"] = json!({"@type": "Person", "name": author});
    }
    work
}

fn author(speaker: &Speaker) -> Value {
    let kind = match speaker.fields.kind {
        SpeakerKind::Person | SpeakerKind::Anonymous => "Person",
        SpeakerKind::Organisation | SpeakerKind::Group => "Organization",
    };
    let mut author = json!({"@type": kind, "name": speaker.fields.name});
    if let Some(role) = &speaker.fields.description {
        author["jobTitle"] = json!(role);
    }
    if let Some(qid) = &speaker.fields.wikidata_qid {
        author["sameAs"] = json!(format!("https://www.wikidata.org/wiki/{qid}"));
    }
    author
}

/// Everything a ClaimReview is made of.
struct Reviewed {
    author: Author,
    rating: Rating,
    url: String,
    claim: String,
    speaker: Option<Speaker>,
    appearances: Vec<SourceListed>,
    verdict: Review,
}

fn document(reviewed: Reviewed) -> Value {
    let verdict = &reviewed.verdict;
    let mut item = json!({"@type": "Claim"});
    if let Some(speaker) = &reviewed.speaker {
        item["author"] = author(speaker);
    }
    if let Some(first) = reviewed.appearances.first() {
        item["firstAppearance"] = creative_work(first);
        item["appearance"] = json!(reviewed.appearances.iter().map(creative_work).collect::<Vec<_>>());
        if let Some(published) = first.fields.published_at {
            item["datePublished"] = json!(published.to_rfc3339());
        }
    }
    json!({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": reviewed.url,
        "claimReviewed": reviewed.claim,
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": reviewed.rating.value,
            "bestRating": reviewed.rating.best,
            "worstRating": reviewed.rating.worst,
            "alternateName": reviewed.rating.label,
        },
        "author": {"@type": "Organization", "name": reviewed.author.name, "url": reviewed.author.url},
        "datePublished": verdict.created_at.date_naive().to_string(),
    })
}

/// The latest review if it is a verdict (a retracted or pending item has nothing to publish).
async fn verdict(conn: &mut AsyncPgConnection, item: Item) -> ServiceResult<Review> {
    review::latest(conn, item)
        .await?
        .filter(|r| r.status.is_verdict())
        .ok_or_else(|| ServiceError::Conflict("this item has no published verdict yet".into()))
}

/// A stale verdict is not presented as current: what it judged has changed since.
fn still_holds(stale_reasons: &Option<Vec<String>>) -> ServiceResult<()> {
    match stale_reasons {
        Some(reasons) => Err(ServiceError::Conflict(format!(
            "the verdict is stale ({} changed since it was recorded); a reviewer must re-affirm or change it",
            reasons.join(", ")
        ))),
        None => Ok(()),
    }
}

/// The ClaimReview of a quote's or a claim's verdict.
pub async fn document_for(
    conn: &mut AsyncPgConnection,
    publisher: &Publisher,
    item: Item,
) -> ServiceResult<Value> {
    let (path, id, claim, speaker, appearances) = match item {
        Item::Claim(id) => {
            let row = claim::find(conn, id).await?;
            still_holds(&row.stale_reasons)?;
            let author = match row.fields.claimant_id {
                Some(claimant) => Some(speaker::find(conn, claimant).await?),
                None => None,
            };
            (
                "claims",
                id,
                row.fields.statement,
                author,
                vec![source::find_listed(conn, row.source_id).await?],
            )
        }
        Item::Quote(id) => {
            let row = quote::find(conn, id).await?;
            still_holds(&row.stale_reasons)?;
            // Every report of the utterance is an appearance; the earliest is the first.
            let cluster = quote::cluster(conn, quote::root_of(&row)).await?;
            let mut appearances: Vec<SourceListed> =
                cluster.members.into_iter().map(|(_, source, _)| source).collect();
            appearances.dedup_by_key(|s| s.id);
            (
                "quotes",
                id,
                row.fields.text,
                speaker::find(conn, row.fields.speaker_id).await.optional()?,
                appearances,
            )
        }
    };
    let verdict = verdict(conn, item).await?;
    let settings = super::workspaces::current(conn).await?;
    let rating = rating_of(&verdict, &settings.rating_scale)
        .ok_or_else(|| ServiceError::Conflict("this item has no published verdict yet".into()))?;
    let url = format!("{}/{path}/{id}/claimreview", publisher.base_url);
    let author = Author::of(publisher, &settings);
    Ok(document(Reviewed { author, rating, url, claim, speaker, appearances, verdict }))
}

/// Every quote and claim whose latest verdict was recorded since `since`, oldest first, each
/// with its ClaimReview and its key in the feed's order.
pub async fn feed(
    conn: &mut AsyncPgConnection,
    publisher: &Publisher,
    since: DateTime<Utc>,
    page: PageRequest<(DateTime<Utc>, Uuid)>,
) -> ServiceResult<Page<((DateTime<Utc>, Uuid), Value)>> {
    let reviewed = review::reviewed_since(conn, since, page).await?;
    let mut documents = Vec::with_capacity(reviewed.rows.len());
    for entry in reviewed.rows {
        let item = match entry.item_type.as_str() {
            "claim" => Item::Claim(entry.id),
            _ => Item::Quote(entry.id),
        };
        let document = document_for(conn, publisher, item).await?;
        documents.push(((entry.reviewed_at, entry.id), document));
    }
    Ok(Page { rows: documents, has_more: reviewed.has_more })
}

/// A published verdict as every workspace sees it.
#[derive(Serialize)]
pub struct FactCheckView {
    id: Uuid,
    /// The publishing workspace's slug, and the organisation it publishes as.
    workspace: String,
    publisher: Option<String>,
    quote_id: Option<Uuid>,
    claim_id: Option<Uuid>,
    claim_reviewed: String,
    speaker_name: Option<String>,
    rating: RatingView,
    published_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct RatingView {
    value: i16,
    label: String,
    worst: i16,
    best: i16,
}

impl FactCheckView {
    pub fn id(&self) -> Uuid {
        self.id
    }
}

impl From<Published> for FactCheckView {
    fn from((row, workspace, publisher): Published) -> Self {
        Self {
            id: row.id,
            workspace,
            publisher,
            quote_id: row.quote_id,
            claim_id: row.claim_id,
            claim_reviewed: row.claim_reviewed,
            speaker_name: row.speaker_name,
            rating: RatingView {
                value: row.rating_value,
                label: row.rating_label,
                worst: row.rating_worst,
                best: row.rating_best,
            },
            published_at: row.published_at,
        }
    }
}

/// Publishes the item's latest review if it is a verdict, or withdraws what it published if
/// not: what other workspaces (and, where the workspace allows, anyone) see of its work. Runs
/// inside the review's transaction.
pub async fn publish_latest(conn: &mut AsyncPgConnection, item: Item, latest: &Review) -> ServiceResult<()> {
    let settings = super::workspaces::current(conn).await?;
    let Some(rating) = rating_of(latest, &settings.rating_scale).filter(|_| latest.status.is_verdict())
    else {
        fact_check::withdraw(conn, item).await?;
        return Ok(());
    };
    let (claim_reviewed, speaker_id) = match item {
        Item::Claim(id) => {
            let row = claim::find(conn, id).await?;
            (row.fields.statement, row.fields.claimant_id)
        }
        Item::Quote(id) => {
            let row = quote::find(conn, id).await?;
            (row.fields.text, Some(row.fields.speaker_id))
        }
    };
    let speaker_name = match speaker_id {
        Some(id) => speaker::find(conn, id).await.optional()?.map(|s| s.fields.name),
        None => None,
    };
    let verdict = Verdict {
        item,
        review_id: latest.id,
        claim_reviewed,
        speaker_name,
        rating,
        published_at: latest.created_at,
    };
    Ok(fact_check::publish(conn, verdict).await?)
}

/// Published fact-checks of every workspace, newest first: a signed-in `caller` reads all of
/// them, anyone else those of workspaces that publish publicly.
pub async fn published(
    conn: &mut AsyncPgConnection,
    caller: Option<Principal>,
    page: PageRequest,
) -> ServiceResult<Page<(Uuid, FactCheckView)>> {
    let found = workspace::scoped(conn, None, caller.map(|c| c.user_id), async |conn| {
        fact_check::list(conn, page).await
    })
    .await?;
    Ok(super::records::page_of(found, |published| (published.0.id, FactCheckView::from(published))))
}

/// How alike another workspace's fact-check must be worded to count as one on the same
/// utterance, and how many are shown.
const ELSEWHERE_SIMILARITY: f32 = 0.6;
const MAX_ELSEWHERE: i64 = 10;

/// Fact-checks other workspaces published on words like `text`: never their drafts.
pub async fn published_elsewhere(
    conn: &mut AsyncPgConnection,
    text: &str,
) -> ServiceResult<Vec<FactCheckView>> {
    let here = super::workspaces::current(conn).await?.id;
    let among = fact_check::Among { not_in_workspace: Some(here), ..fact_check::Among::default() };
    let found = fact_check::worded_like(conn, text, among, ELSEWHERE_SIMILARITY, MAX_ELSEWHERE).await?;
    Ok(found.into_iter().map(|(published, _)| FactCheckView::from(published)).collect())
}
