//! Offline scale benchmark: derive facts and evaluate the built-in rules over a generated
//! inventory (default 1,000,000 versions). Prints numbers; run with
//! `cargo bench --bench scan_scale [-- VERSIONS]`.

use caguard::config::{Config, Date};
use caguard::inventory::*;
use caguard::rules::RuleSet;
use std::time::Instant;

fn version(number: usize, origin: OriginType, entry: &str) -> PackageVersionSummary {
    PackageVersionSummary {
        version: format!("{}.{}.{}", number / 100, (number / 10) % 10, number % 10),
        revision: None,
        status: PackageVersionStatus::Published,
        origin: Some(PackageVersionOrigin {
            domain_entry_point: Some(DomainEntryPoint {
                repository_name: (origin == OriginType::Internal).then(|| entry.to_string()),
                external_connection_name: (origin == OriginType::External)
                    .then(|| "public:npmjs".to_string()),
            }),
            origin_type: Some(origin),
        }),
    }
}

fn repository(name: &str, upstreams: &[&str], connection: bool) -> RepositoryEntry {
    RepositoryEntry {
        repository: RepositoryDescription {
            name: Some(name.to_string()),
            upstreams: Some(
                upstreams
                    .iter()
                    .map(|u| UpstreamRepositoryInfo {
                        repository_name: Some(u.to_string()),
                    })
                    .collect(),
            ),
            external_connections: connection.then(|| {
                vec![ExternalConnectionInfo {
                    external_connection_name: Some("public:npmjs".to_string()),
                    package_format: Some(PackageFormat::Npm),
                    status: Some(ExternalConnectionStatus::Available),
                }]
            }),
            ..Default::default()
        },
        policy: None,
        packages: Vec::new(),
    }
}

/// A domain with app → internal, app → npm-store; packages spread over the three repositories.
fn generate(total_versions: usize) -> Inventory {
    let per_package = 20;
    let packages = total_versions / per_package;
    let mut repositories = vec![
        repository("app", &["internal", "npm-store"], false),
        repository("internal", &[], false),
        repository("npm-store", &[], true),
    ];
    for index in 0..packages {
        let internal = index % 3 == 0;
        let target = index % 3;
        let versions = (0..per_package)
            .map(|v| {
                let origin = if internal && v % 7 != 0 {
                    OriginType::Internal
                } else {
                    OriginType::External
                };
                version(v + 1, origin, "internal")
            })
            .collect();
        repositories[target].packages.push(PackageEntry {
            package: PackageSummary {
                format: Some(PackageFormat::Npm),
                namespace: (index % 2 == 0).then(|| "acme".to_string()),
                package: Some(format!("package-{index}")),
                origin_configuration: Some(PackageOriginConfiguration {
                    restrictions: Some(PackageOriginRestrictions {
                        publish: AllowMode::Allow,
                        upstream: if index % 5 == 0 {
                            AllowMode::Block
                        } else {
                            AllowMode::Allow
                        },
                    }),
                }),
            },
            versions,
        });
    }
    Inventory {
        region: Some("us-east-1".to_string()),
        domains: vec![DomainEntry {
            domain: DomainDescription {
                name: Some("acme".to_string()),
                owner: Some("111122223333".to_string()),
                ..Default::default()
            },
            policy: None,
            package_groups: Vec::new(),
            repositories,
        }],
        ..Inventory::new()
    }
}

fn main() {
    let versions: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let started = Instant::now();
    let inventory = generate(versions);
    println!("generated {versions} versions in {:.2?}", started.elapsed());

    let json = inventory.to_json();
    let started = Instant::now();
    let parsed = Inventory::parse(&json, std::path::Path::new("generated.json")).expect("parses");
    println!(
        "parsed {} MB of inventory JSON in {:.2?}",
        json.len() / 1_000_000,
        started.elapsed()
    );

    let config = Config::default();
    let rules = RuleSet::load(&[]).expect("built-in rules");
    let started = Instant::now();
    let result =
        caguard::app::scan(&parsed, None, &config, &rules, None, Date::today()).expect("scan");
    println!(
        "facts + rules + gate: {:.2?} for {versions} versions, {} findings ({} threads)",
        started.elapsed(),
        result.findings.len(),
        rayon::current_num_threads()
    );
}
