//! SDK types → inventory wire types, in one place.
//!
//! The inventory stores every API object exactly as the service sends it, so
//! this is a field-by-field copy: timestamps become epoch seconds (fractions kept), enums become
//! their wire strings via `.as_str()` (a value the SDK does not know arrives as its `Unknown`
//! variant, whose `as_str()` is the raw string, and lands in our `Other(..)`), and optional
//! members stay optional so "absent" and "empty" remain distinguishable.

use crate::inventory as wire;
use aws_sdk_codeartifact::primitives::DateTime;
use aws_sdk_codeartifact::types as sdk;
use std::collections::BTreeMap;

fn time(value: Option<&DateTime>) -> Option<wire::Timestamp> {
    value.map(DateTime::as_secs_f64)
}

pub fn domain(value: &sdk::DomainDescription) -> wire::DomainDescription {
    wire::DomainDescription {
        name: value.name.clone(),
        owner: value.owner.clone(),
        arn: value.arn.clone(),
        status: value
            .status
            .as_ref()
            .map(|status| wire::DomainStatus::from(status.as_str())),
        created_time: time(value.created_time.as_ref()),
        encryption_key: value.encryption_key.clone(),
        // The SDK models these two as non-optional numbers (absent reads as 0).
        repository_count: Some(value.repository_count),
        asset_size_bytes: Some(value.asset_size_bytes),
        s3_bucket_arn: value.s3_bucket_arn.clone(),
    }
}

pub fn policy(value: &sdk::ResourcePolicy) -> wire::ResourcePolicy {
    wire::ResourcePolicy {
        resource_arn: value.resource_arn.clone(),
        revision: value.revision.clone(),
        document: value.document.clone(),
    }
}

pub fn repository(value: &sdk::RepositoryDescription) -> wire::RepositoryDescription {
    wire::RepositoryDescription {
        name: value.name.clone(),
        administrator_account: value.administrator_account.clone(),
        domain_name: value.domain_name.clone(),
        domain_owner: value.domain_owner.clone(),
        arn: value.arn.clone(),
        description: value.description.clone(),
        // The fields, not the slice accessors: `None` (not sent) and `Some([])` differ on the wire.
        upstreams: value.upstreams.as_ref().map(|upstreams| {
            upstreams
                .iter()
                .map(|upstream| wire::UpstreamRepositoryInfo {
                    repository_name: upstream.repository_name.clone(),
                })
                .collect()
        }),
        external_connections: value.external_connections.as_ref().map(|connections| {
            connections
                .iter()
                .map(|connection| wire::ExternalConnectionInfo {
                    external_connection_name: connection.external_connection_name.clone(),
                    package_format: connection
                        .package_format
                        .as_ref()
                        .map(|format| wire::PackageFormat::from(format.as_str())),
                    status: connection
                        .status
                        .as_ref()
                        .map(|status| wire::ExternalConnectionStatus::from(status.as_str())),
                })
                .collect()
        }),
        created_time: time(value.created_time.as_ref()),
    }
}

pub fn package(value: &sdk::PackageSummary) -> wire::PackageSummary {
    wire::PackageSummary {
        format: value
            .format
            .as_ref()
            .map(|format| wire::PackageFormat::from(format.as_str())),
        namespace: value.namespace.clone(),
        package: value.package.clone(),
        origin_configuration: value
            .origin_configuration
            .as_ref()
            .map(origin_configuration),
    }
}

fn origin_configuration(
    configuration: &sdk::PackageOriginConfiguration,
) -> wire::PackageOriginConfiguration {
    wire::PackageOriginConfiguration {
        restrictions: configuration.restrictions.as_ref().map(|restrictions| {
            wire::PackageOriginRestrictions {
                publish: wire::AllowMode::from(restrictions.publish.as_str()),
                upstream: wire::AllowMode::from(restrictions.upstream.as_str()),
            }
        }),
    }
}

/// DescribePackage's `PackageDescription` as the `PackageSummary` ListPackages would list:
/// the same coordinates and origin configuration.
pub fn package_description(value: &sdk::PackageDescription) -> wire::PackageSummary {
    wire::PackageSummary {
        format: value
            .format
            .as_ref()
            .map(|format| wire::PackageFormat::from(format.as_str())),
        namespace: value.namespace.clone(),
        package: value.name.clone(),
        origin_configuration: value
            .origin_configuration
            .as_ref()
            .map(origin_configuration),
    }
}

pub fn version(value: &sdk::PackageVersionSummary) -> wire::PackageVersionSummary {
    wire::PackageVersionSummary {
        version: value.version.clone(),
        revision: value.revision.clone(),
        status: wire::PackageVersionStatus::from(value.status.as_str()),
        origin: value
            .origin
            .as_ref()
            .map(|origin| wire::PackageVersionOrigin {
                domain_entry_point: origin.domain_entry_point.as_ref().map(|entry| {
                    wire::DomainEntryPoint {
                        repository_name: entry.repository_name.clone(),
                        external_connection_name: entry.external_connection_name.clone(),
                    }
                }),
                origin_type: origin
                    .origin_type
                    .as_ref()
                    .map(|kind| wire::OriginType::from(kind.as_str())),
            }),
    }
}

fn group_reference(value: &sdk::PackageGroupReference) -> wire::PackageGroupReference {
    wire::PackageGroupReference {
        arn: value.arn.clone(),
        pattern: value.pattern.clone(),
    }
}

