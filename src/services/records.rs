//! What the record services (sources, speakers, quotes, claims) share: a submission of one
//! record or a batch, who may change a record, merge patches, and the audited writes.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use super::{ServiceError, ServiceResult, cpu, events};
use crate::db::audit;
use crate::db::references::References;
use crate::db::transaction;
use crate::db::{Page, PageRequest, SameAsStored, Versioned};
use crate::domain::audit::{Action, AuditEvent};
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
        self.as_slice().iter()
    }

    pub fn as_slice(&self) -> &[T] {
        match self {
            Self::One(item) => std::slice::from_ref(item),
            Self::Batch(items) => items,
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

/// Checks what drafts of quotes or claims cite (their source, their speaker if any) and
/// anchors each in its source's text. The texts are loaded once; anchoring reads each whole:
/// CPU work, off the async workers.
#[allow(clippy::type_complexity)]
pub async fn anchor_all<D: Send + 'static, F: Send + 'static>(
    conn: &mut AsyncPgConnection,
    drafts: Submission<D>,
    source_of: fn(&D) -> Uuid,
    speaker_of: fn(&D) -> Option<Uuid>,
    resolve: fn(D, &References) -> Result<(Uuid, F), FieldError>,
) -> ServiceResult<Submission<(Uuid, F)>> {
    check_cited_text(conn, drafts.iter().map(source_of)).await?;
    let references =
        References::load(conn, drafts.iter().map(source_of), drafts.iter().filter_map(speaker_of)).await?;
    cpu::run(move || drafts.check(|draft| resolve(draft, &references))).await?
}

/// What an update of a quote or claim writes: it stays in the source it was read in (the
/// same words elsewhere are another record), and is checked and anchored like a create.
pub async fn anchored_change<K, F>(conn: &mut Conn, same_source: bool, input: K::Input) -> Changed<K>
where
    K: Record,
    K::Row: Versioned<New = (Uuid, F), Changes = F>,
{
    unchanged("/source_id", same_source)?;
    let (_, fields) = K::check(conn, Submission::One(input)).await?.into_one();
    Ok(fields)
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

/// A kind of stored record (source, speaker, quote, claim), named by its view (how the API
/// shows it), with the rules its service applies. The flows below (create, get, list,
/// update, delete) are written once over it; the table's queries come from its row
/// (`db::Versioned`).
pub trait Record: Serialize + From<Self::Row> + Send + 'static {
    type Row: Versioned;
    /// A create body; an update is a merge patch read as one too.
    type Input: DeserializeOwned + Send;

    /// Checks inputs and what they refer to, into rows to insert.
    fn check(conn: &mut Conn, inputs: Submission<Self::Input>) -> impl Future<Output = Checked<Self>> + Send;
    /// What an update of `current` writes, from the merged input: checked like a create,
    /// with the fields set at creation unchanged.
    fn change(
        conn: &mut Conn,
        caller: &Principal,
        current: &Self::Row,
        input: Self::Input,
    ) -> impl Future<Output = Changed<Self>> + Send;
    /// Which of the checked rows would repeat live stored records (none for records that may
    /// repeat).
    fn same_as_stored(
        _conn: &mut Conn,
        _rows: &[<Self::Row as Versioned>::New],
    ) -> impl Future<Output = ServiceResult<Vec<SameAsStored>>> + Send {
        std::future::ready(Ok(Vec::new()))
    }
    /// The record that a record no longer live was merged into, if any.
    fn moved_to(_conn: &mut Conn, _id: Uuid) -> impl Future<Output = ServiceResult<Option<Uuid>>> + Send {
        std::future::ready(Ok(None))
    }
    /// Why the record's latest verdict no longer matches what it judged, and since when
    /// (records reviewers judge).
    fn staleness(&self) -> Option<(&[String], DateTime<Utc>)> {
        None
    }
    /// Whether reviewers have started on the record: then only editors change it.
    fn under_review(_row: &Self::Row) -> bool {
        false
    }
    /// Refuses to change or delete a record that is locked (a published quote or claim).
    fn check_unlocked(
        _conn: &mut AsyncPgConnection,
        _id: Uuid,
    ) -> impl Future<Output = ServiceResult<()>> + Send {
        std::future::ready(Ok(()))
    }
    /// Refuses to delete a record that others still cite.
    fn check_delete(
        _conn: &mut AsyncPgConnection,
        _id: Uuid,
    ) -> impl Future<Output = ServiceResult<()>> + Send {
        std::future::ready(Ok(()))
    }
    /// Work a create does in its transaction once the rows are stored and audited (a source's
    /// new version re-checks what was anchored in the version it supersedes).
    fn created(
        _conn: &mut Conn,
        _caller: &Principal,
        _saved: &mut [Saved<Self>],
    ) -> impl Future<Output = ServiceResult<()>> + Send {
        std::future::ready(Ok(()))
    }
    /// Work an update does in its transaction once the row is written and audited (a source's
    /// change audits the verdicts it made stale).
    fn updated(
        _conn: &mut Conn,
        _caller: &Principal,
        _id: Uuid,
    ) -> impl Future<Output = ServiceResult<()>> + Send {
        std::future::ready(Ok(()))
    }
    /// The view as the audit trail keeps it (a large field that never changes may be left out).
    fn audited(view: Value) -> Value {
        view
    }
}

/// The connection a record's rules read with.
pub type Conn = AsyncPgConnection;
/// Rows checked and ready to insert.
pub type Checked<K> = ServiceResult<Submission<<<K as Record>::Row as Versioned>::New>>;
/// What an update writes.
pub type Changed<K> = ServiceResult<<<K as Record>::Row as Versioned>::Changes>;

/// Stores checked records, one audit event each, in one transaction: all or nothing. A record
/// that would repeat a stored one is refused, naming it.
pub async fn create<K: Record>(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    inputs: Submission<K::Input>,
) -> ServiceResult<Vec<Saved<K>>> {
    let rows = K::check(conn, inputs).await?;
    if let Some(repeat) = K::same_as_stored(conn, rows.as_slice()).await?.first() {
        let item = match rows {
            Submission::One(_) => String::new(),
            Submission::Batch(_) => format!("item {}: ", repeat.item),
        };
        return Err(ServiceError::Duplicate {
            detail: format!("{item}the same {} is already stored as {}", K::Row::ENTITY.name(), repeat.id),
            existing: repeat.id,
        });
    }
    store(conn, caller, rows.into_vec()).await
}

/// A record left out of a create because it would repeat a stored one.
#[derive(Debug, Serialize)]
pub struct Skipped {
    /// Its place among those sent.
    pub item: usize,
    pub existing_id: Uuid,
}

/// Stores the checked records that do not repeat stored ones, as `create` does, and names
/// those left out.
pub async fn create_new<K: Record>(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    inputs: Vec<K::Input>,
) -> ServiceResult<(Vec<Saved<K>>, Vec<Skipped>)> {
    let rows = K::check(conn, Submission::Batch(inputs)).await?.into_vec();
    let repeats = K::same_as_stored(conn, &rows).await?;
    let skipped: Vec<Skipped> = repeats
        .iter()
        .map(|repeat| Skipped {
            item: usize::try_from(repeat.item).unwrap_or(usize::MAX),
            existing_id: repeat.id,
        })
        .collect();
    let repeated: HashSet<usize> = skipped.iter().map(|s| s.item).collect();
    let fresh =
        rows.into_iter().enumerate().filter(|(i, _)| !repeated.contains(i)).map(|(_, row)| row).collect();
    Ok((store(conn, caller, fresh).await?, skipped))
}

/// Inserts checked rows and their audit events in one transaction, then runs the record's
/// `created` work.
async fn store<K: Record>(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    rows: Vec<<K::Row as Versioned>::New>,
) -> ServiceResult<Vec<Saved<K>>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    transaction::atomically(conn, async move |conn| {
        let rows = K::Row::insert(conn, rows, caller.user_id).await?;
        let mut saved = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            let record = Saved::of(row, K::from);
            let after = K::audited(to_json(&record.view)?);
            events.push(AuditEvent::new(K::Row::ENTITY, record.id, Action::Create { after }));
            saved.push(record);
        }
        audit::append_all(conn, Some(&caller), events).await?;
        K::created(conn, &caller, &mut saved).await?;
        Ok(saved)
    })
    .await
}

