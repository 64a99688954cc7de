//! One API call: paced by the [`Gate`], retried, and turned into data or a recordable failure.
//!
//! The SDK client makes one attempt per call; every retry is made here. Throttling, 5xx,
//! lost connections and timeouts are retried: after the service's `Retry-After` when it sent
//! one (bounded, with 10% jitter), else after a full-jitter exponential backoff. The wait happens outside the
//! concurrency permit, so retries never hold a slot another request could use, and every
//! answer tells the pacing whether it was throttled (see [`super::limit`]).

use super::limit::{Budget, Gate, Lane};
use super::stats::{Counters, Op};
use aws_sdk_codeartifact::config::http::HttpResponse;
use aws_sdk_codeartifact::error::{ProvideErrorMetadata, SdkError};
use std::future::Future;
use std::time::Duration;

/// A call that failed for good: what goes into `CollectionError` besides operation/resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// AWS error code (`AccessDeniedException`), or the SDK's failure kind when the service
    /// never answered (`DispatchFailure`, `TimeoutError`, `ResponseError`, ...).
    pub code: String,
    pub message: String,
}

impl Failure {
    pub fn is_not_found(&self) -> bool {
        self.code == "ResourceNotFoundException"
    }

    pub fn new(code: &str, message: impl Into<String>) -> Failure {
        Failure {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// How calls are retried. Every retry happens here, not in the SDK (its clients make one
/// attempt per call), so a retry waits outside the concurrency permit and passes the pacing
/// again like any other request.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per call when the answers are 5xx errors or nothing came back (network
    /// failure, timeout).
    pub max_attempts: u32,
    /// How long a call keeps being retried while the answers are throttling errors (in
    /// waits, summed). A time, not a count: while the pacing settles on the quota, or while
    /// other clients use it up, a call can be throttled many times, and a throttled call is
    /// never a sign that asking again is pointless; giving up early would lose data.
    pub max_throttled_wait: Duration,
    /// Ceiling of the first retry's wait (full jitter: a uniform wait below it), doubled on
    /// each further retry up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured: a service asking for more still gets a retry, just
    /// sooner, so one stubborn answer cannot stall the scan.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// The full-jitter wait before retry number `retry` (1 = the first).
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_backoff);
        ceiling.mul_f64(unit_random())
    }
}

/// A uniform number in [0, 1): jitter only needs to differ between calls, not be strong.
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What an SDK error means for this layer.
struct Classified {
    failure: Failure,
    retryable: bool,
    /// The service answered with a throttling error (the pacing's signal).
    throttled: bool,
    /// The service answered at all (with an error).
    answered: bool,
    retry_after: Option<Duration>,
}

fn classify<E>(error: &SdkError<E, HttpResponse>) -> Classified
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error {
        SdkError::ServiceError(context) => {
            let raw = context.raw();
            let status = raw.status().as_u16();
            let code = context
                .err()
                .code()
                .map(str::to_string)
                .unwrap_or_else(|| format!("HTTP{status}"));
            let message = context.err().message().unwrap_or_default().to_string();
            // Retry-After is an integer number of seconds; the modelled
            // `retry_after_seconds` is filled from it, so reading the header works for every
            // operation's error type alike.
            let retry_after = raw
                .headers()
                .get("retry-after")
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let throttled = status == 429 || code.contains("Throttl");
            Classified {
                retryable: throttled || matches!(status, 500 | 502 | 503 | 504),
                throttled,
                answered: true,
                retry_after,
                failure: Failure { code, message },
            }
        }
        other => {
            let code = match other {
                SdkError::ConstructionFailure(_) => "ConstructionFailure",
                SdkError::TimeoutError(_) => "TimeoutError",
                SdkError::DispatchFailure(_) => "DispatchFailure",
                SdkError::ResponseError(_) => "ResponseError",
                _ => "SdkError",
            };
            // A lost connection or a timeout may not happen again; a malformed reply or a
            // request that cannot be built will not get better by asking again.
            Classified {
                failure: Failure::new(code, error_text(other)),
                retryable: matches!(
                    other,
                    SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)
                ),
                throttled: false,
                answered: false,
                retry_after: None,
            }
        }
    }
}

