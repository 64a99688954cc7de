//! The order in which an inventory lists its domains, repositories, packages, versions and
//! package groups carries no meaning (CodeArtifact's List* calls promise no order), so it must
//! never change what a scan reports: the same findings, in the same order, with the same
//! messages and evidence, and the same exit outcome.
//!
//! What is NOT shuffled is what does carry meaning: a repository's `upstreams` (the search
//! order) and the statements of a policy.

mod common;

use caguard::config::Config;
use caguard::exit::Outcome;
use caguard::gate::{FailOn, Verdict};
use caguard::inventory::Inventory;
use caguard::rules::RuleSet;
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// One world to shuffle: the inventory, its config, and the report of the order as written.
struct World {
    name: &'static str,
    inventory: Inventory,
    config: Config,
    expected: Report,
}

/// What must not change: per finding rule id, ARN, fingerprint, message and evidence (in report
/// order), and the exit outcome of the default gate.
#[derive(Debug, PartialEq)]
struct Report {
    findings: Vec<(String, String, String, String, String)>,
    outcome: Outcome,
}

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::load(&[]).unwrap_or_else(|e| panic!("{e}")))
}

fn report(inventory: &Inventory, config: &Config) -> Report {
    let result = caguard::app::scan(
        inventory,
        Some(Path::new("inventory.json")),
        config,
        rules(),
        None,
        common::TODAY,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let verdict = Verdict::of(
        &result.findings,
        FailOn::High,
        result.collection_errors.len(),
    );
    Report {
        findings: result
            .findings
            .iter()
            .map(|f| {
                (
                    f.rule_id.clone(),
                    f.resource.arn.clone(),
                    f.fingerprint.clone(),
                    f.message.clone(),
                    serde_json::to_string(&f.evidence).unwrap_or_default(),
                )
            })
            .collect(),
        outcome: verdict.outcome,
    }
}

fn world(name: &'static str, inventory: &str, config: Option<&str>) -> World {
    let root = common::root();
    let inventory = Inventory::load(&root.join(inventory)).unwrap_or_else(|e| panic!("{e}"));
    let config = match config {
        Some(path) => Config::load(&root.join(path)).unwrap_or_else(|e| panic!("{e}")),
        None => Config::default(),
    };
    let expected = report(&inventory, &config);
    assert!(
        !expected.findings.is_empty(),
        "{name}: a world without findings shows nothing"
    );
    World {
        name,
        inventory,
        config,
        expected,
    }
}

fn worlds() -> &'static [World] {
    static WORLDS: OnceLock<Vec<World>> = OnceLock::new();
    WORLDS.get_or_init(|| {
        vec![
            world(
                "demo",
                "fixtures/demo/acme.json",
                Some("fixtures/demo/caguard.toml"),
            ),
            // Version order within a package decides "highest" (PEP 440, not text order).
            world(
                "external-version-outranks-internal",
                "fixtures/rules/external-version-outranks-internal/positive.json",
                None,
            ),
            // Package groups with internal patterns and allowed-repository lists.
            world(
                "internal-namespace-unprotected",
                "fixtures/rules/internal-namespace-unprotected/positive.json",
                Some("fixtures/rules/internal-namespace-unprotected/caguard.toml"),
            ),
        ]
    })
}

/// SplitMix64: a small deterministic generator, so a failing case is reproduced by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

fn shuffled(inventory: &Inventory, seed: u64) -> Inventory {
    let mut rng = Rng(seed);
    let mut inventory = inventory.clone();
    rng.shuffle(&mut inventory.domains);
    for domain in &mut inventory.domains {
        rng.shuffle(&mut domain.package_groups);
        rng.shuffle(&mut domain.repositories);
        for repository in &mut domain.repositories {
            rng.shuffle(&mut repository.packages);
            for package in &mut repository.packages {
                rng.shuffle(&mut package.versions);
            }
        }
    }
    inventory
}

/// The first findings that differ, rather than two reports of a few dozen findings each.
fn difference(expected: &Report, actual: &Report) -> String {
    let mut lines = Vec::new();
    if expected.outcome != actual.outcome {
        lines.push(format!(
            "outcome {:?} became {:?}",
            expected.outcome, actual.outcome
        ));
    }
    if expected.findings.len() != actual.findings.len() {
        lines.push(format!(
            "{} findings became {}",
            expected.findings.len(),
            actual.findings.len()
        ));
    }
    for (before, after) in expected.findings.iter().zip(&actual.findings) {
        if before != after {
            lines.push(format!("was {before:?}\nnow {after:?}"));
        }
    }
    lines.truncate(4);
    lines.join("\n")
}

proptest! {
    // Each case scans three worlds (the demo has 9 repositories and ~100 versions); a few dozen
    // orders cover every list being reordered many times over, in a few seconds of debug build.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn shuffling_an_inventory_never_changes_the_findings(seed in any::<u64>()) {
        for world in worlds() {
            let inventory = shuffled(&world.inventory, seed);
            let actual = report(&inventory, &world.config);
            prop_assert!(
                actual == world.expected,
                "{}: the scan changed when the inventory was shuffled with seed {}:\n{}",
                world.name,
                seed,
                difference(&world.expected, &actual)
            );
        }
    }
}

#[test]
fn the_shuffle_reorders_the_demo() {
    // Guards the property above against a shuffle that silently does nothing.
    let demo = &worlds()[0];
    let moved = (0..8).any(|seed| {
        let other = shuffled(&demo.inventory, seed);
        other
            .domains
            .iter()
            .zip(&demo.inventory.domains)
            .any(|(a, b)| {
                a.repositories.iter().zip(&b.repositories).any(|(x, y)| {
                    x.repository.name != y.repository.name || x.packages != y.packages
                })
            })
    });
    assert!(moved);
}
