//! schema.org ClaimReview (JSON-LD) for published fact-checks, one at a time or as a feed of
//! everything published or corrected since a given time.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::workspaces::Settings;
use super::{ServiceError, ServiceResult};
use crate::db::fact_check::{self, Correction, FactCheck, Published};
use crate::db::review::{self, Item, Review, ReviewEvidence};
use crate::db::source::SourceListed;
use crate::db::speaker::Speaker;
use crate::db::{Page, PageRequest, claim, quote, source, speaker, workspace};
use crate::domain::Principal;
use crate::domain::kinds::SpeakerKind;
use crate::domain::log::Transparency;
use crate::domain::publication::ClaimSearch;
use crate::domain::review::Rating;
use crate::domain::text::{LanguageTag, Text};
use crate::domain::workspace::RatingScale;

/// Who publishes the ClaimReview documents, and where: from configuration, never from a
/// request's headers, which a client chooses.
#[derive(Debug, Clone)]
pub struct Publisher {
    /// The public address of the API, without a trailing slash (`https://facts.example.org`).
    pub base_url: String,
    /// The organisation that stands behind the verdicts of a workspace that names none.
    pub name: String,
    /// Its logo's address.
    pub logo_url: Option<String>,
}

/// The organisation a workspace's documents name as their author: its own settings, else
/// the server's.
struct Author {
    name: String,
    url: String,
    logo_url: Option<String>,
}

impl Author {
    fn of(publisher: &Publisher, settings: &Settings) -> Self {
        Self {
            name: settings.publisher_name.clone().unwrap_or_else(|| publisher.name.clone()),
            url: settings.publisher_url.clone().unwrap_or_else(|| publisher.base_url.clone()),
            logo_url: settings.publisher_logo_url.clone().or_else(|| publisher.logo_url.clone()),
        }
    }

