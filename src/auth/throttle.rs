//! Brute-force limiting for sign-in: after too many failures for one account or from one
//! address within a window, further attempts are refused with 429 and `Retry-After` until the
//! window ends. Kept in memory per server: behind a load balancer each instance counts alone,
//! which still caps guesses at instances × MAX_FAILURES per window.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;

pub const MAX_FAILURES: u32 = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys kept at most; the oldest windows are dropped first when full.
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    /// Refuses when any of `keys` (e.g. the email and the client address) is locked out.
    pub fn check(&self, keys: &[String]) -> Result<(), ApiError> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let locked = keys
            .iter()
            .filter_map(|k| failures.get(k))
            .filter(|(count, since)| *count >= MAX_FAILURES && now.duration_since(*since) < WINDOW)
            .map(|(_, since)| WINDOW - now.duration_since(*since))
            .max();
        match locked {
            Some(left) => Err(ApiError::TooManyRequests { retry_after: left.as_secs().max(1) }),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, keys: &[String]) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        }
        for key in keys {
            let entry = failures.entry(key.clone()).or_insert((0, now));
            if now.duration_since(entry.1) >= WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    pub fn record_success(&self, keys: &[String]) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            failures.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit_and_success_clears() {
        let throttle = Throttle::default();
        let keys = ["email:a@x.example".to_owned()];
        for _ in 0..MAX_FAILURES {
            assert!(throttle.check(&keys).is_ok());
            throttle.record_failure(&keys);
        }
        assert!(
            matches!(throttle.check(&keys), Err(ApiError::TooManyRequests { retry_after }) if retry_after > 0)
        );
        assert!(throttle.check(&["email:b@x.example".to_owned()]).is_ok());
        throttle.record_success(&keys);
        assert!(throttle.check(&keys).is_ok());
    }
}
