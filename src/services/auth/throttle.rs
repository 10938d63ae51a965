//! Brute-force limiting for sign-in, kept in memory per server.
//!
//! Every attempt is counted before its password is hashed, so a burst of concurrent guesses
//! is cut off at the limit instead of all being hashed. Three counts, each over a window:
//! - per account and address: `MAX_PAIR_FAILURES` failures lock that pair out (429) until the
//!   window ends. Another address is not locked out: an attacker cannot lock a user out from
//!   elsewhere.
//! - per address, across accounts: `MAX_ADDRESS_FAILURES` failures lock the address out
//!   (password spraying). Behind a load balancer, `--trusted-proxies` makes this the client's
//!   address rather than the balancer's.
//! - per account, across addresses: past `MAX_PAIR_FAILURES` failures every further attempt
//!   waits a growing delay before it is checked (`BACKOFF_START`, doubling up to
//!   `BACKOFF_MAX`). That slows guessing from many addresses, and the right password from a
//!   new address still signs in, only later.
//!
//! A success clears its account's and its pair's counts. Behind a load balancer each server
//! counts alone, which still caps guesses at servers × the limits per window.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::services::ServiceError;

pub const MAX_PAIR_FAILURES: u32 = 5;
pub const MAX_ADDRESS_FAILURES: u32 = 50;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
const BACKOFF_START: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(8);
/// Keys kept at most; expired windows are dropped first, then counts below any limit.
const MAX_KEYS: usize = 100_000;

#[derive(Clone, Copy)]
struct Count {
    failures: u32,
    since: Instant,
}

#[derive(Default)]
pub struct Throttle {
    counts: Mutex<HashMap<String, Count>>,
}

/// One admitted attempt: it must wait `delay` before its password is checked.
#[derive(Debug)]
pub struct Attempt {
    pub delay: Duration,
    keys: [String; 3],
}

impl Throttle {
    /// Admits an attempt on `account` (a stable key: the user's id, or the normalised email
    /// of an unknown account) from `address`, counting it as a failure until `succeeded`.
    pub fn admit(&self, account: &str, address: &str) -> Result<Attempt, ServiceError> {
        let keys =
            [format!("pair:{account}|{address}"), format!("address:{address}"), format!("account:{account}")];
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if counts.len() >= MAX_KEYS {
            counts.retain(|_, c| now.duration_since(c.since) < WINDOW);
            if counts.len() >= MAX_KEYS {
                counts.retain(|_, c| c.failures >= MAX_PAIR_FAILURES);
            }
        }
        let current = |key: &str| counts.get(key).copied().filter(|c| now.duration_since(c.since) < WINDOW);
        let locked = [(&keys[0], MAX_PAIR_FAILURES), (&keys[1], MAX_ADDRESS_FAILURES)]
            .into_iter()
            .filter_map(|(key, limit)| current(key).filter(|c| c.failures >= limit))
            .map(|c| WINDOW - now.duration_since(c.since))
            .max();
        if let Some(left) = locked {
            return Err(ServiceError::Throttled { retry_after: left.as_secs().max(1) });
        }
        let account_failures = current(&keys[2]).map_or(0, |c| c.failures);
        for key in &keys {
            let count = counts.entry(key.clone()).or_insert(Count { failures: 0, since: now });
            if now.duration_since(count.since) >= WINDOW {
                *count = Count { failures: 0, since: now };
            }
            count.failures += 1;
        }
        Ok(Attempt { delay: backoff(account_failures), keys })
    }

    /// The attempt's password was right: its account and pair start over, and it no longer
    /// counts against its address.
    pub fn succeeded(&self, attempt: Attempt) {
        let [pair, address, account] = attempt.keys;
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.remove(&pair);
        counts.remove(&account);
        if let Some(count) = counts.get_mut(&address) {
            count.failures = count.failures.saturating_sub(1);
        }
    }
}

/// The wait before checking a password for an account with `failures` recent failures.
fn backoff(failures: u32) -> Duration {
    match failures.checked_sub(MAX_PAIR_FAILURES) {
        None => Duration::ZERO,
        Some(beyond) => BACKOFF_START.saturating_mul(1 << beyond.min(16)).min(BACKOFF_MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(result: Result<Attempt, ServiceError>) -> bool {
        matches!(result, Err(ServiceError::Throttled { retry_after }) if retry_after > 0)
    }

    #[test]
    fn a_pair_locks_after_the_limit_and_another_address_is_only_slowed() {
        let throttle = Throttle::default();
        for _ in 0..MAX_PAIR_FAILURES {
            assert_eq!(throttle.admit("user-1", "192.0.2.1").unwrap().delay, Duration::ZERO);
        }
        assert!(refused(throttle.admit("user-1", "192.0.2.1")));
        let elsewhere = throttle.admit("user-1", "198.51.100.7").unwrap();
        assert_eq!(elsewhere.delay, BACKOFF_START);
        throttle.succeeded(elsewhere);
        assert_eq!(throttle.admit("user-1", "198.51.100.7").unwrap().delay, Duration::ZERO);
        assert!(throttle.admit("user-2", "192.0.2.1").is_ok());
    }

    #[test]
    fn an_address_spraying_many_accounts_is_locked() {
        let throttle = Throttle::default();
        for n in 0..MAX_ADDRESS_FAILURES {
            assert!(throttle.admit(&format!("user-{n}"), "203.0.113.9").is_ok());
        }
        assert!(refused(throttle.admit("user-new", "203.0.113.9")));
        assert!(throttle.admit("user-new", "203.0.113.10").is_ok());
    }

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        assert_eq!(backoff(MAX_PAIR_FAILURES - 1), Duration::ZERO);
        assert_eq!(backoff(MAX_PAIR_FAILURES + 1), BACKOFF_START * 2);
        assert_eq!(backoff(MAX_PAIR_FAILURES + 100), BACKOFF_MAX);
    }
}
