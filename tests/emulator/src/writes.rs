//! Domains, repositories, external connections, policies, tags, tokens and endpoints.
//!
//! Rules the model's documentation states are enforced (one external connection per
//! repository, a domain with repositories cannot be deleted); the emulator's own choices where
//! AWS documents nothing are listed in the crate's README.

use crate::error::{ApiError, ApiResult};
use crate::groups;
use crate::ops::{
    check_deny, domain_description, known_formats, locate_repository, only, paged, region,
    repository_description, to_value, Request, Scope, DEFAULT_ACCOUNT,
};
use crate::request::Query;
use crate::side::Side;
use caguard::arn;
use caguard::inventory::{
    DomainDescription, DomainEntry, DomainStatus, ExternalConnectionInfo, ExternalConnectionStatus,
    Inventory, PackageFormat, RepositoryDescription, RepositoryEntry, ResourcePolicy,
    UpstreamRepositoryInfo,
};
use serde_json::{json, Map, Value};

/// Direct upstreams per repository (CodeArtifact quota, not adjustable:
/// <https://docs.aws.amazon.com/codeartifact/latest/ug/service-limits.html>).
const MAX_UPSTREAMS: usize = 10;
/// Tags per resource, the usual AWS limit; the model only bounds one request's list (200).
const MAX_TAGS: usize = 50;
/// Token lifetime when `duration` is absent: 12 hours, the documented maximum and default.
const DEFAULT_TOKEN_SECONDS: i64 = 43_200;
/// `duration=0` means "as long as the caller's session"; the emulator has no session, so it
/// uses STS's default session length.
const SESSION_TOKEN_SECONDS: i64 = 3_600;

/// The external connections the model's AssociateExternalConnection docs list, with the format
/// each serves.
pub const EXTERNAL_CONNECTIONS: &[(&str, PackageFormat)] = &[
    ("public:npmjs", PackageFormat::Npm),
    ("public:pypi", PackageFormat::Pypi),
    ("public:maven-central", PackageFormat::Maven),
    ("public:maven-googleandroid", PackageFormat::Maven),
    ("public:maven-gradleplugins", PackageFormat::Maven),
    ("public:maven-commonsware", PackageFormat::Maven),
    ("public:maven-clojars", PackageFormat::Maven),
    ("public:nuget-org", PackageFormat::Nuget),
    ("public:ruby-gems-org", PackageFormat::Ruby),
    ("public:crates-io", PackageFormat::Cargo),
];

/// ConflictException / ResourceNotFoundException / ServiceQuotaExceededException all carry
/// `resourceId` and a `resourceType` from the model's `ResourceType` enum.
pub fn with_type(mut error: ApiError, resource_type: &str) -> ApiError {
    error
        .members
        .insert("resourceType".into(), Value::String(resource_type.into()));
    error
}

pub fn conflict(message: impl Into<String>, id: impl Into<String>, kind: &str) -> ApiError {
    with_type(ApiError::conflict(message, id), kind)
}

/// `kind` is a `ResourceType` value, or `None` for package groups (the enum has none).
pub fn quota_exceeded(message: impl Into<String>, id: &str, kind: Option<&str>) -> ApiError {
    let mut members = Map::new();
    members.insert("resourceId".into(), Value::String(id.to_string()));
    if let Some(kind) = kind {
        members.insert("resourceType".into(), Value::String(kind.to_string()));
    }
    ApiError {
        status: 402,
        code: "ServiceQuotaExceededException",
        message: message.into(),
        members,
        retry_after: None,
    }
}

/// An optional string member of the JSON body.
pub fn body_string(body: &Map<String, Value>, key: &str) -> ApiResult<Option<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::validation(format!("{key} must be a string"))),
    }
}

