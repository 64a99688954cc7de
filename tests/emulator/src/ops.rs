//! The operations, reading and writing the inventory that is the emulator's whole state.
//!
//! Each handler checks its inputs against the model first (a bad request is a
//! ValidationException, never a panic), then `--deny` on the ARN it addresses, then looks the
//! resource up: AccessDenied must not reveal whether a resource exists.

use crate::error::{ApiError, ApiResult};
use crate::faults::glob_match;
use crate::groups;
use crate::request::{body_page_request, Query};
use crate::routes::Operation;
use crate::side::Side;
use crate::{versions, writes};
use caguard::arn;
use caguard::inventory::{
    AllowMode, DomainDescription, DomainEntry, GroupMode, Inventory, OriginType, PackageEntry,
    PackageFormat, PackageOriginConfiguration, PackageOriginRestrictions, PackageSummary,
    PackageVersionStatus, RepositoryDescription, RestrictionType,
};
use serde_json::{json, Map, Value};

/// Used when the inventory names no region.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Used for ARNs when neither the request nor the domain names an owner.
pub const DEFAULT_ACCOUNT: &str = "111122223333";

/// Everything a handler gets besides the state.
pub struct Request<'a> {
    pub operation: Operation,
    pub query: Query,
    pub body: Map<String, Value>,
    pub deny: &'a [String],
    pub default_page_size: usize,
    /// Epoch seconds, for `createdTime` of new resources.
    pub now: f64,
    /// The raw body of PublishPackageVersion (the asset); empty for every other operation.
    pub payload: bytes::Bytes,
    /// The `x-amz-content-sha256` header (PublishPackageVersion's `assetSHA256`).
    pub sha256: Option<String>,
}

