//! The facts of each scope, as rules see them (`caguard rules facts` lists them from these types).
//!
//! Field names are snake_case so CEL expressions read naturally (`pkg.versions.internal > 0`).
//! Counts are signed because CEL compares integer literals as `int`.

use crate::facts::policy::PolicyFacts;
use schemars::JsonSchema;
use serde::Serialize;
use std::sync::Arc;

/// Facts of a domain.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DomainFacts {
    /// Domain ARN.
    pub arn: String,
    /// Domain name.
    pub name: String,
    /// Owning account id (12 digits).
    pub owner: String,
    /// AWS region.
    pub region: String,
    /// Number of repositories in the inventory.
    pub repository_count: i64,
    /// Number of package groups in the inventory (the implicit root not counted).
    pub package_group_count: i64,
    /// What the domain's resource policy grants.
    pub policy: PolicyFacts,
}

/// An external connection held by a repository.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ConnectionFact {
    /// E.g. `public:npmjs`.
    pub name: String,
    /// Package format the connection serves.
    pub format: String,
}

/// A public repository searched before an internal one for the same format.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrecedenceFact {
    /// Package format.
    pub format: String,
    /// Repository holding the external connection, found first.
    pub public_repository: String,
    /// Repository holding INTERNAL versions of the format, searched later.
    pub internal_repository: String,
    /// The repositories in search order, from this repository to the internal one.
    pub search_order: Vec<String>,
}

/// Facts of a repository.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RepositoryFacts {
    /// Repository ARN.
    pub arn: String,
    /// Domain name.
    pub domain: String,
    /// Repository name.
    pub name: String,
    /// Domain owner account id.
    pub owner: String,
    /// External connections held by this repository itself.
    pub external_connections: Vec<ConnectionFact>,
    /// Whether this repository itself holds an external connection.
    pub holds_external_connection: bool,
    /// Direct upstreams in priority order.
    pub upstreams: Vec<String>,
    /// Repositories searched for a request here, in order (itself first, at most 25).
    pub search_order: Vec<String>,
    /// Formats for which the search reaches an external connection.
    pub reachable_formats: Vec<String>,
    /// Packages stored here with INTERNAL versions first published into this repository.
    pub internal_entry_packages: i64,
    /// Public repositories searched before internal ones (upstreams only, this repository excluded).
    pub public_before_internal: Vec<PrecedenceFact>,
    /// What the repository's resource policy grants.
    pub policy: PolicyFacts,
}

/// A group origin restriction after INHERIT is resolved.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ModeFact {
    /// The group's own mode (`INHERIT` possible).
    pub mode: String,
    /// The effective mode: ALLOW, BLOCK or ALLOW_SPECIFIC_REPOSITORIES.
    pub effective: String,
    /// Pattern of the ancestor the effective mode comes from, when inherited.
    pub inherited_from: Option<String>,
    /// Allowed repositories when the effective mode is ALLOW_SPECIFIC_REPOSITORIES.
    pub allowed_repositories: Vec<String>,
}

/// The three origin restrictions of a group.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupModes {
    /// PUBLISH restriction.
    pub publish: ModeFact,
    /// EXTERNAL_UPSTREAM restriction.
    pub external_upstream: ModeFact,
    /// INTERNAL_UPSTREAM restriction.
    pub internal_upstream: ModeFact,
}

/// The group governing a package.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PackageGroupFact {
    /// Pattern of the most specific matching group (`/*` when none other matches).
    pub pattern: String,
    /// STRONG, or WEAK when only a case/separator/confusable variant matches (blocks everything).
    pub association: String,
    /// Its restrictions.
    pub modes: GroupModes,
}

/// Package-level origin controls of the package in this repository.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OriginFact {
    /// Whether the package record carries an origin configuration (absent on old records).
    pub recorded: bool,
    /// `ALLOW` or `BLOCK` (`ALLOW` when not recorded, as the service behaves).
    pub publish: String,
    /// `ALLOW` or `BLOCK` (`ALLOW` when not recorded).
    pub upstream: String,
}

/// Version counts by origin.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct VersionCounts {
    /// All versions stored here, any status.
    pub total: i64,
    /// Versions first published into the domain.
    pub internal: i64,
    /// Versions first ingested from a public registry.
    pub external: i64,
    /// Versions of unknown provenance (`UNKNOWN` or no origin).
    pub unknown: i64,
}

/// Highest version per origin under the format's ordering.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct HighestVersions {
    /// Highest INTERNAL version.
    pub internal: Option<String>,
    /// Highest EXTERNAL version.
    pub external: Option<String>,
    /// Highest version of unknown origin.
    pub unknown: Option<String>,
}

/// How a public version can reach this package in this repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, JsonSchema)]
pub struct ExposurePath {
    /// Repository holding the external connection (where the public version enters).
    pub entry_repository: String,
    /// The external connection, e.g. `public:npmjs`.
    pub connection: String,
    /// Repositories from this one to the entry repository, in search order.
    pub path: Vec<String>,
    /// Whether the entry repository has a record of this package.
    pub entry_has_record: bool,
    /// The entry repository's package-level `publish` setting, or null without a record.
    pub entry_publish: Option<String>,
    /// Blocking `upstream` at the entry repository would also stop INTERNAL versions of this
    /// package that reach it from its own upstreams.
    pub blocking_cuts_internal_flow: bool,
}