fn required_body_string(body: &Map<String, Value>, key: &str) -> ApiResult<String> {
    body_string(body, key)?.ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value at '{key}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// `TagList` from the body: `[{key, value}, ...]`.
pub fn read_tags(body: &Map<String, Value>, key: &str) -> ApiResult<Vec<(String, String)>> {
    let items = match body.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ApiError::validation(format!(
                "{key} must be a list of tags"
            )))
        }
    };
    items
        .iter()
        .map(|tag| {
            match (
                tag.get("key").and_then(Value::as_str),
                tag.get("value").and_then(Value::as_str),
            ) {
                (Some(key), Some(value)) => Ok((key.to_string(), value.to_string())),
                _ => Err(ApiError::validation(format!(
                    "each entry of {key} needs a string key and a string value"
                ))),
            }
        })
        .collect()
}

/// Merges `added` into `existing`: a key already present gets the new value.
fn merge_tags(existing: &mut Vec<(String, String)>, added: Vec<(String, String)>) {
    for (key, value) in added {
        match existing.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => existing.push((key, value)),
        }
    }
}

fn check_tag_count(arn: &str, tags: &[(String, String)], kind: Option<&str>) -> ApiResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(quota_exceeded(
            format!("A resource can have at most {MAX_TAGS} tags"),
            arn,
            kind,
        ));
    }
    Ok(())
}

/// The account that owns what this inventory holds: its domains' owner, else the default.
pub fn inventory_account(inventory: &Inventory) -> String {
    inventory
        .domains
        .iter()
        .find_map(|entry| entry.domain.owner.clone())
        .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string())
}

fn find_domain(inventory: &Inventory, name: &str) -> Option<usize> {
    inventory
        .domains
        .iter()
        .position(|entry| entry.domain.name.as_deref() == Some(name))
}

pub fn create_domain(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let name = request.query.required("domain")?.to_string();
    let encryption_key = body_string(&request.body, "encryptionKey")?;
    let tags = read_tags(&request.body, "tags")?;
    let region = region(inventory);
    let account = inventory_account(inventory);
    let domain_arn = arn::domain(&region, &account, &name);
    check_deny(request, std::slice::from_ref(&domain_arn))?;
    check_tag_count(&domain_arn, &tags, Some("domain"))?;
    if find_domain(inventory, &name).is_some() {
        return Err(conflict(
            format!("Domain {name} already exists"),
            name,
            "domain",
        ));
    }
    let domain =
        DomainDescription {
            name: Some(name.clone()),
            owner: Some(account.clone()),
            arn: Some(domain_arn.clone()),
            status: Some(DomainStatus::Active),
            created_time: Some(request.now),
            // Without a key of its own a domain uses the AWS managed key of the service.
            encryption_key: Some(encryption_key.unwrap_or_else(|| {
                format!("arn:aws:kms:{region}:{account}:alias/aws/codeartifact")
            })),
            repository_count: Some(0),
            asset_size_bytes: Some(0),
            ..DomainDescription::default()
        };
    let entry = DomainEntry {
        domain,
        policy: None,
        package_groups: Vec::new(),
        repositories: Vec::new(),
    };
    let description = domain_description(&region, &entry);
    inventory.domains.push(entry);
    side.set_tags(&domain_arn, tags);
    Ok(json!({ "domain": description }))
}

pub fn delete_domain(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    check_deny(request, &[scope.domain_arn()])?;
    let index = scope.find(inventory)?;
    let entry = &inventory.domains[index];
    if !entry.repositories.is_empty() {
        return Err(conflict(
            format!(
                "Domain {} still has {} repositories; delete them first",
                scope.domain,
                entry.repositories.len()
            ),
            scope.domain.clone(),
            "domain",
        ));
    }
    let mut description = domain_description(&scope.region, entry);
    description.status = Some(DomainStatus::Deleted);
    inventory.domains.remove(index);
    Ok(json!({ "domain": description }))
}

