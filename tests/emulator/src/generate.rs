//! Generated worlds for tests and benchmarks, and the comparisons that check a collection of
//! them.
//!
//! [`world`] builds a two-domain inventory of any size whose call count is known in advance
//! (see `caguard::collect::minimum_calls`); [`normalize`] and [`without_group_details`] make a
//! collected inventory comparable with the one the emulator served.

use caguard::inventory::*;
use std::collections::BTreeMap;

/// The account every generated resource belongs to.
pub const ACCOUNT: &str = "111122223333";

/// The fewest packages [`world`] accepts: every repository it describes needs a few.
pub const MIN_PACKAGES: usize = 25;

fn ts(seconds: u64) -> Option<f64> {
    Some(seconds as f64)
}

fn repository(
    domain: &str,
    name: &str,
    upstreams: &[&str],
    connection: Option<(&str, PackageFormat)>,
) -> RepositoryDescription {
    RepositoryDescription {
        name: Some(name.into()),
        administrator_account: Some(ACCOUNT.into()),
        domain_name: Some(domain.into()),
        domain_owner: Some(ACCOUNT.into()),
        arn: Some(caguard::arn::repository("us-east-1", ACCOUNT, domain, name)),
        description: None,
        upstreams: Some(
            upstreams
                .iter()
                .map(|u| UpstreamRepositoryInfo {
                    repository_name: Some(u.to_string()),
                })
                .collect(),
        ),
        external_connections: Some(
            connection
                .into_iter()
                .map(|(name, format)| ExternalConnectionInfo {
                    external_connection_name: Some(name.into()),
                    package_format: Some(format),
                    status: Some(ExternalConnectionStatus::Available),
                })
                .collect(),
        ),
        created_time: ts(1_700_000_000),
    }
}

fn package(
    namespace: Option<&str>,
    name: &str,
    versions: usize,
    origin: OriginType,
) -> PackageEntry {
    PackageEntry {
        package: PackageSummary {
            format: Some(PackageFormat::Npm),
            namespace: namespace.map(str::to_string),
            package: Some(name.into()),
            origin_configuration: Some(PackageOriginConfiguration {
                restrictions: Some(PackageOriginRestrictions {
                    publish: AllowMode::Block,
                    upstream: AllowMode::Allow,
                }),
            }),
        },
        versions: (0..versions)
            .map(|i| PackageVersionSummary {
                version: format!("1.{}.{}", i / 100, i % 100),
                revision: Some(format!("rev-{i}")),
                status: PackageVersionStatus::Published,
                origin: Some(PackageVersionOrigin {
                    domain_entry_point: Some(DomainEntryPoint {
                        repository_name: None,
                        external_connection_name: Some("public:npmjs".into()),
                    }),
                    origin_type: Some(origin.clone()),
                }),
            })
            .collect(),
    }
}

fn group(
    domain: &str,
    pattern: &str,
    parent: Option<&str>,
    modes: [GroupMode; 3],
) -> PackageGroupEntry {
    let reference = |pattern: &str| PackageGroupReference {
        arn: Some(caguard::arn::package_group(
            "us-east-1",
            ACCOUNT,
            domain,
            pattern,
        )),
        pattern: Some(pattern.into()),
    };
    let kinds = [
        RestrictionType::Publish,
        RestrictionType::ExternalUpstream,
        RestrictionType::InternalUpstream,
    ];
    PackageGroupEntry {
        group: PackageGroupDescription {
            arn: reference(pattern).arn,
            pattern: Some(pattern.into()),
            domain_name: Some(domain.into()),
            domain_owner: Some(ACCOUNT.into()),
            created_time: ts(1_710_000_000),
            contact_info: None,
            description: None,
            origin_configuration: Some(PackageGroupOriginConfiguration {
                restrictions: Some(
                    kinds
                        .into_iter()
                        .zip(modes)
                        .map(|(kind, mode)| {
                            (
                                kind,
                                PackageGroupOriginRestriction {
                                    mode: Some(mode.clone()),
                                    effective_mode: Some(mode),
                                    inherited_from: None,
                                    repositories_count: None,
                                },
                            )
                        })
                        .collect(),
                ),
            }),
            parent: parent.map(reference),
        },
        allowed_repositories: BTreeMap::new(),
    }
}

