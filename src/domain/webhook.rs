//! Webhooks: what a subscription asks for, which addresses it may name, and how each delivery
//! is signed (the Standard Webhooks specification) and retried.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::text::{Text, WebUrl};
use super::{FieldError, at};

/// What a subscription may ask to hear of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "review.recorded")]
    ReviewRecorded,
    #[serde(rename = "verdict.stale")]
    VerdictStale,
    #[serde(rename = "fact_check.published")]
    FactCheckPublished,
    #[serde(rename = "fact_check.corrected")]
    FactCheckCorrected,
    #[serde(rename = "fact_check.unpublished")]
    FactCheckUnpublished,
    #[serde(rename = "fact_check.retracted")]
    FactCheckRetracted,
    #[serde(rename = "source.changed")]
    SourceChanged,
    #[serde(rename = "claim.matched")]
    ClaimMatched,
}

impl EventType {
    pub const ALL: [Self; 8] = [
        Self::ReviewRecorded,
        Self::VerdictStale,
        Self::FactCheckPublished,
        Self::FactCheckCorrected,
        Self::FactCheckUnpublished,
        Self::FactCheckRetracted,
        Self::SourceChanged,
        Self::ClaimMatched,
    ];

    /// The name in payloads and subscriptions.
    pub fn name(self) -> &'static str {
        match self {
            Self::ReviewRecorded => "review.recorded",
            Self::VerdictStale => "verdict.stale",
            Self::FactCheckPublished => "fact_check.published",
            Self::FactCheckCorrected => "fact_check.corrected",
            Self::FactCheckUnpublished => "fact_check.unpublished",
            Self::FactCheckRetracted => "fact_check.retracted",
            Self::SourceChanged => "source.changed",
            Self::ClaimMatched => "claim.matched",
        }
    }
}

/// Longest description of a subscription.
const MAX_DESCRIPTION_CHARS: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionInput {
    pub url: String,
    pub event_types: Vec<EventType>,
    pub description: Option<String>,
}

/// A subscription's fields, valid: an http(s) target and at least one event type, each once.
/// Whether the target's address may be reached is the server's to say (`TargetPolicy`).
#[derive(Debug, Clone)]
pub struct SubscriptionDraft {
    pub url: url::Url,
    pub event_types: Vec<EventType>,
    pub description: Option<Text>,
}

impl TryFrom<SubscriptionInput> for SubscriptionDraft {
    type Error = FieldError;

    fn try_from(input: SubscriptionInput) -> Result<Self, FieldError> {
        Ok(Self {
            url: target_url(input.url)?,
            event_types: event_types(input.event_types)?,
            description: description(input.description)?,
        })
    }
}

/// A change to a subscription (absent fields stay); `enabled: true` re-enables one the server
/// disabled.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionChangeInput {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    #[serde(default, deserialize_with = "super::present")]
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct SubscriptionChange {
    pub url: Option<url::Url>,
    pub event_types: Option<Vec<EventType>>,
    pub description: Option<Option<Text>>,
    pub enabled: Option<bool>,
}

impl TryFrom<SubscriptionChangeInput> for SubscriptionChange {
    type Error = FieldError;

    fn try_from(input: SubscriptionChangeInput) -> Result<Self, FieldError> {
        let change = Self {
            url: input.url.map(target_url).transpose()?,
            event_types: input.event_types.map(event_types).transpose()?,
            description: input.description.map(description).transpose()?,
            enabled: input.enabled,
        };
        let empty = change.url.is_none()
            && change.event_types.is_none()
            && change.description.is_none()
            && change.enabled.is_none();
        if empty {
            return Err(FieldError::new("", "name at least one of url, event_types, description, enabled"));
        }
        Ok(change)
    }
}

fn target_url(url: String) -> Result<url::Url, FieldError> {
    let url = WebUrl::parse(url).map_err(at("/url"))?.into_inner();
    let url = url::Url::parse(&url).map_err(|e| FieldError::new("/url", e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::new("/url", "must not carry credentials; receivers check the signature"));
    }
    Ok(url)
}

