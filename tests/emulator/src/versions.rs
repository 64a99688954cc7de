//! Packages and package versions: delete, dispose, status, copy, publish (generic), assets,
//! readmes and dependencies. Versions are looked up after normalization (NuGet), assets and
//! the other per-version extras live in the side tables keyed by (package ARN, version).

use crate::error::{ApiError, ApiResult};
use crate::ops::{
    check_name, existing_package, find_version, locate_named_repository, locate_package,
    normalize_version, package_not_found, page_response, to_value, Coordinates, Reply, Request,
    Scope,
};
use crate::side::{sha256_hex, Asset, Side, VersionKey};
use crate::writes::{conflict, with_type};
use caguard::facts::groups::GroupTree;
use caguard::inventory::{
    AllowMode, DomainEntryPoint, Inventory, OriginType, PackageEntry, PackageFormat,
    PackageOriginConfiguration, PackageOriginRestrictions, PackageSummary, PackageVersionOrigin,
    PackageVersionStatus, PackageVersionSummary, RestrictionType,
};
use serde_json::{json, Map, Value};

fn statuses() -> Vec<&'static str> {
    PackageVersionStatus::KNOWN
        .iter()
        .map(PackageVersionStatus::as_str)
        .collect()
}

fn version_key(
    scope: &Scope,
    repository: &str,
    coordinates: &Coordinates,
    version: &str,
) -> VersionKey {
    (
        scope.package_arn(repository, coordinates),
        normalize_version(&coordinates.format, version),
    )
}

fn version_not_found(coordinates: &Coordinates, version: &str) -> ApiError {
    ApiError::not_found(
        format!("Package version not found: {} {version}", coordinates.name),
        version,
        Some("package-version"),
    )
}

/// `PackageVersionList`: the body's `versions`, each a valid `PackageVersion`.
fn read_versions(body: &Map<String, Value>, required: bool) -> ApiResult<Option<Vec<String>>> {
    match body.get("versions") {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item.as_str() {
                Some(version) => check_name("versions", version).map(str::to_string),
                None => Err(ApiError::validation("versions must be a list of strings")),
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some),
        None | Some(Value::Null) => Err(ApiError::validation(
            "1 validation error detected: Value at 'versions' failed to satisfy constraint: Member must not be null",
        )),
        Some(_) => Err(ApiError::validation("versions must be a list of strings")),
    }
}

/// `PackageVersionRevisionMap`: version → expected revision.
fn read_revisions(body: &Map<String, Value>) -> ApiResult<Option<Vec<(String, String)>>> {
    match body.get("versionRevisions") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(version, revision)| match revision.as_str() {
                Some(revision) => Ok((version.clone(), revision.to_string())),
                None => Err(ApiError::validation(
                    "versionRevisions must map versions to revision strings",
                )),
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(ApiError::validation("versionRevisions must be a map")),
    }
}

fn read_status(body: &Map<String, Value>, key: &str) -> ApiResult<Option<PackageVersionStatus>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if statuses().contains(&text.as_str()) => {
            Ok(Some(PackageVersionStatus::from(text.as_str())))
        }
        Some(_) => Err(ApiError::validation(format!(
            "Value at '{key}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            statuses().join(", ")
        ))),
    }
}

/// One version's outcome in a batch operation's `successfulVersions` / `failedVersions`.
#[derive(Default)]
struct Outcome {
    successful: Map<String, Value>,
    failed: Map<String, Value>,
}

impl Outcome {
    fn ok(&mut self, version: &str, summary: &PackageVersionSummary) {
        let mut info = Map::new();
        if let Some(revision) = &summary.revision {
            info.insert("revision".into(), Value::String(revision.clone()));
        }
        info.insert("status".into(), Value::String(summary.status.to_string()));
        self.successful
            .insert(version.to_string(), Value::Object(info));
    }

    fn fail(&mut self, version: &str, code: &str, message: String) {
        self.failed.insert(
            version.to_string(),
            json!({ "errorCode": code, "errorMessage": message }),
        );
    }

    fn body(self) -> Value {
        json!({ "successfulVersions": self.successful, "failedVersions": self.failed })
    }
}

