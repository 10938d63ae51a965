//! Validated domain types: a value of these types is valid by construction.
//! Request bodies (`*Input`, plain serde shapes) become drafts through `TryFrom`.

pub mod anchor;
pub mod claim;
pub mod decimal;
pub mod kinds;
pub mod quote;
pub mod review;
pub mod source;
pub mod speaker;
pub mod text;

use crate::error::FieldError;

/// Turns a field-level message into a `FieldError` at `pointer`: `.map_err(at("/title"))?`.
pub fn at(pointer: &str) -> impl FnOnce(String) -> FieldError + '_ {
    move |detail| FieldError::new(pointer, detail)
}
