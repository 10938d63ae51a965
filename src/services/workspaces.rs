//! Workspaces: created by instance administrators, their settings kept by their admins.

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::records::{Saved, to_json, version_to_replace, written};
use super::{ServiceError, ServiceResult};
use crate::db::workspace::{self, NewWorkspace, Workspace, WorkspaceChanges};
use crate::db::{Page, PageRequest, audit};
use crate::domain::audit::{Action, AuditEvent, Entity};
use crate::domain::decimal::to_plain_string;
use crate::domain::kinds::Role;
use crate::domain::workspace::{
    DEFAULT_FIGURE_TOLERANCE_PERCENT, RatingScale, RatingStep, SettingsChange, SettingsInput, SignOff,
    SignOffRule, Slug, WorkspaceDraft, WorkspaceInput,
};
use crate::domain::{ExpectedVersion, Principal};

#[derive(Serialize)]
pub struct WorkspaceView {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub rating_scale: RatingScale,
    pub sign_off: SignOff,
    /// A decimal, as a string.
    pub figure_tolerance_percent: String,
    pub publisher_name: Option<String>,
    pub publisher_url: Option<String>,
    pub publisher_logo_url: Option<String>,
    pub public_fact_checks: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the other use cases need of the workspace they act in.
pub struct Settings {
    pub id: Uuid,
    pub rating_scale: RatingScale,
    pub sign_off: SignOff,
    pub figure_tolerance_percent: BigDecimal,
    pub publisher_name: Option<String>,
    pub publisher_url: Option<String>,
    pub publisher_logo_url: Option<String>,
}

fn rating_scale(stored: Value) -> ServiceResult<RatingScale> {
    let steps: Vec<RatingStep> = serde_json::from_value(stored).map_err(ServiceError::internal)?;
    RatingScale::parse(steps)
        .map_err(|e| ServiceError::internal(format!("a stored rating scale: {}", e.detail)))
}

fn sign_off(stored: Value) -> ServiceResult<SignOff> {
    let rules: Vec<SignOffRule> = serde_json::from_value(stored).map_err(ServiceError::internal)?;
    SignOff::parse(rules)
        .map_err(|e| ServiceError::internal(format!("a stored sign-off policy: {}", e.detail)))
}

fn saved(row: Workspace) -> ServiceResult<Saved<WorkspaceView>> {
    let settings = row.settings;
    let view = WorkspaceView {
        id: row.id,
        slug: row.slug,
        name: settings.name,
        rating_scale: rating_scale(settings.rating_scale)?,
        sign_off: sign_off(settings.sign_off)?,
        figure_tolerance_percent: to_plain_string(&settings.figure_tolerance_percent),
        publisher_name: settings.publisher_name,
        publisher_url: settings.publisher_url,
        publisher_logo_url: settings.publisher_logo_url,
        public_fact_checks: settings.public_fact_checks,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    };
    Ok(Saved { id: view.id, version: view.version, view })
}

/// The id of the workspace named `slug`.
pub async fn id_of(conn: &mut AsyncPgConnection, slug: &Slug) -> ServiceResult<Uuid> {
    let found = workspace::find_by_slug(conn, slug.as_str()).await?;
    found.map(|w| w.id).ok_or_else(|| ServiceError::NotFound(format!("no workspace \"{}\"", slug.as_str())))
}

/// The settings of the workspace the transaction acts in.
pub async fn current(conn: &mut AsyncPgConnection) -> ServiceResult<Settings> {
    let row = workspace::current(conn).await?;
    Ok(Settings {
        id: row.id,
        rating_scale: rating_scale(row.settings.rating_scale)?,
        sign_off: sign_off(row.settings.sign_off)?,
        figure_tolerance_percent: row.settings.figure_tolerance_percent,
        publisher_name: row.settings.publisher_name,
        publisher_url: row.settings.publisher_url,
        publisher_logo_url: row.settings.publisher_logo_url,
    })
}

fn changes(change: SettingsChange) -> ServiceResult<WorkspaceChanges> {
    Ok(WorkspaceChanges {
        name: change.name.map(|name| name.into_inner()),
        rating_scale: change.rating_scale.as_ref().map(to_json).transpose()?,
        sign_off: change.sign_off.as_ref().map(to_json).transpose()?,
        figure_tolerance_percent: change.figure_tolerance_percent,
        publisher_name: change.publisher_name.map(|name| name.map(|n| n.into_inner())),
        publisher_url: change.publisher_url.map(|url| url.map(|u| u.into_inner())),
        publisher_logo_url: change.publisher_logo_url.map(|url| url.map(|u| u.into_inner())),
        public_fact_checks: change.public_fact_checks,
    })
}

/// A new workspace, with the instance administrator who made it as its first admin (they
/// may hand it over and leave). Its first event is in its own trail.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    input: WorkspaceInput,
) -> ServiceResult<Saved<WorkspaceView>> {
    if !caller.instance_admin {
        return Err(ServiceError::Forbidden("creating workspaces is for instance administrators".into()));
    }
    let draft = WorkspaceDraft::try_from(input).map_err(ServiceError::from)?;
    let settings = changes(draft.settings)?;
    let new = NewWorkspace {
        id: Uuid::now_v7(),
        slug: draft.slug.as_str().to_owned(),
        settings: workspace::Settings {
            name: draft.name.into_inner(),
            rating_scale: match settings.rating_scale {
                Some(scale) => scale,
                None => to_json(&RatingScale::default())?,
            },
            sign_off: settings.sign_off.unwrap_or_else(|| Value::Array(Vec::new())),
            figure_tolerance_percent: settings
                .figure_tolerance_percent
                .unwrap_or_else(|| BigDecimal::from(DEFAULT_FIGURE_TOLERANCE_PERCENT)),
            publisher_name: settings.publisher_name.flatten(),
            publisher_url: settings.publisher_url.flatten(),
            publisher_logo_url: settings.publisher_logo_url.flatten(),
            public_fact_checks: settings.public_fact_checks.unwrap_or(false),
        },
    };
    let id = new.id;
    workspace::scoped(conn, id, Some(caller.user_id), async move |conn| {
        let created = saved(workspace::insert(conn, new).await?)?;
        workspace::set_role(conn, id, caller.user_id, Role::Admin).await?;
        let event = AuditEvent::new(Entity::Workspace, id, Action::Create { after: to_json(&created.view)? });
        audit::append(conn, Some(&caller), event).await?;
        Ok(created)
    })
    .await
}

