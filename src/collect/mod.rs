//! The live collector: CodeArtifact's read API → [`Inventory`]. The only module that reads
//! from AWS.
//!
//! Credentials, region and endpoint resolve exactly as the AWS CLI resolves them (the
//! `aws-config` default chain: environment, shared config and credentials files with
//! profiles, SSO, web identity, ECS and EC2 instance metadata), with `--profile`, `--region`
//! and `--endpoint-url` on top. Credentials are handed to the SDK and never printed or logged.
//!
//! # Calls
//!
//! Every fact comes from exactly one call, and no call is made twice:
//!
//! | call | per | gives |
//! |---|---|---|
//! | ListDomains (skipped with `--domain`) | account | domain names |
//! | DescribeDomain | domain | DomainDescription |
//! | GetDomainPermissionsPolicy | domain | policy (404 = none) |
//! | ListPackageGroups | domain, page | PackageGroupDescription (the summary has every member, so no DescribePackageGroup) |
//! | ListAllowedRepositoriesForGroup | group × restriction in ALLOW_SPECIFIC_REPOSITORIES, page | allowed lists |
//! | ListRepositoriesInDomain | domain, page | repository names |
//! | DescribeRepository | repository | upstreams, external connections |
//! | GetRepositoryPermissionsPolicy | repository | policy (404 = none) |
//! | ListPackages | repository, page | PackageSummary with origin configuration (so no DescribePackage) |
//! | ListPackageVersions | package, page | versions with status and origin |
//!
//! Every page is 1000 items, the most the API allows; `pages(n) = max(1, ⌈n / 1000⌉)`. With
//! D domains, G_d groups and R_d repositories in domain d, P_r packages in repository r, V_p
//! versions of package p, and L_g,t the allowed list of group g for restriction type t:
//!
//! ```text
//! calls = [no --domain] pages(D)
//!       + Σ_d ( 2                                   DescribeDomain + GetDomainPermissionsPolicy
//!             + pages(G_d)                          ListPackageGroups
//!             + Σ_{g,t: mode(g,t) = ALLOW_SPECIFIC_REPOSITORIES} pages(|L_g,t|)
//!             + pages(R_d)                          ListRepositoriesInDomain
//!             + 2·R_d                               DescribeRepository + GetRepositoryPermissionsPolicy
//!             + Σ_r ( pages(P_r) + Σ_p pages(V_p) ) ListPackages + ListPackageVersions )
//! ```
//!
//! For most accounts that is about one call per package: ListPackageVersions dominates, and
//! its account quota (200/s, shared here with ListPackages) sets the speed: 100,000 packages
//! take a little over 8 minutes at the quota. [`minimum_calls`] computes the formula from an
//! inventory, per operation; the test suite checks the emulator's counters against it.
//!
//! # Pacing and failures
//!
//! At most `--concurrency` requests are in flight. Reads start at the documented quotas
//! ([`LISTING_QUOTA_RPS`] for ListPackages + ListPackageVersions, [`READ_QUOTA_RPS`] for the
//! others) and adapt to the account's real quota (see [`limit`]): faster when
//! the quota was raised, slower when other clients share it, never above `--max-rps`.
//! Throttling, 5xx answers and lost connections are retried by [`call`], outside the
//! concurrency permit, honouring the service's `Retry-After`. A call that still fails becomes a
//! [`CollectionError`](crate::inventory::CollectionError) in the inventory (operation, ARN,
//! error code, message) and the scan goes on; see [`walk`] for what is kept when.

pub mod assume;
mod call;
pub mod convert;
mod limit;
mod progress;
pub mod shards;
mod stats;
pub mod targeted;
mod walk;

pub(crate) use call::call;
pub use call::{error_text, Failure, RetryPolicy};
pub(crate) use limit::Gate;
pub(crate) use stats::Counters;
pub use stats::{Op, OperationStats, Summary};

use crate::inventory::{CollectionError, Inventory};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_codeartifact::config::retry::RetryConfig;
use aws_sdk_codeartifact::config::timeout::TimeoutConfig;
use aws_sdk_codeartifact::config::ProvideCredentials;
use progress::Progress;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the pacing of ListPackages + ListPackageVersions starts, requests per second: each
/// has a documented 200/s quota. Sharing one budget leaves room for other clients of the
/// account (CI builds listing versions while the scan runs) until the pacing finds more.
pub const LISTING_QUOTA_RPS: f64 = 200.0;
/// Where the pacing of the other reads starts: the documented account read quota (800/s).
pub const READ_QUOTA_RPS: f64 = 800.0;

