//! One API call: paced by the [`Gate`], retried, and turned into data or a recordable failure.
//!
//! Two layers of retry. The SDK's standard retry strategy (configured in `mod.rs`) retries
//! throttling, 5xx and I/O failures with jittered exponential backoff, but it does not read
//! the service's `Retry-After` header, and it gives up when its attempts or its retry quota
//! run out. When a throttling or 5xx error still surfaces, this layer waits — `Retry-After`
//! when the service sent one (bounded), else its own backoff — and tries again a few times
//! before the call counts as failed.

use super::limit::{Budget, Gate};
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

/// How this layer retries.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Tries of this layer (each one a full SDK call with its own attempts).
    pub outer_attempts: u32,
    /// Wait before this layer's first retry when the service gave no `Retry-After`; doubled
    /// on each further retry.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured: a service asking for more still gets a retry, just
    /// sooner, so one stubborn answer cannot stall the scan.
    pub max_retry_after: Duration,
}

/// What an SDK error means for this layer.
struct Classified {
    failure: Failure,
    retryable: bool,
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
            // The SDK already retried I/O failures and timeouts; a malformed reply or a request
            // that cannot be built will not get better by asking again.
            Classified {
                failure: Failure::new(code, error_text(other)),
                retryable: false,
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
/// as described in the module docs. Counts one logical call of `op`.
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
    let mut backoff = policy.backoff;
    let mut attempt = 1;
    loop {
        if let Some(failure) = counters.unreachable() {
            return Err(failure);
        }
        let result = {
            let _permit = gate.enter(budget).await;
            request().await
        };
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let classified = classify(&error);
        if is_transport(&classified.failure) && counters.responses() == 0 {
            // Nothing has ever answered: the endpoint is unreachable, and every other call
            // would wait out the same timeouts. Stop them all; the collector reports it.
            counters.set_unreachable(&classified.failure);
            return Err(classified.failure);
        }
        if !classified.retryable || attempt >= policy.outer_attempts {
            tracing::debug!(
                "{} failed after {attempt} tries: {} {}",
                op.name(),
                classified.failure.code,
                classified.failure.message
            );
            return Err(classified.failure);
        }
        let wait = match classified.retry_after {
            Some(after) => after.min(policy.max_retry_after),
            None => backoff,
        };
        tracing::info!(
            "{} answered {} after the SDK's retries; trying again in {} ms",
            op.name(),
            classified.failure.code,
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
        backoff = backoff.saturating_mul(2);
        attempt += 1;
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