/// `packages` packages (at least [`MIN_PACKAGES`]) in two domains. Domain `big` has a store
/// repository with 12/25 of them (external, 1–3 versions each, one of them `@types/node` with
/// 12), an app repository with 11/25 (internal, 2 versions each, but the first, `@big/monolith`,
/// has 1,500: two ListPackageVersions pages), a library repository with the rest but one
/// (1 version each), an empty repository, and two package groups of which one has allowed
/// lists; domain `small` has one repository with one package.
///
/// `world(2500)` is a store of 1,200 packages (two ListPackages pages), an app of 1,100 and a
/// library of 199: 2,529 calls at the minimum.
///
/// # Panics
///
/// When `packages < MIN_PACKAGES`.
pub fn world(packages: usize) -> Inventory {
    use GroupMode::*;
    assert!(
        packages >= MIN_PACKAGES,
        "a generated world needs at least {MIN_PACKAGES} packages, not {packages}"
    );
    let store_packages = packages * 12 / 25;
    let app_packages = packages * 11 / 25;
    let lib_packages = packages - store_packages - app_packages - 1;
    let d = "big";
    let mut store = RepositoryEntry {
        repository: repository(
            d,
            "npm-store",
            &[],
            Some(("public:npmjs", PackageFormat::Npm)),
        ),
        policy: None,
        packages: (0..store_packages)
            .map(|i| {
                package(
                    None,
                    &format!("public-{i:04}"),
                    1 + i % 3,
                    OriginType::External,
                )
            })
            .collect(),
    };
    store.packages[7] = package(Some("types"), "node", 12, OriginType::External);
    let mut app = RepositoryEntry {
        repository: repository(d, "app", &["lib", "npm-store"], None),
        policy: Some(ResourcePolicy {
            resource_arn: Some(caguard::arn::repository("us-east-1", ACCOUNT, d, "app")),
            revision: Some("r1".into()),
            document: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into()),
        }),
        packages: (0..app_packages)
            .map(|i| package(Some("big"), &format!("svc-{i:04}"), 2, OriginType::Internal))
            .collect(),
    };
    app.packages[0] = package(Some("big"), "monolith", 1500, OriginType::Internal);
    let lib = RepositoryEntry {
        repository: repository(d, "lib", &[], None),
        policy: None,
        packages: (0..lib_packages)
            .map(|i| package(Some("big"), &format!("lib-{i:03}"), 1, OriginType::Internal))
            .collect(),
    };
    let empty = RepositoryEntry {
        repository: repository(d, "empty", &["app"], None),
        policy: None,
        packages: Vec::new(),
    };
    let mut specific = group(
        d,
        "/npm/big/*",
        Some("/*"),
        [AllowSpecificRepositories, Block, AllowSpecificRepositories],
    );
    specific.allowed_repositories = BTreeMap::from([
        (
            RestrictionType::Publish,
            vec!["app".to_string(), "lib".to_string()],
        ),
        (RestrictionType::InternalUpstream, vec!["empty".to_string()]),
    ]);
    for (kind, list) in &specific.allowed_repositories {
        if let Some(restriction) = specific
            .group
            .origin_configuration
            .as_mut()
            .and_then(|c| c.restrictions.as_mut())
            .and_then(|r| r.get_mut(kind))
        {
            restriction.repositories_count = Some(list.len() as i64);
        }
    }
    let domain = |name: &str,
                  groups: Vec<PackageGroupEntry>,
                  repositories: Vec<RepositoryEntry>| DomainEntry {
        domain: DomainDescription {
            name: Some(name.into()),
            owner: Some(ACCOUNT.into()),
            arn: Some(caguard::arn::domain("us-east-1", ACCOUNT, name)),
            status: Some(DomainStatus::Active),
            created_time: ts(1_690_000_000),
            encryption_key: None,
            repository_count: Some(repositories.len() as i32),
            asset_size_bytes: Some(0),
            s3_bucket_arn: None,
        },
        policy: None,
        package_groups: groups,
        repositories,
    };
    let small = RepositoryEntry {
        repository: repository("small", "only", &[], None),
        policy: None,
        packages: vec![package(None, "solo", 3, OriginType::Unknown)],
    };
    let mut inventory = Inventory::new();
    inventory.region = Some("us-east-1".into());
    inventory.domains = vec![
        domain(
            d,
            vec![group(d, "/*", None, [Allow, Allow, Allow]), specific],
            vec![store, app, lib, empty],
        ),
        domain(
            "small",
            vec![group("small", "/*", None, [Allow, Allow, Allow])],
            vec![small],
        ),
    ];
    inventory
}