/// Facts of a package in one repository.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PackageFacts {
    /// Package ARN (in this repository).
    pub arn: String,
    /// Domain name.
    pub domain: String,
    /// Repository name.
    pub repository: String,
    /// Package format.
    pub format: String,
    /// Namespace (npm scope without `@`, Maven groupId), or null.
    pub namespace: Option<String>,
    /// Package name as stored.
    pub name: String,
    /// The name as people write it: `@scope/name` (npm), `groupId:artifactId` (maven),
    /// `namespace/name` (others with a namespace), else the name.
    pub display: String,
    /// Whether an npm package has a scope.
    pub scoped: bool,
    /// Version counts by origin.
    pub versions: VersionCounts,
    /// Highest version per origin.
    pub highest: HighestVersions,
    /// The highest EXTERNAL version is greater than the highest INTERNAL one.
    pub external_outranks_internal: bool,
    /// Versions that do not parse under the format's ordering.
    pub unparsed_versions: Vec<String>,
    /// Some INTERNAL version was first published into this repository.
    pub internal_entry_here: bool,
    /// Package-level origin controls.
    pub origin: OriginFact,
    /// The governing package group (shared by the packages it governs).
    #[schemars(with = "PackageGroupFact")]
    pub group: Shared<PackageGroupFact>,
    /// The search from this repository reaches an external connection for the format.
    pub external_reach: bool,
    /// A new public version of this name can be ingested and retained here.
    pub exposed: bool,
    /// Every way a public version gets here (empty when not exposed); shared by the packages
    /// with the same paths.
    #[schemars(with = "Vec<ExposurePath>")]
    pub exposure: Shared<Vec<ExposurePath>>,
    /// Why each reachable external connection cannot deliver (when it cannot); shared likewise.
    #[schemars(with = "Vec<String>")]
    pub blocked_by: Shared<Vec<String>>,
    /// The first configured internal pattern the package matches, or null.
    pub internal_pattern: Option<String>,
    /// INTERNAL packages of the domain whose folded name equals this one's while the stored name
    /// differs: the first 10 in sort order (`lookalike_of_count` has the total).
    pub lookalike_of: Vec<String>,
    /// How many packages `lookalike_of` stands for.
    pub lookalike_of_count: i64,
    /// Other packages of this repository whose normalized name collides with this one's: the
    /// first 10 in sort order (`name_collisions_count` has the total).
    pub name_collisions: Vec<String>,
    /// How many packages `name_collisions` stands for.
    pub name_collisions_count: i64,
}

/// Facts of a package group (an existing group, or a configured internal pattern).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupFacts {
    /// Package-group ARN (also for a group that does not exist yet).
    pub arn: String,
    /// Domain name.
    pub domain: String,
    /// The pattern.
    pub pattern: String,
    /// Package format of the pattern, or null for the root.
    pub format: Option<String>,
    /// Whether the group exists in the domain.
    pub exists: bool,
    /// Whether the pattern is one of the configured internal patterns.
    pub internal: bool,
    /// The group deciding for the pattern's packages: the group itself if it exists, else the
    /// most specific existing group containing the pattern.
    pub governing: String,
    /// Whether the governing group is exactly this pattern.
    pub governing_is_exact: bool,
    /// Restrictions of the governing group.
    pub modes: GroupModes,
    /// The governing group stops external ingestion everywhere: effective EXTERNAL_UPSTREAM is
    /// BLOCK, or ALLOW_SPECIFIC_REPOSITORIES listing no repository with a matching connection.
    pub blocks_external: bool,
    /// Allowed EXTERNAL_UPSTREAM repositories that hold a connection for the pattern's format.
    pub allowed_with_connection: Vec<String>,
    /// Repositories of the domain whose search reaches an external connection for the format,
    /// by name.
    pub reaching_repositories: Vec<String>,
}

/// Facts of one package version.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VersionFacts {
    /// Package ARN the version belongs to.
    pub package_arn: String,
    /// Domain name.
    pub domain: String,
    /// Repository name.
    pub repository: String,
    /// Package format.
    pub format: String,
    /// Namespace, or null.
    pub namespace: Option<String>,
    /// Package name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Status: Published, Unlisted, Archived, ...
    pub status: String,
    /// INTERNAL, EXTERNAL or UNKNOWN.
    pub origin: String,
    /// Repository it was first published to, for INTERNAL versions.
    pub entry_repository: Option<String>,
    /// External connection it was first ingested from, for EXTERNAL versions.
    pub entry_connection: Option<String>,
    /// Whether the version parses under the format's ordering.
    pub parsed: bool,
}

/// A fact value shared between resources (the packages of one group, or with the same exposure
/// paths), serialized as the value itself.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Arc::new(value))
    }

    /// Whether both are the same value (not only equal ones).
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// The address of the value: the same for every resource sharing it.
    pub fn address(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        T::serialize(&self.0, serializer)
    }
}
