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

    /// Where serde stopped reading a document (`serde_path_to_error`), as a JSON Pointer.
    pub fn at_path(path: &serde_path_to_error::Path, error: &serde_json::Error) -> Self {
        use serde_path_to_error::Segment;
        let mut pointer: String = path
            .iter()
            .filter_map(|segment| match segment {
                Segment::Seq { index } => Some(format!("/{index}")),
                Segment::Map { key } | Segment::Enum { variant: key } => {
                    Some(format!("/{}", key.replace('~', "~0").replace('/', "~1")))
                }
                Segment::Unknown => None,
            })
            .collect();
        // serde names a missing or unknown field only in its message: point at the field itself.
        let message = error.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        for marker in ["missing field `", "unknown field `"] {
            if let Some(rest) = message.strip_prefix(marker)
                && let Some(name) = rest.split('`').next()
                && !pointer.ends_with(&format!("/{name}"))
            {
                pointer.push('/');
                pointer.push_str(name);
            }
        }
        Self::new(pointer, message)
    }
}
