//! Package-group operations. Patterns, the tree, association and effective modes come from
//! `caguard::facts` so the emulator and the scanner cannot disagree; this module only shapes
//! them into API responses and applies writes.
//!
//! `parent`, `effectiveMode`, `inheritedFrom` and `repositoriesCount` are recomputed from the
//! current state for every response, never copied from the inventory.

use crate::error::{ApiError, ApiResult};
use crate::ops::{check_deny, group_modes, paged, restriction_types, Coordinates, Request, Scope};
use crate::side::Side;
use crate::writes::read_tags;
use caguard::facts::groups::{GroupTree, RESTRICTION_TYPES};
use caguard::facts::pattern::{GroupPattern, MatchStrength};
use caguard::inventory::{
    DomainEntry, GroupMode, Inventory, PackageGroupDescription, PackageGroupEntry,
    PackageGroupOriginConfiguration, PackageGroupOriginRestriction, PackageGroupReference,
    RestrictionType,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The user guide writes PyPI patterns with a `python` format token (`/python//requests`), the
/// API's format is `pypi`. The emulator treats both spellings as one group: a new group is
/// stored as `/pypi/...`, and a request in either spelling addresses the stored group, so two
/// groups can never match the same packages.
pub fn canonical(text: &str) -> String {
    match text.strip_prefix("/python/") {
        Some(rest) => format!("/pypi/{rest}"),
        None => text.to_string(),
    }
}

fn same_group(a: &str, b: &str) -> bool {
    a == b || canonical(a) == canonical(b)
}

/// The tree's own spelling of `pattern` (an inventory may store `/python/...`), else itself.
fn resolve(tree: &GroupTree, pattern: GroupPattern) -> GroupPattern {
    tree.patterns()
        .find(|candidate| same_group(candidate.as_str(), pattern.as_str()))
        .cloned()
        .unwrap_or(pattern)
}

/// A group pattern, checked against the documented grammar, in canonical spelling.
fn parse_pattern(text: &str, member: &str) -> ApiResult<GroupPattern> {
    GroupPattern::parse(&canonical(text)).map_err(|error| {
        ApiError::validation(format!(
            "Value '{text}' at '{member}' is not a valid package group pattern: {error}"
        ))
    })
}

/// A group pattern from the query, checked against the documented grammar.
fn read_pattern(request: &Request) -> ApiResult<GroupPattern> {
    let text = request.query.required("package-group")?;
    GroupPattern::parse(&canonical(text)).map_err(|error| {
        ApiError::validation(format!(
            "Value '{text}' at 'packageGroup' is not a valid package group pattern: {error}"
        ))
    })
}

/// The stored entry of a group, if the inventory has one (the root may be implicit).
fn stored_index(domain: &DomainEntry, pattern: &str) -> Option<usize> {
    domain.package_groups.iter().position(|entry| {
        entry
            .group
            .pattern
            .as_deref()
            .and_then(|text| GroupPattern::parse(text).ok())
            .is_some_and(|parsed| parsed.as_str() == pattern)
    })
}

fn exists(tree: &GroupTree, pattern: &str) -> bool {
    tree.patterns()
        .any(|candidate| same_group(candidate.as_str(), pattern))
}

/// The ARNs of every group of a domain, the implicit root included (tag targets).
pub fn group_arns(scope: &Scope, domain: &DomainEntry) -> Vec<String> {
    let tree = GroupTree::build(domain);
    tree.patterns()
        .filter_map(|pattern| reference(scope, domain, pattern.as_str()).arn)
        .collect()
}

fn group_not_found(scope: &Scope, pattern: &str) -> ApiError {
    ApiError::not_found(
        format!(
            "Package group not found: {pattern} in domain {}",
            scope.domain
        ),
        scope.group_arn(pattern),
        None,
    )
}

fn reference(scope: &Scope, domain: &DomainEntry, pattern: &str) -> PackageGroupReference {
    let stored_arn = stored_index(domain, pattern)
        .and_then(|index| domain.package_groups[index].group.arn.clone());
    PackageGroupReference {
        arn: Some(stored_arn.unwrap_or_else(|| scope.group_arn(pattern))),
        pattern: Some(pattern.to_string()),
    }
}

/// A group as DescribePackageGroup returns it, computed from the current state.
fn describe(
    scope: &Scope,
    domain: &DomainEntry,
    tree: &GroupTree,
    pattern: &str,
) -> PackageGroupDescription {
    let stored = stored_index(domain, pattern).map(|index| &domain.package_groups[index]);
    let mut group = match stored {
        Some(entry) => entry.group.clone(),
        // The implicit root: it has existed as long as the domain.
        None => PackageGroupDescription {
            pattern: Some(pattern.to_string()),
            created_time: domain.domain.created_time,
            ..PackageGroupDescription::default()
        },
    };
    group.arn.get_or_insert_with(|| scope.group_arn(pattern));
    group.domain_name.get_or_insert_with(|| {
        domain
            .domain
            .name
            .clone()
            .unwrap_or_else(|| scope.domain.clone())
    });
    group.domain_owner.get_or_insert_with(|| {
        domain
            .domain
            .owner
            .clone()
            .unwrap_or_else(|| scope.account.clone())
    });
    group.parent = tree
        .parent(pattern)
        .map(|parent| reference(scope, domain, parent));
    let restrictions = RESTRICTION_TYPES
        .iter()
        .map(|kind| {
            let effective = tree.effective(pattern, kind.clone());
            let listed = stored
                .and_then(|entry| entry.allowed_repositories.get(kind))
                .map_or(0, Vec::len);
            let restriction = PackageGroupOriginRestriction {
                mode: Some(
                    tree.own_mode(pattern, kind)
                        .cloned()
                        .unwrap_or(GroupMode::Inherit),
                ),
                effective_mode: effective.as_ref().map(|e| e.mode.clone()),
                inherited_from: effective
                    .and_then(|e| e.inherited_from)
                    .map(|from| reference(scope, domain, &from)),
                repositories_count: Some(listed as i64),
            };
            (kind.clone(), restriction)
        })
        .collect();
    group.origin_configuration = Some(PackageGroupOriginConfiguration {
        restrictions: Some(restrictions),
    });
    group
}

/// After a group write, stored groups get their computed members refreshed, so the state
/// dumped by `/__emulator/inventory` reads like a fresh collection of the changed domain.
fn refresh(scope: &Scope, domain: &mut DomainEntry) {
    let tree = GroupTree::build(domain);
    let fresh: Vec<Option<PackageGroupDescription>> = domain
        .package_groups
        .iter()
        .map(|entry| {
            let text = entry.group.pattern.as_deref()?;
            let parsed = GroupPattern::parse(text).ok()?;
            Some(describe(scope, domain, &tree, parsed.as_str()))
        })
        .collect();
    for (entry, fresh) in domain.package_groups.iter_mut().zip(fresh) {
        if let Some(fresh) = fresh {
            entry.group = fresh;
        }
    }
}

/// Domain, parsed pattern and tree of a group-level request, after `--deny` on the group ARN.
fn locate_group(
    inventory: &Inventory,
    request: &Request,
) -> ApiResult<(Scope, usize, GroupPattern, GroupTree)> {
    let scope = Scope::read(inventory, &request.query)?;
    let pattern = read_pattern(request)?;
    check_deny(request, &[scope.group_arn(pattern.as_str())])?;
    let domain = scope.find(inventory)?;
    let tree = GroupTree::build(&inventory.domains[domain]);
    if !exists(&tree, pattern.as_str()) {
        return Err(group_not_found(&scope, pattern.as_str()));
    }
    let pattern = resolve(&tree, pattern);
    Ok((scope, domain, pattern, tree))
}

pub fn list_package_groups(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let prefix = canonical(request.query.optional("prefix").unwrap_or(""));
    check_deny(request, &[scope.domain_arn()])?;
    let domain = &inventory.domains[scope.find(inventory)?];
    let tree = GroupTree::build(domain);
    let items = tree
        .patterns()
        .filter(|pattern| canonical(pattern.as_str()).starts_with(&prefix))
        .map(|pattern| json!(describe(&scope, domain, &tree, pattern.as_str())))
        .collect();
    paged(request, "packageGroups", items)
}

pub fn describe_package_group(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let (scope, domain, pattern, tree) = locate_group(inventory, request)?;
    let group = describe(&scope, &inventory.domains[domain], &tree, pattern.as_str());
    Ok(json!({ "packageGroup": group }))
}

fn association_type(strength: MatchStrength) -> &'static str {
    match strength {
        MatchStrength::Strong => "STRONG",
        MatchStrength::Weak => "WEAK",
    }
}