/// The inventory with every order the API does not define made canonical: repositories by
/// name, packages by (format, namespace, name), versions by version, groups by pattern.
/// Upstream order is search priority and stays as it is. `collectedAt` differs by nature, and
/// a `repositoriesCount` of 0 says the same as none (there is no allowed list).
pub fn normalize(inventory: &Inventory) -> Inventory {
    let mut inventory = inventory.clone();
    inventory.collected_at = None;
    inventory.errors.sort();
    for domain in &mut inventory.domains {
        domain
            .package_groups
            .sort_by(|a, b| a.group.pattern.cmp(&b.group.pattern));
        for group in &mut domain.package_groups {
            group
                .allowed_repositories
                .retain(|_, list| !list.is_empty());
            let restrictions = group
                .group
                .origin_configuration
                .as_mut()
                .and_then(|configuration| configuration.restrictions.as_mut());
            for restriction in restrictions.into_iter().flat_map(|r| r.values_mut()) {
                if restriction.repositories_count == Some(0) {
                    restriction.repositories_count = None;
                }
            }
        }
        domain
            .repositories
            .sort_by(|a, b| a.repository.name.cmp(&b.repository.name));
        for repository in &mut domain.repositories {
            repository.packages.sort_by(|a, b| {
                let key = |p: &PackageEntry| {
                    (
                        p.package.format.as_ref().map(|f| f.as_str().to_string()),
                        p.package.namespace.clone(),
                        p.package.package.clone(),
                    )
                };
                key(a).cmp(&key(b))
            });
            for package in &mut repository.packages {
                package.versions.sort_by(|a, b| a.version.cmp(&b.version));
            }
        }
    }
    inventory
}

/// [`normalize`], with package groups reduced to their pattern and allowed lists: the data a
/// collection must reproduce, without the groups' computed members (the emulator's business).
pub fn without_group_details(inventory: &Inventory) -> Inventory {
    let mut inventory = normalize(inventory);
    for domain in &mut inventory.domains {
        for group in &mut domain.package_groups {
            group.group = PackageGroupDescription {
                pattern: group.group.pattern.clone(),
                ..PackageGroupDescription::default()
            };
        }
    }
    inventory
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packages(inventory: &Inventory) -> Vec<usize> {
        inventory
            .domains
            .iter()
            .flat_map(|d| &d.repositories)
            .map(|r| r.packages.len())
            .collect()
    }

    #[test]
    fn world_of_2500_has_the_documented_repositories() {
        assert_eq!(packages(&world(2500)), [1200, 1100, 199, 0, 1]);
    }

    #[test]
    fn world_has_exactly_the_requested_packages() {
        for n in [MIN_PACKAGES, 26, 99, 1000, 10_001] {
            assert_eq!(packages(&world(n)).iter().sum::<usize>(), n, "{n}");
        }
    }
}