/// `UpstreamRepositoryList` from the body, checked against the domain: every upstream exists,
/// none is the repository itself or listed twice, at most ten, and no cycle results.
fn read_upstreams(
    domain: &DomainEntry,
    repository: &str,
    body: &Map<String, Value>,
) -> ApiResult<Option<Vec<UpstreamRepositoryInfo>>> {
    let items = match body.get("upstreams") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::validation("upstreams must be a list")),
    };
    let mut names: Vec<String> = Vec::new();
    for item in items {
        let Some(name) = item.get("repositoryName").and_then(Value::as_str) else {
            return Err(ApiError::validation(
                "each upstream needs a repositoryName string",
            ));
        };
        if name == repository {
            return Err(ApiError::validation(format!(
                "Repository {repository} cannot be its own upstream"
            )));
        }
        if names.iter().any(|listed| listed == name) {
            return Err(ApiError::validation(format!(
                "Upstream {name} is listed more than once"
            )));
        }
        if !domain
            .repositories
            .iter()
            .any(|entry| entry.repository.name.as_deref() == Some(name))
        {
            return Err(with_type(
                ApiError::not_found(format!("Upstream repository not found: {name}"), name, None),
                "repository",
            ));
        }
        names.push(name.to_string());
    }
    if names.len() > MAX_UPSTREAMS {
        return Err(quota_exceeded(
            format!("A repository can have at most {MAX_UPSTREAMS} direct upstreams"),
            repository,
            Some("repository"),
        ));
    }
    // A cycle would make the upstream search order undefined; refuse it.
    for name in &names {
        if reaches(domain, name, repository) {
            return Err(ApiError::validation(format!(
                "Upstream {name} already reaches {repository} through its own upstreams; cycles are not allowed"
            )));
        }
    }
    Ok(Some(
        names
            .into_iter()
            .map(|name| UpstreamRepositoryInfo {
                repository_name: Some(name),
            })
            .collect(),
    ))
}

