//! What the record services (sources, speakers, quotes, claims) share: a submission of one
//! record or a batch, who may change a record, merge patches, and the audited writes.

use std::collections::HashSet;

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::db::audit;
use crate::db::{Page, Versioned};
use crate::domain::audit::{Action, AuditEvent, Entity};
use crate::domain::kinds::Role;
use crate::domain::{ExpectedVersion, FieldError, Principal};

/// Items accepted by one batch request; a batch is stored whole or not at all.
pub const MAX_BATCH_ITEMS: usize = 1000;

/// Records sent to be created: one, or a batch, whose errors point at the item
/// (`/items/3/...`). Checking keeps the shape, so a later check points the same way.
pub enum Submission<T> {
    One(T),
    Batch(Vec<T>),
}

impl<T> Submission<T> {
    /// Checks every item; the first refusal is the answer.
    pub fn check<O>(self, mut check: impl FnMut(T) -> Result<O, FieldError>) -> ServiceResult<Submission<O>> {
        match self {
            Self::One(item) => Ok(Submission::One(check(item)?)),
            Self::Batch(items) => {
                if items.is_empty() {
                    return Err(ServiceError::validation("/items", "must hold at least one item"));
                }
                if items.len() > MAX_BATCH_ITEMS {
                    return Err(ServiceError::validation(
                        "/items",
                        format!("must hold at most {MAX_BATCH_ITEMS} items (got {})", items.len()),
                    ));
                }
                let checked = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| check(item).map_err(|error| error.under(&format!("/items/{i}"))))
                    .collect::<Result<_, _>>()?;
                Ok(Submission::Batch(checked))
            }
        }
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        match self {
            Self::One(item) => std::slice::from_ref(item).iter(),
            Self::Batch(items) => items.iter(),
        }
    }

    /// The one record of a single submission (a batch's first).
    pub fn into_one(self) -> T {
        match self {
            Self::One(item) => item,
            Self::Batch(items) => items.into_iter().next().expect("a checked batch is never empty"),
        }
    }

    pub fn into_vec(self) -> Vec<T> {
        match self {
            Self::One(item) => vec![item],
            Self::Batch(items) => items,
        }
    }
}

/// Most stored source text one request may cite, in bytes: anchoring holds each cited text in
/// memory at once (1,000 items citing 1,000 one-megabyte sources would be a gigabyte).
pub const MAX_CITED_TEXT_BYTES: i64 = 64 << 20;

