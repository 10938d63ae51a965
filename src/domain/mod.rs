//! Validated domain types: a value of these types is valid by construction.
//! Request bodies (`*Input`, plain serde shapes) become drafts through `TryFrom`.

pub mod anchor;
pub mod audit;
pub mod claim;
pub mod consistency;
pub mod decimal;
pub mod diff;
pub mod extract;
mod field_error;
pub mod kinds;
pub mod log;
mod principal;
pub mod publication;
pub mod quote;
pub mod reanchor;
pub mod review;
pub mod source;
pub mod speaker;
pub mod text;
mod version;
pub mod webhook;
pub mod workspace;

use serde::Deserialize;

pub use field_error::FieldError;
pub use principal::{Membership, Principal};
pub use version::ExpectedVersion;

/// Turns a field-level message into a `FieldError` at `pointer`: `.map_err(at("/title"))?`.
pub fn at(pointer: &str) -> impl FnOnce(String) -> FieldError + '_ {
    move |detail| FieldError::new(pointer, detail)
}

/// Reads a whole number that JSON may spell as `12` or `12.0` (both are integers to JSON
/// Schema), refusing fractions and anything out of range.
pub fn integral<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::de::Error;
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = number
        .as_i64()
        .or_else(|| number.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64));
    whole
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| D::Error::custom(format!("expected a whole number in range, got {number}")))
}

/// `integral`, for optional fields.
pub fn integral_option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    integral(deserializer).map(Some)
}

/// Tells a field that was sent as `null` (`Some(None)`) from one that was not sent (`None`,
/// with `#[serde(default)]`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}
