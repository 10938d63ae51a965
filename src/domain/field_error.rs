//! The one shape of a validation failure, from the domain types up to the API's problem
//! documents.

use serde::Serialize;

/// One offending field: a JSON Pointer (RFC 6901) into the request, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub pointer: String,
    pub detail: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), detail: detail.into() }
    }

    /// The same error seen from an enclosing document, e.g. item 3 of a batch.
    pub fn under(mut self, prefix: &str) -> Self {
        self.pointer = format!("{prefix}{}", self.pointer);
        self
    }
}
