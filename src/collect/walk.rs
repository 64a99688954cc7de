//! The traversal: which call follows which, and what runs concurrently.
//!
//! Every level fans out as soon as it knows its children: the domain-level calls run side by
//! side, each repository is a task, and each package's versions are fetched by a task spawned
//! the moment its ListPackages page arrives. The [`Gate`](super::limit::Gate) inside every call
//! keeps the total in flight and the request rates bounded, so the fan-out can be unbounded.
//!
//! A call that fails for good is recorded (operation, ARN, code, message) and only its own
//! subtree is lost: a repository whose DescribeRepository fails is left out (without its
//! upstreams the repository would look safer than it is), a failed ListPackages page ends that
//! repository's package list, and everything else goes on.

use super::call::{call, Failure, RetryPolicy};
use super::convert;
use super::limit::Gate;
use super::progress::{Listing, Progress};
use super::stats::{Counters, Op};
use crate::arn;
use crate::inventory::{
    CollectionError, DomainEntry, PackageEntry, PackageGroupEntry, PackageSummary,
    PackageVersionSummary, RepositoryDescription, RepositoryEntry, ResourcePolicy,
};
use aws_sdk_codeartifact::config::http::HttpResponse;
use aws_sdk_codeartifact::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_codeartifact::types::{
    PackageFormat as SdkFormat, PackageGroupOriginRestrictionType as SdkRestriction,
};
use aws_sdk_codeartifact::Client;
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::task::JoinSet;

/// The largest page every List operation accepts (`*MaxResults` is 1..1000): fewest calls.
pub const PAGE_SIZE: i32 = 1000;

/// State shared by every task of one collection.
pub struct Ctx {
    pub client: Client,
    pub region: String,
    /// `--domain-owner`, passed on every call when given.
    pub domain_owner: Option<String>,
    /// `--repository` filter; empty means all.
    pub repositories: Vec<String>,
    pub gate: Gate,
    pub counters: Arc<Counters>,
    pub retry: RetryPolicy,
    pub progress: Progress,
    /// False for a topology-only collection (the context of event-driven scans): no
    /// ListPackages, no ListPackageVersions.
    pub packages: bool,
    errors: Mutex<Vec<CollectionError>>,
    /// Repository names of the filter that some domain had.
    found_repositories: Mutex<BTreeSet<String>>,
}

/// Recovers the data of a poisoned lock: it only guards plain pushes.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Ctx {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client: Client,
        region: String,
        domain_owner: Option<String>,
        repositories: Vec<String>,
        gate: Gate,
        counters: Arc<Counters>,
        retry: RetryPolicy,
        progress: Progress,
    ) -> Self {
        Ctx {
            client,
            region,
            domain_owner,
            repositories,
            gate,
            counters,
            retry,
            progress,
            packages: true,
            errors: Mutex::new(Vec::new()),
            found_repositories: Mutex::new(BTreeSet::new()),
        }
    }

    async fn call<T, E, F, Fut>(&self, op: Op, request: F) -> Result<T, Failure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        call(&self.gate, &self.counters, &self.retry, op, request).await
    }

    /// Records a call that failed for good. The message is the service's (or the SDK's)
    /// error text, which never carries credentials.
    pub fn record(&self, op: Op, resource: &str, failure: Failure) {
        self.counters.failed();
        if self.counters.unreachable().is_some() {
            // The collection ends with one "could not connect" error instead.
            return;
        }
        // The message is the service's text: escaped like every name printed to a terminal.
        tracing::warn!(
            "{} {} failed for good: {}: {}",
            op.name(),
            crate::report::text::escape(resource),
            crate::report::text::escape(&failure.code),
            crate::report::text::escape(&failure.message)
        );
        lock(&self.errors).push(CollectionError {
            operation: op.name().to_string(),
            resource: resource.to_string(),
            code: failure.code,
            message: failure.message,
        });
    }

    /// The failures so far, in a deterministic order.
    pub fn take_errors(&self) -> Vec<CollectionError> {
        let mut errors = std::mem::take(&mut *lock(&self.errors));
        errors.sort();
        errors
    }

    /// Names of the `--repository` filter that no collected domain has.
    pub fn missing_repositories(&self) -> Vec<String> {
        let found = lock(&self.found_repositories);
        self.repositories
            .iter()
            .filter(|name| !found.contains(*name))
            .cloned()
            .collect()
    }
}