/// What an operation answers: JSON, or (GetPackageVersionAsset) raw bytes with header members.
pub enum Reply {
    Json(Value),
    Blob {
        bytes: Vec<u8>,
        headers: Vec<(&'static str, String)>,
        /// The header members as JSON, for [`crate::EmulatorHandle::responses`].
        record: Value,
    },
}

impl Reply {
    /// The body kept by `record_responses`.
    pub fn record(&self) -> Value {
        match self {
            Reply::Json(body) => body.clone(),
            Reply::Blob { record, .. } => record.clone(),
        }
    }
}

/// Runs one operation against the state and returns the response body.
pub fn execute(inventory: &mut Inventory, side: &mut Side, request: &Request) -> ApiResult<Reply> {
    use Operation::*;
    let body = match request.operation {
        ListDomains => list_domains(inventory, request),
        DescribeDomain => describe_domain(inventory, request),
        GetDomainPermissionsPolicy => get_domain_policy(inventory, request),
        ListRepositoriesInDomain => list_repositories(inventory, request),
        DescribeRepository => describe_repository(inventory, request),
        GetRepositoryPermissionsPolicy => get_repository_policy(inventory, request),
        ListPackages => list_packages(inventory, request),
        DescribePackage => describe_package(inventory, request),
        ListPackageVersions => list_package_versions(inventory, request),
        DescribePackageVersion => describe_package_version(inventory, request),
        ListPackageGroups => groups::list_package_groups(inventory, request),
        DescribePackageGroup => groups::describe_package_group(inventory, request),
        GetAssociatedPackageGroup => groups::get_associated_package_group(inventory, request),
        ListAllowedRepositoriesForGroup => groups::list_allowed_repositories(inventory, request),
        ListSubPackageGroups => groups::list_sub_package_groups(inventory, request),
        ListAssociatedPackages => groups::list_associated_packages(inventory, request),
        PutPackageOriginConfiguration => put_package_origin_configuration(inventory, request),
        UpdatePackageGroupOriginConfiguration => {
            groups::update_origin_configuration(inventory, request)
        }
        CreatePackageGroup => groups::create_package_group(inventory, side, request),
        DeletePackageGroup => groups::delete_package_group(inventory, request),
        UpdatePackageGroup => groups::update_package_group(inventory, request),
        CreateDomain => writes::create_domain(inventory, side, request),
        DeleteDomain => writes::delete_domain(inventory, request),
        CreateRepository => writes::create_repository(inventory, side, request),
        DeleteRepository => writes::delete_repository(inventory, request),
        UpdateRepository => writes::update_repository(inventory, request),
        AssociateExternalConnection => writes::associate_external_connection(inventory, request),
        DisassociateExternalConnection => {
            writes::disassociate_external_connection(inventory, request)
        }
        ListRepositories => writes::list_all_repositories(inventory, request),
        PutDomainPermissionsPolicy => writes::put_domain_policy(inventory, side, request),
        DeleteDomainPermissionsPolicy => writes::delete_domain_policy(inventory, request),
        PutRepositoryPermissionsPolicy => writes::put_repository_policy(inventory, side, request),
        DeleteRepositoryPermissionsPolicy => writes::delete_repository_policy(inventory, request),
        TagResource => writes::tag_resource(inventory, side, request),
        UntagResource => writes::untag_resource(inventory, side, request),
        ListTagsForResource => writes::list_tags(inventory, side, request),
        GetAuthorizationToken => writes::get_authorization_token(inventory, side, request),
        GetRepositoryEndpoint => writes::get_repository_endpoint(inventory, request),
        DeletePackage => versions::delete_package(inventory, side, request),
        DeletePackageVersions => versions::delete_package_versions(inventory, side, request),
        DisposePackageVersions => versions::dispose_package_versions(inventory, side, request),
        UpdatePackageVersionsStatus => versions::update_status(inventory, request),
        CopyPackageVersions => versions::copy_package_versions(inventory, side, request),
        PublishPackageVersion => versions::publish_package_version(inventory, side, request),
        ListPackageVersionAssets => versions::list_assets(inventory, side, request),
        GetPackageVersionAsset => return versions::get_asset(inventory, side, request),
        GetPackageVersionReadme => versions::get_readme(inventory, side, request),
        ListPackageVersionDependencies => versions::list_dependencies(inventory, side, request),
    }?;
    Ok(Reply::Json(body))
}

/// The domain a request addresses, and the account and region its ARNs use.
pub struct Scope {
    pub region: String,
    pub account: String,
    pub domain: String,
    pub owner: Option<String>,
}

impl Scope {
    pub fn read(inventory: &Inventory, query: &Query) -> ApiResult<Scope> {
        let domain = query.required("domain")?.to_string();
        let owner = query.optional("domain-owner").map(str::to_string);
        if let Some(owner) = &owner {
            if owner.len() != 12 || !owner.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::validation(format!(
                    "Value '{owner}' at 'domainOwner' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{{12}}"
                )));
            }
        }
        // Before the lookup the ARN still needs an account: the one asked for, else the named
        // domain's, so a `--deny` glob sees the same ARN whether or not the domain exists.
        let account = owner
            .clone()
            .or_else(|| {
                inventory
                    .domains
                    .iter()
                    .find(|entry| entry.domain.name.as_deref() == Some(domain.as_str()))
                    .and_then(|entry| entry.domain.owner.clone())
            })
            .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string());
        Ok(Scope {
            region: region(inventory),
            account,
            domain,
            owner,
        })
    }

    pub fn domain_arn(&self) -> String {
        arn::domain(&self.region, &self.account, &self.domain)
    }

    pub fn repository_arn(&self, repository: &str) -> String {
        arn::repository(&self.region, &self.account, &self.domain, repository)
    }

    pub fn group_arn(&self, pattern: &str) -> String {
        arn::package_group(&self.region, &self.account, &self.domain, pattern)
    }

    pub fn package_arn(&self, repository: &str, coordinates: &Coordinates) -> String {
        arn::package(
            &self.region,
            &self.account,
            &self.domain,
            repository,
            coordinates.format.as_str(),
            coordinates.namespace.as_deref(),
            &coordinates.name,
        )
    }

    /// The domain's position in the state; `domain-owner` must match when both sides name one.
    pub fn find(&self, inventory: &Inventory) -> ApiResult<usize> {
        inventory
            .domains
            .iter()
            .position(|entry| {
                entry.domain.name.as_deref() == Some(self.domain.as_str())
                    && match (&self.owner, &entry.domain.owner) {
                        (Some(wanted), Some(actual)) => wanted == actual,
                        _ => true,
                    }
            })
            .ok_or_else(|| {
                ApiError::not_found(
                    format!("Domain not found: {}", self.domain),
                    self.domain.clone(),
                    Some("domain"),
                )
            })
    }
}

pub fn region(inventory: &Inventory) -> String {
    inventory
        .region
        .clone()
        .unwrap_or_else(|| DEFAULT_REGION.to_string())
}

