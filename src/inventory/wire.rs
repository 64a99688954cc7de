//! API objects in CodeArtifact's wire shape (the CodeArtifact API model,
//! botocore's `data/codeartifact/2018-09-22/service-2.json`).
//!
//! Field names are the model's member names (camelCase), timestamps are epoch seconds (fractions
//! allowed), enums are strings. Enum values this build does not know are kept as `Other(..)`
//! so a newer service release never makes an inventory unreadable.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Seconds since the Unix epoch, as restJson1 sends `Timestamp` members.
pub type Timestamp = f64;

/// Defines a string enum that keeps unknown values instead of rejecting them.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($variant,)+
            /// A value this version of caguard does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every value the API model defines, in model order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(other) => other.as_str(),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $($wire => $name::$variant,)+
                    _ => $name::Other(value),
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name::from(value.to_string())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_string()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// `PackageFormat`.
    PackageFormat {
        Npm = "npm",
        Pypi = "pypi",
        Maven = "maven",
        Nuget = "nuget",
        Generic = "generic",
        Ruby = "ruby",
        Swift = "swift",
        Cargo = "cargo",
    }
);

wire_enum!(
    /// `DomainStatus`.
    DomainStatus { Active = "Active", Deleted = "Deleted" }
);

wire_enum!(
    /// `ExternalConnectionStatus`.
    ExternalConnectionStatus { Available = "Available" }
);

wire_enum!(
    /// `AllowPublish` / `AllowUpstream`: the package-level origin control values.
    AllowMode { Allow = "ALLOW", Block = "BLOCK" }
);

wire_enum!(
    /// `PackageVersionStatus`.
    PackageVersionStatus {
        Published = "Published",
        Unfinished = "Unfinished",
        Unlisted = "Unlisted",
        Archived = "Archived",
        Disposed = "Disposed",
        Deleted = "Deleted",
    }
);

wire_enum!(
    /// `PackageVersionOriginType`.
    OriginType { Internal = "INTERNAL", External = "EXTERNAL", Unknown = "UNKNOWN" }
);

wire_enum!(
    /// `PackageGroupOriginRestrictionMode`.
    GroupMode {
        Allow = "ALLOW",
        AllowSpecificRepositories = "ALLOW_SPECIFIC_REPOSITORIES",
        Block = "BLOCK",
        Inherit = "INHERIT",
    }
);

wire_enum!(
    /// `PackageGroupOriginRestrictionType`: the keys of a group's restriction map.
    RestrictionType {
        Publish = "PUBLISH",
        ExternalUpstream = "EXTERNAL_UPSTREAM",
        InternalUpstream = "INTERNAL_UPSTREAM",
    }
);

/// `DomainDescription` (DescribeDomain → `domain`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainDescription {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DomainStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_size_bytes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_arn: Option<String>,
}

/// `ResourcePolicy` (Get*PermissionsPolicy → `policy`). `document` is a JSON string.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// `UpstreamRepositoryInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamRepositoryInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
}

/// `RepositoryExternalConnectionInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalConnectionInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_connection_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_format: Option<PackageFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ExternalConnectionStatus>,
}

/// `RepositoryDescription` (DescribeRepository → `repository`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryDescription {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrator_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Search priority order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstreams: Option<Vec<UpstreamRepositoryInfo>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_connections: Option<Vec<ExternalConnectionInfo>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<Timestamp>,
}

/// `PackageOriginRestrictions`: both members are required by the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageOriginRestrictions {
    pub publish: AllowMode,
    pub upstream: AllowMode,
}

/// `PackageOriginConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageOriginConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restrictions: Option<PackageOriginRestrictions>,
}

/// `PackageSummary` (ListPackages → `packages[]`). Note the name key is `package`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<PackageFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Absent on packages that predate origin controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_configuration: Option<PackageOriginConfiguration>,
}

/// `DomainEntryPoint`: where a version first entered the domain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainEntryPoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_connection_name: Option<String>,
}

/// `PackageVersionOrigin`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageVersionOrigin {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_entry_point: Option<DomainEntryPoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_type: Option<OriginType>,
}

/// `PackageVersionSummary` (ListPackageVersions → `versions[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageVersionSummary {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    pub status: PackageVersionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<PackageVersionOrigin>,
}

/// `PackageGroupReference`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageGroupReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// `PackageGroupOriginRestriction`. `effectiveMode` and `inheritedFrom` are computed by the
/// service; caguard recomputes them and treats the stored values as claims to check.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageGroupOriginRestriction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<GroupMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_mode: Option<GroupMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<PackageGroupReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repositories_count: Option<i64>,
}

/// `PackageGroupOriginConfiguration`. Map keys are the enum strings (`PUBLISH`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageGroupOriginConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restrictions: Option<BTreeMap<RestrictionType, PackageGroupOriginRestriction>>,
}

/// `PackageGroupDescription` (also the shape of `PackageGroupSummary`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageGroupDescription {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_configuration: Option<PackageGroupOriginConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<PackageGroupReference>,
}
