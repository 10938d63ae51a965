//! Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a POST sent again with the same
//! key and the same request gets the first answer again and writes nothing; the same key with
//! another request is refused, and so is a retry while the first is still running.

use diesel_async::AsyncPgConnection;
use serde_json::Value;

use super::{ServiceError, ServiceResult};
use crate::db::idempotency;

pub use crate::db::idempotency::KeyOwner;

/// How long a key stays taken by a first request that never answered (the server stopped)
/// before a retry may run again: longer than any request may take.
const ABANDONED_AFTER_SECONDS: i32 = 300;

/// The first answer, as kept.
pub struct Answer {
    pub status: u16,
    /// The headers a replay carries again (content type, location, entity tag), by name.
    pub headers: Value,
    pub body: Vec<u8>,
}

/// What a request with a key does.
pub enum Begun {
    /// Nobody used the key: the request runs, and its answer is kept (`complete`).
    Run,
    /// The same request ran before: here is its answer.
    Replay(Answer),
}

/// Takes the key for the request of `fingerprint`, or says why not.
pub async fn begin(
    conn: &mut AsyncPgConnection,
    owner: &KeyOwner,
    fingerprint: &str,
) -> ServiceResult<Begun> {
    if idempotency::claim(conn, owner, fingerprint, ABANDONED_AFTER_SECONDS).await? {
        return Ok(Begun::Run);
    }
    let Some(stored) = idempotency::find(conn, owner).await? else {
        // Released between the two statements: the first request failed; this one may run.
        return match idempotency::claim(conn, owner, fingerprint, ABANDONED_AFTER_SECONDS).await? {
            true => Ok(Begun::Run),
            false => Err(in_progress()),
        };
    };
    if stored.fingerprint != fingerprint {
        return Err(ServiceError::validation(
            "",
            "this Idempotency-Key was used with another request; use a new key for a new request",
        ));
    }
    match (stored.status, stored.body) {
        (Some(status), Some(body)) => Ok(Begun::Replay(Answer {
            status: u16::try_from(status).map_err(ServiceError::internal)?,
            headers: stored.headers.unwrap_or(Value::Null),
            body,
        })),
        _ => Err(in_progress()),
    }
}

fn in_progress() -> ServiceError {
    ServiceError::Conflict(
        "a request with this Idempotency-Key is still being processed; retry shortly".into(),
    )
}

/// Keeps the first answer under the key, or frees the key when the answer is not one to
/// repeat (the server failed, or asked the client to come back later).
pub async fn complete(conn: &mut AsyncPgConnection, owner: &KeyOwner, answer: &Answer) -> ServiceResult<()> {
    if kept(answer.status) {
        let status = i16::try_from(answer.status).map_err(ServiceError::internal)?;
        idempotency::complete(conn, owner, status, &answer.headers, &answer.body).await?;
    } else {
        idempotency::release(conn, owner).await?;
    }
    Ok(())
}

/// Answers that another try would repeat: successes and the client's own errors, but not
/// those that say to try again (408, 425, 429) nor the server's failures.
fn kept(status: u16) -> bool {
    matches!(status, 200..=499) && !matches!(status, 408 | 425 | 429)
}

/// Frees the key of a first request that ended without an answer.
pub async fn abandon(conn: &mut AsyncPgConnection, owner: &KeyOwner) -> ServiceResult<()> {
    Ok(idempotency::release(conn, owner).await?)
}
