//! What the collection cost: calls and HTTP requests per operation, retries, failures, time.

use aws_sdk_codeartifact::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_sdk_codeartifact::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_codeartifact::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The CodeArtifact operations caguard calls, and nothing else: the collector's reads, then
/// what `fix` and `undo` read and write. `docs/iam/` lists exactly these (tests/iam.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    ListDomains,
    DescribeDomain,
    GetDomainPermissionsPolicy,
    ListPackageGroups,
    ListAllowedRepositoriesForGroup,
    ListRepositoriesInDomain,
    DescribeRepository,
    GetRepositoryPermissionsPolicy,
    ListPackages,
    ListPackageVersions,
    DescribePackage,
    DescribePackageGroup,
    PutPackageOriginConfiguration,
    CreatePackageGroup,
    UpdatePackageGroupOriginConfiguration,
    DeletePackage,
    DeletePackageGroup,
}

/// How many operations [`Op`] has.
const OPS: usize = 17;

impl Op {
    pub const ALL: [Op; OPS] = [
        Op::ListDomains,
        Op::DescribeDomain,
        Op::GetDomainPermissionsPolicy,
        Op::ListPackageGroups,
        Op::ListAllowedRepositoriesForGroup,
        Op::ListRepositoriesInDomain,
        Op::DescribeRepository,
        Op::GetRepositoryPermissionsPolicy,
        Op::ListPackages,
        Op::ListPackageVersions,
        Op::DescribePackage,
        Op::DescribePackageGroup,
        Op::PutPackageOriginConfiguration,
        Op::CreatePackageGroup,
        Op::UpdatePackageGroupOriginConfiguration,
        Op::DeletePackage,
        Op::DeletePackageGroup,
    ];

    /// The operations the collector (`caguard scan`, `caguard collect`) calls.
    pub const SCAN: [Op; 10] = [
        Op::ListDomains,
        Op::DescribeDomain,
        Op::GetDomainPermissionsPolicy,
        Op::ListPackageGroups,
        Op::ListAllowedRepositoriesForGroup,
        Op::ListRepositoriesInDomain,
        Op::DescribeRepository,
        Op::GetRepositoryPermissionsPolicy,
        Op::ListPackages,
        Op::ListPackageVersions,
    ];

    /// Writes draw on the account's write quota (100/s for all of them together), not the
    /// read quota.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Op::PutPackageOriginConfiguration
                | Op::CreatePackageGroup
                | Op::UpdatePackageGroupOriginConfiguration
                | Op::DeletePackage
                | Op::DeletePackageGroup
        )
    }

    /// The API operation name, as in the model, IAM actions (`codeartifact:<name>`) and errors.
    pub fn name(self) -> &'static str {
        match self {
            Op::ListDomains => "ListDomains",
            Op::DescribeDomain => "DescribeDomain",
            Op::GetDomainPermissionsPolicy => "GetDomainPermissionsPolicy",
            Op::ListPackageGroups => "ListPackageGroups",
            Op::ListAllowedRepositoriesForGroup => "ListAllowedRepositoriesForGroup",
            Op::ListRepositoriesInDomain => "ListRepositoriesInDomain",
            Op::DescribeRepository => "DescribeRepository",
            Op::GetRepositoryPermissionsPolicy => "GetRepositoryPermissionsPolicy",
            Op::ListPackages => "ListPackages",
            Op::ListPackageVersions => "ListPackageVersions",
            Op::DescribePackage => "DescribePackage",
            Op::DescribePackageGroup => "DescribePackageGroup",
            Op::PutPackageOriginConfiguration => "PutPackageOriginConfiguration",
            Op::CreatePackageGroup => "CreatePackageGroup",
            Op::UpdatePackageGroupOriginConfiguration => "UpdatePackageGroupOriginConfiguration",
            Op::DeletePackage => "DeletePackage",
            Op::DeletePackageGroup => "DeletePackageGroup",
        }
    }

    fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Live counters, shared by every task and by the SDK interceptor.
#[derive(Debug, Default)]
pub struct Counters {
    /// Logical calls (one per page), whatever it took to get an answer.
    calls: [AtomicU64; OPS],
    /// HTTP requests sent, retries included.
    requests: [AtomicU64; OPS],
    throttled: AtomicU64,
    server_errors: AtomicU64,
    failed: AtomicU64,
    /// HTTP responses received, whatever their status.
    responses: AtomicU64,
    /// The first transport failure, while nothing had answered yet.
    unreachable: Mutex<Option<super::Failure>>,
    /// Why the last attempt that got no answer failed (the SDK's final error may only say
    /// that it stopped retrying).
    last_transport_error: Mutex<Option<String>>,
}