/// AccessDenied when any `--deny` glob matches one of the ARNs the request addresses.
pub fn check_deny(request: &Request, arns: &[String]) -> ApiResult<()> {
    for resource in arns {
        if request
            .deny
            .iter()
            .any(|pattern| glob_match(pattern, resource))
        {
            return Err(ApiError::access_denied(format!(
                "User: arn:aws:iam::{DEFAULT_ACCOUNT}:user/emulator is not authorized to perform: codeartifact:{} on resource: {resource} because an explicit deny exists (emulator --deny)",
                request.operation.name()
            )));
        }
    }
    Ok(())
}

/// A package named by the request: `format`, `namespace`, `package`, normalized as the API does.
pub struct Coordinates {
    pub format: PackageFormat,
    pub namespace: Option<String>,
    pub name: String,
}

/// The model's `PackageFormat` values, for enum checks.
pub fn known_formats() -> Vec<&'static str> {
    PackageFormat::KNOWN
        .iter()
        .map(PackageFormat::as_str)
        .collect()
}

impl Coordinates {
    pub fn read(query: &Query) -> ApiResult<Coordinates> {
        let format = PackageFormat::from(query.required_enum("format", &known_formats())?);
        let namespace = query
            .optional("namespace")
            .map(|namespace| check_name("namespace", namespace).map(|n| normalize(&format, n)))
            .transpose()?;
        let name = normalize(&format, check_name("package", query.required("package")?)?);
        Ok(Coordinates {
            format,
            namespace,
            name,
        })
    }

    pub fn matches(&self, summary: &PackageSummary) -> bool {
        summary.format.as_ref() == Some(&self.format)
            && summary
                .namespace
                .as_deref()
                .filter(|namespace| !namespace.is_empty())
                .map(|namespace| normalize(&self.format, namespace))
                == self.namespace
            && summary
                .package
                .as_deref()
                .map(|name| normalize(&self.format, name))
                .as_deref()
                == Some(self.name.as_str())
    }
}

/// `PackageName`/`PackageNamespace`/`PackageVersion`: 1..255 characters of `[^#/\s]`.
pub fn check_name<'a>(member: &str, value: &'a str) -> ApiResult<&'a str> {
    if value.chars().count() <= 255
        && !value
            .chars()
            .any(|c| c == '#' || c == '/' || c.is_whitespace())
    {
        Ok(value)
    } else {
        Err(ApiError::validation(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [^#/\\s]+"
        )))
    }
}

/// NuGet and Swift inputs are lower-cased by the service; PyPI inputs are not normalized
/// (callers must send the stored, normalized name), nor are the other formats.
pub fn normalize(format: &PackageFormat, value: &str) -> String {
    match format {
        PackageFormat::Nuget | PackageFormat::Swift => value.to_lowercase(),
        _ => value.to_string(),
    }
}

/// NuGet versions as the service stores them: `+metadata` dropped, leading zeros dropped from
/// the numeric parts, at least three parts, and a zero fourth part dropped, so `13.0.3.0` and
/// `13.0.03` both name `13.0.3`. Other formats keep versions verbatim.
/// (<https://docs.aws.amazon.com/codeartifact/latest/ug/nuget-name-normalization.html>)
pub fn normalize_version(format: &PackageFormat, version: &str) -> String {
    if *format != PackageFormat::Nuget {
        return version.to_string();
    }
    let without_metadata = version.split('+').next().unwrap_or(version);
    let (release, prerelease) = match without_metadata.split_once('-') {
        Some((release, prerelease)) => (release, Some(prerelease)),
        None => (without_metadata, None),
    };
    let mut parts: Vec<String> = release
        .split('.')
        .map(|part| {
            if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                let trimmed = part.trim_start_matches('0');
                if trimmed.is_empty() { "0" } else { trimmed }.to_string()
            } else {
                part.to_string()
            }
        })
        .collect();
    // Not a NuGet version at all: keep it as sent rather than invent one.
    if parts.len() > 4
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return version.to_string();
    }
    while parts.len() < 3 {
        parts.push("0".to_string());
    }
    if parts.len() == 4 && parts.last().is_some_and(|last| last == "0") {
        parts.pop();
    }
    let mut normalized = parts.join(".");
    if let Some(prerelease) = prerelease {
        normalized.push('-');
        normalized.push_str(prerelease);
    }
    normalized
}

