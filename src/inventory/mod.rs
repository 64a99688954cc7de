//! Inventory format v1: what CodeArtifact holds, in AWS's own wire shapes.
//!
//! Container keys are ours (camelCase); every API object inside is stored exactly as the API
//! returns it, so fixtures can be written from AWS documentation and the emulator can serve them
//! back unchanged. This module knows nothing about the AWS SDK.

mod blocks;
mod raw;
mod validate;
pub use validate::{check_name, NameKind};
mod wire;

pub use wire::*;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The only inventory format version this build reads and writes.
pub const INVENTORY_VERSION: u32 = 1;

/// A whole inventory: one region of one account, possibly partial (see `errors`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "raw::RawInventory")]
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
    /// The (account, region[, domain]) shards an organisation collection read (`--accounts`);
    /// empty for a one-account collection. Added within format v1: a reader that does not
    /// know the key ignores it and still reads every domain (each names its region in its
    /// ARN when the shards span regions) and every error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<Shard>,
    /// Problems found while loading that do not stop a scan (unknown container keys, no
    /// domains), each naming the file and JSON path; the facts carry them into the reports.
    #[serde(skip_serializing)]
    pub load_warnings: Vec<String>,
}

/// One domain with everything collected inside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "raw::RawDomainEntry")]
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
#[serde(rename_all = "camelCase", expecting = "a package group object")]
pub struct PackageGroupEntry {
    #[serde(flatten)]
    pub group: PackageGroupDescription,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allowed_repositories: BTreeMap<RestrictionType, Vec<String>>,
}

/// A repository with its policy and stored packages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "raw::RawRepositoryEntry")]
pub struct RepositoryEntry {
    pub repository: RepositoryDescription,
    #[serde(default)]
    pub policy: Option<ResourcePolicy>,
    #[serde(default)]
    pub packages: Vec<PackageEntry>,
}

/// A package record of one repository and the versions stored there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "raw::RawPackageEntry")]
pub struct PackageEntry {
    pub package: PackageSummary,
    #[serde(default)]
    pub versions: Vec<PackageVersionSummary>,
}

/// One API call that failed for good during collection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "raw::RawCollectionError")]
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