/// The versions a batch names, with the revision each must have: `versions` and
/// `versionRevisions` together (a version in both must match its revision).
fn batch(
    body: &Map<String, Value>,
    versions_required: bool,
) -> ApiResult<Vec<(String, Option<String>)>> {
    let versions = read_versions(body, versions_required)?.unwrap_or_default();
    let revisions = read_revisions(body)?.unwrap_or_default();
    let mut items: Vec<(String, Option<String>)> = versions
        .into_iter()
        .map(|version| (version, None))
        .collect();
    for (version, revision) in revisions {
        match items.iter_mut().find(|(listed, _)| *listed == version) {
            Some(slot) => slot.1 = Some(revision),
            None => items.push((version, Some(revision))),
        }
    }
    Ok(items)
}

/// Checks one requested version against the stored one; `Err` is (errorCode, message).
fn precheck(
    entry: &PackageEntry,
    format: &PackageFormat,
    version: &str,
    revision: Option<&str>,
    expected: Option<&PackageVersionStatus>,
) -> Result<usize, (&'static str, String)> {
    let index = find_version(entry, format, version)
        .ok_or_else(|| ("NOT_FOUND", format!("Version {version} not found")))?;
    let stored = &entry.versions[index];
    if let Some(revision) = revision {
        if stored.revision.as_deref() != Some(revision) {
            return Err((
                "MISMATCHED_REVISION",
                format!("Version {version} has a different revision"),
            ));
        }
    }
    if let Some(expected) = expected {
        if stored.status != *expected {
            return Err((
                "MISMATCHED_STATUS",
                format!("Version {version} is {}, not {expected}", stored.status),
            ));
        }
    }
    Ok(index)
}

pub fn delete_package(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let (scope, coordinates, domain, repository, package) = locate_package(inventory, request)?;
    let Some(package) = package else {
        return Err(package_not_found(&coordinates));
    };
    let name = request.query.required("repository")?;
    let removed = inventory.domains[domain].repositories[repository]
        .packages
        .remove(package);
    side.forget_package(&scope.package_arn(name, &coordinates));
    Ok(json!({ "deletedPackage": removed.package }))
}

pub fn delete_package_versions(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let items = batch(&request.body, true)?;
    let expected = read_status(&request.body, "expectedStatus")?;
    let (scope, coordinates, domain, repository, package) = locate_package(inventory, request)?;
    let package = package.ok_or_else(|| package_not_found(&coordinates))?;
    let name = request.query.required("repository")?;
    let entry = &mut inventory.domains[domain].repositories[repository].packages[package];
    let mut outcome = Outcome::default();
    for (version, revision) in items {
        match precheck(
            entry,
            &coordinates.format,
            &version,
            revision.as_deref(),
            expected.as_ref(),
        ) {
            Ok(index) => {
                let mut removed = entry.versions.remove(index);
                side.forget_version(&version_key(&scope, name, &coordinates, &version));
                removed.status = PackageVersionStatus::Deleted;
                outcome.ok(&version, &removed);
            }
            Err((code, message)) => outcome.fail(&version, code, message),
        }
    }
    Ok(outcome.body())
}

pub fn dispose_package_versions(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let items = batch(&request.body, true)?;
    let expected = read_status(&request.body, "expectedStatus")?;
    let (scope, coordinates, domain, repository, package) = locate_package(inventory, request)?;
    let package = package.ok_or_else(|| package_not_found(&coordinates))?;
    let name = request.query.required("repository")?;
    let entry = &mut inventory.domains[domain].repositories[repository].packages[package];
    let mut outcome = Outcome::default();
    for (version, revision) in items {
        match precheck(
            entry,
            &coordinates.format,
            &version,
            revision.as_deref(),
            expected.as_ref(),
        ) {
            Ok(index) => {
                // The assets go; the version stays, Disposed, for ever.
                side.forget_version(&version_key(&scope, name, &coordinates, &version));
                let stored = &mut entry.versions[index];
                stored.status = PackageVersionStatus::Disposed;
                outcome.ok(&version, stored);
            }
            Err((code, message)) => outcome.fail(&version, code, message),
        }
    }
    Ok(outcome.body())
}