/// Whether `target` is reachable from `start` over stored upstream edges.
fn reaches(domain: &DomainEntry, start: &str, target: &str) -> bool {
    let mut stack = vec![start.to_string()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = stack.pop() {
        if name == target {
            return true;
        }
        if !seen.insert(name.clone()) {
            continue;
        }
        let upstreams = domain
            .repositories
            .iter()
            .find(|entry| entry.repository.name.as_deref() == Some(name.as_str()))
            .and_then(|entry| entry.repository.upstreams.as_ref());
        for upstream in upstreams.into_iter().flatten() {
            if let Some(next) = &upstream.repository_name {
                stack.push(next.clone());
            }
        }
    }
    false
}

pub fn create_repository(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let name = request.query.required("repository")?.to_string();
    let description = body_string(&request.body, "description")?;
    let tags = read_tags(&request.body, "tags")?;
    let repository_arn = scope.repository_arn(&name);
    check_deny(request, &[scope.domain_arn(), repository_arn.clone()])?;
    check_tag_count(&repository_arn, &tags, Some("repository"))?;
    let index = scope.find(inventory)?;
    let domain = &inventory.domains[index];
    if domain
        .repositories
        .iter()
        .any(|entry| entry.repository.name.as_deref() == Some(name.as_str()))
    {
        return Err(conflict(
            format!(
                "Repository {name} already exists in domain {}",
                scope.domain
            ),
            name,
            "repository",
        ));
    }
    let upstreams = read_upstreams(domain, &name, &request.body)?;
    let owner = domain
        .domain
        .owner
        .clone()
        .unwrap_or_else(|| scope.account.clone());
    let repository = RepositoryDescription {
        name: Some(name.clone()),
        administrator_account: Some(owner.clone()),
        domain_name: Some(scope.domain.clone()),
        domain_owner: Some(owner.clone()),
        arn: Some(arn::repository(&scope.region, &owner, &scope.domain, &name)),
        description,
        upstreams: Some(upstreams.unwrap_or_default()),
        external_connections: Some(Vec::new()),
        created_time: Some(request.now),
    };
    let domain = &mut inventory.domains[index];
    domain.repositories.push(RepositoryEntry {
        repository: repository.clone(),
        policy: None,
        packages: Vec::new(),
    });
    side.set_tags(&repository_arn, tags);
    Ok(json!({ "repository": repository_description(&scope, domain, &repository) }))
}

pub fn delete_repository(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let (domain_index, position) = locate_repository(inventory, request, &scope, None)?;
    let domain = &mut inventory.domains[domain_index];
    let name = domain.repositories[position]
        .repository
        .name
        .clone()
        .unwrap_or_default();
    // A dangling upstream edge would break every downstream's search order.
    let downstreams: Vec<String> = domain
        .repositories
        .iter()
        .filter(|entry| {
            entry
                .repository
                .upstreams
                .iter()
                .flatten()
                .any(|upstream| upstream.repository_name.as_deref() == Some(name.as_str()))
        })
        .filter_map(|entry| entry.repository.name.clone())
        .collect();
    if !downstreams.is_empty() {
        return Err(conflict(
            format!(
                "Repository {name} is an upstream of {}; remove it from their upstreams first",
                downstreams.join(", ")
            ),
            name,
            "repository",
        ));
    }
    let removed = domain.repositories.remove(position);
    // Allowed-repository lists of package groups name repositories; drop the deleted one.
    for group in &mut domain.package_groups {
        for names in group.allowed_repositories.values_mut() {
            names.retain(|listed| *listed != name);
        }
        group
            .allowed_repositories
            .retain(|_, names| !names.is_empty());
    }
    Ok(json!({ "repository": repository_description(&scope, domain, &removed.repository) }))
}

pub fn update_repository(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let description = body_string(&request.body, "description")?;
    let (domain_index, position) = locate_repository(inventory, request, &scope, None)?;
    let domain = &inventory.domains[domain_index];
    let name = domain.repositories[position]
        .repository
        .name
        .clone()
        .unwrap_or_default();
    let upstreams = read_upstreams(domain, &name, &request.body)?;
    let domain = &mut inventory.domains[domain_index];
    let repository = &mut domain.repositories[position].repository;
    if let Some(description) = description {
        repository.description = Some(description);
    }
    if let Some(upstreams) = upstreams {
        repository.upstreams = Some(upstreams);
    }
    let repository = repository.clone();
    Ok(json!({ "repository": repository_description(&scope, domain, &repository) }))
}

pub fn associate_external_connection(
    inventory: &mut Inventory,
    request: &Request,
) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let connection = request.query.required("external-connection")?.to_string();
    let Some((_, format)) = EXTERNAL_CONNECTIONS
        .iter()
        .find(|(name, _)| *name == connection)
    else {
        let known: Vec<&str> = EXTERNAL_CONNECTIONS.iter().map(|(name, _)| *name).collect();
        return Err(ApiError::validation(format!(
            "Unknown external connection '{connection}'; expected one of {}",
            known.join(", ")
        )));
    };
    let (domain_index, position) = locate_repository(inventory, request, &scope, None)?;
    let domain = &mut inventory.domains[domain_index];
    let repository = &mut domain.repositories[position].repository;
    let connections = repository.external_connections.get_or_insert_with(Vec::new);
    if let Some(existing) = connections.first() {
        // The model's docs: one external connection is allowed per repository.
        return Err(conflict(
            format!(
                "Repository {} already has the external connection {}; only one is allowed",
                repository.name.as_deref().unwrap_or_default(),
                existing
                    .external_connection_name
                    .as_deref()
                    .unwrap_or_default()
            ),
            repository.name.clone().unwrap_or_default(),
            "repository",
        ));
    }
    connections.push(ExternalConnectionInfo {
        external_connection_name: Some(connection),
        package_format: Some(format.clone()),
        status: Some(ExternalConnectionStatus::Available),
    });
    let repository = repository.clone();
    Ok(json!({ "repository": repository_description(&scope, domain, &repository) }))
}

