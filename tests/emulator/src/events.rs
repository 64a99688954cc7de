//! EventBridge events, as CodeArtifact sends them, for every change of a package version.
//!
//! CodeArtifact emits `CodeArtifact Package Version State Change` (source `aws.codeartifact`)
//! when a version is published, ingested from an external connection, retained in a
//! downstream repository after an upstream fetch, copied, deleted, or changes status
//! (<https://docs.aws.amazon.com/codeartifact/latest/ug/service-event-format-example.html>).
//! The emulator derives its events from the state itself: the versions of the addressed
//! account before and after each successful write, so every write path emits without knowing
//! about events. One event per version that appeared (`Created`), changed status or revision
//! (`Updated`) or disappeared (`Deleted`, with the state it had).
//!
//! `changes` is approximated from the state (the emulator does not count assets per event):
//! a created version or a new revision counts one asset added, a deletion one removed.
//!
//! [`ingest`] is a client's fetch of a public version through a repository: the version is
//! ingested (origin EXTERNAL, entry point the external connection) in the repository of the
//! requested repository's upstream closure that holds a connection for the format, and
//! retained in the requested repository; or refused, changing nothing, when an origin control
//! blocks it. As the user guide says, repositories between the two keep no copy
//! (<https://docs.aws.amazon.com/codeartifact/latest/ug/repo-upstream-behavior.html>).

use caguard::facts::groups::GroupTree;
use caguard::facts::upstream::UpstreamGraph;
use caguard::inventory::{
    AllowMode, DomainEntryPoint, Inventory, OriginType, PackageEntry, PackageFormat,
    PackageOriginConfiguration, PackageOriginRestrictions, PackageSummary, PackageVersionOrigin,
    PackageVersionStatus, PackageVersionSummary, RestrictionType,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;

pub const DETAIL_TYPE: &str = "CodeArtifact Package Version State Change";

/// A version's identity across the whole state.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionId {
    pub owner: String,
    pub domain: String,
    pub repository: String,
    pub format: String,
    pub namespace: Option<String>,
    pub package: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VersionState {
    status: String,
    revision: Option<String>,
    administrator: Option<String>,
}

pub type Snapshot = BTreeMap<VersionId, VersionState>;

/// (owner, domain, repository, format, namespace, package): what a sequence number counts per.
type PackageId = (String, String, String, String, Option<String>, String);

/// Every version of every domain in `inventory`.
pub fn snapshot(inventory: &Inventory) -> Snapshot {
    let mut versions = Snapshot::new();
    for domain in &inventory.domains {
        let (Some(name), owner) = (domain.domain.name.clone(), domain.domain.owner.clone()) else {
            continue;
        };
        let owner = owner.unwrap_or_else(|| crate::writes::inventory_account(inventory));
        for repository in &domain.repositories {
            let Some(repository_name) = repository.repository.name.clone() else {
                continue;
            };
            for package in &repository.packages {
                let (Some(format), Some(package_name)) =
                    (&package.package.format, &package.package.package)
                else {
                    continue;
                };
                for version in &package.versions {
                    versions.insert(
                        VersionId {
                            owner: owner.clone(),
                            domain: name.clone(),
                            repository: repository_name.clone(),
                            format: format.as_str().to_string(),
                            namespace: package.package.namespace.clone(),
                            package: package_name.clone(),
                            version: version.version.clone(),
                        },
                        VersionState {
                            status: version.status.to_string(),
                            revision: version.revision.clone(),
                            administrator: repository.repository.administrator_account.clone(),
                        },
                    );
                }
            }
        }
    }
    versions
}

/// Where events go, and the per-package sequence numbers.
pub struct Events {
    log: Mutex<Vec<Value>>,
    sequences: Mutex<BTreeMap<PackageId, u64>>,
    counter: Mutex<u64>,
    file: Option<PathBuf>,
    url: Option<String>,
}

impl Events {
    pub fn new(file: Option<PathBuf>, url: Option<String>) -> Events {
        Events {
            log: Mutex::new(Vec::new()),
            sequences: Mutex::new(BTreeMap::new()),
            counter: Mutex::new(0),
            file,
            url,
        }
    }

    /// Every event emitted so far, in order.
    pub fn all(&self) -> Vec<Value> {
        crate::lock(&self.log).clone()
    }

    /// Emits one event per difference between `before` and `after`; returns them.
    pub fn emit(&self, region: &str, before: &Snapshot, after: &Snapshot, now: f64) -> Vec<Value> {
        let mut emitted = Vec::new();
        for (id, state) in after {
            match before.get(id) {
                None => emitted.push(self.event(region, id, state, "Created", now, true, false)),
                Some(old) if old != state => {
                    let status_changed = old.status != state.status;
                    emitted.push(self.event(
                        region,
                        id,
                        state,
                        "Updated",
                        now,
                        old.revision != state.revision,
                        status_changed,
                    ))
                }
                Some(_) => {}
            }
        }
        for (id, state) in before {
            if !after.contains_key(id) {
                emitted.push(self.event(region, id, state, "Deleted", now, false, true));
            }
        }
        if emitted.is_empty() {
            return emitted;
        }
        crate::lock(&self.log).extend(emitted.iter().cloned());
        if let Some(path) = &self.file {
            // A test reading the file sees whole lines: each event is written in one call.
            let mut lines = String::new();
            for event in &emitted {
                lines.push_str(&event.to_string());
                lines.push('\n');
            }
            if let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = file.write_all(lines.as_bytes());
            }
        }
        if let Some(url) = &self.url {
            for event in &emitted {
                post(url.clone(), event.to_string());
            }
        }
        emitted
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        region: &str,
        id: &VersionId,
        state: &VersionState,
        operation: &str,
        now: f64,
        assets_added: bool,
        status_changed: bool,
    ) -> Value {
        let sequence = {
            let mut sequences = crate::lock(&self.sequences);
            let next = sequences
                .entry((
                    id.owner.clone(),
                    id.domain.clone(),
                    id.repository.clone(),
                    id.format.clone(),
                    id.namespace.clone(),
                    id.package.clone(),
                ))
                .or_insert(0);
            *next += 1;
            *next
        };
        let count = {
            let mut counter = crate::lock(&self.counter);
            *counter += 1;
            *counter
        };
        let created = operation == "Created";
        let deleted = operation == "Deleted";
        json!({
            "version": "0",
            "id": format!("00000000-0000-4000-a000-{count:012x}"),
            "detail-type": DETAIL_TYPE,
            "source": "aws.codeartifact",
            "account": id.owner,
            "time": rfc3339(now),
            "region": region,
            "resources": [caguard::arn::package(region, &id.owner, &id.domain, &id.repository,
                &id.format, id.namespace.as_deref(), &id.package)],
            "detail": {
                "domainName": id.domain,
                "domainOwner": id.owner,
                "repositoryName": id.repository,
                "repositoryAdministrator": state.administrator.clone().unwrap_or_else(|| id.owner.clone()),
                "packageFormat": id.format,
                "packageNamespace": id.namespace,
                "packageName": id.package,
                "packageVersion": id.version,
                "packageVersionState": state.status,
                "packageVersionRevision": state.revision,
                "changes": {
                    "assetsAdded": u32::from(assets_added && !deleted),
                    "assetsRemoved": u32::from(deleted),
                    "assetsUpdated": 0,
                    "metadataUpdated": created || assets_added,
                    "statusChanged": created || deleted || status_changed,
                },
                "operationType": operation,
                "sequenceNumber": sequence,
                "eventDeduplicationId": format!("emulator-{count:016x}="),
            }
        })
    }
}

