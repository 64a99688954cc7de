//! How caguard's own container objects are read.
//!
//! serde's derived `Deserialize` for a struct also accepts a JSON array, binding elements to fields
//! by position, so `[1]` would be read as `{"inventoryVersion": 1}`. These mirrors of the
//! container types carry a flattened [`UnknownKeys`] field, which makes serde read them as maps
//! only, and keeps the keys nobody asked for so that a misspelt container key becomes a warning
//! instead of silently dropped content. AWS wire objects inside are not mirrored: their unknown
//! keys are ignored on purpose, so that a newer service release still loads.

use super::{
    CollectionError, DomainDescription, DomainEntry, Inventory, PackageEntry, PackageGroupEntry,
    PackageSummary, PackageVersionSummary, RepositoryDescription, ResourcePolicy, Timestamp,
};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

/// At most this many unknown keys are named per object; the rest are counted.
const NAMED_KEYS: usize = 5;

/// The keys of an object that no field claimed.
#[derive(Debug, Default)]
pub(super) struct UnknownKeys {
    named: Vec<String>,
    total: usize,
}

impl<'de> Deserialize<'de> for UnknownKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = UnknownKeys;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UnknownKeys, A::Error> {
                let mut keys = UnknownKeys::default();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.total += 1;
                    if keys.named.len() < NAMED_KEYS {
                        keys.named.push(key);
                    }
                }
                Ok(keys)
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

impl UnknownKeys {
    /// One warning naming the keys, or none.
    fn warning(&self, at: &str) -> Option<String> {
        if self.total == 0 {
            return None;
        }
        let mut names: Vec<String> = self.named.iter().map(|k| super::quote(k)).collect();
        if self.total > self.named.len() {
            names.push(format!("and {} more", self.total - self.named.len()));
        }
        let noun = if self.total == 1 { "key" } else { "keys" };
        Some(format!(
            "{at}: unknown {noun} {} ignored (misspelt?)",
            names.join(", ")
        ))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "an inventory object")]
pub(super) struct RawInventory {
    inventory_version: u32,
    #[serde(default)]
    collected_at: Option<Timestamp>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    domains: Vec<RawDomainEntry>,
    #[serde(default)]
    errors: Vec<RawCollectionError>,
    #[serde(default)]
    shards: Vec<super::Shard>,
    #[serde(flatten)]
    unknown: UnknownKeys,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a domain entry object")]
pub(super) struct RawDomainEntry {
    domain: DomainDescription,
    #[serde(default)]
    policy: Option<ResourcePolicy>,
    #[serde(default)]
    package_groups: Vec<PackageGroupEntry>,
    #[serde(default)]
    repositories: Vec<RawRepositoryEntry>,
    #[serde(flatten)]
    unknown: UnknownKeys,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a repository entry object")]
pub(super) struct RawRepositoryEntry {
    repository: RepositoryDescription,
    #[serde(default)]
    policy: Option<ResourcePolicy>,
    #[serde(default)]
    packages: Vec<RawPackageEntry>,
    #[serde(flatten)]
    unknown: UnknownKeys,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a package entry object")]
pub(super) struct RawPackageEntry {
    package: PackageSummary,
    #[serde(default)]
    versions: Vec<PackageVersionSummary>,
    #[serde(flatten)]
    unknown: UnknownKeys,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a collection error object")]
pub(super) struct RawCollectionError {
    operation: String,
    resource: String,
    code: String,
    #[serde(default)]
    message: String,
    #[serde(flatten)]
    unknown: UnknownKeys,
}

/// Collects warnings, keeping the report bounded whatever the file holds.
pub(super) struct Warnings {
    pub(super) list: Vec<String>,
    dropped: usize,
}

/// At most this many load warnings are kept; one more line counts the rest.
const MAX_WARNINGS: usize = 100;

impl Warnings {
    pub(super) fn new() -> Self {
        Warnings {
            list: Vec::new(),
            dropped: 0,
        }
    }

    pub(super) fn push(&mut self, warning: Option<String>) {
        let Some(warning) = warning else { return };
        if self.list.len() < MAX_WARNINGS {
            self.list.push(warning);
        } else {
            self.dropped += 1;
        }
    }