/// UpdatePackageVersionsStatus: the target may be Archived, Published or Unlisted (model
/// docs); a Disposed or Deleted version has no assets left and cannot change (`NOT_ALLOWED`).
pub fn update_status(inventory: &mut Inventory, request: &Request) -> ApiResult<Value> {
    let items = batch(&request.body, true)?;
    let expected = read_status(&request.body, "expectedStatus")?;
    let target = read_status(&request.body, "targetStatus")?.ok_or_else(|| {
        ApiError::validation(
            "1 validation error detected: Value at 'targetStatus' failed to satisfy constraint: Member must not be null",
        )
    })?;
    if !matches!(
        target,
        PackageVersionStatus::Archived
            | PackageVersionStatus::Published
            | PackageVersionStatus::Unlisted
    ) {
        return Err(ApiError::validation(format!(
            "targetStatus {target} is not allowed: UpdatePackageVersionsStatus sets Archived, Published or Unlisted (use DisposePackageVersions to dispose)"
        )));
    }
    let (_, coordinates, domain, repository, package) = locate_package(inventory, request)?;
    let package = package.ok_or_else(|| package_not_found(&coordinates))?;
    let entry = &mut inventory.domains[domain].repositories[repository].packages[package];
    let mut outcome = Outcome::default();
    for (version, revision) in items {
        match precheck(
            entry,
            &coordinates.format,
            &version,
            revision.as_deref(),
            expected.as_ref(),
        ) {
            Ok(index) => {
                let stored = &mut entry.versions[index];
                if matches!(
                    stored.status,
                    PackageVersionStatus::Disposed | PackageVersionStatus::Deleted
                ) {
                    outcome.fail(
                        &version,
                        "NOT_ALLOWED",
                        format!(
                            "Version {version} is {} and cannot change status",
                            stored.status
                        ),
                    );
                } else {
                    stored.status = target.clone();
                    outcome.ok(&version, stored);
                }
            }
            Err((code, message)) => outcome.fail(&version, code, message),
        }
    }
    Ok(outcome.body())
}

fn read_bool(body: &Map<String, Value>, key: &str) -> ApiResult<bool> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(value)) => Ok(*value),
        Some(_) => Err(ApiError::validation(format!("{key} must be a boolean"))),
    }
}

/// CopyPackageVersions between two repositories of one domain. Copies keep the version's
/// origin, status and revision; a package new to the destination gets the source package's
/// origin configuration. `includeFromUpstream` is accepted but only versions stored in the
/// source repository are copied.
pub fn copy_package_versions(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let has_versions = !matches!(request.body.get("versions"), None | Some(Value::Null));
    let has_revisions = !matches!(
        request.body.get("versionRevisions"),
        None | Some(Value::Null)
    );
    if has_versions == has_revisions {
        return Err(ApiError::validation(
            "You must specify versions or versionRevisions, not both",
        ));
    }
    let items = batch(&request.body, false)?;
    let allow_overwrite = read_bool(&request.body, "allowOverwrite")?;
    read_bool(&request.body, "includeFromUpstream")?;
    let scope = Scope::read(inventory, &request.query)?;
    let coordinates = Coordinates::read(&request.query)?;
    let source_name = request.query.required("source-repository")?.to_string();
    let destination_name = request
        .query
        .required("destination-repository")?
        .to_string();
    if source_name == destination_name {
        return Err(ApiError::validation(
            "sourceRepository and destinationRepository must differ",
        ));
    }
    let (domain, source) =
        locate_named_repository(inventory, request, &scope, &source_name, Some(&coordinates))?;
    let (_, destination) = locate_named_repository(
        inventory,
        request,
        &scope,
        &destination_name,
        Some(&coordinates),
    )?;
    let repositories = &inventory.domains[domain].repositories;
    let Some(source_entry) = repositories[source]
        .packages
        .iter()
        .find(|entry| coordinates.matches(&entry.package))
        .cloned()
    else {
        return Err(package_not_found(&coordinates));
    };
    let packages = &mut inventory.domains[domain].repositories[destination].packages;
    let target = match packages
        .iter()
        .position(|entry| coordinates.matches(&entry.package))
    {
        Some(position) => position,
        None => {
            packages.push(PackageEntry {
                package: source_entry.package.clone(),
                versions: Vec::new(),
            });
            packages.len() - 1
        }
    };
    let target = &mut packages[target];
    let mut outcome = Outcome::default();
    for (version, revision) in items {
        let index = match precheck(
            &source_entry,
            &coordinates.format,
            &version,
            revision.as_deref(),
            None,
        ) {
            Ok(index) => index,
            Err((code, message)) => {
                outcome.fail(&version, code, message);
                continue;
            }
        };
        let copied = source_entry.versions[index].clone();
        match find_version(target, &coordinates.format, &version) {
            Some(_) if !allow_overwrite => {
                outcome.fail(
                    &version,
                    "ALREADY_EXISTS",
                    format!("Version {version} already exists in {destination_name}"),
                );
                continue;
            }
            Some(existing) => target.versions[existing] = copied.clone(),
            None => target.versions.push(copied.clone()),
        }
        let from = version_key(&scope, &source_name, &coordinates, &version);
        let to = version_key(&scope, &destination_name, &coordinates, &version);
        side.forget_version(&to);
        if let Some(assets) = side.assets.get(&from).cloned() {
            side.assets.insert(to.clone(), assets);
        }
        if let Some(readme) = side.readmes.get(&from).cloned() {
            side.readmes.insert(to.clone(), readme);
        }
        if let Some(dependencies) = side.dependencies.get(&from).cloned() {
            side.dependencies.insert(to, dependencies);
        }
        outcome.ok(&version, &copied);
    }
    Ok(outcome.body())
}