/// The position of `wanted` among a package's versions, compared after normalization.
pub fn find_version(entry: &PackageEntry, format: &PackageFormat, wanted: &str) -> Option<usize> {
    let wanted = normalize_version(format, wanted);
    entry
        .versions
        .iter()
        .position(|version| normalize_version(format, &version.version) == wanted)
}

pub fn page_response(key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut body = Map::new();
    body.insert(key.to_string(), Value::Array(items));
    if let Some(next) = next {
        body.insert("nextToken".into(), Value::String(next));
    }
    Value::Object(body)
}

/// A paged list response with the query's `max-results`/`next-token`. Items are serialized
/// after paging, so walking a long list costs one pass per page, not one per item per page.
pub fn paged<T: serde::Serialize>(request: &Request, key: &str, items: Vec<T>) -> ApiResult<Value> {
    let (page, next) = request.query.page_request()?.page(
        request.operation.name(),
        items,
        request.default_page_size,
    )?;
    Ok(page_response(
        key,
        page.iter().map(to_value).collect(),
        next,
    ))
}

pub fn to_value<T: serde::Serialize>(value: &T) -> Value {
    // The inventory types are plain data: serializing them cannot fail.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Keeps only `keys` of a serialized object (a Summary is its Description minus members).
pub fn only(value: Value, keys: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(key, _)| keys.contains(&key.as_str()))
                .collect(),
        ),
        other => other,
    }
}

/// The domain as the service describes it, with the members it always sends filled in.
pub fn domain_description(region: &str, entry: &DomainEntry) -> DomainDescription {
    let mut domain = entry.domain.clone();
    let name = domain.name.clone().unwrap_or_default();
    let owner = domain
        .owner
        .clone()
        .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string());
    domain
        .arn
        .get_or_insert_with(|| arn::domain(region, &owner, &name));
    // Always the live count: repositories come and go.
    domain.repository_count = Some(i32::try_from(entry.repositories.len()).unwrap_or(i32::MAX));
    domain
}

fn list_domains(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let page = body_page_request(&request.body)?;
    let region = region(inventory);
    let summaries = inventory
        .domains
        .iter()
        .map(|entry| {
            only(
                to_value(&domain_description(&region, entry)),
                &[
                    "name",
                    "owner",
                    "arn",
                    "status",
                    "createdTime",
                    "encryptionKey",
                ],
            )
        })
        .collect();
    let (items, next) = page.page(
        request.operation.name(),
        summaries,
        request.default_page_size,
    )?;
    Ok(page_response("domains", items, next))
}

fn describe_domain(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    check_deny(request, &[scope.domain_arn()])?;
    let entry = &inventory.domains[scope.find(inventory)?];
    Ok(json!({ "domain": domain_description(&scope.region, entry) }))
}

fn get_domain_policy(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let domain_arn = scope.domain_arn();
    check_deny(request, std::slice::from_ref(&domain_arn))?;
    let entry = &inventory.domains[scope.find(inventory)?];
    let mut policy = entry.policy.clone().ok_or_else(|| {
        ApiError::not_found(
            format!("No resource policy is set on domain {}", scope.domain),
            domain_arn.clone(),
            None,
        )
    })?;
    policy.resource_arn.get_or_insert(domain_arn);
    Ok(json!({ "policy": policy }))
}

/// The repository as the service describes it, with the members it always sends filled in.
pub fn repository_description(
    scope: &Scope,
    entry: &DomainEntry,
    repository: &RepositoryDescription,
) -> RepositoryDescription {
    let mut repository = repository.clone();
    let name = repository.name.clone().unwrap_or_default();
    let owner = entry
        .domain
        .owner
        .clone()
        .unwrap_or_else(|| scope.account.clone());
    repository
        .domain_name
        .get_or_insert_with(|| scope.domain.clone());
    repository.domain_owner.get_or_insert_with(|| owner.clone());
    repository
        .administrator_account
        .get_or_insert_with(|| owner.clone());
    repository
        .arn
        .get_or_insert_with(|| arn::repository(&scope.region, &owner, &scope.domain, &name));
    repository
}

