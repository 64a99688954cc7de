//! The minimal collection for one package an event names (`caguard scan --event`).
//!
//! # Calls per event
//!
//! An event in repository E names package p. With the topology (repositories, upstreams,
//! external connections, package groups, policies) from the cached context, the package
//! facts that can change are those of p in every repository A whose upstream closure
//! includes E; each of them reads p's record in every repository of its own closure. So the
//! repositories read are R(E) = ∪_{a ∈ A} closure(a), and for each of them:
//!
//! | call | when | gives |
//! |---|---|---|
//! | DescribePackage | always | the record's origin configuration, or 404: no record |
//! | ListPackageVersions | the record exists, per page of 1000 | versions with status and origin |
//!
//! ```text
//! calls(event) = Σ_{r ∈ R(E)} ( 1 + [p has a record in r] · pages(V_{p,r}) )
//!              + Σ_{retry} ( 1 + pages(V_{p,E}) )        only while a version the event
//!                                                         names is not listed yet
//! ```
//!
//! Events for the same (repository, package) in one batch are read once. The package group
//! and its effective modes come from the context: group changes emit no event, so they are
//! part of the topology, refreshed with it. The topology itself costs, when the context is
//! missing or older than `--context-max-age`, once per domain:
//!
//! ```text
//! calls(topology) = 2 + pages(G) + Σ_{g,t: ALLOW_SPECIFIC_REPOSITORIES} pages(|L_g,t|)
//!                 + pages(R) + 2·R
//! ```
//!
//! (DescribeDomain, GetDomainPermissionsPolicy, ListPackageGroups,
//! ListAllowedRepositoriesForGroup, ListRepositoriesInDomain, DescribeRepository and
//! GetRepositoryPermissionsPolicy, as in the full collection, without any package listing.)
//! DescribePackage before ListPackageVersions, rather than both at once, is what keeps a
//! repository without a record of p at one call: most repositories of a closure have none.
//!
//! # Not listed yet
//!
//! A just-ingested version can take about 3 minutes to show in ListPackageVersions
//! (<https://docs.aws.amazon.com/codeartifact/latest/ug/external-connection-requesting-packages.html>).
//! When a version an event says exists is missing from E's list, E is read again after a
//! wait that doubles each time, for at most [`PendingPolicy::bound`] in all; a version still
//! missing is reported pending (an incomplete scan, exit 3), never as a clean result.

use super::call::{call, Failure, RetryPolicy};
use super::limit::Gate;
use super::stats::{Counters, Op};
use super::walk::{next_token, PAGE_SIZE};
use super::{check_credentials, client, convert, CollectError, Options, Summary};
use crate::arn;
use crate::events::evaluate::{PackageRead, Reach, PENDING};
use crate::events::TargetKey;
use crate::inventory::{CollectionError, Inventory, PackageEntry, PackageVersionSummary};
use aws_config::SdkConfig;
use aws_sdk_codeartifact::types::PackageFormat as SdkFormat;
use aws_sdk_codeartifact::Client;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// How long to wait for a version an event names to be listed.
#[derive(Debug, Clone, Copy)]
pub struct PendingPolicy {
    /// The most time spent waiting for one package, all retries together.
    pub bound: Duration,
    /// The first wait; each further wait doubles, up to [`PendingPolicy::max_wait`].
    pub first_wait: Duration,
    pub max_wait: Duration,
}

impl Default for PendingPolicy {
    fn default() -> Self {
        // Listing lags ingestion by about 3 minutes; 5 minutes covers it with a margin.
        PendingPolicy {
            bound: Duration::from_secs(300),
            first_wait: Duration::from_secs(10),
            max_wait: Duration::from_secs(60),
        }
    }
}

/// A connection for event-driven scans: one client, one gate and one set of counters for
/// every event it handles (a Lambda function keeps it between invocations).
pub struct Session {
    sdk: SdkConfig,
    options: Options,
    inner: Arc<Inner>,
    /// Calls made by topology reads, which run through a collection of their own.
    topology_calls: std::sync::atomic::AtomicU64,
}

struct Inner {
    client: Client,
    region: String,
    gate: Gate,
    counters: Arc<Counters>,
    retry: RetryPolicy,
}