/// POSTs one event to a loopback URL (`http://127.0.0.1:PORT/PATH`), fire and forget.
fn post(url: String, body: String) {
    let Some(rest) = url.strip_prefix("http://127.0.0.1:") else {
        return;
    };
    let (port, path) = match rest.split_once('/') {
        Some((port, path)) => (port.to_string(), format!("/{path}")),
        None => (rest.to_string(), "/".to_string()),
    };
    let Ok(port) = port.parse::<u16>() else {
        return;
    };
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let request = format!(
                "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            if stream.write_all(request.as_bytes()).await.is_ok() {
                let mut sink = Vec::new();
                let _ = stream.read_to_end(&mut sink).await;
            }
        }
    });
}

/// `YYYY-MM-DDTHH:MM:SSZ` for epoch seconds (civil-from-days, proleptic Gregorian).
pub fn rfc3339(epoch: f64) -> String {
    let seconds = epoch.max(0.0) as i64;
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// A client's fetch of a public version through `repository` (`POST /__emulator/ingest`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestRequest {
    /// Needed only when the state has several domains.
    #[serde(default)]
    pub domain: Option<String>,
    pub repository: String,
    pub format: String,
    #[serde(default)]
    pub namespace: Option<String>,
    pub package: String,
    pub version: String,
}

/// Why an ingestion did not happen: (HTTP status, message).
pub type Refusal = (u16, String);

fn package_position(
    packages: &[PackageEntry],
    format: &PackageFormat,
    namespace: Option<&str>,
    name: &str,
) -> Option<usize> {
    packages.iter().position(|entry| {
        entry.package.format.as_ref() == Some(format)
            && entry.package.namespace.as_deref() == namespace
            && entry.package.package.as_deref() == Some(name)
    })
}