fn query_bool(request: &Request, key: &str) -> ApiResult<bool> {
    match request.query.optional(key) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::validation(format!(
            "{key} must be true or false, not '{other}'"
        ))),
    }
}

/// PublishPackageVersion, generic format only (model docs). The body is the asset; its
/// SHA-256 must equal `x-amz-content-sha256`. A new version is Published unless `unfinished`;
/// an Unfinished version takes further assets; any other existing version is a conflict.
/// The package's own `publish` control and its package group's PUBLISH restriction are
/// enforced (AccessDeniedException).
pub fn publish_package_version(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let version = check_name("packageVersion", request.query.required("version")?)?.to_string();
    let asset_name = request.query.required("asset")?.to_string();
    let unfinished = query_bool(request, "unfinished")?;
    let expected = request.sha256.as_deref().ok_or_else(|| {
        ApiError::validation(
            "1 validation error detected: Value at 'assetSHA256' failed to satisfy constraint: Member must not be null",
        )
    })?;
    let actual = sha256_hex(&request.payload);
    if !expected.eq_ignore_ascii_case(&actual) {
        return Err(ApiError::validation(format!(
            "assetSHA256 {expected} does not match the SHA-256 of the asset content ({actual})"
        )));
    }
    let (scope, coordinates, domain, repository, package) = locate_package(inventory, request)?;
    if coordinates.format != PackageFormat::Generic {
        return Err(ApiError::validation(format!(
            "Only generic packages can be published using this API, not {}",
            coordinates.format
        )));
    }
    if coordinates.namespace.is_none() {
        return Err(ApiError::validation(
            "namespace is required for generic packages",
        ));
    }
    let repository_name = request.query.required("repository")?.to_string();
    let key = version_key(&scope, &repository_name, &coordinates, &version);
    let domain_entry = &inventory.domains[domain];
    let tree = GroupTree::build(domain_entry);
    let verdict = tree.verdict(
        tree.associate(
            &coordinates.format,
            coordinates.namespace.as_deref(),
            &coordinates.name,
        ),
        RestrictionType::Publish,
        &repository_name,
    );
    if !verdict.allowed {
        return Err(ApiError::access_denied(format!(
            "Publishing {} into {repository_name} is blocked: {}",
            coordinates.name,
            verdict.describe()
        )));
    }
    let packages = &mut inventory.domains[domain].repositories[repository].packages;
    let position = match package {
        Some(position) => {
            let blocked = packages[position]
                .package
                .origin_configuration
                .as_ref()
                .and_then(|configuration| configuration.restrictions.as_ref())
                .is_some_and(|restrictions| restrictions.publish == AllowMode::Block);
            if blocked {
                return Err(ApiError::access_denied(format!(
                    "Publishing {} into {repository_name} is blocked by the package's origin configuration (publish=BLOCK)",
                    coordinates.name
                )));
            }
            position
        }
        None => {
            // The documented default for a package whose first version is published directly.
            packages.push(PackageEntry {
                package: PackageSummary {
                    format: Some(coordinates.format.clone()),
                    namespace: coordinates.namespace.clone(),
                    package: Some(coordinates.name.clone()),
                    origin_configuration: Some(PackageOriginConfiguration {
                        restrictions: Some(PackageOriginRestrictions {
                            publish: AllowMode::Allow,
                            upstream: AllowMode::Block,
                        }),
                    }),
                },
                versions: Vec::new(),
            });
            packages.len() - 1
        }
    };
    let entry = &mut packages[position];
    let asset = Asset {
        name: asset_name.clone(),
        content: request.payload.to_vec(),
    };
    let index = match find_version(entry, &coordinates.format, &version) {
        Some(index) => {
            let stored = &entry.versions[index];
            if stored.status != PackageVersionStatus::Unfinished {
                return Err(conflict(
                    format!(
                        "Version {version} of {} already exists ({})",
                        coordinates.name, stored.status
                    ),
                    version.clone(),
                    "package-version",
                ));
            }
            if side
                .assets
                .get(&key)
                .is_some_and(|assets| assets.iter().any(|a| a.name == asset_name))
            {
                return Err(conflict(
                    format!("Asset {asset_name} already exists in version {version}"),
                    asset_name.clone(),
                    "asset",
                ));
            }
            index
        }
        None => {
            side.forget_version(&key);
            entry.versions.push(PackageVersionSummary {
                version: version.clone(),
                revision: None,
                status: PackageVersionStatus::Unfinished,
                origin: Some(PackageVersionOrigin {
                    domain_entry_point: Some(DomainEntryPoint {
                        repository_name: Some(repository_name.clone()),
                        external_connection_name: None,
                    }),
                    origin_type: Some(OriginType::Internal),
                }),
            });
            entry.versions.len() - 1
        }
    };
    let summary = asset.summary();
    side.assets.entry(key.clone()).or_default().push(asset);
    let stored = &mut entry.versions[index];
    // Every added asset makes a new revision of the version.
    stored.revision = Some(side.unique("revision", &format!("{}/{}", key.0, key.1)));
    if !unfinished {
        stored.status = PackageVersionStatus::Published;
    }
    let mut body = coordinates_body(&entry.package, &stored.version, stored.revision.as_deref());
    body.insert("status".into(), Value::String(stored.status.to_string()));
    body.insert("asset".into(), summary);
    Ok(Value::Object(body))
}