fn list_repositories(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let administrator = request.query.optional("administrator-account");
    let prefix = request.query.optional("repository-prefix");
    check_deny(request, &[scope.domain_arn()])?;
    let entry = &inventory.domains[scope.find(inventory)?];
    let items = entry
        .repositories
        .iter()
        .map(|repository| repository_description(&scope, entry, &repository.repository))
        .filter(|repository| {
            administrator
                .is_none_or(|wanted| repository.administrator_account.as_deref() == Some(wanted))
                && prefix.is_none_or(|prefix| {
                    repository.name.as_deref().unwrap_or("").starts_with(prefix)
                })
        })
        .map(|repository| {
            only(
                to_value(&repository),
                &[
                    "name",
                    "administratorAccount",
                    "domainName",
                    "domainOwner",
                    "arn",
                    "description",
                    "createdTime",
                ],
            )
        })
        .collect();
    paged(request, "repositories", items)
}

/// The domain and repository positions of a repository-level request, after `--deny`.
pub fn locate_repository(
    inventory: &Inventory,
    request: &Request,
    scope: &Scope,
    also_deny: Option<&Coordinates>,
) -> ApiResult<(usize, usize)> {
    let repository = request.query.required("repository")?;
    locate_named_repository(inventory, request, scope, repository, also_deny)
}

/// As [`locate_repository`], for a repository named by another member (CopyPackageVersions'
/// `source-repository` and `destination-repository`).
pub fn locate_named_repository(
    inventory: &Inventory,
    request: &Request,
    scope: &Scope,
    repository: &str,
    also_deny: Option<&Coordinates>,
) -> ApiResult<(usize, usize)> {
    let mut arns = vec![scope.repository_arn(repository)];
    if let Some(coordinates) = also_deny {
        arns.push(scope.package_arn(repository, coordinates));
    }
    check_deny(request, &arns)?;
    let domain = scope.find(inventory)?;
    let position = inventory.domains[domain]
        .repositories
        .iter()
        .position(|entry| entry.repository.name.as_deref() == Some(repository))
        .ok_or_else(|| {
            ApiError::not_found(
                format!(
                    "Repository not found: {repository} in domain {}",
                    scope.domain
                ),
                repository,
                Some("repository"),
            )
        })?;
    Ok((domain, position))
}

fn describe_repository(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let (domain, repository) = locate_repository(inventory, request, &scope, None)?;
    let entry = &inventory.domains[domain];
    let description =
        repository_description(&scope, entry, &entry.repositories[repository].repository);
    Ok(json!({ "repository": description }))
}

fn get_repository_policy(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let (domain, repository) = locate_repository(inventory, request, &scope, None)?;
    let entry = &inventory.domains[domain];
    let description =
        repository_description(&scope, entry, &entry.repositories[repository].repository);
    let resource = description.arn.clone().unwrap_or_default();
    let mut policy = entry.repositories[repository]
        .policy
        .clone()
        .ok_or_else(|| {
            ApiError::not_found(
                format!(
                    "No resource policy is set on repository {}",
                    description.name.as_deref().unwrap_or_default()
                ),
                resource.clone(),
                None,
            )
        })?;
    policy.resource_arn.get_or_insert(resource);
    Ok(json!({ "policy": policy }))
}

pub fn allow_modes() -> Vec<&'static str> {
    AllowMode::KNOWN.iter().map(AllowMode::as_str).collect()
}

fn list_packages(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let query = &request.query;
    let scope = Scope::read(inventory, query)?;
    let format = query
        .optional_enum("format", &known_formats())?
        .map(PackageFormat::from);
    let namespace = query.optional("namespace");
    let prefix = query.optional("package-prefix");
    let publish = query
        .optional_enum("publish", &allow_modes())?
        .map(AllowMode::from);
    let upstream = query
        .optional_enum("upstream", &allow_modes())?
        .map(AllowMode::from);
    let (domain, repository) = locate_repository(inventory, request, &scope, None)?;
    let restrictions = |package: &PackageSummary| {
        package
            .origin_configuration
            .as_ref()
            .and_then(|configuration| configuration.restrictions.clone())
    };
    let items = inventory.domains[domain].repositories[repository]
        .packages
        .iter()
        .map(|entry| &entry.package)
        .filter(|package| {
            format.as_ref().is_none_or(|format| package.format.as_ref() == Some(format))
                // `namespace` is a prefix filter despite its name (model docs); packages without
                // a namespace never match one.
                && namespace.is_none_or(|wanted| package.namespace.as_deref().is_some_and(|ns| ns.starts_with(wanted)))
                && prefix.is_none_or(|wanted| package.package.as_deref().is_some_and(|name| name.starts_with(wanted)))
                && publish.as_ref().is_none_or(|wanted| restrictions(package).is_some_and(|r| r.publish == *wanted))
                && upstream.as_ref().is_none_or(|wanted| restrictions(package).is_some_and(|r| r.upstream == *wanted))
        })
        .collect::<Vec<_>>();
    paged(request, "packages", items)
}

