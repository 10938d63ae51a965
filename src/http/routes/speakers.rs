//! `/speakers`: who said it.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::common::each_item;
use super::resource::Resource;
use crate::db::speaker::{self, Speaker, SpeakerFields, SpeakerFilter};
use crate::db::{Page, PageRequest};
use crate::domain::kinds::SpeakerKind;
use crate::domain::speaker::{SpeakerDraft, SpeakerInput};
use crate::http::error::ApiError;
use crate::http::extractors::page_request;

#[derive(Serialize)]
pub struct SpeakerView {
    id: Uuid,
    name: String,
    kind: SpeakerKind,
    description: Option<String>,
    aliases: Vec<String>,
    wikidata_qid: Option<String>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Speaker> for SpeakerView {
    fn from(row: Speaker) -> Self {
        Self {
            id: row.id,
            name: row.name,
            kind: row.kind,
            description: row.description,
            aliases: row.aliases.into_iter().flatten().collect(),
            wikidata_qid: row.wikidata_qid,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub struct Speakers;

impl Resource for Speakers {
    const COLLECTION: &'static str = "speakers";
    const ENTITY: &'static str = "speaker";
    const READ_ONLY: &'static [&'static str] = &["id", "version", "created_at", "updated_at", "created_by"];
    const FIXED: &'static [&'static str] = &[];

    type Row = Speaker;
    type View = SpeakerView;
    type Input = SpeakerInput;
    type Fields = SpeakerFields;
    type Query = SpeakerFilter;

    async fn prepare(
        _: &mut AsyncPgConnection,
        inputs: Vec<SpeakerInput>,
        batch: bool,
        _: Option<Uuid>,
    ) -> Result<Vec<SpeakerFields>, ApiError> {
        each_item(inputs, batch, |input| SpeakerDraft::try_from(input).map(SpeakerFields::from))
    }

    async fn insert(
        conn: &mut AsyncPgConnection,
        rows: Vec<SpeakerFields>,
        created_by: Uuid,
    ) -> QueryResult<Vec<Speaker>> {
        speaker::insert(conn, rows, created_by).await
    }

    async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Speaker> {
        speaker::find(conn, id).await
    }

    fn page(query: &SpeakerFilter) -> Result<PageRequest, ApiError> {
        page_request(query.limit, query.cursor.as_deref(), query.sort.as_deref())
    }

    async fn list(
        conn: &mut AsyncPgConnection,
        query: &SpeakerFilter,
        page: PageRequest,
    ) -> Result<Page<Speaker>, ApiError> {
        Ok(speaker::list(conn, query, page).await?)
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
        fields: SpeakerFields,
    ) -> QueryResult<Option<Speaker>> {
        speaker::update(conn, id, version, fields).await
    }

    async fn soft_delete(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
    ) -> QueryResult<Option<Speaker>> {
        speaker::soft_delete(conn, id, version).await
    }

    async fn check_deletable(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
        match speaker::live_references(conn, id).await? {
            0 => Ok(()),
            cited => Err(ApiError::Conflict(format!(
                "{cited} quotes and claims are attributed to this speaker; delete or reattribute them first"
            ))),
        }
    }
}
