//! Inventory format v1: what CodeArtifact holds, in AWS's own wire shapes.
//!
//! Container keys are ours (camelCase); every API object inside is stored exactly as the API
//! returns it, so fixtures can be written from AWS documentation and the emulator can serve them
//! back unchanged. This module knows nothing about the AWS SDK.

mod wire;

pub use wire::*;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The only inventory format version this build reads and writes.
pub const INVENTORY_VERSION: u32 = 1;

/// A whole inventory: one region of one account, possibly partial (see `errors`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub inventory_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub domains: Vec<DomainEntry>,
    /// API calls that failed during collection. Non-empty means the inventory is incomplete.
    #[serde(default)]
    pub errors: Vec<CollectionError>,
}

/// One domain with everything collected inside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainEntry {
    pub domain: DomainDescription,
    /// `None` when the domain has no policy (GetDomainPermissionsPolicy answered 404).
    #[serde(default)]
    pub policy: Option<ResourcePolicy>,
    #[serde(default)]
    pub package_groups: Vec<PackageGroupEntry>,
    #[serde(default)]
    pub repositories: Vec<RepositoryEntry>,
}

/// A package group with the allowed-repository lists of its ALLOW_SPECIFIC_REPOSITORIES
/// restrictions (from ListAllowedRepositoriesForGroup), keyed by restriction type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageGroupEntry {
    #[serde(flatten)]
    pub group: PackageGroupDescription,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allowed_repositories: BTreeMap<RestrictionType, Vec<String>>,
}

/// A repository with its policy and stored packages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryEntry {
    pub repository: RepositoryDescription,
    #[serde(default)]
    pub policy: Option<ResourcePolicy>,
    #[serde(default)]
    pub packages: Vec<PackageEntry>,
}

/// A package record of one repository and the versions stored there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageEntry {
    pub package: PackageSummary,
    #[serde(default)]
    pub versions: Vec<PackageVersionSummary>,
}

/// One API call that failed for good during collection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionError {
    /// API operation name, e.g. `ListPackageVersions`.
    pub operation: String,
    /// ARN, or coordinates where no ARN exists.
    pub resource: String,
    /// AWS error code, e.g. `AccessDeniedException`.
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// Why an inventory could not be read. Positions are 1-based.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: unsupported inventoryVersion {found} (this build reads version {INVENTORY_VERSION})")]
    Version { path: PathBuf, found: u32 },
}

impl Inventory {
    /// An empty inventory of the current version.
    pub fn new() -> Self {
        Inventory {
            inventory_version: INVENTORY_VERSION,
            collected_at: None,
            region: None,
            domains: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Reads and parses an inventory file.
    pub fn load(path: &Path) -> Result<Self, InventoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses inventory JSON; `origin` names the source in error messages.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, InventoryError> {
        let inventory: Inventory =
            serde_json::from_str(text).map_err(|error| InventoryError::Syntax {
                path: origin.to_path_buf(),
                line: error.line(),
                column: error.column(),
                message: strip_position(&error.to_string()),
            })?;
        if inventory.inventory_version != INVENTORY_VERSION {
            return Err(InventoryError::Version {
                path: origin.to_path_buf(),
                found: inventory.inventory_version,
            });
        }
        Ok(inventory)
    }

    /// Serializes deterministically (pretty JSON, trailing newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// True when some API call failed during collection.
    pub fn is_incomplete(&self) -> bool {
        !self.errors.is_empty()
    }
}

impl Default for Inventory {
    fn default() -> Self {
        Self::new()
    }
}

/// serde_json appends " at line L column C"; the position is already in our prefix.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_names_line_and_column() {
        let text = "{\n  \"inventoryVersion\": 1,\n  \"domains\": [ { \"domain\": 5 } ]\n}";
        let error = Inventory::parse(text, Path::new("inv.json")).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("inv.json:3:"), "{message}");
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn unknown_keys_ignored_unknown_enums_kept() {
        let text = r#"{"inventoryVersion":1,"future":true,"domains":[{"domain":{"name":"d","status":"Frozen"},
            "repositories":[{"repository":{"name":"r"},"packages":[{"package":{"format":"conda","package":"x"},
            "versions":[{"version":"1","status":"Published","origin":{"originType":"MIRRORED"}}]}]}]}]}"#;
        let inventory = Inventory::parse(text, Path::new("x")).unwrap();
        let domain = &inventory.domains[0];
        assert_eq!(
            domain.domain.status,
            Some(DomainStatus::Other("Frozen".into()))
        );
        let package = &domain.repositories[0].packages[0];
        assert_eq!(
            package.package.format,
            Some(PackageFormat::Other("conda".into()))
        );
        let json = inventory.to_json();
        assert!(json.contains("\"MIRRORED\""));
        assert!(!json.contains("future"));
    }

    #[test]
    fn wrong_version_rejected() {
        let error = Inventory::parse(r#"{"inventoryVersion":2}"#, Path::new("x")).unwrap_err();
        assert!(matches!(error, InventoryError::Version { found: 2, .. }));
    }

    #[test]
    fn group_restrictions_round_trip_with_enum_keys() {
        let text = r#"{"inventoryVersion":1,"domains":[{"domain":{"name":"d"},"packageGroups":[{"pattern":"/*",
            "originConfiguration":{"restrictions":{"PUBLISH":{"mode":"ALLOW"},"EXTERNAL_UPSTREAM":{"mode":"ALLOW_SPECIFIC_REPOSITORIES","repositoriesCount":1}}},
            "allowedRepositories":{"EXTERNAL_UPSTREAM":["npm-store"]}}]}]}"#;
        let inventory = Inventory::parse(text, Path::new("x")).unwrap();
        let group = &inventory.domains[0].package_groups[0];
        assert_eq!(
            group.allowed_repositories[&RestrictionType::ExternalUpstream],
            vec!["npm-store".to_string()]
        );
        let again = Inventory::parse(&inventory.to_json(), Path::new("x")).unwrap();
        assert_eq!(again, inventory);
    }
}
