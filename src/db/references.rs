//! The rows a batch of quotes or claims points at, loaded once per batch.

use std::collections::{HashMap, HashSet};

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{source, speaker};
use crate::domain::FieldError;

pub struct References {
    /// Live sources and their stored text (if any).
    source_texts: HashMap<Uuid, Option<String>>,
    live_speakers: HashSet<Uuid>,
}

impl References {
    pub async fn load(
        conn: &mut AsyncPgConnection,
        source_ids: impl IntoIterator<Item = Uuid>,
        speaker_ids: impl IntoIterator<Item = Uuid>,
    ) -> QueryResult<Self> {
        let source_ids: Vec<Uuid> = source_ids.into_iter().collect::<HashSet<_>>().into_iter().collect();
        let speaker_ids: Vec<Uuid> = speaker_ids.into_iter().collect::<HashSet<_>>().into_iter().collect();
        let source_texts = source::find_many(conn, &source_ids)
            .await?
            .into_iter()
            .map(|row| (row.id, row.content))
            .collect();
        let live_speakers = speaker::live_ids(conn, &speaker_ids).await?.into_iter().collect();
        Ok(Self { source_texts, live_speakers })
    }

    /// The source's stored text (`None` when it has none); an error if there is no such source.
    pub fn source_text(&self, id: Uuid) -> Result<Option<&str>, FieldError> {
        self.source_texts
            .get(&id)
            .map(Option::as_deref)
            .ok_or_else(|| FieldError::new("/source_id", format!("no source {id}")))
    }

    pub fn check_speaker(&self, id: Uuid, pointer: &str) -> Result<(), FieldError> {
        if self.live_speakers.contains(&id) {
            Ok(())
        } else {
            Err(FieldError::new(pointer, format!("no speaker {id}")))
        }
    }
}
