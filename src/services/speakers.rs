//! Speakers: who said it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::records::{Changed, Checked, Conn, Record, Submission};
use super::{ServiceError, ServiceResult};
use crate::db::references::{Cited, live_citations};
use crate::db::speaker::{Speaker, SpeakerFields};
use crate::domain::Principal;
use crate::domain::kinds::SpeakerKind;
use crate::domain::speaker::{SpeakerDraft, SpeakerInput};

impl Record for SpeakerView {
    type Row = Speaker;
    type Input = SpeakerInput;

    async fn check(_: &mut Conn, inputs: Submission<SpeakerInput>) -> Checked<Self> {
        inputs.check(|input| SpeakerDraft::try_from(input).map(SpeakerFields::from))
    }

    async fn change(_: &mut Conn, _: &Principal, _: &Speaker, input: SpeakerInput) -> Changed<Self> {
        Ok(SpeakerFields::from(SpeakerDraft::try_from(input)?))
    }

    async fn check_delete(conn: &mut Conn, id: Uuid) -> ServiceResult<()> {
        match live_citations(conn, Cited::Speaker(id)).await? {
            0 => Ok(()),
            cited => Err(ServiceError::Conflict(format!(
                "{cited} quotes and claims are attributed to this speaker; delete or reattribute them first"
            ))),
        }
    }
}

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
            name: row.fields.name,
            kind: row.fields.kind,
            description: row.fields.description,
            aliases: row.fields.aliases.into_iter().flatten().collect(),
            wikidata_qid: row.fields.wikidata_qid,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