/// An error and its causes as one line of their `Display` texts, without the repetition of a
/// cause its wrapper already quotes, and without `Debug` renderings of SDK structures (some
/// SDK errors embed the whole request, headers included, in their message).
pub fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        let text = current.to_string();
        let text = match text.find(" `Request {").or_else(|| text.find(" Request {")) {
            Some(cut) => text[..cut].trim_end_matches([':', ' ', '`']).to_string(),
            None => text,
        };
        let text = text.trim().to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.retain(|p| !text.contains(p.as_str()));
            parts.push(text);
        }
        next = current.source();
    }
    if parts.is_empty() {
        "unknown error".to_string()
    } else {
        parts.join(": ")
    }
}

/// Whether a failure means no answer came back at all (nothing was read over the network).
pub fn is_transport(failure: &Failure) -> bool {
    matches!(failure.code.as_str(), "DispatchFailure" | "TimeoutError")
}

/// Sends `request` (a closure building and sending one SDK call) through the gate, retrying
/// as [`RetryPolicy`] says. Counts one logical call of `op`.
pub async fn call<T, E, F, Fut>(
    gate: &Gate,
    counters: &Counters,
    policy: &RetryPolicy,
    op: Op,
    mut request: F,
) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    counters.call(op);
    let budget = match op {
        Op::ListPackages | Op::ListPackageVersions => Budget::PackageListing,
        op if op.is_write() => Budget::Write,
        _ => Budget::Read,
    };
    let (mut failed, mut throttled) = (0u32, 0u32);
    let mut throttled_wait = Duration::ZERO;
    loop {
        if let Some(failure) = counters.unreachable() {
            return Err(failure);
        }
        let result = {
            // Retries, and the reads that lead to more calls, go ahead of the version listings.
            let lane = if failed + throttled > 0 || op != Op::ListPackageVersions {
                Lane::Ahead
            } else {
                Lane::Bulk
            };
            let _permit = gate.enter(budget, lane).await;
            request().await
        };
        let error = match result {
            Ok(value) => {
                gate.record(budget, false);
                return Ok(value);
            }
            Err(error) => error,
        };
        let classified = classify(&error);
        if classified.answered {
            gate.record(budget, classified.throttled);
        }
        let (tries, exhausted) = if classified.throttled {
            throttled += 1;
            (throttled, throttled_wait >= policy.max_throttled_wait)
        } else {
            failed += 1;
            (failed, failed >= policy.max_attempts.max(1))
        };
        if is_transport(&classified.failure) && counters.responses() == 0 && tries >= 2 {
            // Nothing has ever answered, twice: the endpoint is unreachable, and every other
            // call would wait out the same timeouts. Stop them all; the collector reports it.
            counters.set_unreachable(&classified.failure);
            return Err(classified.failure);
        }
        if !classified.retryable || exhausted {
            tracing::debug!(
                "{} failed after {} tries: {} {}",
                op.name(),
                failed + throttled,
                classified.failure.code,
                classified.failure.message
            );
            return Err(classified.failure);
        }
        // A call the service sent a `Retry-After` waits that long, plus a tenth of it as
        // jitter so a burst of refusals does not come back in step; the rate it comes back at
        // is the pacing's business (every retry goes through the gate again, and the
        // throttling it recorded slowed the budget down), so the wait does not grow with
        // each refusal: growing it only left a scan's last calls waiting seconds for nothing
        // (a call refused four times waited up to 8 s more). Without a `Retry-After`, the
        // full-jitter exponential backoff.
        let wait = match classified.retry_after {
            Some(after) => {
                let after = after.min(policy.max_retry_after);
                after + after.mul_f64(0.1 * unit_random())
            }
            None => policy.backoff(tries),
        };
        if classified.throttled {
            throttled_wait += wait;
        }
        tracing::info!(
            "{} answered {}; trying again in {} ms",
            op.name(),
            classified.failure.code,
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(&'static str, Option<Box<Wrapper>>);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn error_text_is_one_line_without_debug_or_repetition() {
        let error = Wrapper(
            "dispatch failure",
            Some(Box::new(Wrapper(
                "failed to apply endpoint `x` to request `Request { body: SdkBody { .. }, headers: {\"authorization\": \"secret\"} }`: invalid uri",
                Some(Box::new(Wrapper("invalid uri character", None))),
            ))),
        );
        let text = error_text(&error);
        assert_eq!(
            text,
            "dispatch failure: failed to apply endpoint `x` to request: invalid uri character"
        );
        assert!(!text.contains('{') && !text.contains("secret"));
    }
}