pub fn get_associated_package_group(
    inventory: &mut Inventory,
    request: &Request,
) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let coordinates = Coordinates::read(&request.query)?;
    // The package need not exist anywhere, so the domain is the resource addressed.
    check_deny(request, &[scope.domain_arn()])?;
    let domain = &inventory.domains[scope.find(inventory)?];
    let tree = GroupTree::build(domain);
    let association = tree.associate(
        &coordinates.format,
        coordinates.namespace.as_deref(),
        &coordinates.name,
    );
    let pattern = tree.association_pattern(association);
    Ok(json!({
        "packageGroup": describe(&scope, domain, &tree, pattern),
        "associationType": association_type(association.strength),
    }))
}

pub fn list_allowed_repositories(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let kind = RestrictionType::from(
        request
            .query
            .required_enum("originRestrictionType", &restriction_types())?,
    );
    let (_, domain, pattern, _) = locate_group(inventory, request)?;
    let domain = &inventory.domains[domain];
    let items = stored_index(domain, pattern.as_str())
        .and_then(|index| domain.package_groups[index].allowed_repositories.get(&kind))
        .map(|names| {
            names
                .iter()
                .map(|name| Value::String(name.clone()))
                .collect()
        })
        .unwrap_or_default();
    paged(request, "allowedRepositories", items)
}

