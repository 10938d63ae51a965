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

/// A record that quotes and claims refer to.
#[derive(Debug, Clone, Copy)]
pub enum Cited {
    /// The source they were read in.
    Source(Uuid),
    /// The speaker they are attributed to (a quote's speaker, a claim's claimant).
    Speaker(Uuid),
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Live quotes and claims referring to the record; a record they refer to cannot be deleted.
pub async fn live_citations(conn: &mut AsyncPgConnection, cited: Cited) -> QueryResult<i64> {
    use diesel_async::RunQueryDsl;
    let (query, id) = match cited {
        Cited::Source(id) => (
            "SELECT (SELECT count(*) FROM quotes WHERE source_id = $1 AND deleted_at IS NULL)
                  + (SELECT count(*) FROM claims WHERE source_id = $1 AND deleted_at IS NULL) AS n",
            id,
        ),
        Cited::Speaker(id) => (
            "SELECT (SELECT count(*) FROM quotes WHERE speaker_id = $1 AND deleted_at IS NULL)
                  + (SELECT count(*) FROM claims WHERE claimant_id = $1 AND deleted_at IS NULL) AS n",
            id,
        ),
    };
    let count: Count =
        diesel::sql_query(query).bind::<diesel::sql_types::Uuid, _>(id).get_result(conn).await?;
    Ok(count.n)
}