/// The next page token, or the end. A token equal to the one just sent would loop forever
/// (the SDK's own paginators stop there too); it is reported as a malformed reply.
pub(super) fn next_token(
    sent: &Option<String>,
    received: Option<String>,
) -> Result<Option<String>, Failure> {
    match received {
        None => Ok(None),
        Some(token) if token.is_empty() => Ok(None),
        Some(token) if Some(&token) == sent.as_ref() => Err(Failure::new(
            "InvalidPaginationToken",
            "the service returned the page token it was sent; stopped paging here",
        )),
        Some(token) => Ok(Some(token)),
    }
}

/// Reads every page of one List operation. `fetch` sends the request for a page token;
/// `page` takes each reply as soon as it arrives (so a caller can start on that page's
/// children while the next page is fetched) and returns the reply's next token. A call that
/// fails for good, or a repeated token, is recorded against `op` and `resource` and ends the
/// listing there; the result says whether the list was read to its end.
pub(super) async fn paginate<Out, E, Fut>(
    ctx: &Ctx,
    op: Op,
    resource: &str,
    fetch: impl Fn(Option<String>) -> Fut,
    mut page: impl FnMut(Out) -> Option<String>,
) -> bool
where
    Fut: Future<Output = Result<Out, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut sent = None;
    loop {
        let next = ctx
            .call(op, || fetch(sent.clone()))
            .await
            .and_then(|output| next_token(&sent, page(output)));
        match next {
            Ok(Some(token)) => sent = Some(token),
            Ok(None) => return true,
            Err(failure) => {
                ctx.record(op, resource, failure);
                return false;
            }
        }
    }
}

fn malformed(what: &str) -> Failure {
    Failure::new("MalformedResponse", format!("the reply has no {what}"))
}

/// Domain names: `--domain` when given (DescribeDomain tells the rest), else ListDomains.
pub async fn domain_names(ctx: &Ctx) -> Vec<String> {
    let mut names = Vec::new();
    let resource = arn::domain(&ctx.region, ctx.domain_owner.as_deref().unwrap_or(""), "*");
    paginate(
        ctx,
        Op::ListDomains,
        &resource,
        |token| {
            ctx.client
                .list_domains()
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
        },
        |output| {
            names.extend(
                output
                    .domains()
                    .iter()
                    .filter_map(|d| d.name().map(str::to_string)),
            );
            output.next_token
        },
    )
    .await;
    names
}

/// What the calls inside one domain need to name it and its resources.
struct DomainScope {
    name: String,
    /// The owner account, for ARNs (from DescribeDomain, else `--domain-owner`).
    account: String,
    arn: String,
}

/// One domain, or `None` when DescribeDomain failed (recorded).
pub async fn domain(ctx: Arc<Ctx>, name: String, listing: Listing) -> Option<DomainEntry> {
    let owner = ctx.domain_owner.clone();
    let described = ctx
        .call(Op::DescribeDomain, || {
            ctx.client
                .describe_domain()
                .domain(&name)
                .set_domain_owner(owner.clone())
                .send()
        })
        .await
        .and_then(|output| output.domain.ok_or_else(|| malformed("domain")));
    let fallback_arn = arn::domain(&ctx.region, owner.as_deref().unwrap_or(""), &name);
    let description = match described {
        Ok(domain) => convert::domain(&domain),
        Err(failure) => {
            ctx.record(Op::DescribeDomain, &fallback_arn, failure);
            return None;
        }
    };
    tracing::info!(domain = name.as_str(), "collecting domain");
    let account = description.owner.clone().or(owner).unwrap_or_default();
    let scope = Arc::new(DomainScope {
        arn: description
            .arn
            .clone()
            .unwrap_or_else(|| arn::domain(&ctx.region, &account, &name)),
        name,
        account,
    });
    let (policy, package_groups, repositories) = tokio::join!(
        domain_policy(&ctx, &scope),
        package_groups(&ctx, &scope),
        repositories(&ctx, &scope, listing),
    );
    Some(DomainEntry {
        domain: description,
        policy,
        package_groups,
        repositories,
    })
}