pub fn list_sub_package_groups(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let (scope, domain, pattern, tree) = locate_group(inventory, request)?;
    let domain = &inventory.domains[domain];
    let items = tree
        .children(pattern.as_str())
        .into_iter()
        .map(|child| json!(describe(&scope, domain, &tree, child)))
        .collect();
    paged(request, "packageGroups", items)
}

pub fn list_associated_packages(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let pattern = read_pattern(request)?;
    let preview = match request.query.optional("preview") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "preview must be true or false, not '{other}'"
            )))
        }
    };
    check_deny(request, &[scope.group_arn(pattern.as_str())])?;
    let domain = &inventory.domains[scope.find(inventory)?];
    let mut tree = GroupTree::build(domain);
    let pattern = resolve(&tree, pattern);
    if !exists(&tree, pattern.as_str()) {
        if !preview {
            return Err(group_not_found(&scope, pattern.as_str()));
        }
        // A preview answers for the group as if it existed.
        let mut with_group = domain.clone();
        with_group.package_groups.push(PackageGroupEntry {
            group: PackageGroupDescription {
                pattern: Some(pattern.as_str().to_string()),
                ..PackageGroupDescription::default()
            },
            allowed_repositories: BTreeMap::new(),
        });
        tree = GroupTree::build(&with_group);
    }
    // A package is associated with one group domain-wide, whichever repositories hold it.
    let mut seen = BTreeSet::new();
    let mut items = Vec::new();
    for package in domain
        .repositories
        .iter()
        .flat_map(|repository| &repository.packages)
        .map(|entry| &entry.package)
    {
        let (Some(format), Some(name)) = (&package.format, &package.package) else {
            continue;
        };
        let namespace = package.namespace.as_deref().filter(|ns| !ns.is_empty());
        if !seen.insert((format.clone(), namespace.map(str::to_string), name.clone())) {
            continue;
        }
        let association = tree.associate(format, namespace, name);
        if tree.association_pattern(association) == pattern.as_str() {
            let mut item = Map::new();
            item.insert("format".into(), Value::String(format.to_string()));
            if let Some(namespace) = namespace {
                item.insert("namespace".into(), Value::String(namespace.to_string()));
            }
            item.insert("package".into(), Value::String(name.clone()));
            item.insert(
                "associationType".into(),
                Value::String(association_type(association.strength).into()),
            );
            items.push(Value::Object(item));
        }
    }
    paged(request, "packages", items)
}

fn optional_string(body: &Map<String, Value>, key: &str) -> ApiResult<Option<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.chars().count() <= 1000 => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::validation(format!(
            "{key} must be a string of at most 1000 characters"
        ))),
    }
}