/// The package a package-level request addresses, after `--deny` on its repository and itself.
pub fn locate_package(
    inventory: &Inventory,
    request: &Request,
) -> ApiResult<(Scope, Coordinates, usize, usize, Option<usize>)> {
    let scope = Scope::read(inventory, &request.query)?;
    let coordinates = Coordinates::read(&request.query)?;
    let (domain, repository) = locate_repository(inventory, request, &scope, Some(&coordinates))?;
    let package = inventory.domains[domain].repositories[repository]
        .packages
        .iter()
        .position(|entry| coordinates.matches(&entry.package));
    Ok((scope, coordinates, domain, repository, package))
}

pub fn package_not_found(coordinates: &Coordinates) -> ApiError {
    let display = match &coordinates.namespace {
        Some(namespace) => format!("{}/{namespace}/{}", coordinates.format, coordinates.name),
        None => format!("{}//{}", coordinates.format, coordinates.name),
    };
    ApiError::not_found(
        format!("Package not found: {display}"),
        coordinates.name.clone(),
        Some("package"),
    )
}

pub fn existing_package<'a>(
    inventory: &'a Inventory,
    request: &Request,
) -> ApiResult<(Coordinates, &'a PackageEntry)> {
    let (_, coordinates, domain, repository, package) = locate_package(inventory, request)?;
    match package {
        Some(package) => Ok((
            coordinates,
            &inventory.domains[domain].repositories[repository].packages[package],
        )),
        None => Err(package_not_found(&coordinates)),
    }
}

fn describe_package(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let (_, entry) = existing_package(inventory, request)?;
    let package = &entry.package;
    // PackageDescription calls the name `name`, unlike PackageSummary's `package`.
    let mut description = Map::new();
    description.insert("format".into(), to_value(&package.format));
    if let Some(namespace) = &package.namespace {
        description.insert("namespace".into(), Value::String(namespace.clone()));
    }
    description.insert("name".into(), to_value(&package.package));
    if let Some(configuration) = &package.origin_configuration {
        description.insert("originConfiguration".into(), to_value(configuration));
    }
    Ok(json!({ "package": description }))
}

fn list_package_versions(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let query = &request.query;
    let statuses: Vec<&str> = PackageVersionStatus::KNOWN
        .iter()
        .map(PackageVersionStatus::as_str)
        .collect();
    let origins: Vec<&str> = OriginType::KNOWN.iter().map(OriginType::as_str).collect();
    let status = query
        .optional_enum("status", &statuses)?
        .map(PackageVersionStatus::from);
    let origin = query
        .optional_enum("originType", &origins)?
        .map(OriginType::from);
    // The only `PackageVersionSortType`. The inventory keeps no publish times, so versions are
    // taken to be stored in publication order, which is the order served with or without it.
    query.optional_enum("sortBy", &["PUBLISHED_TIME"])?;
    let (_, entry) = existing_package(inventory, request)?;
    let versions: Vec<_> = entry
        .versions
        .iter()
        .filter(|version| {
            status
                .as_ref()
                .is_none_or(|wanted| version.status == *wanted)
                && origin.as_ref().is_none_or(|wanted| {
                    version.origin.as_ref().and_then(|o| o.origin_type.as_ref()) == Some(wanted)
                })
        })
        .collect();
    let mut body = paged(request, "versions", versions)?;
    // Repeated on every page, as the service does (non-aggregate paginator keys).
    if let Value::Object(map) = &mut body {
        let package = &entry.package;
        // "The most recently published version": the last Published one in stored order.
        let default_version = entry
            .versions
            .iter()
            .rev()
            .find(|version| version.status == PackageVersionStatus::Published)
            .or(entry.versions.last());
        if let Some(version) = default_version {
            map.insert(
                "defaultDisplayVersion".into(),
                Value::String(version.version.clone()),
            );
        }
        map.insert("format".into(), to_value(&package.format));
        if let Some(namespace) = &package.namespace {
            map.insert("namespace".into(), Value::String(namespace.clone()));
        }
        map.insert("package".into(), to_value(&package.package));
    }
    Ok(body)
}

