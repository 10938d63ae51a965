//! What the record services share: batches, merge patches and versioned writes.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::FieldError;
use crate::http::error::ApiError;
use crate::http::extractors::from_value;

/// Items accepted by one batch request; a batch is stored whole or not at all.
pub const MAX_BATCH_ITEMS: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch<T> {
    pub items: Vec<T>,
}

/// Validates every item of a create request; errors point at the item (`/items/3/...`)
/// when the request was a batch.
/// Most stored source text one request may cite, in bytes: anchoring holds each cited text in
/// memory at once (1,000 items citing 1,000 one-megabyte sources would be a gigabyte).
pub const MAX_CITED_TEXT_BYTES: i64 = 64 << 20;

/// Refuses a batch whose records cite more source text than `MAX_CITED_TEXT_BYTES`, counted
/// before any of it is read. (One source holds at most a few megabytes, so only a batch can.)
pub async fn check_cited_text(
    conn: &mut diesel_async::AsyncPgConnection,
    source_ids: impl IntoIterator<Item = Uuid>,
) -> Result<(), ApiError> {
    let ids: Vec<Uuid> =
        source_ids.into_iter().collect::<std::collections::HashSet<_>>().into_iter().collect();
    let bytes = crate::db::source::text_bytes(conn, &ids).await?;
    if bytes > MAX_CITED_TEXT_BYTES {
        return Err(ApiError::validation(
            "/items",
            format!(
                "the items cite {} MiB of source text; at most {} MiB at once: split the batch",
                bytes >> 20,
                MAX_CITED_TEXT_BYTES >> 20
            ),
        ));
    }
    Ok(())
}

pub fn each_item<I, O>(
    items: Vec<I>,
    batch: bool,
    mut check: impl FnMut(I) -> Result<O, FieldError>,
) -> Result<Vec<O>, ApiError> {
    if batch && items.is_empty() {
        return Err(ApiError::validation("/items", "must hold at least one item"));
    }
    if items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::validation(
            "/items",
            format!("must hold at most {MAX_BATCH_ITEMS} items (got {})", items.len()),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            check(item).map_err(|error| {
                let error = if batch { error.under(&format!("/items/{i}")) } else { error };
                ApiError::Validation(vec![error])
            })
        })
        .collect()
}

/// Applies a JSON Merge Patch (RFC 7396) to the record's current editable fields and reads
/// the result as a full input, so an update is validated exactly like a create.
/// `fixed` fields may be repeated unchanged but not changed.
pub fn merge_patch<T: DeserializeOwned>(current: Value, patch: Value, fixed: &[&str]) -> Result<T, ApiError> {
    let Value::Object(patch) = patch else {
        return Err(ApiError::InvalidBody(vec![FieldError::new("", "a merge patch must be a JSON object")]));
    };
    let Value::Object(mut document) = current else {
        return Err(ApiError::internal("a record did not serialise to an object"));
    };
    for (key, value) in patch {
        if fixed.contains(&key.as_str()) {
            if document.get(&key) != Some(&value) {
                return Err(ApiError::validation(format!("/{key}"), "cannot be changed after creation"));
            }
            continue;
        }
        let target = document.entry(key).or_insert(Value::Null);
        merge_value(target, value);
    }
    document.retain(|_, value| !value.is_null());
    from_value(Value::Object(document))
}

fn merge_value(target: &mut Value, patch: Value) {
    match patch {
        Value::Object(fields) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            if let Value::Object(object) = target {
                for (key, value) in fields {
                    if value.is_null() {
                        object.remove(&key);
                    } else {
                        merge_value(object.entry(key).or_insert(Value::Null), value);
                    }
                }
            }
        }
        other => *target = other,
    }
}

/// The view's fields that a client may edit: the ones the server owns are removed.
pub fn editable(view: &Value, read_only: &[&str]) -> Result<Value, ApiError> {
    let mut value = view.clone();
    match &mut value {
        Value::Object(object) => object.retain(|key, _| !read_only.contains(&key.as_str())),
        _ => {
            return Err(ApiError::internal("a record did not serialise to an object"));
        }
    }
    Ok(value)
}

/// A versioned write that matched no row lost a race with another writer: the version the
/// client sent is no longer current.
pub fn written<T>(row: Option<T>) -> Result<T, ApiError> {
    row.ok_or(ApiError::PreconditionFailed { current: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_value(&mut target, json!({"a": "z", "c": {"f": null}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}}));
    }
}