/// A live record; for one merged into another, `ServiceError::Moved` naming that one.
pub async fn get<K: Record>(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Saved<K>> {
    match K::Row::find(conn, id).await {
        Ok(row) => Ok(Saved::of(row, K::from)),
        Err(diesel::result::Error::NotFound) => match K::moved_to(conn, id).await? {
            Some(survivor) => Err(ServiceError::Moved(survivor)),
            None => Err(diesel::result::Error::NotFound.into()),
        },
        Err(other) => Err(other.into()),
    }
}

/// A page of the live records matching the filter.
pub async fn list<K: Record>(
    conn: &mut AsyncPgConnection,
    filter: &<K::Row as Versioned>::Filter,
    page: PageRequest,
) -> ServiceResult<Page<Saved<K>>> {
    Ok(page_of(K::Row::list(conn, filter, page).await?, |row| Saved::of(row, K::from)))
}

/// A JSON Merge Patch over the record's view, checked like a create, written at the version
/// the client read. The change is checked first; only a valid change is then held against the
/// version.
pub async fn update<K: Record>(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
    patch: Value,
) -> ServiceResult<Saved<K>> {
    let current = K::Row::find(conn, id).await?;
    check_may_change(&caller, current.created_by(), K::under_review(&current))?;
    K::check_unlocked(conn, id).await?;
    let current_view = K::from(current.clone());
    let stale_before = current_view.staleness().map(|(reasons, _)| reasons.to_vec());
    let before = to_json(&current_view)?;
    let input: K::Input = merge_patch(&before, patch)?;
    let changes = K::change(conn, &caller, &current, input).await?;
    let version = version_to_replace(&expected, current.version())?;
    let before = K::audited(before);
    transaction::atomically(conn, async move |conn| {
        let record = Saved::of(written(K::Row::update(conn, id, version, changes).await?)?, K::from);
        let action = Action::Update { before, after: K::audited(to_json(&record.view)?) };
        audit::append(conn, Some(&caller), AuditEvent::new(K::Row::ENTITY, id, action)).await?;
        // The edit made the verdict stale (the item's trigger marks it), or staler.
        if let Some((reasons, since)) = record.view.staleness()
            && stale_before.as_deref() != Some(reasons)
        {
            events::emit(conn, vec![events::verdict_stale(K::Row::ENTITY, id, reasons, since)]).await?;
        }
        K::updated(conn, &caller, id).await?;
        Ok(record)
    })
    .await
}

/// Deletes a record at the version the client read; it stays in its table for history.
pub async fn delete<K: Record>(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
) -> ServiceResult<()> {
    let current = K::Row::find(conn, id).await?;
    check_may_change(&caller, current.created_by(), K::under_review(&current))?;
    let version = version_to_replace(&expected, current.version())?;
    K::check_unlocked(conn, id).await?;
    K::check_delete(conn, id).await?;
    let before = K::audited(to_json(&K::from(current))?);
    transaction::atomically(conn, async move |conn| {
        written(K::Row::soft_delete(conn, id, version).await?)?;
        audit::append(conn, Some(&caller), AuditEvent::new(K::Row::ENTITY, id, Action::Delete { before }))
            .await?;
        Ok(())
    })
    .await
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