fn describe_package_version(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let wanted = check_name("version", request.query.required("version")?)?.to_string();
    let (coordinates, entry) = existing_package(inventory, request)?;
    let version = find_version(entry, &coordinates.format, &wanted)
        .and_then(|index| entry.versions.get(index))
        .ok_or_else(|| {
            ApiError::not_found(
                format!("Package version not found: {} {wanted}", coordinates.name),
                wanted.clone(),
                Some("package-version"),
            )
        })?;
    let package = &entry.package;
    let name = package.package.clone().unwrap_or_default();
    // npm shows scoped packages as `@scope/name`; other formats have no separate display form
    // in the inventory.
    let display_name = match (&package.format, &package.namespace) {
        (Some(PackageFormat::Npm), Some(namespace)) if !namespace.is_empty() => {
            format!("@{namespace}/{name}")
        }
        _ => name.clone(),
    };
    let mut description = Map::new();
    description.insert("format".into(), to_value(&package.format));
    if let Some(namespace) = &package.namespace {
        description.insert("namespace".into(), Value::String(namespace.clone()));
    }
    description.insert("packageName".into(), Value::String(name));
    description.insert("displayName".into(), Value::String(display_name));
    if let Value::Object(summary) = to_value(version) {
        description.extend(summary);
    }
    Ok(json!({ "packageVersion": description }))
}

fn put_package_origin_configuration(
    inventory: &mut Inventory,
    request: &Request,
) -> ApiResult<Value> {
    let restrictions = request
        .body
        .get("restrictions")
        .ok_or_else(|| ApiError::validation("restrictions is required"))?;
    let mode = |key: &str| -> ApiResult<AllowMode> {
        match restrictions.get(key).and_then(Value::as_str) {
            Some(value) if allow_modes().contains(&value) => Ok(AllowMode::from(value)),
            _ => Err(ApiError::validation(format!(
                "restrictions.{key} is required and must be one of ALLOW, BLOCK"
            ))),
        }
    };
    let restrictions = PackageOriginRestrictions {
        publish: mode("publish")?,
        upstream: mode("upstream")?,
    };
    let (_, coordinates, domain, repository, package) = locate_package(inventory, request)?;
    let configuration = PackageOriginConfiguration {
        restrictions: Some(restrictions),
    };
    let packages = &mut inventory.domains[domain].repositories[repository].packages;
    match package {
        Some(position) => {
            packages[position].package.origin_configuration = Some(configuration.clone())
        }
        // As AWS does: a call for a package the repository does not hold creates a record with
        // no versions, which then shows up in ListPackages.
        None => packages.push(PackageEntry {
            package: PackageSummary {
                format: Some(coordinates.format.clone()),
                namespace: coordinates.namespace.clone(),
                package: Some(coordinates.name.clone()),
                origin_configuration: Some(configuration.clone()),
            },
            versions: Vec::new(),
        }),
    }
    Ok(json!({ "originConfiguration": configuration }))
}

/// The `PackageGroupOriginRestrictionType` values, for enum checks.
pub fn restriction_types() -> Vec<&'static str> {
    RestrictionType::KNOWN
        .iter()
        .map(RestrictionType::as_str)
        .collect()
}

/// The `PackageGroupOriginRestrictionMode` values, for enum checks.
pub fn group_modes() -> Vec<&'static str> {
    GroupMode::KNOWN.iter().map(GroupMode::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nuget_versions_normalize_as_the_service_does() {
        let nuget = PackageFormat::Nuget;
        for (input, stored) in [
            ("13.0.3", "13.0.3"),
            ("13.0.3.0", "13.0.3"),
            ("13.0.03", "13.0.3"),
            ("013.00.3", "13.0.3"),
            ("1.0", "1.0.0"),
            ("1.2.3.4", "1.2.3.4"),
            ("1.2.3+build.5", "1.2.3"),
            ("1.2.3-Beta.1", "1.2.3-Beta.1"),
            ("not-a-version", "not-a-version"),
        ] {
            assert_eq!(normalize_version(&nuget, input), stored, "{input}");
        }
        assert_eq!(normalize_version(&PackageFormat::Npm, "13.0.03"), "13.0.03");
    }
}