    pub(super) fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.list
                .push(format!("and {} more load warnings", self.dropped));
        }
        self.list
    }
}

impl RawPackageEntry {
    /// Gives back the slack of the versions vector (serde grows it by doubling: ~40% slack for
    /// ten versions). Done by the thread that parsed it, whose next allocations reuse the freed
    /// block. A copy into an exact allocation, not `shrink_to_fit`: mimalloc shrinks a block in
    /// place (keeping all of it) while the new size is at least half the old one, which is
    /// exactly the ten-of-sixteen case.
    pub(super) fn shrink(&mut self) {
        if self.versions.capacity() > self.versions.len() {
            let mut exact = Vec::with_capacity(self.versions.len());
            exact.append(&mut self.versions);
            self.versions = exact;
        }
    }
}

impl RawInventory {
    /// The packages of `domains[domain].repositories[repository]`, if there is such a repository.
    pub(super) fn repository_packages(
        &mut self,
        domain: usize,
        repository: usize,
    ) -> Option<&mut Vec<RawPackageEntry>> {
        let domain = self.domains.get_mut(domain)?;
        Some(&mut domain.repositories.get_mut(repository)?.packages)
    }

    /// The inventory, and a warning per container object with unknown keys, named by JSON path.
    pub(super) fn into_inventory(self, warnings: &mut Warnings) -> Inventory {
        warnings.push(self.unknown.warning("top level"));
        let domains = self
            .domains
            .into_iter()
            .enumerate()
            .map(|(d, domain)| domain.into_entry(&format!("domains[{d}]"), warnings))
            .collect();
        let errors = self
            .errors
            .into_iter()
            .enumerate()
            .map(|(e, error)| {
                warnings.push(error.unknown.warning(&format!("errors[{e}]")));
                error.into()
            })
            .collect();
        Inventory {
            inventory_version: self.inventory_version,
            collected_at: self.collected_at,
            region: self.region,
            domains,
            errors,
            shards: self.shards,
            load_warnings: Vec::new(),
        }
    }
}

impl RawDomainEntry {
    fn into_entry(self, at: &str, warnings: &mut Warnings) -> DomainEntry {
        warnings.push(self.unknown.warning(at));
        DomainEntry {
            domain: self.domain,
            policy: self.policy,
            package_groups: self.package_groups,
            repositories: self
                .repositories
                .into_iter()
                .enumerate()
                .map(|(r, repository)| {
                    repository.into_entry(&format!("{at}.repositories[{r}]"), warnings)
                })
                .collect(),
        }
    }
}

impl RawRepositoryEntry {
    fn into_entry(self, at: &str, warnings: &mut Warnings) -> super::RepositoryEntry {
        warnings.push(self.unknown.warning(at));
        super::RepositoryEntry {
            repository: self.repository,
            policy: self.policy,
            packages: self
                .packages
                .into_iter()
                .enumerate()
                .map(|(p, package)| {
                    warnings.push(package.unknown.warning(&format!("{at}.packages[{p}]")));
                    package.into()
                })
                .collect(),
        }
    }
}

// Direct deserialization of a container type (not through `Inventory::parse`) drops the
// unknown keys; it still refuses arrays.

impl From<RawInventory> for Inventory {
    fn from(raw: RawInventory) -> Self {
        raw.into_inventory(&mut Warnings::new())
    }
}

impl From<RawDomainEntry> for DomainEntry {
    fn from(raw: RawDomainEntry) -> Self {
        raw.into_entry("", &mut Warnings::new())
    }
}

impl From<RawRepositoryEntry> for super::RepositoryEntry {
    fn from(raw: RawRepositoryEntry) -> Self {
        raw.into_entry("", &mut Warnings::new())
    }
}

impl From<RawPackageEntry> for PackageEntry {
    fn from(raw: RawPackageEntry) -> Self {
        let mut raw = raw;
        raw.shrink();
        PackageEntry {
            package: raw.package,
            versions: raw.versions,
        }
    }
}

impl From<RawCollectionError> for CollectionError {
    fn from(raw: RawCollectionError) -> Self {
        CollectionError {
            operation: raw.operation,
            resource: raw.resource,
            code: raw.code,
            message: raw.message,
        }
    }
}
