//! Exact decimals for the numbers that are facts: JSON string or number in, string out.

use std::str::FromStr;

use bigdecimal::{BigDecimal, Zero};
use serde::{Deserialize, Deserializer};

/// Digits allowed on either side of the decimal point. Generous for any real-world count or
/// amount, and small enough that `1e400` is refused instead of stored as 400 zeros.
pub const MAX_INTEGER_DIGITS: i64 = 40;
pub const MAX_FRACTION_DIGITS: i64 = 40;
/// Longest literal read at all: both digit caps, a sign, a point and an exponent.
const MAX_LITERAL_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactDecimal(BigDecimal);

impl ExactDecimal {
    pub fn parse(text: &str) -> Result<Self, String> {
        // Length first: parsing a megabyte of digits would cost seconds of CPU to refuse it.
        if text.len() > MAX_LITERAL_CHARS {
            return Err(format!(
                "must have at most {MAX_INTEGER_DIGITS} digits before and {MAX_FRACTION_DIGITS} after the decimal point (got {} characters)",
                text.len()
            ));
        }
        if !is_decimal_literal(text) {
            return Err(format!(
                "must be a finite decimal number such as \"300000\" or \"1.5\" (got {text:?})"
            ));
        }
        let value = BigDecimal::from_str(text).map_err(|e| format!("is not a decimal number ({e})"))?;
        let fraction_digits = value.fractional_digit_count().max(0);
        let integer_digits = value.digits() as i64 - value.fractional_digit_count();
        if fraction_digits > MAX_FRACTION_DIGITS || integer_digits > MAX_INTEGER_DIGITS {
            return Err(format!(
                "must have at most {MAX_INTEGER_DIGITS} digits before and {MAX_FRACTION_DIGITS} after the decimal point"
            ));
        }
        if text.starts_with('-') && value.is_zero() {
            return Err("negative zero is not a value; send 0".into());
        }
        Ok(Self(value))
    }

    pub fn into_inner(self) -> BigDecimal {
        self.0
    }
}

/// JSON number grammar (RFC 8259), which is also what we accept inside strings:
/// no NaN, no Infinity, no leading '+', no bare '.5'.
fn is_decimal_literal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == bytes.len()
}

/// Output form: plain digits, never an exponent, scale as stored ("1.50" stays "1.50").
pub fn to_plain_string(value: &BigDecimal) -> String {
    value.to_plain_string()
}

/// Serializes an optional decimal as its plain digits (a JSON string), never a float.
pub fn serialize_plain<S: serde::Serializer>(
    value: &Option<BigDecimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.serialize_str(&value.to_plain_string()),
        None => serializer.serialize_none(),
    }
}

/// The raw text of a decimal as the client sent it (number or string), before parsing.
/// With serde_json's `arbitrary_precision`, a JSON number keeps its exact digits here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalText(pub String);

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Ok(Self(text)),
            serde_json::Value::Number(number) => Ok(Self(number.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a decimal as a JSON string or number, got {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_digit() {
        let value = ExactDecimal::parse("300000.000000000000000001").unwrap();
        assert_eq!(to_plain_string(&value.into_inner()), "300000.000000000000000001");
        assert_eq!(to_plain_string(&ExactDecimal::parse("1.50").unwrap().into_inner()), "1.50");
        assert_eq!(to_plain_string(&ExactDecimal::parse("1.5e6").unwrap().into_inner()), "1500000");
    }

    #[test]
    fn refuses_what_is_not_a_finite_bounded_decimal() {
        for bad in [
            "NaN",
            "Infinity",
            "-Infinity",
            "1e400",
            "",
            " 1",
            "+1",
            ".5",
            "1.",
            "0x10",
            "-0",
            "-0.0",
            "1,000",
        ] {
            assert!(ExactDecimal::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(ExactDecimal::parse("-12.5").is_ok());
        assert!(ExactDecimal::parse("0").is_ok());
    }

    #[test]
    fn json_numbers_arrive_exactly() {
        let text: DecimalText = serde_json::from_str("300000.000000000000000001").unwrap();
        assert_eq!(text.0, "300000.000000000000000001");
        let text: DecimalText = serde_json::from_str("\"12\"").unwrap();
        assert_eq!(text.0, "12");
        assert!(serde_json::from_str::<DecimalText>("true").is_err());
    }
}
