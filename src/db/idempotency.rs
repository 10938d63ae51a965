//! Idempotency keys: the first answer to a POST that carried one, kept to be replayed.

use diesel::prelude::*;
use diesel::sql_types::{Bytea, Jsonb, Nullable, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

/// Who sent a key, and where: a key is the caller's own, in one workspace.
#[derive(Debug, Clone)]
pub struct KeyOwner {
    pub user_id: Uuid,
    /// The workspace's id, or empty outside any workspace.
    pub scope: String,
    pub key: String,
}

/// What is stored under a key.
#[derive(Debug, QueryableByName)]
pub struct Stored {
    #[diesel(sql_type = Text)]
    pub fingerprint: String,
    /// None while the first request runs.
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub status: Option<i16>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub headers: Option<Value>,
    #[diesel(sql_type = Nullable<Bytea>)]
    pub body: Option<Vec<u8>>,
}

/// Takes the key for a request with this fingerprint: a key never used, one whose answer is
/// older than a day, or one whose first request stopped without an answer (its run is older
/// than `abandoned_after_seconds`). False: the key is taken.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    owner: &KeyOwner,
    fingerprint: &str,
    abandoned_after_seconds: i32,
) -> QueryResult<bool> {
    let claimed = diesel::sql_query(
        "INSERT INTO idempotency_keys (user_id, scope, key, fingerprint) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, scope, key) DO UPDATE
            SET fingerprint = EXCLUDED.fingerprint, status = NULL, headers = NULL, body = NULL, created_at = now()
          WHERE idempotency_keys.created_at < now() - interval '1 day'
             OR (idempotency_keys.status IS NULL
                 AND idempotency_keys.created_at < now() - make_interval(secs => $5))",
    )
    .bind::<SqlUuid, _>(owner.user_id)
    .bind::<Text, _>(&owner.scope)
    .bind::<Text, _>(&owner.key)
    .bind::<Text, _>(fingerprint)
    .bind::<diesel::sql_types::Integer, _>(abandoned_after_seconds)
    .execute(conn)
    .await?;
    Ok(claimed == 1)
}

/// What the key holds, if anything.
pub async fn find(conn: &mut AsyncPgConnection, owner: &KeyOwner) -> QueryResult<Option<Stored>> {
    diesel::sql_query(
        "SELECT fingerprint, status, headers, body FROM idempotency_keys
          WHERE user_id = $1 AND scope = $2 AND key = $3",
    )
    .bind::<SqlUuid, _>(owner.user_id)
    .bind::<Text, _>(&owner.scope)
    .bind::<Text, _>(&owner.key)
    .get_result(conn)
    .await
    .optional()
}

/// Keeps the first request's answer under its key.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    owner: &KeyOwner,
    status: i16,
    headers: &Value,
    body: &[u8],
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE idempotency_keys SET status = $4, headers = $5, body = $6
          WHERE user_id = $1 AND scope = $2 AND key = $3",
    )
    .bind::<SqlUuid, _>(owner.user_id)
    .bind::<Text, _>(&owner.scope)
    .bind::<Text, _>(&owner.key)
    .bind::<SmallInt, _>(status)
    .bind::<Jsonb, _>(headers)
    .bind::<Bytea, _>(body)
    .execute(conn)
    .await
    .map(drop)
}

/// Frees a key whose first request got no answer worth keeping (the server failed): a retry
/// runs again.
pub async fn release(conn: &mut AsyncPgConnection, owner: &KeyOwner) -> QueryResult<()> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3 AND status IS NULL",
    )
    .bind::<SqlUuid, _>(owner.user_id)
    .bind::<Text, _>(&owner.scope)
    .bind::<Text, _>(&owner.key)
    .execute(conn)
    .await
    .map(drop)
}
