//! What a use case can fail with, in the service's own terms; the HTTP edge turns it into a
//! status. Database errors are classified here, in one place.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::PoolError;
use crate::domain::FieldError;
use crate::telemetry::metrics::DATABASE_ERRORS;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A merged change is not of the record's shape (unknown field, wrong type).
    #[error("the request body does not match the expected schema")]
    InvalidShape(Vec<FieldError>),
    /// The values break a rule.
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// A known caller without the right.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// It was here and was taken down on purpose: the detail is the public notice.
    #[error("{0}")]
    Gone(String),
    /// The record was merged into another, which answers for it now.
    #[error("this record was merged into {0}")]
    Moved(uuid::Uuid),
    /// The record would repeat a stored one, `existing`.
    #[error("{detail}")]
    Duplicate { detail: String, existing: uuid::Uuid },
    /// The record is no longer at the version the caller read (`current`, when known).
    #[error("the record has changed since it was read")]
    Stale { current: Option<i32> },
    #[error("too many failed attempts; try again in {retry_after} seconds")]
    Throttled { retry_after: u64 },
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// A capacity limit reached: heavy work queued too long, a query past its statement timeout.
    #[error("{0}")]
    Overloaded(String),
    /// Up, but the schema is not yet the one this build expects.
    #[error("{0}")]
    NotReady(String),
    #[error("internal error")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn validation(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(pointer, detail)])
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        Self::Internal(error.to_string())
    }
}

impl From<FieldError> for ServiceError {
    fn from(error: FieldError) -> Self {
        Self::Validation(vec![error])
    }
}

/// Diesel errors mapped to what they mean for the caller, in one place.
impl From<DieselError> for ServiceError {
    fn from(error: DieselError) -> Self {
        let DieselError::DatabaseError(kind, info) = &error else {
            return match error {
                DieselError::NotFound => Self::NotFound("record not found".into()),
                other => database_failure(Self::internal(&other)),
            };
        };
        let constraint = info.constraint_name().unwrap_or_default();
        let message = info.message();
        match kind {
            DatabaseErrorKind::UniqueViolation => match constraint.strip_suffix("s_same_record_key") {
                // Two of a batch, or a change making a record the same as another.
                Some(record) => Self::Conflict(format!("the same {record} would be stored twice")),
                None => Self::Conflict(format!("a record with the same key already exists ({constraint})")),
            },
            DatabaseErrorKind::ForeignKeyViolation => Self::validation(
                format!("/{}", column_of_constraint(info.table_name().unwrap_or_default(), constraint)),
                "refers to a record that does not exist",
            ),
            DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                Self::validation("", format!("violates the rule {constraint}"))
            }
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            | DatabaseErrorKind::SerializationFailure
            | DatabaseErrorKind::ReadOnlyTransaction => database_failure(Self::Unavailable),
            _ if message.starts_with("canceling statement due to statement timeout") => database_failure(
                Self::Overloaded("the query ran past the statement timeout; narrow it and try again".into()),
            ),
            // A value too large for an index entry: the field caps keep indexed text well
            // under this, so reaching it is a missed cap, said as the client's.
            _ if message.starts_with("index row size") => {
                Self::validation("", "a value is too long to be indexed; shorten the longest text field")
            }
            // The server going away mid-query (SQLSTATE class 57, "operator intervention"),
            // which diesel reports only by its message.
            _ if is_server_going_away(message) => database_failure(Self::Unavailable),
            _ => database_failure(Self::internal(&error)),
        }
    }
}

impl From<PoolError> for ServiceError {
    fn from(error: PoolError) -> Self {
        tracing::warn!(%error, "no database connection");
        database_failure(Self::Unavailable)
    }
}

fn database_failure(error: ServiceError) -> ServiceError {
    DATABASE_ERRORS.inc();
    error
}

fn is_server_going_away(message: &str) -> bool {
    ["terminating connection", "the database system is", "canceling statement due to conflict with recovery"]
        .iter()
        .any(|prefix| message.starts_with(prefix))
}

/// `quotes_source_id_fkey` on table `quotes` names the column `source_id`.
fn column_of_constraint<'a>(table: &str, constraint: &'a str) -> &'a str {
    let without_table =
        constraint.strip_prefix(table).and_then(|rest| rest.strip_prefix('_')).unwrap_or(constraint);
    without_table.strip_suffix("_fkey").unwrap_or(without_table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_map_to_columns() {
        assert_eq!(column_of_constraint("quotes", "quotes_source_id_fkey"), "source_id");
        assert_eq!(column_of_constraint("claims", "claims_claimant_id_fkey"), "claimant_id");
        assert_eq!(column_of_constraint("claims", "odd"), "odd");
    }
}