/// Ingests and retains the version as described in the module docs. `revision` makes a new
/// revision id.
pub fn ingest(
    inventory: &mut Inventory,
    request: &IngestRequest,
    revision: &mut dyn FnMut(&str) -> String,
) -> Result<(), Refusal> {
    let domain_index = match &request.domain {
        Some(name) => inventory
            .domains
            .iter()
            .position(|entry| entry.domain.name.as_deref() == Some(name.as_str())),
        None if inventory.domains.len() == 1 => Some(0),
        None => None,
    }
    .ok_or((
        404,
        "no such domain (name it with `domain` when the state has several)".to_string(),
    ))?;
    let format = PackageFormat::from(request.format.as_str());
    let namespace = request.namespace.as_deref().filter(|n| !n.is_empty());
    let domain = &inventory.domains[domain_index];
    let requested = domain
        .repositories
        .iter()
        .position(|entry| entry.repository.name.as_deref() == Some(request.repository.as_str()))
        .ok_or((404, format!("no repository {}", request.repository)))?;
    let graph = UpstreamGraph::build(domain);
    let reach = graph
        .external_reach(requested, &format)
        .into_iter()
        .next()
        .ok_or((
            404,
            format!(
                "no external connection for {} in the upstream closure of {}",
                request.format, request.repository
            ),
        ))?;
    let holder = reach.holder;
    let tree = GroupTree::build(domain);
    let association = tree.associate(&format, namespace, &request.package);
    let name_of = |index: usize| graph.name(index).to_string();
    // The holder ingests (EXTERNAL_UPSTREAM); the requested repository retains from its
    // upstream (INTERNAL_UPSTREAM). Either one blocking stops the fetch.
    let mut checks = vec![(holder, RestrictionType::ExternalUpstream)];
    if requested != holder {
        checks.push((requested, RestrictionType::InternalUpstream));
    }
    for (index, kind) in checks {
        let repository = &domain.repositories[index];
        let blocked_by_package =
            package_position(&repository.packages, &format, namespace, &request.package)
                .and_then(|position| {
                    repository.packages[position]
                        .package
                        .origin_configuration
                        .as_ref()
                })
                .and_then(|configuration| configuration.restrictions.as_ref())
                .is_some_and(|restrictions| restrictions.upstream == AllowMode::Block);
        if blocked_by_package {
            return Err((
                403,
                format!(
                    "{} in {} has upstream=BLOCK: the version is not fetched",
                    request.package,
                    name_of(index)
                ),
            ));
        }
        let verdict = tree.verdict(association, kind, &name_of(index));
        if !verdict.allowed {
            return Err((
                403,
                format!(
                    "{} into {}: blocked by {}",
                    request.package,
                    name_of(index),
                    verdict.describe()
                ),
            ));
        }
    }
    let origin = PackageVersionOrigin {
        domain_entry_point: Some(DomainEntryPoint {
            repository_name: None,
            external_connection_name: Some(reach.connection.clone()),
        }),
        origin_type: Some(OriginType::External),
    };
    let mut places = vec![holder];
    if requested != holder {
        places.push(requested);
    }
    for index in places {
        let repository = &mut inventory.domains[domain_index].repositories[index];
        let position =
            match package_position(&repository.packages, &format, namespace, &request.package) {
                Some(position) => position,
                None => {
                    // The documented default for a package whose first version is ingested.
                    repository.packages.push(PackageEntry {
                        package: PackageSummary {
                            format: Some(format.clone()),
                            namespace: namespace.map(str::to_string),
                            package: Some(request.package.clone()),
                            origin_configuration: Some(PackageOriginConfiguration {
                                restrictions: Some(PackageOriginRestrictions {
                                    publish: AllowMode::Block,
                                    upstream: AllowMode::Allow,
                                }),
                            }),
                        },
                        versions: Vec::new(),
                    });
                    repository.packages.len() - 1
                }
            };
        let entry = &mut repository.packages[position];
        if entry.versions.iter().any(|v| v.version == request.version) {
            continue;
        }
        entry.versions.push(PackageVersionSummary {
            version: request.version.clone(),
            revision: Some(revision(&format!(
                "{}/{}/{}",
                graph.name(index),
                request.package,
                request.version
            ))),
            status: PackageVersionStatus::Published,
            origin: Some(origin.clone()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_574_378_394.0), "2019-11-21T23:19:54Z");
        assert_eq!(rfc3339(951_782_400.0), "2000-02-29T00:00:00Z");
    }
}