pub fn create_package_group(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let text = match request.body.get("packageGroup") {
        Some(Value::String(text)) => text.clone(),
        _ => {
            return Err(ApiError::validation(
                "packageGroup is required and must be a string",
            ))
        }
    };
    let pattern = parse_pattern(&text, "packageGroup")?;
    let contact_info = optional_string(&request.body, "contactInfo")?;
    let description = optional_string(&request.body, "description")?;
    let tags = read_tags(&request.body, "tags")?;
    check_deny(request, &[scope.group_arn(pattern.as_str())])?;
    let index = scope.find(inventory)?;
    let domain = &mut inventory.domains[index];
    if exists(&GroupTree::build(domain), pattern.as_str()) {
        return Err(ApiError::conflict(
            format!(
                "Package group {} already exists in domain {}",
                pattern.as_str(),
                scope.domain
            ),
            scope.group_arn(pattern.as_str()),
        ));
    }
    // New groups start with every restriction INHERIT (believed, not documented; see README.md).
    let restrictions = RESTRICTION_TYPES
        .iter()
        .map(|kind| {
            let restriction = PackageGroupOriginRestriction {
                mode: Some(GroupMode::Inherit),
                ..PackageGroupOriginRestriction::default()
            };
            (kind.clone(), restriction)
        })
        .collect();
    domain.package_groups.push(PackageGroupEntry {
        group: PackageGroupDescription {
            arn: Some(scope.group_arn(pattern.as_str())),
            pattern: Some(pattern.as_str().to_string()),
            domain_name: domain.domain.name.clone(),
            domain_owner: Some(
                domain
                    .domain
                    .owner
                    .clone()
                    .unwrap_or_else(|| scope.account.clone()),
            ),
            created_time: Some(request.now),
            contact_info,
            description,
            origin_configuration: Some(PackageGroupOriginConfiguration {
                restrictions: Some(restrictions),
            }),
            parent: None,
        },
        allowed_repositories: BTreeMap::new(),
    });
    refresh(&scope, domain);
    side.set_tags(&scope.group_arn(pattern.as_str()), tags);
    let tree = GroupTree::build(domain);
    Ok(json!({ "packageGroup": describe(&scope, domain, &tree, pattern.as_str()) }))
}

/// UpdatePackageGroup changes only `contactInfo` and `description`, never the pattern or the
/// origin configuration (those have their own operations).
pub fn update_package_group(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let scope = Scope::read(inventory, &request.query)?;
    let text = match request.body.get("packageGroup") {
        Some(Value::String(text)) => text.clone(),
        _ => {
            return Err(ApiError::validation(
                "packageGroup is required and must be a string",
            ))
        }
    };
    let pattern = parse_pattern(&text, "packageGroup")?;
    let contact_info = optional_string(&request.body, "contactInfo")?;
    let description = optional_string(&request.body, "description")?;
    check_deny(request, &[scope.group_arn(pattern.as_str())])?;
    let index = scope.find(inventory)?;
    let domain = &mut inventory.domains[index];
    let tree = GroupTree::build(domain);
    if !exists(&tree, pattern.as_str()) {
        return Err(group_not_found(&scope, pattern.as_str()));
    }
    let pattern = resolve(&tree, pattern);
    let position = match stored_index(domain, pattern.as_str()) {
        Some(position) => position,
        None => {
            // The implicit root becomes explicit on its first change.
            let root = describe(&scope, domain, &tree, pattern.as_str());
            domain.package_groups.push(PackageGroupEntry {
                group: root,
                allowed_repositories: BTreeMap::new(),
            });
            domain.package_groups.len() - 1
        }
    };
    let group = &mut domain.package_groups[position].group;
    if let Some(contact_info) = contact_info {
        group.contact_info = Some(contact_info);
    }
    if let Some(description) = description {
        group.description = Some(description);
    }
    refresh(&scope, domain);
    let tree = GroupTree::build(domain);
    Ok(json!({ "packageGroup": describe(&scope, domain, &tree, pattern.as_str()) }))
}

pub fn delete_package_group(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let (scope, domain, pattern, tree) = locate_group(inventory, request)?;
    if pattern.as_str() == GroupPattern::root().as_str() {
        return Err(ApiError::validation(
            "The root package group /* cannot be deleted",
        ));
    }
    let domain = &mut inventory.domains[domain];
    let before = describe(&scope, domain, &tree, pattern.as_str());
    let Some(index) = stored_index(domain, pattern.as_str()) else {
        return Err(group_not_found(&scope, pattern.as_str()));
    };
    domain.package_groups.remove(index);
    // Children now hang off the deleted group's parent; their inherited values may change.
    refresh(&scope, domain);
    Ok(json!({ "packageGroup": before }))
}