/// Why a collection could not start. Failures of individual calls are not here: they are
/// recorded in the inventory and the collection goes on.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("no AWS region: pass --region, set AWS_REGION, or set `region` in the AWS profile")]
    NoRegion,
    #[error(
        "no usable AWS credentials ({0}); tried: environment variables, {1}, web identity, ECS and EC2 instance metadata\n  \
         fix: run `aws sso login` for an SSO profile, set AWS_PROFILE (or --profile) to a configured profile, \
         or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )]
    Credentials(String, String),
    #[error("cannot list the organization's accounts (Organizations ListAccounts, which needs the management account or a delegated administrator): {code}: {message}")]
    Organizations { code: String, message: String },
    #[error("cannot assume role {role}: {code}: {message}")]
    AssumeRole {
        role: String,
        code: String,
        message: String,
    },
    #[error("could not connect to the endpoint URL \"{url}\": {detail}")]
    Unreachable { url: String, detail: String },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Checks an `--endpoint-url` before anything is sent: the SDK would only say so per request,
/// with the request's internals in the message.
pub fn validate_endpoint_url(text: &str) -> Result<(), String> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or_else(|| format!("`{text}` is not an http:// or https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]:4566`.
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => ("", None),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c));
    if !host_ok || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{text}` is not a valid URL (no host name)"));
    }
    if let Some(port) = port {
        port.parse::<u16>()
            .map_err(|_| format!("`{text}`: `{port}` is not a port number"))?;
    }
    Ok(())
}

/// Where to send requests and as whom; `None` leaves it to the default chain.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// A role to assume with the default chain's credentials (`--role-arn`).
    pub role: Option<assume::Role>,
}

/// What to collect and how fast.
#[derive(Debug, Clone)]
pub struct Options {
    /// Domains to collect; empty means every domain ListDomains returns.
    pub domains: Vec<String>,
    pub domain_owner: Option<String>,
    /// Repositories to collect (in every domain); empty means all.
    pub repositories: Vec<String>,
    pub concurrency: usize,
    /// Ceiling of every adaptive rate, requests per second; infinite means none.
    pub max_rps: f64,
    /// Starting rates: ListPackages + ListPackageVersions, and every other read. Both then
    /// adapt to the quota the account really has.
    pub read_rps: f64,
    pub listing_rps: f64,
    /// Attempts per call on 5xx answers and network failures.
    pub max_attempts: u32,
    /// How long (waits summed) a call is retried on throttling answers.
    pub max_throttled_wait: Duration,
    /// Ceiling of the first retry's jittered wait, doubling up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub max_retry_after: Duration,
    /// Per attempt: establishing the connection, and waiting for the answer's first byte.
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Only the topology: domains, groups, repositories and policies, no package listings
    /// (the context event-driven scans cache).
    pub topology_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            domains: Vec::new(),
            domain_owner: None,
            repositories: Vec::new(),
            // Enough in flight for the 800/s read quota at 40 ms per answer.
            concurrency: 32,
            max_rps: f64::INFINITY,
            read_rps: READ_QUOTA_RPS,
            listing_rps: LISTING_QUOTA_RPS,
            max_attempts: 5,
            max_throttled_wait: Duration::from_secs(300),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            progress: false,
            topology_only: false,
        }
    }
}

impl Options {
    /// The pacing these options ask for. Quotas are per account and region: one gate per
    /// (account, region) collected.
    pub(crate) fn gate(&self) -> Gate {
        Gate::new(
            self.concurrency,
            self.max_rps,
            self.read_rps,
            self.listing_rps,
        )
    }

    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts.max(1),
            max_throttled_wait: self.max_throttled_wait,
            backoff: self.initial_backoff,
            max_backoff: self.max_backoff,
            max_retry_after: self.max_retry_after,
        }
    }
}

/// The SDK configuration the AWS CLI would use, with the flags' overrides.
pub async fn load_sdk_config(source: &Source) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &source.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &source.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &source.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let base = loader.load().await;
    match &source.role {
        Some(role) => assume::assume(&base, role).await,
        None => base,
    }
}

/// The SDK client every CodeArtifact call goes through: one attempt per call (the retries
/// are [`call`]'s, outside the concurrency permit), the options' timeouts, and attempts
/// counted in `counters`.
pub(crate) fn client(
    sdk: &SdkConfig,
    options: &Options,
    counters: &Arc<stats::Counters>,
) -> aws_sdk_codeartifact::Client {
    let config = aws_sdk_codeartifact::config::Builder::from(sdk)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(options.connect_timeout)
                .read_timeout(options.read_timeout)
                // A slow body after a prompt first byte is bounded too.
                .operation_attempt_timeout(options.read_timeout.saturating_mul(3))
                .build(),
        )
        .interceptor(stats::AttemptCounter(counters.clone()))
        .build();
    aws_sdk_codeartifact::Client::from_conf(config)
}

/// Resolves credentials once, so a missing or expired login is one clear message.
pub(crate) async fn check_credentials(sdk: &SdkConfig) -> Result<String, CollectError> {
    let region = sdk
        .region()
        .map(|region| region.as_ref().to_string())
        .ok_or(CollectError::NoRegion)?;
    let profile = || match std::env::var("AWS_PROFILE") {
        Ok(name) if !name.is_empty() => {
            format!("profile `{name}` of the shared config and credentials files (with SSO)")
        }
        _ => "the `default` profile of the shared config and credentials files (with SSO)"
            .to_string(),
    };
    let provider = sdk.credentials_provider().ok_or_else(|| {
        CollectError::Credentials(
            "no credentials provider is configured".to_string(),
            profile(),
        )
    })?;
    provider.provide_credentials().await.map_err(|error| {
        let text = error_text(&error);
        let first = text.lines().next().unwrap_or_default();
        let first = first
            .trim_end_matches("Attempted:")
            .trim_end_matches(['.', ' ']);
        CollectError::Credentials(first.to_string(), profile())
    })?;
    Ok(region)
}

/// Collects the inventory the options ask for. Only a missing region or missing credentials
/// stop it; every other failure is recorded in the inventory's `errors`.
pub async fn collect(
    sdk: &SdkConfig,
    options: &Options,
) -> Result<(Inventory, Summary), CollectError> {
    let started = Instant::now();
    // Resolve credentials once up front: a missing or expired login is one clear message
    // instead of one recorded failure per call.
    let region = check_credentials(sdk).await?;

    let counters = Arc::new(stats::Counters::default());
    let client = client(sdk, options, &counters);
    let progress = Progress::new(options.progress);
    let mut ctx = walk::Ctx::new(
        client,
        region.clone(),
        options.domain_owner.clone(),
        options.repositories.clone(),
        options.gate(),
        counters.clone(),
        options.retry_policy(),
        progress.clone(),
    );
    ctx.packages = !options.topology_only;
    let ctx = Arc::new(ctx);
    // The bar's message is refreshed from the counters, not by every call, to keep the hot
    // path free of terminal work.
    let ticker = (!progress.is_hidden()).then(|| {
        let (counters, progress) = (counters.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                progress.set_message(format!(
                    "{} requests, {} retries, {} failed",
                    counters.total_requests(),
                    counters.retries(),
                    counters.failures()
                ));
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    });

    let listing = progress.listing();
    let names = if options.domains.is_empty() {
        walk::domain_names(&ctx).await
    } else {
        options.domains.clone()
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (index, name) in names.into_iter().enumerate() {
        let ctx = ctx.clone();
        let domain_listing = progress.listing();
        tasks.spawn(async move { (index, walk::domain(ctx, name, domain_listing).await) });
    }
    drop(listing);
    let mut domains = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, Some(entry))) => domains.push((index, entry)),
            Ok((_, None)) => {}
            Err(error) => ctx.record(
                Op::DescribeDomain,
                &crate::arn::domain(&region, options.domain_owner.as_deref().unwrap_or(""), "*"),
                Failure::new("InternalError", error.to_string()),
            ),
        }
    }
    domains.sort_by_key(|(index, _)| *index);

    if let Some(ticker) = ticker {
        ticker.abort();
    }
    progress.finish();
    if let Some(failure) = counters.unreachable() {
        return Err(CollectError::Unreachable {
            url: endpoint(sdk, &region),
            detail: unreachable_detail(&failure, options),
        });
    }

    let mut errors = ctx.take_errors();
    // A name the filter asked for but no domain has: without this, a typo would scan nothing
    // and pass the gate.
    for missing in ctx.missing_repositories() {
        errors.push(CollectionError {
            operation: Op::ListRepositoriesInDomain.name().to_string(),
            resource: missing.clone(),
            code: "ResourceNotFoundException".to_string(),
            message: format!(
                "repository `{missing}` (--repository) is in none of the collected domains"
            ),
        });
    }
    let mut inventory = Inventory::new();
    inventory.region = Some(region);
    inventory.collected_at = Some(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs() as f64)
            .unwrap_or_default(),
    );
    inventory.domains = domains.into_iter().map(|(_, entry)| entry).collect();
    inventory.errors = errors;

    let mut summary = Summary::from_counters(&counters, started.elapsed());
    (summary.read_rps, summary.listing_rps) = ctx.gate.rates();
    summary.errors = inventory.errors.len() as u64;
    summary.domains = inventory.domains.len();
    for domain in &inventory.domains {
        summary.package_groups += domain.package_groups.len();
        summary.repositories += domain.repositories.len();
        for repository in &domain.repositories {
            summary.packages += repository.packages.len();
            summary.versions += repository
                .packages
                .iter()
                .map(|p| p.versions.len())
                .sum::<usize>();
        }
    }
    Ok((inventory, summary))
}

/// The URL requests went to, as the AWS CLI names it in its "could not connect" message.
fn endpoint(sdk: &SdkConfig, region: &str) -> String {
    match sdk.endpoint_url() {
        Some(url) => url.to_string(),
        None if region.starts_with("cn-") => {
            format!("https://codeartifact.{region}.amazonaws.com.cn/")
        }
        None => format!("https://codeartifact.{region}.amazonaws.com/"),
    }
}

fn unreachable_detail(failure: &Failure, options: &Options) -> String {
    if failure.code == "TimeoutError" {
        format!(
            "no answer within the timeouts (--connect-timeout {} s, --read-timeout {} s)",
            options.connect_timeout.as_secs_f64(),
            options.read_timeout.as_secs_f64()
        )
    } else {
        failure.message.clone()
    }
}

/// Collects on a runtime of its own, so the rest of the program stays synchronous.
pub fn collect_blocking(
    source: &Source,
    options: &Options,
) -> Result<(Inventory, Summary), CollectError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sdk = load_sdk_config(source).await;
        if let Some(role) = &source.role {
            assume::check(&sdk, role).await?;
        }
        collect(&sdk, options).await
    })
}

/// `max(1, ⌈n / 1000⌉)`: a List call returns at most 1000 items, and even an empty list
/// takes one call to learn that it is empty.
pub fn pages(items: usize) -> u64 {
    (items.div_ceil(walk::PAGE_SIZE as usize)).max(1) as u64
}

/// The fewest calls per operation that collect `inventory` (the formula in the module docs),
/// with ListDomains counted when `list_domains` (no `--domain` given).
pub fn minimum_calls(inventory: &Inventory, list_domains: bool) -> BTreeMap<&'static str, u64> {
    let mut calls: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut add = |op: Op, n: u64| *calls.entry(op.name()).or_insert(0) += n;
    if list_domains {
        add(Op::ListDomains, pages(inventory.domains.len()));
    }
    for domain in &inventory.domains {
        add(Op::DescribeDomain, 1);
        add(Op::GetDomainPermissionsPolicy, 1);
        add(Op::ListPackageGroups, pages(domain.package_groups.len()));
        for group in &domain.package_groups {
            for kind in convert::specific_repository_restrictions(group) {
                let listed = group.allowed_repositories.get(&kind).map_or(0, Vec::len);
                add(Op::ListAllowedRepositoriesForGroup, pages(listed));
            }
        }
        add(
            Op::ListRepositoriesInDomain,
            pages(domain.repositories.len()),
        );
        for repository in &domain.repositories {
            add(Op::DescribeRepository, 1);
            add(Op::GetRepositoryPermissionsPolicy, 1);
            add(Op::ListPackages, pages(repository.packages.len()));
            for package in &repository.packages {
                add(Op::ListPackageVersions, pages(package.versions.len()));
            }
        }
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_are_checked_before_use() {
        for good in [
            "http://127.0.0.1:4566",
            "https://codeartifact.us-east-1.amazonaws.com/",
            "http://[::1]:4566/",
            "http://localhost",
        ] {
            assert_eq!(validate_endpoint_url(good), Ok(()), "{good}");
        }
        for bad in [
            "not a url",
            "ftp://x",
            "http://",
            "http://host:port",
            "http://a b",
        ] {
            assert!(validate_endpoint_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_of_a_thousand_at_least_one() {
        assert_eq!(pages(0), 1);
        assert_eq!(pages(1), 1);
        assert_eq!(pages(1000), 1);
        assert_eq!(pages(1001), 2);
        assert_eq!(pages(2500), 3);
    }
}