impl Session {
    /// Resolves credentials once and builds the client.
    pub async fn connect(sdk: &SdkConfig, options: &Options) -> Result<Session, CollectError> {
        let region = check_credentials(sdk).await?;
        let counters = Arc::new(Counters::default());
        let client = client(sdk, options, &counters);
        Ok(Session {
            sdk: sdk.clone(),
            options: options.clone(),
            inner: Arc::new(Inner {
                client,
                region,
                gate: options.gate(),
                counters,
                retry: options.retry_policy(),
            }),
            topology_calls: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The region requests go to.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The package reads made through this session so far, per operation.
    pub fn summary(&self, elapsed: Duration) -> Summary {
        Summary::from_counters(&self.inner.counters, elapsed)
    }

    /// Every API call made so far: package reads and topology reads.
    pub fn calls(&self) -> u64 {
        self.inner.counters.total_calls()
            + self
                .topology_calls
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The topology of one domain: everything but package listings.
    pub async fn topology(&self, domain: &str, owner: &str) -> Result<Inventory, CollectError> {
        let options = Options {
            domains: vec![domain.to_string()],
            domain_owner: Some(owner.to_string()),
            repositories: Vec::new(),
            topology_only: true,
            progress: false,
            ..self.options.clone()
        };
        let (inventory, summary) = super::collect(&self.sdk, &options).await?;
        self.topology_calls
            .fetch_add(summary.total_calls(), std::sync::atomic::Ordering::Relaxed);
        Ok(inventory)
    }

    /// Reads package `key` in every repository of `reach.read`, then waits (within `pending`)
    /// for the versions in `expected` to be listed in the event's repository.
    pub async fn read_package(
        &self,
        key: &TargetKey,
        reach: &Reach,
        expected: &[String],
        pending: PendingPolicy,
    ) -> PackageRead {
        let mut read = PackageRead::default();
        let mut tasks = JoinSet::new();
        for repository in &reach.read {
            let (inner, key, repository) = (self.inner.clone(), key.clone(), repository.clone());
            tasks.spawn(async move {
                let result = inner.record(&key, &repository).await;
                (repository, result)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((repository, Ok(record))) => {
                    read.records.insert(repository, record);
                }
                Ok((repository, Err((op, failure)))) => {
                    read.errors
                        .push(self.inner.error(op, key, &repository, failure));
                }
                Err(error) => read.errors.push(self.inner.error(
                    Op::DescribePackage,
                    key,
                    &key.repository,
                    Failure::new("InternalError", error.to_string()),
                )),
            }
        }
        let started = Instant::now();
        let mut wait = pending.first_wait;
        loop {
            let missing = missing_versions(read.records.get(&key.repository), expected);
            if missing.is_empty() {
                break;
            }
            let failed_here = read
                .errors
                .iter()
                .any(|error| error.resource == self.inner.package_arn(key, &key.repository));
            if failed_here || started.elapsed() + wait > pending.bound {
                read.pending = missing.clone();
                read.errors.push(CollectionError {
                    operation: Op::ListPackageVersions.name().to_string(),
                    resource: self.inner.package_arn(key, &key.repository),
                    code: PENDING.to_string(),
                    message: format!(
                        "version {} named by the event is not listed after {:.1} s of retries \
                         (a just-ingested version can take minutes to be listed); \
                         its origin is not judged yet, scan the event again later",
                        missing.join(", "),
                        started.elapsed().as_secs_f64()
                    ),
                });
                break;
            }
            tracing::info!(
                "{} in {}: version {} not listed yet; reading again in {} ms",
                crate::report::text::escape(&key.display()),
                crate::report::text::escape(&key.repository),
                crate::report::text::escape(&missing.join(", ")),
                wait.as_millis()
            );
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2).min(pending.max_wait);
            match self.inner.record(key, &key.repository).await {
                Ok(record) => {
                    read.records.insert(key.repository.clone(), record);
                }
                Err((op, failure)) => {
                    read.errors
                        .push(self.inner.error(op, key, &key.repository, failure));
                }
            }
        }
        read
    }
}

fn missing_versions(record: Option<&Option<PackageEntry>>, expected: &[String]) -> Vec<String> {
    let listed: Vec<&str> = record
        .and_then(Option::as_ref)
        .map(|entry| entry.versions.iter().map(|v| v.version.as_str()).collect())
        .unwrap_or_default();
    expected
        .iter()
        .filter(|version| !listed.contains(&version.as_str()))
        .cloned()
        .collect()
}

impl Inner {
    fn package_arn(&self, key: &TargetKey, repository: &str) -> String {
        arn::package(
            &self.region,
            &key.domain_owner,
            &key.domain,
            repository,
            &key.format,
            key.namespace.as_deref(),
            &key.package,
        )
    }

    fn error(
        &self,
        op: Op,
        key: &TargetKey,
        repository: &str,
        failure: Failure,
    ) -> CollectionError {
        self.counters.failed();
        CollectionError {
            operation: op.name().to_string(),
            resource: self.package_arn(key, repository),
            code: failure.code,
            message: failure.message,
        }
    }

    /// The package's record in one repository with all its versions; `None` when the
    /// repository has no record of it.
    async fn record(
        &self,
        key: &TargetKey,
        repository: &str,
    ) -> Result<Option<PackageEntry>, (Op, Failure)> {
        let format = SdkFormat::from(key.format.as_str());
        let described = call(
            &self.gate,
            &self.counters,
            &self.retry,
            Op::DescribePackage,
            || {
                self.client
                    .describe_package()
                    .domain(&key.domain)
                    .domain_owner(&key.domain_owner)
                    .repository(repository)
                    .format(format.clone())
                    .set_namespace(key.namespace.clone())
                    .package(&key.package)
                    .send()
            },
        )
        .await;
        let package = match described {
            Ok(output) => match output.package {
                Some(package) => convert::package_description(&package),
                None => {
                    return Err((
                        Op::DescribePackage,
                        Failure::new("MalformedResponse", "the reply has no package"),
                    ))
                }
            },
            Err(failure) if failure.is_not_found() => return Ok(None),
            Err(failure) => return Err((Op::DescribePackage, failure)),
        };
        let mut versions: Vec<PackageVersionSummary> = Vec::new();
        let mut sent: Option<String> = None;
        loop {
            let token = sent.clone();
            let page = call(
                &self.gate,
                &self.counters,
                &self.retry,
                Op::ListPackageVersions,
                || {
                    self.client
                        .list_package_versions()
                        .domain(&key.domain)
                        .domain_owner(&key.domain_owner)
                        .repository(repository)
                        .format(format.clone())
                        .set_namespace(key.namespace.clone())
                        .package(&key.package)
                        .max_results(PAGE_SIZE)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await;
            let output = match page {
                Ok(output) => output,
                // Deleted between the two calls: no record now.
                Err(failure) if failure.is_not_found() => return Ok(None),
                Err(failure) => return Err((Op::ListPackageVersions, failure)),
            };
            versions.extend(output.versions().iter().map(convert::version));
            match next_token(&sent, output.next_token) {
                Ok(Some(token)) => sent = Some(token),
                Ok(None) => break,
                Err(failure) => return Err((Op::ListPackageVersions, failure)),
            }
        }
        Ok(Some(PackageEntry { package, versions }))
    }
}

/// The calls the formula in the module docs gives for one event's read, from the state the
/// reads will see (`domain`), without retries: the test suite checks the emulator's counters
/// against it.
pub fn minimum_calls(
    domain: &crate::inventory::DomainEntry,
    key: &TargetKey,
    reach: &Reach,
) -> u64 {
    reach
        .read
        .iter()
        .map(|name| {
            let record = domain
                .repositories
                .iter()
                .find(|entry| entry.repository.name.as_deref() == Some(name.as_str()))
                .and_then(|entry| {
                    entry.packages.iter().find(|package| {
                        crate::events::evaluate::is_package(
                            package,
                            &key.format,
                            key.namespace.as_deref(),
                            &key.package,
                        )
                    })
                });
            match record {
                Some(entry) => 1 + super::pages(entry.versions.len()),
                None => 1,
            }
        })
        .sum()
}