/// Refuses records citing more source text than `MAX_CITED_TEXT_BYTES`, counted before any
/// of it is read. (One source holds at most a few megabytes, so only a batch can.)
pub async fn check_cited_text(
    conn: &mut AsyncPgConnection,
    source_ids: impl IntoIterator<Item = Uuid>,
) -> ServiceResult<()> {
    let ids: Vec<Uuid> = source_ids.into_iter().collect::<HashSet<_>>().into_iter().collect();
    let bytes = crate::db::source::text_bytes(conn, &ids).await?;
    if bytes > MAX_CITED_TEXT_BYTES {
        return Err(ServiceError::validation(
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

/// A record as a write left it: its id, its version (the ETag) and its view.
pub struct Saved<V> {
    pub id: Uuid,
    pub version: i32,
    pub view: V,
}

impl<V> Saved<V> {
    pub fn of<R: Versioned>(row: R, view: impl FnOnce(R) -> V) -> Self {
        Self { id: row.id(), version: row.version(), view: view(row) }
    }
}

/// A page of views.
pub fn page_of<R, V>(page: Page<R>, view: impl Fn(R) -> V) -> Page<V> {
    Page { rows: page.rows.into_iter().map(view).collect(), has_more: page.has_more }
}

/// Submitters change only what they submitted; once reviewers have started on a record,
/// only editors change it, so a verdict never silently covers different words.
pub fn check_may_change(
    caller: &Principal,
    created_by: Option<Uuid>,
    under_review: bool,
) -> ServiceResult<()> {
    if !caller.at_least(Role::Reviewer) && created_by != Some(caller.user_id) {
        return Err(ServiceError::Forbidden("submitters may change only what they submitted".into()));
    }
    if under_review && !caller.at_least(Role::Editor) {
        return Err(ServiceError::Forbidden(
            "this record is under review; only an editor may change it now".into(),
        ));
    }
    Ok(())
}

/// The version a write replaces: the current one, if the writer read it.
pub fn version_to_replace(expected: &ExpectedVersion, current: i32) -> ServiceResult<i32> {
    expected.admits(current).ok_or(ServiceError::Stale { current: Some(current) })
}

/// A versioned write that matched no row lost a race with another writer: the version the
/// client sent is no longer current.
pub fn written<T>(row: Option<T>) -> ServiceResult<T> {
    row.ok_or(ServiceError::Stale { current: None })
}

/// A field set at creation may be repeated in a change, never changed.
pub fn unchanged(pointer: &str, same: bool) -> ServiceResult<()> {
    if same { Ok(()) } else { Err(ServiceError::validation(pointer, "cannot be changed after creation")) }
}

/// A view as JSON, for the audit trail and merge patches.
pub fn to_json(view: &impl Serialize) -> ServiceResult<Value> {
    serde_json::to_value(view).map_err(ServiceError::internal)
}

/// Applies a JSON Merge Patch (RFC 7396) to the record's view and reads the result as the
/// record's input type `T`, so an update is validated exactly like a create. Only the fields
/// `T` accepts are editable: a patch naming another field of the view (an id, a status, a
/// timestamp) is refused like any unknown field.
pub fn merge_patch<T: DeserializeOwned>(view: &Value, patch: Value) -> ServiceResult<T> {
    let Value::Object(patch) = patch else {
        return Err(ServiceError::InvalidShape(vec![FieldError::new(
            "",
            "a merge patch must be a JSON object",
        )]));
    };
    let Value::Object(view) = view else {
        return Err(ServiceError::internal("a record did not serialise to an object"));
    };
    let editable = serde_aux::serde_introspection::serde_introspect::<T>();
    let mut document: serde_json::Map<String, Value> = view
        .iter()
        .filter(|(key, _)| editable.contains(&key.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, value) in patch {
        merge_value(document.entry(key).or_insert(Value::Null), value);
    }
    document.retain(|_, value| !value.is_null());
    serde_path_to_error::deserialize(Value::Object(document))
        .map_err(|error| ServiceError::InvalidShape(vec![FieldError::at_path(error.path(), error.inner())]))
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

/// Records the creation of `rows` (one event each, in one append) and returns their views.
/// Runs inside the caller's transaction.
pub async fn created<R: Versioned, V: Serialize>(
    conn: &mut AsyncPgConnection,
    caller: &Principal,
    entity: Entity,
    rows: Vec<R>,
    view: impl Fn(R) -> V,
    audited: impl Fn(Value) -> Value,
) -> ServiceResult<Vec<Saved<V>>> {
    let mut saved = Vec::with_capacity(rows.len());
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let record = Saved::of(row, &view);
        let after = audited(to_json(&record.view)?);
        events.push(AuditEvent::new(entity, record.id, Action::Create { after }));
        saved.push(record);
    }
    audit::append_all(conn, Some(caller), events).await?;
    Ok(saved)
}

/// Records a change of one record from `before` to `row`. Runs inside the caller's transaction.
pub async fn updated<R: Versioned, V: Serialize>(
    conn: &mut AsyncPgConnection,
    caller: &Principal,
    entity: Entity,
    before: Value,
    row: R,
    view: impl FnOnce(R) -> V,
) -> ServiceResult<Saved<V>> {
    let record = Saved::of(row, view);
    let after = to_json(&record.view)?;
    audit::append(conn, Some(caller), AuditEvent::new(entity, record.id, Action::Update { before, after }))
        .await?;
    Ok(record)
}

/// Records the deletion of a record that looked like `before`. Runs inside the caller's transaction.
pub async fn deleted(
    conn: &mut AsyncPgConnection,
    caller: &Principal,
    entity: Entity,
    id: Uuid,
    before: Value,
) -> ServiceResult<()> {
    audit::append(conn, Some(caller), AuditEvent::new(entity, id, Action::Delete { before })).await?;
    Ok(())
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

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Input {
        title: String,
        note: Option<String>,
    }

    #[test]
    fn a_patch_edits_only_the_input_fields() {
        let view = json!({"id": "x", "version": 3, "title": "a", "note": "n"});
        let merged: Input = merge_patch(&view, json!({"note": null})).unwrap();
        assert_eq!(merged, Input { title: "a".into(), note: None });
        let refused = merge_patch::<Input>(&view, json!({"version": 4}));
        assert!(
            matches!(refused, Err(ServiceError::InvalidShape(errors)) if errors[0].pointer == "/version")
        );
    }
}
