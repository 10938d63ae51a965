//! Access tokens: short-lived HS256 JWTs. Every token names its key (`kid`); the server keeps a
//! ring of keys so a new signing key can be rolled out while tokens signed by the previous
//! one stay valid until they expire.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::secret::random_hex;

pub const ISSUER: &str = "attest";
pub const AUDIENCE: &str = "attest-api";
/// Access tokens are short-lived; refresh tokens renew them.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
/// Clock skew tolerated between servers.
const LEEWAY_SECONDS: u64 = 30;
const MIN_KEY_BYTES: usize = 32;
/// Most verified tokens remembered; past it, the memory starts over. A client sends the same
/// token for its whole life, so checking its signature once saves that work on every request.
const VERIFIED_TOKENS: usize = 4096;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The user's token generation when issued; a password or role change bumps it.
    pub tgen: i32,
}

/// HMAC keys by id; the first one signs.
#[derive(Clone)]
pub struct KeyRing {
    signing_kid: String,
    keys: HashMap<String, Vec<u8>>,
    /// Tokens that passed `verify`, by their whole text: a hit is the same bytes that were
    /// checked, so it stands for the signature until the token expires.
    verified: Arc<Mutex<HashMap<Box<str>, AccessClaims>>>,
}

impl std::fmt::Debug for KeyRing {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("signing_kid", &self.signing_kid)
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl KeyRing {
    /// `kid=hexsecret,kid2=hexsecret`: the first key signs, all of them verify.
    pub fn parse(spec: &str) -> anyhow::Result<Self> {
        let mut signing_kid = None;
        let mut keys = HashMap::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, secret) = entry.split_once('=').context("each key is kid=hex-secret")?;
            let secret = hex::decode(secret.trim()).context("a key secret must be hex")?;
            if secret.len() < MIN_KEY_BYTES {
                bail!("key {kid}: secrets must be at least {MIN_KEY_BYTES} bytes");
            }
            signing_kid.get_or_insert_with(|| kid.trim().to_owned());
            keys.insert(kid.trim().to_owned(), secret);
        }
        let signing_kid = signing_kid.context("no JWT keys given")?;
        Ok(Self { signing_kid, keys, verified: Arc::default() })
    }

    /// The configured key ring (`--jwt-keys`), or else the one kept in `data_dir`.
    pub fn configured(spec: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        match spec {
            Some(spec) => Self::parse(spec),
            None => {
                std::fs::create_dir_all(data_dir)?;
                Self::load_or_create(&data_dir.join("jwt-keys"))
            }
        }
    }

    /// The key ring stored in `path`, created with one random key on first use.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        let spec = super::secret::load_or_create_key_file(path, || {
            Ok(format!("k{}={}\n", &random_hex(4), random_hex(32)))
        })?;
        Self::parse(&spec)
    }

    pub fn issue(&self, user: Uuid, token_generation: i32) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            sub: user,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + ACCESS_TOKEN_SECONDS,
            tgen: token_generation,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        encode(&header, &claims, &EncodingKey::from_secret(&self.keys[&self.signing_kid]))
    }

    /// Strict validation: HS256 only, a known `kid`, and `exp`, `iat`, `sub`, `iss`, `aud`
    /// all present and right. The reason is for logs, never for the client.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, String> {
        let now = Utc::now().timestamp();
        let verified = || self.verified.lock().unwrap_or_else(|poison| poison.into_inner());
        if let Some(claims) = verified().get(token) {
            return match claims.exp + LEEWAY_SECONDS as i64 > now {
                true => Ok(claims.clone()),
                false => Err("invalid token: ExpiredSignature".into()),
            };
        }
        let claims = self.verify_signed(token, now)?;
        let mut remembered = verified();
        if remembered.len() >= VERIFIED_TOKENS {
            remembered.clear();
        }
        remembered.insert(token.into(), claims.clone());
        Ok(claims)
    }

    fn verify_signed(&self, token: &str, now: i64) -> Result<AccessClaims, String> {
        let header = decode_header(token).map_err(|e| format!("bad header: {e}"))?;
        if header.alg != Algorithm::HS256 {
            return Err(format!("algorithm {:?} is not accepted", header.alg));
        }
        let kid = header.kid.ok_or("no kid")?;
        let key = self.keys.get(&kid).ok_or_else(|| format!("unknown kid {kid}"))?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.leeway = LEEWAY_SECONDS;
        let claims = decode::<AccessClaims>(token, &DecodingKey::from_secret(key), &validation)
            .map_err(|e| format!("invalid token: {e}"))?
            .claims;
        if claims.iat > now + LEEWAY_SECONDS as i64 {
            return Err("issued in the future".into());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(spec: &str) -> KeyRing {
        KeyRing::parse(spec).unwrap()
    }

    #[test]
    fn a_token_verifies_with_any_key_of_the_ring() {
        let old = ring(&format!("old={}", "11".repeat(32)));
        let rotated = ring(&format!("new={},old={}", "22".repeat(32), "11".repeat(32)));
        let user = Uuid::now_v7();
        let token = old.issue(user, 3).unwrap();
        let claims = rotated.verify(&token).unwrap();
        assert_eq!((claims.sub, claims.tgen), (user, 3));
        let only_new = ring(&format!("new={}", "22".repeat(32)));
        assert!(only_new.verify(&token).unwrap_err().contains("unknown kid"));
    }

    #[test]
    fn a_remembered_token_stands_for_its_bytes_only_and_until_it_expires() {
        let keys = ring(&format!("k={}", "33".repeat(32)));
        let user = Uuid::now_v7();
        let token = keys.issue(user, 1).unwrap();
        assert_eq!(keys.verify(&token).unwrap().sub, user);
        assert_eq!(keys.verify(&token).unwrap().sub, user, "again, from memory");
        // Any other bytes are checked afresh: a changed signature or payload fails.
        let mut forged = token.clone().into_bytes();
        let last = forged.len() - 2;
        forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
        assert!(keys.verify(std::str::from_utf8(&forged).unwrap()).is_err());
        let other = ring(&format!("k={}", "44".repeat(32)));
        assert!(other.verify(&token).is_err(), "memory is per key ring");
        // Once expired, a remembered token is refused like any other.
        keys.verified.lock().unwrap().get_mut(token.as_str()).unwrap().exp = Utc::now().timestamp() - 3600;
        assert!(keys.verify(&token).unwrap_err().contains("Expired"));
        // Bounded: past VERIFIED_TOKENS, it starts over.
        for generation in 0..=VERIFIED_TOKENS as i32 {
            let token = keys.issue(Uuid::now_v7(), generation).unwrap();
            keys.verify(&token).unwrap();
        }
        assert!(keys.verified.lock().unwrap().len() <= VERIFIED_TOKENS);
    }

    #[test]
    fn key_specs_are_checked() {
        assert!(KeyRing::parse("").is_err());
        assert!(KeyRing::parse("k=abcd").is_err(), "too short");
        assert!(KeyRing::parse("k=zz").is_err(), "not hex");
        assert!(format!("{:?}", ring(&format!("k={}", "ab".repeat(32)))).contains("kids"));
        assert!(!format!("{:?}", ring(&format!("k={}", "ab".repeat(32)))).contains("abab"));
    }
}