/// A policy read, where 404 means "no policy" rather than a failure.
fn policy_result(
    ctx: &Ctx,
    op: Op,
    resource: &str,
    result: Result<Option<ResourcePolicy>, Failure>,
) -> Option<ResourcePolicy> {
    match result {
        Ok(policy) => policy,
        Err(failure) if failure.is_not_found() => None,
        Err(failure) => {
            ctx.record(op, resource, failure);
            None
        }
    }
}

async fn domain_policy(ctx: &Ctx, scope: &DomainScope) -> Option<ResourcePolicy> {
    let result = ctx
        .call(Op::GetDomainPermissionsPolicy, || {
            ctx.client
                .get_domain_permissions_policy()
                .domain(&scope.name)
                .set_domain_owner(ctx.domain_owner.clone())
                .send()
        })
        .await
        .map(|output| output.policy.as_ref().map(convert::policy));
    policy_result(ctx, Op::GetDomainPermissionsPolicy, &scope.arn, result)
}

async fn package_groups(ctx: &Arc<Ctx>, scope: &Arc<DomainScope>) -> Vec<PackageGroupEntry> {
    let mut groups = Vec::new();
    paginate(
        ctx,
        Op::ListPackageGroups,
        &scope.arn,
        |token| {
            ctx.client
                .list_package_groups()
                .domain(&scope.name)
                .set_domain_owner(ctx.domain_owner.clone())
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
        },
        |output| {
            groups.extend(output.package_groups().iter().map(convert::package_group));
            output.next_token
        },
    )
    .await;
    let mut lists = JoinSet::new();
    for (index, group) in groups.iter().enumerate() {
        let kinds = convert::specific_repository_restrictions(group);
        if kinds.is_empty() {
            continue;
        }
        let Some(pattern) = group.group.pattern.clone() else {
            let resource = group.group.arn.clone().unwrap_or_else(|| scope.arn.clone());
            ctx.record(
                Op::ListAllowedRepositoriesForGroup,
                &resource,
                malformed("pattern for a package group"),
            );
            continue;
        };
        let resource = group.group.arn.clone().unwrap_or_else(|| {
            arn::package_group(&ctx.region, &scope.account, &scope.name, &pattern)
        });
        for kind in kinds {
            let (ctx, scope, pattern, resource) = (
                ctx.clone(),
                scope.clone(),
                pattern.clone(),
                resource.clone(),
            );
            lists.spawn(async move {
                let list =
                    allowed_repositories(&ctx, &scope, &pattern, kind.as_str(), &resource).await;
                (index, kind, list)
            });
        }
    }
    while let Some(joined) = lists.join_next().await {
        match joined {
            Ok((index, kind, Some(list))) => {
                if let Some(group) = groups.get_mut(index) {
                    group.allowed_repositories.insert(kind, list);
                }
            }
            Ok((_, _, None)) => {}
            Err(error) => ctx.record(
                Op::ListAllowedRepositoriesForGroup,
                &scope.arn,
                Failure::new("InternalError", error.to_string()),
            ),
        }
    }
    groups
}

/// One allowed-repository list, or `None` when it could not be read completely (recorded).
async fn allowed_repositories(
    ctx: &Ctx,
    scope: &DomainScope,
    pattern: &str,
    kind: &str,
    resource: &str,
) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let complete = paginate(
        ctx,
        Op::ListAllowedRepositoriesForGroup,
        resource,
        |token| {
            ctx.client
                .list_allowed_repositories_for_group()
                .domain(&scope.name)
                .set_domain_owner(ctx.domain_owner.clone())
                .package_group(pattern)
                .origin_restriction_type(SdkRestriction::from(kind))
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
        },
        |output| {
            names.extend(output.allowed_repositories().iter().cloned());
            output.next_token
        },
    )
    .await;
    complete.then_some(names)
}

