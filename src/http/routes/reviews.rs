//! Reviews: recording verdicts on quotes and claims, their history, and the review queue.

use actix_web::web;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::review::{Item, QueueFilter};
use crate::domain::kinds::ReviewStatus;
use crate::domain::review::ReviewInput;
use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody, NoFilter, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Listed, Tagged};
use crate::http::state::Scope;
use crate::services::reviews::{self, QueueView, ReviewView};

/// The reviewable collections: quotes and claims.
pub trait Reviewed: 'static {
    const COLLECTION: &'static str;
    fn item(id: Uuid) -> Item;
}

pub struct Quotes;
pub struct Claims;

impl Reviewed for Quotes {
    const COLLECTION: &'static str = "quotes";
    fn item(id: Uuid) -> Item {
        Item::Quote(id)
    }
}

impl Reviewed for Claims {
    const COLLECTION: &'static str = "claims";
    fn item(id: Uuid) -> Item {
        Item::Claim(id)
    }
}

/// Records a review on the item at the version the reviewer read (`If-Match`).
pub async fn create<R: Reviewed>(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<ReviewInput>,
) -> Result<Tagged<ReviewView>, ApiError> {
    let item = R::item(*id);
    let saved = scope.write(async |conn| reviews::record(conn, caller, item, expected, body.0).await).await?;
    Ok(Tagged::created_at(format!("/{}/{id}/reviews", R::COLLECTION), saved))
}

/// The item's reviews, oldest first, a page at a time.
pub async fn history<R: Reviewed>(
    scope: Scope,
    id: web::Path<Uuid>,
    query: Paged<NoFilter>,
) -> Result<Listed<ReviewView>, ApiError> {
    let (item, page) = (R::item(*id), query.page()?);
    let found = scope.read(async |conn| reviews::history(conn, item, page).await).await?;
    Ok(Listed::from_page(found, |(_, view)| view, |(id, _)| *id))
}

/// The queue's name for items whose verdict no longer matches what was judged.
const STALE: &str = "stale";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Comma-separated statuses, and `stale` for verdicts that need re-review; default
    /// `unreviewed,in_review,stale`.
    status: Option<String>,
    /// A user id, or `me`.
    assignee: Option<String>,
    #[serde(rename = "type")]
    item_type: Option<String>,
}

impl QueueQuery {
    fn filter(self, caller: Uuid) -> Result<QueueFilter, ApiError> {
        let (statuses, stale) = match self.status.as_deref() {
            None => (vec![ReviewStatus::Unreviewed, ReviewStatus::InReview], true),
            Some(list) => {
                let names: Vec<&str> = list.split(',').map(str::trim).collect();
                let statuses = names
                    .iter()
                    .filter(|name| **name != STALE)
                    .map(|name| serde_json::from_value(serde_json::Value::String((*name).to_owned())))
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        ApiError::BadParameter(format!(
                            "status must list review statuses (or {STALE:?}), got {list:?}"
                        ))
                    })?;
                (statuses, names.contains(&STALE))
            }
        };
        let assignee = match self.assignee.as_deref() {
            None => None,
            Some("me") => Some(caller),
            Some(id) => Some(
                Uuid::try_parse(id)
                    .map_err(|_| ApiError::BadParameter("assignee must be a user id or \"me\"".into()))?,
            ),
        };
        let (quotes, claims) = match self.item_type.as_deref() {
            None => (true, true),
            Some("quote") => (true, false),
            Some("claim") => (false, true),
            Some(_) => return Err(ApiError::BadParameter("type must be quote or claim".into())),
        };
        Ok(QueueFilter { statuses, stale, assignee, quotes, claims })
    }
}

/// Items waiting for review, oldest first.
pub async fn queue(
    scope: Scope,
    Caller(caller): Caller,
    query: Paged<QueueQuery>,
) -> Result<Listed<QueueView>, ApiError> {
    let page = query.page()?;
    let filter = query.filter.filter(caller.user_id)?;
    let found = scope.read(async |conn| reviews::queue(conn, &filter, page).await).await?;
    Ok(Listed::from_page(found, |view| view, |view| view.id))
}
