//! `--quota-rps`: the service's request quota, per calling account, as a token bucket.
//!
//! CodeArtifact throttles each account's requests above its quota with a 429
//! ThrottlingException. The bucket here holds [`BURST_SECONDS`] worth of requests, so a
//! client sending faster than the quota is throttled within a fraction of a second, and one
//! that pauses cannot bank more than that.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// How much of a second's quota may go out at once after a pause.
pub const BURST_SECONDS: f64 = 0.1;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Requests per second per account; `admit` says whether one more fits.
#[derive(Debug)]
pub struct Quota {
    rate: f64,
    capacity: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Quota {
    pub fn new(rate: f64) -> Self {
        Quota {
            rate,
            capacity: (rate * BURST_SECONDS).max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Takes a token for a request of `account` arriving at `now`, if there is one.
    pub fn admit(&self, account: &str, now: Instant) -> bool {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = buckets.entry(account.to_string()).or_insert(Bucket {
            tokens: self.capacity,
            last: now,
        });
        let refill = now.saturating_duration_since(bucket.last).as_secs_f64() * self.rate;
        bucket.tokens = (bucket.tokens + refill).min(self.capacity);
        bucket.last = bucket.last.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn admits_the_rate_after_the_burst_and_counts_accounts_apart() {
        let quota = Quota::new(100.0);
        let start = Instant::now();
        // 400 requests spread evenly over 2 s (200/s) against 100/s: the 10-request burst,
        // then one per 10 ms.
        let admitted = (0..400)
            .filter(|i| quota.admit("111122223333", start + Duration::from_millis(5 * i)))
            .count();
        assert!((205..=212).contains(&admitted), "{admitted}");
        // Another account has its own bucket.
        assert!(quota.admit("444455556666", start + Duration::from_secs(2)));
    }

    #[test]
    fn a_pause_banks_only_the_burst() {
        let quota = Quota::new(50.0);
        let start = Instant::now();
        let later = start + Duration::from_secs(60);
        let admitted = (0..100).filter(|_| quota.admit("a", later)).count();
        assert_eq!(admitted, 5);
        // Below the quota, nothing is refused.
        let mut time = later;
        for _ in 0..200 {
            time += Duration::from_millis(25);
            assert!(quota.admit("a", time));
        }
    }
}