/// `listing` is the domain's: it ends once every repository's own listing has started.
async fn repositories(
    ctx: &Arc<Ctx>,
    scope: &Arc<DomainScope>,
    listing: Listing,
) -> Vec<RepositoryEntry> {
    let mut summaries: Vec<RepositoryDescription> = Vec::new();
    paginate(
        ctx,
        Op::ListRepositoriesInDomain,
        &scope.arn,
        |token| {
            ctx.client
                .list_repositories_in_domain()
                .domain(&scope.name)
                .set_domain_owner(ctx.domain_owner.clone())
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
        },
        |output| {
            summaries.extend(
                output
                    .repositories()
                    .iter()
                    .map(convert::repository_summary),
            );
            output.next_token
        },
    )
    .await;
    if !ctx.repositories.is_empty() {
        summaries.retain(|summary| {
            summary
                .name
                .as_ref()
                .is_some_and(|name| ctx.repositories.contains(name))
        });
        let mut found = lock(&ctx.found_repositories);
        found.extend(summaries.iter().filter_map(|s| s.name.clone()));
    }
    let mut tasks = JoinSet::new();
    for (index, summary) in summaries.into_iter().enumerate() {
        let (ctx, scope) = (ctx.clone(), scope.clone());
        let packages_listing = ctx.progress.listing();
        tasks.spawn(async move {
            (
                index,
                repository(ctx, scope, summary, packages_listing).await,
            )
        });
    }
    drop(listing);
    let mut collected = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, Some(entry))) => collected.push((index, entry)),
            Ok((_, None)) => {}
            Err(error) => ctx.record(
                Op::DescribeRepository,
                &scope.arn,
                Failure::new("InternalError", error.to_string()),
            ),
        }
    }
    // The service's listing order, whatever order the tasks finished in.
    collected.sort_by_key(|(index, _)| *index);
    collected.into_iter().map(|(_, entry)| entry).collect()
}

/// What the calls inside one repository need.
struct RepositoryScope {
    domain: Arc<DomainScope>,
    name: String,
    arn: String,
}

async fn repository(
    ctx: Arc<Ctx>,
    domain: Arc<DomainScope>,
    summary: RepositoryDescription,
    listing: Listing,
) -> Option<RepositoryEntry> {
    let Some(name) = summary.name.clone() else {
        ctx.record(
            Op::ListRepositoriesInDomain,
            &domain.arn,
            malformed("name for a repository"),
        );
        return None;
    };
    let arn = summary
        .arn
        .clone()
        .unwrap_or_else(|| arn::repository(&ctx.region, &domain.account, &domain.name, &name));
    let described = ctx
        .call(Op::DescribeRepository, || {
            ctx.client
                .describe_repository()
                .domain(&domain.name)
                .set_domain_owner(ctx.domain_owner.clone())
                .repository(&name)
                .send()
        })
        .await
        .and_then(|output| output.repository.ok_or_else(|| malformed("repository")));
    let description = match described {
        Ok(repository) => convert::repository(&repository),
        Err(failure) => {
            ctx.record(Op::DescribeRepository, &arn, failure);
            return None;
        }
    };
    tracing::debug!(repository = name.as_str(), "collecting repository");
    let scope = Arc::new(RepositoryScope { domain, name, arn });
    let (policy, packages) = if ctx.packages {
        tokio::join!(
            repository_policy(&ctx, &scope),
            packages(&ctx, &scope, listing)
        )
    } else {
        drop(listing);
        (repository_policy(&ctx, &scope).await, Vec::new())
    };
    Some(RepositoryEntry {
        repository: description,
        policy,
        packages,
    })
}

