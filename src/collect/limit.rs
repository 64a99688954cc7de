//! Client-side pacing: a bounded number of requests in flight and request rates kept under the
//! account's API quotas, so the scan runs at quota speed instead of provoking throttling and
//! paying for it in backoff. The quotas:
//! <https://docs.aws.amazon.com/codeartifact/latest/ug/service-limits.html>.

use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// A rate limiter shared by all tasks (GCRA: a token bucket expressed as the theoretical
/// arrival time of the next request). Callers are scheduled, not rejected: each `acquire`
/// reserves the next free slot under the lock and then sleeps until it, so waiting tasks are
/// served in the order they asked and the lock is never held across a sleep.
#[derive(Debug)]
pub struct RateLimiter {
    /// Time between two requests at the sustained rate; `None` means unlimited.
    interval: Option<Duration>,
    /// How far ahead of the sustained schedule a burst may run.
    tolerance: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `per_second` requests per second on average, with bursts of up to `burst` requests.
    /// A rate that is not a positive finite number means no limit.
    pub fn new(per_second: f64, burst: u32) -> Self {
        let interval = (per_second.is_finite() && per_second > 0.0)
            .then(|| Duration::from_secs_f64(1.0 / per_second));
        RateLimiter {
            interval,
            tolerance: interval.unwrap_or_default() * burst.saturating_sub(1),
            next: Mutex::new(None),
        }
    }

    /// Waits for this caller's slot.
    pub async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            // A poisoned lock only means another task panicked mid-update of one Instant.
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            let theoretical = next.map_or(now, |next| next.max(now));
            *next = Some(theoretical + interval);
            theoretical
                .checked_sub(self.tolerance)
                .unwrap_or(now)
                .max(now)
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Which budgets a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// The account-wide read budget only.
    Read,
    /// ListPackages / ListPackageVersions: their own per-operation quota as well.
    PackageListing,
    /// The account-wide write budget (100/s for every write operation together).
    Write,
}

/// Everything a request waits for before it is sent.
#[derive(Debug)]
pub struct Gate {
    in_flight: Semaphore,
    reads: RateLimiter,
    listings: RateLimiter,
    writes: RateLimiter,
}

impl Gate {
    pub fn new(concurrency: usize, max_rps: f64, listing_rps: f64) -> Self {
        Gate {
            in_flight: Semaphore::new(concurrency.max(1)),
            // No burst: evenly spaced requests keep every one-second window at the rate (+1),
            // and a scan has enough queued work to use every slot anyway.
            reads: RateLimiter::new(max_rps, 1),
            listings: RateLimiter::new(listing_rps, 1),
            writes: RateLimiter::new(0.0, 1),
        }
    }

    /// The same gate with writes limited to `write_rps` per second, evenly spaced: one
    /// second's window never holds more than the rate (+1 at its edge).
    pub fn with_write_rps(mut self, write_rps: f64) -> Self {
        self.writes = RateLimiter::new(write_rps, 1);
        self
    }

    /// A permit to have one request in flight, granted once the rate budgets allow it. The
    /// in-flight permit is taken first so rate slots are only reserved by requests that can
    /// actually go out, which keeps the limiter from banking a burst behind the semaphore.
    pub async fn enter(&self, budget: Budget) -> Option<SemaphorePermit<'_>> {
        // The semaphore is never closed; were it ever, going on unbounded beats hanging.
        let permit = self.in_flight.acquire().await.ok();
        match budget {
            Budget::Write => self.writes.acquire().await,
            Budget::PackageListing => {
                self.listings.acquire().await;
                self.reads.acquire().await;
            }
            Budget::Read => self.reads.acquire().await,
        }
        permit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn sustained_rate_is_respected_after_the_burst() {
        let limiter = Arc::new(RateLimiter::new(200.0, 10));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..25 {
                    limiter.acquire().await;
                }
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        let elapsed = start.elapsed();
        // 100 requests, 10 of them in the initial burst, 90 more at 5 ms each.
        assert!(elapsed >= Duration::from_millis(440), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    }

    #[tokio::test]
    async fn unlimited_does_not_wait() {
        let limiter = RateLimiter::new(0.0, 1);
        let start = Instant::now();
        for _ in 0..1000 {
            limiter.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(100));
    }
}
