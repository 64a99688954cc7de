//! Offline scale benchmark: derive facts and evaluate the built-in rules over a generated
//! inventory (default 1,000,000 versions), then time the hostile shapes of
//! `tests/hostile/shapes.rs` (names that all collide or look alike, identical records). Prints
//! numbers; run with `cargo bench --bench scan_scale [-- VERSIONS | hostile]` (`hostile`: only
//! the hostile shapes).

#[path = "../tests/hostile/shapes.rs"]
mod shapes;

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
    let hostile_only = std::env::args().any(|a| a == "hostile");
    if !hostile_only {
        scale();
    }
    hostile();
}

/// Each shape once cost quadratic time or memory; the times must grow linearly with the size.
fn hostile() {
    let config = Config::default();
    let rules = RuleSet::load(&[]).expect("built-in rules");
    let scan = |name: &str, text: String| {
        let started = Instant::now();
        match Inventory::parse(&text, std::path::Path::new("hostile.json")) {
            Ok(inventory) => {
                let result =
                    caguard::app::scan(&inventory, None, &config, &rules, None, Date::today())
                        .expect("scan");
                let report = caguard::report::json::render(&result);
                println!(
                    "hostile {name}: parse + scan + JSON report in {:.2?}, {} findings, {} MB report",
                    started.elapsed(),
                    result.findings.len(),
                    report.len() / 1_000_000
                );
            }
            Err(error) => println!(
                "hostile {name}: refused in {:.2?}: {error}",
                started.elapsed()
            ),
        }
    };
    for count in [10_000, 50_000] {
        scan(
            &format!("{count} colliding PyPI names"),
            shapes::colliding_pypi_names(count),
        );
    }
    for pairs in [2_000, 8_000] {
        scan(
            &format!("{pairs} lookalike pairs"),
            shapes::lookalike_pairs(pairs),
        );
    }
    scan(
        "40000 identical package records",
        shapes::identical_records(40_000),
    );
}

fn scale() {
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