pub fn disassociate_external_connection(
    inventory: &mut Inventory,
    request: &Request,
) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let connection = request.query.required("external-connection")?.to_string();
    let (domain_index, position) = locate_repository(inventory, request, &scope, None)?;
    let domain = &mut inventory.domains[domain_index];
    let repository = &mut domain.repositories[position].repository;
    let connections = repository.external_connections.get_or_insert_with(Vec::new);
    let Some(index) = connections
        .iter()
        .position(|info| info.external_connection_name.as_deref() == Some(connection.as_str()))
    else {
        return Err(with_type(
            ApiError::not_found(
                format!(
                    "Repository {} has no external connection {connection}",
                    repository.name.as_deref().unwrap_or_default()
                ),
                connection.clone(),
                None,
            ),
            "repository",
        ));
    };
    connections.remove(index);
    let repository = repository.clone();
    Ok(json!({ "repository": repository_description(&scope, domain, &repository) }))
}

/// ListRepositories: every repository of every domain this account's inventory holds.
/// Repositories whose ARN matches `--deny` are left out, as IAM would filter them.
pub fn list_all_repositories(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let prefix = request.query.optional("repository-prefix");
    let region = region(inventory);
    let mut items = Vec::new();
    for entry in &inventory.domains {
        let Some(name) = entry.domain.name.clone() else {
            continue;
        };
        let scope = Scope {
            region: region.clone(),
            account: entry
                .domain
                .owner
                .clone()
                .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string()),
            domain: name,
            owner: None,
        };
        for repository in &entry.repositories {
            let description = repository_description(&scope, entry, &repository.repository);
            let repository_name = description.name.as_deref().unwrap_or_default();
            if prefix.is_some_and(|prefix| !repository_name.starts_with(prefix)) {
                continue;
            }
            if check_deny(request, &[scope.repository_arn(repository_name)]).is_err() {
                continue;
            }
            items.push(only(
                to_value(&description),
                &[
                    "name",
                    "administratorAccount",
                    "domainName",
                    "domainOwner",
                    "arn",
                    "description",
                    "createdTime",
                ],
            ));
        }
    }
    paged(request, "repositories", items)
}

/// `policyDocument` must be a JSON object, as IAM policies are.
fn read_policy_document(body: &Map<String, Value>) -> ApiResult<String> {
    let document = required_body_string(body, "policyDocument")?;
    match serde_json::from_str::<Value>(&document) {
        Ok(Value::Object(_)) => Ok(document),
        _ => Err(ApiError::validation(
            "policyDocument must be a JSON policy document (an object)",
        )),
    }
}

/// Optimistic locking: a `policyRevision` that differs from the stored policy's is a conflict.
fn check_revision(
    current: Option<&ResourcePolicy>,
    wanted: Option<&str>,
    id: &str,
    kind: &str,
) -> ApiResult<()> {
    match (
        current.and_then(|policy| policy.revision.as_deref()),
        wanted,
    ) {
        (Some(current), Some(wanted)) if current != wanted => Err(conflict(
            format!("policyRevision {wanted} does not match the current revision {current}"),
            id,
            kind,
        )),
        _ => Ok(()),
    }
}

fn missing_policy(what: &str, arn: &str) -> ApiError {
    ApiError::not_found(format!("No resource policy is set on {what}"), arn, None)
}

pub fn put_domain_policy(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    // This operation alone carries domain and owner in the body.
    let domain = required_body_string(&request.body, "domain")?;
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("domain", &domain);
    if let Some(owner) = body_string(&request.body, "domainOwner")? {
        query.append_pair("domain-owner", &owner);
    }
    let scope = Scope::read(inventory, &Query::parse(Some(&query.finish())))?;
    let revision = body_string(&request.body, "policyRevision")?;
    let document = read_policy_document(&request.body)?;
    let domain_arn = scope.domain_arn();
    check_deny(request, std::slice::from_ref(&domain_arn))?;
    let index = scope.find(inventory)?;
    let entry = &mut inventory.domains[index];
    check_revision(
        entry.policy.as_ref(),
        revision.as_deref(),
        &scope.domain,
        "domain",
    )?;
    let resource = domain_description(&scope.region, entry)
        .arn
        .unwrap_or(domain_arn);
    let policy = ResourcePolicy {
        resource_arn: Some(resource.clone()),
        revision: Some(side.unique("policy", &resource)),
        document: Some(document),
    };
    entry.policy = Some(policy.clone());
    Ok(json!({ "policy": policy }))
}