/// `format`, `namespace`, `package`, `version`, `versionRevision`: the members the per-version
/// outputs share.
fn coordinates_body(
    package: &PackageSummary,
    version: &str,
    revision: Option<&str>,
) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("format".into(), to_value(&package.format));
    if let Some(namespace) = package.namespace.as_ref().filter(|ns| !ns.is_empty()) {
        body.insert("namespace".into(), Value::String(namespace.clone()));
    }
    body.insert("package".into(), to_value(&package.package));
    body.insert("version".into(), Value::String(version.to_string()));
    if let Some(revision) = revision {
        body.insert(
            "versionRevision".into(),
            Value::String(revision.to_string()),
        );
    }
    body
}

/// The stored version a per-version read addresses, with its side-table key.
fn existing_version(
    inventory: &Inventory,
    request: &Request,
) -> ApiResult<(PackageSummary, PackageVersionSummary, VersionKey)> {
    let wanted = check_name("packageVersion", request.query.required("version")?)?.to_string();
    let scope = Scope::read(inventory, &request.query)?;
    let (coordinates, entry) = existing_package(inventory, request)?;
    let index = find_version(entry, &coordinates.format, &wanted)
        .ok_or_else(|| version_not_found(&coordinates, &wanted))?;
    let repository = request.query.required("repository")?;
    let version = entry.versions[index].clone();
    let key = version_key(&scope, repository, &coordinates, &version.version);
    Ok((entry.package.clone(), version, key))
}