fn group_mode(value: &sdk::PackageGroupOriginRestrictionMode) -> wire::GroupMode {
    wire::GroupMode::from(value.as_str())
}

/// `PackageGroupSummary` (ListPackageGroups) has the members of `PackageGroupDescription`, so
/// no DescribePackageGroup call is needed. The allowed-repository lists are filled in later.
pub fn package_group(value: &sdk::PackageGroupSummary) -> wire::PackageGroupEntry {
    let origin_configuration = value.origin_configuration.as_ref().map(|configuration| {
        wire::PackageGroupOriginConfiguration {
            restrictions: configuration.restrictions.as_ref().map(|restrictions| {
                restrictions
                    .iter()
                    .map(|(kind, restriction)| {
                        (
                            wire::RestrictionType::from(kind.as_str()),
                            wire::PackageGroupOriginRestriction {
                                mode: restriction.mode.as_ref().map(group_mode),
                                effective_mode: restriction.effective_mode.as_ref().map(group_mode),
                                inherited_from: restriction
                                    .inherited_from
                                    .as_ref()
                                    .map(group_reference),
                                repositories_count: restriction.repositories_count,
                            },
                        )
                    })
                    .collect::<BTreeMap<_, _>>()
            }),
        }
    });
    wire::PackageGroupEntry {
        group: wire::PackageGroupDescription {
            arn: value.arn.clone(),
            pattern: value.pattern.clone(),
            domain_name: value.domain_name.clone(),
            domain_owner: value.domain_owner.clone(),
            created_time: time(value.created_time.as_ref()),
            contact_info: value.contact_info.clone(),
            description: value.description.clone(),
            origin_configuration,
            parent: value.parent.as_ref().map(group_reference),
        },
        allowed_repositories: BTreeMap::new(),
    }
}

/// The restriction types of a group whose own mode is ALLOW_SPECIFIC_REPOSITORIES: the ones
/// that carry an allowed-repository list. An INHERITed ALLOW_SPECIFIC_REPOSITORIES uses the
/// ancestor's list, which is read on the ancestor itself.
pub fn specific_repository_restrictions(
    group: &wire::PackageGroupEntry,
) -> Vec<wire::RestrictionType> {
    group
        .group
        .origin_configuration
        .as_ref()
        .and_then(|configuration| configuration.restrictions.as_ref())
        .map(|restrictions| {
            restrictions
                .iter()
                .filter(|(_, restriction)| {
                    restriction.mode == Some(wire::GroupMode::AllowSpecificRepositories)
                })
                .map(|(kind, _)| kind.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// A repository summary (ListRepositoriesInDomain) as a description without upstreams and
/// external connections; only used for the repository's name and ARN.
pub fn repository_summary(value: &sdk::RepositorySummary) -> wire::RepositoryDescription {
    wire::RepositoryDescription {
        name: value.name.clone(),
        administrator_account: value.administrator_account.clone(),
        domain_name: value.domain_name.clone(),
        domain_owner: value.domain_owner.clone(),
        arn: value.arn.clone(),
        description: value.description.clone(),
        upstreams: None,
        external_connections: None,
        created_time: time(value.created_time.as_ref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_fractions_and_unknown_enums_survive() {
        let summary = sdk::PackageVersionSummary::builder()
            .version("1.0.0")
            .status(sdk::PackageVersionStatus::from("Quarantined"))
            .origin(
                sdk::PackageVersionOrigin::builder()
                    .origin_type(sdk::PackageVersionOriginType::External)
                    .build(),
            )
            .build()
            .expect("required members set");
        let converted = version(&summary);
        assert_eq!(
            converted.status,
            wire::PackageVersionStatus::Other("Quarantined".into())
        );
        assert_eq!(
            converted.origin.and_then(|o| o.origin_type),
            Some(wire::OriginType::External)
        );
        let described = sdk::RepositoryDescription::builder()
            .name("r")
            .created_time(DateTime::from_secs_f64(1_700_000_000.25))
            .build();
        let converted = repository(&described);
        assert_eq!(converted.created_time, Some(1_700_000_000.25));
        assert_eq!(converted.upstreams, None, "absent stays absent");
    }

    #[test]
    fn group_restrictions_keyed_by_enum_strings() {
        let restriction = |mode: sdk::PackageGroupOriginRestrictionMode| {
            sdk::PackageGroupOriginRestriction::builder()
                .mode(mode.clone())
                .effective_mode(mode)
                .build()
        };
        let configuration = sdk::PackageGroupOriginConfiguration::builder()
            .restrictions(
                sdk::PackageGroupOriginRestrictionType::Publish,
                restriction(sdk::PackageGroupOriginRestrictionMode::AllowSpecificRepositories),
            )
            .restrictions(
                sdk::PackageGroupOriginRestrictionType::ExternalUpstream,
                restriction(sdk::PackageGroupOriginRestrictionMode::Block),
            )
            .build();
        let summary = sdk::PackageGroupSummary::builder()
            .pattern("/npm/acme/*")
            .origin_configuration(configuration)
            .build();
        let entry = package_group(&summary);
        let json = serde_json::to_value(&entry).expect("serializes");
        assert_eq!(
            json["originConfiguration"]["restrictions"]["PUBLISH"]["mode"],
            "ALLOW_SPECIFIC_REPOSITORIES"
        );
        assert_eq!(
            specific_repository_restrictions(&entry),
            vec![wire::RestrictionType::Publish]
        );
    }
}