/// One `PackageGroupAllowedRepository` of the update body.
fn allowed_repository(value: &Value) -> ApiResult<(String, RestrictionType)> {
    let name = value.get("repositoryName").and_then(Value::as_str);
    let kind = value.get("originRestrictionType").and_then(Value::as_str);
    match (name, kind) {
        (Some(name), Some(kind)) if restriction_types().contains(&kind) => Ok((name.to_string(), RestrictionType::from(kind))),
        _ => Err(ApiError::validation(
            "each allowed repository needs repositoryName and an originRestrictionType of PUBLISH, EXTERNAL_UPSTREAM or INTERNAL_UPSTREAM",
        )),
    }
}

fn allowed_list(body: &Map<String, Value>, key: &str) -> ApiResult<Vec<(String, RestrictionType)>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(allowed_repository).collect(),
        Some(_) => Err(ApiError::validation(format!("{key} must be a list"))),
    }
}

pub fn update_origin_configuration(
    inventory: &mut Inventory,
    request: &Request,
) -> ApiResult<Value> {
    // In the request the map values are bare mode strings (shape OriginRestrictions).
    let mut modes: Vec<(RestrictionType, GroupMode)> = Vec::new();
    match request.body.get("restrictions") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                let mode = value.as_str().filter(|mode| group_modes().contains(mode));
                match (restriction_types().contains(&key.as_str()), mode) {
                    (true, Some(mode)) => modes.push((RestrictionType::from(key.as_str()), GroupMode::from(mode))),
                    _ => {
                        return Err(ApiError::validation(format!(
                            "restrictions: '{key}' must be PUBLISH, EXTERNAL_UPSTREAM or INTERNAL_UPSTREAM with a mode of ALLOW, BLOCK, ALLOW_SPECIFIC_REPOSITORIES or INHERIT"
                        )))
                    }
                }
            }
        }
        Some(_) => return Err(ApiError::validation("restrictions must be a map")),
    }
    let added = allowed_list(&request.body, "addAllowedRepositories")?;
    let removed = allowed_list(&request.body, "removeAllowedRepositories")?;
    let (scope, domain_index, pattern, _) = locate_group(inventory, request)?;
    let is_root = pattern.as_str() == GroupPattern::root().as_str();
    if is_root && modes.iter().any(|(_, mode)| *mode == GroupMode::Inherit) {
        return Err(ApiError::validation(
            "The root package group /* has no parent to inherit from",
        ));
    }
    let domain = &mut inventory.domains[domain_index];
    for (name, _) in added.iter().chain(&removed) {
        if !domain
            .repositories
            .iter()
            .any(|r| r.repository.name.as_deref() == Some(name.as_str()))
        {
            return Err(ApiError::not_found(
                format!("Repository not found: {name} in domain {}", scope.domain),
                name.clone(),
                Some("repository"),
            ));
        }
    }
    let index = match stored_index(domain, pattern.as_str()) {
        Some(index) => index,
        None => {
            // The implicit root becomes explicit on its first change.
            let tree = GroupTree::build(domain);
            let root = describe(&scope, domain, &tree, pattern.as_str());
            domain.package_groups.push(PackageGroupEntry {
                group: root,
                allowed_repositories: BTreeMap::new(),
            });
            domain.package_groups.len() - 1
        }
    };
    let entry = &mut domain.package_groups[index];
    let restrictions = entry
        .group
        .origin_configuration
        .get_or_insert_with(PackageGroupOriginConfiguration::default)
        .restrictions
        .get_or_insert_with(BTreeMap::new);
    for (kind, mode) in modes {
        restrictions.entry(kind).or_default().mode = Some(mode);
    }
    let mut updates: BTreeMap<RestrictionType, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for (name, kind) in &added {
        let list = entry.allowed_repositories.entry(kind.clone()).or_default();
        if !list.contains(name) {
            list.push(name.clone());
        }
        updates
            .entry(kind.clone())
            .or_default()
            .entry("ADDED")
            .or_default()
            .push(name.clone());
    }
    for (name, kind) in &removed {
        if let Some(list) = entry.allowed_repositories.get_mut(kind) {
            list.retain(|listed| listed != name);
            if list.is_empty() {
                entry.allowed_repositories.remove(kind);
            }
        }
        updates
            .entry(kind.clone())
            .or_default()
            .entry("REMOVED")
            .or_default()
            .push(name.clone());
    }
    refresh(&scope, domain);
    let tree = GroupTree::build(domain);
    Ok(json!({
        "packageGroup": describe(&scope, domain, &tree, pattern.as_str()),
        "allowedRepositoryUpdates": updates,
    }))
}