pub fn list_assets(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let (package, version, key) = existing_version(inventory, request)?;
    let assets: Vec<Value> = side
        .assets
        .get(&key)
        .map(|assets| assets.iter().map(Asset::summary).collect())
        .unwrap_or_default();
    let (page, next) = request.query.page_request()?.page(
        request.operation.name(),
        assets,
        request.default_page_size,
    )?;
    let mut body = match page_response("assets", page, next) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    body.extend(coordinates_body(
        &package,
        &version.version,
        version.revision.as_deref(),
    ));
    Ok(Value::Object(body))
}

/// GetPackageVersionAsset: the bytes, with `X-AssetName`, `X-PackageVersion` and
/// `X-PackageVersionRevision`. Archived and Disposed versions are not downloadable
/// (ConflictException, which the operation declares).
pub fn get_asset(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Reply> {
    let asset_name = request.query.required("asset")?.to_string();
    let (_, version, key) = existing_version(inventory, request)?;
    if let Some(revision) = request.query.optional("revision") {
        if version.revision.as_deref() != Some(revision) {
            return Err(with_type(
                ApiError::not_found(
                    format!("Version {} has no revision {revision}", version.version),
                    revision,
                    None,
                ),
                "package-version",
            ));
        }
    }
    if matches!(
        version.status,
        PackageVersionStatus::Archived | PackageVersionStatus::Disposed
    ) {
        return Err(conflict(
            format!(
                "Version {} is {}; its assets cannot be downloaded",
                version.version, version.status
            ),
            version.version.clone(),
            "package-version",
        ));
    }
    let asset = side
        .assets
        .get(&key)
        .and_then(|assets| assets.iter().find(|asset| asset.name == asset_name))
        .ok_or_else(|| {
            ApiError::not_found(
                format!(
                    "Asset {asset_name} not found in version {}",
                    version.version
                ),
                asset_name.clone(),
                Some("asset"),
            )
        })?;
    let revision = version.revision.clone().unwrap_or_default();
    let mut headers = vec![
        ("x-assetname", asset.name.clone()),
        ("x-packageversion", version.version.clone()),
    ];
    let mut record = Map::new();
    record.insert("assetName".into(), Value::String(asset.name.clone()));
    record.insert(
        "packageVersion".into(),
        Value::String(version.version.clone()),
    );
    if !revision.is_empty() {
        headers.push(("x-packageversionrevision", revision.clone()));
        record.insert("packageVersionRevision".into(), Value::String(revision));
    }
    Ok(Reply::Blob {
        bytes: asset.content.clone(),
        headers,
        record: Value::Object(record),
    })
}

/// The emulator does not parse assets, so a readme exists only where a test seeded one; the
/// response then has no `readme` member.
pub fn get_readme(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let (package, version, key) = existing_version(inventory, request)?;
    let mut body = coordinates_body(&package, &version.version, version.revision.as_deref());
    if let Some(readme) = side.readmes.get(&key) {
        body.insert("readme".into(), Value::String(readme.clone()));
    }
    Ok(Value::Object(body))
}

pub fn list_dependencies(
    inventory: &mut Inventory,
    side: &mut Side,
    request: &Request,
) -> ApiResult<Value> {
    let (package, version, key) = existing_version(inventory, request)?;
    let dependencies = side.dependencies.get(&key).cloned().unwrap_or_default();
    // The operation has `nextToken` but no `maxResults`: pages use the default size.
    let (page, next) = request.query.page_request()?.page(
        request.operation.name(),
        dependencies,
        request.default_page_size,
    )?;
    let mut body = match page_response("dependencies", page, next) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    body.extend(coordinates_body(
        &package,
        &version.version,
        version.revision.as_deref(),
    ));
    Ok(Value::Object(body))
}