impl Counters {
    pub fn call(&self, op: Op) {
        self.calls[op.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn total_calls(&self) -> u64 {
        self.calls.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    pub fn total_requests(&self) -> u64 {
        self.requests
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }

    pub fn retries(&self) -> u64 {
        self.total_requests().saturating_sub(self.total_calls())
    }

    pub fn failures(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    pub fn responses(&self) -> u64 {
        self.responses.load(Ordering::Acquire)
    }

    /// Marks the endpoint unreachable (only while nothing has answered).
    pub fn set_unreachable(&self, failure: &super::Failure) {
        let mut slot = self
            .unreachable
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if slot.is_none() && self.responses() == 0 {
            let mut failure = failure.clone();
            if let Some(cause) = self
                .last_transport_error
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone()
            {
                failure.message = cause;
            }
            *slot = Some(failure);
        }
    }

    /// The failure that made the endpoint unreachable, if that happened.
    pub fn unreachable(&self) -> Option<super::Failure> {
        self.unreachable
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// Counts every HTTP attempt, and the throttled / 5xx answers among them.
#[derive(Debug)]
pub struct AttemptCounter(pub Arc<Counters>);

impl Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "caguard::AttemptCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(op) = cfg.load::<Metadata>().and_then(|m| Op::from_name(m.name())) {
            self.0.requests[op.index()].fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().is_none() {
            if let Some(Err(error)) = context
                .output_or_error()
                .filter(|result| !result.is_err_and(|e| e.is_interceptor_error()))
            {
                let text = super::error_text(error);
                tracing::info!("no answer: {text}");
                *self
                    .0
                    .last_transport_error
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(text);
            }
        }
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.responses.fetch_add(1, Ordering::AcqRel);
        let status = context.response().status().as_u16();
        if status == 429 || status >= 500 {
            let op = cfg.load::<Metadata>().map_or("request", |m| m.name());
            tracing::info!("{op} answered HTTP {status}");
        }
        if status == 429 {
            self.0.throttled.fetch_add(1, Ordering::Relaxed);
        } else if status >= 500 {
            self.0.server_errors.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Per-operation numbers of one collection.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OperationStats {
    /// Logical calls: one per page.
    pub calls: u64,
    /// HTTP requests, retries included.
    pub requests: u64,
}

/// What a collection cost and found, printed to stderr after it.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub operations: BTreeMap<&'static str, OperationStats>,
    pub retries: u64,
    pub throttled: u64,
    pub server_errors: u64,
    /// Calls that failed for good (each is in the inventory's `errors`).
    pub errors: u64,
    pub elapsed: Duration,
    /// Where the adaptive pacing ended, requests per second: the quota it found (or the
    /// ceiling, or the starting rate when the scan was too small to need more).
    pub read_rps: f64,
    pub listing_rps: f64,
    pub domains: usize,
    pub repositories: usize,
    pub package_groups: usize,
    pub packages: usize,
    pub versions: usize,
}

impl Summary {
    pub fn from_counters(counters: &Counters, elapsed: Duration) -> Summary {
        let operations = Op::ALL
            .into_iter()
            .map(|op| {
                (
                    op.name(),
                    OperationStats {
                        calls: counters.calls[op.index()].load(Ordering::Relaxed),
                        requests: counters.requests[op.index()].load(Ordering::Relaxed),
                    },
                )
            })
            .collect();
        Summary {
            operations,
            retries: counters.retries(),
            throttled: counters.throttled.load(Ordering::Relaxed),
            server_errors: counters.server_errors.load(Ordering::Relaxed),
            errors: counters.failures(),
            elapsed,
            ..Summary::default()
        }
    }

    pub fn total_calls(&self) -> u64 {
        self.operations.values().map(|o| o.calls).sum()
    }

    pub fn total_requests(&self) -> u64 {
        self.operations.values().map(|o| o.requests).sum()
    }

    /// The stderr summary: calls per operation, retries, errors, elapsed.
    pub fn render(&self) -> String {
        let seconds = self.elapsed.as_secs_f64();
        let mut text = format!(
            "collected {} domain(s), {} repositories, {} package groups, {} packages, {} versions in {seconds:.1} s\n",
            self.domains, self.repositories, self.package_groups, self.packages, self.versions
        );
        let _ = writeln!(
            text,
            "  {:<34} {:>9} {:>9}",
            "operation", "calls", "requests"
        );
        // Pipeline order reads better than alphabetical.
        for name in Op::ALL.map(Op::name) {
            if let Some(stats) = self
                .operations
                .get(name)
                .filter(|s| s.requests + s.calls > 0)
            {
                let _ = writeln!(
                    text,
                    "  {name:<34} {:>9} {:>9}",
                    stats.calls, stats.requests
                );
            }
        }
        let rate = if seconds > 0.0 {
            self.total_requests() as f64 / seconds
        } else {
            0.0
        };
        let _ = writeln!(
            text,
            "  {:<34} {:>9} {:>9}  ({rate:.0} requests/s)",
            "total",
            self.total_calls(),
            self.total_requests()
        );
        if self.throttled > 0 {
            let _ = writeln!(
                text,
                "  pacing adapted to throttling: ListPackages + ListPackageVersions at {:.0}/s, all reads at {:.0}/s",
                self.listing_rps, self.read_rps
            );
        }
        let _ = writeln!(
            text,
            "  retries: {} (throttled answers: {}, server errors: {}); failed calls: {}{}",
            self.retries,
            self.throttled,
            self.server_errors,
            self.errors,
            if self.errors > 0 {
                " — the inventory is INCOMPLETE, see its `errors`"
            } else {
                ""
            }
        );
        text
    }
}