async fn repository_policy(ctx: &Ctx, scope: &RepositoryScope) -> Option<ResourcePolicy> {
    let result = ctx
        .call(Op::GetRepositoryPermissionsPolicy, || {
            ctx.client
                .get_repository_permissions_policy()
                .domain(&scope.domain.name)
                .set_domain_owner(ctx.domain_owner.clone())
                .repository(&scope.name)
                .send()
        })
        .await
        .map(|output| output.policy.as_ref().map(convert::policy));
    policy_result(ctx, Op::GetRepositoryPermissionsPolicy, &scope.arn, result)
}

async fn packages(
    ctx: &Arc<Ctx>,
    scope: &Arc<RepositoryScope>,
    listing: Listing,
) -> Vec<PackageEntry> {
    let mut entries: Vec<PackageEntry> = Vec::new();
    let mut versions = JoinSet::new();
    paginate(
        ctx,
        Op::ListPackages,
        &scope.arn,
        |token| {
            ctx.client
                .list_packages()
                .domain(&scope.domain.name)
                .set_domain_owner(ctx.domain_owner.clone())
                .repository(&scope.name)
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
        },
        |output| {
            ctx.progress.found(output.packages().len());
            for summary in output.packages() {
                let package = convert::package(summary);
                let index = entries.len();
                let (ctx, scope, wanted) = (ctx.clone(), scope.clone(), package.clone());
                // Start on this page's versions while the next page is being fetched.
                versions
                    .spawn(async move { (index, package_versions(&ctx, &scope, &wanted).await) });
                entries.push(PackageEntry {
                    package,
                    versions: Vec::new(),
                });
            }
            output.next_token
        },
    )
    .await;
    drop(listing);
    while let Some(joined) = versions.join_next().await {
        match joined {
            Ok((index, list)) => {
                if let Some(entry) = entries.get_mut(index) {
                    entry.versions = list;
                }
            }
            Err(error) => ctx.record(
                Op::ListPackageVersions,
                &scope.arn,
                Failure::new("InternalError", error.to_string()),
            ),
        }
    }
    entries
}

/// Every version of one package; what could be read when a page fails (recorded).
async fn package_versions(
    ctx: &Ctx,
    scope: &RepositoryScope,
    package: &PackageSummary,
) -> Vec<PackageVersionSummary> {
    let domain = &scope.domain;
    let (Some(format), Some(name)) = (package.format.as_ref(), package.package.as_deref()) else {
        ctx.record(
            Op::ListPackages,
            &scope.arn,
            malformed("format and name for a package"),
        );
        ctx.progress.read_one();
        return Vec::new();
    };
    let resource = arn::package(
        &ctx.region,
        &domain.account,
        &domain.name,
        &scope.name,
        format.as_str(),
        package.namespace.as_deref(),
        name,
    );
    let mut versions = Vec::new();
    paginate(
        ctx,
        Op::ListPackageVersions,
        &resource,
        |token| {
            ctx.client
                .list_package_versions()
                .domain(&domain.name)
                .set_domain_owner(ctx.domain_owner.clone())
                .repository(&scope.name)
                .format(SdkFormat::from(format.as_str()))
                .set_namespace(package.namespace.clone())
                .package(name)
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
        },
        |output| {
            versions.extend(output.versions().iter().map(convert::version));
            output.next_token
        },
    )
    .await;
    ctx.progress.read_one();
    versions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_ends_on_absent_empty_or_repeated_token() {
        assert_eq!(next_token(&None, None), Ok(None));
        assert_eq!(next_token(&None, Some(String::new())), Ok(None));
        assert_eq!(next_token(&None, Some("a".into())), Ok(Some("a".into())));
        assert_eq!(
            next_token(&Some("a".into()), Some("b".into())),
            Ok(Some("b".into()))
        );
        let repeated = next_token(&Some("a".into()), Some("a".into())).unwrap_err();
        assert_eq!(repeated.code, "InvalidPaginationToken");
    }
}