/// Every workspace for an instance administrator; the caller's own for anyone else.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    page: PageRequest,
) -> ServiceResult<Page<Saved<WorkspaceView>>> {
    let member = (!caller.instance_admin).then_some(caller.user_id);
    let found = workspace::scoped(conn, None, Some(caller.user_id), async |conn| {
        workspace::list(conn, member, page).await
    })
    .await?;
    let rows = found.rows.into_iter().map(saved).collect::<ServiceResult<_>>()?;
    Ok(Page { rows, has_more: found.has_more })
}

/// The workspace the transaction acts in, with its settings.
pub async fn get(conn: &mut AsyncPgConnection) -> ServiceResult<Saved<WorkspaceView>> {
    saved(workspace::current(conn).await?)
}

/// Changes the settings of the workspace the transaction acts in, at the version read.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    expected: ExpectedVersion,
    input: SettingsInput,
) -> ServiceResult<Saved<WorkspaceView>> {
    let change = SettingsChange::try_from(input).map_err(ServiceError::from)?;
    let current = get(conn).await?;
    let version = version_to_replace(&expected, current.version)?;
    let before = to_json(&current.view)?;
    let updated = saved(written(workspace::update(conn, current.id, version, changes(change)?).await?)?)?;
    let action = Action::Update { before, after: to_json(&updated.view)? };
    audit::append(conn, Some(&caller), AuditEvent::new(Entity::Workspace, current.id, action)).await?;
    Ok(updated)
}
