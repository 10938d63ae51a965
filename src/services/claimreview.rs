//! schema.org ClaimReview (JSON-LD) for reviewed quotes and claims, one at a time or as a
//! feed of everything reviewed since a given time.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::db::review::{self, Item, Review};
use crate::db::source::SourceListed;
use crate::db::speaker::Speaker;
use crate::db::{Page, PageRequest, claim, quote, source, speaker};
use crate::domain::kinds::{ReviewStatus, SpeakerKind};
use crate::domain::review::{BEST_RATING, WORST_RATING};

/// The rating a verdict stands for when the reviewer gave none.
fn default_rating(status: ReviewStatus) -> Option<(i16, &'static str)> {
    match status {
        ReviewStatus::Verified => Some((5, "True")),
        ReviewStatus::Disputed => Some((3, "Disputed")),
        ReviewStatus::Unverifiable => Some((3, "Unverifiable")),
        ReviewStatus::Misleading => Some((2, "Misleading")),
        ReviewStatus::False => Some((1, "False")),
        _ => None,
    }
}

/// Who publishes the ClaimReview documents, and where: from configuration, never from a
/// request's headers, which a client chooses.
#[derive(Debug, Clone)]
pub struct Publisher {
    /// The public address of the API, without a trailing slash (`https://facts.example.org`).
    pub base_url: String,
    /// The organisation that stands behind the verdicts.
    pub name: String,
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
struct Reviewed<'a> {
    publisher: &'a Publisher,
    url: String,
    claim: String,
    author: Option<Speaker>,
    appearances: Vec<SourceListed>,
    verdict: Review,
}

fn document(reviewed: Reviewed<'_>) -> Value {
    let verdict = &reviewed.verdict;
    let (value, label) = match (verdict.rating_value, &verdict.rating_label) {
        (Some(value), Some(label)) => (value, label.clone()),
        _ => default_rating(verdict.status).map_or((3, "Unrated".to_owned()), |(v, l)| (v, l.to_owned())),
    };
    let mut item = json!({"@type": "Claim"});
    if let Some(author) = &reviewed.author {
        item["author"] = self::author(author);
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
            "ratingValue": value,
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": label,
        },
        "author": {"@type": "Organization", "name": reviewed.publisher.name, "url": reviewed.publisher.base_url},
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

/// The ClaimReview of a quote's or a claim's verdict.
pub async fn document_for(
    conn: &mut AsyncPgConnection,
    publisher: &Publisher,
    item: Item,
) -> ServiceResult<Value> {
    let (path, id, claim, author, appearances) = match item {
        Item::Claim(id) => {
            let row = claim::find(conn, id).await?;
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
    let url = format!("{}/{path}/{id}/claimreview", publisher.base_url);
    Ok(document(Reviewed { publisher, url, claim, author, appearances, verdict }))
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