/// One shard of an organisation collection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shard {
    pub account: String,
    pub region: String,
    /// The one domain the shard read; absent when it read every domain ListDomains returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The role assumed in the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// False when some of the shard's calls failed (they are in `errors`).
    pub complete: bool,
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
    /// Well-formed JSON that breaks a rule of the format; `at` is the JSON path of the object.
    #[error("{path}: {at}: {message}")]
    Invalid {
        path: PathBuf,
        at: String,
        message: String,
    },
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
            shards: Vec::new(),
            load_warnings: Vec::new(),
        }
    }

    /// Reads and parses an inventory file. The file is read in bounded blocks whose packages are
    /// parsed in parallel (see `blocks`): its text is never held whole, so memory follows the
    /// model, not the size of the JSON. A file that the fast path does not accept is read again
    /// as text and parsed by [`Inventory::parse`], so that every error (position included) and
    /// warning is exactly the one it gives.
    pub fn load(path: &Path) -> Result<Self, InventoryError> {
        Self::load_in_blocks(path, blocks::BLOCK_SIZE).map(|(inventory, _)| inventory)
    }

    /// [`Inventory::load`] with a chosen block size; the flag says whether the fast path read
    /// the file (false: it was parsed as text). For tests of the block reader.
    #[doc(hidden)]
    pub fn load_in_blocks(path: &Path, block_size: usize) -> Result<(Self, bool), InventoryError> {
        let io_error = |source| InventoryError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io_error)?;
        match blocks::load(&mut file, block_size).map_err(io_error)? {
            Some(parsed) => Ok((Self::from_raw(parsed, path)?, true)),
            None => {
                drop(file);
                let text = std::fs::read_to_string(path).map_err(io_error)?;
                Ok((Self::parse(&text, path)?, false))
            }
        }
    }

    /// Parses and validates inventory JSON; `origin` names the source in errors and warnings.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, InventoryError> {
        let parsed: raw::RawInventory =
            serde_json::from_str(text).map_err(|error| syntax_error(&error, origin))?;
        Self::from_raw(parsed, origin)
    }

    fn from_raw(parsed: raw::RawInventory, origin: &Path) -> Result<Self, InventoryError> {
        let mut warnings = raw::Warnings::new();
        let mut inventory = parsed.into_inventory(&mut warnings);
        if inventory.inventory_version != INVENTORY_VERSION {
            return Err(InventoryError::Version {
                path: origin.to_path_buf(),
                found: inventory.inventory_version,
            });
        }
        inventory.load_warnings = warnings
            .finish()
            .into_iter()
            .map(|warning| format!("{}: {warning}", origin.display()))
            .collect();
        inventory.validate(origin)?;
        Ok(inventory)
    }

    /// Checks names, account ids, regions and the uniqueness of every resource. `parse` does it;
    /// call it on an inventory built in memory (a live collection) before deriving facts.
    /// Warnings are appended to `load_warnings`.
    pub fn validate(&mut self, origin: &Path) -> Result<(), InventoryError> {
        let warnings = validate::validate(self).map_err(|invalid| InventoryError::Invalid {
            path: origin.to_path_buf(),
            at: invalid.at,
            message: invalid.message,
        })?;
        self.load_warnings.extend(
            warnings
                .into_iter()
                .map(|warning| format!("{}: {warning}", origin.display())),
        );
        Ok(())
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

/// A name for a message: JSON-quoted (so control characters stay on one line) and shortened.
pub(crate) fn quote(text: &str) -> String {
    const SHOWN: usize = 64;
    let mut shown: String = text.chars().take(SHOWN).collect();
    let more = text.chars().count() > SHOWN;
    if more {
        shown.push('…');
    }
    serde_json::to_string(&shown).unwrap_or_default()
}

fn syntax_error(error: &serde_json::Error, origin: &Path) -> InventoryError {
    InventoryError::Syntax {
        path: origin.to_path_buf(),
        // serde_json says column 0 for an error at the first byte of a line.
        line: error.line().max(1),
        column: error.column().max(1),
        message: strip_position(&error.to_string()),
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
    fn unknown_wire_keys_ignored_unknown_enums_kept() {
        let text = r#"{"inventoryVersion":1,"domains":[{"domain":{"name":"dd","owner":"111122223333","status":"Frozen","future":1},
            "repositories":[{"repository":{"name":"rr","future":2},"packages":[{"package":{"format":"conda","package":"x"},
            "versions":[{"version":"1","status":"Published","origin":{"originType":"MIRRORED"}}]}]}]}]}"#;
        let inventory = Inventory::parse(text, Path::new("x")).unwrap();
        assert!(
            inventory.load_warnings.is_empty(),
            "{:?}",
            inventory.load_warnings
        );
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
    fn streaming_and_text_parsing_agree() {
        let cases: Vec<Vec<u8>> = [
            "[1]".to_string(),
            "{\n  \"inventoryVersion\": 1,\n  \"domains\": [ { \"domain\": 5 } ]\n}".to_string(),
            r#"{"inventoryVersion":2}"#.to_string(),
            "{\"inventoryVersion\":1,".to_string(),
            "{\"inventoryVersion\":1} trailing".to_string(),
            "{\"inventoryVersion\":1,\"region\":\"\\ud800\"}".to_string(),
            r#"{"inventoryVersion":1,"inventoryVersion":1}"#.to_string(),
            with_repositories(r#"{"repository":{"name":"app"}},{"repository":{"name":"app"}}"#),
            with_repositories(r#"{"repository":{"name":"app"},"typo":1}"#),
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/demo/acme.json"
            ))
            .unwrap(),
        ]
        .into_iter()
        .map(String::into_bytes)
        .chain([b"{\"inventoryVersion\":1,\"region\":\"\xff\"}".to_vec()])
        .collect();
        let dir = std::env::temp_dir().join(format!("caguard-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("x.json");
        let outcome = |parsed: Result<Inventory, InventoryError>| {
            parsed
                .map(|inventory| (inventory.to_json(), inventory.load_warnings))
                .map_err(|error| error.to_string())
        };
        for bytes in &cases {
            std::fs::write(&file, bytes).unwrap();
            let streamed = outcome(Inventory::load(&file));
            let from_text = match std::str::from_utf8(bytes) {
                Ok(text) => outcome(Inventory::parse(text, &file)),
                Err(_) => Err(format!(
                    "{}: cannot read: stream did not contain valid UTF-8",
                    file.display()
                )),
            };
            assert_eq!(streamed, from_text, "{}", String::from_utf8_lossy(bytes));
        }
        std::fs::remove_dir_all(&dir).ok();
        // A read error is one, naming the file.
        let message = Inventory::load(Path::new("/")).unwrap_err().to_string();
        assert!(message.starts_with("/: cannot read: "), "{message}");
    }

    #[test]
    fn wrong_version_rejected() {
        let error = Inventory::parse(r#"{"inventoryVersion":2}"#, Path::new("x")).unwrap_err();
        assert!(matches!(error, InventoryError::Version { found: 2, .. }));
    }

    #[test]
    fn group_restrictions_round_trip_with_enum_keys() {
        let text = r#"{"inventoryVersion":1,"domains":[{"domain":{"name":"dd","owner":"111122223333"},"packageGroups":[{"pattern":"/*",
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

    /// A valid one-domain inventory with `repositories` spliced in.
    fn with_repositories(repositories: &str) -> String {
        format!(
            r#"{{"inventoryVersion":1,"region":"us-east-1","domains":[{{"domain":{{"name":"acme","owner":"111122223333"}},"repositories":[{repositories}]}}]}}"#
        )
    }

    fn error_of(text: &str) -> String {
        match Inventory::parse(text, Path::new("acme.json")) {
            Ok(_) => panic!("accepted: {text}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn arrays_are_not_container_objects() {
        // serde would bind `[1]` to the first field, inventoryVersion.
        let message = error_of("[1]");
        assert!(
            message
                .starts_with("acme.json:1:1: invalid type: sequence, expected an inventory object"),
            "{message}"
        );
        let message = error_of(
            r#"{"inventoryVersion":1,"region":"us-east-1","domains":[[{"name":"acme","owner":"111122223333"}, null, []]]}"#,
        );
        assert!(
            message.contains("expected a domain entry object"),
            "{message}"
        );
        let message = error_of(&with_repositories(r#"[{"name":"app"}]"#));
        assert!(
            message.contains("expected a repository entry object"),
            "{message}"
        );
        let message = error_of(&with_repositories(
            r#"{"repository":{"name":"app"},"packages":[[{"format":"npm","package":"x"}]]}"#,
        ));
        assert!(
            message.contains("expected a package entry object"),
            "{message}"
        );
        let message = error_of(
            r#"{"inventoryVersion":1,"domains":[{"domain":{"name":"acme","owner":"111122223333"},"packageGroups":[["/*"]]}]}"#,
        );
        assert!(
            message.contains("invalid type: sequence, expected a package group object"),
            "{message}"
        );
        let message =
            error_of(r#"{"inventoryVersion":1,"errors":[["ListPackages","arn","AccessDenied"]]}"#);
        assert!(
            message.contains("expected a collection error object"),
            "{message}"
        );
    }

    #[test]
    fn unknown_container_keys_and_an_empty_inventory_are_warnings() {
        let inventory = Inventory::parse(
            r#"{"inventoryVersion":1,"Domains":[{}]}"#,
            Path::new("acme.json"),
        )
        .unwrap();
        assert_eq!(
            inventory.load_warnings,
            [
                r#"acme.json: top level: unknown key "Domains" ignored (misspelt?)"#,
                "acme.json: top level: the inventory holds no domains; nothing is scanned",
            ]
        );
        let text = with_repositories(
            r#"{"repository":{"name":"app"},"external_connections":[1],"packages":[{"package":{"format":"npm","package":"x"},"Versions":[],"a":1,"b":2,"c":3,"d":4,"e":5}]}"#,
        )
        .replace(r#""repositories""#, r#""packagegroups":[],"repositories""#);
        let inventory = Inventory::parse(&text, Path::new("acme.json")).unwrap();
        assert_eq!(
            inventory.load_warnings,
            [
                r#"acme.json: domains[0]: unknown key "packagegroups" ignored (misspelt?)"#,
                r#"acme.json: domains[0].repositories[0]: unknown key "external_connections" ignored (misspelt?)"#,
                r#"acme.json: domains[0].repositories[0].packages[0]: unknown keys "Versions", "a", "b", "c", "d", and 1 more ignored (misspelt?)"#,
            ]
        );
        let facts = crate::facts::derive(&inventory, &crate::facts::FactsConfig::default());
        assert!(
            facts.warnings.starts_with(&inventory.load_warnings),
            "{:?}",
            facts.warnings
        );
    }

    #[test]
    fn load_warnings_are_bounded() {
        let repositories: Vec<String> = (0..500)
            .map(|n| format!(r#"{{"repository":{{"name":"repo{n}"}},"typo":1}}"#))
            .collect();
        let inventory =
            Inventory::parse(&with_repositories(&repositories.join(",")), Path::new("x")).unwrap();
        assert_eq!(inventory.load_warnings.len(), 101);
        assert_eq!(
            inventory.load_warnings[100],
            "x: and 400 more load warnings"
        );
    }

    #[test]
    fn duplicates_are_input_errors_naming_both_positions() {
        let message = error_of(&with_repositories(
            r#"{"repository":{"name":"app","externalConnections":[{"externalConnectionName":"public:npmjs","packageFormat":"npm"}]}},{"repository":{"name":"lib"}},{"repository":{"name":"app"}}"#,
        ));
        assert_eq!(
            message,
            r#"acme.json: domains[0].repositories[2]: duplicate repository name "app" (first at domains[0].repositories[0])"#
        );
        let record = r#"{"package":{"format":"npm","namespace":"acme","package":"ui"}}"#;
        let message = error_of(&with_repositories(&format!(
            r#"{{"repository":{{"name":"app"}},"packages":[{record},{{"package":{{"format":"npm","package":"ui"}}}},{record}]}}"#
        )));
        assert_eq!(
            message,
            r#"acme.json: domains[0].repositories[0].packages[2]: duplicate package record npm "acme" "ui" in repository "app" (first at domains[0].repositories[0].packages[0])"#
        );
        let message = error_of(&with_repositories(
            r#"{"repository":{"name":"app"},"packages":[{"package":{"format":"npm","package":"ui"},"versions":[{"version":"1.0.0","status":"Published"},{"version":"1.0.0","status":"Unlisted"}]}]}"#,
        ));
        assert!(message.starts_with(r#"acme.json: domains[0].repositories[0].packages[0].versions[1]: duplicate version "1.0.0" of package "ui""#), "{message}");
        let domain = r#"{"domain":{"name":"acme","owner":"111122223333"}}"#;
        let message = error_of(&format!(
            r#"{{"inventoryVersion":1,"domains":[{domain},{domain}]}}"#
        ));
        assert_eq!(
            message,
            r#"acme.json: domains[1]: duplicate domain "acme" of account 111122223333 (first at domains[0])"#
        );
        // The same name in another account is another domain (a shared domain).
        let other = domain.replace("111122223333", "444455556666");
        assert!(Inventory::parse(
            &format!(r#"{{"inventoryVersion":1,"domains":[{domain},{other}]}}"#),
            Path::new("x")
        )
        .is_ok());
        let message = error_of(
            r#"{"inventoryVersion":1,"domains":[{"domain":{"name":"acme","owner":"111122223333"},"packageGroups":[{"pattern":"/npm/*"},{"pattern":"/npm/*"}]}]}"#,
        );
        assert!(
            message.starts_with(
                r#"acme.json: domains[0].packageGroups[1]: duplicate package group "/npm/*""#
            ),
            "{message}"
        );
    }

    #[test]
    fn missing_names_are_input_errors() {
        let cases = [
            (r#"{"inventoryVersion":1,"domains":[{"domain":{"owner":"111122223333"}}]}"#.to_string(), "acme.json: domains[0]: domain without a name (`domain.name`)"),
            (r#"{"inventoryVersion":1,"domains":[{"domain":{"name":"acme"}}]}"#.to_string(), r#"acme.json: domains[0]: domain "acme" has no owner account (`domain.owner` or `domain.arn`)"#),
            (with_repositories(r#"{"repository":{"arn":"x"}}"#), "acme.json: domains[0].repositories[0]: repository without a name (`repository.name`)"),
            (with_repositories(r#"{"repository":{"name":"app","upstreams":[{}]}}"#), "acme.json: domains[0].repositories[0].repository.upstreams[0]: upstream without a repository name (`repositoryName`)"),
            (with_repositories(r#"{"repository":{"name":"app"},"packages":[{"package":{"format":"npm"}}]}"#), "acme.json: domains[0].repositories[0].packages[0]: package without a name (`package.package`)"),
            (with_repositories(r#"{"repository":{"name":"app"},"packages":[{"package":{"package":"ui"}}]}"#), "acme.json: domains[0].repositories[0].packages[0]: package without a format (`package.format`)"),
        ];
        for (text, expected) in cases {
            assert_eq!(error_of(&text), expected);
        }
    }

    #[test]
    fn names_that_would_corrupt_arns_are_rejected() {
        // `a/b` + `c` and `a` + `b/c` would share `.../npm/a/b/c`: CodeArtifact forbids `/`.
        let package = |namespace: &str, name: &str| {
            with_repositories(&format!(
                r#"{{"repository":{{"name":"app"}},"packages":[{{"package":{{"format":"npm","namespace":"{namespace}","package":"{name}"}}}}]}}"#
            ))
        };
        let message = error_of(&package("a/b", "c"));
        assert_eq!(message, "acme.json: domains[0].repositories[0].packages[0].package.namespace: invalid package namespace \"a/b\": expected characters other than `/`, `#`, whitespace and control characters");
        let message = error_of(&package("a", "b/c"));
        assert!(message.starts_with("acme.json: domains[0].repositories[0].packages[0].package.package: invalid package name \"b/c\""), "{message}");
        let message = error_of(&package("", "c"));
        assert!(
            message.contains("invalid package namespace \"\": must be 1 to 255 characters"),
            "{message}"
        );
        // A region or account smuggling an ARN separator would move findings to another scope.
        let message =
            error_of(&with_repositories("").replace("us-east-1", "us-east-1:999999999999"));
        assert!(
            message.starts_with("acme.json: region: invalid region \"us-east-1:999999999999\""),
            "{message}"
        );
        let message =
            error_of(&with_repositories("").replace("\"111122223333\"", "\"1111:2222333\""));
        assert!(
            message.starts_with("acme.json: domains[0].domain.owner: invalid account id"),
            "{message}"
        );
        let from_arn = r#"{"inventoryVersion":1,"domains":[{"domain":{"name":"acme","arn":"arn:aws:codeartifact:us-east-1:1111/2222333:domain/acme"}}]}"#;
        assert!(
            error_of(from_arn).starts_with("acme.json: domains[0].domain.arn: invalid account id")
        );
        let message = error_of(&with_repositories(r#"{"repository":{"name":"app/x"}}"#));
        assert!(message.starts_with("acme.json: domains[0].repositories[0].repository.name: invalid repository name \"app/x\""), "{message}");
        let message = error_of(&with_repositories("").replace("\"acme\"", "\"acme/x\""));
        assert!(
            message
                .starts_with("acme.json: domains[0].domain.name: invalid domain name \"acme/x\""),
            "{message}"
        );
        let message = error_of(&with_repositories(
            r#"{"repository":{"name":"app"},"packages":[{"package":{"format":"npm","package":"ui"},"versions":[{"version":"1.0.0/x","status":"Published"}]}]}"#,
        ));
        assert!(
            message.contains("versions[0].version: invalid package version \"1.0.0/x\""),
            "{message}"
        );
    }

    #[test]
    fn the_live_path_validates_too() {
        let mut inventory = Inventory::new();
        inventory.region = Some("us-east-1/x".to_string());
        let error = inventory
            .validate(Path::new("live collection"))
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("live collection: region: invalid region"),
            "{error}"
        );
    }
}