pub fn delete_domain_policy(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let revision = request.query.optional("policy-revision");
    let domain_arn = scope.domain_arn();
    check_deny(request, std::slice::from_ref(&domain_arn))?;
    let index = scope.find(inventory)?;
    let entry = &mut inventory.domains[index];
    let resource = domain_description(&scope.region, entry)
        .arn
        .unwrap_or(domain_arn);
    let Some(current) = entry.policy.as_ref() else {
        return Err(missing_policy(
            &format!("domain {}", scope.domain),
            &resource,
        ));
    };
    check_revision(Some(current), revision, &scope.domain, "domain")?;
    let mut policy = entry.policy.take().unwrap_or_default();
    policy.resource_arn.get_or_insert(resource);
    Ok(json!({ "policy": policy }))
}

pub fn put_repository_policy(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let revision = body_string(&request.body, "policyRevision")?;
    let document = read_policy_document(&request.body)?;
    let (domain_index, position) = locate_repository(inventory, request, &scope, None)?;
    let domain = &inventory.domains[domain_index];
    let description =
        repository_description(&scope, domain, &domain.repositories[position].repository);
    let name = description.name.clone().unwrap_or_default();
    let resource = description.arn.clone().unwrap_or_default();
    let entry = &mut inventory.domains[domain_index].repositories[position];
    check_revision(
        entry.policy.as_ref(),
        revision.as_deref(),
        &name,
        "repository",
    )?;
    let policy = ResourcePolicy {
        resource_arn: Some(resource.clone()),
        revision: Some(side.unique("policy", &resource)),
        document: Some(document),
    };
    entry.policy = Some(policy.clone());
    Ok(json!({ "policy": policy }))
}

pub fn delete_repository_policy(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let revision = request.query.optional("policy-revision");
    let (domain_index, position) = locate_repository(inventory, request, &scope, None)?;
    let domain = &inventory.domains[domain_index];
    let description =
        repository_description(&scope, domain, &domain.repositories[position].repository);
    let name = description.name.clone().unwrap_or_default();
    let resource = description.arn.clone().unwrap_or_default();
    let entry = &mut inventory.domains[domain_index].repositories[position];
    let Some(current) = entry.policy.as_ref() else {
        return Err(missing_policy(&format!("repository {name}"), &resource));
    };
    check_revision(Some(current), revision, &name, "repository")?;
    let mut policy = entry.policy.take().unwrap_or_default();
    policy.resource_arn.get_or_insert(resource);
    Ok(json!({ "policy": policy }))
}

/// The taggable resources (domains, repositories, package groups) and their `ResourceType`
/// (package groups have none in the model's enum).
fn resource_kind(inventory: &Inventory, wanted: &str) -> Option<Option<&'static str>> {
    let region = region(inventory);
    for entry in &inventory.domains {
        let Some(name) = entry.domain.name.clone() else {
            continue;
        };
        let description = domain_description(&region, entry);
        if description.arn.as_deref() == Some(wanted) {
            return Some(Some("domain"));
        }
        let scope = Scope {
            region: region.clone(),
            account: description
                .owner
                .clone()
                .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string()),
            domain: name,
            owner: None,
        };
        for repository in &entry.repositories {
            if repository_description(&scope, entry, &repository.repository)
                .arn
                .as_deref()
                == Some(wanted)
            {
                return Some(Some("repository"));
            }
        }
        if groups::group_arns(&scope, entry)
            .iter()
            .any(|arn| arn == wanted)
        {
            return Some(None);
        }
    }
    None
}