fn event_types(types: Vec<EventType>) -> Result<Vec<EventType>, FieldError> {
    if types.is_empty() || types.len() > EventType::ALL.len() {
        return Err(FieldError::new(
            "/event_types",
            format!("name between one and {} event types, each once", EventType::ALL.len()),
        ));
    }
    for (i, one) in types.iter().enumerate() {
        if types[..i].contains(one) {
            return Err(FieldError::new(
                format!("/event_types/{i}"),
                format!("{} is named twice", one.name()),
            ));
        }
    }
    Ok(types)
}

fn description(text: Option<String>) -> Result<Option<Text>, FieldError> {
    text.map(|d| Text::exact(d.trim().to_owned(), MAX_DESCRIPTION_CHARS))
        .transpose()
        .map_err(at("/description"))
}

/// Addresses no webhook may reach unless the server allows private targets: the server's own
/// host and networks, link-local (cloud metadata) and anything not routed on the internet.
const NON_PUBLIC: [&str; 22] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/3",
    "::/128",
    "::1/128",
    "64:ff9b:1::/48",
    "100::/64",
    "2001:db8::/32",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
];

/// Whether `address` is on the public internet. IPv4 written in IPv6 (`::ffff:10.0.0.1`) is
/// judged as the IPv4 address it is.
pub fn is_public(address: IpAddr) -> bool {
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    };
    !NON_PUBLIC.iter().any(|range| range.parse::<ipnet::IpNet>().is_ok_and(|net| net.contains(&address)))
}

/// A secret's prefix, as the specification writes it.
pub const SECRET_PREFIX: &str = "whsec_";

/// `webhook-signature`'s value: `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`,
/// keyed with the secret's base64-decoded bytes. None for a secret not in that form.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = BASE64.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// A new secret from 32 random bytes.
pub fn secret_from(bytes: [u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", BASE64.encode(bytes))
}

/// How long to wait after failed attempt `attempt` (1 for the first): doubling from `first`,
/// at most `longest`, then a random part of it taken off (`jitter` in 0..=1 takes off up to
/// half), so that receivers coming back are not met by every sender at once.
pub fn retry_delay(attempt: u32, first: Duration, longest: Duration, jitter: f64) -> Duration {
    let doubled = first.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(30)));
    doubled.min(longest).mul_f64(1.0 - jitter.clamp(0.0, 1.0) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_specifications_example() {
        let signed = signature(
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
        );
        assert_eq!(signed.as_deref(), Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="));
        assert_eq!(signature("C2FVsBQIhrscChlQIMV", "id", 1, "{}"), None, "no whsec_ prefix");
        assert_eq!(signature("whsec_***", "id", 1, "{}"), None, "not base64");
    }

    #[test]
    fn private_loopback_and_link_local_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "ff02::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn retries_back_off_doubling_to_a_ceiling_with_jitter() {
        let (first, longest) = (Duration::from_secs(5), Duration::from_secs(3600));
        assert_eq!(retry_delay(1, first, longest, 0.0), Duration::from_secs(5));
        assert_eq!(retry_delay(2, first, longest, 0.0), Duration::from_secs(10));
        assert_eq!(retry_delay(5, first, longest, 0.0), Duration::from_secs(80));
        assert_eq!(retry_delay(40, first, longest, 0.0), longest);
        assert_eq!(retry_delay(2, first, longest, 1.0), Duration::from_secs(5));
        assert_eq!(retry_delay(u32::MAX, first, longest, 0.5), longest.mul_f64(0.75));
    }

    #[test]
    fn a_subscription_names_an_http_target_and_each_event_type_once() {
        let input = |url: &str, types: Vec<EventType>| SubscriptionInput {
            url: url.into(),
            event_types: types,
            description: None,
        };
        let ok =
            SubscriptionDraft::try_from(input("https://hooks.example/a", vec![EventType::ReviewRecorded]));
        assert!(ok.is_ok());
        for (url, types, pointer) in [
            ("ftp://hooks.example/a", vec![EventType::ReviewRecorded], "/url"),
            ("https://user:pw@hooks.example/a", vec![EventType::ReviewRecorded], "/url"),
            ("https://hooks.example/a", vec![], "/event_types"),
            (
                "https://hooks.example/a",
                vec![EventType::ClaimMatched, EventType::ClaimMatched],
                "/event_types/1",
            ),
        ] {
            let refused = SubscriptionDraft::try_from(input(url, types)).unwrap_err();
            assert_eq!(refused.pointer, pointer, "{url}");
        }
    }
}