    fn organisation(&self) -> Value {
        let mut organisation = json!({"@type": "Organization", "name": self.name, "url": self.url});
        if let Some(logo) = &self.logo_url {
            organisation["logo"] = json!({"@type": "ImageObject", "url": logo});
        }
        organisation
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

/// Everything a ClaimReview is made of: the publication as the newsroom published it, and
/// what the item shows now of who said it and where.
struct Reviewed {
    author: Author,
    /// The address of the document when the publication names no article (published before
    /// publications had one).
    fallback_url: String,
    published: FactCheck,
    speaker: Option<Speaker>,
    appearances: Vec<SourceListed>,
    evidence: Vec<ReviewEvidence>,
    corrections: Vec<Correction>,
}

fn document(reviewed: Reviewed) -> Value {
    let Reviewed { author, fallback_url, published, speaker, appearances, evidence, corrections } = reviewed;
    let mut item = json!({"@type": "Claim"});
    if let Some(speaker) = &speaker {
        item["author"] = self::author(speaker);
    }
    if let Some(first) = appearances.first() {
        item["firstAppearance"] = creative_work(first);
        item["appearance"] = json!(appearances.iter().map(creative_work).collect::<Vec<_>>());
        if let Some(date) = first.fields.published_at {
            item["datePublished"] = json!(date.to_rfc3339());
        }
    }
    let organisation = author.organisation();
    let mut authors = vec![organisation.clone()];
    authors.extend(published.authors.iter().map(|name| json!({"@type": "Person", "name": name})));
    let mut document = json!({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": published.article_url.clone().unwrap_or(fallback_url),
        "claimReviewed": published.claim_reviewed,
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": published.rating_value,
            "bestRating": published.rating_best,
            "worstRating": published.rating_worst,
            "alternateName": published.rating_label,
        },
        "author": if authors.len() == 1 { organisation.clone() } else { json!(authors) },
        "publisher": organisation,
        "datePublished": published.published_at.to_rfc3339(),
        "dateModified": published.modified_at.unwrap_or(published.published_at).to_rfc3339(),
    });
    if let Some(headline) = &published.headline {
        document["name"] = json!(headline);
    }
    if let Some(summary) = &published.summary {
        document["reviewBody"] = json!(summary);
    }
    if let Some(language) = &published.language {
        document["inLanguage"] = json!(language);
    }
    let citations: Vec<Value> = evidence
        .iter()
        .filter_map(|e| {
            e.url.as_ref().map(|url| json!({"@type": "CreativeWork", "url": url, "name": e.note}))
        })
        .collect();
    if !citations.is_empty() {
        document["citation"] = json!(citations);
    }
    if !corrections.is_empty() {
        document["correction"] = json!(
            corrections
                .iter()
                .map(|c| json!({"@type": "CorrectionComment", "text": c.note, "datePublished": c.corrected_at.to_rfc3339()}))
                .collect::<Vec<_>>()
        );
    }
    document
}

/// The ClaimReview of a quote's or a claim's published fact-check: 404 before it is
/// published, 410 with the public notice once unpublished or retracted.
pub async fn document_for(
    conn: &mut AsyncPgConnection,
    publisher: &Publisher,
    item: Item,
) -> ServiceResult<Value> {
    let (path, speaker, appearances) = match item {
        Item::Claim(id) => {
            let row = claim::find(conn, id).await?;
            let author = match row.fields.claimant_id {
                Some(claimant) => speaker::find(conn, claimant).await.optional()?,
                None => None,
            };
            ("claims", author, vec![source::find_listed(conn, row.source_id).await?])
        }
        Item::Quote(id) => {
            let row = quote::find(conn, id).await?;
            // Every report of the utterance is an appearance; the earliest is the first.
            let cluster = quote::cluster(conn, quote::root_of(&row)).await?;
            let mut appearances: Vec<SourceListed> =
                cluster.members.into_iter().map(|(_, source, _)| source).collect();
            appearances.dedup_by_key(|s| s.id);
            ("quotes", speaker::find(conn, row.fields.speaker_id).await.optional()?, appearances)
        }
    };
    let settings = super::workspaces::current(conn).await?;
    let published = fact_check::of_item(conn, item)
        .await?
        .filter(|row| row.workspace_id == settings.id)
        .ok_or_else(|| ServiceError::NotFound("this item has no published fact-check".into()))?;
    if let Some(notice) = &published.notice {
        return Err(ServiceError::Gone(format!("the fact-check was {}: {notice}", published.state)));
    }
    let evidence = review::evidence_of(conn, published.review_id).await?;
    let corrections = fact_check::corrections(conn, published.id).await?;
    let transparency = super::log::publications(conn, &[item.id()]).await?.remove(&item.id());
    let mut document = document(Reviewed {
        author: Author::of(publisher, &settings),
        fallback_url: format!("{}/{path}/{}/claimreview", publisher.base_url, item.id()),
        published,
        speaker,
        appearances,
        evidence,
        corrections,
    });
    // Not linked data: the context maps it to nothing, so consumers of ClaimReview drop it
    // and verifiers read it.
    if let Some(transparency) = transparency {
        document["@context"] = json!(["https://schema.org", {"transparency": null}]);
        document["transparency"] = serde_json::to_value(transparency).map_err(ServiceError::internal)?;
    }
    Ok(document)
}

/// The workspace's fact-checks published or corrected since `since`, in that order, each with
/// its ClaimReview and its key in the feed's order.
pub async fn feed(
    conn: &mut AsyncPgConnection,
    publisher: &Publisher,
    since: DateTime<Utc>,
    page: PageRequest<(DateTime<Utc>, Uuid)>,
) -> ServiceResult<Page<((DateTime<Utc>, Uuid), Value)>> {
    let changed = fact_check::changed_since(conn, since, page).await?;
    let mut documents = Vec::with_capacity(changed.rows.len());
    for entry in changed.rows {
        let document = document_for(conn, publisher, entry.item()).await?;
        documents.push(((entry.changed_at, entry.id), document));
    }
    Ok(Page { rows: documents, has_more: changed.has_more })
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
    /// `published`, or `unpublished` or `retracted` with the public `notice`.
    state: String,
    notice: Option<String>,
    headline: Option<String>,
    /// The fact-check article.
    url: Option<String>,
    language: Option<String>,
    claim_reviewed: String,
    speaker_name: Option<String>,
    /// While published only: a fact-check taken down keeps its notice, not its rating.
    rating: Option<RatingView>,
    published_at: DateTime<Utc>,
    modified_at: Option<DateTime<Utc>>,
    /// Its place in the transparency log, in the list of every workspace's fact-checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    transparency: Option<Transparency>,
}

#[derive(Serialize)]
pub(super) struct RatingView {
    value: i16,
    label: String,
    worst: i16,
    best: i16,
}

impl RatingView {
    /// The rating a fact-check was published with.
    pub(super) fn of(row: &FactCheck) -> Self {
        Self {
            value: row.rating_value,
            label: row.rating_label.clone(),
            worst: row.rating_worst,
            best: row.rating_best,
        }
    }
}

impl FactCheckView {
    pub fn id(&self) -> Uuid {
        self.id
    }
}

impl From<Published> for FactCheckView {
    fn from((row, workspace, publisher): Published) -> Self {
        let rating = row.is_published().then(|| RatingView::of(&row));
        Self {
            id: row.id,
            workspace,
            publisher,
            quote_id: row.quote_id,
            claim_id: row.claim_id,
            state: row.state,
            notice: row.notice,
            headline: row.headline,
            url: row.article_url,
            language: row.language,
            claim_reviewed: row.claim_reviewed,
            speaker_name: row.speaker_name,
            rating,
            published_at: row.published_at,
            modified_at: row.modified_at,
            transparency: None,
        }
    }
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
    let items: Vec<Uuid> =
        found.rows.iter().filter_map(|(row, _, _)| row.quote_id.or(row.claim_id)).collect();
    let logged = super::log::publications(conn, &items).await?;
    Ok(super::records::page_of(found, |published| {
        let item = published.0.quote_id.or(published.0.claim_id);
        let mut view = FactCheckView::from(published);
        view.transparency = item.and_then(|item| logged.get(&item).cloned());
        (view.id, view)
    }))
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

/// Published fact-checks of every workspace the caller may read (anonymous callers: those of
/// workspaces that publish publicly), found as Google Fact Check Tools' `claims:search` finds
/// them and in its answer's shape, best first, each with its key in that order.
pub async fn search_claims(
    conn: &mut AsyncPgConnection,
    publisher: &Publisher,
    caller: Option<Principal>,
    search: ClaimSearch,
    page: PageRequest<(f64, Uuid)>,
) -> ServiceResult<Page<((f64, Uuid), Value)>> {
    let since = search.max_age_days.map(|days| Utc::now() - chrono::Duration::days(days.into()));
    let language = search.language.map(LanguageTag::into_inner);
    let wanted = fact_check::Search {
        query: search.query.as_ref().map(Text::as_str),
        language: language.as_deref(),
        site: search.site.as_deref(),
        since,
    };
    let found = workspace::scoped(conn, None, caller.map(|c| c.user_id), async |conn| {
        fact_check::search(conn, wanted, page).await
    })
    .await?;
    let rows = found
        .rows
        .into_iter()
        .map(|(published, rank)| ((rank, published.0.id), google_claim(publisher, published)));
    Ok(Page { rows: rows.collect(), has_more: found.has_more })
}

/// One fact-check as `claims:search` answers a claim with its review.
fn google_claim(publisher: &Publisher, (row, _, publisher_name): Published) -> Value {
    // Every fact-check is of a quote or a claim (fact_checks_one_item).
    let (path, item) = match (row.quote_id, row.claim_id) {
        (Some(id), _) => ("quotes", id),
        (None, claim) => ("claims", claim.unwrap_or_default()),
    };
    let url = row.article_url.unwrap_or_else(|| format!("{}/{path}/{item}/claimreview", publisher.base_url));
    let site = url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_owned));
    let mut review = json!({
        "publisher": {"name": publisher_name.unwrap_or_else(|| publisher.name.clone()), "site": site},
        "url": url,
        "reviewDate": row.modified_at.unwrap_or(row.published_at).to_rfc3339(),
        "textualRating": row.rating_label,
    });
    if let Some(title) = row.headline {
        review["title"] = json!(title);
    }
    if let Some(language) = row.language {
        review["languageCode"] = json!(language);
    }
    let mut claim = json!({"text": row.claim_reviewed, "claimReview": [review]});
    if let Some(claimant) = row.speaker_name {
        claim["claimant"] = json!(claimant);
    }
    claim
}