/// The resource a tag operation addresses, after `--deny`; missing → ResourceNotFoundException.
fn tag_target(
    inventory: &Inventory,
    request: &Request,
) -> ApiResult<(String, Option<&'static str>)> {
    let resource = request.query.required("resourceArn")?.to_string();
    check_deny(request, std::slice::from_ref(&resource))?;
    match resource_kind(inventory, &resource) {
        Some(kind) => Ok((resource, kind)),
        None => Err(ApiError::not_found(
            format!("Resource not found: {resource}"),
            resource,
            None,
        )),
    }
}

pub fn tag_resource(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    if !matches!(request.body.get("tags"), Some(Value::Array(_))) {
        return Err(ApiError::validation(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must not be null",
        ));
    }
    let tags = read_tags(&request.body, "tags")?;
    let (resource, kind) = tag_target(inventory, request)?;
    let mut merged = side.tags.get(&resource).cloned().unwrap_or_default();
    merge_tags(&mut merged, tags);
    check_tag_count(&resource, &merged, kind)?;
    side.set_tags(&resource, merged);
    Ok(json!({}))
}

pub fn untag_resource(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let keys: Vec<String> = match request.body.get("tagKeys") {
        Some(Value::Array(keys)) => keys
            .iter()
            .map(|key| {
                key.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::validation("tagKeys must be a list of strings"))
            })
            .collect::<ApiResult<_>>()?,
        _ => {
            return Err(ApiError::validation(
                "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must not be null",
            ))
        }
    };
    let (resource, _) = tag_target(inventory, request)?;
    let mut remaining = side.tags.get(&resource).cloned().unwrap_or_default();
    remaining.retain(|(key, _)| !keys.contains(key));
    side.set_tags(&resource, remaining);
    Ok(json!({}))
}

pub fn list_tags(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let (resource, _) = tag_target(inventory, request)?;
    Ok(json!({ "tags": side.tag_list(&resource) }))
}

pub fn get_authorization_token(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let seconds = match request.query.optional("duration") {
        None => DEFAULT_TOKEN_SECONDS,
        Some(text) => match text.parse::<i64>() {
            Ok(0) => SESSION_TOKEN_SECONDS,
            Ok(value) if (900..=43_200).contains(&value) => value,
            _ => {
                return Err(ApiError::validation(format!(
                    "Value '{text}' at 'durationSeconds' failed to satisfy constraint: valid values are 0 and 900 to 43200"
                )))
            }
        },
    };
    let domain_arn = scope.domain_arn();
    check_deny(request, std::slice::from_ref(&domain_arn))?;
    scope.find(inventory)?;
    let token = format!("emulator-token-{}", side.unique("token", &domain_arn));
    let expiration = request.now + seconds as f64;
    side.tokens.insert(token.clone(), (domain_arn, expiration));
    Ok(json!({ "authorizationToken": token, "expiration": expiration }))
}

pub fn get_repository_endpoint(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let format = request
        .query
        .required_enum("format", &known_formats())?
        .to_string();
    let dualstack = request
        .query
        .optional_enum("endpointType", &["dualstack", "ipv4"])?
        == Some("dualstack");
    let (domain_index, position) = locate_repository(inventory, request, &scope, None)?;
    let domain = &inventory.domains[domain_index];
    let description =
        repository_description(&scope, domain, &domain.repositories[position].repository);
    let owner = description.domain_owner.unwrap_or_default();
    let name = description.name.unwrap_or_default();
    // The service's URL shape; the emulator itself serves no package-manager protocol there.
    let host = if dualstack { "on.aws" } else { "amazonaws.com" };
    Ok(json!({
        "repositoryEndpoint": format!(
            "https://{}-{owner}.d.codeartifact.{}.{host}/{format}/{name}/",
            scope.domain, scope.region
        )
    }))
}
